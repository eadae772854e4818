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
}
