//! Every parser of URL input (`domain::query` and the filters built on it) on arbitrary input:
//! it never panics, and it gives either a value within its range or a Russian message that names
//! the field. The inputs include arbitrary strings, huge and signed numbers and dates chrono
//! itself accepts but no filter may (`+262142-12-31`, the year chrono's date arithmetic
//! overflows on).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use chrono::{Datelike, NaiveDate};
use domain::FieldError;
use domain::query::{
    self, FIRST_DATE, LAST_DATE, ListRange, MAX_PAGE, PER_PAGE, TableQuery, field_label,
};
use domain::requests::RequestFilter;
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

/// The message is Russian and names the field it is about.
fn names_field(e: &FieldError, field: &str) {
    assert_eq!(e.field, field, "{e:?}");
    assert!(
        e.message.starts_with(field_label(field)),
        "the message names {field}: {e:?}"
    );
    assert!(
        e.message.chars().any(|c| ('а'..='я').contains(&c)),
        "Russian: {e:?}"
    );
}

fn in_range(d: NaiveDate) -> bool {
    (FIRST_DATE..=LAST_DATE).contains(&d)
}

/// Strings a URL value could be: anything, digits with signs, dates of any year chrono knows.
fn url_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        "[+-]?[0-9]{1,30}",
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| format!("+{n}")),
        (-262_144i32..=262_143, 0u32..=13, 0u32..=32)
            .prop_map(|(y, m, d)| format!("{y:+}-{m:02}-{d:02}")),
        (-262_144i32..=262_143, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        (1800i32..=2200, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        Just("+262142-12-31".to_string()),
        Just("-262143-01-01".to_string()),
        Just(" 2026-02-30 ".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_date_is_in_range_or_named(raw in url_value(), field in prop::sample::select(vec!["from", "to"])) {
        match query::date(field, &raw) {
            Ok(d) => {
                prop_assert!(in_range(d), "{raw:?} gave {d}");
                prop_assert_eq!(d.to_string(), raw.trim());
            }
            Err(e) => names_field(&e, field),
        }
    }

    #[test]
    fn a_page_is_in_range_or_named(raw in url_value()) {
        match query::page(&raw) {
            Ok(p) => {
                prop_assert!((1..=MAX_PAGE).contains(&p));
                prop_assert_eq!(raw.trim().parse::<u64>().ok(), Some(u64::from(p)));
            }
            Err(e) => names_field(&e, "page"),
        }
    }

    #[test]
    fn a_page_number_is_in_range_or_named(n in any::<i64>()) {
        match query::page_number(n) {
            Ok(p) => prop_assert_eq!(i64::from(p), n),
            Err(e) => {
                prop_assert!(n < 1 || n > i64::from(MAX_PAGE));
                names_field(&e, "page");
            }
        }
    }

    #[test]
    fn an_event_id_is_a_number_or_named(raw in url_value()) {
        match query::event_id(&raw) {
            Ok(n) => prop_assert!(n >= 0),
            Err(e) => names_field(&e, "after"),
        }
    }

    /// Any query string of the finance tables: the dates and page that stay are in range, the
    /// offset cannot overflow, each dropped value is named, and the canonical query it gives
    /// reads back the same with no problems.
    #[test]
    fn a_table_query_never_panics(
        pairs in prop::collection::vec(
            (prop::sample::select(vec!["from", "to", "period", "page", "sort", "dir", "programme", "kind", "status", "x"]), url_value()),
            0..8,
        ),
        raw in any::<String>(),
    ) {
        let (q, problems) = TableQuery::parse_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())), today());
        for d in [q.from, q.to].into_iter().flatten() {
            prop_assert!(in_range(d));
        }
        prop_assert!((1..=MAX_PAGE).contains(&q.page));
        prop_assert!(q.offset() <= i64::from(MAX_PAGE) * i64::from(PER_PAGE));
        for e in &problems.0 {
            prop_assert!(["from", "to", "page"].contains(&e.field.as_str()));
            names_field(e, &e.field);
        }
        let again = TableQuery::checked_from_query(&q.to_query(), today());
        prop_assert_eq!(again, Ok(q.clone()));
        prop_assert_eq!(q.with_page(u32::MAX).page, MAX_PAGE);
        // A raw string of any shape, as a download link could carry.
        let (q, _) = TableQuery::parse_query(&raw, today());
        prop_assert!((1..=MAX_PAGE).contains(&q.page));
    }

    /// «История запросов», the staff queue and «Документы» read their dates and page the same way.
    #[test]
    fn list_filters_never_panic(
        from in prop::option::of(url_value()),
        to in prop::option::of(url_value()),
        page in prop::option::of(url_value()),
        status in prop::option::of(url_value()),
    ) {
        let (f, problems) = RequestFilter::parse(status.clone(), None, None, from.clone(), to.clone(), page.clone());
        for d in [f.from, f.to].into_iter().flatten() {
            prop_assert!(in_range(d));
        }
        prop_assert!((1..=i64::from(MAX_PAGE)).contains(&f.page));
        for e in &problems.0 {
            names_field(e, &e.field);
        }
        let checked = RequestFilter::checked(status, None, None, from.clone(), to.clone(), page.clone());
        prop_assert_eq!(checked.is_ok(), problems.is_empty());

        let range = ListRange::parse(from.as_deref(), to.as_deref(), page.as_deref());
        prop_assert_eq!((range.from, range.to, i64::from(range.page)), (f.from, f.to, f.page));
        prop_assert_eq!(range.problems, problems);
    }
}

#[test]
fn dates_chrono_accepts_but_no_filter_may_are_refused() {
    // chrono reads these; `to + 1 day` on the first one overflowed and dropped the connection.
    for raw in [
        "+262142-12-31",
        "+10000-01-01",
        "-0001-01-01",
        "1899-12-31",
        "2101-01-01",
    ] {
        assert!(raw.parse::<NaiveDate>().is_ok(), "{raw}");
        let e = query::date("to", raw).unwrap_err();
        assert_eq!(
            e.message,
            "Дата «по»: можно указать дату только с 01.01.1900 по 31.12.2100"
        );
    }
    let e = query::date("from", "31.02.2026").unwrap_err();
    assert!(e.message.starts_with("Дата «с»: это не дата"), "{e:?}");
    assert_eq!(query::date("from", "1900-01-01").unwrap(), FIRST_DATE);
    assert_eq!(query::date("to", "2100-12-31").unwrap().year(), 2100);
    assert_eq!(query::opt_date("to", Some("  ")).unwrap(), None);
}

#[test]
fn pages_out_of_range_are_refused() {
    for raw in [
        "0",
        "-1",
        "+5",
        "100001",
        "18446744073709551616",
        "4294967297",
        "1e3",
        "",
        "٣",
    ] {
        let e = query::page(raw).unwrap_err();
        assert_eq!(
            e.message, "Номер страницы: укажите целое число от 1 до 100000",
            "{raw}"
        );
    }
    assert_eq!(query::page(" 100000 ").unwrap(), MAX_PAGE);
    assert_eq!(query::opt_page(None).unwrap(), 1);
    let q = TableQuery::from_query(
        "page=99999999999999&to=%2B262142-12-31&to=+262142-12-31",
        today(),
    );
    assert_eq!((q.page, q.to), (1, None));
    let err = TableQuery::checked_from_query("page=99999999999999", today()).unwrap_err();
    assert_eq!(
        err.get("page"),
        Some("Номер страницы: укажите целое число от 1 до 100000")
    );
}

#[test]
fn request_filters_drop_and_name_bad_values() {
    let (f, problems) = RequestFilter::parse(
        Some("new".into()),
        None,
        None,
        Some("2026-01-01".into()),
        Some("+262142-12-31".into()),
        Some("9223372036854775807".into()),
    );
    assert_eq!(f.from, NaiveDate::from_ymd_opt(2026, 1, 1));
    assert_eq!((f.to, f.page), (None, 1));
    assert_eq!(
        problems
            .0
            .iter()
            .map(|e| e.field.as_str())
            .collect::<Vec<_>>(),
        ["to", "page"]
    );
}
