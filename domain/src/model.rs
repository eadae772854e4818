//! What the server sends the browser: rows and summaries, shared by both sides. With the `sqlx`
//! feature (server only) the row types read straight from query results.

use crate::Money;
use crate::status::{
    AccessStatus, AuthorityRole, FactorMethod, PolicyStatus, PolicyholderKind, ProfileField,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A policyholder the account may act for, and in which role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PolicyholderBrief {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub role: String,
    pub valid_to: Option<NaiveDate>,
    /// The authority this is through, and what it allows beyond viewing.
    pub authority_id: String,
    pub basis: String,
    pub may_report: bool,
    pub may_pay: bool,
    pub may_delegate: bool,
    pub all_policies: bool,
}

impl PolicyholderBrief {
    pub fn rights(&self) -> crate::delegation::Rights {
        crate::delegation::Rights {
            report: self.may_report,
            pay: self.may_pay,
            delegate: self.may_delegate,
            all_policies: self.all_policies,
        }
    }

    pub fn allows(&self, need: crate::delegation::Need) -> bool {
        self.role == "self" || self.rights().allows(need)
    }

    /// «Агент / брокер · Агентский договор № 15 · до 31.12.2027» (or «бессрочно»).
    pub fn authority_label(&self) -> String {
        let until = match self.valid_to {
            Some(d) => format!("до {}", crate::dates::format_date(d)),
            None => "бессрочно".into(),
        };
        format!("{} · {} · {until}", self.role_label(), self.basis)
    }

    pub fn role_label(&self) -> &'static str {
        AuthorityRole::from_code(&self.role)
            .map(AuthorityRole::label)
            .unwrap_or("")
    }

    pub fn kind_label(&self) -> &'static str {
        PolicyholderKind::from_code(&self.kind)
            .map(PolicyholderKind::label)
            .unwrap_or("")
    }
}

/// A line of «Мои страховые полисы».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PolicySummary {
    pub id: String,
    pub number: String,
    pub programme: String,
    pub insurer: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub insured_sum: Money,
    pub premium: Money,
    pub status: String,
}

impl PolicySummary {
    /// The status as of `today`: a policy whose period has ended shows as expired.
    pub fn effective_status(&self, today: NaiveDate) -> PolicyStatus {
        match PolicyStatus::from_code(&self.status) {
            Some(PolicyStatus::Active) if self.ends_on < today => PolicyStatus::Expired,
            Some(s) => s,
            None => PolicyStatus::Suspended,
        }
    }
}

/// Who insures, with the requisites a payment needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct InsurerInfo {
    pub name: String,
    pub inn: String,
    pub kpp: String,
    pub ogrn: String,
    pub bank_name: String,
    pub bik: String,
    pub account: String,
    pub corr_account: String,
}

/// One accrued contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ContributionRow {
    pub id: String,
    pub accrued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub programme: String,
    pub amount: Money,
    pub paid: Money,
}

impl ContributionRow {
    pub fn debt(&self) -> Money {
        Money(self.amount.0 - self.paid.0)
    }
}

/// Totals over a set of contributions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Totals {
    pub accrued: Money,
    pub paid: Money,
    pub count: i64,
}

impl Totals {
    /// The totals of two disjoint sets together.
    pub fn plus(self, other: Totals) -> Totals {
        Totals {
            accrued: Money(self.accrued.0 + other.accrued.0),
            paid: Money(self.paid.0 + other.paid.0),
            count: self.count + other.count,
        }
    }

    pub fn debt(&self) -> Money {
        Money(self.accrued.0 - self.paid.0)
    }
}

/// A policy page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDetail {
    pub policy: PolicySummary,
    pub insurer: InsurerInfo,
    pub totals: Totals,
    pub recent: Vec<ContributionRow>,
}

/// The first page after login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub policyholder: PolicyholderBrief,
    pub active_policies: i64,
    pub all_policies: i64,
    pub totals: Totals,
    pub next_due: Option<ContributionRow>,
}

/// A message from the dev outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxView {
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// One page of a finance table, with totals over every row the filter selects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablePage<T> {
    pub rows: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    /// Totals (and the row count) over the whole filtered set, not just this page.
    pub totals: Totals,
}

impl<T> TablePage<T> {
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from((self.totals.count + per - 1) / per)
            .unwrap_or(u32::MAX)
            .max(1)
    }
}

/// A programme to filter by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ProgrammeOption {
    pub code: String,
    pub name: String,
}

/// The detail sheet of one contribution: what to pay, to whom, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionDetail {
    pub row: ContributionRow,
    pub policy_id: String,
    pub policy_number: String,
    pub policyholder_name: String,
    pub policyholder_inn: Option<String>,
    pub insurer: InsurerInfo,
    pub kbk: String,
    /// «Назначение платежа».
    pub purpose: String,
}

impl ContributionRow {
    /// «Статус обработки» as of `today`.
    pub fn status_label(&self, today: NaiveDate) -> &'static str {
        if self.paid.0 >= self.amount.0 {
            "Оплачено"
        } else if self.due_on < today {
            if self.paid.0 > 0 {
                "Оплачено частично, срок истёк"
            } else {
                "Просрочено"
            }
        } else if self.paid.0 > 0 {
            "Оплачено частично"
        } else {
            "Ожидает оплаты"
        }
    }
}

/// A line of «Финансы → Начисления».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ChargeRow {
    pub id: String,
    pub charged_on: NaiveDate,
    pub kind: String,
    pub amount: Money,
    pub status: String,
    pub description: String,
    pub policy_number: Option<String>,
}

impl ChargeRow {
    /// «Премия», «Штраф», «Субсидия».
    pub fn kind_label(&self) -> &'static str {
        crate::status::ChargeKind::from_code(&self.kind)
            .map(crate::status::ChargeKind::label)
            .unwrap_or("")
    }

    /// «Оплачено» and the like.
    pub fn status_label(&self) -> &'static str {
        crate::status::PaymentStatus::from_code(&self.status)
            .map(crate::status::PaymentStatus::label)
            .unwrap_or("")
    }

    /// «Основание»: the description, with the policy number when there is one.
    pub fn basis(&self) -> String {
        match &self.policy_number {
            Some(n) => format!("{} · полис {n}", self.description),
            None => self.description.clone(),
        }
    }
}

/// The balance above «Начисления»: what is owed and what was overpaid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub to_pay: Money,
    pub overpaid: Money,
}

/// A change pushed to open browsers: its id (for catching up after a reconnect), what changed
/// («balance», «notice» …) and a short payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub id: i64,
    pub kind: String,
    pub data: String,
}

/// A reminder set on a contribution («Установить напоминание»).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ReminderRow {
    pub id: String,
    pub contribution_id: String,
    pub remind_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub programme: String,
    pub accrued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub amount: Money,
    pub paid: Money,
}

/// A notice in the cabinet («Уведомления»).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Notice {
    pub id: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A policyholder as staff find them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct StaffPolicyholder {
    pub id: String,
    pub name: String,
    pub inn: Option<String>,
}

/// «Профиль»: the account's own data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub full_name: String,
    pub birth_date: Option<NaiveDate>,
    pub email: String,
    pub phone: String,
    /// «Дополнительный телефон»: for reaching the person, not for codes or logging in.
    pub extra_phone: Option<String>,
    pub snils: Option<String>,
    pub inn: Option<String>,
    /// The second factor of the login when it is on (`totp` or `sms`, see [`FactorMethod`]).
    /// Profile changes ask for it; without one a code goes to the e-mail.
    pub factor: Option<String>,
    /// Masked: `45 10 ******`.
    pub passport: Option<String>,
    /// Fields whose new value waits for the insurer's check («На проверке»).
    pub pending: Vec<String>,
}

impl Profile {
    pub fn is_pending(&self, field: ProfileField) -> bool {
        self.pending.iter().any(|f| f == field.code())
    }

    pub fn factor(&self) -> Option<FactorMethod> {
        self.factor.as_deref().and_then(FactorMethod::from_code)
    }
}

/// A profile change waiting for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ReviewRow {
    pub id: String,
    pub full_name: String,
    pub field: String,
    /// What the profile says now, unmasked (staff compare it with the new value).
    pub current_value: Option<String>,
    pub new_value: String,
    /// Empty when no scan came with the change (every field but the passport).
    pub scan_mime: String,
    pub created_at: DateTime<Utc>,
}

impl ReviewRow {
    pub fn field_label(&self) -> &'static str {
        ProfileField::from_code(&self.field)
            .map(ProfileField::label)
            .unwrap_or("Поле")
    }
}

/// An application for «Восстановление доступа без подтверждения», as staff review it: what the
/// applicant typed and what of it matched an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AccessRequestRow {
    pub id: String,
    pub number: String,
    pub full_name: String,
    pub snils: Option<String>,
    pub inn: Option<String>,
    pub policy_number: String,
    /// The alternative contact the applicant gave.
    pub contact: String,
    /// The account whose СНИЛС or ИНН it is, if any.
    pub account_name: Option<String>,
    pub account_email: Option<String>,
    pub account_phone: Option<String>,
    /// The ФИО is the account's (case, «ё» and spacing aside).
    pub match_name: bool,
    /// The policy is one of the account's own.
    pub match_policy: bool,
    pub created_at: DateTime<Utc>,
}

/// What the applicant sees of an access application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AccessStatusView {
    pub number: String,
    pub status: String,
    /// The reason of a refusal.
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl AccessStatusView {
    pub fn status_label(&self) -> &'static str {
        AccessStatus::from_code(&self.status)
            .map(AccessStatus::label)
            .unwrap_or("")
    }
}

/// A line of «История изменений».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ProfileChange {
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub status: String,
    pub reason: String,
    pub changed_by: String,
    pub created_at: DateTime<Utc>,
}

impl ProfileChange {
    pub fn field_label(&self) -> &'static str {
        ProfileField::from_code(&self.field)
            .map(ProfileField::label)
            .unwrap_or("Поле")
    }

    /// «Применено», «На проверке» or «Отклонено», with the reason of a refusal.
    pub fn status_text(&self) -> String {
        let label = crate::status::ChangeStatus::from_code(&self.status)
            .map(crate::status::ChangeStatus::label)
            .unwrap_or("");
        if self.reason.is_empty() {
            label.to_string()
        } else {
            format!("{label}: {}", self.reason)
        }
    }
}
