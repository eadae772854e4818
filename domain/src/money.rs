//! Money as integer kopecks. Never floats.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount in kopecks (1/100 of a rouble).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
pub struct Money(pub i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_rubles(rubles: i64) -> Self {
        Money(rubles * 100)
    }

    pub fn kopecks(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }
}

impl Money {
    /// Parses what a person types as a rouble amount: `1234`, `1 234,56`, `1234.5`, `1 234,56 ₽`.
    /// At most two digits of kopecks; never through floats.
    pub fn parse_rubles(input: &str) -> Result<Money, String> {
        let cleaned: String = input
            .trim()
            .trim_end_matches('₽')
            .trim_end_matches("руб.")
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
            .collect();
        if cleaned.is_empty() {
            return Err("Укажите сумму".into());
        }
        let (negative, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.as_str()),
        };
        let (whole, frac) = match digits.split_once([',', '.']) {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) {
            return Err("Сумма — число рублей, например 1 234,56".into());
        }
        if frac.len() > 2 {
            return Err("Не больше двух знаков копеек".into());
        }
        let rubles: i64 = whole
            .parse()
            .map_err(|_| "Слишком большая сумма".to_string())?;
        let kopecks: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
        let total = rubles
            .checked_mul(100)
            .and_then(|k| k.checked_add(kopecks))
            .ok_or_else(|| "Слишком большая сумма".to_string())?;
        Ok(Money(if negative { -total } else { total }))
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Self {
        Money(iter.map(|m| m.0).sum())
    }
}

/// Formats as `1 234,56 ₽` with no-break spaces between digit groups and before the sign.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let negative = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let rubles = abs / 100;
        let kopecks = abs % 100;
        let digits = rubles.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 * 2);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push('\u{a0}');
            }
            grouped.push(ch);
        }
        if negative {
            f.write_str("-")?;
        }
        write!(f, "{grouped},{kopecks:02}\u{a0}₽")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_groups_and_kopecks() {
        assert_eq!(Money(0).to_string(), "0,00\u{a0}₽");
        assert_eq!(Money(5).to_string(), "0,05\u{a0}₽");
        assert_eq!(Money(123_456).to_string(), "1\u{a0}234,56\u{a0}₽");
        assert_eq!(
            Money(10_000_000_000).to_string(),
            "100\u{a0}000\u{a0}000,00\u{a0}₽"
        );
        assert_eq!(Money(-123_456).to_string(), "-1\u{a0}234,56\u{a0}₽");
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(Money::parse_rubles("1234"), Ok(Money(123_400)));
        assert_eq!(Money::parse_rubles("1 234,56"), Ok(Money(123_456)));
        assert_eq!(Money::parse_rubles("1\u{a0}234,5 ₽"), Ok(Money(123_450)));
        assert_eq!(Money::parse_rubles("0.07"), Ok(Money(7)));
        assert_eq!(Money::parse_rubles("-5"), Ok(Money(-500)));
        assert!(Money::parse_rubles("").is_err());
        assert!(Money::parse_rubles("12,345").is_err());
        assert!(Money::parse_rubles("12a").is_err());
        assert!(Money::parse_rubles(",5").is_err());
        assert!(Money::parse_rubles("99999999999999999999").is_err());
    }

    #[test]
    fn sums_without_floats() {
        let total: Money = [Money(10), Money(20), Money(1)].into_iter().sum();
        assert_eq!(total, Money(31));
        assert_eq!(Money(i64::MAX).checked_add(Money(1)), None);
    }
}
