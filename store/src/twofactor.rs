//! Two-factor login, by one of two methods at a time: a TOTP app (RFC 6238: SHA-1, 6 digits,
//! 30 seconds) or a code sent by SMS to the account's phone. TOTP enrolment shows a secret and its
//! QR code and turns on only after the app's first code is confirmed; SMS enrolment turns on only
//! after a code sent to the phone is typed back. Either way ten single-use recovery codes are then
//! shown once (stored as SHA-256 hashes). A login with the password leaves the session owing the
//! second factor until a code (or a recovery code) is given; five wrong codes end that session.
//! A TOTP code is never accepted twice (the last step is kept); an SMS code follows the rules of
//! every one-time code (hashed, 5 minutes, 5 tries, single use).

use crate::codes::Purpose;
use crate::journal::Entry;
use crate::sessions::SessionInfo;
use crate::throttle::Attempt;
use crate::{Store, StoreError, StoreResult, on_pool};
use chrono::{DateTime, Utc};
use domain::status::{Channel, FactorMethod};
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

const ISSUER: &str = "Кабинет страхователя";
const RECOVERY_CODES: usize = 10;
const MAX_FAILURES: i32 = 5;
/// Wrong second-factor codes per account, over all its logins, before its second step locks.
pub const SECOND_FACTOR_FAILURES_PER_ACCOUNT: i32 = 10;
/// How long the second step stays locked, and the window its failures are counted in.
pub const SECOND_FACTOR_LOCK: chrono::Duration = chrono::Duration::hours(1);

/// What the enrolment screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpEnrolment {
    /// Base32, for typing into the app by hand.
    pub secret: String,
    pub uri: String,
    /// The `otpauth://` URI as an SVG QR code.
    pub qr_svg: String,
}

fn totp(secret_b32: &str) -> StoreResult<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .map_err(|e| StoreError::Internal(format!("totp secret: {e:?}")))?;
    Ok(TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes))
}

fn hash_recovery(code: &str) -> String {
    hex::encode(Sha256::digest(normalize_recovery(code).as_bytes()))
}

/// Recovery codes are read back as typed: any case, with or without the dash and spaces.
fn normalize_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn new_recovery_code() -> String {
    // Letters and digits that cannot be mistaken for each other.
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let s: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("{}-{}", &s[..5], &s[5..])
}

/// Percent-encodes for an `otpauth://` URI.
fn uri_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn code_field_error(message: &str) -> StoreError {
    StoreError::field("code", message)
}

impl Store {
    /// Whether the account logs in with a second factor.
    pub async fn totp_enabled(&self, account_id: &str) -> StoreResult<bool> {
        let at: Option<Option<DateTime<Utc>>> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT enabled_at FROM totp WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_optional(p)
        .await)?;
        Ok(matches!(at, Some(Some(_))))
    }

    /// The second factor the account logs in with, if any.
    pub async fn factor_method(&self, account_id: &str) -> StoreResult<Option<FactorMethod>> {
        if self.totp_enabled(account_id).await? {
            return Ok(Some(FactorMethod::Totp));
        }
        let sms: Option<Option<DateTime<Utc>>> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT sms_factor_at FROM accounts WHERE id = $1",
        )
        .bind(account_id)
        .fetch_optional(p)
        .await)?;
        Ok(matches!(sms, Some(Some(_))).then_some(FactorMethod::Sms))
    }

    /// Starts (or restarts) enrolling a TOTP app: a new secret, not in force until confirmed.
    pub async fn begin_totp(&self, account_id: &str) -> StoreResult<TotpEnrolment> {
        if self.factor_method(account_id).await?.is_some() {
            return Err(StoreError::Refused(
                "Двухфакторная защита уже включена".into(),
            ));
        }
        let account = self.account(account_id).await?;
        let mut raw = [0u8; 20];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let secret = Secret::Raw(raw.to_vec()).to_encoded().to_string();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO totp (account_id, secret, enabled_at, last_step, created_at) VALUES ($1, $2, NULL, 0, $3)
             ON CONFLICT (account_id) DO UPDATE SET secret = excluded.secret, enabled_at = NULL, last_step = 0,
                 created_at = excluded.created_at",
        )
        .bind(account_id)
        .bind(&secret)
        .bind(self.now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        let label = uri_component(&format!("{ISSUER}:{}", account.email));
        let uri = format!(
            "otpauth://totp/{label}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
            uri_component(ISSUER)
        );
        let qr_svg = qrcode::QrCode::new(uri.as_bytes())
            .map_err(|e| StoreError::Internal(format!("qr: {e}")))?
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build();
        Ok(TotpEnrolment {
            secret,
            uri,
            qr_svg,
        })
    }

    /// Accepts a TOTP code for the account's secret (enabled or being enrolled): within one step
    /// either side of now, and later than the last step accepted.
    async fn accept_totp(&self, account_id: &str, code: &str) -> StoreResult<bool> {
        let row: Option<(String, i64)> = on_pool!(self, p => sqlx::query_as(
            "SELECT secret, last_step FROM totp WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_optional(p)
        .await)?;
        let Some((secret, last_step)) = row else {
            return Ok(false);
        };
        let code: String = code.chars().filter(|c| c.is_ascii_digit()).collect();
        if code.len() != 6 {
            return Ok(false);
        }
        let t = totp(&secret)?;
        let now = self.now().timestamp().max(0) as u64;
        let current = (now / 30) as i64;
        for step in [current - 1, current, current + 1] {
            if step <= last_step || step < 0 {
                continue;
            }
            if t.generate(step as u64 * 30) == code {
                // Taken only if nobody took this step meanwhile.
                let taken = on_pool!(self, p => sqlx::query(
                    "UPDATE totp SET last_step = $1 WHERE account_id = $2 AND last_step < $1",
                )
                .bind(step)
                .bind(account_id)
                .execute(p)
                .await
                .map(|r| r.rows_affected()))?;
                return Ok(taken == 1);
            }
        }
        Ok(false)
    }

    /// A current TOTP code (for steps after the login that ask for it again).
    pub async fn check_totp_code(&self, account_id: &str, code: &str) -> StoreResult<()> {
        if self.accept_totp(account_id, code).await? {
            Ok(())
        } else {
            Err(code_field_error(
                "Код не подошёл. Введите 6 цифр, которые сейчас показывает приложение",
            ))
        }
    }

    /// Uses up one recovery code.
    async fn accept_recovery(&self, account_id: &str, code: &str) -> StoreResult<bool> {
        if normalize_recovery(code).len() != 10 {
            return Ok(false);
        }
        let used = on_pool!(self, p => sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(self.now())
        .bind(account_id)
        .bind(hash_recovery(code))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(used == 1)
    }

    /// Confirms the enrolment with the app's first code; answers the ten recovery codes, which
    /// are shown this once. The session counts as having just passed the second factor.
    pub async fn confirm_totp(
        &self,
        session: &SessionInfo,
        code: &str,
        ip: &str,
    ) -> StoreResult<Vec<String>> {
        let account_id = session.account_id.as_str();
        if self.factor_method(account_id).await?.is_some() {
            return Err(StoreError::Refused(
                "Двухфакторная защита уже включена".into(),
            ));
        }
        if !self.accept_totp(account_id, code).await? {
            return Err(code_field_error(
                "Код не подошёл. Введите 6 цифр, которые сейчас показывает приложение",
            ));
        }
        self.turn_factor_on(session, FactorMethod::Totp, ip).await
    }

    /// Marks the method on, makes ten new recovery codes (answered, to be shown once) and counts
    /// the session as having just passed the second factor.
    async fn turn_factor_on(
        &self,
        session: &SessionInfo,
        method: FactorMethod,
        ip: &str,
    ) -> StoreResult<Vec<String>> {
        let account_id = session.account_id.as_str();
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let now = self.now();
        let switch_on = match method {
            FactorMethod::Totp => "UPDATE totp SET enabled_at = $1 WHERE account_id = $2",
            FactorMethod::Sms => "UPDATE accounts SET sms_factor_at = $1 WHERE id = $2",
        };
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query(switch_on)
                .bind(now)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            for c in &codes {
                sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
                    .bind(account_id)
                    .bind(hash_recovery(c))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("UPDATE sessions SET second_factor_at = $1 WHERE id_hash = $2")
                .bind(now)
                .bind(&session.id_hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })?;
        self.journal(Entry {
            account_id: Some(account_id),
            action: match method {
                FactorMethod::Totp => "2fa.enabled",
                FactorMethod::Sms => "2fa.sms_enabled",
            },
            object_type: "account",
            object_id: account_id,
            ip,
            ..Default::default()
        })
        .await?;
        Ok(codes)
    }

    /// Turns the second factor off: needs the password and a current code (or a recovery code).
    pub async fn disable_totp(
        &self,
        account_id: &str,
        password: &str,
        code: &str,
        ip: &str,
    ) -> StoreResult<()> {
        if !self.totp_enabled(account_id).await? {
            return Err(StoreError::Refused(
                "Двухфакторная защита не включена".into(),
            ));
        }
        self.check_password_limited(account_id, password, ip)
            .await?;
        if !(self.accept_totp(account_id, code).await?
            || self.accept_recovery(account_id, code).await?)
        {
            return Err(code_field_error("Код не подошёл"));
        }
        self.turn_factors_off(account_id, "totp", ip).await
    }

    /// The second step of a login: a code from the app, an SMS code or a recovery code. The only
    /// way a session owing the second factor becomes full: answers the session's new token
    /// (the old one opens nothing after this). Five wrong codes end the session (the person
    /// starts over with the password); [`SECOND_FACTOR_FAILURES_PER_ACCOUNT`] wrong codes in an
    /// hour, over however many logins, lock the account's second step for an hour, and the
    /// owner is told by e-mail. Each code is counted before it is checked, so codes sent side by
    /// side are counted too.
    pub async fn pass_second_factor(
        &self,
        session: &SessionInfo,
        code: &str,
        ip: &str,
    ) -> StoreResult<String> {
        let account_id = session.account_id.as_str();
        if !session.needs_second_factor() {
            return Err(StoreError::NotFound);
        }
        if code.trim().is_empty() {
            return Err(code_field_error("Введите код"));
        }
        let lock_key = format!("2fa:{account_id}");
        let last = match self
            .throttle_take(
                &lock_key,
                SECOND_FACTOR_FAILURES_PER_ACCOUNT,
                SECOND_FACTOR_LOCK,
                SECOND_FACTOR_LOCK,
            )
            .await?
        {
            Attempt::Go { left } => left == 0,
            Attempt::Blocked { minutes } => {
                return Err(StoreError::Refused(format!(
                    "Вход временно заблокирован: слишком много неверных кодов подтверждения. \
                     Попробуйте через {minutes} мин. или восстановите доступ"
                )));
            }
        };
        let recovery = normalize_recovery(code).len() == 10;
        let method = self.factor_method(account_id).await?;
        // What to say of a wrong code: the SMS code's own rules say it best (tries left, expired).
        let mut wrong = if recovery {
            "Резервный код не подошёл или уже использован".to_string()
        } else {
            "Код не подошёл. Введите 6 цифр, которые сейчас показывает приложение".to_string()
        };
        let ok = if recovery {
            self.accept_recovery(account_id, code).await?
        } else if method == Some(FactorMethod::Sms) {
            match self.verify_code(account_id, Purpose::Login, code).await {
                Ok(_) => true,
                Err(StoreError::Invalid(e)) => {
                    wrong = e.get("code").unwrap_or("Код не подошёл").to_string();
                    false
                }
                Err(e) => return Err(e),
            }
        } else {
            self.accept_totp(account_id, code).await?
        };
        if !ok {
            let failures: i32 = on_pool!(self, p => sqlx::query_scalar(
                "UPDATE sessions SET second_factor_failures = second_factor_failures + 1 WHERE id_hash = $1
                 RETURNING second_factor_failures",
            )
            .bind(&session.id_hash)
            .fetch_optional(p)
            .await)?
            .unwrap_or(MAX_FAILURES);
            self.journal(Entry {
                account_id: Some(account_id),
                action: "2fa.failed",
                object_type: "account",
                object_id: account_id,
                ip,
                ..Default::default()
            })
            .await?;
            if last {
                self.second_factor_locked(account_id, ip).await?;
            }
            if failures >= MAX_FAILURES || last {
                self.end_session(session, ip).await?;
                return Err(StoreError::Refused(
                    "Слишком много неверных кодов. Войдите заново".into(),
                ));
            }
            return Err(code_field_error(&wrong));
        }
        let token = self
            .advance_session(session, crate::sessions::Stage::SecondFactor)
            .await?;
        self.throttle_clear(&lock_key).await?;
        self.journal(Entry {
            account_id: Some(account_id),
            action: match (recovery, method) {
                (true, _) => "2fa.recovery_code",
                (false, Some(FactorMethod::Sms)) => "2fa.sms_passed",
                (false, _) => "2fa.passed",
            },
            object_type: "account",
            object_id: account_id,
            ip,
            ..Default::default()
        })
        .await?;
        Ok(token)
    }

    /// The account's second step has just been locked: a journal line, and a letter to the owner
    /// (someone who has the password is guessing codes).
    async fn second_factor_locked(&self, account_id: &str, ip: &str) -> StoreResult<()> {
        self.journal(Entry {
            account_id: Some(account_id),
            action: "2fa.locked",
            object_type: "account",
            object_id: account_id,
            ip,
            ..Default::default()
        })
        .await?;
        let account = self.account(account_id).await?;
        let hours = SECOND_FACTOR_LOCK.num_minutes() / 60;
        let notice = crate::Message {
            channel: Channel::Email,
            to: account.email,
            subject: "Кабинет страхователя: вход заблокирован".into(),
            body: format!(
                "При входе в вашу учётную запись {SECOND_FACTOR_FAILURES_PER_ACCOUNT} раз введён \
                 неверный код подтверждения (последний раз с адреса {ip}). Пароль был введён верно. \
                 Вход заблокирован на {hours} ч. Если это были не вы, смените пароль или \
                 восстановите доступ."
            ),
        };
        if let Err(e) = self.notify(&notice).await {
            tracing::warn!(error = %e, "second factor lock notice not sent");
        }
        Ok(())
    }

    /// Starts turning on SMS codes as the second factor: a code goes to the account's phone.
    /// Answers the phone, masked.
    pub async fn begin_sms_factor(&self, account_id: &str) -> StoreResult<String> {
        if self.factor_method(account_id).await?.is_some() {
            return Err(StoreError::Refused(
                "Двухфакторная защита уже включена".into(),
            ));
        }
        let sent = self
            .send_code(account_id, Purpose::SmsEnrol, Channel::Sms)
            .await?;
        Ok(domain::ids::mask_contact(&sent.destination))
    }

    /// Confirms the phone with the code just sent; SMS codes are then asked at every login.
    /// Answers the ten recovery codes, shown this once.
    pub async fn confirm_sms_factor(
        &self,
        session: &SessionInfo,
        code: &str,
        ip: &str,
    ) -> StoreResult<Vec<String>> {
        let account_id = session.account_id.as_str();
        if self.factor_method(account_id).await?.is_some() {
            return Err(StoreError::Refused(
                "Двухфакторная защита уже включена".into(),
            ));
        }
        self.verify_code(account_id, Purpose::SmsEnrol, code)
            .await?;
        self.turn_factor_on(session, FactorMethod::Sms, ip).await
    }

    /// Turns SMS codes off: needs the password and a fresh factor, a code just sent by SMS
    /// ([`Store::send_identity_code`]) or a recovery code.
    pub async fn disable_sms_factor(
        &self,
        account_id: &str,
        password: &str,
        code: &str,
        ip: &str,
    ) -> StoreResult<()> {
        if self.factor_method(account_id).await? != Some(FactorMethod::Sms) {
            return Err(StoreError::Refused("Вход с кодом в SMS не включён".into()));
        }
        self.check_password_limited(account_id, password, ip)
            .await?;
        if code.trim().is_empty() {
            return Err(code_field_error(
                "Введите код из SMS или один из резервных кодов",
            ));
        }
        if normalize_recovery(code).len() == 10 {
            if !self.accept_recovery(account_id, code).await? {
                return Err(code_field_error(
                    "Резервный код не подошёл или уже использован",
                ));
            }
        } else {
            self.verify_code(account_id, Purpose::Identity, code)
                .await?;
        }
        self.turn_factors_off(account_id, "sms", ip).await
    }

    /// Removes every second factor of the account and its recovery codes, with a journal line.
    pub(crate) async fn turn_factors_off(
        &self,
        account_id: &str,
        why: &str,
        ip: &str,
    ) -> StoreResult<()> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM totp WHERE account_id = $1").bind(account_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1").bind(account_id).execute(&mut *tx).await?;
            sqlx::query("UPDATE accounts SET sms_factor_at = NULL WHERE id = $1").bind(account_id).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        self.journal(Entry {
            account_id: Some(account_id),
            action: "2fa.disabled",
            object_type: "account",
            object_id: account_id,
            ip,
            details: why,
            ..Default::default()
        })
        .await
    }

    /// Sends the SMS code of a login's second step (on login, and again on «Отправить код ещё
    /// раз», no sooner than the cool-down). Answers where it went, masked.
    pub async fn send_login_code(&self, session: &SessionInfo, ip: &str) -> StoreResult<String> {
        if !session.needs_second_factor()
            || self.factor_method(&session.account_id).await? != Some(FactorMethod::Sms)
        {
            return Err(StoreError::NotFound);
        }
        let sent = self
            .send_code(&session.account_id, Purpose::Login, Channel::Sms)
            .await?;
        self.journal(Entry {
            account_id: Some(&session.account_id),
            action: "2fa.sms_sent",
            object_type: "account",
            object_id: &session.account_id,
            ip,
            ..Default::default()
        })
        .await?;
        Ok(domain::ids::mask_contact(&sent.destination))
    }

    /// How many recovery codes are left.
    pub async fn recovery_codes_left(&self, account_id: &str) -> StoreResult<i64> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(p)
        .await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 appendix B: the secret "12345678901234567890", 59 s → 94287082 (8 digits).
        let t = TOTP::new_unchecked(Algorithm::SHA1, 8, 1, 30, b"12345678901234567890".to_vec());
        assert_eq!(t.generate(59), "94287082");
    }

    #[test]
    fn recovery_codes_read_back_as_typed() {
        let c = new_recovery_code();
        assert_eq!(c.len(), 11);
        assert_eq!(
            hash_recovery(&c),
            hash_recovery(&c.to_lowercase().replace('-', " "))
        );
    }
}
