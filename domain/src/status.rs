//! Statuses and kinds stored as short English codes, shown with Russian labels.

use serde::{Deserialize, Serialize};

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal => $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Russian word the UI shows.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

coded_enum!(
    /// How an account is linked to a policyholder.
    AuthorityRole {
        SelfPerson = "self" => "Физическое лицо",
        Representative = "representative" => "Представитель юридического лица",
        Trusted = "trusted" => "Доверенное лицо",
        Broker = "broker" => "Агент / брокер",
    }
);

coded_enum!(
    PolicyholderKind {
        Person = "person" => "Физическое лицо",
        Organisation = "organisation" => "Юридическое лицо",
    }
);

coded_enum!(
    PolicyStatus {
        Active = "active" => "Действует",
        Expired = "expired" => "Истёк",
        Suspended = "suspended" => "Приостановлен",
        Terminated = "terminated" => "Расторгнут",
    }
);

coded_enum!(
    /// Kinds of charges in «Финансы → Начисления».
    ChargeKind {
        Premium = "premium" => "Премия",
        Penalty = "penalty" => "Штраф",
        Subsidy = "subsidy" => "Субсидия",
    }
);

coded_enum!(
    PaymentStatus {
        Unpaid = "unpaid" => "Не оплачено",
        Partial = "partial" => "Оплачено частично",
        Paid = "paid" => "Оплачено",
    }
);

coded_enum!(
    /// Where a one-time code is sent.
    Channel {
        Email = "email" => "Электронная почта",
        Sms = "sms" => "SMS",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in AuthorityRole::ALL {
            assert_eq!(AuthorityRole::from_code(r.code()), Some(*r));
        }
        for s in PolicyStatus::ALL {
            assert_eq!(PolicyStatus::from_code(s.code()), Some(*s));
        }
        assert_eq!(
            ChargeKind::from_code("penalty").map(ChargeKind::label),
            Some("Штраф")
        );
        assert_eq!(Channel::from_code("fax"), None);
    }
}
