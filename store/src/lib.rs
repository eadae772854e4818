//! The cabinet's server-side core. One [`Store`] over two backends: embedded SQLite (the default,
//! nothing to install) and PostgreSQL (production). Each backend has its own migrations folder; SQL
//! that both understand is written once and run through [`on_pool!`], SQL that differs is written
//! per backend. Every query on a policyholder's data filters by `policyholder_id` first and checks
//! the caller's authority in the same statement.

#[macro_use]
mod filters;
pub mod access;
pub mod accounts;
pub mod attachments;
pub mod clients;
pub mod clock;
pub mod codes;
pub mod deadlines;
pub mod delegation;
pub mod demo;
pub mod documents;
mod error;
pub mod events;
pub mod export;
mod finance;
pub mod history;
pub mod journal;
pub mod mchd;
pub mod notify;
pub mod password;
pub mod payments;
pub mod pdf;
pub mod personal_data;
pub mod policies;
pub mod policy_documents;
pub mod policyholders;
pub mod profile;
pub mod recovery;
pub mod reminders;
pub mod reports;
pub mod requests;
mod secret;
pub mod sessions;
pub mod staff;
mod throttle;
pub mod twofactor;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{CODE_NOT_SENT, MESSAGE_NOT_SENT, StoreError, StoreResult};
pub use notify::{Message, Notifier, NotifierConfig};
pub use secret::Secret;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;

/// The two database backends.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Pool {
    /// The pool itself, so that [`on_pool!`] runs over a bare pool as over a store.
    pub fn pool(&self) -> &Pool {
        self
    }
}

/// Runs the same code against whichever backend the store has: `on_pool!(store, p => expr)`.
/// The expression is type-checked once per backend, so shared SQL must suit both.
#[macro_export]
macro_rules! on_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match $store.pool() {
            $crate::Pool::Sqlite($p) => $body,
            $crate::Pool::Postgres($p) => $body,
        }
    };
}

/// Like [`on_pool!`], and also names the backend's database type: `on_pool_db!(store, p, Db => expr)`.
#[macro_export]
macro_rules! on_pool_db {
    ($store:expr, $p:ident, $db:ident => $body:expr) => {
        match $store.pool() {
            $crate::Pool::Sqlite($p) => {
                type $db = sqlx::Sqlite;
                $body
            }
            $crate::Pool::Postgres($p) => {
                type $db = sqlx::Postgres;
                $body
            }
        }
    };
}

/// Limits and lifetimes the store enforces.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// A session with no activity for this long ends.
    pub idle_timeout: Duration,
    /// A session ends after this long whatever the activity.
    pub absolute_timeout: Duration,
    pub code_ttl: Duration,
    pub code_max_attempts: i32,
    pub code_resend_cooldown: Duration,
    /// At most this many codes per account and purpose in an hour.
    pub codes_per_hour: i64,
    pub login_failures_per_account: i32,
    pub login_failures_per_ip: i32,
    pub login_window: Duration,
    pub login_block: Duration,
    /// Registrations from one IP address in an hour before it is blocked for an hour.
    pub registrations_per_ip_hour: i32,
    /// Password checks inside the cabinet (turning 2FA off, a contact change, «Сменить пароль»)
    /// per account in `password_check_window` before they are blocked for `password_check_block`.
    pub password_checks_per_account: i32,
    pub password_check_window: Duration,
    pub password_check_block: Duration,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::minutes(15),
            absolute_timeout: Duration::hours(12),
            code_ttl: Duration::minutes(5),
            code_max_attempts: 5,
            code_resend_cooldown: Duration::seconds(60),
            codes_per_hour: 6,
            login_failures_per_account: 5,
            login_failures_per_ip: 30,
            login_window: Duration::minutes(15),
            login_block: Duration::minutes(15),
            registrations_per_ip_hour: 20,
            password_checks_per_account: 5,
            password_check_window: Duration::minutes(15),
            password_check_block: Duration::minutes(15),
        }
    }
}

struct Inner {
    pool: Pool,
    clock: Arc<dyn Clock>,
    config: StoreConfig,
    code_key: Secret<Vec<u8>>,
    notifier: Notifier,
    live: events::Live,
}

/// The one handle to data and the services around it. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
    /// Set on the handle of one request ([`Store::for_request`]): the authorities the request has
    /// already checked, so the several reads of one page check an account's authority over a
    /// policyholder once. Only authorities found are kept; none is ever withdrawn within a
    /// request (authority ends by date, and a new one is only ever added).
    checked: Option<Arc<std::sync::Mutex<Vec<policyholders::Checked>>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish()
    }
}

/// How to open a store.
pub struct StoreOptions {
    pub database_url: String,
    pub max_connections: u32,
    pub config: StoreConfig,
    pub clock: Arc<dyn Clock>,
    pub notifier: NotifierConfig,
}

impl StoreOptions {
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            max_connections: 10,
            config: StoreConfig::default(),
            clock: Arc::new(SystemClock),
            notifier: NotifierConfig::default(),
        }
    }
}

impl Store {
    /// Opens the database named by the URL (`sqlite://…` or `postgres://…`), creating a SQLite
    /// file if it is missing, and brings the schema up to date.
    pub async fn open(options: StoreOptions) -> StoreResult<Store> {
        let url = options.database_url.as_str();
        let pool = if url.starts_with("sqlite:") {
            let connect = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // Keeps the planner's statistics fresh as tables grow.
                .optimize_on_close(true, None)
                .busy_timeout(std::time::Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections)
                .connect_with(connect)
                .await?;
            sqlx::migrate!("migrations/sqlite").run(&pool).await?;
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let connect = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(std::time::Duration::from_secs(10))
                .connect_with(connect)
                .await?;
            sqlx::migrate!("migrations/postgres").run(&pool).await?;
            Pool::Postgres(pool)
        } else {
            return Err(StoreError::Internal(
                "DATABASE_URL must start with sqlite:// or postgres://".into(),
            ));
        };
        let code_key = secret::load_or_create_key(&pool, "code_key").await?;
        let notifier = Notifier::new(options.notifier)?;
        let live = events::Live::start(pool.clone()).await?;
        Ok(Store {
            inner: Arc::new(Inner {
                pool,
                clock: options.clock,
                config: options.config,
                code_key,
                notifier,
                live,
            }),
            checked: None,
        })
    }

    /// A handle for one request: it remembers the authorities checked while serving it. Give each
    /// request its own, and never keep one beyond the request.
    pub fn for_request(&self) -> Store {
        Store {
            inner: self.inner.clone(),
            checked: Some(Default::default()),
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    pub fn backend(&self) -> &'static str {
        match self.pool() {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    pub fn config(&self) -> &StoreConfig {
        &self.inner.config
    }

    pub fn notifier(&self) -> &Notifier {
        &self.inner.notifier
    }

    /// Runs `work` off the request, so that an answer never waits for a mail server (or fails
    /// with it) only in some cases, which would tell them apart. With the demo outbox the caller
    /// waits for it, as the message is read there at once. A failure is logged as `what`.
    pub(crate) async fn off_request(
        &self,
        what: &'static str,
        work: impl std::future::Future<Output = StoreResult<()>> + Send + 'static,
    ) {
        let task = tokio::spawn(async move {
            if let Err(e) = work.await {
                tracing::warn!(error = %e, what, "not done");
            }
        });
        if self.notifier().outbox_enabled()
            && let Err(e) = task.await
        {
            tracing::warn!(error = %e, what, "task failed");
        }
    }

    pub(crate) fn live(&self) -> &events::Live {
        &self.inner.live
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Today's date in Moscow, which is what validity dates mean.
    pub fn today(&self) -> NaiveDate {
        self.now()
            .with_timezone(&domain::dates::moscow())
            .date_naive()
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }

    /// Reads a setting.
    pub async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(
            on_pool!(self, p => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(p)
            .await)?,
        )
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

/// A new opaque id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A test hook: with `KABINET_CRASH_AT=<name>` in the environment the process stops dead at the
/// point of that name, as a power cut would (the crash tests of payments use it).
pub(crate) fn fail_point(name: &str) {
    if std::env::var("KABINET_CRASH_AT").is_ok_and(|v| v == name) {
        eprintln!("kabinet: KABINET_CRASH_AT={name}: stopping the process");
        std::process::abort();
    }
}
