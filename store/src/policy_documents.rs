//! Documents made from a policy's own data: «Полис», «Заявление на выплату» (a template filled in
//! from the policy and the policyholder, with blanks for what only the applicant knows) and
//! «История страховых случаев» (from `insured_events`). The policyholder's side makes them on the
//! policy's page; staff make them, and «Акт осмотра» and «Справка», for a request, where they
//! join the request's documents. All are kept documents (`crate::documents`): a PDF with the
//! embedded font, a QR code and a check code, listed in «Документы».
//!
//! One document per data version: asking again for a document whose text would be the same as
//! one already made (same kind, policy and request) answers that document — no new row, number or
//! journal entry — so a button may be pressed any number of times. When the data has changed (a
//! new insured event, another status, the policyholder's new details, another inspection text)
//! the next version is made with the next number (`ПОЛ-<policy>`, then `ПОЛ-<policy>-2`, …), and
//! every PDF keeps saying what it said when it was made. The issue date is deliberately not part
//! of the text (the PDF shows when it was made), or every day would be a new version.

use crate::documents::{NewDocument, body_of, facts};
use crate::journal::Entry;
use crate::{Store, StoreError, StoreResult, on_pool, on_pool_db};
use chrono::{DateTime, NaiveDate, Utc};
use domain::dates::{format_date, format_datetime};
use domain::delegation::Need;
use domain::payments::DocumentRow;
use domain::status::PolicyStatus;

/// What a policy's documents say about it and its policyholder.
#[derive(sqlx::FromRow)]
struct PolicyFacts {
    policy_id: String,
    number: String,
    programme: String,
    insurer: String,
    insurer_inn: String,
    insurer_kpp: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    insured_sum: i64,
    premium: i64,
    status: String,
    holder_name: String,
    holder_inn: Option<String>,
    holder_snils: Option<String>,
    holder_ogrn: Option<String>,
    holder_phone: Option<String>,
    holder_email: Option<String>,
}

const BLANK: &str = "________________________________";

/// The number prefix, the title of a kind made here.
fn head_of(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "policy" => ("ПОЛ", "Полис страхования"),
        "payout_application" => ("ЗВ", "Заявление на страховую выплату"),
        "events_history" => ("ИСС", "История страховых случаев"),
        "inspection_act" => ("АКТ", "Акт осмотра и фиксации повреждений"),
        _ => return None,
    })
}

impl Store {
    async fn document_facts(
        &self,
        policyholder_id: &str,
        policy_id: &str,
    ) -> StoreResult<PolicyFacts> {
        on_pool_db!(self, p, Db => sqlx::query_as::<Db, PolicyFacts>(
            "SELECT p.id AS policy_id, p.number, g.name AS programme, i.name AS insurer, i.inn AS insurer_inn,
                    i.kpp AS insurer_kpp, p.starts_on, p.ends_on, p.insured_sum, p.premium, p.status,
                    h.name AS holder_name, h.inn AS holder_inn, h.snils AS holder_snils, h.ogrn AS holder_ogrn,
                    h.phone AS holder_phone, h.email AS holder_email
             FROM policies p JOIN programmes g ON g.id = p.programme_id JOIN insurers i ON i.id = p.insurer_id
             JOIN policyholders h ON h.id = p.policyholder_id
             WHERE p.policyholder_id = $1 AND p.id = $2",
        )
        .bind(policyholder_id)
        .bind(policy_id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)
    }

    /// The rows of a kind made from a policy.
    async fn policy_rows(
        &self,
        policyholder_id: &str,
        kind: &str,
        f: &PolicyFacts,
    ) -> StoreResult<Vec<Vec<String>>> {
        let period = format!("{} — {}", format_date(f.starts_on), format_date(f.ends_on));
        let ids = [
            f.holder_inn.as_ref().map(|v| format!("ИНН {v}")),
            f.holder_snils.as_ref().map(|v| format!("СНИЛС {v}")),
            f.holder_ogrn.as_ref().map(|v| format!("ОГРН {v}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        let or_dash = |v: &Option<String>| {
            v.clone()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "—".into())
        };
        Ok(match kind {
            "policy" => {
                let status = match PolicyStatus::from_code(&f.status) {
                    Some(PolicyStatus::Active) if f.ends_on < self.today() => PolicyStatus::Expired,
                    Some(s) => s,
                    None => PolicyStatus::Suspended,
                };
                facts(vec![
                    ("Номер полиса".into(), f.number.clone()),
                    ("Программа страхования".into(), f.programme.clone()),
                    (
                        "Страховщик".into(),
                        format!("{}, ИНН/КПП {}/{}", f.insurer, f.insurer_inn, f.insurer_kpp),
                    ),
                    ("Страхователь".into(), f.holder_name.clone()),
                    ("Реквизиты страхователя".into(), ids),
                    ("Срок действия".into(), period),
                    (
                        "Страховая сумма".into(),
                        domain::Money(f.insured_sum).to_string(),
                    ),
                    (
                        "Страховая премия в год".into(),
                        domain::Money(f.premium).to_string(),
                    ),
                    ("Статус".into(), status.label().to_string()),
                ])
            }
            "payout_application" => facts(vec![
                (
                    "Кому".into(),
                    format!("{}, ИНН/КПП {}/{}", f.insurer, f.insurer_inn, f.insurer_kpp),
                ),
                ("От (заявитель)".into(), f.holder_name.clone()),
                ("Реквизиты заявителя".into(), ids),
                ("Телефон".into(), or_dash(&f.holder_phone)),
                ("Электронная почта".into(), or_dash(&f.holder_email)),
                (
                    "Заявление".into(),
                    format!(
                        "Прошу произвести страховую выплату по полису {} ({}, срок действия {period}, страховая сумма {}) в связи с наступлением страхового случая.",
                        f.number,
                        f.programme,
                        domain::Money(f.insured_sum)
                    ),
                ),
                ("Дата страхового случая".into(), BLANK.into()),
                ("Обстоятельства страхового случая".into(), BLANK.into()),
                ("Размер ущерба, ₽".into(), BLANK.into()),
                ("Банк получателя, БИК".into(), BLANK.into()),
                ("Расчётный счёт получателя".into(), BLANK.into()),
                ("Приложения".into(), BLANK.into()),
                ("Дата и подпись заявителя".into(), BLANK.into()),
            ]),
            "events_history" => {
                let events: Vec<(String, DateTime<Utc>, String)> = on_pool!(self, p => sqlx::query_as(
                    "SELECT number, occurred_at, description FROM insured_events
                     WHERE policyholder_id = $1 AND policy_id = $2 ORDER BY occurred_at, number",
                )
                .bind(policyholder_id)
                .bind(&f.policy_id)
                .fetch_all(p)
                .await)?;
                let mut rows = vec![vec![
                    format!(
                        "Полис {} · {} · {period} · страхователь {}",
                        f.number, f.programme, f.holder_name
                    ),
                    String::new(),
                    String::new(),
                ]];
                if events.is_empty() {
                    rows.push(vec![
                        "Страховых случаев по полису не зарегистрировано".into(),
                        String::new(),
                        String::new(),
                    ]);
                } else {
                    let count = events.len();
                    rows.extend(
                        events
                            .into_iter()
                            .map(|(n, at, d)| vec![n, format_datetime(at), d]),
                    );
                    rows.push(vec![
                        format!("Всего страховых случаев: {count}"),
                        String::new(),
                        String::new(),
                    ]);
                }
                rows
            }
            _ => return Err(StoreError::NotFound),
        })
    }

    /// Makes a document unless one with the same text already exists in its scope (kind, policy,
    /// request): answers the document's id and whether it is new. `base` is the first version's
    /// number; later versions add `-2`, `-3`, … Two different texts made at the same instant may
    /// get the same number: the second then answers the first (the number is unique).
    async fn issue_version(&self, d: NewDocument<'_>) -> StoreResult<(String, bool)> {
        let body = body_of(&d.rows);
        let existing: Vec<(String, Option<String>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, body FROM documents WHERE policyholder_id = $1 AND kind = $2
               AND COALESCE(policy_id, '') = $3 AND COALESCE(request_id, '') = $4",
        )
        .bind(d.policyholder_id)
        .bind(d.kind)
        .bind(d.policy_id.unwrap_or(""))
        .bind(d.request_id.unwrap_or(""))
        .fetch_all(p)
        .await)?;
        if let Some((id, _)) = existing
            .iter()
            .find(|(_, b)| b.as_deref() == Some(body.as_str()))
        {
            return Ok((id.clone(), false));
        }
        let number = match existing.len() {
            0 => d.number.to_string(),
            n => format!("{}-{}", d.number, n + 1),
        };
        let id = self
            .issue_document(NewDocument {
                number: &number,
                ..d
            })
            .await?;
        Ok((id, true))
    }

    /// A policy page's «Полис», «Заявление на выплату» or «История страховых случаев»: made, or
    /// the same version found again (see the module). "Not found" for a policy the account has no
    /// authority over, and for other kinds.
    pub async fn issue_policy_document(
        &self,
        account_id: &str,
        policyholder_id: &str,
        policy_id: &str,
        kind: &str,
        ip: &str,
    ) -> StoreResult<String> {
        if !DocumentRow::FROM_POLICY.contains(&kind) {
            return Err(StoreError::NotFound);
        }
        self.authorized_for(account_id, policyholder_id, Need::Whole)
            .await?;
        let f = self.document_facts(policyholder_id, policy_id).await?;
        let rows = self.policy_rows(policyholder_id, kind, &f).await?;
        let (prefix, title) = head_of(kind).ok_or(StoreError::NotFound)?;
        let (id, new) = self
            .issue_version(NewDocument {
                policyholder_id,
                kind,
                number: &format!("{prefix}-{}", f.number),
                title,
                policy_id: Some(policy_id),
                request_id: None,
                rows,
            })
            .await?;
        if new {
            self.journal(Entry {
                account_id: Some(account_id),
                policyholder_id: Some(policyholder_id),
                action: "document.issued",
                object_type: "document",
                object_id: &id,
                ip,
                details: DocumentRow::label_of(kind),
            })
            .await?;
        }
        Ok(id)
    }

    /// «Подготовить документ» on a request's staff page: «Акт осмотра» (`text` is what the
    /// inspection found, required), «Справка», or a document of the request's policy; attached to
    /// the request, in the policyholder's «Документы», and on every open page of the request at
    /// once. The same text again answers the same document.
    pub async fn staff_produce_document(
        &self,
        staff_id: &str,
        request_id: &str,
        kind: &str,
        text: &str,
        ip: &str,
    ) -> StoreResult<String> {
        self.require_staff(staff_id).await?;
        let ph = self.request_holder(request_id).await?;
        if !DocumentRow::FOR_REQUEST.contains(&kind) {
            return Err(StoreError::field("kind", "Выберите документ из списка"));
        }
        if kind == "certificate" {
            let id = self
                .issue_certificate(staff_id, &ph, request_id, ip)
                .await?;
            self.publish_request(&ph, request_id).await?;
            return Ok(id);
        }
        let (request_number, policy_id, holder): (String, String, String) = on_pool!(self, p => sqlx::query_as(
            "SELECT r.number, r.policy_id, h.name FROM requests r JOIN policyholders h ON h.id = r.policyholder_id
             WHERE r.policyholder_id = $1 AND r.id = $2",
        )
        .bind(&ph)
        .bind(request_id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)?;
        let f = self.document_facts(&ph, &policy_id).await?;
        let rows = if kind == "inspection_act" {
            let findings = domain::requests::comment(text).map_err(|m| {
                StoreError::field(
                    "text",
                    if text.trim().is_empty() {
                        "Опишите, что выявил осмотр".to_string()
                    } else {
                        m.replacen("Комментарий", "Результаты осмотра", 1)
                    },
                )
            })?;
            let inspector = self.account(staff_id).await?.full_name;
            facts(vec![
                ("Основание".into(), format!("запрос № {request_number}")),
                ("Полис".into(), format!("{} · {}", f.number, f.programme)),
                ("Страховщик".into(), f.insurer.clone()),
                ("Страхователь".into(), holder),
                ("Дата осмотра".into(), format_date(self.today())),
                (
                    "Результаты осмотра, выявленные повреждения".into(),
                    findings,
                ),
                ("Осмотр провёл".into(), inspector),
                ("Подпись представителя страхователя".into(), BLANK.into()),
            ])
        } else {
            self.policy_rows(&ph, kind, &f).await?
        };
        let (prefix, title) = head_of(kind).ok_or(StoreError::NotFound)?;
        let tail = request_number
            .split_once('-')
            .map(|(_, t)| t)
            .unwrap_or(&request_number);
        let (id, new) = self
            .issue_version(NewDocument {
                policyholder_id: &ph,
                kind,
                number: &format!("{prefix}-{tail}"),
                title,
                policy_id: Some(&policy_id),
                request_id: Some(request_id),
                rows,
            })
            .await?;
        if new {
            self.journal(Entry {
                account_id: Some(staff_id),
                policyholder_id: Some(&ph),
                action: "document.issued",
                object_type: "document",
                object_id: &id,
                ip,
                details: DocumentRow::label_of(kind),
            })
            .await?;
            self.publish_request(&ph, request_id).await?;
        }
        Ok(id)
    }
}
