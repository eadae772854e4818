//! Configuration from environment variables, with defaults that run the demo with nothing set.

use std::env;
use store::Secret;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Demo data, the outbox page and the dev helpers are on.
    Demo,
    /// None of that.
    Production,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub mode: Mode,
    pub database_url: String,
    pub demo_scale: u32,
    pub idle_timeout_seconds: i64,
    pub cookie_secure: bool,
    /// Extra origin allowed for POSTs besides the request's own host (e.g. `https://lk.example.ru`).
    pub public_origin: Option<String>,
    /// How many proxies of our own stand in front (`TRUST_PROXY`): the client's address is the
    /// hop that many places from the right of `X-Forwarded-For`; 0 reads the socket only.
    pub trusted_proxies: usize,
    pub smtp_url: Option<Secret<String>>,
    pub mail_from: String,
    pub body_limit: usize,
    pub db_max_connections: u32,
    /// How often due reminders are looked for.
    pub job_tick_seconds: u64,
    /// The built-in sandbox acquirer: time from a charge to its webhook, and how long a card
    /// that never answers takes to time out.
    pub sandbox_delay_ms: i64,
    pub sandbox_timeout_seconds: i64,
}

fn var(name: &str) -> Option<String> {
    env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn parse<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match var(name) {
        Some(v) => v.parse().map_err(|_| format!("{name}: cannot read {v:?}")),
        None => Ok(default),
    }
}

fn flag(name: &str, default: bool) -> Result<bool, String> {
    match var(name).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(v) => Err(format!("{name}: expected true or false, got {v:?}")),
    }
}

/// `TRUST_PROXY`: `false` (none), `true` (one proxy) or the number of proxies in front.
fn proxies(name: &str) -> Result<usize, String> {
    match var(name) {
        None => Ok(0),
        Some(v) => match flag(name, false) {
            Ok(on) => Ok(usize::from(on)),
            Err(_) => v.parse::<usize>().ok().filter(|n| *n <= 16).ok_or_else(|| {
                format!("{name}: expected true, false or a number of proxies 0–16, got {v:?}")
            }),
        },
    }
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        let mode = match var("KABINET_MODE").as_deref() {
            None | Some("production") => Mode::Production,
            Some("demo" | "dev") => Mode::Demo,
            Some(other) => {
                return Err(format!(
                    "KABINET_MODE: expected demo or production, got {other:?}"
                ));
            }
        };
        let public_origin = var("PUBLIC_ORIGIN");
        let https = public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"));
        Ok(Config {
            database_url: var("DATABASE_URL").unwrap_or_else(|| "sqlite://data/kabinet.db".into()),
            demo_scale: parse("DEMO_SCALE", 0)?,
            idle_timeout_seconds: match var("IDLE_TIMEOUT_SECONDS") {
                Some(_) => parse("IDLE_TIMEOUT_SECONDS", 900)?,
                None => parse::<i64>("IDLE_TIMEOUT_MINUTES", 15)? * 60,
            },
            cookie_secure: flag("COOKIE_SECURE", https)?,
            public_origin,
            trusted_proxies: proxies("TRUST_PROXY")?,
            smtp_url: var("SMTP_URL").map(Secret::new),
            mail_from: var("MAIL_FROM")
                .unwrap_or_else(|| "Кабинет страхователя <noreply@example.ru>".into()),
            body_limit: parse("BODY_LIMIT_BYTES", 8 * 1024 * 1024)?,
            db_max_connections: parse("DB_MAX_CONNECTIONS", 16)?,
            job_tick_seconds: parse::<u64>("JOB_TICK_SECONDS", 5)?.max(1),
            sandbox_delay_ms: parse::<i64>("SANDBOX_DELAY_MS", 1500)?.max(0),
            sandbox_timeout_seconds: parse::<i64>("SANDBOX_TIMEOUT_SECONDS", 60)?.max(1),
            mode,
        })
    }
}
