//! Counting attempts per key (an account's login, an IP) in a window, and blocking after too many.
//! Kept in the database so several server processes share it; every attempt is counted in one
//! statement before it is made ([`Store::throttle_take`]), so no limit can be raced.

use crate::{Store, StoreResult, on_pool};
use chrono::{DateTime, Duration, Utc};

/// What [`Store::throttle_take`] says of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// It may go ahead; `left` attempts remain after it (0: it is the one that used up the limit
    /// and set the block).
    Go { left: i32 },
    /// It may not: the key is blocked for this many more minutes.
    Blocked { minutes: i64 },
}

impl Store {
    /// Counts one attempt on `key` before it is made, in one statement, so attempts made side by
    /// side are counted one by one: at most `limit` attempts in `window` go ahead; the one that
    /// reaches the limit blocks the key for `block`.  A success calls [`Store::throttle_clear`] (or
    /// [`Store::throttle_refund`]); a failure leaves the attempt counted.
    pub(crate) async fn throttle_take(
        &self,
        key: &str,
        limit: i32,
        window: Duration,
        block: Duration,
    ) -> StoreResult<Attempt> {
        let now = self.now();
        // A key starts over when its block has run out, or when it is not blocked and its
        // window has passed. Every right-hand side reads the row as it was before the update.
        let fresh = "(throttle.blocked_until IS NOT NULL AND throttle.blocked_until <= $2)
                     OR (throttle.blocked_until IS NULL AND throttle.window_start <= $3)";
        let sql = format!(
            "INSERT INTO throttle (key, window_start, failures, blocked_until)
             VALUES ($1, $2, 1, CASE WHEN $4 <= 1 THEN $5 END)
             ON CONFLICT (key) DO UPDATE SET
                 window_start = CASE WHEN {fresh} THEN $2 ELSE throttle.window_start END,
                 failures = CASE WHEN {fresh} THEN 1 WHEN throttle.failures > $4 THEN throttle.failures
                     ELSE throttle.failures + 1 END,
                 blocked_until = CASE
                     WHEN {fresh} THEN CASE WHEN $4 <= 1 THEN $5 END
                     WHEN throttle.blocked_until IS NULL AND throttle.failures + 1 >= $4 THEN $5
                     ELSE throttle.blocked_until END
             RETURNING failures, blocked_until"
        );
        let (count, until): (i32, Option<DateTime<Utc>>) = on_pool!(self, p => sqlx::query_as(
            sqlx::AssertSqlSafe(sql.as_str()),
        )
        .bind(key)
        .bind(now)
        .bind(now - window)
        .bind(limit)
        .bind(now + block)
        .fetch_one(p)
        .await)?;
        if count <= limit {
            return Ok(Attempt::Go {
                left: limit - count,
            });
        }
        let secs = until.map_or(block.num_seconds(), |u| (u - now).num_seconds());
        Ok(Attempt::Blocked {
            minutes: ((secs + 59) / 60).max(1),
        })
    }

    /// Takes back one attempt counted by [`Store::throttle_take`] that turned out no failure
    /// (a right password from an address that others share), lifting a block it set.
    pub(crate) async fn throttle_refund(&self, key: &str, limit: i32) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "UPDATE throttle SET failures = failures - 1,
                 blocked_until = CASE WHEN failures - 1 < $2 THEN NULL ELSE blocked_until END
             WHERE key = $1 AND failures > 0",
        )
        .bind(key)
        .bind(limit)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub(crate) async fn throttle_clear(&self, key: &str) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM throttle WHERE key = $1").bind(key).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl Store {
    /// Counts one browser error report from `ip` (`POST /client-errors`); `false` once the
    /// address has sent `per_hour` in the hour (it is then refused for the rest of it).
    pub async fn take_client_report(&self, ip: &str, per_hour: i32) -> StoreResult<bool> {
        let hour = Duration::hours(1);
        let attempt = self
            .throttle_take(&format!("client-error:{ip}"), per_hour, hour, hour)
            .await?;
        Ok(matches!(attempt, Attempt::Go { .. }))
    }
}
