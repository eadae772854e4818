//! One-time codes: 6 digits, stored as an HMAC, valid 5 minutes, 5 tries, single use, resent no
//! sooner than a cool-down and no more than a few times an hour.

use crate::{Store, StoreError, StoreResult, new_id, on_pool};
use chrono::{DateTime, Utc};
use domain::status::Channel;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

/// What a code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Confirm,
    Login,
    Reset,
    /// Proving it is the account's owner before a change of the profile.
    Identity,
    /// Confirming the phone before SMS codes become the second factor of the login.
    SmsEnrol,
}

impl Purpose {
    pub fn code(self) -> &'static str {
        match self {
            Purpose::Confirm => "confirm",
            Purpose::Login => "login",
            Purpose::Reset => "reset",
            Purpose::Identity => "identity",
            Purpose::SmsEnrol => "sms_enrol",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Purpose::Confirm => "подтверждения регистрации",
            Purpose::Login => "входа",
            Purpose::Reset => "восстановления пароля",
            Purpose::Identity => "подтверждения личности",
            Purpose::SmsEnrol => "подключения входа по SMS",
        }
    }
}

#[derive(sqlx::FromRow)]
struct CodeRow {
    id: String,
    channel: String,
    code_hash: String,
    attempts: i32,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
}

/// Where the last code went, for the confirmation page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCode {
    pub channel: Channel,
    pub destination: String,
    /// Seconds until another code may be requested.
    pub resend_in: i64,
}

/// A code that has expired. (These texts are shared with the reset flow's answers for a contact
/// that is nobody's, which must read the same.)
pub(crate) const EXPIRED_CODE: &str = "Срок действия кода истёк. Запросите новый код";

/// A code with no tries left.
pub(crate) fn blocked_code(max: i32) -> String {
    format!("Код заблокирован: {max} неверных попыток. Запросите новый код")
}

/// A wrong code, the `attempts`-th wrong one of `max`.
pub(crate) fn wrong_code(max: i32, attempts: i32) -> String {
    let left = max - attempts;
    if left > 0 {
        format!("Неверный код. Осталось попыток: {left}")
    } else {
        format!("Неверный код. Код заблокирован: {max} неверных попыток. Запросите новый код")
    }
}

impl Store {
    pub(crate) fn code_mac(&self, code_id: &str, code: &str) -> StoreResult<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.inner.code_key.expose())
            .map_err(|e| StoreError::Internal(format!("hmac key: {e}")))?;
        mac.update(code_id.as_bytes());
        mac.update(b":");
        mac.update(code.as_bytes());
        Ok(mac)
    }

    async fn latest_code(
        &self,
        account_id: &str,
        purpose: Purpose,
    ) -> StoreResult<Option<CodeRow>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, CodeRow>(
            "SELECT id, channel, code_hash, attempts, created_at, expires_at, used_at FROM one_time_codes
             WHERE account_id = $1 AND purpose = $2 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(account_id)
        .bind(purpose.code())
        .fetch_optional(p)
        .await)?)
    }

    /// Makes a new code, replacing any earlier one for the same purpose, and sends it.
    pub async fn send_code(
        &self,
        account_id: &str,
        purpose: Purpose,
        channel: Channel,
    ) -> StoreResult<SentCode> {
        let account = self.account(account_id).await?;
        let cfg = self.config().clone();
        let now = self.now();
        if let Some(last) = self.latest_code(account_id, purpose).await? {
            let wait = (last.created_at + cfg.code_resend_cooldown - now).num_seconds();
            if wait > 0 {
                return Err(StoreError::Refused(format!(
                    "Новый код можно запросить через {wait} с"
                )));
            }
        }
        let recent: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM one_time_codes WHERE account_id = $1 AND purpose = $2 AND created_at > $3",
        )
        .bind(account_id)
        .bind(purpose.code())
        .bind(now - chrono::Duration::hours(1))
        .fetch_one(p)
        .await)?;
        if recent >= cfg.codes_per_hour {
            return Err(StoreError::Refused(
                "Слишком много запросов кода. Попробуйте через час".into(),
            ));
        }
        let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
        let id = new_id();
        let hash = hex::encode(self.code_mac(&id, &code)?.finalize().into_bytes());
        let destination = account.destination(channel).to_string();
        // The new code first, the earlier ones ended only once it is sent: a code that cannot be
        // sent leaves no trace (no «код отправлен», no cool-down), and the earlier code stays good.
        on_pool!(self, p => sqlx::query(
            "INSERT INTO one_time_codes (id, account_id, purpose, channel, destination, code_hash, attempts, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)",
        )
        .bind(&id)
        .bind(account_id)
        .bind(purpose.code())
        .bind(channel.code())
        .bind(&destination)
        .bind(&hash)
        .bind(now)
        .bind(now + cfg.code_ttl)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
        let minutes = cfg.code_ttl.num_minutes();
        // A registration whose identifiers a confirmed account holds gets the same answer, code
        // row and cool-down as any other, but its message is a notice, never the code: only
        // whoever reads that contact learns the data are taken, and nobody can confirm it.
        let taken = purpose == Purpose::Confirm
            && account.confirmed_at.is_none()
            && !self.identifier_owners(&account).await?.is_empty();
        let (subject, body) = if taken {
            (
                "Регистрация в Кабинете страхователя".to_string(),
                registration_taken_notice(channel, &account.full_name),
            )
        } else {
            (
                format!("Код {}", purpose.text()),
                match channel {
                    Channel::Sms => format!(
                        "Код {} для Кабинета страхователя: {code}. Действует {minutes} мин. Никому не сообщайте его.",
                        purpose.text()
                    ),
                    Channel::Email => format!(
                        "Здравствуйте, {}!\n\nКод {}: {code}\n\nКод действует {minutes} минут и подходит один раз. \
                 Никому не сообщайте его: сотрудники страховщика никогда его не спрашивают.\n\nЕсли вы не запрашивали код, просто не отвечайте на это письмо.\n\nКабинет страхователя",
                        account.full_name,
                        purpose.text()
                    ),
                },
            )
        };
        let sent = if destination.is_empty() {
            Err(StoreError::Undelivered {
                message: crate::CODE_NOT_SENT,
                detail: format!("the account has no {}", channel.code()),
            })
        } else {
            self.notify(&crate::Message {
                channel,
                to: destination.clone(),
                subject,
                body,
            })
            .await
        };
        if let Err(e) = sent {
            on_pool!(self, p => sqlx::query("DELETE FROM one_time_codes WHERE id = $1")
                .bind(&id)
                .execute(p)
                .await
                .map(|r| r.rows_affected()))?;
            return Err(e.undelivered_as(crate::CODE_NOT_SENT));
        }
        on_pool!(self, p => sqlx::query(
            "UPDATE one_time_codes SET used_at = $1 WHERE account_id = $2 AND purpose = $3 AND used_at IS NULL AND id <> $4",
        )
        .bind(now)
        .bind(account_id)
        .bind(purpose.code())
        .bind(&id)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
        Ok(SentCode {
            channel,
            destination,
            resend_in: cfg.code_resend_cooldown.num_seconds(),
        })
    }

    /// Where the current code went and how long until a new one may be asked for.
    pub async fn sent_code(
        &self,
        account_id: &str,
        purpose: Purpose,
    ) -> StoreResult<Option<SentCode>> {
        let Some(last) = self.latest_code(account_id, purpose).await? else {
            return Ok(None);
        };
        let account = self.account(account_id).await?;
        let channel = Channel::from_code(&last.channel).unwrap_or(Channel::Email);
        let resend_in = (last.created_at + self.config().code_resend_cooldown - self.now())
            .num_seconds()
            .max(0);
        Ok(Some(SentCode {
            channel,
            destination: account.destination(channel).to_string(),
            resend_in,
        }))
    }

    /// Checks a typed code. Each wrong try counts; after the last one the code is dead.
    pub async fn verify_code(
        &self,
        account_id: &str,
        purpose: Purpose,
        input: &str,
    ) -> StoreResult<Channel> {
        let code = domain::forms::code(input).map_err(|m| StoreError::field("code", m))?;
        let max = self.config().code_max_attempts;
        let now = self.now();
        let Some(row) = self.latest_code(account_id, purpose).await? else {
            return Err(StoreError::field(
                "code",
                "Код не запрашивался. Нажмите «Отправить код ещё раз»",
            ));
        };
        if row.used_at.is_some() {
            return Err(StoreError::field(
                "code",
                "Этот код уже недействителен. Запросите новый код",
            ));
        }
        if row.attempts >= max {
            return Err(StoreError::field("code", blocked_code(max)));
        }
        if row.expires_at <= now {
            return Err(StoreError::field("code", EXPIRED_CODE));
        }
        let expected = hex::decode(&row.code_hash)
            .map_err(|e| StoreError::Internal(format!("code hash: {e}")))?;
        if self
            .code_mac(&row.id, &code)?
            .verify_slice(&expected)
            .is_err()
        {
            // Count the try atomically so parallel guesses cannot exceed the limit.
            let attempts: i32 = on_pool!(self, p => sqlx::query_scalar(
                "UPDATE one_time_codes SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts",
            )
            .bind(&row.id)
            .fetch_one(p)
            .await)?;
            return Err(StoreError::field("code", wrong_code(max, attempts)));
        }
        // Single use: only the first of two parallel right answers wins.
        let used = on_pool!(self, p => sqlx::query(
            "UPDATE one_time_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND attempts < $3",
        )
        .bind(now)
        .bind(&row.id)
        .bind(max)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
        if used != 1 {
            return Err(StoreError::field(
                "code",
                "Этот код уже недействителен. Запросите новый код",
            ));
        }
        Ok(Channel::from_code(&row.channel).unwrap_or(Channel::Email))
    }

    /// Dev/demo only: makes the account's current codes expire now (for testing expiry in a browser).
    pub async fn expire_codes(&self, account_id: &str) -> StoreResult<u64> {
        let r = on_pool!(self, p => sqlx::query("UPDATE one_time_codes SET expires_at = $1 WHERE account_id = $2 AND used_at IS NULL")
            .bind(self.now() - chrono::Duration::seconds(1))
            .bind(account_id)
            .execute(p)
            .await.map(|r| r.rows_affected()))?;
        Ok(r)
    }

    /// Dev/demo only: the account with this e-mail.
    pub async fn account_id_by_email(&self, email: &str) -> StoreResult<Option<String>> {
        Ok(
            on_pool!(self, p => sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1 ORDER BY created_at DESC LIMIT 1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(p)
            .await)?,
        )
    }
}

/// What a registration gets instead of its code when its e-mail, phone, СНИЛС or ИНН belong to a
/// confirmed account: the same for whichever of them it is.
fn registration_taken_notice(channel: Channel, name: &str) -> String {
    match channel {
        Channel::Sms => "Кабинет страхователя: учётная запись с этими данными уже есть, новая не будет создана. \
             Войдите или восстановите пароль. Если регистрировались не вы, ничего делать не нужно."
            .to_string(),
        Channel::Email => format!(
            "Здравствуйте, {name}!\n\nС указанными при регистрации данными (e-mail, телефон, СНИЛС или ИНН) \
             уже есть учётная запись в Кабинете страхователя, поэтому новая не будет создана и кода \
             подтверждения не будет.\n\nЕсли учётная запись ваша, войдите или восстановите пароль. \
             Если регистрировались не вы, ничего делать не нужно.\n\nКабинет страхователя"
        ),
    }
}
