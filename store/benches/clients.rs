//! `make bench` (clients part): «Мои клиенты» of a broker holding 5,000 clients (each with two
//! policies and three years of contributions), on SQLite and on PostgreSQL. Prints the latency
//! percentiles of a page of 25 clients with their debts, next payment, next deadline and open
//! requests, for the first page, deep pages, a search by name and the «просрочено» filter, and of
//! a page of «Задолженности всех клиентов» (50 debts with the sum over all of them).
//! Target (issue 22): every kind p99 ≤ 100 ms.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is a failed run

use domain::clients::ClientFilter;
use std::time::Instant;
use store::{Pool, Store, StoreOptions};

const CLIENTS: u32 = 5_000;
const REQUESTS: usize = 200;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Gives the demo broker an agency agreement with every policyholder nobody acts for yet.
async fn seed(store: &Store) -> i64 {
    let today = store.today();
    let now = store.now();
    let ids: Vec<String> = store::on_pool!(store, p => sqlx::query_scalar(
        "SELECT p.id FROM policyholders p WHERE NOT EXISTS (SELECT 1 FROM authorities a WHERE a.policyholder_id = p.id)",
    )
    .fetch_all(p)
    .await)
    .unwrap();
    store::on_pool_db!(store, p, Db => {
        let mut tx = p.begin().await.unwrap();
        for chunk in ids.chunks(1000) {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO authorities (id, account_id, policyholder_id, role, basis, valid_from, created_at) ",
            );
            q.push_values(chunk, |mut r, id| {
                r.push_bind(format!("bench-{id}")).push_bind("acc-broker").push_bind(id.clone())
                    .push_bind("broker").push_bind("Агентский договор (нагрузочный тест)")
                    .push_bind(today).push_bind(now);
            });
            q.build().execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    });
    match store.pool() {
        Pool::Postgres(p) => {
            sqlx::query("VACUUM ANALYZE").execute(p).await.unwrap();
        }
        Pool::Sqlite(p) => {
            sqlx::query("ANALYZE").execute(p).await.unwrap();
        }
    }
    ids.len() as i64
}

async fn run(name: &str, url: String) {
    let mut options = StoreOptions::new(url);
    options.notifier.outbox = true;
    let store = Store::open(options).await.unwrap();
    let t = Instant::now();
    store.load_demo(CLIENTS).await.unwrap();
    let added = seed(&store).await;
    let first = store
        .clients(
            "acc-broker",
            &ClientFilter {
                page: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    println!(
        "[{name}] seeded {added} more clients for the demo broker in {:.1} s: {} clients in all",
        t.elapsed().as_secs_f64(),
        first.total
    );
    assert!(first.total >= i64::from(CLIENTS));
    let pages = (first.total + 24) / 25;
    let word = first.rows[0].name.split(' ').next().unwrap().to_lowercase();
    let kinds = [
        "first page",
        "deep pages",
        "search by name",
        "overdue only",
        "all clients' debts",
        "all clients' overdue debts, deep",
    ];
    let mut by_kind: Vec<Vec<f64>> = vec![Vec::new(); kinds.len()];
    for i in 0..REQUESTS + 20 {
        let k = i % kinds.len();
        let f = match k {
            0 => ClientFilter {
                page: 1,
                ..Default::default()
            },
            1 => ClientFilter {
                page: 1 + (i as i64 * 37) % pages,
                ..Default::default()
            },
            2 => ClientFilter {
                page: 1,
                search: Some(word.clone()),
                ..Default::default()
            },
            _ => ClientFilter {
                page: 1 + (i as i64) % 5,
                overdue: true,
                ..Default::default()
            },
        };
        let t = Instant::now();
        match k {
            4 => {
                let page = store
                    .clients_debts(
                        "acc-broker",
                        &ClientFilter {
                            page: 1,
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
                assert!(page.rows.len() <= 50);
            }
            5 => {
                let f = ClientFilter {
                    page: 1 + (i as i64 * 13) % 100,
                    overdue: true,
                    ..Default::default()
                };
                let page = store.clients_debts("acc-broker", &f).await.unwrap();
                assert!(page.rows.len() <= 50);
            }
            _ => {
                let page = store.clients("acc-broker", &f).await.unwrap();
                assert!(page.rows.len() <= 25);
            }
        }
        let took = t.elapsed().as_secs_f64() * 1000.0;
        // The first twenty warm the caches as a running server has them.
        if i >= 20 {
            by_kind[k].push(took);
        }
    }
    let mut worst = 0.0f64;
    for (v, k) in by_kind.iter_mut().zip(kinds) {
        v.sort_by(f64::total_cmp);
        let p99 = percentile(v, 0.99);
        worst = worst.max(p99);
        println!(
            "[{name}] «Мои клиенты», {k}: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms ({} requests)",
            percentile(v, 0.5),
            percentile(v, 0.95),
            p99,
            v.len()
        );
    }
    println!(
        "[{name}] «Мои клиенты» of {} clients: worst p99 {worst:.1} ms (target ≤ 100 ms: {})",
        first.total,
        if worst <= 100.0 { "met" } else { "MISSED" }
    );
    store.close().await;
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join("kabinet-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}.db", uuid::Uuid::new_v4().simple()));
    run("sqlite", format!("sqlite://{}", file.display())).await;
    let _ = std::fs::remove_file(&file);

    if std::env::var_os("SKIP_POSTGRES").is_some() {
        return;
    }
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
    run("postgres", url).await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(&pool)
    .await
    .unwrap();
}
