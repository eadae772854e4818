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
    fn sums_without_floats() {
        let total: Money = [Money(10), Money(20), Money(1)].into_iter().sum();
        assert_eq!(total, Money(31));
        assert_eq!(Money(i64::MAX).checked_add(Money(1)), None);
    }
}
