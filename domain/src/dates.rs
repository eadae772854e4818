//! Dates and times as the cabinet shows them: `ДД.ММ.ГГГГ`, Moscow time (UTC+3, no DST since 2014).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Moscow's offset from UTC.
pub fn moscow() -> FixedOffset {
    match FixedOffset::east_opt(3 * 3600) {
        Some(offset) => offset,
        None => unreachable!("3 hours is a valid offset"),
    }
}

pub fn format_date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

pub fn format_datetime(t: DateTime<Utc>) -> String {
    t.with_timezone(&moscow())
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

/// Parses `ДД.ММ.ГГГГ` or the ISO `ГГГГ-ММ-ДД` a date input sends.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("Укажите дату".into());
    }
    NaiveDate::parse_from_str(s, "%d.%m.%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .map_err(|_| "Дата в формате ДД.ММ.ГГГГ, например 01.02.2026".to_string())
}

/// Parses the `ГГГГ-ММ-ДДTЧЧ:ММ` of a `datetime-local` input (or `ДД.ММ.ГГГГ ЧЧ:ММ`) as Moscow
/// time, giving the instant in UTC.
pub fn parse_local_datetime(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("Укажите дату и время".into());
    }
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%d.%m.%Y %H:%M"))
        .map_err(|_| "Дата и время в формате ДД.ММ.ГГГГ ЧЧ:ММ".to_string())?;
    naive
        .and_local_timezone(moscow())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| "Такого времени нет".to_string())
}

/// The `ГГГГ-ММ-ДДTЧЧ:ММ` a `datetime-local` input shows for an instant, in Moscow time.
pub fn to_local_input(t: DateTime<Utc>) -> String {
    t.with_timezone(&moscow())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats_in_moscow_time() {
        let t = Utc.with_ymd_and_hms(2026, 12, 31, 22, 30, 0).single();
        assert_eq!(t.map(format_datetime), Some("01.01.2027 01:30".to_string()));
        let d = NaiveDate::from_ymd_opt(2026, 2, 1);
        assert_eq!(d.map(format_date), Some("01.02.2026".to_string()));
    }

    #[test]
    fn parses_both_formats() {
        assert_eq!(
            parse_date("01.02.2026"),
            Ok(NaiveDate::from_ymd_opt(2026, 2, 1).unwrap_or_default())
        );
        assert_eq!(parse_date("2026-02-01"), parse_date("01.02.2026"));
        assert!(parse_date("31.02.2026").is_err());
    }

    #[test]
    fn local_datetimes_are_moscow_time() {
        let t = parse_local_datetime("2026-11-25T12:30").unwrap();
        assert_eq!(t, Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap());
        assert_eq!(parse_local_datetime("25.11.2026 12:30"), Ok(t));
        assert_eq!(to_local_input(t), "2026-11-25T12:30");
        assert!(parse_local_datetime("2026-13-01T00:00").is_err());
        assert!(parse_local_datetime("").is_err());
    }
}
