//! Russian identifiers with published check digits: ИНН (10 and 12 digits), СНИЛС, ОГРН, ОГРНИП;
//! phone numbers and e-mail addresses. Every check returns the normalised value or a Russian message.

fn digits_only(s: &str) -> Option<Vec<u32>> {
    s.chars().map(|c| c.to_digit(10)).collect()
}

/// Removes spaces and dashes people type inside numbers.
fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

fn weighted(d: &[u32], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(a, b)| a * b).sum::<u32>() % 11 % 10
}

/// Which kind of ИНН a valid number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InnKind {
    /// 10 digits: an organisation.
    Organisation,
    /// 12 digits: a person or an individual entrepreneur.
    Person,
}

/// Checks an ИНН of 10 or 12 digits and returns it without spaces.
pub fn inn(input: &str) -> Result<(String, InnKind), String> {
    let s = compact(input);
    if s.is_empty() {
        return Err("Укажите ИНН".into());
    }
    let d = digits_only(&s).ok_or("ИНН состоит только из цифр")?;
    match d.len() {
        10 => {
            if weighted(&d[..9], &[2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[9] {
                Ok((s, InnKind::Organisation))
            } else {
                Err("ИНН введён с ошибкой: не сходится контрольная цифра".into())
            }
        }
        12 => {
            let c11 = weighted(&d[..10], &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]);
            let c12 = weighted(&d[..11], &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]);
            if c11 == d[10] && c12 == d[11] {
                Ok((s, InnKind::Person))
            } else {
                Err("ИНН введён с ошибкой: не сходятся контрольные цифры".into())
            }
        }
        _ => Err("ИНН содержит 10 цифр (организация) или 12 цифр (физическое лицо)".into()),
    }
}

/// The СНИЛС check number of the first nine digits.
pub fn snils_checksum(first9: &[u32]) -> u32 {
    let sum: u32 = first9.iter().zip((1..=9).rev()).map(|(d, w)| d * w).sum();
    match sum {
        s if s < 100 => s,
        100 | 101 => 0,
        s => {
            let r = s % 101;
            if r == 100 { 0 } else { r }
        }
    }
}

/// Checks a СНИЛС (11 digits, typed with or without `-` and spaces); returns the 11 digits.
pub fn snils(input: &str) -> Result<String, String> {
    let s = compact(input);
    if s.is_empty() {
        return Err("Укажите СНИЛС".into());
    }
    let d = digits_only(&s).ok_or("СНИЛС состоит только из цифр")?;
    if d.len() != 11 {
        return Err("СНИЛС содержит 11 цифр".into());
    }
    let number: u32 = d[..9].iter().fold(0, |acc, x| acc * 10 + x);
    // Check digits are defined only for numbers above 001-001-998.
    if number > 1_001_998 && snils_checksum(&d[..9]) != d[9] * 10 + d[10] {
        return Err("СНИЛС введён с ошибкой: не сходится контрольное число".into());
    }
    Ok(s)
}

/// Shows a СНИЛС as `123-456-789 01`.
pub fn format_snils(s: &str) -> String {
    if s.len() == 11 && s.is_ascii() {
        format!("{}-{}-{} {}", &s[0..3], &s[3..6], &s[6..9], &s[9..11])
    } else {
        s.to_string()
    }
}

fn mod_check(d: &[u32], modulus: u64) -> u32 {
    let n = d.iter().fold(0u64, |acc, x| acc * 10 + u64::from(*x));
    (n % modulus % 10) as u32
}

/// Checks an ОГРН (13 digits).
pub fn ogrn(input: &str) -> Result<String, String> {
    let s = compact(input);
    let d = digits_only(&s).ok_or("ОГРН состоит только из цифр")?;
    if d.len() != 13 {
        return Err("ОГРН содержит 13 цифр".into());
    }
    if mod_check(&d[..12], 11) != d[12] {
        return Err("ОГРН введён с ошибкой: не сходится контрольная цифра".into());
    }
    Ok(s)
}

/// Checks an ОГРНИП (15 digits).
pub fn ogrnip(input: &str) -> Result<String, String> {
    let s = compact(input);
    let d = digits_only(&s).ok_or("ОГРНИП состоит только из цифр")?;
    if d.len() != 15 {
        return Err("ОГРНИП содержит 15 цифр".into());
    }
    if mod_check(&d[..14], 13) != d[14] {
        return Err("ОГРНИП введён с ошибкой: не сходится контрольная цифра".into());
    }
    Ok(s)
}

/// Normalises a Russian mobile or landline number to `+7XXXXXXXXXX`.
pub fn phone(input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err("Укажите номер телефона".into());
    }
    if trimmed
        .chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '\u{a0}')))
    {
        return Err(
            "Номер телефона может содержать только цифры, пробелы, скобки, «+» и «-»".into(),
        );
    }
    let digits: String = trimmed.chars().filter(|c| c.is_ascii_digit()).collect();
    let plus = trimmed.starts_with('+');
    let national = match (plus, digits.len()) {
        (true, 11) if digits.starts_with('7') => &digits[1..],
        (false, 11) if digits.starts_with('7') || digits.starts_with('8') => &digits[1..],
        (false, 10) => &digits[..],
        _ => return Err("Номер телефона: 10 цифр после +7, например +7 912 345-67-89".into()),
    };
    if !matches!(national.as_bytes().first(), Some(b'3'..=b'9')) {
        return Err("Номер телефона: такого кода нет, проверьте первые цифры после +7".into());
    }
    Ok(format!("+7{national}"))
}

/// Shows `+79123456789` as `+7 912 345-67-89`.
pub fn format_phone(p: &str) -> String {
    if p.len() == 12 && p.starts_with("+7") && p.is_ascii() {
        format!("+7 {} {}-{}-{}", &p[2..5], &p[5..8], &p[8..10], &p[10..12])
    } else {
        p.to_string()
    }
}

/// Checks an e-mail address's syntax and returns it lower-cased.
pub fn email(input: &str) -> Result<String, String> {
    let s = input.trim().to_lowercase();
    if s.is_empty() {
        return Err("Укажите адрес электронной почты".into());
    }
    let bad = || Err("Адрес электронной почты выглядит так: name@example.ru".to_string());
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad();
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return bad();
    };
    if local.is_empty()
        || local.len() > 64
        || local.contains('@')
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
    {
        return bad();
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels.iter().any(|l| {
            l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
    {
        return bad();
    }
    Ok(s)
}

/// What a login field holds: the four ways to log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginId {
    Email(String),
    Phone(String),
    Snils(String),
    Inn(String),
}

/// Reads the login field: an e-mail, a phone, a СНИЛС or an ИНН.
pub fn login_id(input: &str) -> Result<LoginId, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("Укажите e-mail, телефон, СНИЛС или ИНН".into());
    }
    if s.contains('@') {
        return email(s).map(LoginId::Email);
    }
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let only_number_chars = s
        .chars()
        .all(|c| c.is_ascii_digit() || " -()+\u{a0}".contains(c));
    if !only_number_chars {
        return Err("Укажите e-mail, телефон, СНИЛС или ИНН".into());
    }
    if s.starts_with('+')
        || (digits.len() == 11 && (s.starts_with('8') || s.starts_with('7')) && snils(s).is_err())
    {
        return phone(s).map(LoginId::Phone);
    }
    match digits.len() {
        11 => snils(s).map(LoginId::Snils),
        10 | 12 => inn(s).map(|(v, _)| LoginId::Inn(v)),
        _ => Err("Не удалось распознать e-mail, телефон, СНИЛС или ИНН".into()),
    }
}

/// Reads a Russian passport's series and number: 10 digits, typed with or without spaces;
/// answers `4510 123456`. The series' first two digits are a region code (never `00`) and the
/// next two the last digits of the year of issue.
pub fn passport(input: &str) -> Result<String, String> {
    let d: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if d.is_empty() {
        return Err("Укажите серию и номер паспорта".into());
    }
    if d.len() != 10 || !d.chars().all(|c| c.is_ascii_digit()) {
        return Err("Серия и номер паспорта — 10 цифр, например 4510 123456".into());
    }
    if &d[..2] == "00" {
        return Err("Такой серии паспорта не бывает: первые две цифры — код региона".into());
    }
    Ok(format!("{} {}", &d[..4], &d[4..]))
}

/// A passport with the number hidden: `45 10 ******`.
pub fn mask_passport(p: &str) -> String {
    match p.split_once(' ') {
        Some((series, _)) if series.len() == 4 => {
            format!("{} {} ******", &series[..2], &series[2..])
        }
        _ => "***".into(),
    }
}

/// What a file really is, by its first bytes (never by its name): `application/pdf`,
/// `image/jpeg` or `image/png`.
pub fn sniff_file(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// A contact with most of it hidden, for messages and the change history: `pe***@example.ru`,
/// `+7 *** ***-01-01`.
pub fn mask_contact(s: &str) -> String {
    if let Some((local, domain)) = s.split_once('@') {
        let first: String = local.chars().take(2).collect();
        format!("{first}***@{domain}")
    } else if s.len() == 12 && s.is_ascii() {
        format!("+7 *** ***-{}-{}", &s[8..10], &s[10..12])
    } else {
        "***".into()
    }
}

/// An ИНН with all but the last four digits hidden: `********2259`.
pub fn mask_inn(s: &str) -> String {
    mask_digits(s, 4)
}

/// A СНИЛС with all but the last four digits hidden: `***-***-*45 95`.
pub fn mask_snils(s: &str) -> String {
    let masked = mask_digits(s, 4);
    format_snils(&masked)
}

fn mask_digits(s: &str, keep: usize) -> String {
    let n = s.chars().count();
    s.chars()
        .enumerate()
        .map(|(i, c)| if i + keep < n { '*' } else { c })
        .collect()
}

/// Reads a contact to reach a person: an e-mail (lower-cased) or a phone (`+7XXXXXXXXXX`).
pub fn contact(input: &str) -> Result<(crate::status::Channel, String), String> {
    use crate::status::Channel;
    let s = input.trim();
    if s.is_empty() {
        return Err("Укажите e-mail или номер телефона".into());
    }
    if s.contains('@') {
        return email(s).map(|e| (Channel::Email, e));
    }
    if s.chars().any(|c| c.is_ascii_digit()) {
        return phone(s).map(|p| (Channel::Sms, p));
    }
    Err("Укажите e-mail (name@example.ru) или номер телефона (+7 912 345-67-89)".into())
}

/// Reads a policy number as printed on the policy, e.g. `IMU-2024-0007919`: letters, digits,
/// dashes and slashes, 5 to 40 characters; answers it in capitals without spaces.
pub fn policy_number(input: &str) -> Result<String, String> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    if s.is_empty() {
        return Err("Укажите номер полиса".into());
    }
    if !s
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '/')
    {
        return Err(
            "Номер полиса состоит из букв, цифр и дефисов, например IMU-2024-0007919".into(),
        );
    }
    let n = s.chars().count();
    if !(5..=40).contains(&n) {
        return Err("Номер полиса: от 5 до 40 знаков, например IMU-2024-0007919".into());
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inn_valid_and_invalid() {
        assert_eq!(
            inn("7707083893"),
            Ok(("7707083893".into(), InnKind::Organisation))
        );
        assert_eq!(inn("500100732259").map(|x| x.1), Ok(InnKind::Person));
        assert_eq!(inn(" 7707 083893 ").map(|x| x.0), Ok("7707083893".into()));
        assert!(inn("7707083894").unwrap_err().contains("контрольная"));
        assert!(inn("500100732258").unwrap_err().contains("контрольные"));
        assert!(inn("12345").unwrap_err().contains("10 цифр"));
        assert!(inn("77070838a3").unwrap_err().contains("только из цифр"));
        assert_eq!(inn(""), Err("Укажите ИНН".into()));
    }

    #[test]
    fn snils_valid_and_invalid() {
        assert_eq!(snils("112-233-445 95"), Ok("11223344595".into()));
        assert!(snils("112-233-445 96").unwrap_err().contains("контрольное"));
        assert!(snils("1122334459").unwrap_err().contains("11 цифр"));
        // Numbers up to 001-001-998 carry no checksum.
        assert!(snils("001-001-998 00").is_ok());
        assert_eq!(format_snils("11223344595"), "112-233-445 95");
    }

    #[test]
    fn snils_checksum_edge_cases() {
        // sum == 100 or 101 → 00; sum mod 101 == 100 → 00
        for n in [100_000_000u32, 123_456_789, 999_999_999] {
            let d: Vec<u32> = format!("{n:09}")
                .chars()
                .filter_map(|c| c.to_digit(10))
                .collect();
            assert!(snils_checksum(&d) < 100);
        }
    }

    #[test]
    fn ogrn_and_ogrnip() {
        assert_eq!(ogrn("1027700132195"), Ok("1027700132195".into()));
        assert!(ogrn("1027700132194").is_err());
        assert_eq!(ogrnip("304500116000157"), Ok("304500116000157".into()));
        assert!(ogrnip("304500116000158").is_err());
    }

    #[test]
    fn phones_normalise() {
        for p in [
            "+7 912 345-67-89",
            "89123456789",
            "8 (912) 345 67 89",
            "79123456789",
            "9123456789",
        ] {
            assert_eq!(phone(p), Ok("+79123456789".into()), "{p}");
        }
        assert!(phone("+1 912 345 67 89").is_err());
        assert!(phone("12345").is_err());
        assert!(phone("+7 012 345-67-89").is_err());
        assert!(phone("+7 912 abc").unwrap_err().contains("только цифры"));
        assert_eq!(format_phone("+79123456789"), "+7 912 345-67-89");
    }

    #[test]
    fn emails() {
        assert_eq!(
            email(" Ivan.Petrov@Example.RU "),
            Ok("ivan.petrov@example.ru".into())
        );
        assert!(email("ivan@почта.рф").is_ok());
        for bad in [
            "ivan",
            "ivan@",
            "@example.ru",
            "ivan@example",
            "iv an@example.ru",
            "ivan@@example.ru",
            "ivan@-x.ru",
            ".ivan@example.ru",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn login_ids() {
        assert_eq!(
            login_id("demo@example.ru"),
            Ok(LoginId::Email("demo@example.ru".into()))
        );
        assert_eq!(
            login_id("+7 912 345-67-89"),
            Ok(LoginId::Phone("+79123456789".into()))
        );
        assert_eq!(
            login_id("89123456789"),
            Ok(LoginId::Phone("+79123456789".into()))
        );
        assert_eq!(
            login_id("112-233-445 95"),
            Ok(LoginId::Snils("11223344595".into()))
        );
        assert_eq!(
            login_id("7707083893"),
            Ok(LoginId::Inn("7707083893".into()))
        );
        assert!(login_id("привет").is_err());
    }

    #[test]
    fn masks_contacts_and_policy_numbers() {
        use crate::status::Channel;
        assert_eq!(mask_inn("500100732259"), "********2259");
        assert_eq!(mask_snils("11223344595"), "***-***-*45 95");
        assert_eq!(
            contact(" Ivan@Example.ru "),
            Ok((Channel::Email, "ivan@example.ru".into()))
        );
        assert_eq!(
            contact("8 912 345-67-89"),
            Ok((Channel::Sms, "+79123456789".into()))
        );
        assert!(contact("").is_err());
        assert!(contact("почта").is_err());
        assert_eq!(
            policy_number(" imu-2024-0007919 "),
            Ok("IMU-2024-0007919".into())
        );
        assert!(policy_number("").is_err());
        assert!(policy_number("IMU;DROP").is_err());
        assert!(policy_number("1-2").is_err());
    }

    #[test]
    fn passports_and_files() {
        assert_eq!(passport("4510 123456"), Ok("4510 123456".into()));
        assert_eq!(passport("4510123456"), Ok("4510 123456".into()));
        assert!(passport("0010 123456").is_err());
        assert!(passport("4510 12345").is_err());
        assert_eq!(mask_passport("4510 123456"), "45 10 ******");
        assert_eq!(sniff_file(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff_file(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_file(b"MZ\x90\x00"), None);
    }
}
