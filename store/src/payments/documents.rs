//! Documents made for payments: the receipt (чек) and the invoice (счёт-фактура). The rows are
//! kept in `documents`; the PDFs are drawn from the payment's record whenever asked, so they
//! never disagree with it.

use crate::export::{pdf_amount, render_pdf};
use crate::pdf::{Align, Column, Statement};
use crate::{Store, StoreError, StoreResult, on_pool, on_pool_db};
use chrono::{DateTime, Utc};
use domain::dates::{format_date, format_datetime};
use domain::delegation::Need;
use domain::payments::{DocumentRow, PaymentItem};

pub const DOCUMENTS_PER_PAGE: i64 = 20;

#[derive(sqlx::FromRow)]
struct DocumentHead {
    kind: String,
    number: String,
    created_at: DateTime<Utc>,
    payment_id: String,
    payment_number: String,
    method_label: String,
    provider_ref: Option<String>,
    amount: i64,
    holder_name: String,
    holder_inn: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Seller {
    name: String,
    inn: String,
    kpp: String,
}

impl Store {
    /// «Документы» of the acting policyholder, newest first, one page, and how many there are.
    pub async fn documents(
        &self,
        account_id: &str,
        policyholder_id: &str,
        page: i64,
    ) -> StoreResult<(Vec<DocumentRow>, i64)> {
        self.authorized_for(account_id, policyholder_id, Need::Whole)
            .await?;
        let page = page.max(1);
        let rows = on_pool_db!(self, p, Db => sqlx::query_as::<Db, DocumentRow>(
            "SELECT id, kind, number, title, created_at FROM documents WHERE policyholder_id = $1
             ORDER BY created_at DESC, number LIMIT $2 OFFSET $3",
        )
        .bind(policyholder_id)
        .bind(DOCUMENTS_PER_PAGE)
        .bind(page.saturating_sub(1).saturating_mul(DOCUMENTS_PER_PAGE))
        .fetch_all(p)
        .await)?;
        let total: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM documents WHERE policyholder_id = $1",
        )
        .bind(policyholder_id)
        .fetch_one(p)
        .await)?;
        Ok((rows, total))
    }

    /// One document as a PDF with its file name; "not found" unless the caller may act for its
    /// policyholder.
    pub async fn document_pdf(
        &self,
        account_id: &str,
        policyholder_id: &str,
        document_id: &str,
    ) -> StoreResult<(String, Vec<u8>)> {
        self.authorized_for(account_id, policyholder_id, Need::Whole)
            .await?;
        self.document_file(policyholder_id, document_id).await
    }

    pub(crate) async fn document_file(
        &self,
        policyholder_id: &str,
        document_id: &str,
    ) -> StoreResult<(String, Vec<u8>)> {
        // Receipts of submissions and certificates keep their own text (crate::documents).
        let from_payment: Option<Option<String>> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT payment_id FROM documents WHERE id = $1 AND policyholder_id = $2",
        )
        .bind(document_id)
        .bind(policyholder_id)
        .fetch_optional(p)
        .await)?;
        match from_payment {
            None => return Err(StoreError::NotFound),
            Some(None) => return self.plain_document_file(policyholder_id, document_id).await,
            Some(Some(_)) => {}
        }
        let head = on_pool_db!(self, p, Db => sqlx::query_as::<Db, DocumentHead>(
            "SELECT d.kind, d.number, d.created_at, y.id AS payment_id, y.number AS payment_number, y.method_label,
                    y.provider_ref, y.amount, h.name AS holder_name, h.inn AS holder_inn
             FROM documents d JOIN payments y ON y.id = d.payment_id JOIN policyholders h ON h.id = d.policyholder_id
             WHERE d.id = $1 AND d.policyholder_id = $2",
        )
        .bind(document_id)
        .bind(policyholder_id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)?;
        let items = on_pool_db!(self, p, Db => sqlx::query_as::<Db, PaymentItem>(
            "SELECT debt_key, title, policy_number, amount, penalty FROM payment_items WHERE payment_id = $1
             ORDER BY debt_key",
        )
        .bind(&head.payment_id)
        .fetch_all(p)
        .await)?;
        let payer = match &head.holder_inn {
            Some(inn) => format!("{}, ИНН {inn}", head.holder_name),
            None => head.holder_name.clone(),
        };
        // ASCII names survive every browser and mail client: «ЧЕК-2026-…» → chek-2026-….
        let tail = head
            .number
            .split_once('-')
            .map(|(_, t)| t)
            .unwrap_or(&head.number);
        let file = if head.kind == "invoice" {
            format!("schet-faktura-{tail}.pdf")
        } else {
            format!("chek-{tail}.pdf")
        };
        let doc = if head.kind == "invoice" {
            let sellers = on_pool_db!(self, p, Db => sqlx::query_as::<Db, Seller>(
                "SELECT DISTINCT i.name, i.inn, i.kpp FROM payment_items t
                 JOIN policies p ON p.number = t.policy_number JOIN insurers i ON i.id = p.insurer_id
                 WHERE t.payment_id = $1 ORDER BY i.name",
            )
            .bind(&head.payment_id)
            .fetch_all(p)
            .await)?;
            let sellers: Vec<String> = sellers
                .iter()
                .map(|s| format!("{}, ИНН/КПП {}/{}", s.name, s.inn, s.kpp))
                .collect();
            invoice(&head, &items, &payer, &sellers)
        } else {
            receipt(&head, &items, &payer)
        };
        let code = self.check_code(document_id).await?;
        let doc = doc.with_check(&crate::documents::check_url(&code), &code);
        Ok((file, render_pdf(doc).await?))
    }
}

fn item_rows(doc: &mut Statement, items: &[PaymentItem], wide: bool) {
    for i in items {
        let policy = i.policy_number.clone().unwrap_or_default();
        let mut row = vec![i.title.clone(), policy.clone(), pdf_amount(i.amount.0)];
        if wide {
            row.extend(["Без НДС".to_string(), pdf_amount(i.amount.0)]);
        }
        doc.push(row);
        if i.penalty.0 > 0 {
            let mut row = vec![
                format!("Пени: {}", i.title),
                policy,
                pdf_amount(i.penalty.0),
            ];
            if wide {
                row.extend(["Без НДС".to_string(), pdf_amount(i.penalty.0)]);
            }
            doc.push(row);
        }
    }
}

fn receipt(head: &DocumentHead, items: &[PaymentItem], payer: &str) -> Statement {
    let mut doc = Statement::new(
        format!("Кассовый чек № {}", head.number),
        vec![
            format!("Приход · {} (МСК)", format_datetime(head.created_at)),
            format!("Плательщик: {payer}"),
            format!("Способ оплаты: {}", head.method_label),
            format!(
                "Платёж {} · операция банка {}",
                head.payment_number,
                head.provider_ref.as_deref().unwrap_or("—")
            ),
        ],
        &[
            Column {
                title: "Наименование",
                share: 2.8,
                align: Align::Left,
            },
            Column {
                title: "Полис",
                share: 1.3,
                align: Align::Left,
            },
            Column {
                title: "Сумма, ₽",
                share: 1.0,
                align: Align::Right,
            },
        ],
        format!("Кабинет страхователя · чек {}", head.number),
    );
    item_rows(&mut doc, items, false);
    doc.push_total(vec![
        "Итого оплачено".into(),
        String::new(),
        pdf_amount(head.amount),
    ]);
    doc
}

fn invoice(
    head: &DocumentHead,
    items: &[PaymentItem],
    payer: &str,
    sellers: &[String],
) -> Statement {
    let seller = if sellers.is_empty() {
        "страховщик по договору".to_string()
    } else {
        sellers.join("; ")
    };
    let mut doc = Statement::new(
        format!(
            "Счёт-фактура № {} от {}",
            head.number,
            format_date(
                head.created_at
                    .with_timezone(&domain::dates::moscow())
                    .date_naive()
            )
        ),
        vec![
            format!("Продавец: {seller}"),
            format!("Покупатель: {payer}"),
            format!(
                "К платёжному документу {} от {}",
                head.payment_number,
                format_date(
                    head.created_at
                        .with_timezone(&domain::dates::moscow())
                        .date_naive()
                )
            ),
            "Страховые услуги не облагаются НДС (подп. 7 п. 3 ст. 149 НК РФ)".into(),
        ],
        &[
            Column {
                title: "Наименование",
                share: 2.4,
                align: Align::Left,
            },
            Column {
                title: "Полис",
                share: 1.2,
                align: Align::Left,
            },
            Column {
                title: "Стоимость без НДС, ₽",
                share: 1.0,
                align: Align::Right,
            },
            Column {
                title: "НДС",
                share: 0.6,
                align: Align::Right,
            },
            Column {
                title: "Всего, ₽",
                share: 1.0,
                align: Align::Right,
            },
        ],
        format!("Кабинет страхователя · счёт-фактура {}", head.number),
    );
    item_rows(&mut doc, items, true);
    doc.push_total(vec![
        "Всего к оплате".into(),
        String::new(),
        pdf_amount(head.amount),
        "Без НДС".into(),
        pdf_amount(head.amount),
    ]);
    doc
}
