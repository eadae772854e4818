//! «Профиль»: the account's data and changes to it. A change of the e-mail or the phone needs
//! the password and a second factor passed in the last 10 minutes (the TOTP app when it is on,
//! else a code sent to the current e-mail); the old contact is told; every change, applied or
//! refused, goes into «История изменений» with the values masked.

use crate::codes::Purpose;
use crate::journal::Entry;
use crate::sessions::SessionInfo;
use crate::{Message, Store, StoreError, StoreResult, new_id, on_pool};
use chrono::Duration;
use domain::ids::mask_contact;
use domain::model::{Profile, ProfileChange};
use domain::status::Channel;

/// How long a passed second factor allows profile changes.
pub const FRESH_FACTOR_MINUTES: i64 = 10;

/// The contact fields a person changes themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactField {
    Email,
    Phone,
}

impl ContactField {
    pub fn from_code(code: &str) -> Option<ContactField> {
        match code {
            "email" => Some(ContactField::Email),
            "phone" => Some(ContactField::Phone),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ContactField::Email => "email",
            ContactField::Phone => "phone",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ContactField::Email => "Электронная почта",
            ContactField::Phone => "Мобильный телефон",
        }
    }
}

impl Store {
    pub async fn profile(&self, account_id: &str) -> StoreResult<Profile> {
        let a = self.account(account_id).await?;
        Ok(Profile {
            full_name: a.full_name,
            email: a.email,
            phone: a.phone,
            snils: a.snils,
            inn: a.inn,
            totp: self.totp_enabled(account_id).await?,
        })
    }

    /// Whether the session passed a second factor in the last 10 minutes.
    pub async fn fresh_second_factor(&self, session: &SessionInfo) -> StoreResult<bool> {
        let at: Option<Option<chrono::DateTime<chrono::Utc>>> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT second_factor_at FROM sessions WHERE id_hash = $1",
        )
        .bind(&session.id_hash)
        .fetch_optional(p)
        .await)?;
        Ok(at
            .flatten()
            .is_some_and(|t| self.now() - t < Duration::minutes(FRESH_FACTOR_MINUTES)))
    }

    /// Sends the code that proves identity to the account's e-mail (accounts without a TOTP app).
    pub async fn send_identity_code(&self, account_id: &str) -> StoreResult<String> {
        let sent = self
            .send_code(account_id, Purpose::Identity, Channel::Email)
            .await?;
        Ok(mask_contact(&sent.destination))
    }

    /// Passes the second factor for profile changes: a TOTP code, or the e-mailed code.
    pub async fn confirm_identity(
        &self,
        session: &SessionInfo,
        code: &str,
        ip: &str,
    ) -> StoreResult<()> {
        let account_id = session.account_id.as_str();
        if self.totp_enabled(account_id).await? {
            self.check_totp_code(account_id, code).await?;
        } else {
            self.verify_code(account_id, Purpose::Identity, code)
                .await?;
        }
        on_pool!(self, p => sqlx::query("UPDATE sessions SET second_factor_at = $1 WHERE id_hash = $2")
            .bind(self.now())
            .bind(&session.id_hash)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        self.journal(Entry {
            account_id: Some(account_id),
            action: "identity.confirmed",
            object_type: "account",
            object_id: account_id,
            ip,
            ..Default::default()
        })
        .await
    }

    async fn record_change(
        &self,
        account_id: &str,
        field: ContactField,
        old: &str,
        new: &str,
        status: &str,
        reason: &str,
    ) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO profile_changes (id, account_id, field, old_value, new_value, status, reason, changed_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(new_id())
        .bind(account_id)
        .bind(field.code())
        .bind(mask_contact(old))
        .bind(mask_contact(new))
        .bind(status)
        .bind(reason)
        .bind("владелец учётной записи")
        .bind(self.now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Changes the e-mail or the phone. `Refused` with [`NEED_SECOND_FACTOR`] when the second
    /// factor is not fresh: the caller asks for it and tries again with the same values.
    pub async fn change_contact(
        &self,
        session: &SessionInfo,
        field: ContactField,
        value: &str,
        password: &str,
        ip: &str,
    ) -> StoreResult<()> {
        let account_id = session.account_id.as_str();
        let new = match field {
            ContactField::Email => domain::ids::email(value),
            ContactField::Phone => domain::ids::phone(value),
        }
        .map_err(|m| StoreError::field("value", m))?;
        if !self.fresh_second_factor(session).await? {
            return Err(StoreError::Refused(NEED_SECOND_FACTOR.into()));
        }
        let account = self.account(account_id).await?;
        let old = match field {
            ContactField::Email => account.email.clone(),
            ContactField::Phone => account.phone.clone(),
        };
        if old == new {
            return Err(StoreError::field("value", "Это и есть текущее значение"));
        }
        if !self.check_password(account_id, password).await? {
            self.record_change(account_id, field, &old, &new, "refused", "неверный пароль")
                .await?;
            return Err(StoreError::field("password", "Неверный пароль"));
        }
        let column = field.code();
        let taken: Option<String> = on_pool!(self, p => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM accounts WHERE {column} = $1 AND id <> $2"
        )))
        .bind(&new)
        .bind(account_id)
        .fetch_optional(p)
        .await)?;
        if taken.is_some() {
            self.record_change(
                account_id,
                field,
                &old,
                &new,
                "refused",
                "занят другой учётной записью",
            )
            .await?;
            return Err(StoreError::field(
                "value",
                "Этот контакт уже указан в другой учётной записи",
            ));
        }
        on_pool!(self, p => sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE accounts SET {column} = $1 WHERE id = $2"
        )))
        .bind(&new)
        .bind(account_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        self.record_change(account_id, field, &old, &new, "applied", "")
            .await?;
        self.journal(Entry {
            account_id: Some(account_id),
            action: "profile.changed",
            object_type: "account",
            object_id: account_id,
            ip,
            details: field.code(),
            ..Default::default()
        })
        .await?;
        // The old contact hears of it: if this was not the owner, they know at once.
        let channel = match field {
            ContactField::Email => Channel::Email,
            ContactField::Phone => Channel::Sms,
        };
        let notice = Message {
            channel,
            to: old,
            subject: "Кабинет страхователя: изменены контактные данные".into(),
            body: format!(
                "В вашей учётной записи изменено поле «{}» на {}. Если это сделали не вы, \
                 восстановите доступ и обратитесь в поддержку.",
                field.label(),
                mask_contact(&new)
            ),
        };
        if let Err(e) = self.notify(&notice).await {
            tracing::warn!(error = %e, "change notice not sent");
        }
        Ok(())
    }

    /// «История изменений», newest first.
    pub async fn profile_history(&self, account_id: &str) -> StoreResult<Vec<ProfileChange>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, ProfileChange>(
            "SELECT field, old_value, new_value, status, reason, changed_by, created_at
             FROM profile_changes WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100",
        )
        .bind(account_id)
        .fetch_all(p)
        .await)?)
    }
}

/// The refusal that means "pass the second factor, then try again".
pub const NEED_SECOND_FACTOR: &str =
    "Для изменения данных подтвердите, что это вы: введите код подтверждения";
