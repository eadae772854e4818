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

coded_enum!(
    /// A field of «Профиль», as «История изменений» and the staff review name it.
    ProfileField {
        FullName = "full_name" => "Фамилия, имя, отчество",
        BirthDate = "birth_date" => "Дата рождения",
        Inn = "inn" => "ИНН",
        Snils = "snils" => "СНИЛС",
        Passport = "passport" => "Паспорт",
        Email = "email" => "Электронная почта",
        Phone = "phone" => "Мобильный телефон",
        ExtraPhone = "extra_phone" => "Дополнительный телефон",
    }
);

impl ProfileField {
    /// The fields of a person's identity: a change goes through the registry check.
    pub fn is_identity(self) -> bool {
        matches!(
            self,
            ProfileField::FullName
                | ProfileField::BirthDate
                | ProfileField::Inn
                | ProfileField::Snils
                | ProfileField::Passport
        )
    }
}

coded_enum!(
    /// Where a profile change stands in «История изменений».
    ChangeStatus {
        Applied = "applied" => "Применено",
        Refused = "refused" => "Отклонено",
        Review = "review" => "На проверке",
    }
);

coded_enum!(
    /// How the second step of a login is made.
    FactorMethod {
        Totp = "totp" => "Приложение-аутентификатор",
        Sms = "sms" => "Код в SMS",
    }
);

coded_enum!(
    /// An application for «Восстановление доступа без подтверждения».
    AccessStatus {
        Review = "review" => "На рассмотрении",
        Approved = "approved" => "Одобрена",
        Rejected = "rejected" => "Отклонена",
        Done = "done" => "Доступ восстановлен",
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
        for f in ProfileField::ALL {
            assert_eq!(ProfileField::from_code(f.code()), Some(*f));
        }
        assert!(ProfileField::Inn.is_identity() && !ProfileField::Phone.is_identity());
        assert_eq!(AccessStatus::Done.label(), "Доступ восстановлен");
    }
}
