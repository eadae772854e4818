//! Test databases: every test gets a fresh SQLite file and a fresh PostgreSQL database, and runs
//! its body against both. PostgreSQL is at `TEST_POSTGRES_URL` (default: the local server as user
//! postgres); it is required, not skipped, so a missing server fails the run.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use store::{ManualClock, Store, StoreOptions};

pub struct TestDb {
    pub store: Store,
    pub clock: Arc<ManualClock>,
    url: String,
    drop_pg: Option<(String, String)>,
}

impl TestDb {
    /// The database's URL, for another process.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A second store on the same database and clock: another server process.
    pub async fn second_process(&self) -> Store {
        Store::open(options(self.url.clone(), self.clock.clone()))
            .await
            .expect("open the same database again")
    }

    /// Another store on the same database and clock whose options `change` adjusts: a server
    /// process configured differently (e.g. production's notifier: no outbox, real transports).
    pub async fn process_with(&self, change: impl FnOnce(&mut StoreOptions)) -> Store {
        let mut o = options(self.url.clone(), self.clock.clone());
        change(&mut o);
        Store::open(o).await.expect("open the same database again")
    }

    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((admin, name)) = self.drop_pg
            && let Ok(pool) = sqlx::PgPool::connect(&admin).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .execute(&pool)
            .await;
        }
    }
}

pub fn options(url: String, clock: Arc<ManualClock>) -> StoreOptions {
    let mut o = StoreOptions::new(url);
    o.clock = clock;
    o.notifier.outbox = true;
    o.max_connections = 5;
    o
}

pub async fn sqlite() -> TestDb {
    let dir = std::env::temp_dir().join("kabinet-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}.db", uuid::Uuid::new_v4().simple()));
    let clock = Arc::new(ManualClock::default());
    let url = format!("sqlite://{}", path.display());
    let store = Store::open(options(url.clone(), clock.clone()))
        .await
        .expect("open sqlite");
    TestDb {
        store,
        clock,
        url,
        drop_pg: None,
    }
}

pub async fn postgres() -> TestDb {
    let admin = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("kabinet_t_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin)
        .await
        .expect("PostgreSQL for tests (set TEST_POSTGRES_URL)");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&pool)
        .await
        .expect("create test database");
    pool.close().await;
    let url = match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("TEST_POSTGRES_URL needs a database path"),
    };
    let clock = Arc::new(ManualClock::default());
    let store = Store::open(options(url.clone(), clock.clone()))
        .await
        .expect("open postgres");
    TestDb {
        store,
        clock,
        url,
        drop_pg: Some((admin, name)),
    }
}

/// Runs `body` against a fresh SQLite and a fresh PostgreSQL database.
#[macro_export]
macro_rules! both {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($db: &common::TestDb) $body

            #[tokio::test]
            async fn sqlite() {
                let db = common::sqlite().await;
                run(&db).await;
                db.cleanup().await;
            }

            #[tokio::test]
            async fn postgres() {
                let db = common::postgres().await;
                run(&db).await;
                db.cleanup().await;
            }
        }
    };
}

/// The id of the first policyholder `account` may act for (their own, for a demo citizen).
pub async fn own(s: &Store, account: &str) -> String {
    s.accessible_policyholders(account).await.unwrap()[0]
        .id
        .clone()
}

/// The code last sent to `to`, read from the outbox as a person would read the message.
pub async fn last_code(store: &Store, to: &str) -> String {
    let items = store.outbox(50).await.expect("outbox");
    let item = items
        .into_iter()
        .find(|m| m.recipient == to)
        .expect("a message to the recipient");
    let digits: Vec<String> = item
        .body
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| w.len() == 6)
        .map(str::to_string)
        .collect();
    digits
        .first()
        .cloned()
        .expect("a 6-digit code in the message")
}

/// The text a PDF shows, as poppler's `pdftotext -layout` reads it, no-break spaces as spaces.
pub fn pdf_text(bytes: &[u8]) -> String {
    assert_eq!(&bytes[..5], b"%PDF-");
    let path = std::env::temp_dir().join(format!("kabinet-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/setup.sh");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "pdftotext reads the file");
    String::from_utf8(out.stdout)
        .unwrap()
        .replace('\u{a0}', " ")
}

/// A session of `account` past every step of the login, as a person gets it: for the demo staff
/// member (whose staff area needs a TOTP app) with the code of the demo secret, the clock moved on
/// a step first so no code is used twice. Its second factor is fresh now.
pub async fn full_session(db: &TestDb, account: &str) -> store::sessions::SessionInfo {
    let s = &db.store;
    let token = s
        .create_session(account, "127.0.0.1", "test")
        .await
        .unwrap();
    let session = s.session(&token).await.unwrap().unwrap();
    if session.stage != store::sessions::Stage::SecondFactor {
        return session;
    }
    db.clock.advance(chrono::Duration::seconds(30));
    let bytes = totp_rs::Secret::Encoded(store::demo::DEMO_STAFF_TOTP_SECRET.into())
        .to_bytes()
        .unwrap();
    let code = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes)
        .generate(s.now().timestamp() as u64);
    let token = s
        .pass_second_factor(&session, &code, "127.0.0.1")
        .await
        .unwrap();
    s.session(&token).await.unwrap().unwrap()
}
