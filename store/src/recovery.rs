//! «Забыли пароль»: a code to the e-mail or phone, then a new password. The answers are the same
//! whether or not the contact belongs to an account, so nobody learns who is registered.

use crate::codes::Purpose;
use crate::journal::Entry;
use crate::{Message, Store, StoreError, StoreResult, on_pool};
use chrono::Duration;
use domain::FieldErrors;
use domain::ids::LoginId;
use domain::status::Channel;

/// The message for any code that does not fit, so an unknown contact looks like a wrong code.
const BAD_CODE: &str = "Неверный или устаревший код. Запросите новый код";

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
        if let Some(minutes) = self.throttle_blocked(&ip_key).await? {
            return Err(StoreError::Refused(format!(
                "Слишком много запросов восстановления с вашего адреса. Попробуйте через {minutes} мин."
            )));
        }
        let hour = Duration::hours(1);
        self.throttle_fail(&ip_key, 10, hour, hour).await?;
        if let Some(account_id) = self.account_by_contact(channel, &value).await? {
            match self.send_code(&account_id, Purpose::Reset, channel).await {
                // A cool-down or hourly limit would tell that the account exists: say nothing.
                Ok(_) | Err(StoreError::Refused(_)) => {}
                Err(e) => return Err(e),
            }
            self.journal(Entry {
                account_id: Some(&account_id),
                action: "password.reset_requested",
                ip,
                ..Default::default()
            })
            .await?;
        }
        Ok(value)
    }

    /// Step 2: checks the code and sets the new password; every session of the account ends and
    /// both contacts are told.
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
            return Err(StoreError::field("code", BAD_CODE));
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
        // The password has changed already: a notice that cannot be sent is logged, not an error
        // that would tell the user the change failed.
        for (channel, to) in [
            (Channel::Email, &account.email),
            (Channel::Sms, &account.phone),
        ] {
            if to.is_empty() {
                continue;
            }
            let notice = Message {
                channel,
                to: to.clone(),
                subject: "Пароль изменён".into(),
                body: text.clone(),
            };
            if let Err(e) = self.notify(&notice).await {
                tracing::warn!(error = %e, channel = channel.code(), "password change notice");
            }
        }
        Ok(())
    }
}
