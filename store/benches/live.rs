//! `make bench` (live part): 1,000 browsers watching on one server. Starts the release server
//! (`KABINET_SERVER`, default `$CARGO_TARGET_DIR/release/server`) on a fresh PostgreSQL
//! database, opens 1,000 `/events` streams of logged-in sessions over plain HTTP/1.1, and prints
//! the server's memory per open stream and the time from a staff status change (made by this
//! process, another "server" on the same database, so the change travels by NOTIFY) to its
//! arrival on every stream, p50/p99.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is a failed run

use domain::requests::{RequestForm, RequestStatus};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use store::{Store, StoreOptions};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

const STREAMS: usize = 1_000;
const CHANGES: usize = 30;
const PORT: u16 = 3190;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One stream: sends the arrival time of every `request` event to `tx`; `ready` once open.
async fn watch(
    token: String,
    ready: mpsc::UnboundedSender<()>,
    tx: mpsc::UnboundedSender<Instant>,
) {
    let mut tcp = TcpStream::connect(("127.0.0.1", PORT)).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let req = format!(
        "GET /events HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nAccept: text/event-stream\r\nCookie: kabinet_session={token}\r\n\r\n"
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut lines = BufReader::new(tcp).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.starts_with("data: ready:") {
            let _ = ready.send(());
        } else if line.starts_with("data: request:") && tx.send(Instant::now()).is_err() {
            return;
        }
    }
}

#[tokio::main]
async fn main() {
    let binary = std::env::var("KABINET_SERVER").unwrap_or_else(|_| {
        let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| {
            format!(
                "{}/.cache/kabinet-target",
                std::env::var("HOME").unwrap_or_default()
            )
        });
        format!("{target}/release/server")
    });
    assert!(
        std::path::Path::new(&binary).exists(),
        "{binary} is missing: build the server first (make build)"
    );
    let admin = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("kabinet_bench_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin)
        .await
        .expect("PostgreSQL for the benchmark");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&pool)
        .await
        .unwrap();
    let url = format!(
        "{}/{name}",
        admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin)
    );
    run(&binary, &url).await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(&pool)
    .await
    .unwrap();
}

async fn run(binary: &str, url: &str) {
    let store = Store::open(StoreOptions::new(url)).await.unwrap();
    store.load_demo(0).await.unwrap();
    let ph = store.accessible_policyholders("acc-demo").await.unwrap()[0]
        .id
        .clone();
    let policy = store.list_policies("acc-demo", &ph).await.unwrap()[0]
        .id
        .clone();
    let form = RequestForm {
        policy_id: policy,
        kind: "certificate".into(),
        phone: "+79123456789".into(),
        description: "Запрос для замера живых обновлений".into(),
        files: vec![],
        idempotency_key: "bench-live-0000000001".into(),
    }
    .validate()
    .unwrap();
    let request = store
        .create_request("acc-demo", &ph, &form, "127.0.0.1")
        .await
        .unwrap();
    let mut tokens = Vec::with_capacity(STREAMS);
    for _ in 0..STREAMS {
        tokens.push(
            store
                .create_session("acc-demo", "127.0.0.1", "bench")
                .await
                .unwrap(),
        );
    }

    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let server = Server(
        Command::new(binary)
            .current_dir(root)
            .env("DATABASE_URL", url)
            .env("KABINET_MODE", "production")
            .env("LEPTOS_ENV", "PROD")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{PORT}"))
            .env("DB_MAX_CONNECTIONS", "16")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start the server"),
    );
    let pid = server.0.id();
    let started = Instant::now();
    loop {
        if let Ok(mut tcp) = TcpStream::connect(("127.0.0.1", PORT)).await {
            let _ = tcp
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await;
            let mut buf = String::new();
            let _ = tokio::io::AsyncReadExt::read_to_string(&mut tcp, &mut buf).await;
            if buf.starts_with("HTTP/1.1 200") {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Warm up: one stream and one change, so lazy start-up costs are not counted per stream.
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let (warm_tx, warm_rx) = mpsc::unbounded_channel();
    tokio::spawn(watch(tokens[0].clone(), ready_tx.clone(), warm_tx));
    ready_rx.recv().await.unwrap();
    store.publish_balance(&ph).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(pid);

    let mut arrivals = Vec::with_capacity(STREAMS);
    for token in &tokens[1..] {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(watch(token.clone(), ready_tx.clone(), tx));
        arrivals.push(rx);
    }
    // The warm-up stream has seen no `request` event yet: it counts like the others.
    arrivals.push(warm_rx);
    for _ in 1..STREAMS {
        tokio::time::timeout(Duration::from_secs(60), ready_rx.recv())
            .await
            .expect("every stream opens")
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(pid);

    let mut latencies = Vec::with_capacity(STREAMS * CHANGES);
    for i in 0..CHANGES {
        let status = if i % 2 == 0 {
            RequestStatus::Clarification
        } else {
            RequestStatus::Processing
        };
        let t0 = Instant::now();
        store
            .staff_reply_request(
                "acc-staff",
                &request,
                "Замер",
                Some(status),
                &[],
                "127.0.0.1",
            )
            .await
            .unwrap();
        for rx in arrivals.iter_mut() {
            let at = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("the change reaches every stream")
                .unwrap();
            latencies.push(at.duration_since(t0).as_secs_f64() * 1000.0);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "[live] {STREAMS} open /events streams: server RSS {:.1} MiB → {:.1} MiB, {:.1} KiB per stream",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        after.saturating_sub(before) as f64 / (STREAMS - 1) as f64
    );
    println!(
        "[live] status change (another process, PostgreSQL NOTIFY) → delivery on all {STREAMS} streams, {} samples: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0.0)
    );
    drop(server);
    store.close().await;
}
