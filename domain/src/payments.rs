//! «Задолженности» and «Оплатить»: the payment form's rules (card number by Luhn, expiry, holder,
//! wallet, bank), the debt keys, the penalty formula and the payment statuses. Runs in the browser
//! as the user leaves a field and again on the server.

use crate::{FieldErrors, Money};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// How the user pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PayMethod {
    Card,
    Wallet,
    Bank,
}

impl PayMethod {
    pub const ALL: [PayMethod; 3] = [PayMethod::Card, PayMethod::Wallet, PayMethod::Bank];

    pub fn code(self) -> &'static str {
        match self {
            PayMethod::Card => "card",
            PayMethod::Wallet => "wallet",
            PayMethod::Bank => "bank",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            PayMethod::Card => "Банковская карта",
            PayMethod::Wallet => "Электронный кошелёк",
            PayMethod::Bank => "Онлайн-банк",
        }
    }
}

/// Banks offered for «Онлайн-банк»: code and name.
pub const BANKS: &[(&str, &str)] = &[
    ("sber", "СберБанк Онлайн"),
    ("vtb", "ВТБ Онлайн"),
    ("alfa", "Альфа-Онлайн"),
    ("tbank", "Т-Банк"),
    ("gpb", "Газпромбанк"),
];

pub fn bank_name(code: &str) -> Option<&'static str> {
    BANKS.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// The Luhn checksum of a string of digits.
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else {
            return false;
        };
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// The payment system a card number belongs to, by its first digits.
pub fn card_brand(digits: &str) -> &'static str {
    let two: u32 = digits.get(..2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let four: u32 = digits.get(..4).and_then(|s| s.parse().ok()).unwrap_or(0);
    if (2200..=2204).contains(&four) {
        "МИР"
    } else if digits.starts_with('4') {
        "Visa"
    } else if (51..=55).contains(&two) || (2221..=2720).contains(&four) {
        "Mastercard"
    } else if digits.starts_with("62") {
        "UnionPay"
    } else {
        "Карта"
    }
}

/// A card number as typed (spaces and dashes allowed) → its digits.
pub fn card_number(input: &str) -> Result<String, String> {
    if input.trim().is_empty() {
        return Err("Укажите номер карты".into());
    }
    if input
        .chars()
        .any(|c| !(c.is_ascii_digit() || c == ' ' || c == '-'))
    {
        return Err("Номер карты состоит из цифр".into());
    }
    let digits: String = input.chars().filter(char::is_ascii_digit).collect();
    if !(16..=19).contains(&digits.len()) {
        return Err("Номер карты содержит от 16 до 19 цифр".into());
    }
    if !luhn(&digits) {
        return Err("Номер карты набран с ошибкой: проверьте цифры".into());
    }
    Ok(digits)
}

/// «ММ/ГГ» → (month, full year); refused when the card has expired by `today`.
pub fn card_expiry(input: &str, today: NaiveDate) -> Result<(u32, i32), String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("Укажите срок действия карты".into());
    }
    let (m, y) = s
        .split_once('/')
        .ok_or("Срок действия — в виде ММ/ГГ, например 08/28")?;
    let month: u32 = m
        .trim()
        .parse()
        .map_err(|_| "Срок действия — в виде ММ/ГГ, например 08/28")?;
    let yy: i32 = y
        .trim()
        .parse()
        .map_err(|_| "Срок действия — в виде ММ/ГГ, например 08/28")?;
    if !(1..=12).contains(&month) || !(0..=99).contains(&yy) || y.trim().len() != 2 {
        return Err("Срок действия — в виде ММ/ГГ, например 08/28".into());
    }
    let year = 2000 + yy;
    if (year, month) < (today.year(), today.month()) {
        return Err("Срок действия карты истёк".into());
    }
    if year > today.year() + 20 {
        return Err("Проверьте год срока действия".into());
    }
    Ok((month, year))
}

/// The holder's name as on the card: Latin letters, spaces, dots, hyphens.
pub fn card_holder(input: &str) -> Result<String, String> {
    let s = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        return Err("Укажите имя владельца, как на карте".into());
    }
    if s.chars().count() > 26 {
        return Err("Имя владельца — не длиннее 26 символов".into());
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '.' || c == '-')
    {
        return Err(
            "Имя владельца — латинскими буквами, как на карте (например IVAN PETROV)".into(),
        );
    }
    Ok(s.to_uppercase())
}

/// An e-wallet number: 11 to 16 digits.
pub fn wallet(input: &str) -> Result<String, String> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Err("Укажите номер кошелька".into());
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) || !(11..=16).contains(&digits.len()) {
        return Err("Номер кошелька — от 11 до 16 цифр".into());
    }
    Ok(digits)
}

/// «Оплатить» as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayForm {
    /// Debt keys (see [`DebtKey`]).
    pub items: Vec<String>,
    /// `card`, `wallet` or `bank`.
    pub method: String,
    pub card_number: String,
    pub card_expiry: String,
    pub card_holder: String,
    pub wallet: String,
    pub bank: String,
    pub accept_terms: bool,
    /// Made once per form: a double click or a retry sends the same key.
    pub idempotency_key: String,
}

/// What the user pays with, after the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidMethod {
    Card {
        number: String,
        month: u32,
        year: i32,
        holder: String,
    },
    Wallet(String),
    Bank(String),
}

impl ValidMethod {
    pub fn method(&self) -> PayMethod {
        match self {
            ValidMethod::Card { .. } => PayMethod::Card,
            ValidMethod::Wallet(_) => PayMethod::Wallet,
            ValidMethod::Bank(_) => PayMethod::Bank,
        }
    }

    /// What may be shown and kept: the brand and last 4 digits, never the whole number.
    pub fn label(&self) -> String {
        match self {
            ValidMethod::Card { number, .. } => {
                format!(
                    "{} •••• {}",
                    card_brand(number),
                    &number[number.len().saturating_sub(4)..]
                )
            }
            ValidMethod::Wallet(w) => {
                format!("Кошелёк •••• {}", &w[w.len().saturating_sub(4)..])
            }
            ValidMethod::Bank(b) => bank_name(b).unwrap_or("Онлайн-банк").to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPay {
    pub items: Vec<DebtKey>,
    pub method: ValidMethod,
    pub idempotency_key: String,
}

/// The most debts paid in one payment.
pub const MAX_ITEMS: usize = 200;

impl PayForm {
    pub fn check_field(&self, field: &str, today: NaiveDate) -> Result<(), String> {
        let method = PayMethod::from_code(&self.method);
        match field {
            "items" => {
                if self.items.is_empty() {
                    Err("Выберите хотя бы одну задолженность".into())
                } else if self.items.len() > MAX_ITEMS {
                    Err(format!(
                        "За один раз — не больше {MAX_ITEMS} задолженностей"
                    ))
                } else if self.items.iter().any(|k| DebtKey::parse(k).is_none()) {
                    Err("Список задолженностей устарел: обновите страницу".into())
                } else {
                    Ok(())
                }
            }
            "method" => method.map(drop).ok_or("Выберите способ оплаты".into()),
            "card_number" if method == Some(PayMethod::Card) => {
                card_number(&self.card_number).map(drop)
            }
            "card_expiry" if method == Some(PayMethod::Card) => {
                card_expiry(&self.card_expiry, today).map(drop)
            }
            "card_holder" if method == Some(PayMethod::Card) => {
                card_holder(&self.card_holder).map(drop)
            }
            "wallet" if method == Some(PayMethod::Wallet) => wallet(&self.wallet).map(drop),
            "bank" if method == Some(PayMethod::Bank) => bank_name(&self.bank)
                .map(drop)
                .ok_or("Выберите банк".into()),
            "accept_terms" if !self.accept_terms => {
                Err("Подтвердите согласие с условиями оплаты".into())
            }
            _ => Ok(()),
        }
    }

    pub fn validate(&self, today: NaiveDate) -> Result<ValidPay, FieldErrors> {
        let mut e = FieldErrors::new();
        for f in [
            "items",
            "method",
            "card_number",
            "card_expiry",
            "card_holder",
            "wallet",
            "bank",
            "accept_terms",
        ] {
            if let Err(m) = self.check_field(f, today) {
                e.add(f, m);
            }
        }
        let key = self.idempotency_key.trim();
        if key.len() < 16
            || key.len() > 64
            || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            e.add("form", "Форма устарела: обновите страницу");
        }
        e.into_result()?;
        let method = match PayMethod::from_code(&self.method) {
            Some(PayMethod::Card) => {
                let (month, year) = card_expiry(&self.card_expiry, today).unwrap_or_default();
                ValidMethod::Card {
                    number: card_number(&self.card_number).unwrap_or_default(),
                    month,
                    year,
                    holder: card_holder(&self.card_holder).unwrap_or_default(),
                }
            }
            Some(PayMethod::Wallet) => {
                ValidMethod::Wallet(wallet(&self.wallet).unwrap_or_default())
            }
            _ => ValidMethod::Bank(self.bank.clone()),
        };
        let mut items: Vec<DebtKey> = self
            .items
            .iter()
            .filter_map(|k| DebtKey::parse(k))
            .collect();
        items.sort();
        items.dedup();
        Ok(ValidPay {
            items,
            method,
            idempotency_key: key.to_string(),
        })
    }
}

/// What a debt is: an unpaid contribution or an unpaid charge (a fine).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DebtKey {
    Contribution(String),
    Charge(String),
}

impl DebtKey {
    pub fn parse(s: &str) -> Option<DebtKey> {
        let ok = |id: &str| {
            !id.is_empty()
                && id.len() <= 64
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if let Some(id) = s.strip_prefix("c-") {
            ok(id).then(|| DebtKey::Contribution(id.to_string()))
        } else if let Some(id) = s.strip_prefix("f-") {
            ok(id).then(|| DebtKey::Charge(id.to_string()))
        } else {
            None
        }
    }

    pub fn id(&self) -> &str {
        match self {
            DebtKey::Contribution(id) | DebtKey::Charge(id) => id,
        }
    }
}

impl std::fmt::Display for DebtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DebtKey::Contribution(id) => write!(f, "c-{id}"),
            DebtKey::Charge(id) => write!(f, "f-{id}"),
        }
    }
}

/// Пени: `rate_ppm` millionths of the owed sum for each day overdue, rounded down to a kopeck.
pub fn penalty(owed: Money, rate_ppm: i64, days_overdue: i64) -> Money {
    if owed.0 <= 0 || rate_ppm <= 0 || days_overdue <= 0 {
        return Money(0);
    }
    Money((i128::from(owed.0) * i128::from(rate_ppm) * i128::from(days_overdue) / 1_000_000) as i64)
}

/// How a debt for an unpaid contribution is named: «Взнос за 11.2026 · ДМС».
pub fn contribution_debt_title(accrued_on: NaiveDate, programme: &str) -> String {
    format!("Взнос за {} · {programme}", accrued_on.format("%m.%Y"))
}

/// Days past the due date (0 when not yet due).
pub fn days_overdue(due_on: NaiveDate, today: NaiveDate) -> i64 {
    (today - due_on).num_days().max(0)
}

/// A payment's life: created and waiting for the SMS code → sent to the acquirer → paid, or
/// declined (the acquirer refused), or failed (nothing was charged: expired code, no answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentStatus {
    AwaitingCode,
    Processing,
    Succeeded,
    Declined,
    Failed,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 5] = [
        PaymentStatus::AwaitingCode,
        PaymentStatus::Processing,
        PaymentStatus::Succeeded,
        PaymentStatus::Declined,
        PaymentStatus::Failed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PaymentStatus::AwaitingCode => "awaiting_code",
            PaymentStatus::Processing => "processing",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Declined => "declined",
            PaymentStatus::Failed => "failed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentStatus::AwaitingCode => "Ожидает подтверждения кодом",
            PaymentStatus::Processing => "Обрабатывается банком",
            PaymentStatus::Succeeded => "Оплачено",
            PaymentStatus::Declined => "Отклонено",
            PaymentStatus::Failed => "Не выполнен",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            PaymentStatus::Succeeded | PaymentStatus::Declined | PaymentStatus::Failed
        )
    }
}

/// One debt on «Задолженности».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebtRow {
    /// [`DebtKey`] as text.
    pub key: String,
    pub policy_number: Option<String>,
    /// «Взнос за 03.2026 · ДМС» or the fine's description.
    pub title: String,
    /// «Просрочка», «Штраф», «Срок не наступил».
    pub reason: String,
    pub due_on: NaiveDate,
    pub days_overdue: i64,
    /// What is owed, without the penalty.
    pub amount: Money,
    pub penalty: Money,
}

impl DebtRow {
    pub fn total(&self) -> Money {
        Money(self.amount.0 + self.penalty.0)
    }
}

/// «Задолженности» of the acting policyholder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebtsView {
    pub policyholder: String,
    pub rows: Vec<DebtRow>,
    /// Debts now being paid by a payment still in progress.
    pub in_progress: Vec<String>,
}

/// One paid debt inside a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PaymentItem {
    pub debt_key: String,
    pub title: String,
    pub policy_number: Option<String>,
    pub amount: Money,
    pub penalty: Money,
}

/// A document made for a payment (receipt, invoice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct DocumentRow {
    pub id: String,
    pub kind: String,
    pub number: String,
    pub title: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl DocumentRow {
    pub fn kind_label(&self) -> &'static str {
        Self::label_of(&self.kind)
    }

    /// The Russian name of a document kind.
    pub fn label_of(kind: &str) -> &'static str {
        match kind {
            "receipt" => "Чек",
            "invoice" => "Счёт-фактура",
            "submission_receipt" => "Квитанция о подаче",
            "certificate" => "Справка",
            "policy" => "Полис",
            "inspection_act" => "Акт осмотра",
            "payout_application" => "Заявление на выплату",
            "events_history" => "История страховых случаев",
            _ => "Документ",
        }
    }

    /// The kinds «Документы» filters by.
    pub const KINDS: [&'static str; 8] = [
        "policy",
        "receipt",
        "invoice",
        "submission_receipt",
        "certificate",
        "inspection_act",
        "payout_application",
        "events_history",
    ];

    /// The kinds a policy's page makes for the policyholder's side, from the policy's own data.
    pub const FROM_POLICY: [&'static str; 3] = ["policy", "payout_application", "events_history"];

    /// The kinds staff make and attach to a request.
    pub const FOR_REQUEST: [&'static str; 5] = [
        "inspection_act",
        "certificate",
        "policy",
        "payout_application",
        "events_history",
    ];
}

/// What the public check page (`/check/{code}`) confirms about a document: nothing personal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentCheck {
    pub kind_label: String,
    pub number: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// `/payments/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub id: String,
    pub number: String,
    pub status: PaymentStatus,
    pub method: String,
    /// «Visa •••• 4242».
    pub method_label: String,
    pub amount: Money,
    /// Why it was declined or failed, in plain Russian.
    pub reason: Option<String>,
    pub items: Vec<PaymentItem>,
    pub documents: Vec<DocumentRow>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Where the SMS code went (masked), while it is awaited.
    pub code_sent_to: Option<String>,
    /// Seconds until another code may be sent.
    pub resend_in: i64,
}

/// A line of «История платежей».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PaymentRow {
    pub id: String,
    pub number: String,
    pub status: String,
    pub method_label: String,
    pub amount: Money,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The acquirer's reasons for a refusal, in plain Russian.
pub fn decline_reason(code: &str) -> &'static str {
    match code {
        "insufficient_funds" => "Недостаточно средств на счёте карты. Деньги не списаны",
        "card_blocked" => {
            "Карта заблокирована банком-эмитентом. Обратитесь в свой банк или оплатите другой картой"
        }
        "timeout" => "Банк не ответил вовремя. Деньги не списаны, попробуйте ещё раз",
        "not_received" => "Платёж не дошёл до банка. Деньги не списаны, попробуйте ещё раз",
        "already_paid" => "Уже оплачено: задолженность погашена другим платежом. Деньги не списаны",
        "code_expired" => "Время на подтверждение истекло. Деньги не списаны",
        "amount_mismatch" => "Банк подтвердил другую сумму; платёж отменён. Деньги не списаны",
        _ => "Банк отклонил платёж. Деньги не списаны",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_kind_has_its_label_and_filter() {
        for k in DocumentRow::KINDS {
            assert_ne!(DocumentRow::label_of(k), "Документ", "{k}");
        }
        for k in DocumentRow::FROM_POLICY
            .iter()
            .chain(DocumentRow::FOR_REQUEST.iter())
        {
            assert!(
                DocumentRow::KINDS.contains(k),
                "{k} is offered by the filter"
            );
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn luhn_accepts_test_cards_and_catches_typos() {
        assert!(luhn("4242424242424242"));
        assert!(luhn("2200000000000004"));
        assert!(!luhn("4242424242424241"));
        // A swap of two neighbouring digits is caught.
        assert!(!luhn("2424424242424242"));
        assert!(!luhn(""));
        assert_eq!(
            card_number("4242 4242-4242 4242"),
            Ok("4242424242424242".into())
        );
        assert!(
            card_number("4242 4242 4242 4241")
                .unwrap_err()
                .contains("ошибкой")
        );
        assert!(card_number("4242").unwrap_err().contains("16"));
        assert!(card_number("4242a").unwrap_err().contains("цифр"));
        assert!(card_number(" ").unwrap_err().contains("Укажите"));
    }

    #[test]
    fn brands_by_prefix() {
        assert_eq!(card_brand("2200000000000004"), "МИР");
        assert_eq!(card_brand("4242424242424242"), "Visa");
        assert_eq!(card_brand("5555555555554444"), "Mastercard");
        assert_eq!(card_brand("2221000000000009"), "Mastercard");
    }

    #[test]
    fn expiry_in_the_current_month_is_still_good() {
        let today = d("2026-11-26");
        assert_eq!(card_expiry("11/26", today), Ok((11, 2026)));
        assert_eq!(card_expiry(" 01/30 ", today), Ok((1, 2030)));
        assert!(card_expiry("10/26", today).unwrap_err().contains("истёк"));
        assert!(card_expiry("13/27", today).unwrap_err().contains("ММ/ГГ"));
        assert!(card_expiry("1127", today).unwrap_err().contains("ММ/ГГ"));
        assert!(card_expiry("11/2027", today).unwrap_err().contains("ММ/ГГ"));
        assert!(card_expiry("11/99", today).unwrap_err().contains("год"));
    }

    #[test]
    fn holder_is_latin() {
        assert_eq!(card_holder(" ivan  petrov "), Ok("IVAN PETROV".into()));
        assert!(
            card_holder("Иван Петров")
                .unwrap_err()
                .contains("латинскими")
        );
        assert!(card_holder("").is_err());
    }

    fn form() -> PayForm {
        PayForm {
            items: vec!["c-abc".into(), "f-def".into(), "c-abc".into()],
            method: "card".into(),
            card_number: "4242 4242 4242 4242".into(),
            card_expiry: "12/29".into(),
            card_holder: "Ivan Petrov".into(),
            accept_terms: true,
            idempotency_key: "0123456789abcdef0123".into(),
            ..PayForm::default()
        }
    }

    #[test]
    fn form_names_each_bad_field() {
        let today = d("2026-11-26");
        let ok = form().validate(today).unwrap();
        assert_eq!(ok.items.len(), 2, "duplicates dropped");
        assert_eq!(ok.method.label(), "Visa •••• 4242");
        let mut f = form();
        f.card_number = "4242 4242 4242 4241".into();
        f.accept_terms = false;
        f.items.clear();
        let e = f.validate(today).unwrap_err();
        assert!(e.get("card_number").is_some());
        assert!(e.get("accept_terms").is_some());
        assert!(e.get("items").is_some());
        // Card fields do not matter for a wallet.
        let mut w = form();
        w.method = "wallet".into();
        w.card_number.clear();
        w.wallet = "4100 1234 5678 9".into();
        assert_eq!(
            w.validate(today).unwrap().method.label(),
            "Кошелёк •••• 6789"
        );
        w.wallet = "12".into();
        assert!(w.validate(today).unwrap_err().get("wallet").is_some());
        let mut b = form();
        b.method = "bank".into();
        b.bank = "nope".into();
        assert!(b.validate(today).unwrap_err().get("bank").is_some());
        let mut k = form();
        k.idempotency_key = "x".into();
        assert!(k.validate(today).unwrap_err().get("form").is_some());
        k.items = vec!["z-1".into()];
        assert!(k.validate(today).unwrap_err().get("items").is_some());
    }

    #[test]
    fn penalty_is_rounded_down_and_zero_when_not_overdue() {
        // 1/300 of a 16 % key rate a day is 533 ppm; 10 000,00 ₽ for 30 days → 159,90 ₽.
        assert_eq!(penalty(Money(1_000_000), 533, 30), Money(15_990));
        assert_eq!(penalty(Money(1_000_000), 533, 0), Money(0));
        assert_eq!(penalty(Money(1_000_000), 0, 30), Money(0));
        assert_eq!(penalty(Money(333), 533, 1), Money(0));
        assert_eq!(days_overdue(d("2026-11-25"), d("2026-11-26")), 1);
        assert_eq!(days_overdue(d("2026-12-25"), d("2026-11-26")), 0);
    }

    #[test]
    fn keys_round_trip() {
        for k in ["c-abc123", "f-0f9"] {
            assert_eq!(DebtKey::parse(k).unwrap().to_string(), k);
        }
        assert_eq!(DebtKey::parse("c-"), None);
        assert_eq!(DebtKey::parse("c-a'b"), None);
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::from_code(s.code()), Some(s));
        }
    }
}
