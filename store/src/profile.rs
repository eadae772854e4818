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
        let (passport, pending): (Option<String>, i64) = on_pool!(self, p => sqlx::query_as(
            "SELECT a.passport, (SELECT COUNT(*) FROM profile_reviews r WHERE r.account_id = a.id AND r.status = 'review')
             FROM accounts a WHERE a.id = $1",
        )
        .bind(account_id)
        .fetch_one(p)
        .await)?;
        Ok(Profile {
            full_name: a.full_name,
            email: a.email,
            phone: a.phone,
            snils: a.snils,
            inn: a.inn,
            totp: self.totp_enabled(account_id).await?,
            passport: passport.as_deref().map(domain::ids::mask_passport),
            passport_pending: pending > 0,
        })
    }

    /// Whether the session passed a second factor in the last 10 minutes (as read with the
    /// session at the start of this request).
    pub fn fresh_second_factor(&self, session: &SessionInfo) -> bool {
        session
            .second_factor_at
            .is_some_and(|t| self.now() - t < Duration::minutes(FRESH_FACTOR_MINUTES))
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
        if !self.fresh_second_factor(session) {
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

/// The largest scan accepted.
pub const MAX_SCAN_BYTES: usize = 5 * 1024 * 1024;

/// What a registry says of a new passport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Confirmed: apply at once.
    Valid,
    /// Wrong: refuse with this reason (shown to the person).
    Invalid(String),
    /// Cannot tell: a person at the insurer looks at the scan.
    Unclear,
}

/// Checks a passport against the state registries. A real one (СМЭВ/МВД) plugs in here; the
/// built-in one checks what can be checked locally and sends the rest to staff review.
pub trait RegistryCheck: Send + Sync {
    fn check_passport(&self, profile: &Profile, current: Option<&str>, new: &str) -> Verdict;
}

/// Format and consistency only: a passport is never confirmed without a person's look.
pub struct LocalRegistryCheck;

impl RegistryCheck for LocalRegistryCheck {
    fn check_passport(&self, _profile: &Profile, current: Option<&str>, new: &str) -> Verdict {
        if current == Some(new) {
            return Verdict::Invalid("Это и есть паспорт, указанный в профиле".into());
        }
        // The 3rd and 4th digits of the series are the year of issue: not in the future.
        let year: u32 = new.get(2..4).and_then(|y| y.parse().ok()).unwrap_or(0);
        let this_year = chrono::Utc::now()
            .format("%y")
            .to_string()
            .parse::<u32>()
            .unwrap_or(99);
        if year > this_year && year < 97 {
            return Verdict::Invalid(
                "Серия паспорта указывает на год выдачи, который ещё не наступил".into(),
            );
        }
        Verdict::Unclear
    }
}

impl Store {
    /// «Изменить паспорт»: the new series and number with a scan (PDF or JPEG by content,
    /// at most 5 MB). Needs a fresh second factor. The registry check applies it, refuses it, or
    /// sends it to staff («На проверке»); the history records it either way.
    pub async fn submit_passport(
        &self,
        session: &SessionInfo,
        number: &str,
        scan: &[u8],
        ip: &str,
    ) -> StoreResult<&'static str> {
        let account_id = session.account_id.as_str();
        let mut errors = domain::FieldErrors::new();
        let new = errors.check("passport", domain::ids::passport(number));
        let mime = domain::ids::sniff_file(scan).filter(|m| *m != "image/png");
        if scan.is_empty() {
            errors.add("scan", "Приложите скан или фото разворота паспорта");
        } else if scan.len() > MAX_SCAN_BYTES {
            errors.add(
                "scan",
                "Файл больше 5 МБ: уменьшите его или сохраните в другом формате",
            );
        } else if mime.is_none() {
            errors.add(
                "scan",
                "Файл должен быть PDF или JPEG. Этот файл по содержимому не PDF и не JPEG, какое бы ни было у него имя",
            );
        }
        let (Some(new), Some(mime), true) = (new, mime, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        if !self.fresh_second_factor(session) {
            return Err(StoreError::Refused(NEED_SECOND_FACTOR.into()));
        }
        let current: Option<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT passport FROM accounts WHERE id = $1",
        )
        .bind(account_id)
        .fetch_one(p)
        .await)?;
        let profile = self.profile(account_id).await?;
        if profile.passport_pending {
            return Err(StoreError::Refused(
                "Предыдущее изменение паспорта ещё на проверке. Дождитесь решения".into(),
            ));
        }
        let masked_old = current
            .as_deref()
            .map(domain::ids::mask_passport)
            .unwrap_or_else(|| "не указан".into());
        let masked_new = domain::ids::mask_passport(&new);
        let verdict = LocalRegistryCheck.check_passport(&profile, current.as_deref(), &new);
        let (status, reason) = match &verdict {
            Verdict::Valid => ("applied", String::new()),
            Verdict::Invalid(r) => ("refused", r.clone()),
            Verdict::Unclear => ("review", String::new()),
        };
        let review_id = new_id();
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            if status == "review" {
                sqlx::query(
                    "INSERT INTO profile_reviews (id, account_id, field, new_value, scan_mime, scan, status, created_at)
                     VALUES ($1, $2, 'passport', $3, $4, $5, 'review', $6)",
                )
                .bind(&review_id).bind(account_id).bind(&new).bind(mime).bind(scan).bind(now)
                .execute(&mut *tx).await?;
            }
            if status == "applied" {
                sqlx::query("UPDATE accounts SET passport = $1 WHERE id = $2")
                    .bind(&new).bind(account_id).execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO profile_changes (id, account_id, field, old_value, new_value, status, reason, changed_by, created_at, review_id)
                 VALUES ($1, $2, 'passport', $3, $4, $5, $6, 'владелец учётной записи', $7, $8)",
            )
            .bind(new_id()).bind(account_id).bind(&masked_old).bind(&masked_new).bind(status).bind(&reason)
            .bind(now).bind(&review_id)
            .execute(&mut *tx).await?;
            tx.commit().await
        })?;
        self.journal(Entry {
            account_id: Some(account_id),
            action: "profile.passport_submitted",
            object_type: "account",
            object_id: account_id,
            ip,
            details: status,
            ..Default::default()
        })
        .await?;
        if let Verdict::Invalid(r) = verdict {
            return Err(StoreError::field("passport", r));
        }
        Ok(status)
    }

    /// Staff: the profile changes waiting for a check, oldest first.
    pub async fn staff_reviews(
        &self,
        staff_id: &str,
    ) -> StoreResult<Vec<domain::model::ReviewRow>> {
        self.require_staff(staff_id).await?;
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, domain::model::ReviewRow>(
            "SELECT r.id, a.full_name, r.field, r.new_value, r.scan_mime, r.created_at
             FROM profile_reviews r JOIN accounts a ON a.id = r.account_id
             WHERE r.status = 'review' ORDER BY r.created_at, r.id LIMIT 100",
        )
        .fetch_all(p)
        .await)?,
        )
    }

    /// Staff: the scan of a change under review.
    pub async fn staff_review_scan(
        &self,
        staff_id: &str,
        review_id: &str,
    ) -> StoreResult<(String, Vec<u8>)> {
        self.require_staff(staff_id).await?;
        on_pool!(self, p => sqlx::query_as::<_, (String, Vec<u8>)>(
            "SELECT scan_mime, scan FROM profile_reviews WHERE id = $1",
        )
        .bind(review_id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)
    }

    /// Staff: approves (the change takes effect) or rejects (with a reason) a change under
    /// review; the person gets a notice and the history says who decided.
    pub async fn staff_decide_review(
        &self,
        staff_id: &str,
        review_id: &str,
        approve: bool,
        reason: &str,
        ip: &str,
    ) -> StoreResult<()> {
        self.require_staff(staff_id).await?;
        if !approve && reason.trim().chars().count() < 3 {
            return Err(StoreError::field("reason", "Укажите причину отказа"));
        }
        let row: Option<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT account_id, new_value FROM profile_reviews WHERE id = $1 AND status = 'review'",
        )
        .bind(review_id)
        .fetch_optional(p)
        .await)?;
        let Some((account_id, new)) = row else {
            return Err(StoreError::NotFound);
        };
        let status = if approve { "applied" } else { "refused" };
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let claimed = sqlx::query(
                "UPDATE profile_reviews SET status = $1, reason = $2, decided_at = $3, decided_by = $4
                 WHERE id = $5 AND status = 'review'",
            )
            .bind(status).bind(reason.trim()).bind(now).bind(staff_id).bind(review_id)
            .execute(&mut *tx).await?.rows_affected();
            if claimed == 1 && approve {
                sqlx::query("UPDATE accounts SET passport = $1 WHERE id = $2")
                    .bind(&new).bind(&account_id).execute(&mut *tx).await?;
            }
            sqlx::query(
                "UPDATE profile_changes SET status = $1, reason = $2, changed_by = 'сотрудник страховщика'
                 WHERE review_id = $3",
            )
            .bind(status).bind(reason.trim()).bind(review_id)
            .execute(&mut *tx).await?;
            tx.commit().await
        })?;
        self.journal(Entry {
            account_id: Some(staff_id),
            action: if approve {
                "review.approved"
            } else {
                "review.rejected"
            },
            object_type: "profile_review",
            object_id: review_id,
            ip,
            ..Default::default()
        })
        .await?;
        let (title, body) = if approve {
            (
                "Паспорт в профиле обновлён",
                "Проверка пройдена: новые паспортные данные действуют.".to_string(),
            )
        } else {
            (
                "Изменение паспорта отклонено",
                format!("Причина: {}", reason.trim()),
            )
        };
        self.add_notice(&account_id, title, &body, "/profile").await
    }
}

/// The refusal that means "pass the second factor, then try again".
pub const NEED_SECOND_FACTOR: &str =
    "Для изменения данных подтвердите, что это вы: введите код подтверждения";
