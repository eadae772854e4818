//! The built server binary at start: production refuses to start without real transports and a
//! real payment provider (every missing setting on its own line); demo and staging start and say on
//! every page what is pretend; `server seed` writes demo logins only into an empty database.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SERVER: &str = env!("CARGO_BIN_EXE_server");

fn temp_db() -> (PathBuf, String) {
    let dir = std::env::temp_dir().join("kabinet-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("startup-{}.db", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}", path.display());
    (path, url)
}

/// The server with only `env` set (nothing inherited), run from the workspace root so that it
/// finds `Leptos.toml`.
fn server(env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(SERVER);
    c.env_clear()
        .env("RUST_LOG", "warn")
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Runs to its end; a server that is still running after 60 s fails the test.
fn run(mut c: Command) -> Output {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the server did not exit");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn production_without_settings_refuses_listing_each() {
    let (path, url) = temp_db();
    let out = run(server(&[("DATABASE_URL", &url)]));
    assert!(!out.status.success(), "started: {out:?}");
    let lines = stderr_lines(&out);
    for setting in [
        "PUBLIC_ORIGIN",
        "COOKIE_SECURE",
        "SMTP_URL",
        "SMS_GATEWAY_URL",
        "PAYMENT_PROVIDER",
    ] {
        let line = lines
            .iter()
            .find(|l| l.starts_with(&format!("kabinet: {setting}")))
            .unwrap_or_else(|| panic!("no line for {setting}: {lines:#?}"));
        // Russian for the operator, English after the slash.
        assert!(line.contains(" / "), "{line}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("kabinet: PAYMENT_PROVIDER")
                && l.contains("refused in production")),
        "{lines:#?}"
    );
    // Refused before the database was touched.
    assert!(!path.exists());
}

#[test]
fn production_refuses_the_sandbox_and_plain_http() {
    let (_, url) = temp_db();
    let complete = [
        ("DATABASE_URL", url.as_str()),
        ("KABINET_MODE", "production"),
        ("PUBLIC_ORIGIN", "https://lk.example.ru"),
        ("SMTP_URL", "smtps://user:pass@smtp.example.ru"),
        ("SMS_GATEWAY_URL", "https://sms.example.ru/sms/send"),
        ("SMS_GATEWAY_KEY", "secret-key-1"),
        ("PAYMENT_PROVIDER", "sandbox"),
    ];
    let out = run(server(&complete));
    assert!(!out.status.success(), "started: {out:?}");
    let lines = stderr_lines(&out);
    let settings: Vec<&String> = lines
        .iter()
        .filter(|l| !l.starts_with("kabinet: не запущен"))
        .collect();
    assert_eq!(settings.len(), 1, "{lines:#?}");
    assert!(
        settings[0].starts_with("kabinet: PAYMENT_PROVIDER=sandbox")
            && settings[0].contains("refused in production"),
        "{lines:#?}"
    );
    // The key never reaches the output.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("secret-key-1"));

    let mut plain = complete.to_vec();
    plain[2] = ("PUBLIC_ORIGIN", "http://lk.example.ru");
    plain[4] = ("SMS_GATEWAY_URL", "http://sms.example.ru/sms/send");
    let lines = stderr_lines(&run(server(&plain)));
    for setting in ["PUBLIC_ORIGIN", "COOKIE_SECURE", "SMS_GATEWAY_URL"] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("kabinet: {setting}"))),
            "{setting}: {lines:#?}"
        );
    }
}

/// A free port on loopback.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A started server, stopped when dropped.
struct Running(Child, u16);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    /// Starts the server and waits until it answers `/healthz`.
    fn start(env: &[(&str, &str)]) -> Running {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut c = server(env);
        c.env("LEPTOS_SITE_ADDR", &addr)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut running = Running(c.spawn().unwrap(), port);
        let started = Instant::now();
        loop {
            if let Some(status) = running.0.try_wait().unwrap() {
                let mut err = String::new();
                for line in BufReader::new(running.0.stderr.take().unwrap())
                    .lines()
                    .map_while(Result::ok)
                {
                    err.push_str(&line);
                    err.push('\n');
                }
                panic!("the server exited ({status}):\n{err}");
            }
            if running.get("/healthz").starts_with("HTTP/1.0 200")
                || running.get("/healthz").starts_with("HTTP/1.1 200")
            {
                return running;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the server did not answer"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The whole answer (head and body) to `GET path`, or "" if none.
    fn get(&self, path: &str) -> String {
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.1)) else {
            return String::new();
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
        let _ = write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).to_string()
    }
}

#[test]
fn demo_starts_and_every_page_says_it_is_a_demo() {
    let (_, url) = temp_db();
    let demo = Running::start(&[("DATABASE_URL", &url), ("KABINET_MODE", "demo")]);
    for path in ["/login", "/register", "/check/NOSUCHCODE"] {
        let page = demo.get(path);
        assert!(
            page.contains(
                r#"<aside id="mode-banner" aria-label="Режим работы" class="mode-banner">"#
            ),
            "{path}: {page}"
        );
        assert!(
            page.contains("Демонстрационный режим: платежи не проводятся, сообщения не отправляются, а попадают в /dev/outbox"),
            "{path}"
        );
    }
    assert!(
        demo.get("/dev/outbox").starts_with("HTTP/1.0 200")
            || demo.get("/dev/outbox").starts_with("HTTP/1.1 200")
    );
}

#[test]
fn staging_starts_with_the_sandbox_and_says_so() {
    let (_, url) = temp_db();
    let staging = Running::start(&[
        ("DATABASE_URL", &url),
        ("KABINET_MODE", "staging"),
        ("PUBLIC_ORIGIN", "https://test.example.ru"),
        ("PAYMENT_PROVIDER", "sandbox"),
    ]);
    let page = staging.get("/login");
    assert!(
        page.contains("Тестовый стенд: платежи не проводятся, сообщения не отправляются, а попадают в /dev/outbox"),
        "{page}"
    );
    let outbox = staging.get("/dev/outbox");
    assert!(outbox.contains(" 200 "), "{outbox}");
    // The demo's helpers are not there.
    assert!(staging.get("/bench/hello").contains(" 404 "));
}

fn seed(url: &str, extra: &[&str]) -> Output {
    let mut c = server(&[("DATABASE_URL", url)]);
    c.arg("seed").args(extra);
    run(c)
}

#[test]
fn seed_writes_demo_logins_only_into_an_empty_database() {
    let (_, url) = temp_db();
    let first = seed(&url, &[]);
    assert!(first.status.success(), "{first:?}");
    assert!(String::from_utf8_lossy(&first.stdout).contains("loaded"));

    // A second time the database has accounts (the demo's): refused, unless told otherwise.
    let again = seed(&url, &[]);
    assert!(!again.status.success(), "{again:?}");
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("--i-know-this-is-not-production"), "{err}");
    let forced = seed(&url, &["--i-know-this-is-not-production"]);
    assert!(forced.status.success(), "{forced:?}");
}

#[tokio::test]
async fn seed_leaves_a_real_database_alone() {
    let (_, url) = temp_db();
    let store = store::Store::open(store::StoreOptions::new(url.clone()))
        .await
        .unwrap();
    store
        .register(
            &domain::forms::Registration {
                full_name: "Петров Пётр Петрович".into(),
                email: "petrov@example.ru".into(),
                phone: "+7 916 000-01-01".into(),
                id_number: "112-233-445 95".into(),
                password: "Pr0stoy-Parol".into(),
                password2: "Pr0stoy-Parol".into(),
                channel: "email".into(),
            },
            "127.0.0.1",
        )
        .await
        .unwrap();
    let out = tokio::task::spawn_blocking({
        let url = url.clone();
        move || seed(&url, &["--scale", "10"])
    })
    .await
    .unwrap();
    assert!(!out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 учётных записей"));
    // Nothing was written: still the one account, no demo login.
    assert_eq!(store.account_count().await.unwrap(), 1);
    assert_eq!(store.setting("demo_loaded").await.unwrap(), None);
    store.close().await;
}
