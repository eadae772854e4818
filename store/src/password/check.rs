//! [`Store::check_password_limited`]: the one way the cabinet asks an account for its password
//! again (turning the second factor off, changing a contact, changing the password).

use crate::journal::Entry;
use crate::{Store, StoreError, StoreResult, on_pool};
use chrono::{DateTime, Utc};

/// The throttle key of an account's in-cabinet password checks is this and the account id.
pub const PASSWORD_CHECK_KEY_PREFIX: &str = "password-check:";

impl Store {
    /// Checks the account's password where the cabinet asks for it again. Every try is counted
    /// first, in one atomic statement, and argon2 runs only for the tries within the limit
    /// ([`crate::StoreConfig::password_checks_per_account`] in `password_check_window`), so of
    /// any number of parallel wrong tries at most that many are verified; the last wrong one
    /// blocks the checks for `password_check_block`. A right password clears the count.
    ///
    /// Answers `Ok(())` for the right password; a field error on `password` for a wrong one
    /// (with the tries left); [`StoreError::TooMany`] saying for how long while blocked.
    pub async fn check_password_limited(
        &self,
        account_id: &str,
        password: &str,
        ip: &str,
    ) -> StoreResult<()> {
        if password.is_empty() {
            return Err(StoreError::field("password", "Введите пароль"));
        }
        let cfg = self.config().clone();
        let limit = cfg.password_checks_per_account;
        let key = format!("{PASSWORD_CHECK_KEY_PREFIX}{account_id}");
        let now = self.now();
        // A row that still counts: blocked until later, or not blocked and its window open.
        // (The SET expressions all read the row as it was before this statement.)
        let (tries, blocked_until): (i32, Option<DateTime<Utc>>) = on_pool!(self, p => sqlx::query_as(
            "INSERT INTO throttle (key, window_start, failures, blocked_until) VALUES ($1, $2, 1, NULL)
             ON CONFLICT (key) DO UPDATE SET
                 window_start = CASE WHEN throttle.blocked_until > $2
                         OR (throttle.blocked_until IS NULL AND throttle.window_start > $3)
                     THEN throttle.window_start ELSE excluded.window_start END,
                 failures = CASE WHEN throttle.blocked_until > $2
                         OR (throttle.blocked_until IS NULL AND throttle.window_start > $3)
                     THEN throttle.failures + 1 ELSE 1 END,
                 blocked_until = CASE WHEN throttle.blocked_until > $2
                     THEN throttle.blocked_until ELSE NULL END
             RETURNING failures, blocked_until",
        )
        .bind(&key)
        .bind(now)
        .bind(now - cfg.password_check_window)
        .fetch_one(p)
        .await)?;
        if let Some(until) = blocked_until.filter(|u| *u > now) {
            return Err(blocked(until - now));
        }
        if tries > limit {
            // A parallel try used up the last one and is still being verified: block now.
            self.block_password_checks(&key, now + cfg.password_check_block)
                .await?;
            return Err(blocked(cfg.password_check_block));
        }
        if self.check_password(account_id, password).await? {
            on_pool!(self, p => sqlx::query("DELETE FROM throttle WHERE key = $1")
                .bind(&key)
                .execute(p)
                .await
                .map(|r| r.rows_affected()))?;
            return Ok(());
        }
        self.journal(Entry {
            account_id: Some(account_id),
            action: "password.check_failed",
            object_type: "account",
            object_id: account_id,
            ip,
            ..Default::default()
        })
        .await?;
        if tries >= limit {
            self.block_password_checks(&key, now + cfg.password_check_block)
                .await?;
            self.journal(Entry {
                account_id: Some(account_id),
                action: "password.check_blocked",
                object_type: "account",
                object_id: account_id,
                ip,
                ..Default::default()
            })
            .await?;
            return Err(StoreError::field(
                "password",
                format!(
                    "Неверный пароль. Попыток больше нет: ввод пароля заблокирован на {} мин.",
                    minutes(cfg.password_check_block)
                ),
            ));
        }
        Err(StoreError::field(
            "password",
            format!("Неверный пароль. Осталось попыток: {}", limit - tries),
        ))
    }

    async fn block_password_checks(&self, key: &str, until: DateTime<Utc>) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "UPDATE throttle SET blocked_until = $1 WHERE key = $2 AND blocked_until IS NULL",
        )
        .bind(until)
        .bind(key)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }
}

/// Whole minutes, rounded up.
fn minutes(d: chrono::Duration) -> i64 {
    (d.num_seconds() + 59) / 60
}

fn blocked(left: chrono::Duration) -> StoreError {
    StoreError::TooMany(format!(
        "Пароль введён неверно слишком много раз. Ввод пароля заблокирован, попробуйте через {} мин.",
        minutes(left).max(1)
    ))
}
