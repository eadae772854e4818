//! «Документы» beyond payments: documents whose text is kept with them (the submission receipt
//! «Квитанция о подаче», certificates «Справка»), the public check of any document by the short
//! code its QR carries, the filters of the «Документы» page, and «Отправить на e-mail».
//!
//! Every PDF the cabinet makes carries a QR code and a short code (`/check/{code}`); the check
//! page shows only the document's type, number and date, nothing personal. A document gets its
//! code when it is made, or, for older documents, the first time its PDF is drawn.

use crate::events::policyholder_topic;
use crate::journal::Entry;
use crate::pdf::{Align, Column, Statement};
use crate::{Store, StoreError, StoreResult, new_id, on_pool, on_pool_db};
use chrono::{DateTime, NaiveDate, Utc};
use domain::dates::{format_date, format_datetime};
use domain::delegation::Need;
use domain::payments::DocumentRow;
use domain::status::Channel;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

pub use domain::payments::DocumentCheck;

static CHECK_ORIGIN: OnceLock<String> = OnceLock::new();

/// The address the QR codes point at (`PUBLIC_ORIGIN`, or the server's own address); set once
/// at start. Without it the QR holds the path alone.
pub fn set_check_origin(origin: &str) {
    let _ = CHECK_ORIGIN.set(origin.trim_end_matches('/').to_string());
}

/// The public check address of a code.
pub fn check_url(code: &str) -> String {
    format!(
        "{}/check/{code}",
        CHECK_ORIGIN.get().map(String::as_str).unwrap_or("")
    )
}

/// Ten characters without look-alikes (0/O, 1/I): 50 bits, read aloud or typed from paper.
fn new_check_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rngs::OsRng;
    (0..10)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// Filters of «Документы» (all optional; they live in the URL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentFilter {
    pub kind: Option<String>,
    pub policy_id: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub page: i64,
}

/// A document to make: its text is rows of «Сведения — Значение» (for the history of insured
/// events: number, then date and circumstances split by a tab).
pub struct NewDocument<'a> {
    pub policyholder_id: &'a str,
    /// `submission_receipt`, `certificate`.
    pub kind: &'a str,
    pub number: &'a str,
    pub title: &'a str,
    pub policy_id: Option<&'a str>,
    pub request_id: Option<&'a str>,
    /// The table's rows, a cell per column (see `columns_of`).
    pub rows: Vec<Vec<String>>,
}

/// The text of a document as kept with it: a line per row, its cells split by tabs (a cell's own
/// tabs and line breaks become spaces).
pub(crate) fn body_of(rows: &[Vec<String>]) -> String {
    rows.iter()
        .map(|cells| {
            cells
                .iter()
                .map(|c| c.replace(['\t', '\n', '\r'], " "))
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rows of «Сведения — Значение».
pub(crate) fn facts(rows: Vec<(String, String)>) -> Vec<Vec<String>> {
    rows.into_iter().map(|(k, v)| vec![k, v]).collect()
}

/// How many times one IP address may check documents in [`CHECK_WINDOW_MINUTES`] before it is
/// refused for as long: enough for anyone checking papers by hand, too few to guess codes.
pub const CHECKS_PER_IP: i32 = 30;
pub const CHECK_WINDOW_MINUTES: i64 = 10;

/// The table of a kept document: «Сведения — Значение», or, for the history of insured events,
/// one row per event.
fn columns_of(kind: &str) -> &'static [Column] {
    const EVENTS: &[Column] = &[
        Column {
            title: "Номер случая",
            share: 1.2,
            align: Align::Left,
        },
        Column {
            title: "Дата",
            share: 0.7,
            align: Align::Left,
        },
        Column {
            title: "Обстоятельства",
            share: 2.6,
            align: Align::Left,
        },
    ];
    if kind == "events_history" {
        EVENTS
    } else {
        crate::pdf::FACT_COLUMNS
    }
}

/// The first instant of a Moscow day, in UTC (at the calendar's very first day, its midnight
/// in UTC: the subtraction would overflow there, and no row is that old).
pub(crate) fn moscow_start(d: NaiveDate) -> DateTime<Utc> {
    let local = d.and_time(chrono::NaiveTime::MIN);
    let offset = chrono::Duration::seconds(i64::from(domain::dates::moscow().local_minus_utc()));
    DateTime::<Utc>::from_naive_utc_and_offset(
        local.checked_sub_signed(offset).unwrap_or(local),
        Utc,
    )
}

#[derive(sqlx::FromRow)]
struct PlainHead {
    kind: String,
    number: String,
    title: String,
    created_at: DateTime<Utc>,
    body: Option<String>,
    holder_name: String,
}

impl Store {
    /// Makes a document once: the number is the key, so making it again (a retried submission)
    /// answers the same document. Its policyholder's open cabinets see it at once.
    pub async fn issue_document(&self, d: NewDocument<'_>) -> StoreResult<String> {
        let body = body_of(&d.rows);
        let id = new_id();
        let inserted = on_pool!(self, p => sqlx::query(
            "INSERT INTO documents (id, policyholder_id, kind, number, title, payment_id, created_at,
                                    request_id, policy_id, body, check_code)
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, $10) ON CONFLICT (number) DO NOTHING",
        )
        .bind(&id)
        .bind(d.policyholder_id)
        .bind(d.kind)
        .bind(d.number)
        .bind(d.title)
        .bind(self.now())
        .bind(d.request_id)
        .bind(d.policy_id)
        .bind(&body)
        .bind(new_check_code())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if inserted == 0 {
            let existing: Option<String> = on_pool!(self, p => sqlx::query_scalar(
                "SELECT id FROM documents WHERE number = $1 AND policyholder_id = $2",
            )
            .bind(d.number)
            .bind(d.policyholder_id)
            .fetch_optional(p)
            .await)?;
            return existing.ok_or_else(|| {
                StoreError::Internal(format!("document number {} taken", d.number))
            });
        }
        self.publish(&policyholder_topic(d.policyholder_id), "document", &id)
            .await?;
        Ok(id)
    }

    /// «Квитанция о подаче»: made automatically when a request or a report is submitted. One per
    /// submission (`subject_number` is its key: calling again answers the same receipt). `what`
    /// names the submission («Запрос», «Отчёт о страховом случае»); `rows` are what the receipt
    /// lists under the number and time. Returns the document's id.
    pub async fn issue_submission_receipt(
        &self,
        policyholder_id: &str,
        what: &str,
        subject_number: &str,
        policy_id: Option<&str>,
        request_id: Option<&str>,
        rows: Vec<(String, String)>,
    ) -> StoreResult<String> {
        let number = format!("КВ-{subject_number}");
        let title = format!("Квитанция о подаче: {what} {subject_number}");
        let mut all = vec![
            ("Подано".to_string(), format!("{what} {subject_number}")),
            (
                "Дата и время подачи".to_string(),
                format!("{} (МСК)", format_datetime(self.now())),
            ),
        ];
        all.extend(rows);
        self.issue_document(NewDocument {
            policyholder_id,
            kind: "submission_receipt",
            number: &number,
            title: &title,
            policy_id,
            request_id,
            rows: facts(all),
        })
        .await
    }

    /// The check code of a document, given to it now if it has none yet.
    pub(crate) async fn check_code(&self, document_id: &str) -> StoreResult<String> {
        on_pool!(self, p => sqlx::query(
            "UPDATE documents SET check_code = $1 WHERE id = $2 AND check_code IS NULL",
        )
        .bind(new_check_code())
        .bind(document_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        let code: Option<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT check_code FROM documents WHERE id = $1",
        )
        .bind(document_id)
        .fetch_optional(p)
        .await)?
        .flatten();
        code.ok_or(StoreError::NotFound)
    }

    /// The public check page's lookup from the address `ip`: at most [`CHECKS_PER_IP`] in
    /// [`CHECK_WINDOW_MINUTES`] minutes, found or not (a code is 50 bits, but nobody gets to try
    /// them quickly); then "too many" for as long.
    pub async fn check_document_from(&self, code: &str, ip: &str) -> StoreResult<DocumentCheck> {
        let key = format!("check:{ip}");
        let window = chrono::Duration::minutes(CHECK_WINDOW_MINUTES);
        if let crate::throttle::Attempt::Blocked { minutes } = self
            .throttle_take(&key, CHECKS_PER_IP, window, window)
            .await?
        {
            return Err(StoreError::TooMany(format!(
                "Слишком много проверок с вашего адреса. Попробуйте через {minutes} мин."
            )));
        }
        self.check_document(code).await
    }

    /// The public check: type, number and date of the document with this code, nothing else.
    pub async fn check_document(&self, code: &str) -> StoreResult<DocumentCheck> {
        let code: String = code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase();
        if code.len() != 10 {
            return Err(StoreError::NotFound);
        }
        let row: Option<(String, String, DateTime<Utc>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT kind, number, created_at FROM documents WHERE check_code = $1",
        )
        .bind(&code)
        .fetch_optional(p)
        .await)?;
        let (kind, number, created_at) = row.ok_or(StoreError::NotFound)?;
        Ok(DocumentCheck {
            kind_label: DocumentRow::label_of(&kind).to_string(),
            number,
            created_at,
        })
    }

    /// «Документы» of the policyholder with filters, newest first, one page, and how many match.
    pub async fn documents_filtered(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &DocumentFilter,
    ) -> StoreResult<(Vec<DocumentRow>, i64)> {
        self.authorized_for(account_id, policyholder_id, Need::Whole)
            .await?;
        let per_page = crate::payments::documents::DOCUMENTS_PER_PAGE;
        let page = f.page.max(1);
        let policy_number: Option<String> = match &f.policy_id {
            Some(pid) => Some(
                on_pool!(self, p => sqlx::query_scalar(
                    "SELECT number FROM policies WHERE policyholder_id = $1 AND id = $2",
                )
                .bind(policyholder_id)
                .bind(pid)
                .fetch_optional(p)
                .await)?
                .unwrap_or_default(),
            ),
            None => None,
        };
        let (rows, total) = on_pool_db!(self, p, Db => {
            let filter = |q: &mut sqlx::QueryBuilder<Db>| {
                q.push(" FROM documents d WHERE d.policyholder_id = ").push_bind(policyholder_id.to_string());
                if let Some(k) = &f.kind {
                    q.push(" AND d.kind = ").push_bind(k.clone());
                }
                if let (Some(pid), Some(num)) = (&f.policy_id, &policy_number) {
                    q.push(" AND (d.policy_id = ").push_bind(pid.clone());
                    q.push(" OR EXISTS (SELECT 1 FROM payment_items t WHERE t.payment_id = d.payment_id AND t.policy_number = ")
                        .push_bind(num.clone())
                        .push("))");
                }
                if let Some(from) = f.from {
                    q.push(" AND d.created_at >= ").push_bind(moscow_start(from));
                }
                // The day after `to` (none after the calendar's last day: no upper bound then).
                if let Some(next) = f.to.and_then(|to| to.succ_opt()) {
                    q.push(" AND d.created_at < ").push_bind(moscow_start(next));
                }
            };
            let mut q = sqlx::QueryBuilder::<Db>::new("SELECT d.id, d.kind, d.number, d.title, d.created_at");
            filter(&mut q);
            q.push(" ORDER BY d.created_at DESC, d.number LIMIT ").push_bind(per_page)
                .push(" OFFSET ").push_bind(page.saturating_sub(1).saturating_mul(per_page));
            let rows = q.build_query_as::<DocumentRow>().fetch_all(p).await?;
            let mut c = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*)");
            filter(&mut c);
            let total: i64 = c.build_query_scalar().fetch_one(p).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok((rows, total))
    }

    /// «Отправить на e-mail»: the document as a PDF to the account's own address.
    pub async fn mail_document(
        &self,
        account_id: &str,
        policyholder_id: &str,
        document_id: &str,
        ip: &str,
    ) -> StoreResult<String> {
        let (file_name, pdf) = self
            .document_pdf(account_id, policyholder_id, document_id)
            .await?;
        let (title, number): (String, String) = on_pool!(self, p => sqlx::query_as(
            "SELECT title, number FROM documents WHERE id = $1 AND policyholder_id = $2",
        )
        .bind(document_id)
        .bind(policyholder_id)
        .fetch_one(p)
        .await)?;
        let account = self.account(account_id).await?;
        self.notify_with_attachment(
            &crate::Message {
                channel: Channel::Email,
                to: account.email.clone(),
                subject: format!("Документ {number}"),
                body: format!(
                    "Здравствуйте, {}!\n\nВо вложении документ «{title}» № {number}. Его подлинность можно проверить по QR-коду в документе.\n\nКабинет страхователя",
                    account.full_name
                ),
            },
            &file_name,
            pdf,
        )
        .await?;
        self.journal(Entry {
            account_id: Some(account_id),
            policyholder_id: Some(policyholder_id),
            action: "document.mailed",
            object_type: "document",
            object_id: document_id,
            ip,
            details: &number,
        })
        .await?;
        Ok(account.email)
    }

    /// The PDF of a document whose text is kept with it (not drawn from a payment).
    pub(crate) async fn plain_document_file(
        &self,
        policyholder_id: &str,
        document_id: &str,
    ) -> StoreResult<(String, Vec<u8>)> {
        let head = on_pool_db!(self, p, Db => sqlx::query_as::<Db, PlainHead>(
            "SELECT d.kind, d.number, d.title, d.created_at, d.body, h.name AS holder_name
             FROM documents d JOIN policyholders h ON h.id = d.policyholder_id
             WHERE d.id = $1 AND d.policyholder_id = $2",
        )
        .bind(document_id)
        .bind(policyholder_id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)?;
        let code = self.check_code(document_id).await?;
        let mut doc = Statement::new(
            format!("{} № {}", head.title, head.number),
            vec![
                format!(
                    "Дата: {}",
                    format_date(
                        head.created_at
                            .with_timezone(&domain::dates::moscow())
                            .date_naive()
                    )
                ),
                format!("Страхователь: {}", head.holder_name),
            ],
            columns_of(&head.kind),
            format!("Кабинет страхователя · {}", head.number),
        )
        .with_check(&check_url(&code), &code);
        let width = columns_of(&head.kind).len();
        for line in head.body.as_deref().unwrap_or("").lines() {
            let mut cells: Vec<String> = line.splitn(width, '\t').map(str::to_string).collect();
            cells.resize(width, String::new());
            doc.push(cells);
        }
        let prefix = match head.kind.as_str() {
            "certificate" => "spravka",
            "submission_receipt" => "kvitanciya",
            "policy" => "polis",
            "inspection_act" => "akt-osmotra",
            "payout_application" => "zayavlenie-na-vyplatu",
            "events_history" => "istoriya-strahovyh-sluchaev",
            _ => "document",
        };
        let tail: String = head
            .number
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .trim_matches('-')
            .to_string();
        Ok((
            format!("{prefix}-{tail}.pdf"),
            crate::export::render_pdf(doc).await?,
        ))
    }
}
