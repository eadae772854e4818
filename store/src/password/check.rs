//! [`Store::check_password_limited`]: the one way the cabinet asks an account for its password
//! again (turning the second factor off, changing a contact, changing the password).

use crate::journal::Entry;
use crate::throttle::Attempt;
use crate::{Store, StoreError, StoreResult};

/// The throttle key of an account's in-cabinet password checks is this and the account id.
pub const PASSWORD_CHECK_KEY_PREFIX: &str = "password-check:";

impl Store {
    /// Checks the account's password where the cabinet asks for it again. Every try is counted
    /// first by [`Store::throttle_take`], and argon2 runs only for the tries within the limit
    /// ([`crate::StoreConfig::password_checks_per_account`] in `password_check_window`), so of
    /// any number of parallel wrong tries at most that many are verified; the one that uses up
    /// the limit blocks the checks for `password_check_block`. A right password clears the count.
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
        let left = match self
            .throttle_take(
                &key,
                limit,
                cfg.password_check_window,
                cfg.password_check_block,
            )
            .await?
        {
            Attempt::Go { left } => left,
            Attempt::Blocked { minutes } => return Err(blocked(minutes)),
        };
        if self.check_password(account_id, password).await? {
            self.throttle_clear(&key).await?;
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
        if left == 0 {
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
            format!("Неверный пароль. Осталось попыток: {left}"),
        ))
    }
}

/// Whole minutes, rounded up.
fn minutes(d: chrono::Duration) -> i64 {
    (d.num_seconds() + 59) / 60
}

fn blocked(minutes: i64) -> StoreError {
    StoreError::TooMany(format!(
        "Пароль введён неверно слишком много раз. Ввод пароля заблокирован, попробуйте через {} мин.",
        minutes.max(1)
    ))
}
