//! «Доверенности»: authority one person gives another over a policyholder. What the holder may do
//! beyond viewing (file reports and requests, pay, pass the authority on), over which policies,
//! from when until when, on what basis; the form that grants it, checked in the browser as typed
//! and again on the server.

use crate::dates::{format_date, parse_date};
use crate::forms::snils_or_inn;
use crate::status::{AuthorityRole, Channel};
use crate::{FieldErrors, ids, person};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What a server function needs of the caller's authority over a policyholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Seeing the policies, contributions, charges and debts in the authority's scope.
    View,
    /// Seeing what concerns the policyholder as a whole (documents, the journal): an authority
    /// over every policy.
    Whole,
    /// Filing reports and requests, and seeing them: they concern the policyholder as a whole,
    /// so this needs an authority over every policy.
    Report,
    /// Paying debts.
    Pay,
    /// Granting authority to others and revoking it.
    Delegate,
}

/// What an authority allows beyond viewing, and over what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Rights {
    pub report: bool,
    pub pay: bool,
    pub delegate: bool,
    /// Over every policy of the policyholder, or only those listed with the authority.
    pub all_policies: bool,
}

impl Rights {
    pub fn allows(&self, need: Need) -> bool {
        match need {
            Need::View => true,
            Need::Whole => self.all_policies,
            Need::Report => self.report && self.all_policies,
            Need::Pay => self.pay,
            Need::Delegate => self.delegate && self.all_policies,
        }
    }

    /// «просмотр, оплата» — the rights in words, viewing first.
    pub fn label(&self) -> String {
        let mut parts = vec!["просмотр"];
        if self.report {
            parts.push("подача отчётов и запросов");
        }
        if self.pay {
            parts.push("оплата");
        }
        if self.delegate {
            parts.push("передоверие");
        }
        parts.join(", ")
    }
}

/// Where a grant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantState {
    /// Sent, not accepted yet: nothing is shared.
    Pending,
    /// Accepted and in force today.
    InForce,
    /// Accepted, starts later.
    NotYet,
    Expired,
    Revoked,
    Declined,
    /// Withdrawn by the grantor before it was accepted.
    Cancelled,
    /// Accepted; takes effect once staff have checked its basis («Проверка полномочий»).
    Checking,
    /// Staff did not confirm its basis: it never took effect.
    Rejected,
}

impl GrantState {
    pub fn label(self) -> &'static str {
        match self {
            GrantState::Pending => "Ожидает принятия",
            GrantState::InForce => "Действует",
            GrantState::NotYet => "Начнёт действовать",
            GrantState::Expired => "Срок истёк",
            GrantState::Revoked => "Отозвана",
            GrantState::Declined => "Отклонена",
            GrantState::Cancelled => "Отменена",
            GrantState::Checking => "Принята, основание на проверке",
            GrantState::Rejected => "Основание не подтверждено",
        }
    }

    /// The grantor may still end it («Отозвать» / «Отменить»).
    pub fn can_end(self) -> bool {
        matches!(
            self,
            GrantState::Pending | GrantState::InForce | GrantState::NotYet | GrantState::Checking
        )
    }
}

/// Where the staff check of a grant's basis stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Review {
    /// No check needed: a citizen's own grant to a trusted person or a broker.
    #[default]
    None,
    /// In the queue «Проверка полномочий».
    Awaiting,
    Approved,
    /// With the reason staff gave.
    Rejected(String),
}

impl Review {
    pub fn from_parts(code: &str, reason: Option<String>) -> Review {
        match code {
            "awaiting" => Review::Awaiting,
            "approved" => Review::Approved,
            "rejected" => Review::Rejected(reason.unwrap_or_default()),
            _ => Review::None,
        }
    }

    /// What «Доверенности» says of it; nothing when no check is needed.
    pub fn label(&self) -> Option<String> {
        match self {
            Review::None => None,
            Review::Awaiting => Some(
                "ждёт проверки сотрудником страховщика (обычно в течение рабочего дня); до неё доступ не действует".into(),
            ),
            Review::Approved => Some("подтверждено сотрудником страховщика".into()),
            Review::Rejected(reason) => Some(format!("не подтверждено: {reason}")),
        }
    }
}

/// Whether a grant takes effect only after staff have checked its basis: any authority over an
/// organisation, an organisation's representative, and a notarised доверенность.
pub fn needs_review(role: AuthorityRole, notarised: bool, organisation: bool) -> bool {
    organisation
        || role == AuthorityRole::Representative
        || (role == AuthorityRole::Trusted && notarised)
}

/// A grant that waits for a staff check sent without a scan of its basis.
pub const BASIS_SCAN_NEEDED: &str = "Приложите скан основания (доверенности, приказа): доступ начнёт действовать после его проверки сотрудником страховщика";

/// One line of the staff queue «Проверка полномочий».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityReviewRow {
    pub id: String,
    /// The policyholder: «ООО «Ромашка» (ИНН 7707083893)».
    pub policyholder: String,
    /// Who receives the authority: ФИО, СНИЛС or ИНН.
    pub grantee: String,
    pub role: String,
    pub rights: Rights,
    pub policies: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub basis: String,
    pub notarised: bool,
    /// Who granted it.
    pub granted_by: String,
    /// The grantee has accepted it already (it takes effect on approval).
    pub accepted: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The scans of the basis.
    pub files: Vec<crate::files::Attachment>,
}

/// One line of «Доверенности»: a grant as its grantor, or its holder, sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRow {
    pub id: String,
    /// The policyholder (for the holder) or the person who holds it (for the grantor).
    pub party: String,
    pub role: String,
    pub rights: Rights,
    /// The numbers of the policies it covers when not all of them.
    pub policies: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub basis: String,
    pub state: GrantState,
    pub granted_by: String,
    pub review: Review,
    /// The scans of the basis (for the grantor).
    pub files: Vec<crate::files::Attachment>,
}

impl GrantRow {
    pub fn role_label(&self) -> &'static str {
        AuthorityRole::from_code(&self.role)
            .map(AuthorityRole::label)
            .unwrap_or("")
    }

    /// «все полисы» or the numbers.
    pub fn scope_label(&self) -> String {
        if self.rights.all_policies {
            "все полисы".into()
        } else {
            self.policies.join(", ")
        }
    }

    /// «с 01.12.2026 по 31.12.2027» / «с 01.12.2026, бессрочно».
    pub fn period_label(&self) -> String {
        period_label(self.valid_from, self.valid_to)
    }
}

/// «с 01.12.2026 по 31.12.2027» / «с 01.12.2026, бессрочно».
pub fn period_label(from: NaiveDate, to: Option<NaiveDate>) -> String {
    match to {
        Some(to) => format!("с {} по {}", format_date(from), format_date(to)),
        None => format!("с {}, бессрочно", format_date(from)),
    }
}

/// «Выдать доступ» as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantForm {
    pub full_name: String,
    /// СНИЛС or ИНН of the person who receives the access.
    pub id_number: String,
    /// Their e-mail or phone: the invitation goes there, and only the account with this contact
    /// and this СНИЛС/ИНН can accept it.
    pub contact: String,
    /// `trusted` or `broker` (an organisation's representatives are appointed by the insurer).
    pub role: String,
    pub report: bool,
    pub pay: bool,
    pub delegate: bool,
    /// Empty: every policy; else the ids of the chosen ones.
    pub policies: Vec<String>,
    /// `all` or `chosen`.
    pub scope: String,
    pub valid_from: String,
    /// Empty: until revoked.
    pub valid_to: String,
    /// «Доверенность № 77 АА 1234567 от 01.12.2026», «Агентский договор № 15».
    pub basis: String,
    /// The доверенность is notarised (it then waits for a staff check).
    pub notarised: bool,
    /// The ids of the uploaded scans of the basis.
    pub files: Vec<String>,
}

/// «Выдать доступ» after every check passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidGrant {
    pub full_name: String,
    pub snils: Option<String>,
    pub inn: Option<String>,
    pub channel: Channel,
    pub contact: String,
    pub role: AuthorityRole,
    pub rights: Rights,
    pub policies: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub basis: String,
    pub notarised: bool,
    pub files: Vec<String>,
}

/// The roles that can be granted in the cabinet (an organisation's representative only over an
/// organisation).
pub const GRANTABLE: &[AuthorityRole] = &[
    AuthorityRole::Trusted,
    AuthorityRole::Broker,
    AuthorityRole::Representative,
];

/// The longest a grant may run: five years from its start.
const MAX_YEARS: i32 = 5;

impl GrantForm {
    pub const FIELDS: &'static [&'static str] = &[
        "full_name",
        "id_number",
        "contact",
        "role",
        "policies",
        "valid_from",
        "valid_to",
        "basis",
        "files",
    ];

    /// Checks one field; the browser calls this as the user leaves the field.
    pub fn check_field(&self, field: &str, today: NaiveDate) -> Result<(), String> {
        match field {
            "full_name" => person::full_name(&self.full_name).map(drop),
            "id_number" => snils_or_inn(&self.id_number).map(drop),
            "contact" => ids::contact(&self.contact).map(drop),
            "role" => role(&self.role).map(drop),
            "policies" => self.chosen().map(drop),
            "valid_from" => valid_from(&self.valid_from, today).map(drop),
            "valid_to" => self.period(today).map(drop),
            "basis" => basis(&self.basis).map(drop),
            "files" => files(&self.files).map(drop),
            _ => Ok(()),
        }
    }

    fn chosen(&self) -> Result<Vec<String>, String> {
        match self.scope.as_str() {
            "all" | "" => Ok(Vec::new()),
            "chosen" if self.report || self.delegate => Err(
                "Подача отчётов и запросов и передоверие — только с доступом ко всем полисам: выберите «Все полисы» или снимите эти права".into(),
            ),
            "chosen" if self.policies.is_empty() => {
                Err("Отметьте хотя бы один полис или выберите «Все полисы»".into())
            }
            "chosen" if self.policies.len() > 500 => Err("Слишком много полисов".into()),
            "chosen" => {
                let mut p = self.policies.clone();
                p.sort();
                p.dedup();
                Ok(p)
            }
            _ => Err("Выберите: все полисы или отмеченные".into()),
        }
    }

    fn period(&self, today: NaiveDate) -> Result<(NaiveDate, Option<NaiveDate>), String> {
        let from = valid_from(&self.valid_from, today).unwrap_or(today);
        if self.valid_to.trim().is_empty() {
            return Ok((from, None));
        }
        let to = parse_date(&self.valid_to)?;
        if to < from {
            return Err("Дата окончания раньше даты начала".into());
        }
        if to < today {
            return Err("Дата окончания уже прошла".into());
        }
        if to > from.with_year_offset(MAX_YEARS) {
            return Err(format!("Доступ выдаётся не более чем на {MAX_YEARS} лет"));
        }
        Ok((from, Some(to)))
    }

    pub fn validate(&self, today: NaiveDate) -> Result<ValidGrant, FieldErrors> {
        let mut errors = FieldErrors::new();
        let full_name = errors.check("full_name", person::full_name(&self.full_name));
        let ids = errors.check("id_number", snils_or_inn(&self.id_number));
        let contact = errors.check("contact", ids::contact(&self.contact));
        let role = errors.check("role", role(&self.role));
        let policies = errors.check("policies", self.chosen());
        errors.check("valid_from", valid_from(&self.valid_from, today));
        let period = errors.check("valid_to", self.period(today));
        let basis = errors.check("basis", basis(&self.basis));
        let files = errors.check("files", files(&self.files));
        match (
            full_name, ids, contact, role, policies, period, basis, files,
        ) {
            (
                Some(full_name),
                Some((snils, inn)),
                Some((channel, contact)),
                Some(role),
                Some(policies),
                Some((valid_from, valid_to)),
                Some(basis),
                Some(files),
            ) if errors.is_empty() => Ok(ValidGrant {
                full_name,
                snils,
                inn,
                channel,
                contact,
                role,
                rights: Rights {
                    report: self.report,
                    pay: self.pay,
                    delegate: self.delegate,
                    all_policies: policies.is_empty(),
                },
                policies,
                valid_from,
                valid_to,
                basis,
                notarised: self.notarised && role == AuthorityRole::Trusted,
                files,
            }),
            _ => Err(errors),
        }
    }
}

trait YearOffset {
    fn with_year_offset(self, years: i32) -> NaiveDate;
}

impl YearOffset for NaiveDate {
    fn with_year_offset(self, years: i32) -> NaiveDate {
        self.checked_add_months(chrono::Months::new(12 * years.unsigned_abs()))
            .unwrap_or(NaiveDate::MAX)
    }
}

fn role(code: &str) -> Result<AuthorityRole, String> {
    match AuthorityRole::from_code(code) {
        Some(r) if GRANTABLE.contains(&r) => Ok(r),
        _ => Err("Выберите, кем будет этот человек: доверенное лицо, агент / брокер или представитель организации".into()),
    }
}

fn valid_from(s: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    if s.trim().is_empty() {
        return Ok(today);
    }
    let d = parse_date(s)?;
    if d < today {
        return Err("Начало действия не может быть в прошлом".into());
    }
    if d > today.with_year_offset(1) {
        return Err("Начало действия — не позже чем через год".into());
    }
    Ok(d)
}

/// The most scans of a basis.
pub const MAX_BASIS_FILES: usize = 5;

fn files(ids: &[String]) -> Result<Vec<String>, String> {
    if ids.len() > MAX_BASIS_FILES {
        return Err(format!(
            "Скан основания: не больше {MAX_BASIS_FILES} файлов"
        ));
    }
    let mut out = ids.to_vec();
    out.dedup();
    Ok(out)
}

fn basis(s: &str) -> Result<String, String> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() < 5 {
        return Err("Укажите основание: документ, его номер и дату, например «Доверенность № 77 АА 1234567 от 01.12.2026»".into());
    }
    if s.chars().count() > 300 {
        return Err("Основание — не длиннее 300 знаков".into());
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default()
    }

    fn good() -> GrantForm {
        GrantForm {
            full_name: "Брокеров Борис Борисович".into(),
            id_number: "112-233-445 95".into(),
            contact: "Broker@Example.ru".into(),
            role: "broker".into(),
            pay: true,
            scope: "chosen".into(),
            policies: vec!["p2".into(), "p1".into(), "p2".into()],
            valid_to: "31.12.2027".into(),
            basis: "Агентский договор  № 15 от 01.12.2026".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_grant_is_normalised() {
        let v = good().validate(today()).expect("valid");
        assert_eq!(v.snils.as_deref(), Some("11223344595"));
        assert_eq!(v.contact, "broker@example.ru");
        assert_eq!(v.policies, vec!["p1".to_string(), "p2".to_string()]);
        assert_eq!(v.valid_from, today());
        assert_eq!(v.valid_to, NaiveDate::from_ymd_opt(2027, 12, 31));
        assert_eq!(v.basis, "Агентский договор № 15 от 01.12.2026");
        assert!(v.rights.pay && !v.rights.report && !v.rights.all_policies);
        assert_eq!(v.rights.label(), "просмотр, оплата");
    }

    #[test]
    fn reports_and_re_delegation_need_every_policy() {
        let mut f = good();
        f.delegate = true;
        let e = f.validate(today()).expect_err("some policies only");
        assert!(e.get("policies").unwrap_or_default().contains("Все полисы"));
        f.delegate = false;
        f.report = true;
        assert!(f.check_field("policies", today()).is_err());
        f.report = false;
        f.delegate = true;
        f.scope = "all".into();
        let v = f.validate(today()).expect("valid");
        assert!(v.rights.delegate && v.rights.all_policies && v.policies.is_empty());
    }

    #[test]
    fn each_bad_field_is_named_in_russian() {
        let f = GrantForm {
            full_name: "Б".into(),
            id_number: "123".into(),
            contact: "не почта".into(),
            role: "self".into(),
            scope: "chosen".into(),
            valid_from: "01.01.2020".into(),
            valid_to: "31.13.2027".into(),
            basis: "".into(),
            files: vec!["f".into(); MAX_BASIS_FILES + 1],
            ..Default::default()
        };
        let e = f.validate(today()).expect_err("invalid");
        for field in GrantForm::FIELDS {
            assert!(e.get(field).is_some(), "{field} has no message: {e:?}");
        }
        assert_eq!(
            e.get("valid_from"),
            Some("Начало действия не может быть в прошлом")
        );
        assert!(
            e.get("role")
                .unwrap_or_default()
                .contains("доверенное лицо")
        );
    }

    #[test]
    fn organisations_representatives_and_notarised_proxies_wait_for_a_check() {
        use AuthorityRole::*;
        assert!(!needs_review(Trusted, false, false));
        assert!(!needs_review(Broker, false, false));
        assert!(needs_review(Trusted, true, false));
        assert!(needs_review(Representative, false, false));
        assert!(needs_review(Broker, false, true));
        // «Нотариальная» means something only for a trusted person's доверенность.
        let mut f = good();
        f.notarised = true;
        assert!(!f.validate(today()).map(|v| v.notarised).unwrap_or(true));
        f.role = "trusted".into();
        assert!(f.validate(today()).map(|v| v.notarised).unwrap_or(false));
        assert_eq!(
            Review::from_parts("rejected", Some("нет подписи".into())).label(),
            Some("не подтверждено: нет подписи".into())
        );
        assert_eq!(Review::from_parts("none", None).label(), None);
    }

    #[test]
    fn the_period_holds_together() {
        let mut f = good();
        f.valid_from = "10.12.2026".into();
        f.valid_to = "09.12.2026".into();
        assert_eq!(
            f.check_field("valid_to", today()),
            Err("Дата окончания раньше даты начала".into())
        );
        f.valid_to = "11.12.2032".into();
        assert!(f.check_field("valid_to", today()).is_err());
        f.valid_to = String::new();
        assert_eq!(f.validate(today()).map(|v| v.valid_to), Ok(None));
    }

    #[test]
    fn needs_map_to_rights() {
        let r = Rights {
            pay: true,
            ..Default::default()
        };
        assert!(r.allows(Need::View) && r.allows(Need::Pay));
        assert!(!r.allows(Need::Report) && !r.allows(Need::Whole) && !r.allows(Need::Delegate));
        let some = Rights {
            report: true,
            delegate: true,
            ..Default::default()
        };
        assert!(!some.allows(Need::Report) && !some.allows(Need::Delegate));
        let all = Rights {
            report: true,
            pay: true,
            delegate: true,
            all_policies: true,
        };
        for n in [
            Need::View,
            Need::Whole,
            Need::Report,
            Need::Pay,
            Need::Delegate,
        ] {
            assert!(all.allows(n));
        }
    }
}
