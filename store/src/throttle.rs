//! Counting failures per key (an account's login, an IP) in a window, and blocking after too many.
//! Kept in the database so several server processes share it.

use crate::{Store, StoreResult, on_pool};
use chrono::{DateTime, Duration, Utc};

#[derive(sqlx::FromRow)]
struct Row {
    window_start: DateTime<Utc>,
    failures: i32,
    blocked_until: Option<DateTime<Utc>>,
}

impl Store {
    /// Minutes left of a block on `key`, if it is blocked now.
    pub(crate) async fn throttle_blocked(&self, key: &str) -> StoreResult<Option<i64>> {
        let row: Option<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT window_start, failures, blocked_until FROM throttle WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(p)
        .await)?;
        let now = self.now();
        Ok(row
            .and_then(|r| r.blocked_until)
            .filter(|until| *until > now)
            .map(|until| {
                let secs = (until - now).num_seconds();
                (secs + 59) / 60
            }))
    }

    /// Counts one failure; blocks the key for `block` once `limit` failures fall in `window`.
    pub(crate) async fn throttle_fail(
        &self,
        key: &str,
        limit: i32,
        window: Duration,
        block: Duration,
    ) -> StoreResult<()> {
        let now = self.now();
        let row: Option<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT window_start, failures, blocked_until FROM throttle WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(p)
        .await)?;
        let (start, failures) = match row {
            Some(r) if now - r.window_start < window => (r.window_start, r.failures + 1),
            _ => (now, 1),
        };
        let blocked_until = (failures >= limit).then(|| now + block);
        on_pool!(self, p => sqlx::query(
            "INSERT INTO throttle (key, window_start, failures, blocked_until) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start,
                 failures = excluded.failures, blocked_until = excluded.blocked_until",
        )
        .bind(key)
        .bind(start)
        .bind(if blocked_until.is_some() { 0 } else { failures })
        .bind(blocked_until)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub(crate) async fn throttle_clear(&self, key: &str) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM throttle WHERE key = $1").bind(key).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
