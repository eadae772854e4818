//! People's names, birth dates and passports.

use chrono::{Datelike, NaiveDate};

/// Checks an ФИО: two to four words of letters (Cyrillic or Latin), hyphens and apostrophes allowed.
/// Returns it with single spaces.
pub fn full_name(input: &str) -> Result<String, String> {
    let words: Vec<&str> = input.split_whitespace().collect();
    if words.is_empty() {
        return Err("Укажите фамилию, имя и отчество".into());
    }
    if words.len() < 2 {
        return Err("Укажите фамилию и имя (и отчество, если есть)".into());
    }
    if words.len() > 5 {
        return Err("ФИО: не больше пяти слов".into());
    }
    let ok = words.iter().all(|w| {
        w.chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '’')
            && w.chars().next().is_some_and(char::is_alphabetic)
    });
    if !ok {
        return Err("ФИО может содержать только буквы, дефис и апостроф".into());
    }
    let joined = words.join(" ");
    if joined.chars().count() > 150 {
        return Err("ФИО слишком длинное: не больше 150 символов".into());
    }
    Ok(joined)
}

/// Checks a Russian passport: series of 4 digits and number of 6 digits; returns `1234 567890`.
pub fn passport(input: &str) -> Result<String, String> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Err("Укажите серию и номер паспорта".into());
    }
    if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("Паспорт: серия из 4 цифр и номер из 6 цифр, например 4510 123456".into());
    }
    Ok(format!("{} {}", &digits[..4], &digits[4..]))
}

/// Checks a birth date (`ДД.ММ.ГГГГ` or the ISO date of a date input): a real day, not after
/// `today` and not before 1900.
pub fn birth_date(input: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    if input.trim().is_empty() {
        return Err("Укажите дату рождения".into());
    }
    let d = crate::dates::parse_date(input)
        .map_err(|_| "Дата рождения в формате ДД.ММ.ГГГГ, например 14.03.1985".to_string())?;
    if d > today {
        return Err("Дата рождения не может быть позже сегодняшнего дня".into());
    }
    if d.year() < 1900 {
        return Err("Дата рождения: проверьте год, он раньше 1900".into());
    }
    Ok(d)
}

/// Whole years between `birth` and `on`.
pub fn age(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// A birth date with the day and month hidden: `**.**.1985`.
pub fn mask_birth_date(d: NaiveDate) -> String {
    format!("**.**.{}", d.year())
}

/// Two spellings of a name that are the same name: letter case, «ё» and spacing aside.
pub fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
            .replace('ё', "е")
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            full_name("  Иванов   Иван Иванович "),
            Ok("Иванов Иван Иванович".into())
        );
        assert!(full_name("Римский-Корсаков Николай").is_ok());
        assert!(full_name("Иванов").is_err());
        assert!(full_name("Иванов 1ван").is_err());
        assert!(full_name("").is_err());
    }

    #[test]
    fn birth_dates() {
        let today = NaiveDate::from_ymd_opt(2026, 5, 20).unwrap_or_default();
        assert_eq!(
            birth_date("14.03.1985", today),
            NaiveDate::from_ymd_opt(1985, 3, 14).ok_or_else(String::new)
        );
        assert_eq!(
            birth_date("1985-03-14", today),
            birth_date("14.03.1985", today)
        );
        assert!(
            birth_date("", today)
                .unwrap_err()
                .contains("Укажите дату рождения")
        );
        assert!(
            birth_date("31.02.1985", today)
                .unwrap_err()
                .contains("Дата рождения")
        );
        assert!(
            birth_date("21.05.2026", today)
                .unwrap_err()
                .contains("позже")
        );
        assert!(
            birth_date("01.01.1899", today)
                .unwrap_err()
                .contains("1900")
        );
        let b = NaiveDate::from_ymd_opt(2000, 5, 21).unwrap_or_default();
        assert_eq!(age(b, today), 25);
        assert_eq!(mask_birth_date(b), "**.**.2000");
        assert!(same_name("Иванов  Пётр", "иванов петр"));
        assert!(!same_name("Иванов Пётр", "Иванов Павел"));
    }

    #[test]
    fn passports() {
        assert_eq!(passport("4510123456"), Ok("4510 123456".into()));
        assert_eq!(passport("45 10 123456"), Ok("4510 123456".into()));
        assert!(passport("451012345").is_err());
    }
}
