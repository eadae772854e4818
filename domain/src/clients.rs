//! «Мои клиенты»: the workspace of whoever acts for others (a broker, an organisation's
//! representative, a trusted person): every policyholder they hold authority over, found by name,
//! ИНН or policy number, each with what needs doing — the overdue debt, the next payment, the next
//! deadline, the open requests — as far as the authority lets them see it. Paged on the server;
//! the search lives in the URL.

use crate::FieldErrors;
use crate::money::Money;
use crate::query::ListRange;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use crate::query::MAX_SEARCH;

/// The filter of «Мои клиенты».
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientFilter {
    /// A part of the name, an ИНН, or a policy number.
    pub search: Option<String>,
    /// Only clients with an overdue debt.
    pub overdue: bool,
    pub page: i64,
}

impl ClientFilter {
    /// The filter as the URL has it, and the problems of what was dropped.
    pub fn parse(
        search: Option<String>,
        overdue: Option<String>,
        page: Option<String>,
    ) -> (Self, FieldErrors) {
        let range = ListRange::parse(None, None, page.as_deref());
        let mut problems = range.problems;
        let search = crate::query::search_text(search, &mut problems);
        let f = ClientFilter {
            search,
            overdue: overdue.as_deref() == Some("1"),
            page: i64::from(range.page),
        };
        (f, problems)
    }

    /// [`ClientFilter::parse`] that refuses a bad value with its message (for a server function).
    pub fn checked(
        search: Option<String>,
        overdue: Option<String>,
        page: Option<String>,
    ) -> Result<Self, FieldErrors> {
        match Self::parse(search, overdue, page) {
            (f, problems) if problems.is_empty() => Ok(f),
            (_, problems) => Err(problems),
        }
    }

    /// The query string (without the page), for links.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.search {
            parts.push(format!("search={}", crate::query::form_encode(s)));
        }
        if self.overdue {
            parts.push("overdue=1".to_string());
        }
        parts.join("&")
    }
}

/// The next thing due of a client: «Отчёт за IV квартал 2026» by a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextDeadline {
    pub title: String,
    pub due_at: DateTime<Utc>,
    pub missed: bool,
}

/// One client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRow {
    pub policyholder_id: String,
    pub name: String,
    pub kind: String,
    pub inn: Option<String>,
    /// The caller's role toward the client.
    pub role: String,
    pub valid_to: Option<NaiveDate>,
    /// The authority covers every policy (else only some).
    pub all_policies: bool,
    pub may_report: bool,
    pub may_pay: bool,
    /// Unpaid contributions past their due date, within the authority's policies.
    pub overdue: Money,
    /// Every unpaid contribution, within the authority's policies.
    pub owed: Money,
    /// The earliest due date of an unpaid contribution.
    pub next_due: Option<NaiveDate>,
    /// Requests not finished (only with the right to file them).
    pub open_requests: Option<i64>,
    /// The soonest deadline (only with the right to file reports).
    pub next_deadline: Option<NextDeadline>,
}

impl ClientRow {
    pub fn role_label(&self) -> &'static str {
        crate::status::AuthorityRole::from_code(&self.role)
            .map(crate::status::AuthorityRole::label)
            .unwrap_or("")
    }
}

/// One page of clients, and how many match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientPage {
    pub rows: Vec<ClientRow>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// One debt in «Задолженности всех клиентов»: an unpaid contribution or fine of a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientDebtRow {
    pub policyholder_id: String,
    pub client: String,
    pub policy_number: Option<String>,
    /// «Взнос за 11.2026 · ДМС», or the fine's description.
    pub title: String,
    pub due_on: NaiveDate,
    pub days_overdue: i64,
    pub amount: Money,
    /// Пени accrued on it so far.
    pub penalty: Money,
}

/// One page of debts across the clients, with the sum of every matching debt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientDebtsPage {
    pub rows: Vec<ClientDebtRow>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// The sum of the debts the filter selects (not only this page's).
    pub amount: Money,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_is_checked_and_kept_in_the_url() {
        let (f, p) = ClientFilter::parse(
            Some("  Ромашка  ".into()),
            Some("1".into()),
            Some("3".into()),
        );
        assert!(p.is_empty());
        assert_eq!(f.search.as_deref(), Some("Ромашка"));
        assert!(f.overdue);
        assert_eq!(f.page, 3);
        assert_eq!(
            f.query(),
            "search=%D0%A0%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0&overdue=1"
        );
        let (f, p) = ClientFilter::parse(
            Some("я".repeat(MAX_SEARCH + 1)),
            Some("yes".into()),
            Some("-1".into()),
        );
        assert_eq!((f.search, f.overdue, f.page), (None, false, 1));
        assert!(p.get("search").is_some() && p.get("page").is_some());
        assert!(ClientFilter::checked(None, None, Some("0".into())).is_err());
    }
}
