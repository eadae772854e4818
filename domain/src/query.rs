//! What lives in the URL: filters, sort and page of «Взносы» and «Начисления», and the dates and
//! page numbers every other list reads from its query string («История запросов», «Документы»,
//! «Уведомления», «Безопасность», the staff queue). Every date and number taken from a URL goes
//! through [`date`] or [`page`] here: each value is range-checked, so nothing downstream (date
//! arithmetic, `OFFSET`s) can overflow, and a bad value has a Russian message naming its field.
//! The pages parse leniently (a bad value is dropped and the message shown above the list); the
//! server functions, which anybody can call with any string, refuse it with the same message.

use crate::status::{ChargeKind, PaymentStatus};
use crate::{FieldError, FieldErrors};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Rows per page of the finance tables.
pub const PER_PAGE: u32 = 50;

/// The earliest date a filter takes.
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
/// The latest date a filter takes.
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};
/// The highest page number a list takes (a million rows at 10 a page; far past any real list,
/// and `MAX_PAGE × rows a page` is far inside an `i64` offset).
pub const MAX_PAGE: u32 = 100_000;
/// Longer values are not even looked at (a date is 10 characters, a page number 6).
const MAX_VALUE_CHARS: usize = 32;

/// How a URL parameter is called in a message.
pub fn field_label(field: &str) -> &str {
    match field {
        "from" => "Дата «с»",
        "to" => "Дата «по»",
        "page" => "Номер страницы",
        "after" => "Номер последнего события",
        other => other,
    }
}

fn problem(field: &str, message: String) -> FieldError {
    FieldError {
        field: field.to_string(),
        message,
    }
}

/// A date from the URL parameter `field`: `ГГГГ-ММ-ДД` within [`FIRST_DATE`]..=[`LAST_DATE`].
pub fn date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    let label = field_label(field);
    let (first, last) = (
        crate::dates::format_date(FIRST_DATE),
        crate::dates::format_date(LAST_DATE),
    );
    let v = raw.trim();
    let parsed = (v.len() <= MAX_VALUE_CHARS)
        .then(|| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
        .flatten();
    match parsed {
        Some(d) if !(FIRST_DATE..=LAST_DATE).contains(&d) => Err(problem(
            field,
            format!("{label}: можно указать дату только с {first} по {last}"),
        )),
        // Only the form a date input sends (chrono also reads `+2026-1-5`).
        Some(d) if d.format("%Y-%m-%d").to_string() == v => Ok(d),
        _ => Err(problem(
            field,
            format!("{label}: это не дата, укажите её как ГГГГ-ММ-ДД (с {first} по {last})"),
        )),
    }
}

/// [`date`] of an optional parameter: absent or empty is `None`.
pub fn opt_date(field: &str, raw: Option<&str>) -> Result<Option<NaiveDate>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => date(field, v).map(Some),
    }
}

/// A page number from the URL (`page`): a whole number in 1..=[`MAX_PAGE`].
pub fn page(raw: &str) -> Result<u32, FieldError> {
    let v = raw.trim();
    let n = (v.len() <= MAX_VALUE_CHARS && !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .then(|| v.parse::<u64>().ok())
        .flatten();
    match n {
        Some(n) if n >= 1 => page_number(i64::try_from(n).unwrap_or(i64::MAX)),
        _ => Err(page_problem()),
    }
}

/// [`page`] of an optional parameter: absent or empty is page 1.
pub fn opt_page(raw: Option<&str>) -> Result<u32, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(1),
        Some(v) => page(v),
    }
}

/// A page number a server function was given as a number: the same range as [`page`].
pub fn page_number(n: i64) -> Result<u32, FieldError> {
    u32::try_from(n)
        .ok()
        .filter(|p| (1..=MAX_PAGE).contains(p))
        .ok_or_else(page_problem)
}

fn page_problem() -> FieldError {
    problem(
        "page",
        format!(
            "{}: укажите целое число от 1 до {MAX_PAGE}",
            field_label("page")
        ),
    )
}

/// An event id from the URL (`after`, as a live stream resumes): a whole number ≥ 0.
pub fn event_id(raw: &str) -> Result<i64, FieldError> {
    let v = raw.trim();
    (v.len() <= 19 && !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .then(|| v.parse::<i64>().ok())
        .flatten()
        .ok_or_else(|| {
            problem(
                "after",
                format!("{}: укажите целое число от 0", field_label("after")),
            )
        })
}

/// The dates and page of a list other than the finance tables («История запросов»,
/// «Документы»): each value checked, a bad one dropped and named in `problems`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// 1..=[`MAX_PAGE`].
    pub page: u32,
    pub problems: FieldErrors,
}

impl ListRange {
    /// Reads `from`, `to` and `page` as the URL has them (absent or empty: no bound, page 1).
    pub fn parse(from: Option<&str>, to: Option<&str>, page: Option<&str>) -> Self {
        let mut problems = FieldErrors::new();
        let from = note(&mut problems, opt_date("from", from)).flatten();
        let to = note(&mut problems, opt_date("to", to)).flatten();
        let page = note(&mut problems, opt_page(page)).unwrap_or(1);
        ListRange {
            from,
            to,
            page,
            problems,
        }
    }

    /// The dates and page, or the problems if there are any (for a server function).
    pub fn checked(self) -> Result<(Option<NaiveDate>, Option<NaiveDate>, u32), FieldErrors> {
        if self.problems.is_empty() {
            Ok((self.from, self.to, self.page))
        } else {
            Err(self.problems)
        }
    }
}

/// Keeps the value of a check, or records its problem and gives `None`.
fn note<T>(problems: &mut FieldErrors, r: Result<T, FieldError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            problems.0.push(e);
            None
        }
    }
}

/// The quick ranges next to the date pickers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuickRange {
    Month,
    Quarter,
    Year,
    All,
}

impl QuickRange {
    pub const ALL: [QuickRange; 4] = [
        QuickRange::Month,
        QuickRange::Quarter,
        QuickRange::Year,
        QuickRange::All,
    ];

    pub fn label(self) -> &'static str {
        match self {
            QuickRange::Month => "Этот месяц",
            QuickRange::Quarter => "Этот квартал",
            QuickRange::Year => "Этот год",
            QuickRange::All => "Всё время",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            QuickRange::Month => "month",
            QuickRange::Quarter => "quarter",
            QuickRange::Year => "year",
            QuickRange::All => "all",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }

    /// The first and last day of the range containing `today`.
    pub fn range(self, today: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let start = |m: u32| NaiveDate::from_ymd_opt(today.year(), m, 1);
        let (from, months) = match self {
            QuickRange::Month => (start(today.month()), 1),
            QuickRange::Quarter => (start((today.month0() / 3) * 3 + 1), 3),
            QuickRange::Year => (start(1), 12),
            QuickRange::All => return (None, None),
        };
        let to = from
            .and_then(|f| f.checked_add_months(Months::new(months)))
            .and_then(|d| d.pred_opt());
        (from, to)
    }
}

/// A sortable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SortKey {
    #[default]
    Date,
    Programme,
    Amount,
    Paid,
    Debt,
    Kind,
    Status,
}

impl SortKey {
    pub fn code(self) -> &'static str {
        match self {
            SortKey::Date => "date",
            SortKey::Programme => "programme",
            SortKey::Amount => "amount",
            SortKey::Paid => "paid",
            SortKey::Debt => "debt",
            SortKey::Kind => "kind",
            SortKey::Status => "status",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        [
            SortKey::Date,
            SortKey::Programme,
            SortKey::Amount,
            SortKey::Paid,
            SortKey::Debt,
            SortKey::Kind,
            SortKey::Status,
        ]
        .into_iter()
        .find(|k| k.code() == s)
    }
}

/// Filters, sort and page of a finance table, as in the URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Programme codes («Взносы»).
    pub programmes: Vec<String>,
    /// Charge kinds («Начисления»).
    pub kinds: Vec<ChargeKind>,
    /// Payment statuses («Начисления»).
    pub statuses: Vec<PaymentStatus>,
    pub sort: SortKey,
    pub desc: bool,
    /// 1-based.
    pub page: u32,
}

impl Default for TableQuery {
    fn default() -> Self {
        Self {
            from: None,
            to: None,
            programmes: Vec::new(),
            kinds: Vec::new(),
            statuses: Vec::new(),
            sort: SortKey::Date,
            desc: true,
            page: 1,
        }
    }
}

impl TableQuery {
    /// Reads a raw query string (`from=…&programme=…`), as the URL or a download link has it;
    /// a bad date or page is dropped (see [`TableQuery::parse_pairs`]).
    pub fn from_query(query: &str, today: NaiveDate) -> Self {
        Self::parse_query(query, today).0
    }

    /// [`TableQuery::from_query`] that refuses a bad date or page with its message, for a
    /// server function or a download (anybody can send it any string).
    pub fn checked_from_query(query: &str, today: NaiveDate) -> Result<Self, FieldErrors> {
        match Self::parse_query(query, today) {
            (q, problems) if problems.is_empty() => Ok(q),
            (_, problems) => Err(problems),
        }
    }

    /// The query and the problems of its dates and page. Keys and values are decoded as a
    /// browser encodes a form (`%2B` is `+`, `+` a space), as the router decodes a page's query.
    pub fn parse_query(query: &str, today: NaiveDate) -> (Self, FieldErrors) {
        let pairs: Vec<(String, String)> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (form_decode(k), form_decode(v)))
            .collect();
        Self::parse_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), today)
    }

    /// Reads the query string's pairs, dropping what does not parse (see [`TableQuery::parse_pairs`]).
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        today: NaiveDate,
    ) -> Self {
        Self::parse_pairs(pairs, today).0
    }

    /// Reads the query string's pairs; `period` (a quick range) gives `from`/`to` unless they
    /// are set. An unknown sort, programme, kind or status is silently dropped (a stale link);
    /// a date or page out of its range is dropped too, and its message is in the problems.
    pub fn parse_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        today: NaiveDate,
    ) -> (Self, FieldErrors) {
        let mut q = TableQuery::default();
        let mut problems = FieldErrors::new();
        let mut period = None;
        for (k, v) in pairs {
            match k {
                "from" => q.from = note(&mut problems, opt_date(k, Some(v))).flatten(),
                "to" => q.to = note(&mut problems, opt_date(k, Some(v))).flatten(),
                "period" => period = QuickRange::from_code(v),
                "programme" => q.programmes.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|c| {
                            !c.is_empty()
                                && c.len() <= 16
                                && c.chars().all(|ch| ch.is_ascii_alphanumeric())
                        })
                        .map(str::to_string),
                ),
                "kind" => q
                    .kinds
                    .extend(v.split(',').filter_map(ChargeKind::from_code)),
                "status" => q
                    .statuses
                    .extend(v.split(',').filter_map(PaymentStatus::from_code)),
                "sort" => q.sort = SortKey::from_code(v).unwrap_or_default(),
                "dir" => q.desc = v != "asc",
                "page" => q.page = note(&mut problems, opt_page(Some(v))).unwrap_or(1),
                _ => {}
            }
        }
        if let (Some(p), None, None) = (period, q.from, q.to) {
            (q.from, q.to) = p.range(today);
        }
        if let (Some(f), Some(t)) = (q.from, q.to)
            && f > t
        {
            (q.from, q.to) = (Some(t), Some(f));
        }
        q.programmes.sort();
        q.programmes.dedup();
        q.kinds.dedup();
        q.statuses.dedup();
        (q, problems)
    }

    /// The query string (without `?`), in a stable order, leaving defaults out.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(f) = self.from {
            parts.push(format!("from={f}"));
        }
        if let Some(t) = self.to {
            parts.push(format!("to={t}"));
        }
        for p in &self.programmes {
            parts.push(format!("programme={p}"));
        }
        for k in &self.kinds {
            parts.push(format!("kind={}", k.code()));
        }
        for s in &self.statuses {
            parts.push(format!("status={}", s.code()));
        }
        if self.sort != SortKey::Date {
            parts.push(format!("sort={}", self.sort.code()));
        }
        if !self.desc {
            parts.push("dir=asc".into());
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        parts.join("&")
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(PER_PAGE)
    }

    /// The same filters on another page.
    pub fn with_page(&self, page: u32) -> Self {
        Self {
            page: page.clamp(1, MAX_PAGE),
            ..self.clone()
        }
    }

    /// Sorted by `key`: the same key flips the direction; a new key starts descending.
    pub fn sorted_by(&self, key: SortKey) -> Self {
        let desc = if self.sort == key { !self.desc } else { true };
        Self {
            sort: key,
            desc,
            page: 1,
            ..self.clone()
        }
    }
}

impl TableQuery {
    /// The filter in words, for the header of a statement and the printed page. `programme_names` are the chosen
    /// programmes («Взносы»); kinds and statuses are named when chosen («Начисления»).
    pub fn describe(&self, programme_names: Option<&[String]>) -> String {
        let f = self;
        let date = crate::dates::format_date;
        let period = match (f.from, f.to) {
            (Some(a), Some(b)) => format!("с {} по {}", date(a), date(b)),
            (Some(a), None) => format!("с {}", date(a)),
            (None, Some(b)) => format!("по {}", date(b)),
            (None, None) => "всё время".to_string(),
        };
        let all_or = |names: Vec<&str>| {
            if names.is_empty() {
                "все".to_string()
            } else {
                names.join(", ")
            }
        };
        let mut parts = vec![format!("Период: {period}")];
        if let Some(names) = programme_names {
            parts.push(format!(
                "программы: {}",
                all_or(names.iter().map(String::as_str).collect())
            ));
        } else {
            parts.push(format!(
                "типы: {}",
                all_or(f.kinds.iter().map(|k| k.label()).collect())
            ));
            parts.push(format!(
                "статусы: {}",
                all_or(f.statuses.iter().map(|s| s.label()).collect())
            ));
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn quick_ranges() {
        let today = d(2026, 11, 25);
        assert_eq!(
            QuickRange::Month.range(today),
            (Some(d(2026, 11, 1)), Some(d(2026, 11, 30)))
        );
        assert_eq!(
            QuickRange::Quarter.range(today),
            (Some(d(2026, 10, 1)), Some(d(2026, 12, 31)))
        );
        assert_eq!(
            QuickRange::Year.range(today),
            (Some(d(2026, 1, 1)), Some(d(2026, 12, 31)))
        );
        assert_eq!(QuickRange::All.range(today), (None, None));
        assert_eq!(
            QuickRange::Quarter.range(d(2026, 2, 28)),
            (Some(d(2026, 1, 1)), Some(d(2026, 3, 31)))
        );
    }

    #[test]
    fn parses_and_round_trips() {
        let today = d(2026, 11, 25);
        let q = TableQuery::from_pairs(
            [
                ("from", "2025-01-01"),
                ("to", "2025-12-31"),
                ("programme", "DMS,IMU"),
                ("sort", "amount"),
                ("dir", "asc"),
                ("page", "3"),
            ],
            today,
        );
        assert_eq!(q.programmes, vec!["DMS".to_string(), "IMU".to_string()]);
        assert_eq!(q.offset(), 100);
        let s = q.to_query();
        assert_eq!(
            s,
            "from=2025-01-01&to=2025-12-31&programme=DMS&programme=IMU&sort=amount&dir=asc&page=3"
        );
        let pairs: Vec<(&str, &str)> = s.split('&').filter_map(|kv| kv.split_once('=')).collect();
        assert_eq!(TableQuery::from_pairs(pairs, today), q);
    }

    #[test]
    fn bad_values_are_dropped() {
        let today = d(2026, 11, 25);
        let q = TableQuery::from_pairs(
            [
                ("from", "31.02.2026"),
                ("page", "0"),
                ("sort", "drop table"),
                ("programme", "x'--"),
                ("kind", "premium,bogus"),
            ],
            today,
        );
        assert_eq!(q.from, None);
        assert_eq!(q.page, 1);
        assert_eq!(q.sort, SortKey::Date);
        assert!(q.programmes.is_empty());
        assert_eq!(q.kinds, vec![ChargeKind::Premium]);
    }

    #[test]
    fn period_and_swapped_dates() {
        let today = d(2026, 11, 25);
        let q = TableQuery::from_pairs([("period", "month")], today);
        assert_eq!(
            (q.from, q.to),
            (Some(d(2026, 11, 1)), Some(d(2026, 11, 30)))
        );
        let q = TableQuery::from_pairs([("from", "2026-05-01"), ("to", "2026-01-01")], today);
        assert_eq!((q.from, q.to), (Some(d(2026, 1, 1)), Some(d(2026, 5, 1))));
    }

    #[test]
    fn sorting_toggles() {
        let q = TableQuery::default();
        let by_date = q.sorted_by(SortKey::Date);
        assert!(!by_date.desc);
        let by_amount = by_date.sorted_by(SortKey::Amount);
        assert!(by_amount.desc);
        assert_eq!(by_amount.page, 1);
    }
}

/// The longest search text a list takes.
pub const MAX_SEARCH: usize = 100;

/// A list's search text as typed: spaces collapsed, `None` when empty; one longer than
/// [`MAX_SEARCH`] is dropped and named in `problems` (as the field `search`).
pub fn search_text(raw: Option<String>, problems: &mut FieldErrors) -> Option<String> {
    let text = raw
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())?;
    if text.chars().count() > MAX_SEARCH {
        problems.add("search", format!("Поиск: не длиннее {MAX_SEARCH} знаков"));
        return None;
    }
    Some(text)
}

/// Percent-encodes a query value (UTF-8 bytes outside the unreserved set), the inverse of
/// [`form_decode`] for a link.
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The value of `key` in a raw query string, decoded as a browser encodes a form (the first one
/// if it is there more than once).
pub fn query_value(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| form_decode(k) == key)
        .map(|(_, v)| form_decode(v))
}

/// Decodes one `application/x-www-form-urlencoded` key or value: `+` is a space and `%XX` a
/// byte; a `%` not followed by two hex digits stays as it is, and bytes that are not UTF-8 become
/// U+FFFD. Never fails.
pub fn form_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = (b == b'%')
            .then(|| Some(hex(*bytes.get(i + 1)?)? * 16 + hex(*bytes.get(i + 2)?)?))
            .flatten();
        match (b, escaped) {
            (_, Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (_, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod form_decode_tests {
    use super::form_decode;

    #[test]
    fn decodes_as_a_browser_encodes_a_form() {
        assert_eq!(form_decode("%2B262142-12-31"), "+262142-12-31");
        assert_eq!(form_decode("a+b%20c"), "a b c");
        assert_eq!(form_decode("%D0%92%D0%B7"), "Вз");
        // Broken escapes stay as they are; bad UTF-8 becomes U+FFFD; nothing panics.
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz%4"), "%zz%4");
        assert_eq!(form_decode("%FF"), "\u{FFFD}");
    }
}
