//! The Russian production calendar and the deadline engine of «Сроки».
//!
//! Working days are Monday–Friday except the non-working days the Government's decree names for
//! the year (holidays of art. 112 ТК РФ plus the days off moved there), and including the
//! Saturdays the decree makes working. The decrees are kept here as data for the supported years;
//! outside them only weekends and the fixed holidays of art. 112 count.
//!
//! Every rule is a pure function: the same date in gives the same deadline out, on the server
//! (the «Сроки» page, reminders, the iCal feed) and in tests.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

/// Years whose decree is in [`NON_WORKING`] and [`WORKING_SATURDAYS`].
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 2025..=2027;

/// Non-working weekdays (holidays and the days off moved onto weekdays), per the decrees:
/// 2025 — постановление № 1335 от 04.10.2024; 2026 — № 1466 от 24.09.2025; 2027 — the
/// holidays of art. 112 ТК РФ with their weekend shifts (update when the decree for 2027 is out).
const NON_WORKING: &[(i32, u32, u32)] = &[
    // 2025
    (2025, 1, 1),
    (2025, 1, 2),
    (2025, 1, 3),
    (2025, 1, 6),
    (2025, 1, 7),
    (2025, 1, 8),
    (2025, 5, 1),
    (2025, 5, 2),
    (2025, 5, 8),
    (2025, 5, 9),
    (2025, 6, 12),
    (2025, 6, 13),
    (2025, 11, 3),
    (2025, 11, 4),
    (2025, 12, 31),
    // 2026
    (2026, 1, 1),
    (2026, 1, 2),
    (2026, 1, 5),
    (2026, 1, 6),
    (2026, 1, 7),
    (2026, 1, 8),
    (2026, 1, 9),
    (2026, 2, 23),
    (2026, 3, 9),
    (2026, 5, 1),
    (2026, 5, 11),
    (2026, 6, 12),
    (2026, 11, 4),
    (2026, 12, 31),
    // 2027
    (2027, 1, 1),
    (2027, 1, 4),
    (2027, 1, 5),
    (2027, 1, 6),
    (2027, 1, 7),
    (2027, 1, 8),
    (2027, 2, 23),
    (2027, 3, 8),
    (2027, 5, 3),
    (2027, 5, 10),
    (2027, 6, 14),
    (2027, 11, 4),
];

/// Saturdays and Sundays the decrees make working days.
const WORKING_SATURDAYS: &[(i32, u32, u32)] = &[(2025, 11, 1)];

/// Holidays of art. 112 ТК РФ, used for years without a decree here.
const FIXED_HOLIDAYS: &[(u32, u32)] = &[
    (1, 1),
    (1, 2),
    (1, 3),
    (1, 4),
    (1, 5),
    (1, 6),
    (1, 7),
    (1, 8),
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
];

fn listed(list: &[(i32, u32, u32)], d: NaiveDate) -> bool {
    list.iter()
        .any(|&(y, m, day)| y == d.year() && m == d.month() && day == d.day())
}

/// Whether people work on `d` under the production calendar.
pub fn is_working_day(d: NaiveDate) -> bool {
    if listed(WORKING_SATURDAYS, d) {
        return true;
    }
    if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        return false;
    }
    if SUPPORTED_YEARS.contains(&d.year()) {
        !listed(NON_WORKING, d)
    } else {
        !FIXED_HOLIDAYS
            .iter()
            .any(|&(m, day)| m == d.month() && day == d.day())
    }
}

/// The `n`-th working day after `from` (`from` itself not counted); `from` when `n` is 0.
pub fn add_working_days(from: NaiveDate, n: u32) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d = d.succ_opt().unwrap_or(d);
        if is_working_day(d) {
            left -= 1;
        }
    }
    d
}

/// `d` if it is a working day, else the next working day.
pub fn next_working_day(d: NaiveDate) -> NaiveDate {
    let mut d = d;
    while !is_working_day(d) {
        d = d.succ_opt().unwrap_or(d);
    }
    d
}

/// Working days in a month (for the calendar's own tests and the page's summary).
pub fn working_days_in_month(year: i32, month: u32) -> u32 {
    let Some(mut d) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return 0;
    };
    let mut n = 0;
    while d.month() == month {
        if is_working_day(d) {
            n += 1;
        }
        d = d.succ_opt().unwrap_or(d);
        if d.day() == 1 {
            break;
        }
    }
    n
}

/// The kinds of deadline SPEC.md §9 and issue 6 name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DeadlineKind {
    /// Notify the insurer of an insured event: within 24 hours of it.
    EventNotice,
    /// The claim: within 5 working days after the documents are received.
    Claim,
    /// The quarterly report: by the 15th of the month after the quarter (the next working day
    /// when the 15th is not one).
    QuarterlyReport,
    /// A compensation or premium request: within 10 working days of receiving all certificates.
    Compensation,
    /// The insurer decides an extension request within 5 working days.
    ExtensionDecision,
}

impl DeadlineKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::EventNotice => "event_notice",
            Self::Claim => "claim",
            Self::QuarterlyReport => "quarterly",
            Self::Compensation => "compensation",
            Self::ExtensionDecision => "extension",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::EventNotice,
            Self::Claim,
            Self::QuarterlyReport,
            Self::Compensation,
            Self::ExtensionDecision,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::EventNotice => "Сообщить о страховом случае",
            Self::Claim => "Подать заявление о страховом случае",
            Self::QuarterlyReport => "Сдать квартальный отчёт",
            Self::Compensation => "Подать заявление о возмещении",
            Self::ExtensionDecision => "Решение по запросу о продлении срока",
        }
    }
}

/// The last moment (UTC) of a whole Moscow day: 23:59:59 МСК.
pub fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(23, 59, 59)
        .and_then(|t| t.and_local_timezone(crate::dates::moscow()).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// Notify of an insured event within 24 hours of it.
pub fn event_notice_due(occurred_at: DateTime<Utc>) -> DateTime<Utc> {
    occurred_at + Duration::hours(24)
}

/// The claim is due by the end of the 5th working day after the documents were received.
pub fn claim_due(documents_received: NaiveDate) -> DateTime<Utc> {
    end_of_day(add_working_days(documents_received, 5))
}

/// The quarter (1–4) a date is in.
pub fn quarter_of(d: NaiveDate) -> u32 {
    (d.month() - 1) / 3 + 1
}

/// The quarterly report of (`year`, `quarter`) is due on the 15th of the month after the
/// quarter, moved to the next working day when the 15th is not one.
pub fn quarterly_report_due(year: i32, quarter: u32) -> NaiveDate {
    let (y, m) = if quarter >= 4 {
        (year + 1, 1)
    } else {
        (year, quarter * 3 + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 15)
        .map(next_working_day)
        .unwrap_or_default()
}

/// A compensation/premium request is due 10 working days after all certificates are received.
pub fn compensation_due(certificates_received: NaiveDate) -> DateTime<Utc> {
    end_of_day(add_working_days(certificates_received, 10))
}

/// The insurer decides an extension request within 5 working days of it.
pub fn extension_decision_due(requested_on: NaiveDate) -> DateTime<Utc> {
    end_of_day(add_working_days(requested_on, 5))
}

/// The quarterly reports still to come on `today` or later, the next `count` of them, as
/// (year, quarter, due date).
pub fn next_quarterly_reports(today: NaiveDate, count: usize) -> Vec<(i32, u32, NaiveDate)> {
    let mut y = today.year();
    let mut q = quarter_of(today);
    // The report of the previous quarter may still be due this month.
    if q == 1 {
        y -= 1;
        q = 4;
    } else {
        q -= 1;
    }
    let mut out = Vec::new();
    while out.len() < count {
        let due = quarterly_report_due(y, q);
        if due >= today {
            out.push((y, q, due));
        }
        if q == 4 {
            y += 1;
            q = 1;
        } else {
            q += 1;
        }
    }
    out
}

/// When the reminders of a deadline go out: 3 days and 1 day before it.
pub fn reminder_times(due: DateTime<Utc>) -> [(u8, DateTime<Utc>); 2] {
    [(3, due - Duration::days(3)), (1, due - Duration::days(1))]
}

/// One deadline on «Сроки».
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeadlineRow {
    /// Stable within the policyholder: `quarterly:2026-4`, `claim:<event id>`.
    pub key: String,
    pub kind: String,
    pub title: String,
    pub due_at: DateTime<Utc>,
    /// The due moment has passed.
    pub missed: bool,
    pub extension: Option<ExtensionRow>,
    /// Where in the cabinet it is done (a draft to send), if somewhere particular.
    #[serde(default)]
    pub link: Option<String>,
}

impl DeadlineRow {
    pub fn kind_label(&self) -> &'static str {
        DeadlineKind::from_code(&self.kind).map_or("Срок", DeadlineKind::label)
    }

    /// Whether reminders 3 days and 1 day before make sense: not for the 24-hour notice of an
    /// insured event (its whole window is shorter than the first reminder's lead).
    pub fn reminded(&self) -> bool {
        self.kind != DeadlineKind::EventNotice.code()
    }

    /// The deadline in force: an approved extension's new date, else the rule's.
    pub fn effective_due(&self) -> DateTime<Utc> {
        self.extension
            .as_ref()
            .and_then(|e| (e.status == "approved").then_some(e.new_due_at).flatten())
            .unwrap_or(self.due_at)
    }
}

/// A request to extend a missed deadline and the insurer's decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ExtensionRow {
    pub id: String,
    pub number: String,
    pub deadline_key: String,
    pub title: String,
    pub policyholder: String,
    pub reasons: String,
    /// `pending`, `approved`, `rejected`.
    pub status: String,
    pub new_due_at: Option<DateTime<Utc>>,
    pub decision_due_at: DateTime<Utc>,
    pub staff_comment: String,
    pub created_at: DateTime<Utc>,
    /// The documents sent with the reasons.
    #[serde(default)]
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub files: Vec<crate::files::Attachment>,
}

impl ExtensionRow {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "approved" => "Продление одобрено",
            "rejected" => "В продлении отказано",
            _ => "Запрос на рассмотрении",
        }
    }
}

/// The reasons of an extension request: 10 to 2000 characters.
pub fn extension_reasons(input: &str) -> Result<String, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("Укажите причины, по которым срок пропущен".into());
    }
    let n = s.chars().count();
    if n < 10 {
        return Err("Причины: не меньше 10 символов".into());
    }
    if n > 2000 {
        return Err("Причины: не больше 2000 символов".into());
    }
    Ok(s.to_string())
}

/// The documents sent with an extension request: none is fine (a reason may have no paper),
/// at most [`crate::files::MAX_FILES`]; each id once, in the order added.
pub fn extension_files(ids: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        if !out.iter().any(|o| o == id) {
            out.push(id.to_string());
        }
    }
    if out.len() > crate::files::MAX_FILES {
        return Err(format!(
            "Документы: не больше {} файлов",
            crate::files::MAX_FILES
        ));
    }
    Ok(out)
}

/// An iCalendar (RFC 5545) text escaped for a TEXT value.
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// The deadlines as an iCalendar feed: one event per deadline at its due moment, with alarms
/// 3 days and 1 day before. `stamp` is the feed's DTSTAMP.
pub fn ical(name: &str, rows: &[DeadlineRow], stamp: DateTime<Utc>) -> String {
    let fmt = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kabinet strakhovatelya//Sroki//RU\r\nCALSCALE:GREGORIAN\r\n",
    );
    out.push_str(&format!("X-WR-CALNAME:{}\r\n", ics_text(name)));
    for r in rows {
        let due = r.effective_due();
        out.push_str("BEGIN:VEVENT\r\n");
        out.push_str(&format!("UID:{}@kabinet\r\n", ics_text(&r.key)));
        out.push_str(&format!("DTSTAMP:{}\r\n", fmt(stamp)));
        out.push_str(&format!("DTSTART:{}\r\n", fmt(due)));
        out.push_str(&format!("DTEND:{}\r\n", fmt(due)));
        out.push_str(&format!("SUMMARY:{}\r\n", ics_text(&r.title)));
        for days in [3, 1] {
            out.push_str(&format!(
                "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:{}\r\nTRIGGER:-P{days}D\r\nEND:VALARM\r\n",
                ics_text(&r.title)
            ));
        }
        out.push_str("END:VEVENT\r\n");
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn working_days_per_month_match_the_decrees() {
        // 2025: 247 working days; January 17, May 18, November 19 (with Saturday 1.11 working).
        let y2025: u32 = (1..=12).map(|m| working_days_in_month(2025, m)).sum();
        assert_eq!(y2025, 247);
        assert_eq!(working_days_in_month(2025, 1), 17);
        assert_eq!(working_days_in_month(2025, 5), 18);
        assert_eq!(working_days_in_month(2025, 11), 19);
        // 2026: 247 working days; January 15, March 21, May 19.
        let y2026: u32 = (1..=12).map(|m| working_days_in_month(2026, m)).sum();
        assert_eq!(y2026, 247);
        assert_eq!(working_days_in_month(2026, 1), 15);
        assert_eq!(working_days_in_month(2026, 3), 21);
        assert_eq!(working_days_in_month(2026, 5), 19);
    }

    #[test]
    fn holidays_weekends_and_transfers() {
        assert!(
            !is_working_day(d(2026, 1, 9)),
            "9 Jan 2026 is a transferred day off"
        );
        assert!(is_working_day(d(2026, 1, 12)));
        assert!(
            !is_working_day(d(2026, 3, 9)),
            "8 March on a Sunday moves to Monday"
        );
        assert!(
            is_working_day(d(2025, 11, 1)),
            "Saturday 1 Nov 2025 was a working day"
        );
        assert!(!is_working_day(d(2025, 11, 3)));
        assert!(!is_working_day(d(2026, 11, 28)), "a plain Saturday");
        assert!(is_working_day(d(2026, 11, 27)));
        // Outside the supported years only weekends and the fixed holidays count.
        assert!(!is_working_day(d(2030, 1, 3)));
        assert!(!is_working_day(d(2030, 6, 12)));
        assert!(is_working_day(d(2030, 6, 13)));
    }

    #[test]
    fn a_claim_deadline_crosses_the_new_year_holidays() {
        // Documents on Tuesday 29.12.2026: working days after it are 30.12, then 11.01 (31.12 and
        // 1–10.01 are days off) → 11, 12, 13, 14.01: the fifth is Thursday 14.01.2027.
        assert_eq!(add_working_days(d(2026, 12, 29), 5), d(2027, 1, 14));
        let due = claim_due(d(2026, 12, 29));
        assert_eq!(
            due,
            Utc.with_ymd_and_hms(2027, 1, 14, 20, 59, 59).unwrap(),
            "23:59:59 Moscow time"
        );
        // An ordinary week: Monday + 5 working days is next Monday.
        assert_eq!(add_working_days(d(2026, 11, 23), 5), d(2026, 11, 30));
        assert_eq!(add_working_days(d(2026, 11, 23), 0), d(2026, 11, 23));
    }

    #[test]
    fn compensation_and_extension_deadlines() {
        // 10 working days from Friday 24.04.2026 skip 1.05 and 11.05.
        assert_eq!(
            compensation_due(d(2026, 4, 24)).date_naive(),
            d(2026, 5, 12)
        );
        assert_eq!(
            extension_decision_due(d(2026, 11, 26)).date_naive(),
            d(2026, 12, 3)
        );
    }

    #[test]
    fn event_notice_within_24_hours() {
        let t = Utc.with_ymd_and_hms(2026, 12, 31, 10, 0, 0).unwrap();
        assert_eq!(
            event_notice_due(t),
            Utc.with_ymd_and_hms(2027, 1, 1, 10, 0, 0).unwrap(),
            "calendar hours, holidays or not"
        );
    }

    #[test]
    fn quarterly_reports_by_the_15th_or_the_next_working_day() {
        // Q4 2025 → 15.01.2026, a Thursday.
        assert_eq!(quarterly_report_due(2025, 4), d(2026, 1, 15));
        // Q1 2026 → 15.04.2026, Wednesday.
        assert_eq!(quarterly_report_due(2026, 1), d(2026, 4, 15));
        // Q2 2026 → 15.07.2026, Wednesday; Q3 2026 → 15.10.2026, Thursday.
        assert_eq!(quarterly_report_due(2026, 2), d(2026, 7, 15));
        // Q1 2027 → 15.04.2027 Thursday; Q2 2025 → 15.07.2025; Q4 2026 → 15.01.2027 Friday.
        assert_eq!(quarterly_report_due(2026, 4), d(2027, 1, 15));
        // A 15th on a Saturday moves to Monday: 15.11.2025 is no quarter's, but 15.01.2028 is
        // a Saturday → 17.01.2028 (outside the decrees: weekends only).
        assert_eq!(quarterly_report_due(2027, 4), d(2028, 1, 17));
        let next = next_quarterly_reports(d(2026, 11, 26), 2);
        assert_eq!(
            next,
            vec![(2026, 4, d(2027, 1, 15)), (2027, 1, d(2027, 4, 15))]
        );
        // On 10 January the previous quarter's report is still to come.
        assert_eq!(
            next_quarterly_reports(d(2027, 1, 10), 1),
            vec![(2026, 4, d(2027, 1, 15))]
        );
        assert_eq!(quarter_of(d(2026, 12, 31)), 4);
    }

    #[test]
    fn reminders_three_days_and_one_day_before() {
        let due = Utc.with_ymd_and_hms(2026, 12, 10, 20, 59, 59).unwrap();
        let [(a, at3), (b, at1)] = reminder_times(due);
        assert_eq!((a, b), (3, 1));
        assert_eq!(at3, Utc.with_ymd_and_hms(2026, 12, 7, 20, 59, 59).unwrap());
        assert_eq!(at1, Utc.with_ymd_and_hms(2026, 12, 9, 20, 59, 59).unwrap());
    }

    #[test]
    fn extension_reasons_and_the_ical_feed() {
        assert!(
            extension_reasons("")
                .unwrap_err()
                .starts_with("Укажите причины")
        );
        assert!(
            extension_reasons("болел")
                .unwrap_err()
                .contains("не меньше 10")
        );
        assert_eq!(
            extension_reasons("  Болел, справка прилагается "),
            Ok("Болел, справка прилагается".into())
        );
        let due = Utc.with_ymd_and_hms(2027, 1, 15, 20, 59, 59).unwrap();
        let row = DeadlineRow {
            key: "quarterly:2026-4".into(),
            kind: "quarterly".into(),
            title: "Квартальный отчёт за 4 квартал 2026, срок; важно".into(),
            due_at: due,
            missed: false,
            extension: None,
            link: None,
        };
        let ics = ical(
            "Сроки",
            &[row],
            Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap(),
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.contains("DTSTART:20270115T205959Z\r\n"));
        assert!(ics.contains("SUMMARY:Квартальный отчёт за 4 квартал 2026\\, срок\\; важно\r\n"));
        assert_eq!(ics.matches("TRIGGER:-P3D").count(), 1);
        assert_eq!(ics.matches("TRIGGER:-P1D").count(), 1);
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn kinds_round_trip() {
        for k in [
            DeadlineKind::EventNotice,
            DeadlineKind::Claim,
            DeadlineKind::QuarterlyReport,
            DeadlineKind::Compensation,
            DeadlineKind::ExtensionDecision,
        ] {
            assert_eq!(DeadlineKind::from_code(k.code()), Some(k));
        }
        assert_eq!(DeadlineKind::from_code("x"), None);
    }
}
