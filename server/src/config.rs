//! Configuration from environment variables. Production (the default) starts only with real
//! transports and a real payment provider ([`Config::refusals`]); demo and staging may pretend,
//! and every page then says so ([`Config::banner`]).

use std::env;
use store::Secret;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Demo data, the outbox page, the dev helpers and the sandbox acquirer are on.
    Demo,
    /// A production-like installation to try things on: a real public address, but payments may go
    /// to the sandbox and messages to the outbox (`/dev/outbox`). No demo data, no dev helpers.
    Staging,
    /// Real money and real messages: none of that.
    Production,
}

/// Where payments go (`PAYMENT_PROVIDER`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentProvider {
    /// The built-in sandbox acquirer: no money moves. Demo and staging only.
    Sandbox,
    /// A name no provider has: refused at start.
    Unknown(String),
}

#[derive(Clone, Debug)]
pub struct Config {
    pub mode: Mode,
    pub database_url: String,
    pub demo_scale: u32,
    pub idle_timeout_seconds: i64,
    /// Registration attempts one address may make in an hour (`REGISTRATIONS_PER_IP_HOUR`).
    pub registrations_per_ip_hour: i32,
    /// Browser error reports one address may send in an hour (`CLIENT_ERRORS_PER_IP_HOUR`).
    pub client_errors_per_ip_hour: i32,
    pub cookie_secure: bool,
    /// Extra origin allowed for POSTs besides the request's own host (e.g. `https://lk.example.ru`).
    pub public_origin: Option<String>,
    /// How many proxies of our own stand in front (`TRUST_PROXY`): the client's address is the
    /// hop that many places from the right of `X-Forwarded-For`; 0 reads the socket only.
    pub trusted_proxies: usize,
    pub smtp_url: Option<Secret<String>>,
    pub mail_from: String,
    /// The SMS operator's HTTP API (`SMS_GATEWAY_URL`, e.g. `https://sms.ru/sms/send`) and its key.
    pub sms_gateway_url: Option<String>,
    pub sms_gateway_key: Option<Secret<String>>,
    /// `PAYMENT_PROVIDER`; demo mode uses the sandbox when unset.
    pub payment_provider: Option<PaymentProvider>,
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
            Some("staging") => Mode::Staging,
            Some("demo" | "dev") => Mode::Demo,
            Some(other) => {
                return Err(format!(
                    "KABINET_MODE: expected demo, staging or production, got {other:?}"
                ));
            }
        };
        let payment_provider = match var("PAYMENT_PROVIDER").as_deref() {
            Some("sandbox") => Some(PaymentProvider::Sandbox),
            Some(other) => Some(PaymentProvider::Unknown(other.to_string())),
            None if mode == Mode::Demo => Some(PaymentProvider::Sandbox),
            None => None,
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
            registrations_per_ip_hour: match parse("REGISTRATIONS_PER_IP_HOUR", 20)? {
                n @ 1..=10_000 => n,
                n => {
                    return Err(format!(
                        "REGISTRATIONS_PER_IP_HOUR: expected 1 to 10000, got {n}"
                    ));
                }
            },
            client_errors_per_ip_hour: match parse("CLIENT_ERRORS_PER_IP_HOUR", 30)? {
                n @ 1..=10_000 => n,
                n => {
                    return Err(format!(
                        "CLIENT_ERRORS_PER_IP_HOUR: expected 1 to 10000, got {n}"
                    ));
                }
            },
            cookie_secure: flag("COOKIE_SECURE", https)?,
            public_origin,
            trusted_proxies: proxies("TRUST_PROXY")?,
            smtp_url: var("SMTP_URL").map(Secret::new),
            mail_from: var("MAIL_FROM")
                .unwrap_or_else(|| "Кабинет страхователя <noreply@example.ru>".into()),
            sms_gateway_url: var("SMS_GATEWAY_URL"),
            sms_gateway_key: var("SMS_GATEWAY_KEY").map(Secret::new),
            payment_provider,
            body_limit: parse("BODY_LIMIT_BYTES", 8 * 1024 * 1024)?,
            db_max_connections: parse("DB_MAX_CONNECTIONS", 16)?,
            job_tick_seconds: parse::<u64>("JOB_TICK_SECONDS", 5)?.max(1),
            sandbox_delay_ms: parse::<i64>("SANDBOX_DELAY_MS", 1500)?.max(0),
            sandbox_timeout_seconds: parse::<i64>("SANDBOX_TIMEOUT_SECONDS", 60)?.max(1),
            mode,
        })
    }
}

impl Config {
    /// Messages are also kept in the outbox table that `/dev/outbox` shows (codes in clear):
    /// demo and staging only.
    pub fn outbox(&self) -> bool {
        self.mode != Mode::Production
    }

    /// The SMS gateway, when both its settings are given.
    pub fn sms_gateway(&self) -> Option<Result<store::notify::HttpSmsGateway, String>> {
        match (&self.sms_gateway_url, &self.sms_gateway_key) {
            (Some(url), Some(key)) => Some(store::notify::HttpSmsGateway::new(url, key.clone())),
            _ => None,
        }
    }

    /// Why the server must not start in this mode with this configuration: one line per setting
    /// (Russian, then English), all of them. Empty when it may start.
    pub fn refusals(&self) -> Vec<String> {
        let production = self.mode == Mode::Production;
        let mut out = Vec::new();
        if self.mode != Mode::Demo {
            let mode = if production { "production" } else { "staging" };
            match self.public_origin.as_deref() {
                None => out.push(format!(
                    "PUBLIC_ORIGIN не задан: нужен публичный https://-адрес кабинета (ссылки в письмах, Secure-cookie) / \
                     PUBLIC_ORIGIN is not set: {mode} needs the cabinet's public https:// address"
                )),
                Some(o) if !o.starts_with("https://") => out.push(format!(
                    "PUBLIC_ORIGIN={o:?} не https: cookie без Secure уйдут открытым текстом / \
                     PUBLIC_ORIGIN must start with https:// in {mode}"
                )),
                Some(_) => {}
            }
            if !self.cookie_secure {
                out.push(format!(
                    "COOKIE_SECURE=false недопустим: сессионная cookie должна быть Secure / \
                     COOKIE_SECURE=false is refused in {mode}"
                ));
            }
        }
        if production && self.smtp_url.is_none() {
            out.push(
                "SMTP_URL не задан: письма (коды, уведомления, чеки) некуда отправлять / \
                 SMTP_URL is not set: production needs a mail transport"
                    .into(),
            );
        }
        match (&self.sms_gateway_url, &self.sms_gateway_key) {
            (None, None) if production => out.push(
                "SMS_GATEWAY_URL и SMS_GATEWAY_KEY не заданы: SMS-коды некуда отправлять / \
                 SMS_GATEWAY_URL and SMS_GATEWAY_KEY are not set: production needs an SMS gateway"
                    .into(),
            ),
            (None, None) => {}
            (Some(_), None) => out.push(
                "SMS_GATEWAY_KEY не задан: без ключа шлюз SMS не примет сообщения / \
                 SMS_GATEWAY_KEY is not set (SMS_GATEWAY_URL is)"
                    .into(),
            ),
            (None, Some(_)) => out.push(
                "SMS_GATEWAY_URL не задан: ключ есть, а адреса шлюза SMS нет / \
                 SMS_GATEWAY_URL is not set (SMS_GATEWAY_KEY is)"
                    .into(),
            ),
            (Some(url), Some(_)) => {
                if let Some(Err(e)) = self.sms_gateway() {
                    out.push(format!("{e} / адрес шлюза SMS не читается"));
                } else if production && !url.starts_with("https://") {
                    out.push(format!(
                        "SMS_GATEWAY_URL={url:?} не https: ключ шлюза ушёл бы открытым текстом / \
                         SMS_GATEWAY_URL must start with https:// in production"
                    ));
                }
            }
        }
        match &self.payment_provider {
            None if production => out.push(
                "PAYMENT_PROVIDER не задан: нужен платёжный провайдер; есть только sandbox, а он в рабочем режиме запрещён / \
                 PAYMENT_PROVIDER is not set: production needs a payment provider; only `sandbox` exists and it is refused in production"
                    .into(),
            ),
            None => out.push(
                "PAYMENT_PROVIDER не задан: на тестовом стенде укажите PAYMENT_PROVIDER=sandbox / \
                 PAYMENT_PROVIDER is not set: staging takes PAYMENT_PROVIDER=sandbox"
                    .into(),
            ),
            Some(PaymentProvider::Sandbox) if production => out.push(
                "PAYMENT_PROVIDER=sandbox запрещён в рабочем режиме: тестовый эквайер не списывает деньги, а долги отметил бы оплаченными \
                 (только KABINET_MODE=demo или staging) / the sandbox acquirer is refused in production: no money would move"
                    .into(),
            ),
            Some(PaymentProvider::Unknown(name)) => out.push(format!(
                "PAYMENT_PROVIDER={name:?} неизвестен: есть только sandbox / unknown payment provider; only `sandbox` exists"
            )),
            Some(PaymentProvider::Sandbox) => {}
        }
        out
    }

    /// What every page says on top when something is pretend: the sandbox takes the payments, or
    /// messages are kept in the outbox instead of (or as well as) being sent.
    pub fn banner(&self) -> Option<String> {
        let lead = match self.mode {
            Mode::Production => return None,
            Mode::Demo => "Демонстрационный режим",
            Mode::Staging => "Тестовый стенд",
        };
        let mut parts = Vec::new();
        if self.payment_provider == Some(PaymentProvider::Sandbox) {
            parts.push("платежи не проводятся");
        }
        if self.outbox() {
            let all_sent = self.smtp_url.is_some() && self.sms_gateway().is_some();
            parts.push(if all_sent {
                "копии сообщений попадают в /dev/outbox"
            } else {
                "сообщения не отправляются, а попадают в /dev/outbox"
            });
        }
        Some(format!("{lead}: {}", parts.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(mode: Mode) -> Config {
        Config {
            mode,
            database_url: String::new(),
            demo_scale: 0,
            idle_timeout_seconds: 900,
            cookie_secure: false,
            public_origin: None,
            trusted_proxies: 0,
            registrations_per_ip_hour: 20,
            client_errors_per_ip_hour: 30,
            smtp_url: None,
            mail_from: String::new(),
            sms_gateway_url: None,
            sms_gateway_key: None,
            payment_provider: None,
            body_limit: 0,
            db_max_connections: 1,
            job_tick_seconds: 1,
            sandbox_delay_ms: 0,
            sandbox_timeout_seconds: 1,
        }
    }

    #[test]
    fn production_lists_every_missing_setting() {
        let lines = config(Mode::Production).refusals();
        for name in [
            "PUBLIC_ORIGIN",
            "COOKIE_SECURE",
            "SMTP_URL",
            "SMS_GATEWAY_URL",
            "PAYMENT_PROVIDER",
        ] {
            assert!(
                lines.iter().any(|l| l.starts_with(name)),
                "{name}: {lines:?}"
            );
        }
        let mut c = config(Mode::Production);
        c.public_origin = Some("https://lk.example.ru".into());
        c.cookie_secure = true;
        c.smtp_url = Some(Secret::new("smtps://u:p@smtp.example.ru".into()));
        c.sms_gateway_url = Some("https://sms.example.ru/sms/send".into());
        c.sms_gateway_key = Some(Secret::new("k".into()));
        c.payment_provider = Some(PaymentProvider::Sandbox);
        let lines = c.refusals();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("sandbox") && lines[0].contains("refused in production"));
        assert_eq!(c.banner(), None);
    }

    #[test]
    fn demo_and_staging_may_pretend_and_say_so() {
        let mut demo = config(Mode::Demo);
        demo.payment_provider = Some(PaymentProvider::Sandbox);
        assert_eq!(demo.refusals(), Vec::<String>::new());
        assert_eq!(
            demo.banner().as_deref(),
            Some(
                "Демонстрационный режим: платежи не проводятся, сообщения не отправляются, а попадают в /dev/outbox"
            )
        );
        let mut staging = config(Mode::Staging);
        staging.public_origin = Some("https://test.example.ru".into());
        staging.cookie_secure = true;
        staging.payment_provider = Some(PaymentProvider::Sandbox);
        assert_eq!(staging.refusals(), Vec::<String>::new());
        assert!(
            staging
                .banner()
                .is_some_and(|b| b.starts_with("Тестовый стенд"))
        );
        staging.public_origin = None;
        assert!(staging.refusals()[0].starts_with("PUBLIC_ORIGIN"));
    }
}
