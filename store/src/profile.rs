//! «Профиль»: the account's data and changes to it. Every change needs a second factor passed in
//! the last 10 minutes (the account's own — TOTP app or SMS code — else a code sent to the
//! e-mail). A change of the e-mail or a phone also needs the password and takes effect at once;
//! the old contact is told. A change of the identity — ФИО, birth date, ИНН, СНИЛС, passport
//! (with a scan) — goes through a [`RegistryCheck`]: refused with a reason, applied, or «На
//! проверке» until staff approve or reject it. Every change, applied or refused, goes into
//! «История изменений» with the values masked where they are sensitive.

use crate::codes::Purpose;
use crate::journal::Entry;
use crate::sessions::SessionInfo;
use crate::{Message, Store, StoreError, StoreResult, new_id, on_pool};
use chrono::{Datelike, Duration, NaiveDate};
use domain::ids::mask_contact;
use domain::model::{Profile, ProfileChange};
use domain::status::{Channel, FactorMethod, ProfileField};

/// How long a passed second factor allows profile changes.
pub const FRESH_FACTOR_MINUTES: i64 = 10;

/// Who a change in the history was made by.
pub(crate) const BY_OWNER: &str = "владелец учётной записи";
pub(crate) const BY_STAFF: &str = "сотрудник страховщика";

/// The contact fields a person changes themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactField {
    Email,
    Phone,
    /// «Дополнительный телефон»: optional, for reaching the person only; empty removes it.
    ExtraPhone,
}

impl ContactField {
    pub fn from_code(code: &str) -> Option<ContactField> {
        match code {
            "email" => Some(ContactField::Email),
            "phone" => Some(ContactField::Phone),
            "extra_phone" => Some(ContactField::ExtraPhone),
            _ => None,
        }
    }

    pub fn field(self) -> ProfileField {
        match self {
            ContactField::Email => ProfileField::Email,
            ContactField::Phone => ProfileField::Phone,
            ContactField::ExtraPhone => ProfileField::ExtraPhone,
        }
    }

    pub fn code(self) -> &'static str {
        self.field().code()
    }

    pub fn label(self) -> &'static str {
        self.field().label()
    }
}

/// A value as «История изменений» shows it: sensitive ones mostly hidden.
pub fn mask_value(field: ProfileField, value: Option<&str>) -> String {
    let Some(v) = value.filter(|v| !v.is_empty()) else {
        return "не указано".into();
    };
    match field {
        ProfileField::FullName => v.to_string(),
        ProfileField::BirthDate => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(domain::person::mask_birth_date)
            .unwrap_or_else(|_| "***".into()),
        ProfileField::Inn => domain::ids::mask_inn(v),
        ProfileField::Snils => domain::ids::mask_snils(v),
        ProfileField::Passport => domain::ids::mask_passport(v),
        ProfileField::Email | ProfileField::Phone | ProfileField::ExtraPhone => mask_contact(v),
    }
}

/// A change to put in the history (and, for «На проверке», in the staff queue).
pub(crate) struct Filing<'a> {
    pub account_id: &'a str,
    pub field: ProfileField,
    pub old: Option<&'a str>,
    pub new: &'a str,
    pub status: &'static str,
    pub reason: &'a str,
    /// Who made it, in words: [`BY_OWNER`] or [`BY_STAFF`].
    pub by: &'a str,
    /// The scan of a passport change and its type.
    pub scan: Option<(&'static str, &'a [u8])>,
}

/// Staff's decision on a change under review.
struct Decision<'a> {
    review_id: &'a str,
    staff_id: &'a str,
    approve: bool,
    reason: &'a str,
}

impl Decision<'_> {
    fn status(&self) -> &'static str {
        if self.approve { "applied" } else { "refused" }
    }
}

impl Store {
    pub async fn profile(&self, account_id: &str) -> StoreResult<Profile> {
        let a = self.account(account_id).await?;
        // The birth date is the account's own once changed, else the insurer's record of the person.
        let (passport, birth_date, extra_phone): (
            Option<String>,
            Option<NaiveDate>,
            Option<String>,
        ) = on_pool!(self, p => sqlx::query_as(
                "SELECT a.passport,
                        COALESCE(a.birth_date, (SELECT ph.birth_date FROM authorities au
                            JOIN policyholders ph ON ph.id = au.policyholder_id
                            WHERE au.account_id = a.id AND au.role = 'self' ORDER BY au.created_at LIMIT 1)),
                        a.extra_phone
                 FROM accounts a WHERE a.id = $1",
            )
            .bind(account_id)
            .fetch_one(p)
            .await)?;
        let pending: Vec<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT DISTINCT field FROM profile_reviews WHERE account_id = $1 AND status = 'review'",
        )
        .bind(account_id)
        .fetch_all(p)
        .await)?;
        Ok(Profile {
            full_name: a.full_name,
            birth_date,
            email: a.email,
            phone: a.phone,
            extra_phone,
            snils: a.snils,
            inn: a.inn,
            factor: self
                .factor_method(account_id)
                .await?
                .map(|m| m.code().to_string()),
            passport: passport.as_deref().map(domain::ids::mask_passport),
            pending,
        })
    }

    /// Whether the session passed a second factor in the last 10 minutes (as read with the
    /// Whether another account already has `value` in the accounts column `column` (one of the
    /// profile's own field codes, never user input).
    async fn on_another_account(
        &self,
        column: &str,
        value: &str,
        account_id: &str,
    ) -> StoreResult<bool> {
        let taken: Option<String> = on_pool!(self, p => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM accounts WHERE {column} = $1 AND id <> $2 AND confirmed_at IS NOT NULL"
        )))
        .bind(value)
        .bind(account_id)
        .fetch_optional(p)
        .await)?;
        Ok(taken.is_some())
    }

    /// session at the start of this request).
    pub fn fresh_second_factor(&self, session: &SessionInfo) -> bool {
        session
            .second_factor_at
            .is_some_and(|t| self.now() - t < Duration::minutes(FRESH_FACTOR_MINUTES))
    }

    /// Sends the code that proves identity: by SMS to the phone when SMS codes are the account's
    /// second factor, else to the e-mail (accounts without a TOTP app). Answers where, masked.
    pub async fn send_identity_code(&self, account_id: &str) -> StoreResult<String> {
        let channel = match self.factor_method(account_id).await? {
            Some(FactorMethod::Sms) => Channel::Sms,
            _ => Channel::Email,
        };
        let sent = self
            .send_code(account_id, Purpose::Identity, channel)
            .await?;
        Ok(mask_contact(&sent.destination))
    }

    /// Passes the second factor for profile changes: a TOTP code, or the code sent by
    /// [`Store::send_identity_code`].
    pub async fn confirm_identity(
        &self,
        session: &SessionInfo,
        code: &str,
        ip: &str,
    ) -> StoreResult<()> {
        let account_id = session.account_id.as_str();
        if self.factor_method(account_id).await? == Some(FactorMethod::Totp) {
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

    /// Writes a change into «История изменений» (masked) and, when it waits for a check, into
    /// the staff queue (unmasked, with its scan) — both or neither. Answers the review's id.
    pub(crate) async fn file_change(&self, f: Filing<'_>) -> StoreResult<String> {
        let review_id = new_id();
        let now = self.now();
        let review = f.status == "review";
        let (scan_mime, scan) = f.scan.unwrap_or(("", &[]));
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            if review {
                sqlx::query(
                    "INSERT INTO profile_reviews (id, account_id, field, new_value, scan_mime, scan, status, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, 'review', $7)",
                )
                .bind(&review_id).bind(f.account_id).bind(f.field.code()).bind(f.new).bind(scan_mime).bind(scan).bind(now)
                .execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO profile_changes (id, account_id, field, old_value, new_value, status, reason, changed_by, created_at, review_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(new_id()).bind(f.account_id).bind(f.field.code())
            .bind(mask_value(f.field, f.old)).bind(mask_value(f.field, Some(f.new)))
            .bind(f.status).bind(f.reason).bind(f.by).bind(now)
            .bind(review.then_some(&review_id))
            .execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(review_id)
    }

    /// Changes the e-mail or a phone. `Refused` with [`NEED_SECOND_FACTOR`] when the second
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
        let new = domain::forms::identity_value(field.field(), value, self.today())
            .map(|v| Some(v).filter(|v| !v.is_empty()))
            .map_err(|m| StoreError::field("value", m))?;
        if !self.fresh_second_factor(session) {
            return Err(StoreError::Refused(NEED_SECOND_FACTOR.into()));
        }
        let profile = self.profile(account_id).await?;
        let old = match field {
            ContactField::Email => Some(profile.email.clone()),
            ContactField::Phone => Some(profile.phone.clone()),
            ContactField::ExtraPhone => profile.extra_phone.clone(),
        };
        if old == new {
            return Err(StoreError::field("value", "Это и есть текущее значение"));
        }
        if field == ContactField::ExtraPhone && new.as_deref() == Some(profile.phone.as_str()) {
            return Err(StoreError::field(
                "value",
                "Это ваш основной мобильный телефон: укажите другой номер",
            ));
        }
        let new_text = new.clone().unwrap_or_default();
        let refuse = |reason: &'static str| Filing {
            account_id,
            field: field.field(),
            old: old.as_deref(),
            new: &new_text,
            status: "refused",
            reason,
            by: BY_OWNER,
            scan: None,
        };
        match self.check_password_limited(account_id, password, ip).await {
            Ok(()) => {}
            Err(e @ StoreError::Invalid(_)) => {
                self.file_change(refuse("неверный пароль")).await?;
                return Err(e);
            }
            Err(e) => return Err(e),
        }
        let column = field.code();
        // An emptied field (`None`) is never someone else's.
        if field != ContactField::ExtraPhone
            && let Some(value) = &new
            && self.on_another_account(column, value, account_id).await?
        {
            self.file_change(refuse("занят другой учётной записью"))
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
        self.file_change(Filing {
            status: "applied",
            reason: "",
            ..refuse("")
        })
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
        // The old contact hears of it: if this was not the owner, they know at once. (An extra
        // phone is no channel of the account: the e-mail is told.)
        let (channel, to) = match field {
            ContactField::Email => (Channel::Email, old.unwrap_or_default()),
            ContactField::Phone => (Channel::Sms, old.unwrap_or_default()),
            ContactField::ExtraPhone => (Channel::Email, profile.email.clone()),
        };
        let notice = Message {
            channel,
            to,
            subject: "Кабинет страхователя: изменены контактные данные".into(),
            body: format!(
                "В вашей учётной записи изменено поле «{}» на {}. Если это сделали не вы, \
                 восстановите доступ и обратитесь в поддержку.",
                field.label(),
                mask_value(field.field(), new.as_deref())
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

/// What a registry says of a new value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Confirmed: apply at once.
    Valid,
    /// Wrong: refuse with this reason (shown to the person, naming the field).
    Invalid(String),
    /// Cannot tell: a person at the insurer looks at it.
    Unclear,
}

/// What a registry check knows of the person besides the new value.
pub struct Known<'a> {
    pub profile: &'a Profile,
    /// The passport in full (the profile has it masked).
    pub passport: Option<&'a str>,
    pub today: NaiveDate,
}

/// Checks identity data against the state registries. A real one (СМЭВ: ФНС for the ИНН, СФР
/// for the СНИЛС, МВД for the passport) plugs in here; the built-in one checks what can be
/// checked locally and sends the rest to staff review.
pub trait RegistryCheck: Send + Sync {
    fn check_passport(&self, known: &Known<'_>, new: &str) -> Verdict;
    /// ФИО, birth date (ISO), ИНН or СНИЛС, already normalised by the domain's validators.
    fn check_identity(&self, known: &Known<'_>, field: ProfileField, new: &str) -> Verdict;
}

/// The year a passport of this series was issued in: its 3rd and 4th digits (since 1997).
fn passport_year(series_number: &str) -> Option<i32> {
    let yy: i32 = series_number.get(2..4)?.parse().ok()?;
    Some(if yy >= 97 { 1900 + yy } else { 2000 + yy })
}

/// Formats, check digits and consistency with the rest of the profile; everything it cannot
/// confirm goes to a person: an identity is never changed without a person's look, except for a
/// ФИО typed again in other letter case.
pub struct LocalRegistryCheck;

impl RegistryCheck for LocalRegistryCheck {
    fn check_passport(&self, known: &Known<'_>, new: &str) -> Verdict {
        if known.passport == Some(new) {
            return Verdict::Invalid("Это и есть паспорт, указанный в профиле".into());
        }
        if let Err(m) = domain::ids::passport(new) {
            return Verdict::Invalid(m);
        }
        let Some(year) = passport_year(new) else {
            return Verdict::Unclear;
        };
        if year > known.today.year() {
            return Verdict::Invalid(
                "Серия паспорта указывает на год выдачи, который ещё не наступил".into(),
            );
        }
        if let Some(birth) = known.profile.birth_date
            && year < birth.year() + 14
        {
            return Verdict::Invalid(format!(
                "Паспорт не согласуется с датой рождения: серия указывает на выдачу в {year} году, раньше 14 лет"
            ));
        }
        Verdict::Unclear
    }

    fn check_identity(&self, known: &Known<'_>, field: ProfileField, new: &str) -> Verdict {
        let p = known.profile;
        match field {
            ProfileField::FullName => match domain::person::full_name(new) {
                Err(m) => Verdict::Invalid(m),
                Ok(_) if domain::person::same_name(&p.full_name, new) => Verdict::Valid,
                Ok(_) => Verdict::Unclear,
            },
            ProfileField::BirthDate => {
                let Ok(birth) = domain::person::birth_date(new, known.today) else {
                    return Verdict::Invalid(
                        "Дата рождения в формате ДД.ММ.ГГГГ, например 14.03.1985".into(),
                    );
                };
                if domain::person::age(birth, known.today) < 14 {
                    return Verdict::Invalid(
                        "Дата рождения: владельцу учётной записи должно быть не меньше 14 лет"
                            .into(),
                    );
                }
                if let Some(year) = known.passport.and_then(passport_year)
                    && year < birth.year() + 14
                {
                    return Verdict::Invalid(format!(
                        "Дата рождения не согласуется с паспортом: он выдан в {year} году, а паспорт выдают с 14 лет"
                    ));
                }
                Verdict::Unclear
            }
            ProfileField::Inn => match domain::ids::inn(new) {
                Err(m) => Verdict::Invalid(m),
                Ok((_, domain::ids::InnKind::Organisation)) => Verdict::Invalid(
                    "Это ИНН организации: укажите свой ИНН физического лица (12 цифр)".into(),
                ),
                Ok(_) => Verdict::Unclear,
            },
            ProfileField::Snils => match domain::ids::snils(new) {
                Err(m) => Verdict::Invalid(m),
                Ok(_) => Verdict::Unclear,
            },
            _ => Verdict::Invalid("Это поле так не меняется".into()),
        }
    }
}

/// The identity fields changed through [`Store::submit_identity`].
pub fn identity_field(code: &str) -> Option<ProfileField> {
    ProfileField::from_code(code).filter(|f| f.is_identity() && *f != ProfileField::Passport)
}

impl Store {
    /// The account's value of an identity field as stored (the birth date as ISO).
    async fn identity_value(
        &self,
        account_id: &str,
        profile: &Profile,
        field: ProfileField,
    ) -> StoreResult<Option<String>> {
        Ok(match field {
            ProfileField::FullName => Some(profile.full_name.clone()),
            ProfileField::BirthDate => profile.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
            ProfileField::Inn => profile.inn.clone(),
            ProfileField::Snils => profile.snils.clone(),
            ProfileField::Passport => self.passport_of(account_id).await?,
            _ => None,
        })
    }

    async fn passport_of(&self, account_id: &str) -> StoreResult<Option<String>> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT passport FROM accounts WHERE id = $1",
        )
        .bind(account_id)
        .fetch_one(p)
        .await)?)
    }

    /// «Редактировать» of ФИО, birth date, ИНН or СНИЛС. The value is checked by the domain's
    /// validators (a field error on `value` naming the field), needs a fresh second factor, then
    /// the registry check: applied, refused (with the reason, in the history too) or «На
    /// проверке». Answers `applied` or `review`.
    pub async fn submit_identity(
        &self,
        session: &SessionInfo,
        field: ProfileField,
        value: &str,
        ip: &str,
    ) -> StoreResult<&'static str> {
        let account_id = session.account_id.as_str();
        if identity_field(field.code()).is_none() {
            return Err(StoreError::NotFound);
        }
        let today = self.today();
        let new = domain::forms::identity_value(field, value, today)
            .map_err(|m| StoreError::field("value", m))?;
        if !self.fresh_second_factor(session) {
            return Err(StoreError::Refused(NEED_SECOND_FACTOR.into()));
        }
        let profile = self.profile(account_id).await?;
        let old = self.identity_value(account_id, &profile, field).await?;
        if old.as_deref() == Some(new.as_str()) {
            return Err(StoreError::field("value", "Это и есть текущее значение"));
        }
        if profile.is_pending(field) {
            return Err(StoreError::Refused(format!(
                "Предыдущее изменение поля «{}» ещё на проверке. Дождитесь решения",
                field.label()
            )));
        }
        let filing = |status: &'static str, reason: &'static str| Filing {
            account_id,
            field,
            old: old.as_deref(),
            new: &new,
            status,
            reason,
            by: BY_OWNER,
            scan: None,
        };
        if matches!(field, ProfileField::Inn | ProfileField::Snils)
            && self
                .on_another_account(field.code(), &new, account_id)
                .await?
        {
            self.file_change(filing("refused", "указан в другой учётной записи"))
                .await?;
            return Err(StoreError::field(
                "value",
                format!(
                    "{}: этот номер уже указан в другой учётной записи. Если это ваш номер, обратитесь к страховщику",
                    field.label()
                ),
            ));
        }
        let passport = self.passport_of(account_id).await?;
        let known = Known {
            profile: &profile,
            passport: passport.as_deref(),
            today,
        };
        let verdict = LocalRegistryCheck.check_identity(&known, field, &new);
        let status = match &verdict {
            Verdict::Valid => "applied",
            Verdict::Invalid(_) => "refused",
            Verdict::Unclear => "review",
        };
        let reason = match &verdict {
            Verdict::Invalid(r) => r.clone(),
            _ => String::new(),
        };
        if status == "applied" {
            self.apply_identity(account_id, field, &new, None).await?;
        }
        self.file_change(Filing {
            reason: &reason,
            ..filing(status, "")
        })
        .await?;
        self.journal(Entry {
            account_id: Some(account_id),
            action: "profile.identity_submitted",
            object_type: "account",
            object_id: account_id,
            ip,
            details: &format!("{} {status}", field.code()),
            ..Default::default()
        })
        .await?;
        if let Verdict::Invalid(r) = verdict {
            return Err(StoreError::field("value", r));
        }
        Ok(status)
    }

    /// Puts an identity value in force: in the account and in the insurer's record of the
    /// person (the policyholder the account is `self` of), so policies and documents show it.
    /// With a staff decision, the review is claimed and the history updated in the same
    /// transaction (a rejection changes no value); answers false when the review was no longer
    /// waiting (somebody decided it meanwhile).
    async fn apply_identity(
        &self,
        account_id: &str,
        field: ProfileField,
        value: &str,
        decision: Option<Decision<'_>>,
    ) -> StoreResult<bool> {
        let apply = decision.as_ref().is_none_or(|d| d.approve);
        let (account_column, holder_column) = match field {
            ProfileField::FullName => ("full_name", "name"),
            ProfileField::BirthDate => ("birth_date", "birth_date"),
            ProfileField::Inn => ("inn", "inn"),
            ProfileField::Snils => ("snils", "snils"),
            ProfileField::Passport => ("passport", "passport"),
            _ => return Err(StoreError::NotFound),
        };
        let date = match field {
            ProfileField::BirthDate if apply => Some(
                NaiveDate::parse_from_str(value, "%Y-%m-%d")
                    .map_err(|e| StoreError::Internal(format!("stored birth date: {e}")))?,
            ),
            _ => None,
        };
        let statements = if apply {
            vec![
                format!("UPDATE accounts SET {account_column} = $1 WHERE id = $2"),
                format!(
                    "UPDATE policyholders SET {holder_column} = $1 WHERE kind = 'person' AND id IN
                     (SELECT policyholder_id FROM authorities WHERE account_id = $2 AND role = 'self')"
                ),
            ]
        } else {
            Vec::new()
        };
        let now = self.now();
        // In an async block, so that a unique violation comes here rather than out of the function.
        let result = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            if let Some(d) = &decision {
                let claimed = sqlx::query(
                    "UPDATE profile_reviews SET status = $1, reason = $2, decided_at = $3, decided_by = $4
                     WHERE id = $5 AND status = 'review'",
                )
                .bind(d.status()).bind(d.reason).bind(now).bind(d.staff_id).bind(d.review_id)
                .execute(&mut *tx).await?.rows_affected();
                if claimed != 1 {
                    return Ok(false);
                }
            }
            for sql in &statements {
                let q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                let q = match date {
                    Some(d) => q.bind(d),
                    None => q.bind(value),
                };
                q.bind(account_id).execute(&mut *tx).await?;
            }
            if let Some(d) = &decision {
                sqlx::query(
                    "UPDATE profile_changes SET status = $1, reason = $2, changed_by = $3 WHERE review_id = $4",
                )
                .bind(d.status()).bind(d.reason).bind(BY_STAFF).bind(d.review_id)
                .execute(&mut *tx).await?;
            }
            tx.commit().await.map(|()| true)
        }.await);
        match result {
            Ok(done) => Ok(done),
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                Err(StoreError::Refused(format!(
                    "{}: этот номер уже указан в другой учётной записи",
                    field.label()
                )))
            }
            Err(e) => Err(e.into()),
        }
    }

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
        let current = self.passport_of(account_id).await?;
        let profile = self.profile(account_id).await?;
        if profile.is_pending(ProfileField::Passport) {
            return Err(StoreError::Refused(
                "Предыдущее изменение паспорта ещё на проверке. Дождитесь решения".into(),
            ));
        }
        let known = Known {
            profile: &profile,
            passport: current.as_deref(),
            today: self.today(),
        };
        let verdict = LocalRegistryCheck.check_passport(&known, &new);
        let (status, reason) = match &verdict {
            Verdict::Valid => ("applied", String::new()),
            Verdict::Invalid(r) => ("refused", r.clone()),
            Verdict::Unclear => ("review", String::new()),
        };
        if status == "applied" {
            self.apply_identity(account_id, ProfileField::Passport, &new, None)
                .await?;
        }
        self.file_change(Filing {
            account_id,
            field: ProfileField::Passport,
            old: current.as_deref(),
            new: &new,
            status,
            reason: &reason,
            by: BY_OWNER,
            scan: Some((mime, scan)),
        })
        .await?;
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

    /// Staff: the profile changes waiting for a check, oldest first, with what the profile says
    /// now.
    pub async fn staff_reviews(
        &self,
        staff_id: &str,
    ) -> StoreResult<Vec<domain::model::ReviewRow>> {
        self.require_staff(staff_id).await?;
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, domain::model::ReviewRow>(
            "SELECT r.id, a.full_name, r.field,
                    CASE r.field WHEN 'full_name' THEN a.full_name WHEN 'inn' THEN a.inn
                        WHEN 'snils' THEN a.snils WHEN 'passport' THEN a.passport
                        WHEN 'birth_date' THEN CAST(a.birth_date AS TEXT) END AS current_value,
                    r.new_value, r.scan_mime, r.created_at
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
            "SELECT scan_mime, scan FROM profile_reviews WHERE id = $1 AND scan_mime <> ''",
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
        let row: Option<(String, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT account_id, field, new_value FROM profile_reviews WHERE id = $1 AND status = 'review'",
        )
        .bind(review_id)
        .fetch_optional(p)
        .await)?;
        let Some((account_id, field, new)) = row else {
            return Err(StoreError::NotFound);
        };
        let field = ProfileField::from_code(&field)
            .ok_or_else(|| StoreError::Internal(format!("review of unknown field {field}")))?;
        let decision = Decision {
            review_id,
            staff_id,
            approve,
            reason: reason.trim(),
        };
        // A value that cannot be applied (the ИНН went to another account meanwhile) leaves the
        // review waiting, and staff read why.
        if !self
            .apply_identity(&account_id, field, &new, Some(decision))
            .await?
        {
            return Err(StoreError::NotFound);
        }
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
            details: field.code(),
            ..Default::default()
        })
        .await?;
        let (title, body) = match (approve, field) {
            (true, ProfileField::Passport) => (
                "Паспорт в профиле обновлён".to_string(),
                "Проверка пройдена: новые паспортные данные действуют.".to_string(),
            ),
            (false, ProfileField::Passport) => (
                "Изменение паспорта отклонено".to_string(),
                format!("Причина: {}", reason.trim()),
            ),
            (true, f) => (
                format!("Изменение поля «{}» одобрено", f.label()),
                "Проверка пройдена: новые данные действуют.".to_string(),
            ),
            (false, f) => (
                format!("Изменение поля «{}» отклонено", f.label()),
                format!("Причина: {}", reason.trim()),
            ),
        };
        self.add_notice(&account_id, &title, &body, "/profile")
            .await
    }
}

/// The refusal that means "pass the second factor, then try again".
pub const NEED_SECOND_FACTOR: &str =
    "Для изменения данных подтвердите, что это вы: введите код подтверждения";

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile {
            full_name: "Иванов Иван Петрович".into(),
            birth_date: NaiveDate::from_ymd_opt(1990, 6, 1),
            email: "ivanov@example.ru".into(),
            phone: "+79160000001".into(),
            extra_phone: None,
            snils: None,
            inn: None,
            factor: None,
            passport: None,
            pending: Vec::new(),
        }
    }

    #[test]
    fn the_local_check_refuses_what_does_not_fit_and_sends_the_rest_to_staff() {
        let p = profile();
        let today = NaiveDate::from_ymd_opt(2026, 5, 20).unwrap_or_default();
        let known = Known {
            profile: &p,
            passport: Some("4512 123456"),
            today,
        };
        let check = |f, v: &str| LocalRegistryCheck.check_identity(&known, f, v);
        assert_eq!(
            check(ProfileField::FullName, "иванов иван петрович"),
            Verdict::Valid
        );
        assert_eq!(
            check(ProfileField::FullName, "Петрова Мария Ивановна"),
            Verdict::Unclear
        );
        assert!(matches!(
            check(ProfileField::BirthDate, "2000-01-01"),
            Verdict::Invalid(m) if m.contains("не согласуется с паспортом")
        ));
        assert!(matches!(
            check(ProfileField::BirthDate, "2015-01-01"),
            Verdict::Invalid(m) if m.contains("14 лет")
        ));
        assert_eq!(
            check(ProfileField::BirthDate, "1990-06-02"),
            Verdict::Unclear
        );
        assert!(matches!(
            check(ProfileField::Inn, "7707083893"),
            Verdict::Invalid(m) if m.contains("ИНН организации")
        ));
        assert_eq!(check(ProfileField::Inn, "500100732259"), Verdict::Unclear);
        assert!(matches!(
            check(ProfileField::Snils, "11223344596"),
            Verdict::Invalid(m) if m.contains("СНИЛС")
        ));
        assert!(matches!(
            LocalRegistryCheck.check_passport(&known, "4599 123456"),
            Verdict::Invalid(m) if m.contains("не наступил") || m.contains("14 лет")
        ));
        assert!(matches!(
            LocalRegistryCheck.check_passport(&known, "4503 123456"),
            Verdict::Invalid(m) if m.contains("раньше 14 лет")
        ));
        assert_eq!(
            LocalRegistryCheck.check_passport(&known, "4520 654321"),
            Verdict::Unclear
        );
    }

    #[test]
    fn history_values_are_masked() {
        assert_eq!(
            mask_value(ProfileField::BirthDate, Some("1985-03-14")),
            "**.**.1985"
        );
        assert_eq!(
            mask_value(ProfileField::Inn, Some("500100732259")),
            "********2259"
        );
        assert_eq!(mask_value(ProfileField::ExtraPhone, None), "не указано");
        assert_eq!(
            mask_value(ProfileField::FullName, Some("Иванов Иван")),
            "Иванов Иван"
        );
    }
}
