//! «Отчётность»: the four report forms, their steps, and every rule they are checked by. The
//! browser runs [`ReportForm::check_field`] as the user leaves a field and [`ReportForm::step_errors`]
//! on «Далее»; the server runs [`ReportForm::validate`] on «Отправить» and then
//! [`policy_checks`] against the policy's facts, whose failures make the report's check log.

use crate::dates::{format_date, parse_date, parse_local_datetime};
use crate::files::{Attachment, MAX_FILES};
use crate::ids;
use crate::{FieldErrors, Money};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The largest sum a report may name: 10 billion roubles.
pub const MAX_SUM_KOPECKS: i64 = 1_000_000_000_000;
/// Rows of works one report may list.
pub const MAX_WORKS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReportKind {
    /// «Отчёт о страховом случае».
    Event,
    /// «Отчёт о выполненных работах».
    Works,
    /// «Отчёт о выплате страховой суммы».
    Payout,
    /// «Отчёт о пересчёте страховых взносов».
    Recalc,
}

impl ReportKind {
    pub const ALL: [ReportKind; 4] = [Self::Event, Self::Works, Self::Payout, Self::Recalc];

    pub fn code(self) -> &'static str {
        match self {
            Self::Event => "event",
            Self::Works => "works",
            Self::Payout => "payout",
            Self::Recalc => "recalc",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Event => "Отчёт о страховом случае",
            Self::Works => "Отчёт о выполненных работах",
            Self::Payout => "Отчёт о выплате страховой суммы",
            Self::Recalc => "Отчёт о пересчёте страховых взносов",
        }
    }

    /// The form's steps: a title and the fields on it. The last step is the review.
    pub fn steps(self) -> &'static [Step] {
        match self {
            Self::Event => &[
                Step {
                    title: "Полис",
                    fields: &["policy_id"],
                },
                Step {
                    title: "Событие",
                    fields: &["occurred_at", "place"],
                },
                Step {
                    title: "Описание и ущерб",
                    fields: &["description", "cause", "damage", "damage_files"],
                },
                Step {
                    title: "Проверка",
                    fields: &[],
                },
            ],
            Self::Works => &[
                Step {
                    title: "Полис и случай",
                    fields: &["policy_id", "event_id"],
                },
                Step {
                    title: "Работы",
                    fields: &["works", "invoices"],
                },
                Step {
                    title: "Проверка",
                    fields: &[],
                },
            ],
            Self::Payout => &[
                Step {
                    title: "Полис",
                    fields: &["policy_id"],
                },
                Step {
                    title: "Получатель",
                    fields: &[
                        "recipient_name",
                        "recipient_inn",
                        "bank_name",
                        "bik",
                        "account",
                    ],
                },
                Step {
                    title: "Сумма",
                    fields: &["amount", "paid_on"],
                },
                Step {
                    title: "Проверка",
                    fields: &[],
                },
            ],
            Self::Recalc => &[
                Step {
                    title: "Полис",
                    fields: &["policy_id"],
                },
                Step {
                    title: "Новые ставки",
                    fields: &["new_rate", "effective_from", "effective_to"],
                },
                Step {
                    title: "Основания",
                    fields: &["grounds", "documents"],
                },
                Step {
                    title: "Проверка",
                    fields: &[],
                },
            ],
        }
    }

    /// The form's field of attached files, if the kind has one: the damage documents of an
    /// event, the invoices of works, the supporting documents of a recalculation. The files
    /// themselves are kept in [`ReportForm::files`] whatever the field's name.
    pub fn files_field(self) -> Option<&'static str> {
        match self {
            Self::Event => Some("damage_files"),
            Self::Works => Some("invoices"),
            Self::Recalc => Some("documents"),
            Self::Payout => None,
        }
    }

    /// Every field of the kind, in form order.
    pub fn fields(self) -> Vec<&'static str> {
        self.steps()
            .iter()
            .flat_map(|s| s.fields.iter().copied())
            .collect()
    }
}

/// One step of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub title: &'static str,
    pub fields: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportStatus {
    Draft,
    Review,
    Done,
    Error,
}

impl ReportStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Review => "review",
            Self::Done => "done",
            Self::Error => "error",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Draft, Self::Review, Self::Done, Self::Error]
            .into_iter()
            .find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Черновик",
            Self::Review => "На проверке",
            Self::Done => "Завершено",
            Self::Error => "Ошибка",
        }
    }
}

/// One row of «Отчёт о выполненных работах» as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkRow {
    pub name: String,
    /// Up to three decimals: `2`, `1,5`, `0,125`.
    pub quantity: String,
    /// Roubles: `1 234,56`.
    pub unit_price: String,
}

/// A report as typed (also what a draft keeps). Only the fields of its kind matter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    pub kind: String,
    pub policy_id: String,
    // «Отчёт о страховом случае»
    /// `ГГГГ-ММ-ДДTЧЧ:ММ`, Moscow time.
    pub occurred_at: String,
    pub place: String,
    pub description: String,
    pub cause: String,
    pub damage: String,
    // «Отчёт о выполненных работах»
    pub event_id: String,
    pub works: Vec<WorkRow>,
    // «Отчёт о выплате страховой суммы»
    pub recipient_name: String,
    pub recipient_inn: String,
    pub bank_name: String,
    pub bik: String,
    pub account: String,
    pub amount: String,
    pub paid_on: String,
    // «Отчёт о пересчёте страховых взносов»
    /// Percent with up to two decimals: `2,35`.
    pub new_rate: String,
    pub effective_from: String,
    pub effective_to: String,
    pub grounds: String,
    /// Ids of the attached files (see [`ReportKind::files_field`]), in the order added. The
    /// draft keeps them, so the files survive a reload; each submitted version keeps its own list.
    pub files: Vec<String>,
}

/// Whether `field` is a field of attached files.
pub fn is_files_field(field: &str) -> bool {
    matches!(field, "damage_files" | "invoices" | "documents")
}

/// The rule of a field of attached files: at least one file (each kind's files are evidence the
/// report cannot be checked without: a photo or document of the damage, the invoices the works'
/// sums come from, the documents the new rate rests on), at most [`MAX_FILES`] (a file named
/// twice counts once: it is kept once).
pub fn files_rule(field: &str, ids: &[String]) -> Result<(), String> {
    let mut given: Vec<&str> = Vec::new();
    for id in ids.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        if !given.contains(&id) {
            given.push(id);
        }
    }
    if given.is_empty() {
        return Err(match field {
            "damage_files" => {
                "Прикрепите документы об ущербе: хотя бы фото повреждений, акт или справку"
            }
            "invoices" => "Прикрепите счета-фактуры на выполненные работы",
            _ => "Прикрепите документы, подтверждающие основания пересчёта",
        }
        .into());
    }
    if given.len() > MAX_FILES {
        return Err(format!(
            "{}: не больше {MAX_FILES} файлов",
            field_label(field)
        ));
    }
    Ok(())
}

/// The Russian name of a field, for messages and the check log.
pub fn field_label(field: &str) -> &'static str {
    let base = field.split('.').next().unwrap_or(field);
    match (base, field.rsplit('.').next()) {
        ("works", Some("name")) => "Наименование работы",
        ("works", Some("quantity")) => "Количество",
        ("works", Some("unit_price")) => "Цена за единицу",
        ("works", _) => "Перечень работ",
        ("policy_id", _) => "Полис",
        ("occurred_at", _) => "Дата и время события",
        ("place", _) => "Место события",
        ("description", _) => "Что произошло",
        ("cause", _) => "Причина ущерба",
        ("damage", _) => "Оценка ущерба",
        ("event_id", _) => "Страховой случай",
        ("recipient_name", _) => "Получатель",
        ("recipient_inn", _) => "ИНН получателя",
        ("bank_name", _) => "Банк",
        ("bik", _) => "БИК",
        ("account", _) => "Расчётный счёт",
        ("amount", _) => "Полученная сумма",
        ("paid_on", _) => "Дата получения",
        ("new_rate", _) => "Новая ставка",
        ("effective_from", _) => "Действует с",
        ("effective_to", _) => "Действует по",
        ("grounds", _) => "Основания",
        ("damage_files", _) => "Документы об ущербе",
        ("invoices", _) => "Счета-фактуры",
        ("documents", _) => "Подтверждающие документы",
        _ => "Поле",
    }
}

fn text(input: &str, min: usize, max: usize, empty: &str, what: &str) -> Result<String, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(empty.to_string());
    }
    let n = s.chars().count();
    if n < min {
        return Err(format!("{what}: не меньше {min} символов"));
    }
    if n > max {
        return Err(format!("{what}: не больше {max} символов"));
    }
    if !s.chars().any(char::is_alphabetic) {
        return Err(format!("{what}: напишите словами"));
    }
    Ok(s.to_string())
}

/// A positive sum of money up to [`MAX_SUM_KOPECKS`].
pub fn positive_sum(input: &str, what: &str) -> Result<Money, String> {
    if input.trim().is_empty() {
        return Err(format!("Укажите {what}"));
    }
    let m = Money::parse_rubles(input).map_err(|e| format!("{}: {e}", capitalize(what)))?;
    if m.0 <= 0 {
        return Err(format!("{} должна быть больше нуля", capitalize(what)));
    }
    if m.0 > MAX_SUM_KOPECKS {
        return Err(format!("{}: не больше 10 000 000 000 ₽", capitalize(what)));
    }
    Ok(m)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A decimal with up to `scale` digits after the comma, as an integer of 10^-scale units.
fn decimal(input: &str, scale: u32) -> Option<i64> {
    let s: String = input.trim().chars().filter(|c| *c != ' ').collect();
    let (whole, frac) = match s.split_once([',', '.']) {
        Some((w, f)) => (w, f),
        None => (s.as_str(), ""),
    };
    if whole.is_empty()
        || whole.len() > 9
        || frac.len() > scale as usize
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<width$}", width = scale as usize)
            .parse()
            .ok()?
    };
    Some(w * 10i64.pow(scale) + f)
}

/// A quantity of work: more than zero, up to 1 000 000, at most three decimals; in thousandths.
pub fn quantity(input: &str) -> Result<i64, String> {
    if input.trim().is_empty() {
        return Err("Укажите количество".into());
    }
    let q = decimal(input, 3)
        .ok_or_else(|| "Количество — число, не больше трёх знаков после запятой".to_string())?;
    if q <= 0 {
        return Err("Количество должно быть больше нуля".into());
    }
    if q > 1_000_000_000 {
        return Err("Количество: не больше 1 000 000".into());
    }
    Ok(q)
}

/// A rate in percent with up to two decimals, more than 0 and at most 100; in hundredths of a
/// percent (`2,35` → 235).
pub fn rate(input: &str) -> Result<i64, String> {
    let s = input.trim().trim_end_matches('%').trim();
    if s.is_empty() {
        return Err("Укажите новую ставку в процентах".into());
    }
    let r = decimal(s, 2).ok_or_else(|| {
        "Ставка — число процентов, не больше двух знаков после запятой, например 2,35".to_string()
    })?;
    if r <= 0 {
        return Err("Ставка должна быть больше нуля".into());
    }
    if r > 10_000 {
        return Err("Ставка не может быть больше 100 %".into());
    }
    Ok(r)
}

/// A rate in hundredths of a percent as people write it: `2,35 %`.
pub fn format_rate(r: i64) -> String {
    if r % 100 == 0 {
        format!("{} %", r / 100)
    } else {
        format!("{},{:02} %", r / 100, r % 100)
    }
}

/// The sum of one row: quantity × price, rounded to the kopeck (half up).
pub fn line_sum(quantity_milli: i64, price: Money) -> Option<Money> {
    let p = (quantity_milli as i128) * (price.0 as i128);
    let k = (p + 500) / 1000;
    i64::try_from(k).ok().map(Money)
}

/// A works row's sum, when both numbers are right.
pub fn row_sum(row: &WorkRow) -> Option<Money> {
    let q = quantity(&row.quantity).ok()?;
    let p = Money::parse_rubles(&row.unit_price).ok()?;
    line_sum(q, p)
}

/// The total of the rows whose numbers are right (what the form shows as «Итого»).
pub fn works_total(rows: &[WorkRow]) -> Money {
    rows.iter().filter_map(row_sum).sum()
}

/// A БИК of a Russian bank: 9 digits starting with 04.
pub fn bik(input: &str) -> Result<String, String> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Err("Укажите БИК банка".into());
    }
    if s.len() != 9 || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err("БИК состоит из 9 цифр".into());
    }
    if !s.starts_with("04") {
        return Err("БИК банка в России начинается с 04".into());
    }
    Ok(s)
}

/// The key check of an account number against the БИК (Положение ЦБ РФ № 579-П): the last three
/// digits of the БИК (for an account in a РКЦ, «0» and digits 5–6) followed by the 20 digits,
/// weighted 7-1-3 repeatedly, must sum to a multiple of 10.
pub fn account_key_ok(bik: &str, account: &str) -> bool {
    if bik.len() != 9 || account.len() != 20 {
        return false;
    }
    let prefix = if &bik[6..9] == "000" {
        format!("0{}", &bik[4..6])
    } else {
        bik[6..9].to_string()
    };
    let digits: Option<Vec<u32>> = prefix
        .chars()
        .chain(account.chars())
        .map(|c| c.to_digit(10))
        .collect();
    let Some(d) = digits else {
        return false;
    };
    let sum: u32 = d
        .iter()
        .zip([7u32, 1, 3].iter().cycle())
        .map(|(a, w)| (a * w) % 10)
        .sum();
    sum.is_multiple_of(10)
}

/// A settlement account: 20 digits whose key fits the БИК (when the БИК itself is right).
pub fn account(input: &str, bik_input: &str) -> Result<String, String> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Err("Укажите номер расчётного счёта".into());
    }
    if s.len() != 20 || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err("Номер счёта состоит из 20 цифр".into());
    }
    if let Ok(b) = bik(bik_input)
        && !account_key_ok(&b, &s)
    {
        return Err(
            "Номер счёта не сходится с БИК: проверьте счёт и БИК (контрольный ключ неверен)".into(),
        );
    }
    Ok(s)
}

fn date_not_future(input: &str, today: NaiveDate, what: &str) -> Result<NaiveDate, String> {
    if input.trim().is_empty() {
        return Err(format!("Укажите {what}"));
    }
    let d = parse_date(input)?;
    if d > today {
        return Err(format!(
            "{}: дата не может быть позже сегодняшней",
            capitalize(what)
        ));
    }
    Ok(d)
}

/// A report after every field check passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidReport {
    Event {
        policy_id: String,
        occurred_at: DateTime<Utc>,
        place: String,
        description: String,
        cause: String,
        damage: Money,
    },
    Works {
        policy_id: String,
        event_id: String,
        /// (name, quantity in thousandths, unit price, row sum).
        rows: Vec<(String, i64, Money, Money)>,
        total: Money,
    },
    Payout {
        policy_id: String,
        recipient_name: String,
        recipient_inn: String,
        bank_name: String,
        bik: String,
        account: String,
        amount: Money,
        paid_on: NaiveDate,
    },
    Recalc {
        policy_id: String,
        new_rate: i64,
        effective_from: NaiveDate,
        effective_to: NaiveDate,
        grounds: String,
    },
}

impl ValidReport {
    pub fn policy_id(&self) -> &str {
        match self {
            Self::Event { policy_id, .. }
            | Self::Works { policy_id, .. }
            | Self::Payout { policy_id, .. }
            | Self::Recalc { policy_id, .. } => policy_id,
        }
    }

    /// The report's main sum, if it has one (shown in lists).
    pub fn sum(&self) -> Option<Money> {
        match self {
            Self::Event { damage, .. } => Some(*damage),
            Self::Works { total, .. } => Some(*total),
            Self::Payout { amount, .. } => Some(*amount),
            Self::Recalc { .. } => None,
        }
    }
}

impl ReportForm {
    pub fn kind(&self) -> Option<ReportKind> {
        ReportKind::from_code(&self.kind)
    }

    /// The attached files' ids, trimmed, each once, in the order added.
    pub fn file_ids(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for id in self
            .files
            .iter()
            .map(|i| i.trim())
            .filter(|i| !i.is_empty())
        {
            if !out.iter().any(|o| o == id) {
                out.push(id.to_string());
            }
        }
        out
    }

    /// The text a field holds (the check log quotes it).
    pub fn value(&self, field: &str) -> String {
        match field {
            "policy_id" => self.policy_id.clone(),
            "occurred_at" => self.occurred_at.clone(),
            "place" => self.place.clone(),
            "description" => self.description.clone(),
            "cause" => self.cause.clone(),
            "damage" => self.damage.clone(),
            "event_id" => self.event_id.clone(),
            "recipient_name" => self.recipient_name.clone(),
            "recipient_inn" => self.recipient_inn.clone(),
            "bank_name" => self.bank_name.clone(),
            "bik" => self.bik.clone(),
            "account" => self.account.clone(),
            "amount" => self.amount.clone(),
            "paid_on" => self.paid_on.clone(),
            "new_rate" => self.new_rate.clone(),
            "effective_from" => self.effective_from.clone(),
            "effective_to" => self.effective_to.clone(),
            "grounds" => self.grounds.clone(),
            f if is_files_field(f) => format!("файлов: {}", self.files.len()),
            "works" => format!(
                "{} строк, итого {}",
                self.works.len(),
                works_total(&self.works)
            ),
            f => {
                let mut parts = f.split('.');
                match (
                    parts.next(),
                    parts.next().and_then(|i| i.parse::<usize>().ok()),
                    parts.next(),
                ) {
                    (Some("works"), Some(i), Some(col)) => self
                        .works
                        .get(i)
                        .map(|r| match col {
                            "name" => r.name.clone(),
                            "quantity" => r.quantity.clone(),
                            _ => r.unit_price.clone(),
                        })
                        .unwrap_or_default(),
                    _ => String::new(),
                }
            }
        }
    }

    /// Checks one field; the browser calls this as the user leaves it. `works.N.col` checks one
    /// cell of the works table; `works` the table as a whole.
    pub fn check_field(&self, field: &str, now: DateTime<Utc>) -> Result<(), String> {
        let today = now.with_timezone(&crate::dates::moscow()).date_naive();
        match field {
            "policy_id" => {
                if self.policy_id.trim().is_empty() {
                    Err("Выберите полис".into())
                } else {
                    Ok(())
                }
            }
            "occurred_at" => {
                let t = parse_local_datetime(&self.occurred_at)
                    .map_err(|e| format!("Дата и время события: {e}"))?;
                if t > now {
                    return Err("Дата и время события не могут быть позже текущего момента".into());
                }
                Ok(())
            }
            "place" => text(
                &self.place,
                3,
                300,
                "Укажите место события",
                "Место события",
            )
            .map(drop),
            "description" => text(
                &self.description,
                10,
                4000,
                "Опишите, что произошло",
                "Описание",
            )
            .map(drop),
            "cause" => text(
                &self.cause,
                3,
                500,
                "Укажите причину ущерба",
                "Причина ущерба",
            )
            .map(drop),
            "damage" => positive_sum(&self.damage, "оценку ущерба").map(drop),
            "event_id" => {
                if self.event_id.trim().is_empty() {
                    Err("Выберите страховой случай, к которому относятся работы".into())
                } else {
                    Ok(())
                }
            }
            "works" => {
                if self.works.is_empty() {
                    return Err("Добавьте хотя бы одну работу".into());
                }
                if self.works.len() > MAX_WORKS {
                    return Err(format!("Не больше {MAX_WORKS} строк работ"));
                }
                Ok(())
            }
            "recipient_name" => text(
                &self.recipient_name,
                3,
                200,
                "Укажите ФИО получателя или название организации",
                "Получатель",
            )
            .map(drop),
            "recipient_inn" => ids::inn(&self.recipient_inn).map(drop),
            "bank_name" => {
                text(&self.bank_name, 3, 200, "Укажите название банка", "Банк").map(drop)
            }
            "bik" => bik(&self.bik).map(drop),
            "account" => account(&self.account, &self.bik).map(drop),
            "amount" => positive_sum(&self.amount, "полученную сумму").map(drop),
            "paid_on" => date_not_future(&self.paid_on, today, "дату получения").map(drop),
            "new_rate" => rate(&self.new_rate).map(drop),
            "effective_from" => parse_date(&self.effective_from)
                .map_err(|e| format!("Действует с: {e}"))
                .map(drop),
            "effective_to" => {
                let to =
                    parse_date(&self.effective_to).map_err(|e| format!("Действует по: {e}"))?;
                if let Ok(from) = parse_date(&self.effective_from)
                    && to < from
                {
                    return Err("«Действует по» не может быть раньше «Действует с»".into());
                }
                Ok(())
            }
            "grounds" => text(
                &self.grounds,
                10,
                4000,
                "Укажите основания пересчёта",
                "Основания",
            )
            .map(drop),
            f if is_files_field(f) => files_rule(f, &self.files),
            f => {
                let mut parts = f.split('.');
                let (Some("works"), Some(i), Some(col)) = (
                    parts.next(),
                    parts.next().and_then(|i| i.parse::<usize>().ok()),
                    parts.next(),
                ) else {
                    return Ok(());
                };
                let Some(row) = self.works.get(i) else {
                    return Ok(());
                };
                match col {
                    "name" => text(
                        &row.name,
                        2,
                        200,
                        "Укажите наименование работы",
                        "Наименование",
                    )
                    .map(drop),
                    "quantity" => quantity(&row.quantity).map(drop),
                    "unit_price" => positive_sum(&row.unit_price, "цену за единицу").map(drop),
                    _ => Ok(()),
                }
            }
        }
    }

    /// The fields a step checks, with each works cell spelled out.
    pub fn step_fields(&self, kind: ReportKind, step: usize) -> Vec<String> {
        let Some(s) = kind.steps().get(step) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for f in s.fields {
            if *f == "works" {
                out.push("works".to_string());
                for i in 0..self.works.len() {
                    for col in ["name", "quantity", "unit_price"] {
                        out.push(format!("works.{i}.{col}"));
                    }
                }
            } else {
                out.push((*f).to_string());
            }
        }
        out
    }

    /// The problems of one step (what «Далее» checks).
    pub fn step_errors(&self, kind: ReportKind, step: usize, now: DateTime<Utc>) -> FieldErrors {
        let mut errors = FieldErrors::new();
        for f in self.step_fields(kind, step) {
            if let Err(m) = self.check_field(&f, now) {
                errors.add(&f, m);
            }
        }
        errors
    }

    /// Every rule of the kind; the server's check on «Отправить».
    pub fn validate(&self, now: DateTime<Utc>) -> Result<ValidReport, FieldErrors> {
        let Some(kind) = self.kind() else {
            let mut e = FieldErrors::new();
            e.add("kind", "Неизвестный вид отчёта");
            return Err(e);
        };
        let mut errors = FieldErrors::new();
        for step in 0..kind.steps().len() {
            errors.0.extend(self.step_errors(kind, step, now).0);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // Every field passed, so the parses below succeed; a failure would be reported, not panic.
        let bad = |f: &str| {
            let mut e = FieldErrors::new();
            e.add(f, "Проверьте значение");
            e
        };
        let policy_id = self.policy_id.trim().to_string();
        Ok(match kind {
            ReportKind::Event => ValidReport::Event {
                policy_id,
                occurred_at: parse_local_datetime(&self.occurred_at)
                    .map_err(|_| bad("occurred_at"))?,
                place: self.place.trim().into(),
                description: self.description.trim().into(),
                cause: self.cause.trim().into(),
                damage: Money::parse_rubles(&self.damage).map_err(|_| bad("damage"))?,
            },
            ReportKind::Works => {
                let mut rows = Vec::new();
                for (i, r) in self.works.iter().enumerate() {
                    let q =
                        quantity(&r.quantity).map_err(|_| bad(&format!("works.{i}.quantity")))?;
                    let p = Money::parse_rubles(&r.unit_price)
                        .map_err(|_| bad(&format!("works.{i}.unit_price")))?;
                    let sum =
                        line_sum(q, p).ok_or_else(|| bad(&format!("works.{i}.unit_price")))?;
                    rows.push((r.name.trim().to_string(), q, p, sum));
                }
                let total = rows
                    .iter()
                    .try_fold(Money(0), |acc, r| acc.checked_add(r.3))
                    .filter(|t| t.0 <= MAX_SUM_KOPECKS)
                    .ok_or_else(|| {
                        let mut e = FieldErrors::new();
                        e.add("works", "Итого по работам: не больше 10 000 000 000 ₽");
                        e
                    })?;
                ValidReport::Works {
                    policy_id,
                    event_id: self.event_id.trim().into(),
                    rows,
                    total,
                }
            }
            ReportKind::Payout => ValidReport::Payout {
                policy_id,
                recipient_name: self.recipient_name.trim().into(),
                recipient_inn: ids::inn(&self.recipient_inn)
                    .map_err(|_| bad("recipient_inn"))?
                    .0,
                bank_name: self.bank_name.trim().into(),
                bik: bik(&self.bik).map_err(|_| bad("bik"))?,
                account: account(&self.account, &self.bik).map_err(|_| bad("account"))?,
                amount: Money::parse_rubles(&self.amount).map_err(|_| bad("amount"))?,
                paid_on: parse_date(&self.paid_on).map_err(|_| bad("paid_on"))?,
            },
            ReportKind::Recalc => ValidReport::Recalc {
                policy_id,
                new_rate: rate(&self.new_rate).map_err(|_| bad("new_rate"))?,
                effective_from: parse_date(&self.effective_from)
                    .map_err(|_| bad("effective_from"))?,
                effective_to: parse_date(&self.effective_to).map_err(|_| bad("effective_to"))?,
                grounds: self.grounds.trim().into(),
            },
        })
    }
}

/// What the server knows about the report's policy when it checks a submitted report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFacts {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub insured_sum: Money,
    /// The programme's range of rates, hundredths of a percent.
    pub rate_min: i64,
    pub rate_max: i64,
    /// Insured events registered on this policy: (id, day it happened).
    pub events: Vec<(String, NaiveDate)>,
}

/// One failed rule of the server's check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckFailure {
    pub field: String,
    /// The value as the report has it.
    pub value: String,
    /// The rule's stable code (`policy.period`, …).
    pub rule: String,
    /// What the rule says, in Russian.
    pub message: String,
}

fn fail(out: &mut Vec<CheckFailure>, field: &str, value: String, rule: &str, message: String) {
    out.push(CheckFailure {
        field: field.into(),
        value,
        rule: rule.into(),
        message,
    });
}

/// The server's checks of a valid report against its policy: dates within the policy period,
/// sums within the insured sum, works linked to an insured event of the policy, rates within the
/// programme's range. Empty when all pass.
pub fn policy_checks(report: &ValidReport, facts: &PolicyFacts) -> Vec<CheckFailure> {
    let mut out = Vec::new();
    let period = format!(
        "{} – {}",
        format_date(facts.starts_on),
        format_date(facts.ends_on)
    );
    let in_period = |d: NaiveDate| d >= facts.starts_on && d <= facts.ends_on;
    let within_sum = |m: Money| m <= facts.insured_sum;
    match report {
        ValidReport::Event {
            occurred_at,
            damage,
            ..
        } => {
            let day = occurred_at
                .with_timezone(&crate::dates::moscow())
                .date_naive();
            if !in_period(day) {
                fail(
                    &mut out,
                    "occurred_at",
                    crate::dates::format_datetime(*occurred_at),
                    "policy.period",
                    format!("Событие должно произойти в период действия полиса ({period})"),
                );
            }
            if !within_sum(*damage) {
                fail(
                    &mut out,
                    "damage",
                    damage.to_string(),
                    "policy.insured_sum",
                    format!(
                        "Оценка ущерба не может превышать страховую сумму полиса ({})",
                        facts.insured_sum
                    ),
                );
            }
        }
        ValidReport::Works {
            event_id, total, ..
        } => {
            if !facts.events.iter().any(|(id, _)| id == event_id) {
                fail(
                    &mut out,
                    "event_id",
                    event_id.clone(),
                    "event.exists",
                    "Работы должны относиться к страховому случаю, зарегистрированному по этому полису".into(),
                );
            }
            if !within_sum(*total) {
                fail(
                    &mut out,
                    "works",
                    total.to_string(),
                    "policy.insured_sum",
                    format!(
                        "Стоимость работ не может превышать страховую сумму полиса ({})",
                        facts.insured_sum
                    ),
                );
            }
        }
        ValidReport::Payout {
            amount, paid_on, ..
        } => {
            if *paid_on < facts.starts_on {
                fail(
                    &mut out,
                    "paid_on",
                    format_date(*paid_on),
                    "policy.period",
                    format!(
                        "Выплата не может быть получена до начала действия полиса ({})",
                        format_date(facts.starts_on)
                    ),
                );
            }
            if !within_sum(*amount) {
                fail(
                    &mut out,
                    "amount",
                    amount.to_string(),
                    "policy.insured_sum",
                    format!(
                        "Полученная сумма не может превышать страховую сумму полиса ({})",
                        facts.insured_sum
                    ),
                );
            }
        }
        ValidReport::Recalc {
            new_rate,
            effective_from,
            effective_to,
            ..
        } => {
            if *new_rate < facts.rate_min || *new_rate > facts.rate_max {
                fail(
                    &mut out,
                    "new_rate",
                    format_rate(*new_rate),
                    "programme.rate_range",
                    format!(
                        "Ставка должна быть в пределах программы: от {} до {}",
                        format_rate(facts.rate_min),
                        format_rate(facts.rate_max)
                    ),
                );
            }
            if !in_period(*effective_from) {
                fail(
                    &mut out,
                    "effective_from",
                    format_date(*effective_from),
                    "policy.period",
                    format!("Начало действия ставки — в период действия полиса ({period})"),
                );
            }
            if !in_period(*effective_to) {
                fail(
                    &mut out,
                    "effective_to",
                    format_date(*effective_to),
                    "policy.period",
                    format!("Окончание действия ставки — в период действия полиса ({period})"),
                );
            }
        }
    }
    out
}

/// A line of «Черновики» or of the submitted reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ReportRow {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub number: Option<String>,
    pub policy_number: Option<String>,
    pub policyholder: String,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
}

impl ReportRow {
    pub fn kind_label(&self) -> &'static str {
        ReportKind::from_code(&self.kind).map_or("Отчёт", ReportKind::label)
    }

    pub fn status_label(&self) -> &'static str {
        ReportStatus::from_code(&self.status).map_or("", ReportStatus::label)
    }
}

/// One entry of a report's check log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct CheckRow {
    /// The error id the user quotes to support.
    pub id: String,
    pub version: i32,
    pub field: String,
    pub value: String,
    pub rule: String,
    pub message: String,
    /// `auto` (the server's checks) or `staff`.
    pub source: String,
}

impl CheckRow {
    pub fn field_label(&self) -> &'static str {
        field_label(&self.field)
    }
}

/// One submitted version of a report, kept as it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRow {
    pub version: i32,
    pub submitted_at: DateTime<Utc>,
    pub form: ReportForm,
    /// The files this version was sent with.
    #[serde(default)]
    pub files: Vec<Attachment>,
}

/// A report with its check log and versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub number: Option<String>,
    pub policyholder: String,
    pub policy_number: Option<String>,
    pub form: ReportForm,
    /// The files of `form` (the version in work), in the form's order.
    #[serde(default)]
    pub files: Vec<Attachment>,
    pub version: i32,
    /// The log of the latest version (empty when every check passed).
    pub checks: Vec<CheckRow>,
    pub versions: Vec<VersionRow>,
    pub staff_comment: String,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl ReportView {
    pub fn kind(&self) -> Option<ReportKind> {
        ReportKind::from_code(&self.kind)
    }

    pub fn status(&self) -> ReportStatus {
        ReportStatus::from_code(&self.status).unwrap_or(ReportStatus::Draft)
    }
}

/// A policy the form offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PolicyOption {
    pub id: String,
    pub number: String,
    pub programme: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub insured_sum: Money,
}

impl PolicyOption {
    pub fn label(&self) -> String {
        format!(
            "№ {} · {} · {} – {}",
            self.number,
            self.programme,
            format_date(self.starts_on),
            format_date(self.ends_on)
        )
    }
}

/// An insured event the works report may link to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct EventOption {
    pub id: String,
    pub policy_id: String,
    pub number: String,
    pub occurred_at: DateTime<Utc>,
    pub description: String,
}

impl EventOption {
    pub fn label(&self) -> String {
        format!(
            "{} от {} — {}",
            self.number,
            crate::dates::format_datetime(self.occurred_at),
            self.description
        )
    }
}

/// What the forms offer to choose from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportChoices {
    pub policies: Vec<PolicyOption>,
    pub events: Vec<EventOption>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn event() -> ReportForm {
        ReportForm {
            kind: "event".into(),
            policy_id: "p1".into(),
            occurred_at: "2026-11-20T14:30".into(),
            place: "Москва, ул. Ленина, 1".into(),
            description: "Затопление квартиры соседями сверху".into(),
            cause: "Прорыв трубы".into(),
            damage: "150 000".into(),
            files: vec!["f1".into()],
            ..Default::default()
        }
    }

    fn works() -> ReportForm {
        ReportForm {
            kind: "works".into(),
            policy_id: "p1".into(),
            event_id: "e1".into(),
            works: vec![
                WorkRow {
                    name: "Покраска стен".into(),
                    quantity: "12,5".into(),
                    unit_price: "350".into(),
                },
                WorkRow {
                    name: "Замена трубы".into(),
                    quantity: "1".into(),
                    unit_price: "4 200,50".into(),
                },
            ],
            files: vec!["f1".into(), "f2".into()],
            ..Default::default()
        }
    }

    // A БИК and an account whose key fits (Сбербанк's БИК and a made-up account fixed by its key).
    const BIK: &str = "044525225";

    fn account_for(bik: &str, first19: &str) -> String {
        (0..10)
            .map(|k| format!("{first19}{k}"))
            .find(|a| account_key_ok(bik, a))
            .unwrap()
    }

    fn payout() -> ReportForm {
        ReportForm {
            kind: "payout".into(),
            policy_id: "p1".into(),
            recipient_name: "Иванов Иван Петрович".into(),
            recipient_inn: "500100732259".into(),
            bank_name: "ПАО Сбербанк".into(),
            bik: BIK.into(),
            account: account_for(BIK, "4081781009999000001"),
            amount: "100 000".into(),
            paid_on: "20.11.2026".into(),
            ..Default::default()
        }
    }

    fn recalc() -> ReportForm {
        ReportForm {
            kind: "recalc".into(),
            policy_id: "p1".into(),
            new_rate: "2,35".into(),
            effective_from: "2027-01-01".into(),
            effective_to: "2027-06-30".into(),
            grounds: "Изменение класса профессионального риска".into(),
            files: vec!["f1".into()],
            ..Default::default()
        }
    }

    fn err(f: &ReportForm, field: &str) -> String {
        f.check_field(field, now()).unwrap_err()
    }

    #[test]
    fn kinds_and_statuses() {
        for k in ReportKind::ALL {
            assert_eq!(ReportKind::from_code(k.code()), Some(k));
            assert_eq!(k.steps().last().map(|s| s.title), Some("Проверка"));
        }
        assert_eq!(ReportKind::from_code("x"), None);
        assert_eq!(
            ReportStatus::from_code("review").map(|s| s.label()),
            Some("На проверке")
        );
        assert_eq!(ReportStatus::Error.label(), "Ошибка");
        assert_eq!(
            ReportKind::Payout.fields(),
            vec![
                "policy_id",
                "recipient_name",
                "recipient_inn",
                "bank_name",
                "bik",
                "account",
                "amount",
                "paid_on"
            ]
        );
    }

    #[test]
    fn a_valid_event_report() {
        let v = event().validate(now()).unwrap();
        assert_eq!(v.sum(), Some(Money(15_000_000)));
        assert_eq!(v.policy_id(), "p1");
    }

    #[test]
    fn event_rules_name_the_field() {
        let mut f = event();
        f.policy_id.clear();
        assert_eq!(err(&f, "policy_id"), "Выберите полис");
        f.occurred_at = "2026-11-27T10:00".into();
        assert!(err(&f, "occurred_at").contains("позже текущего момента"));
        f.occurred_at = "вчера".into();
        assert!(err(&f, "occurred_at").starts_with("Дата и время события"));
        f.place = "М".into();
        assert!(err(&f, "place").contains("не меньше 3"));
        f.place = "".into();
        assert_eq!(err(&f, "place"), "Укажите место события");
        f.description = "Потоп".into();
        assert!(err(&f, "description").contains("не меньше 10"));
        f.cause = "123".into();
        assert!(err(&f, "cause").contains("словами"));
        f.damage = "0".into();
        assert!(err(&f, "damage").contains("больше нуля"));
        f.damage = "сто".into();
        assert!(err(&f, "damage").starts_with("Оценку ущерба"));
        f.damage = "".into();
        assert_eq!(err(&f, "damage"), "Укажите оценку ущерба");
        let errors = f.validate(now()).unwrap_err();
        for field in [
            "policy_id",
            "occurred_at",
            "place",
            "description",
            "cause",
            "damage",
        ] {
            assert!(errors.get(field).is_some(), "{field} named");
        }
    }

    #[test]
    fn steps_check_only_their_fields() {
        let mut f = event();
        f.place.clear();
        f.damage.clear();
        let e = f.step_errors(ReportKind::Event, 1, now());
        assert!(e.get("place").is_some());
        assert!(e.get("damage").is_none());
        assert!(f.step_errors(ReportKind::Event, 0, now()).is_empty());
        assert!(f.step_errors(ReportKind::Event, 3, now()).is_empty());
    }

    #[test]
    fn works_rows_and_total() {
        let f = works();
        // 12,5 × 350 = 4 375,00; 1 × 4 200,50 → 8 575,50.
        assert_eq!(works_total(&f.works), Money(857_550));
        match f.validate(now()).unwrap() {
            ValidReport::Works { rows, total, .. } => {
                assert_eq!(total, Money(857_550));
                assert_eq!(rows[0].1, 12_500);
                assert_eq!(rows[0].3, Money(437_500));
            }
            other => panic!("{other:?}"),
        }
        // Rounding to the kopeck, half up: 0,333 × 0,10 ₽ = 0,0333 ₽ → 0,03 ₽; 0,005 × 1 ₽ → 0,01.
        assert_eq!(line_sum(333, Money(10)), Some(Money(3)));
        assert_eq!(line_sum(5, Money(100)), Some(Money(1)));
        let mut f = works();
        f.works.clear();
        assert_eq!(err(&f, "works"), "Добавьте хотя бы одну работу");
        let mut f = works();
        f.works[1].quantity = "0".into();
        f.works[1].unit_price = "-5".into();
        f.works[0].name = "".into();
        assert!(err(&f, "works.1.quantity").contains("больше нуля"));
        assert!(err(&f, "works.1.unit_price").contains("больше нуля"));
        assert_eq!(err(&f, "works.0.name"), "Укажите наименование работы");
        f.works[1].quantity = "1,2345".into();
        assert!(err(&f, "works.1.quantity").contains("трёх знаков"));
        let errors = f.validate(now()).unwrap_err();
        assert!(errors.get("works.1.quantity").is_some());
        assert!(errors.get("works.0.name").is_some());
        // Rows whose numbers are wrong stay out of the total the form shows: 12,5 × 350 only.
        assert_eq!(works_total(&f.works), Money(437_500));
        let mut f = works();
        f.event_id.clear();
        assert!(err(&f, "event_id").contains("страховой случай"));
        assert_eq!(field_label("works.3.unit_price"), "Цена за единицу");
        assert_eq!(f.value("works.1.unit_price"), "4 200,50");
    }

    #[test]
    fn payout_requisites() {
        assert!(payout().validate(now()).is_ok());
        let mut f = payout();
        f.recipient_inn = "500100732258".into();
        assert!(err(&f, "recipient_inn").contains("контрольные цифры"));
        f.recipient_inn = "7707083893".into(); // ПАО Сбербанк: an organisation's ИНН is fine
        assert!(f.check_field("recipient_inn", now()).is_ok());
        f.bik = "04452522".into();
        assert_eq!(err(&f, "bik"), "БИК состоит из 9 цифр");
        f.bik = "144525225".into();
        assert!(err(&f, "bik").contains("начинается с 04"));
        f.bik = BIK.into();
        f.account = "4081781009999000001".into();
        assert_eq!(err(&f, "account"), "Номер счёта состоит из 20 цифр");
        // Change one digit of a good account: the key no longer fits.
        let good = account_for(BIK, "4081781009999000001");
        let mut bad = good.clone().into_bytes();
        bad[10] = if bad[10] == b'5' { b'6' } else { b'5' };
        f.account = String::from_utf8(bad).unwrap();
        assert!(err(&f, "account").contains("не сходится с БИК"));
        // The same account with another bank's БИК does not fit either.
        f.account = good.clone();
        assert!(f.check_field("account", now()).is_ok());
        // (the БИК's last three digits lead the key: 225 → 235 moves the sum by one).
        f.bik = "044525235".into();
        assert!(err(&f, "account").contains("не сходится с БИК"));
        f.bik = BIK.into();
        f.amount = "0".into();
        assert!(err(&f, "amount").contains("больше нуля"));
        f.paid_on = "27.11.2026".into();
        assert!(err(&f, "paid_on").contains("позже сегодняшней"));
        f.recipient_name = "  ".into();
        assert!(err(&f, "recipient_name").contains("Укажите ФИО получателя"));
        f.bank_name = "Б".into();
        assert!(err(&f, "bank_name").contains("не меньше 3"));
    }

    #[test]
    fn recalc_rates_and_period() {
        assert!(recalc().validate(now()).is_ok());
        assert_eq!(rate("2,35"), Ok(235));
        assert_eq!(rate("2.5 %"), Ok(250));
        assert_eq!(format_rate(235), "2,35 %");
        assert_eq!(format_rate(300), "3 %");
        let mut f = recalc();
        f.new_rate = "0".into();
        assert!(err(&f, "new_rate").contains("больше нуля"));
        f.new_rate = "101".into();
        assert!(err(&f, "new_rate").contains("100 %"));
        f.new_rate = "2,355".into();
        assert!(err(&f, "new_rate").contains("двух знаков"));
        f.new_rate = "".into();
        assert!(err(&f, "new_rate").starts_with("Укажите новую ставку"));
        f.effective_to = "2026-12-31".into();
        assert!(err(&f, "effective_to").contains("не может быть раньше"));
        f.effective_from = "31.02.2027".into();
        assert!(err(&f, "effective_from").starts_with("Действует с"));
        f.grounds = "мало".into();
        assert!(err(&f, "grounds").contains("не меньше 10"));
    }

    #[test]
    fn attached_files_are_required_where_the_kind_has_them() {
        assert_eq!(ReportKind::Event.files_field(), Some("damage_files"));
        assert_eq!(ReportKind::Works.files_field(), Some("invoices"));
        assert_eq!(ReportKind::Recalc.files_field(), Some("documents"));
        assert_eq!(ReportKind::Payout.files_field(), None);
        // Each form's files are on a step before the review, so «Далее» checks them.
        for k in ReportKind::ALL {
            if let Some(f) = k.files_field() {
                assert!(k.fields().contains(&f), "{k:?}");
            }
        }
        let mut f = event();
        f.files.clear();
        assert!(err(&f, "damage_files").starts_with("Прикрепите документы об ущербе"));
        let e = f.step_errors(ReportKind::Event, 2, now());
        assert!(e.get("damage_files").is_some());
        assert!(f.validate(now()).unwrap_err().get("damage_files").is_some());
        let mut f = works();
        f.files = vec!["  ".into()];
        assert_eq!(
            err(&f, "invoices"),
            "Прикрепите счета-фактуры на выполненные работы"
        );
        f.files = vec!["a".into(), "a".into()];
        assert!(f.check_field("invoices", now()).is_ok());
        f.files = (0..11).map(|i| format!("f{i}")).collect();
        assert_eq!(err(&f, "invoices"), "Счета-фактуры: не больше 10 файлов");
        f.files = (0..10).chain([3]).map(|i| format!("f{i}")).collect();
        assert!(
            f.check_field("invoices", now()).is_ok(),
            "one named twice counts once"
        );
        f.files = (0..11).map(|i| format!("f{i}")).collect();
        assert_eq!(err(&f, "invoices"), "Счета-фактуры: не больше 10 файлов");
        assert_eq!(f.value("invoices"), "файлов: 11");
        let mut f = recalc();
        f.files.clear();
        assert!(err(&f, "documents").contains("основания пересчёта"));
        assert_eq!(field_label("documents"), "Подтверждающие документы");
        // The payout report has no files and does not need any.
        let mut f = payout();
        f.files.clear();
        assert!(f.validate(now()).is_ok());
        let f = ReportForm {
            files: vec![" b ".into(), "a".into(), "b".into(), "".into()],
            ..Default::default()
        };
        assert_eq!(f.file_ids(), vec!["b".to_string(), "a".to_string()]);
    }

    #[test]
    fn unknown_kind() {
        let f = ReportForm::default();
        assert!(f.validate(now()).unwrap_err().get("kind").is_some());
    }

    fn facts() -> PolicyFacts {
        PolicyFacts {
            starts_on: d(2026, 1, 1),
            ends_on: d(2026, 12, 31),
            insured_sum: Money::from_rubles(500_000),
            rate_min: 20,
            rate_max: 850,
            events: vec![("e1".into(), d(2026, 11, 20))],
        }
    }

    #[test]
    fn checks_against_the_policy() {
        let ok = |f: ReportForm| policy_checks(&f.validate(now()).unwrap(), &facts());
        assert!(ok(event()).is_empty());
        assert!(ok(works()).is_empty());
        assert!(ok(payout()).is_empty());
        let mut f = event();
        f.occurred_at = "2025-12-31T23:30".into();
        f.damage = "600 000".into();
        let log = ok(f);
        assert_eq!(
            log.iter()
                .map(|c| (c.field.as_str(), c.rule.as_str()))
                .collect::<Vec<_>>(),
            vec![
                ("occurred_at", "policy.period"),
                ("damage", "policy.insured_sum")
            ]
        );
        assert_eq!(log[0].value, "31.12.2025 23:30");
        assert!(log[1].message.contains("500\u{a0}000,00"));
        let mut f = works();
        f.event_id = "other".into();
        f.works[0].quantity = "10000".into();
        let log = ok(f);
        assert_eq!(log[0].rule, "event.exists");
        assert_eq!(log[1].field, "works");
        let mut f = payout();
        f.paid_on = "31.12.2025".into();
        f.amount = "500 000,01".into();
        let log = ok(f);
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].field, "paid_on");
        assert_eq!(log[1].field, "amount");
        let mut f = recalc();
        f.effective_from = "2026-06-01".into();
        f.effective_to = "2026-12-31".into();
        assert!(ok(f.clone()).is_empty());
        f.new_rate = "9".into();
        let log = ok(f.clone());
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].value, "9 %");
        assert!(log[0].message.contains("от 0,20 % до 8,50 %"));
        f.new_rate = "0,1".into();
        f.effective_to = "2027-01-01".into();
        let log = ok(f);
        assert_eq!(
            log.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
            vec!["new_rate", "effective_to"]
        );
    }
}
