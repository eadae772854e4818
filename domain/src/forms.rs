//! Forms whose rules run in the browser as the user types and again on the server.

use crate::ids::{self, InnKind};
use crate::status::Channel;
use crate::{FieldErrors, password, person};
use serde::{Deserialize, Serialize};

/// «Регистрация» as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub full_name: String,
    pub email: String,
    pub phone: String,
    /// СНИЛС or ИНН of a person.
    pub id_number: String,
    pub password: String,
    pub password2: String,
    /// `email` or `sms`: where the confirmation code goes.
    pub channel: String,
}

/// «Регистрация» after every check passed, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRegistration {
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub snils: Option<String>,
    pub inn: Option<String>,
    pub password: String,
    pub channel: Channel,
}

/// Reads the «СНИЛС или ИНН» field: 11 digits are a СНИЛС, 12 an ИНН of a person.
pub fn snils_or_inn(input: &str) -> Result<(Option<String>, Option<String>), String> {
    let digits = input.chars().filter(char::is_ascii_digit).count();
    if input.trim().is_empty() {
        return Err("Укажите СНИЛС или ИНН".into());
    }
    match digits {
        11 => ids::snils(input).map(|s| (Some(s), None)),
        12 => ids::inn(input).map(|(s, _)| (None, Some(s))),
        10 => match ids::inn(input) {
            Ok((_, InnKind::Organisation)) => Err(
                "Это ИНН организации: для регистрации укажите свой СНИЛС или ИНН физического лица (12 цифр)".into(),
            ),
            Ok(_) | Err(_) => Err("ИНН физического лица содержит 12 цифр".into()),
        },
        _ => Err("СНИЛС содержит 11 цифр, ИНН физического лица — 12 цифр".into()),
    }
}

impl Registration {
    /// Checks one field; the browser calls this as the user leaves the field.
    pub fn check_field(&self, field: &str) -> Result<(), String> {
        match field {
            "full_name" => person::full_name(&self.full_name).map(drop),
            "email" => ids::email(&self.email).map(drop),
            "phone" => ids::phone(&self.phone).map(drop),
            "id_number" => snils_or_inn(&self.id_number).map(drop),
            "password" => password::check(&self.password),
            "password2" => password::check_repeat(&self.password, &self.password2),
            "channel" => Channel::from_code(&self.channel)
                .map(drop)
                .ok_or_else(|| "Выберите, куда прислать код: e-mail или SMS".to_string()),
            _ => Ok(()),
        }
    }

    pub const FIELDS: &'static [&'static str] = &[
        "full_name",
        "email",
        "phone",
        "id_number",
        "password",
        "password2",
        "channel",
    ];

    pub fn validate(&self) -> Result<ValidRegistration, FieldErrors> {
        let mut errors = FieldErrors::new();
        let full_name = errors.check("full_name", person::full_name(&self.full_name));
        let email = errors.check("email", ids::email(&self.email));
        let phone = errors.check("phone", ids::phone(&self.phone));
        let ids = errors.check("id_number", snils_or_inn(&self.id_number));
        errors.check("password", password::check(&self.password));
        errors.check(
            "password2",
            password::check_repeat(&self.password, &self.password2),
        );
        let channel = errors.check(
            "channel",
            Channel::from_code(&self.channel)
                .ok_or_else(|| "Выберите, куда прислать код: e-mail или SMS".to_string()),
        );
        match (full_name, email, phone, ids, channel) {
            (Some(full_name), Some(email), Some(phone), Some((snils, inn)), Some(channel))
                if errors.is_empty() =>
            {
                Ok(ValidRegistration {
                    full_name,
                    email,
                    phone,
                    snils,
                    inn,
                    password: self.password.clone(),
                    channel,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A one-time code as typed: six digits.
pub fn code(input: &str) -> Result<String, String> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Err("Введите код из сообщения".into());
    }
    if s.len() != 6 || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err("Код состоит из 6 цифр".into());
    }
    Ok(s)
}

/// A charge entered by staff («Сотрудник → Начисления → Новое начисление»), as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeForm {
    pub policyholder_id: String,
    pub kind: String,
    /// Roubles as typed: `1 234,56`.
    pub amount: String,
    pub charged_on: String,
    pub description: String,
}

/// A charge after every check passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCharge {
    pub policyholder_id: String,
    pub kind: crate::status::ChargeKind,
    pub amount: crate::Money,
    pub charged_on: chrono::NaiveDate,
    pub description: String,
}

/// The largest single charge staff may enter: 1 billion roubles.
pub const MAX_CHARGE_KOPECKS: i64 = 100_000_000_000;

impl ChargeForm {
    pub fn check_field(&self, field: &str) -> Result<(), String> {
        match field {
            "policyholder_id" if self.policyholder_id.trim().is_empty() => {
                Err("Выберите страхователя".into())
            }
            "kind" => crate::status::ChargeKind::from_code(&self.kind)
                .map(|_| ())
                .ok_or_else(|| "Выберите тип начисления".into()),
            "amount" => {
                let m = crate::Money::parse_rubles(&self.amount)?;
                if m.0 <= 0 {
                    Err("Сумма должна быть больше нуля".into())
                } else if m.0 > MAX_CHARGE_KOPECKS {
                    Err("Сумма не может превышать 1 000 000 000 ₽".into())
                } else {
                    Ok(())
                }
            }
            "charged_on" => crate::dates::parse_date(&self.charged_on).map(|_| ()),
            "description" => {
                let n = self.description.trim().chars().count();
                if n < 3 {
                    Err("Укажите основание начисления".into())
                } else if n > 300 {
                    Err("Основание — не длиннее 300 символов".into())
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    pub fn validate(&self) -> Result<ValidCharge, FieldErrors> {
        let mut e = FieldErrors::new();
        for f in [
            "policyholder_id",
            "kind",
            "amount",
            "charged_on",
            "description",
        ] {
            if let Err(m) = self.check_field(f) {
                e.add(f, m);
            }
        }
        e.into_result()?;
        let parsed = (
            crate::status::ChargeKind::from_code(&self.kind),
            crate::Money::parse_rubles(&self.amount),
            crate::dates::parse_date(&self.charged_on),
        );
        match parsed {
            (Some(kind), Ok(amount), Ok(charged_on)) => Ok(ValidCharge {
                policyholder_id: self.policyholder_id.trim().to_string(),
                kind,
                amount,
                charged_on,
                description: self.description.trim().to_string(),
            }),
            _ => {
                let mut e = FieldErrors::new();
                e.add("amount", "Проверьте сумму");
                Err(e)
            }
        }
    }
}

/// Reads a new value of an identity field of «Профиль» (ФИО, birth date, ИНН or СНИЛС) with the
/// same validators as everywhere; answers it as stored: the ФИО with single spaces, the birth
/// date as ISO, the ИНН and СНИЛС as digits. Every message names the field.
pub fn identity_value(
    field: crate::status::ProfileField,
    value: &str,
    today: chrono::NaiveDate,
) -> Result<String, String> {
    use crate::status::ProfileField as F;
    match field {
        F::FullName => person::full_name(value),
        F::BirthDate => person::birth_date(value, today).map(|d| d.format("%Y-%m-%d").to_string()),
        F::Inn => match ids::inn(value) {
            Ok((v, InnKind::Person)) => Ok(v),
            Ok(_) => Err("Это ИНН организации: укажите свой ИНН физического лица (12 цифр)".into()),
            Err(m) => Err(m),
        },
        F::Snils => ids::snils(value),
        F::Passport => ids::passport(value),
        F::Email => ids::email(value),
        F::Phone => ids::phone(value),
        F::ExtraPhone if value.trim().is_empty() => Ok(String::new()),
        F::ExtraPhone => ids::phone(value).map_err(|m| format!("Дополнительный телефон: {m}")),
    }
}

/// «Восстановление доступа без подтверждения» as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequestForm {
    pub full_name: String,
    /// СНИЛС or ИНН of the person.
    pub id_number: String,
    /// The number of the person's last policy.
    pub policy_number: String,
    /// An e-mail or phone the person can be reached at now (not the lost one).
    pub contact: String,
}

/// An access application after every check passed, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAccessRequest {
    pub full_name: String,
    pub snils: Option<String>,
    pub inn: Option<String>,
    pub policy_number: String,
    pub channel: Channel,
    pub contact: String,
}

impl AccessRequestForm {
    pub const FIELDS: &'static [&'static str] =
        &["full_name", "id_number", "policy_number", "contact"];

    /// Checks one field; the browser calls this as the user leaves the field.
    pub fn check_field(&self, field: &str) -> Result<(), String> {
        match field {
            "full_name" => person::full_name(&self.full_name).map(drop),
            "id_number" => snils_or_inn(&self.id_number).map(drop),
            "policy_number" => ids::policy_number(&self.policy_number).map(drop),
            "contact" => ids::contact(&self.contact).map(drop),
            _ => Ok(()),
        }
    }

    pub fn validate(&self) -> Result<ValidAccessRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let full_name = errors.check("full_name", person::full_name(&self.full_name));
        let ids = errors.check("id_number", snils_or_inn(&self.id_number));
        let policy_number = errors.check("policy_number", ids::policy_number(&self.policy_number));
        let contact = errors.check("contact", ids::contact(&self.contact));
        match (full_name, ids, policy_number, contact) {
            (
                Some(full_name),
                Some((snils, inn)),
                Some(policy_number),
                Some((channel, contact)),
            ) if errors.is_empty() => Ok(ValidAccessRequest {
                full_name,
                snils,
                inn,
                policy_number,
                channel,
                contact,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Registration {
        Registration {
            full_name: "Петров Пётр Петрович".into(),
            email: "Petrov@Example.ru".into(),
            phone: "8 912 000-11-22".into(),
            id_number: "112-233-445 95".into(),
            password: "Kabinet-2026".into(),
            password2: "Kabinet-2026".into(),
            channel: "email".into(),
        }
    }

    #[test]
    fn valid_registration_is_normalised() {
        let v = good().validate();
        assert_eq!(
            v.map(|v| (v.email, v.phone, v.snils, v.inn, v.channel)),
            Ok((
                "petrov@example.ru".into(),
                "+79120001122".into(),
                Some("11223344595".into()),
                None,
                Channel::Email
            ))
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let r = Registration {
            full_name: "Петров".into(),
            email: "petrov".into(),
            phone: "123".into(),
            id_number: "7707083893".into(),
            password: "short".into(),
            password2: "other".into(),
            channel: "fax".into(),
        };
        let errors = r.validate().err().unwrap_or_default();
        for f in Registration::FIELDS {
            assert!(errors.get(f).is_some(), "no error for {f}");
        }
        assert!(
            errors
                .get("id_number")
                .unwrap_or_default()
                .contains("ИНН организации")
        );
        assert_eq!(
            r.check_field("password2"),
            Err("Пароли не совпадают".into())
        );
    }

    #[test]
    fn access_requests_name_each_bad_field() {
        let e = AccessRequestForm::default().validate().unwrap_err();
        for f in AccessRequestForm::FIELDS {
            assert!(e.get(f).is_some(), "{f} is named");
        }
        let v = AccessRequestForm {
            full_name: " Петров  Пётр Петрович".into(),
            id_number: "112-233-445 95".into(),
            policy_number: "imu-2024-0007919".into(),
            contact: "8 (912) 000-11-22".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(v.full_name, "Петров Пётр Петрович");
        assert_eq!(v.snils.as_deref(), Some("11223344595"));
        assert_eq!(v.policy_number, "IMU-2024-0007919");
        assert_eq!(
            (v.channel, v.contact.as_str()),
            (Channel::Sms, "+79120001122")
        );
    }

    #[test]
    fn identity_values_are_normalised_and_errors_name_the_field() {
        use crate::status::ProfileField as F;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 5, 20).unwrap();
        assert_eq!(
            identity_value(F::BirthDate, "14.03.1985", today),
            Ok("1985-03-14".into())
        );
        assert_eq!(
            identity_value(F::Inn, "5001 0073 2259", today),
            Ok("500100732259".into())
        );
        assert!(
            identity_value(F::Inn, "7707083893", today)
                .unwrap_err()
                .contains("ИНН организации")
        );
        assert!(
            identity_value(F::Snils, "112-233-445 96", today)
                .unwrap_err()
                .contains("СНИЛС")
        );
        assert!(
            identity_value(F::FullName, "", today)
                .unwrap_err()
                .contains("фамилию")
        );
        assert_eq!(identity_value(F::ExtraPhone, " ", today), Ok(String::new()));
        assert!(
            identity_value(F::ExtraPhone, "12", today)
                .unwrap_err()
                .starts_with("Дополнительный телефон")
        );
    }

    #[test]
    fn codes() {
        assert_eq!(code(" 123 456 "), Ok("123456".into()));
        assert!(code("12345").is_err());
        assert!(code("12345a").is_err());
    }

    #[test]
    fn charge_form_names_each_bad_field() {
        let bad = ChargeForm {
            amount: "0".into(),
            description: "x".into(),
            ..ChargeForm::default()
        };
        let e = bad.validate().unwrap_err();
        for f in [
            "policyholder_id",
            "kind",
            "amount",
            "charged_on",
            "description",
        ] {
            assert!(e.get(f).is_some(), "{f} is named");
        }
        let good = ChargeForm {
            policyholder_id: "ph1".into(),
            kind: "penalty".into(),
            amount: "1 500,50".into(),
            charged_on: "2026-11-20".into(),
            description: "Штраф за просрочку".into(),
        };
        let v = good.validate().unwrap();
        assert_eq!(v.amount, crate::Money(150_050));
        assert_eq!(v.kind, crate::status::ChargeKind::Penalty);
    }
}
