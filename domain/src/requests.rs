//! Requests («Создать запрос», «История запросов»): their types, statuses, the create form's
//! rules (the same in the browser and on the server), and the rows the pages show.

use crate::files::{Attachment, MAX_FILES};
use crate::{FieldErrors, ids};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestKind {
    /// «Справка»: completing it produces a certificate in «Документы».
    Certificate,
    /// «Изменение данных».
    DataChange,
    /// «Оформление выплаты».
    Payout,
}

impl RequestKind {
    pub const ALL: [RequestKind; 3] = [Self::Certificate, Self::DataChange, Self::Payout];

    pub fn code(self) -> &'static str {
        match self {
            Self::Certificate => "certificate",
            Self::DataChange => "data_change",
            Self::Payout => "payout",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Certificate => "Справка",
            Self::DataChange => "Изменение данных",
            Self::Payout => "Оформление выплаты",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestStatus {
    /// «В обработке»: with the insurer.
    Processing,
    /// «Требуется уточнение»: the insurer asked the policyholder something.
    Clarification,
    /// «Завершено».
    Completed,
    /// «Отклонено», always with a reason.
    Rejected,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 4] = [
        Self::Processing,
        Self::Clarification,
        Self::Completed,
        Self::Rejected,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Processing => "processing",
            Self::Clarification => "clarification",
            Self::Completed => "completed",
            Self::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Processing => "В обработке",
            Self::Clarification => "Требуется уточнение",
            Self::Completed => "Завершено",
            Self::Rejected => "Отклонено",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Completed and rejected requests take no more comments or status changes.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Rejected)
    }

    /// The CSS class of its badge.
    pub fn badge(self) -> &'static str {
        match self {
            Self::Processing => "badge badge-muted",
            Self::Clarification => "badge badge-warn",
            Self::Completed => "badge badge-ok",
            Self::Rejected => "badge badge-bad",
        }
    }
}

pub const DESCRIPTION_MAX: usize = 4000;
pub const COMMENT_MAX: usize = 4000;

/// «Создать запрос» as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestForm {
    pub policy_id: String,
    pub kind: String,
    pub phone: String,
    pub description: String,
    /// Ids of the files uploaded with «Добавить файл».
    #[serde(default)]
    pub files: Vec<String>,
    /// One per form shown: a retried or doubled «Отправить» makes one request.
    pub idempotency_key: String,
}

/// «Создать запрос» after every check passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest {
    pub policy_id: String,
    pub kind: RequestKind,
    /// `+7XXXXXXXXXX`.
    pub phone: String,
    pub description: String,
    pub files: Vec<String>,
    pub idempotency_key: String,
}

fn text(input: &str, what: &str, min: usize, max: usize) -> Result<String, String> {
    let t = input.trim();
    let n = t.chars().count();
    if n == 0 {
        return Err(format!("Заполните поле «{what}»"));
    }
    if n < min {
        return Err(format!("{what}: не меньше {min} символов"));
    }
    if n > max {
        return Err(format!("{what}: не больше {max} символов (сейчас {n})"));
    }
    Ok(t.to_string())
}

/// The text of a comment or a staff reply.
pub fn comment(input: &str) -> Result<String, String> {
    text(input, "Комментарий", 1, COMMENT_MAX)
}

/// The ids of attached files: each once, at most [`MAX_FILES`].
pub fn file_ids(ids: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        if !out.iter().any(|o| o == id) {
            out.push(id.to_string());
        }
    }
    if out.len() > MAX_FILES {
        return Err(format!("Не больше {MAX_FILES} файлов"));
    }
    Ok(out)
}

/// An idempotency key as the form sends it: 16–64 letters, digits or dashes.
pub fn idempotency_key(input: &str) -> Result<String, String> {
    let ok = (16..=64).contains(&input.len())
        && input.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(input.to_string())
    } else {
        Err("Форма устарела: обновите страницу".into())
    }
}

impl RequestForm {
    pub fn check_field(&self, field: &str) -> Result<(), String> {
        match field {
            "policy_id" => {
                if self.policy_id.trim().is_empty() {
                    Err("Выберите полис".into())
                } else {
                    Ok(())
                }
            }
            "kind" => RequestKind::parse(&self.kind)
                .map(drop)
                .ok_or_else(|| "Выберите тип запроса".into()),
            "phone" => ids::phone(&self.phone).map(drop),
            "description" => text(&self.description, "Описание", 10, DESCRIPTION_MAX).map(drop),
            _ => Ok(()),
        }
    }

    pub fn validate(&self) -> Result<ValidRequest, FieldErrors> {
        let mut e = FieldErrors::new();
        e.check("policy_id", self.check_field("policy_id"));
        let kind = e.check(
            "kind",
            RequestKind::parse(&self.kind).ok_or_else(|| "Выберите тип запроса".to_string()),
        );
        let phone = e.check("phone", ids::phone(&self.phone));
        let description = e.check(
            "description",
            text(&self.description, "Описание", 10, DESCRIPTION_MAX),
        );
        let files = e.check("files", file_ids(&self.files));
        let key = e.check("idempotency_key", idempotency_key(&self.idempotency_key));
        e.into_result()?;
        match (kind, phone, description, files, key) {
            (Some(kind), Some(phone), Some(description), Some(files), Some(idempotency_key)) => {
                Ok(ValidRequest {
                    policy_id: self.policy_id.trim().to_string(),
                    kind,
                    phone,
                    description,
                    files,
                    idempotency_key,
                })
            }
            _ => Err(FieldErrors::new()),
        }
    }
}

/// Filters of «История запросов» (all optional; they live in the URL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub policy_id: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub page: i64,
}

impl RequestFilter {
    /// Reads the query string's values, dropping what does not parse (see [`RequestFilter::parse`]).
    pub fn from_query(
        status: Option<String>,
        kind: Option<String>,
        policy: Option<String>,
        from: Option<String>,
        to: Option<String>,
        page: Option<String>,
    ) -> Self {
        Self::parse(status, kind, policy, from, to, page).0
    }

    /// [`RequestFilter::from_query`] that refuses a bad date or page with its message, for a
    /// server function (anybody can send it any string).
    pub fn checked(
        status: Option<String>,
        kind: Option<String>,
        policy: Option<String>,
        from: Option<String>,
        to: Option<String>,
        page: Option<String>,
    ) -> Result<Self, FieldErrors> {
        match Self::parse(status, kind, policy, from, to, page) {
            (f, problems) if problems.is_empty() => Ok(f),
            (_, problems) => Err(problems),
        }
    }

    /// The filters and the problems of their dates and page (through [`crate::query`]: a
    /// date or page out of range is dropped and named). An unknown status or kind is dropped
    /// silently, as a stale link has it.
    pub fn parse(
        status: Option<String>,
        kind: Option<String>,
        policy: Option<String>,
        from: Option<String>,
        to: Option<String>,
        page: Option<String>,
    ) -> (Self, FieldErrors) {
        let range = crate::query::ListRange::parse(from.as_deref(), to.as_deref(), page.as_deref());
        let f = RequestFilter {
            status: status.filter(|s| RequestStatus::parse(s).is_some()),
            kind: kind.filter(|s| RequestKind::parse(s).is_some()),
            policy_id: policy.filter(|s| !s.is_empty() && s.len() <= 64),
            from: range.from,
            to: range.to,
            page: i64::from(range.page),
        };
        (f, range.problems)
    }

    /// The query string of these filters (without the page), for links.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.status {
            parts.push(format!("status={s}"));
        }
        if let Some(k) = &self.kind {
            parts.push(format!("kind={k}"));
        }
        if let Some(p) = &self.policy_id {
            parts.push(format!("policy={p}"));
        }
        if let Some(d) = self.from {
            parts.push(format!("from={d}"));
        }
        if let Some(d) = self.to {
            parts.push(format!("to={d}"));
        }
        parts.join("&")
    }
}

/// A line of «История запросов» and of the staff queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRow {
    pub id: String,
    pub number: String,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub policy_number: String,
    pub policyholder_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who on the staff took it (staff views only).
    pub assignee: Option<String>,
}

/// One page of requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestPage {
    pub rows: Vec<RequestRow>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A document attached to a request (a certificate, the submission receipt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDocument {
    pub id: String,
    pub title: String,
    pub number: String,
}

/// One message of a request's thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestMessage {
    pub id: String,
    /// Written by the insurer's staff (otherwise by the policyholder's side).
    pub from_staff: bool,
    pub author: String,
    pub body: String,
    /// The status this message set, if it changed it.
    pub status: Option<RequestStatus>,
    pub files: Vec<Attachment>,
    pub created_at: DateTime<Utc>,
}

/// `/requests/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    pub id: String,
    pub number: String,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub reason: Option<String>,
    pub policy_id: String,
    pub policy_number: String,
    pub policyholder_id: String,
    pub policyholder_name: String,
    pub full_name: String,
    pub phone: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub assignee: Option<String>,
    /// Files attached when it was made.
    pub files: Vec<Attachment>,
    pub messages: Vec<RequestMessage>,
    pub documents: Vec<RequestDocument>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> RequestForm {
        RequestForm {
            policy_id: "p1".into(),
            kind: "certificate".into(),
            phone: "8 (912) 345-67-89".into(),
            description: "Нужна справка о полисе для работодателя".into(),
            files: vec!["a".into(), "a".into(), " ".into()],
            idempotency_key: "0123456789abcdef0123".into(),
        }
    }

    #[test]
    fn a_good_form_is_normalised() {
        let v = good().validate().unwrap();
        assert_eq!(v.kind, RequestKind::Certificate);
        assert_eq!(v.phone, "+79123456789");
        assert_eq!(v.files, vec!["a".to_string()], "each file once");
    }

    #[test]
    fn every_bad_field_is_named() {
        let f = RequestForm {
            policy_id: " ".into(),
            kind: "x".into(),
            phone: "12".into(),
            description: "коротко".into(),
            files: (0..11).map(|i| i.to_string()).collect(),
            idempotency_key: "k".into(),
        };
        let e = f.validate().unwrap_err();
        assert_eq!(e.get("policy_id"), Some("Выберите полис"));
        assert_eq!(e.get("kind"), Some("Выберите тип запроса"));
        assert!(e.get("phone").unwrap().contains("10 цифр"));
        assert_eq!(
            e.get("description"),
            Some("Описание: не меньше 10 символов")
        );
        assert!(e.get("idempotency_key").is_some());
        assert_eq!(e.get("files"), Some("Не больше 10 файлов"));
        let long = RequestForm {
            description: "а".repeat(DESCRIPTION_MAX + 1),
            ..good()
        };
        assert!(
            long.validate()
                .unwrap_err()
                .get("description")
                .unwrap()
                .contains("не больше 4000")
        );
    }

    #[test]
    fn statuses_and_filters() {
        assert_eq!(RequestStatus::Clarification.label(), "Требуется уточнение");
        assert!(RequestStatus::Rejected.is_final());
        assert!(!RequestStatus::Processing.is_final());
        let f = RequestFilter::from_query(
            Some("completed".into()),
            Some("bogus".into()),
            None,
            Some("2026-01-01".into()),
            Some("nope".into()),
            Some("0".into()),
        );
        assert_eq!(f.kind, None);
        assert_eq!(f.page, 1);
        assert_eq!(f.query(), "status=completed&from=2026-01-01");
        assert_eq!(comment("  ").unwrap_err(), "Заполните поле «Комментарий»");
    }
}
