//! Password policy: at least 8 characters, upper- and lower-case letters, digits and a special
//! character (anything but a letter or a digit: `-`, `!`, a space…), up to 128 characters (long
//! passphrases welcome), and not one of the passwords everybody tries first. Registration, «Забыли
//! пароль», the access-recovery link and «Сменить пароль» all check it through [`check`].

pub const MIN_LEN: usize = 8;

/// The policy in a sentence, for the hint under a new password's field.
pub const HINT: &str = "Не меньше 8 символов: строчные и заглавные буквы, цифры и хотя бы один специальный символ (например, - ! ? %). Можно длинную фразу, до 128 символов.";
pub const MAX_LEN: usize = 128;

/// Common and leaked passwords, one a line, compared without regard to case.
const COMMON: &str = include_str!("common_passwords.txt");

pub fn is_common(password: &str) -> bool {
    let p = password.to_lowercase();
    COMMON
        .lines()
        .map(str::trim)
        .any(|c| !c.is_empty() && c == p)
}

/// Checks a new password against the policy.
pub fn check(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n == 0 {
        return Err("Придумайте пароль".into());
    }
    if n < MIN_LEN {
        return Err(format!(
            "Пароль слишком короткий: нужно не меньше {MIN_LEN} символов"
        ));
    }
    if n > MAX_LEN {
        return Err(format!(
            "Пароль слишком длинный: не больше {MAX_LEN} символов"
        ));
    }
    let lower = password.chars().any(char::is_lowercase);
    let upper = password.chars().any(char::is_uppercase);
    let digit = password.chars().any(|c| c.is_ascii_digit());
    if !(lower && upper && digit) {
        return Err("Пароль должен содержать строчные и заглавные буквы и цифры".into());
    }
    if password.chars().all(char::is_alphanumeric) {
        return Err(
            "Пароль должен содержать хотя бы один специальный символ, например - ! ? % или пробел"
                .into(),
        );
    }
    if is_common(password) {
        return Err(
            "Этот пароль слишком распространён, его легко подобрать. Придумайте другой".into(),
        );
    }
    Ok(())
}

/// A new password typed twice, as a form's `password` and `password2` fields.
pub fn check_new(errors: &mut crate::FieldErrors, password: &str, repeat: &str) {
    errors.check("password", check(password));
    errors.check("password2", check_repeat(password, repeat));
}

/// Checks the repeated password.
pub fn check_repeat(password: &str, repeat: &str) -> Result<(), String> {
    if repeat.is_empty() {
        Err("Повторите пароль".into())
    } else if password != repeat {
        Err("Пароли не совпадают".into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_good_passwords() {
        assert!(check("Kabinet-2026").is_ok());
        assert!(check("Зима-2026-Снег").is_ok());
        assert!(check("Pr0stoy-Parol").is_ok());
        let long = format!("Correct horse battery staple 1 {}", "x".repeat(60));
        assert!(long.chars().count() > 64);
        assert!(check(&long).is_ok());
    }

    #[test]
    fn rejects_bad_passwords() {
        assert!(check("").is_err());
        assert!(check("Ab1").unwrap_err().contains("короткий"));
        assert!(check("abcdefgh1").unwrap_err().contains("заглавные"));
        assert!(check("ABCDEFGH1").unwrap_err().contains("строчные"));
        assert!(check("Abcdefghi").unwrap_err().contains("цифры"));
        assert!(
            check("Password1")
                .unwrap_err()
                .contains("специальный символ")
        );
        assert!(
            check("Зима2026Снег")
                .unwrap_err()
                .contains("специальный символ")
        );
        assert!(check("Qwerty123!").unwrap_err().contains("распространён"));
        assert!(check(&"Aa1-".repeat(40)).unwrap_err().contains("длинный"));
    }

    #[test]
    fn repeat_must_match() {
        assert!(check_repeat("Kabinet-2026", "Kabinet-2026").is_ok());
        assert_eq!(
            check_repeat("Kabinet-2026", "Kabinet-2025"),
            Err("Пароли не совпадают".into())
        );
    }
}
