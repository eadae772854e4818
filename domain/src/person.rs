//! People's names and passports.

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
    fn passports() {
        assert_eq!(passport("4510123456"), Ok("4510 123456".into()));
        assert_eq!(passport("45 10 123456"), Ok("4510 123456".into()));
        assert!(passport("451012345").is_err());
    }
}
