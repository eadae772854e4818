//! «История всех операций»: the policyholder-wide journal — who did what (the person, on the
//! policyholder's behalf), to which object, when and from where. Its filters live in the URL and
//! are checked here for the page and again on the server.

use crate::FieldErrors;
use crate::query::ListRange;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The kinds of operation the filter offers: the part of the action code before its dot.
pub const KINDS: &[(&str, &str)] = &[
    ("payment", "Платежи"),
    ("report", "Отчётность"),
    ("request", "Запросы"),
    ("document", "Документы"),
    ("authority", "Доступ и доверенности"),
    ("reminder", "Напоминания"),
    ("extension", "Продление сроков"),
    ("charge", "Начисления"),
    ("calendar", "Календарь сроков"),
];

pub use crate::query::MAX_SEARCH;

/// The filters of «История всех операций» (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The account that acted.
    pub actor: Option<String>,
    /// One of [`KINDS`].
    pub kind: Option<String>,
    /// Words to find in the description or the object's number.
    pub search: Option<String>,
    pub page: i64,
}

impl HistoryFilter {
    /// The filters as the URL has them, and the problems of the values that were dropped. An
    /// unknown kind or an odd actor id is dropped silently, as a stale link has it.
    pub fn parse(
        from: Option<String>,
        to: Option<String>,
        actor: Option<String>,
        kind: Option<String>,
        search: Option<String>,
        page: Option<String>,
    ) -> (Self, FieldErrors) {
        let range = ListRange::parse(from.as_deref(), to.as_deref(), page.as_deref());
        let mut problems = range.problems;
        let search = crate::query::search_text(search, &mut problems);
        let f = HistoryFilter {
            from: range.from,
            to: range.to,
            actor: actor.filter(|a| {
                !a.is_empty()
                    && a.len() <= 64
                    && a.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            }),
            kind: kind.filter(|k| KINDS.iter().any(|(code, _)| code == k)),
            search,
            page: i64::from(range.page),
        };
        (f, problems)
    }

    /// [`HistoryFilter::parse`] that refuses a bad value with its message (for a server
    /// function, which anybody can send any string).
    pub fn checked(
        from: Option<String>,
        to: Option<String>,
        actor: Option<String>,
        kind: Option<String>,
        search: Option<String>,
        page: Option<String>,
    ) -> Result<Self, FieldErrors> {
        match Self::parse(from, to, actor, kind, search, page) {
            (f, problems) if problems.is_empty() => Ok(f),
            (_, problems) => Err(problems),
        }
    }

    /// [`HistoryFilter::checked`] from a raw query string (the export's address).
    pub fn checked_from_query(query: &str) -> Result<Self, FieldErrors> {
        let get = |key: &str| crate::query::query_value(query, key);
        Self::checked(
            get("from"),
            get("to"),
            get("actor"),
            get("kind"),
            get("search"),
            get("page"),
        )
    }

    /// The query string of these filters (without the page), for links and the export.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = self.from {
            parts.push(format!("from={d}"));
        }
        if let Some(d) = self.to {
            parts.push(format!("to={d}"));
        }
        if let Some(a) = &self.actor {
            parts.push(format!("actor={a}"));
        }
        if let Some(k) = &self.kind {
            parts.push(format!("kind={k}"));
        }
        if let Some(s) = &self.search {
            parts.push(format!("search={}", crate::query::form_encode(s)));
        }
        parts.join("&")
    }
}

/// One operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub at: DateTime<Utc>,
    /// The person who acted: «Иванов Иван Петрович», «Сотрудник страховщика», or «Система».
    pub actor: String,
    /// How they stand to the policyholder: «Агент / брокер», «Физическое лицо», «сотрудник».
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub ip: String,
    pub details: String,
}

impl HistoryRow {
    pub fn label(&self) -> &'static str {
        crate::security::action_label(&self.action)
    }

    /// Where the object opens in the cabinet, if it has a page.
    pub fn href(&self) -> Option<String> {
        let id = &self.object_id;
        if id.is_empty() {
            return None;
        }
        match self.object_type.as_str() {
            "report" => Some(format!("/reports/{id}")),
            "request" => Some(format!("/requests/{id}")),
            "payment" => Some(format!("/payments/{id}")),
            "grant" => Some("/proxies".into()),
            "document" => Some("/documents".into()),
            "charge" => Some("/charges".into()),
            "contribution" => Some(format!("/contributions/{id}")),
            "deadline" | "extension" => Some("/deadlines".into()),
            _ => None,
        }
    }
}

/// Someone who acted on the policyholder, for the filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    pub name: String,
}

/// One page of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub rows: Vec<HistoryRow>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub actors: Vec<Actor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    fn f_query() -> String {
        HistoryFilter::parse(None, None, None, s("payment"), s("счёт № 5"), None)
            .0
            .query()
    }

    #[test]
    fn the_filters_are_checked_and_round_trip_through_the_url() {
        let (f, problems) = HistoryFilter::parse(
            s("2026-11-01"),
            s("2026-11-30"),
            s("acc-demo"),
            s("payment"),
            s("  счёт   № 5 "),
            s("2"),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(f.search.as_deref(), Some("счёт № 5"));
        assert_eq!(f.page, 2);
        assert_eq!(
            f.query(),
            "from=2026-11-01&to=2026-11-30&actor=acc-demo&kind=payment&search=%D1%81%D1%87%D1%91%D1%82%20%E2%84%96%205"
        );

        let (f, problems) = HistoryFilter::parse(
            s("31.02.2026"),
            None,
            s("x' OR 1=1"),
            s("unknown"),
            Some("я".repeat(MAX_SEARCH + 1)),
            s("0"),
        );
        assert_eq!(
            (f.actor, f.kind, f.search, f.from),
            (None, None, None, None)
        );
        for field in ["from", "search", "page"] {
            assert!(problems.get(field).is_some(), "{field}: {problems:?}");
        }
        assert!(
            HistoryFilter::checked(None, None, None, None, Some("я".repeat(101)), None).is_err()
        );
        let back = HistoryFilter::checked_from_query(&f_query()).expect("its own query");
        assert_eq!(back.search.as_deref(), Some("счёт № 5"));
        assert_eq!(back.kind.as_deref(), Some("payment"));
        assert!(HistoryFilter::checked_from_query("from=2026-13-01").is_err());
    }

    #[test]
    fn objects_link_to_their_pages() {
        let row = |t: &str, id: &str| HistoryRow {
            at: DateTime::<Utc>::default(),
            actor: String::new(),
            actor_role: String::new(),
            action: "payment.started".into(),
            object_type: t.into(),
            object_id: id.into(),
            ip: String::new(),
            details: String::new(),
        };
        assert_eq!(row("payment", "p1").href().as_deref(), Some("/payments/p1"));
        assert_eq!(row("grant", "g1").href().as_deref(), Some("/proxies"));
        assert_eq!(row("session", "s1").href(), None);
        assert_eq!(row("payment", "").href(), None);
        assert_eq!(row("payment", "p1").label(), "Начата оплата");
    }
}
