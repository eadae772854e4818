//! «Задолженности» and «Оплатить». Money is never charged twice or lost:
//! - a payment is created once per idempotency key (same key and body → the same payment; same
//!   key, other body → refused);
//! - the SMS code moves it from «awaiting code» to «processing» in one conditional update, so of
//!   any number of parallel confirmations one reaches the acquirer;
//! - in the same transaction each debt is claimed (`payment_claims`, one row per debt), so of
//!   parallel payments for one debt one goes on and the others are refused «уже оплачено»;
//! - the debts become paid only when the acquirer confirms, in the transaction that records it;
//!   a refusal releases the claims;
//! - whatever is left «processing» (a lost webhook, a crash) the reconciler settles by asking
//!   the acquirer.

pub mod documents;
pub mod provider;
pub mod sandbox;

use crate::events::{account_topic, policyholder_topic};
use crate::policyholders::policy_scope;
use crate::{Store, StoreError, StoreResult, new_id, on_pool, on_pool_db};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::Money;
use domain::dates::format_date;
use domain::delegation::Need;
use domain::payments::{
    DebtKey, DebtRow, DebtsView, DocumentRow, PayForm, PaymentItem, PaymentRow, PaymentStatus,
    PaymentView, ValidMethod, days_overdue, decline_reason, penalty,
};
use domain::status::Channel;
use hmac::Mac;
pub use provider::{PaymentProvider, ProviderStatus, WebhookError, WebhookEvent};
use rand::Rng;

/// The acquirer the server uses, shared by every request (a cheap clone).
#[derive(Clone)]
pub struct Acquirer(pub std::sync::Arc<dyn PaymentProvider>);

impl std::ops::Deref for Acquirer {
    type Target = dyn PaymentProvider;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// How long the SMS code of a payment stays valid.
pub const CODE_TTL_MINUTES: i64 = 10;
/// Wrong codes before the payment is cancelled.
pub const CODE_MAX_ATTEMPTS: i32 = 5;
/// Seconds before another code may be sent for the same payment.
pub const CODE_RESEND_SECONDS: i64 = 60;
/// A payment «processing» this long without a webhook is asked about.
pub const RECONCILE_AFTER_SECONDS: i64 = 20;
pub const HISTORY_PER_PAGE: i64 = 20;

#[derive(sqlx::FromRow)]
struct UnpaidContribution {
    id: String,
    accrued_on: NaiveDate,
    due_on: NaiveDate,
    owed: i64,
    policy_number: String,
    programme: String,
    penalty_ppm: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct UnpaidFine {
    id: String,
    charged_on: NaiveDate,
    amount: i64,
    description: String,
    policy_number: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PaymentRecord {
    id: String,
    number: String,
    account_id: String,
    policyholder_id: String,
    method: String,
    method_label: String,
    provider_token: String,
    amount: Money,
    status: String,
    reason_code: Option<String>,
    code_hash: String,
    code_attempts: i32,
    code_sent_at: DateTime<Utc>,
    code_expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
}

const PAYMENT_COLUMNS: &str = "id, number, account_id, policyholder_id, method, method_label, provider_token, \
     amount, status, reason_code, code_hash, code_attempts, code_sent_at, code_expires_at, created_at, completed_at";

impl PaymentRecord {
    fn status(&self) -> PaymentStatus {
        PaymentStatus::from_code(&self.status).unwrap_or(PaymentStatus::Failed)
    }
}

/// How a payment ended, as the acquirer or the reconciler says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Paid {
        operation_id: String,
        amount: Money,
    },
    Declined(String),
    /// Nothing was charged: no answer, never received, code expired.
    Failed(String),
}

pub(crate) fn new_number(prefix: &str, year: i32) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rngs::OsRng;
    let tail: String = (0..8)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    format!("{prefix}-{year}-{tail}")
}

impl Store {
    /// «Задолженности»: the acting policyholder's unpaid contributions (with пени where the
    /// programme defines them) and unpaid fines, oldest due first.
    pub async fn debts(&self, account_id: &str, policyholder_id: &str) -> StoreResult<DebtsView> {
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        let rows = self
            .debt_rows(policyholder_id, &policy_scope(&holder, "p.id"))
            .await?;
        let in_progress: Vec<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT pc.debt_key FROM payment_claims pc JOIN payments y ON y.id = pc.payment_id
             WHERE y.policyholder_id = $1 AND y.status = 'processing'",
        )
        .bind(policyholder_id)
        .fetch_all(p)
        .await)?;
        Ok(DebtsView {
            policyholder: holder.name,
            rows,
            in_progress,
        })
    }

    /// The debts within `scope` ([`policy_scope`] on `p.id`, the policies; a fine of no policy
    /// is outside any scope narrower than all).
    async fn debt_rows(&self, policyholder_id: &str, scope: &str) -> StoreResult<Vec<DebtRow>> {
        let today = self.today();
        let sql = format!(
            "SELECT c.id, c.accrued_on, c.due_on, c.amount - c.paid AS owed, p.number AS policy_number,
                    g.name AS programme, g.penalty_ppm
             FROM contributions c JOIN policies p ON p.id = c.policy_id JOIN programmes g ON g.id = c.programme_id
             WHERE c.policyholder_id = $1 AND c.paid < c.amount{scope}
             ORDER BY c.due_on, p.number"
        );
        let contributions = on_pool_db!(self, p, Db => sqlx::query_as::<Db, UnpaidContribution>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(policyholder_id)
        .fetch_all(p)
        .await)?;
        let sql = format!(
            "SELECT ch.id, ch.charged_on, ch.amount, ch.description, p.number AS policy_number
             FROM charges ch LEFT JOIN policies p ON p.id = ch.policy_id
             WHERE ch.policyholder_id = $1 AND ch.kind = 'penalty' AND ch.status <> 'paid' AND ch.amount > 0{scope}
             ORDER BY ch.charged_on"
        );
        let fines = on_pool_db!(self, p, Db => sqlx::query_as::<Db, UnpaidFine>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(policyholder_id)
        .fetch_all(p)
        .await)?;
        let mut rows: Vec<DebtRow> = contributions
            .into_iter()
            .map(|c| {
                let days = days_overdue(c.due_on, today);
                DebtRow {
                    key: DebtKey::Contribution(c.id).to_string(),
                    policy_number: Some(c.policy_number),
                    title: domain::payments::contribution_debt_title(c.accrued_on, &c.programme),
                    reason: if days > 0 {
                        "Просрочка".into()
                    } else {
                        "Срок уплаты не наступил".into()
                    },
                    due_on: c.due_on,
                    days_overdue: days,
                    amount: Money(c.owed),
                    penalty: penalty(Money(c.owed), c.penalty_ppm.unwrap_or(0), days),
                }
            })
            .chain(fines.into_iter().map(|f| DebtRow {
                key: DebtKey::Charge(f.id).to_string(),
                policy_number: f.policy_number,
                title: f.description,
                reason: "Штраф".into(),
                due_on: f.charged_on,
                days_overdue: days_overdue(f.charged_on, today),
                amount: Money(f.amount),
                penalty: Money(0),
            }))
            .collect();
        rows.sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.key.cmp(&b.key)));
        Ok(rows)
    }

    fn body_hash(
        &self,
        policyholder_id: &str,
        form: &domain::payments::ValidPay,
    ) -> StoreResult<String> {
        let method = match &form.method {
            ValidMethod::Card {
                number,
                month,
                year,
                holder,
            } => format!("card:{number}:{month}:{year}:{holder}"),
            ValidMethod::Wallet(w) => format!("wallet:{w}"),
            ValidMethod::Bank(b) => format!("bank:{b}"),
        };
        let items: Vec<String> = form.items.iter().map(ToString::to_string).collect();
        let body = format!("{policyholder_id}|{}|{method}", items.join(","));
        Ok(hex::encode(
            self.code_mac("payment-body", &body)?
                .finalize()
                .into_bytes(),
        ))
    }

    async fn payment_record(&self, payment_id: &str) -> StoreResult<Option<PaymentRecord>> {
        let sql = format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1");
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, PaymentRecord>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(payment_id)
            .fetch_optional(p)
            .await)?,
        )
    }

    /// «Оплатить»: checks the form, fixes the sum from the debts as they are now, hands the
    /// instrument to the acquirer and sends the SMS code. Returns the payment's id; the same
    /// idempotency key with the same form returns the same id and sends nothing.
    pub async fn start_payment(
        &self,
        provider: &dyn PaymentProvider,
        account_id: &str,
        policyholder_id: &str,
        form: &PayForm,
    ) -> StoreResult<String> {
        let holder = self
            .authorized_for(account_id, policyholder_id, Need::Pay)
            .await?;
        let valid = form.validate(self.today()).map_err(StoreError::Invalid)?;
        let hash = self.body_hash(policyholder_id, &valid)?;
        if let Some(id) = self
            .same_key_payment(account_id, &valid.idempotency_key, &hash)
            .await?
        {
            return Ok(id);
        }
        let debts = self
            .debt_rows(policyholder_id, &policy_scope(&holder, "p.id"))
            .await?;
        let mut items = Vec::with_capacity(valid.items.len());
        for key in &valid.items {
            let key = key.to_string();
            match debts.iter().find(|d| d.key == key) {
                Some(d) => items.push(d.clone()),
                None => {
                    return Err(StoreError::Refused(
                        "Уже оплачено: одна из выбранных задолженностей погашена. Обновите список задолженностей".into(),
                    ));
                }
            }
        }
        let claimed: i64 = {
            let keys: Vec<String> = items.iter().map(|d| d.key.clone()).collect();
            on_pool_db!(self, p, Db => {
                let mut q = sqlx::QueryBuilder::<Db>::new(
                    "SELECT COUNT(*) FROM payment_claims pc JOIN payments y ON y.id = pc.payment_id
                     WHERE y.status IN ('processing', 'succeeded') AND pc.debt_key IN (",
                );
                let mut sep = q.separated(", ");
                for k in &keys {
                    sep.push_bind(k.clone());
                }
                q.push(")");
                q.build_query_scalar::<i64>().fetch_one(p).await
            })?
        };
        if claimed > 0 {
            return Err(StoreError::Refused(
                "Одна из выбранных задолженностей уже оплачивается другим платежом. Дождитесь его результата".into(),
            ));
        }
        let amount: i64 = items.iter().map(|d| d.total().0).sum();
        let account = self.account(account_id).await?;
        let token = provider.tokenize(&valid.method).await?;
        let id = new_id();
        let now = self.now();
        let number = new_number("ПЛ", moscow_year(now));
        let (code, code_hash) = self.new_payment_code(&id)?;
        let inserted = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "INSERT INTO payments (id, number, account_id, policyholder_id, idempotency_key, body_hash, method,
                     method_label, provider_token, amount, status, code_hash, code_sent_at, code_expires_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'awaiting_code', $11, $12, $13, $12)
                 ON CONFLICT (account_id, idempotency_key) DO NOTHING",
            )
            .bind(&id)
            .bind(&number)
            .bind(account_id)
            .bind(policyholder_id)
            .bind(&valid.idempotency_key)
            .bind(&hash)
            .bind(valid.method.method().code())
            .bind(valid.method.label())
            .bind(&token)
            .bind(amount)
            .bind(&code_hash)
            .bind(now)
            .bind(now + Duration::minutes(CODE_TTL_MINUTES))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                for d in &items {
                    sqlx::query(
                        "INSERT INTO payment_items (payment_id, debt_key, title, policy_number, amount, penalty)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&id)
                    .bind(&d.key)
                    .bind(&d.title)
                    .bind(&d.policy_number)
                    .bind(d.amount.0)
                    .bind(d.penalty.0)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n == 1)
        })?;
        if !inserted {
            // A parallel request with the same key got there first.
            return self
                .same_key_payment(account_id, &valid.idempotency_key, &hash)
                .await?
                .ok_or(StoreError::NotFound);
        }
        self.send_payment_code(&account, &number, Money(amount), &code)
            .await?;
        self.journal_payment(account_id, policyholder_id, "payment.started", &number)
            .await;
        Ok(id)
    }

    async fn same_key_payment(
        &self,
        account_id: &str,
        key: &str,
        hash: &str,
    ) -> StoreResult<Option<String>> {
        let found: Option<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, body_hash FROM payments WHERE account_id = $1 AND idempotency_key = $2",
        )
        .bind(account_id)
        .bind(key)
        .fetch_optional(p)
        .await)?;
        match found {
            None => Ok(None),
            Some((id, h)) if h == hash => Ok(Some(id)),
            Some(_) => Err(StoreError::Refused(
                "Платёж с этой формы уже создан с другими данными. Обновите страницу, чтобы начать новый платёж".into(),
            )),
        }
    }

    async fn send_payment_code(
        &self,
        account: &crate::accounts::Account,
        number: &str,
        amount: Money,
        code: &str,
    ) -> StoreResult<()> {
        let (channel, to) = if account.phone.is_empty() {
            (Channel::Email, account.email.clone())
        } else {
            (Channel::Sms, account.phone.clone())
        };
        self.notify(&crate::Message {
            channel,
            to,
            subject: "Код подтверждения оплаты".into(),
            body: format!(
                "Код {code} для оплаты {amount} (платёж {number}) в Кабинете страхователя. Действует {CODE_TTL_MINUTES} мин. Никому не сообщайте его."
            ),
        })
        .await
        .map_err(|e| e.undelivered_as(crate::CODE_NOT_SENT))
    }

    async fn journal_payment(
        &self,
        rec_account: &str,
        policyholder_id: &str,
        action: &str,
        number: &str,
    ) {
        let entry = crate::journal::Entry {
            account_id: Some(rec_account),
            policyholder_id: Some(policyholder_id),
            action,
            object_type: "payment",
            object_id: number,
            ..Default::default()
        };
        if let Err(e) = self.journal(entry).await {
            tracing::warn!(error = %e, "journal");
        }
    }

    /// `/payments/{id}`: visible to whoever may act for the payment's policyholder.
    pub async fn payment(
        &self,
        account_id: &str,
        policyholder_id: &str,
        payment_id: &str,
    ) -> StoreResult<PaymentView> {
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        // Within some policies only, a holder sees the payments they made themselves.
        let whole = holder.allows(Need::Whole);
        let rec = self
            .payment_record(payment_id)
            .await?
            .filter(|r| {
                r.policyholder_id == policyholder_id && (whole || r.account_id == account_id)
            })
            .ok_or(StoreError::NotFound)?;
        let rec = self.expire_if_due(rec).await?;
        self.view(rec, account_id).await
    }

    async fn view(&self, rec: PaymentRecord, account_id: &str) -> StoreResult<PaymentView> {
        let items = on_pool_db!(self, p, Db => sqlx::query_as::<Db, PaymentItem>(
            "SELECT debt_key, title, policy_number, amount, penalty FROM payment_items WHERE payment_id = $1
             ORDER BY debt_key",
        )
        .bind(&rec.id)
        .fetch_all(p)
        .await)?;
        let documents = on_pool_db!(self, p, Db => sqlx::query_as::<Db, DocumentRow>(
            "SELECT id, kind, number, title, created_at FROM documents WHERE payment_id = $1 ORDER BY kind DESC, number",
        )
        .bind(&rec.id)
        .fetch_all(p)
        .await)?;
        let status = rec.status();
        let awaiting = status == PaymentStatus::AwaitingCode && rec.account_id == account_id;
        let code_sent_to = if awaiting {
            let account = self.account(account_id).await?;
            Some(domain::ids::mask_contact(if account.phone.is_empty() {
                &account.email
            } else {
                &account.phone
            }))
        } else {
            None
        };
        Ok(PaymentView {
            id: rec.id,
            number: rec.number,
            status,
            method: rec.method,
            method_label: rec.method_label,
            amount: rec.amount,
            reason: rec
                .reason_code
                .as_deref()
                .map(|c| decline_reason(c).to_string()),
            items,
            documents,
            created_at: rec.created_at,
            completed_at: rec.completed_at,
            code_sent_to,
            resend_in: (rec.code_sent_at + Duration::seconds(CODE_RESEND_SECONDS) - self.now())
                .num_seconds()
                .max(0),
        })
    }

    /// A payment the account started, its code's expiry applied; "not found" for anyone else.
    async fn own_payment(&self, account_id: &str, payment_id: &str) -> StoreResult<PaymentRecord> {
        let rec = self
            .payment_record(payment_id)
            .await?
            .filter(|r| r.account_id == account_id)
            .ok_or(StoreError::NotFound)?;
        self.expire_if_due(rec).await
    }

    /// A new 6-digit code for a payment and its HMAC as stored.
    fn new_payment_code(&self, payment_id: &str) -> StoreResult<(String, String)> {
        let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
        let hash = hex::encode(self.code_mac(payment_id, &code)?.finalize().into_bytes());
        Ok((code, hash))
    }

    /// A payment whose code was never entered in time ends; nothing was charged.
    async fn expire_if_due(&self, rec: PaymentRecord) -> StoreResult<PaymentRecord> {
        if rec.status() == PaymentStatus::AwaitingCode && rec.code_expires_at <= self.now() {
            self.fail_awaiting(&rec.id, "code_expired").await?;
            return self
                .payment_record(&rec.id)
                .await?
                .ok_or(StoreError::NotFound);
        }
        Ok(rec)
    }

    async fn fail_awaiting(&self, payment_id: &str, reason: &str) -> StoreResult<()> {
        let status = if reason == "already_paid" {
            "declined"
        } else {
            "failed"
        };
        on_pool!(self, p => sqlx::query(
            "UPDATE payments SET status = $1, reason_code = $2, completed_at = $3
             WHERE id = $4 AND status = 'awaiting_code'",
        )
        .bind(status)
        .bind(reason)
        .bind(self.now())
        .bind(payment_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// «Отправить код ещё раз»: a new code for a payment still waiting for one.
    pub async fn resend_payment_code(&self, account_id: &str, payment_id: &str) -> StoreResult<()> {
        let rec = self.own_payment(account_id, payment_id).await?;
        if rec.status() != PaymentStatus::AwaitingCode {
            return Err(StoreError::Refused("Этот платёж уже не ждёт кода".into()));
        }
        let now = self.now();
        let wait = (rec.code_sent_at + Duration::seconds(CODE_RESEND_SECONDS) - now).num_seconds();
        if wait > 0 {
            return Err(StoreError::Refused(format!(
                "Новый код можно запросить через {wait} с"
            )));
        }
        let (code, code_hash) = self.new_payment_code(&rec.id)?;
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE payments SET code_hash = $1, code_attempts = 0, code_sent_at = $2, code_expires_at = $3
             WHERE id = $4 AND status = 'awaiting_code' AND code_sent_at = $5",
        )
        .bind(&code_hash)
        .bind(now)
        .bind(now + Duration::minutes(CODE_TTL_MINUTES))
        .bind(&rec.id)
        .bind(rec.code_sent_at)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 1 {
            let account = self.account(account_id).await?;
            self.send_payment_code(&account, &rec.number, rec.amount, &code)
                .await?;
        }
        Ok(())
    }

    /// «Подтвердить»: checks the SMS code, claims the debts and asks the acquirer to charge.
    /// A payment already past the code answers with its state, so a double click or a retry
    /// changes nothing. Of parallel payments for one debt, one goes on; the rest are refused.
    pub async fn confirm_payment(
        &self,
        provider: &dyn PaymentProvider,
        account_id: &str,
        payment_id: &str,
        code: &str,
    ) -> StoreResult<PaymentView> {
        let rec = self.own_payment(account_id, payment_id).await?;
        if rec.status() != PaymentStatus::AwaitingCode {
            return self.view(rec, account_id).await;
        }
        let code = domain::forms::code(code).map_err(|m| StoreError::field("code", m))?;
        if rec.code_attempts >= CODE_MAX_ATTEMPTS {
            return Err(StoreError::field(
                "code",
                "Код заблокирован. Начните оплату заново",
            ));
        }
        let expected = hex::decode(&rec.code_hash)
            .map_err(|e| StoreError::Internal(format!("code hash: {e}")))?;
        if self
            .code_mac(&rec.id, &code)?
            .verify_slice(&expected)
            .is_err()
        {
            let attempts: i32 = on_pool!(self, p => sqlx::query_scalar(
                "UPDATE payments SET code_attempts = code_attempts + 1 WHERE id = $1 RETURNING code_attempts",
            )
            .bind(&rec.id)
            .fetch_one(p)
            .await)?;
            let left = CODE_MAX_ATTEMPTS - attempts;
            if left <= 0 {
                self.fail_awaiting(&rec.id, "code_attempts").await?;
                return Err(StoreError::field(
                    "code",
                    "Неверный код. Попытки исчерпаны, платёж отменён, деньги не списаны. Начните оплату заново",
                ));
            }
            return Err(StoreError::field(
                "code",
                format!("Неверный код. Осталось попыток: {left}"),
            ));
        }
        let keys: Vec<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT debt_key FROM payment_items WHERE payment_id = $1 ORDER BY debt_key",
        )
        .bind(&rec.id)
        .fetch_all(p)
        .await)?;
        let now = self.now();
        // The first statement writes, so on SQLite the transaction takes the write lock at once
        // and two of them never deadlock upgrading a read.
        let taken = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let moved = sqlx::query(
                "UPDATE payments SET status = 'processing', confirmed_at = $1 WHERE id = $2 AND status = 'awaiting_code'",
            )
            .bind(now)
            .bind(&rec.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                tx.rollback().await?;
                Ok::<_, sqlx::Error>(None)
            } else {
                let mut free = true;
                for key in &keys {
                    let Some(debt) = DebtKey::parse(key) else {
                        free = false;
                        break;
                    };
                    let unpaid_sql = match &debt {
                        DebtKey::Contribution(_) => {
                            "SELECT COUNT(*) FROM contributions WHERE id = $1 AND policyholder_id = $2 AND paid < amount"
                        }
                        DebtKey::Charge(_) => {
                            "SELECT COUNT(*) FROM charges WHERE id = $1 AND policyholder_id = $2 AND status <> 'paid'"
                        }
                    };
                    let unpaid: i64 = sqlx::query_scalar(unpaid_sql)
                        .bind(debt.id())
                        .bind(&rec.policyholder_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let claimed = unpaid == 1
                        && sqlx::query(
                            "INSERT INTO payment_claims (debt_key, payment_id) VALUES ($1, $2) ON CONFLICT (debt_key) DO NOTHING",
                        )
                        .bind(key)
                        .bind(&rec.id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                            == 1;
                    if !claimed {
                        free = false;
                        break;
                    }
                }
                if free {
                    tx.commit().await?;
                } else {
                    tx.rollback().await?;
                }
                Ok(Some(free))
            }
        })?;
        match taken {
            // Another confirmation of this payment got there first: its state is the answer.
            None => {}
            Some(false) => {
                self.fail_awaiting(&rec.id, "already_paid").await?;
                return Err(StoreError::Refused(decline_reason("already_paid").into()));
            }
            Some(true) => {
                self.journal_payment(
                    account_id,
                    &rec.policyholder_id,
                    "payment.confirmed",
                    &rec.number,
                )
                .await;
                self.publish_payment(&rec.account_id, &rec.policyholder_id, &rec.id)
                    .await;
                // If the acquirer cannot be reached now, the reconciler asks it later.
                if let Err(e) = provider
                    .charge(&rec.id, &rec.provider_token, rec.amount)
                    .await
                {
                    tracing::warn!(error = %e, payment = %rec.number, "acquirer charge");
                }
            }
        }
        let rec = self
            .payment_record(&rec.id)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.view(rec, account_id).await
    }

    async fn publish_payment(&self, account_id: &str, policyholder_id: &str, payment_id: &str) {
        for topic in [
            account_topic(account_id),
            policyholder_topic(policyholder_id),
        ] {
            if let Err(e) = self.publish(&topic, "payment", payment_id).await {
                tracing::warn!(error = %e, "publish payment");
            }
        }
    }

    /// The acquirer's webhook: signature, freshness and replay are checked before anything
    /// changes. Every refusal is logged.
    pub async fn payment_webhook(
        &self,
        provider: &dyn PaymentProvider,
        signature: &str,
        body: &str,
    ) -> Result<(), WebhookError> {
        let event = provider
            .verify_webhook(signature, body, self.now())
            .inspect_err(|e| tracing::warn!(error = %e, "payment webhook refused"))?;
        let fresh = on_pool!(self, p => sqlx::query(
            "INSERT INTO payment_webhook_events (event_id, payment_id, received_at) VALUES ($1, $2, $3)
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(&event.event_id)
        .bind(&event.order_id)
        .bind(self.now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
        .map_err(|e| {
            tracing::error!(error = %e, "payment webhook");
            WebhookError::Malformed
        })?;
        if fresh != 1 {
            tracing::warn!(event = %event.event_id, "payment webhook replayed; refused");
            return Err(WebhookError::Replayed);
        }
        let outcome = match event.status {
            ProviderStatus::Succeeded {
                operation_id,
                amount,
            } => Outcome::Paid {
                operation_id,
                amount,
            },
            ProviderStatus::Declined { reason_code } => Outcome::Declined(reason_code),
            ProviderStatus::Pending | ProviderStatus::Unknown => return Ok(()),
        };
        if let Err(e) = self.complete_payment(&event.order_id, outcome).await {
            tracing::error!(error = %e, order = %event.order_id, "completing a payment");
            // Not recorded: let the acquirer send it again.
            let _ = on_pool!(self, p => sqlx::query("DELETE FROM payment_webhook_events WHERE event_id = $1")
                .bind(&event.event_id)
                .execute(p)
                .await
                .map(|r| r.rows_affected()));
            return Err(WebhookError::Malformed);
        }
        Ok(())
    }

    /// Records how a «processing» payment ended, in one transaction with its effects: on success
    /// the debts become paid and the receipt and invoice are made; otherwise the claims are
    /// released. Returns false when the payment had already ended (a second webhook, the
    /// reconciler after the webhook).
    pub async fn complete_payment(&self, payment_id: &str, outcome: Outcome) -> StoreResult<bool> {
        let Some(rec) = self.payment_record(payment_id).await? else {
            return Err(StoreError::NotFound);
        };
        let outcome = match outcome {
            Outcome::Paid { amount, .. } if amount != rec.amount => {
                tracing::error!(payment = %rec.number, expected = rec.amount.0, got = amount.0, "acquirer confirmed another sum");
                Outcome::Failed("amount_mismatch".into())
            }
            o => o,
        };
        let now = self.now();
        let (status, reason, operation) = match &outcome {
            Outcome::Paid { operation_id, .. } => ("succeeded", None, Some(operation_id.clone())),
            Outcome::Declined(r) => ("declined", Some(r.clone()), None),
            Outcome::Failed(r) => ("failed", Some(r.clone()), None),
        };
        let items = on_pool_db!(self, p, Db => sqlx::query_as::<Db, PaymentItem>(
            "SELECT debt_key, title, policy_number, amount, penalty FROM payment_items WHERE payment_id = $1",
        )
        .bind(payment_id)
        .fetch_all(p)
        .await)?;
        let year = moscow_year(now);
        let documents = [
            (
                new_id(),
                "receipt",
                new_number("ЧЕК", year),
                format!("Чек по платежу {}", rec.number),
            ),
            (
                new_id(),
                "invoice",
                new_number("СФ", year),
                format!("Счёт-фактура по платежу {}", rec.number),
            ),
        ];
        crate::fail_point("payment.before_record");
        let done = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let moved = sqlx::query(
                "UPDATE payments SET status = $1, reason_code = $2, provider_ref = $3, completed_at = $4
                 WHERE id = $5 AND status = 'processing'",
            )
            .bind(status)
            .bind(&reason)
            .bind(&operation)
            .bind(now)
            .bind(payment_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
            if status == "succeeded" {
                for item in &items {
                    match DebtKey::parse(&item.debt_key) {
                        Some(DebtKey::Contribution(id)) => {
                            let c: (String, NaiveDate) = sqlx::query_as(
                                "UPDATE contributions SET paid = paid + $1 WHERE id = $2 AND policyholder_id = $3
                                 RETURNING policy_id, accrued_on",
                            )
                            .bind(item.amount.0)
                            .bind(&id)
                            .bind(&rec.policyholder_id)
                            .fetch_one(&mut *tx)
                            .await?;
                            // The premium charge of the same month follows its contribution.
                            sqlx::query(
                                "UPDATE charges SET status = 'paid' WHERE policyholder_id = $1 AND policy_id = $2
                                 AND kind = 'premium' AND charged_on = $3",
                            )
                            .bind(&rec.policyholder_id)
                            .bind(&c.0)
                            .bind(c.1)
                            .execute(&mut *tx)
                            .await?;
                            if item.penalty.0 > 0 {
                                sqlx::query(
                                    "INSERT INTO charges (id, policyholder_id, policy_id, kind, charged_on, amount, status, description, created_at)
                                     VALUES ($1, $2, $3, 'penalty', $4, $5, 'paid', $6, $7)",
                                )
                                .bind(new_id())
                                .bind(&rec.policyholder_id)
                                .bind(&c.0)
                                .bind(now.with_timezone(&domain::dates::moscow()).date_naive())
                                .bind(item.penalty.0)
                                .bind(format!("Пени за просрочку взноса за {} (платёж {})", c.1.format("%m.%Y"), rec.number))
                                .bind(now)
                                .execute(&mut *tx)
                                .await?;
                            }
                        }
                        Some(DebtKey::Charge(id)) => {
                            sqlx::query("UPDATE charges SET status = 'paid' WHERE id = $1 AND policyholder_id = $2")
                                .bind(&id)
                                .bind(&rec.policyholder_id)
                                .execute(&mut *tx)
                                .await?;
                        }
                        None => {}
                    }
                }
                for (id, kind, number, title) in &documents {
                    sqlx::query(
                        "INSERT INTO documents (id, policyholder_id, kind, number, title, payment_id, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(id)
                    .bind(&rec.policyholder_id)
                    .bind(kind)
                    .bind(number)
                    .bind(title)
                    .bind(payment_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            } else {
                sqlx::query("DELETE FROM payment_claims WHERE payment_id = $1")
                    .bind(payment_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<bool, StoreError>(true)
        })?;
        if !done {
            return Ok(false);
        }
        self.after_payment(&rec, status, reason.as_deref(), &documents[0].0)
            .await;
        Ok(true)
    }

    /// Tells everyone concerned, after the payment's end is recorded. Failures here are logged:
    /// the money side is already settled.
    async fn after_payment(
        &self,
        rec: &PaymentRecord,
        status: &str,
        reason: Option<&str>,
        receipt_id: &str,
    ) {
        if status == "succeeded"
            && let Err(e) = self.publish_balance(&rec.policyholder_id).await
        {
            tracing::warn!(error = %e, "publish balance");
        }
        self.publish_payment(&rec.account_id, &rec.policyholder_id, &rec.id)
            .await;
        let link = format!("/payments/{}", rec.id);
        let (title, body) = if status == "succeeded" {
            (
                format!("Платёж {} выполнен", rec.number),
                format!(
                    "Оплачено {}. Чек и счёт-фактура — в «Документах».",
                    rec.amount
                ),
            )
        } else {
            (
                format!("Платёж {} не выполнен", rec.number),
                decline_reason(reason.unwrap_or("")).to_string(),
            )
        };
        if let Err(e) = self.add_notice(&rec.account_id, &title, &body, &link).await {
            tracing::warn!(error = %e, "payment notice");
        }
        self.journal_payment(
            &rec.account_id,
            &rec.policyholder_id,
            if status == "succeeded" {
                "payment.succeeded"
            } else {
                "payment.declined"
            },
            &rec.number,
        )
        .await;
        if status == "succeeded"
            && let Err(e) = self.mail_receipt(rec, receipt_id).await
        {
            tracing::warn!(error = %e, "mailing the receipt");
        }
    }

    async fn mail_receipt(&self, rec: &PaymentRecord, receipt_id: &str) -> StoreResult<()> {
        let account = self.account(&rec.account_id).await?;
        let (file_name, pdf) = self.document_file(&rec.policyholder_id, receipt_id).await?;
        self.notify_with_attachment(
            &crate::Message {
                channel: Channel::Email,
                to: account.email.clone(),
                subject: format!("Чек по платежу {}", rec.number),
                body: format!(
                    "Здравствуйте, {}!\n\nПлатёж {} на сумму {} выполнен {}. Чек во вложении; он и счёт-фактура также хранятся в разделе «Документы» Кабинета страхователя.\n\nКабинет страхователя",
                    account.full_name,
                    rec.number,
                    rec.amount,
                    format_date(self.today())
                ),
            },
            &file_name,
            pdf,
        )
        .await
    }

    /// Settles every payment left «processing» longer than [`RECONCILE_AFTER_SECONDS`] by asking
    /// the acquirer, and ends payments whose code was never entered. Safe to run from several
    /// processes: each end is a conditional update. Returns how many were settled.
    pub async fn reconcile_payments(&self, provider: &dyn PaymentProvider) -> StoreResult<usize> {
        let now = self.now();
        on_pool!(self, p => sqlx::query(
            "UPDATE payments SET status = 'failed', reason_code = 'code_expired', completed_at = $1
             WHERE status = 'awaiting_code' AND code_expires_at <= $1",
        )
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        let stale: Vec<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT id FROM payments WHERE status = 'processing' AND confirmed_at <= $1 ORDER BY confirmed_at LIMIT 100",
        )
        .bind(now - Duration::seconds(RECONCILE_AFTER_SECONDS))
        .fetch_all(p)
        .await)?;
        let mut settled = 0;
        for id in stale {
            let outcome = match provider.status(&id).await? {
                ProviderStatus::Pending => continue,
                ProviderStatus::Unknown => Outcome::Failed("not_received".into()),
                ProviderStatus::Succeeded {
                    operation_id,
                    amount,
                } => Outcome::Paid {
                    operation_id,
                    amount,
                },
                ProviderStatus::Declined { reason_code } if reason_code == "timeout" => {
                    Outcome::Failed(reason_code)
                }
                ProviderStatus::Declined { reason_code } => Outcome::Declined(reason_code),
            };
            if self.complete_payment(&id, outcome).await? {
                settled += 1;
            }
        }
        Ok(settled)
    }

    /// «История платежей» of the acting policyholder, newest first.
    pub async fn payments(
        &self,
        account_id: &str,
        policyholder_id: &str,
        page: i64,
    ) -> StoreResult<(Vec<PaymentRow>, i64)> {
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        // Within some policies only, a holder sees the payments they made themselves.
        let mine = if holder.allows(Need::Whole) {
            ""
        } else {
            account_id
        };
        let page = page.max(1);
        let rows = on_pool_db!(self, p, Db => sqlx::query_as::<Db, PaymentRow>(
            "SELECT id, number, status, method_label, amount, created_at FROM payments
             WHERE policyholder_id = $1 AND ($4 = '' OR account_id = $4)
             ORDER BY created_at DESC, id LIMIT $2 OFFSET $3",
        )
        .bind(policyholder_id)
        .bind(HISTORY_PER_PAGE)
        .bind(page.saturating_sub(1).saturating_mul(HISTORY_PER_PAGE))
        .bind(mine)
        .fetch_all(p)
        .await)?;
        let total: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM payments WHERE policyholder_id = $1 AND ($2 = '' OR account_id = $2)",
        )
        .bind(policyholder_id)
        .bind(mine)
        .fetch_one(p)
        .await)?;
        Ok((rows, total))
    }
}

pub(crate) fn moscow_year(t: DateTime<Utc>) -> i32 {
    chrono::Datelike::year(&t.with_timezone(&domain::dates::moscow()))
}
