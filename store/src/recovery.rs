//! «Забыли пароль»: a code to the e-mail or phone, then a new password. The answers are the same
//! whether or not the contact belongs to an account, so nobody learns who is registered: a contact
//! that is nobody's gets a «phantom» code (nothing is sent; a throttle row keeps when it was
//! «sent» and how many wrong tries it had), so wrong, blocked and expired codes read the same,
//! «Осталось попыток: N» included, and the code's message goes out off the request (in the
//! background) so a slow mail server does not tell either. A reset ends every session and every
//! iCal feed link of the account.

use crate::codes::{EXPIRED_CODE, Purpose, blocked_code, wrong_code};
use crate::journal::Entry;
use crate::throttle::Attempt;
use crate::{Store, StoreError, StoreResult, on_pool};
use chrono::{DateTime, Duration, Utc};
use domain::FieldErrors;
use domain::ids::LoginId;
use domain::status::Channel;

/// The message for any code that does not fit, so an unknown contact looks like a wrong code.
const BAD_CODE: &str = "Неверный или устаревший код. Запросите новый код";

/// Throttle keys of the phantom code of a contact that is nobody's, and of how many such codes
/// were «sent» in the hour (as a real account may get only so many).
const PHANTOM: &str = "reset-phantom:";
const PHANTOM_HOUR: &str = "reset-phantom-hour:";

fn contact(input: &str) -> StoreResult<(Channel, String)> {
    match domain::ids::login_id(input) {
        Ok(LoginId::Email(e)) => Ok((Channel::Email, e)),
        Ok(LoginId::Phone(p)) => Ok((Channel::Sms, p)),
        _ => Err(StoreError::field(
            "contact",
            "Укажите e-mail или номер телефона, указанные при регистрации",
        )),
    }
}

impl Store {
    async fn account_by_contact(
        &self,
        channel: Channel,
        value: &str,
    ) -> StoreResult<Option<String>> {
        let sql = match channel {
            Channel::Email => {
                "SELECT id FROM accounts WHERE email = $1 AND confirmed_at IS NOT NULL"
            }
            Channel::Sms => "SELECT id FROM accounts WHERE phone = $1 AND confirmed_at IS NOT NULL",
        };
        Ok(on_pool!(self, p => sqlx::query_scalar(sql).bind(value).fetch_optional(p).await)?)
    }

    /// Step 1: sends a reset code if the contact is an account's. Returns the normalised contact.
    pub async fn start_reset(&self, input: &str, ip: &str) -> StoreResult<String> {
        let (channel, value) = contact(input)?;
        let ip_key = format!("reset:{ip}");
        let hour = Duration::hours(1);
        if let Attempt::Blocked { minutes } = self.throttle_take(&ip_key, 10, hour, hour).await? {
            return Err(StoreError::Refused(format!(
                "Слишком много запросов восстановления с вашего адреса. Попробуйте через {minutes} мин."
            )));
        }
        match self.account_by_contact(channel, &value).await? {
            Some(account_id) => {
                // Off the request: the answer must not wait only when the account exists.
                let (store, ip) = (self.clone(), ip.to_string());
                self.off_request("reset code sent", async move {
                    store.send_reset_code(&account_id, channel, &ip).await
                })
                .await;
            }
            None => self.send_phantom_code(&value).await?,
        }
        Ok(value)
    }

    async fn send_reset_code(
        &self,
        account_id: &str,
        channel: Channel,
        ip: &str,
    ) -> StoreResult<()> {
        match self.send_code(account_id, Purpose::Reset, channel).await {
            // A cool-down or hourly limit would tell that the account exists: say nothing.
            Ok(_) | Err(StoreError::Refused(_)) => {}
            Err(e) => return Err(e),
        }
        self.journal(Entry {
            account_id: Some(account_id),
            action: "password.reset_requested",
            ip,
            ..Default::default()
        })
        .await
    }

    async fn phantom(&self, key: &str) -> StoreResult<Option<(DateTime<Utc>, i32)>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT window_start, failures FROM throttle WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(p)
        .await)?)
    }

    async fn set_phantom(&self, key: &str, at: DateTime<Utc>, n: i32) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO throttle (key, window_start, failures, blocked_until) VALUES ($1, $2, $3, NULL)
             ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start, failures = excluded.failures,
                 blocked_until = NULL",
        )
        .bind(key)
        .bind(at)
        .bind(n)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// What [`Store::send_code`] would do for an account, for a contact that is nobody's: a new
    /// phantom code unless the cool-down or the hourly limit holds the last one.
    async fn send_phantom_code(&self, value: &str) -> StoreResult<()> {
        let now = self.now();
        let cfg = self.config().clone();
        let key = format!("{PHANTOM}{value}");
        if let Some((sent, _)) = self.phantom(&key).await?
            && sent + cfg.code_resend_cooldown > now
        {
            return Ok(());
        }
        let hour_key = format!("{PHANTOM_HOUR}{value}");
        let (start, count) = match self.phantom(&hour_key).await? {
            Some((start, n)) if now - start < Duration::hours(1) => (start, n),
            _ => (now, 0),
        };
        if i64::from(count) >= cfg.codes_per_hour {
            return Ok(());
        }
        self.set_phantom(&key, now, 0).await?;
        self.set_phantom(&hour_key, start, count + 1).await
    }

    /// What [`Store::verify_code`] answers to a wrong code, for a contact that is nobody's.
    async fn check_phantom_code(&self, value: &str) -> StoreResult<()> {
        let key = format!("{PHANTOM}{value}");
        let max = self.config().code_max_attempts;
        let Some((sent, tries)) = self.phantom(&key).await? else {
            return Err(StoreError::field("code", BAD_CODE));
        };
        if tries >= max {
            return Err(StoreError::field("code", blocked_code(max)));
        }
        if sent + self.config().code_ttl <= self.now() {
            return Err(StoreError::field("code", EXPIRED_CODE));
        }
        let tries: i32 = on_pool!(self, p => sqlx::query_scalar(
            "UPDATE throttle SET failures = failures + 1 WHERE key = $1 RETURNING failures",
        )
        .bind(&key)
        .fetch_one(p)
        .await)?;
        Err(StoreError::field("code", wrong_code(max, tries)))
    }

    /// Step 2: checks the code and sets the new password; every session and iCal feed link of the
    /// account ends and both contacts are told.
    pub async fn finish_reset(
        &self,
        input: &str,
        code: &str,
        password: &str,
        password2: &str,
        ip: &str,
    ) -> StoreResult<()> {
        let (channel, value) = contact(input)?;
        let mut errors = FieldErrors::new();
        errors.check("code", domain::forms::code(code));
        domain::password::check_new(&mut errors, password, password2);
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let Some(account_id) = self.account_by_contact(channel, &value).await? else {
            return self.check_phantom_code(&value).await;
        };
        match self.verify_code(&account_id, Purpose::Reset, code).await {
            Ok(_) => {}
            Err(StoreError::Invalid(e))
                if e.get("code")
                    .is_some_and(|m| m.starts_with("Код не запрашивался")) =>
            {
                return Err(StoreError::field("code", BAD_CODE));
            }
            Err(e) => return Err(e),
        }
        let hash = crate::accounts::hash_password(password.to_string()).await?;
        on_pool!(self, p => sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
            .bind(&hash)
            .bind(&account_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        self.end_all_sessions(&account_id).await?;
        self.revoke_calendar_tokens(&account_id, ip).await?;
        self.throttle_clear(&crate::accounts::login_throttle_key(&account_id))
            .await?;
        self.journal(Entry {
            account_id: Some(&account_id),
            action: "password.reset",
            ip,
            ..Default::default()
        })
        .await?;
        let account = self.account(&account_id).await?;
        let when = domain::dates::format_datetime(self.now());
        let text = format!(
            "Пароль от Кабинета страхователя изменён {when} (МСК). Все сеансы завершены. \
             Если это были не вы, восстановите доступ и обратитесь к страховщику."
        );
        self.tell_password_changed(&account, &text).await;
        Ok(())
    }
}
