//! Requests: «Создать запрос» (idempotent, with its submission receipt), «История запросов»
//! with filters paged here, a request's page with its thread of messages both ways, and the
//! staff's side: queues, «Взять себе», replies and status changes with a comment; a completed
//! «Справка» request produces its certificate in «Документы».
//!
//! Authority: a policyholder's side sees a request only through an authority in force over the
//! request's policyholder; staff see every request; anybody else gets "not found". Every change
//! goes to the action journal and publishes a `request` event on the policyholder's topic, so
//! exactly the sessions with authority see it at once.

use crate::documents::{NewDocument, moscow_start};
use crate::events::{policyholder_topic, staff_topic};
use crate::journal::Entry;
use crate::payments::{moscow_year, new_number};
use crate::{Store, StoreError, StoreResult, new_id, on_pool, on_pool_db};
use chrono::{DateTime, Utc};
use domain::dates::format_date;
use domain::delegation::Need;
use domain::requests::{
    RequestDocument, RequestFilter, RequestKind, RequestMessage, RequestPage, RequestRow,
    RequestStatus, RequestView, ValidRequest,
};
use sha2::Digest;

pub const REQUESTS_PER_PAGE: i64 = 20;

/// Which requests a staff queue shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StaffQueue {
    pub filter: RequestFilter,
    /// Only the ones this staff member took.
    pub mine: bool,
    /// Only the ones nobody took yet.
    pub unassigned: bool,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    number: String,
    kind: String,
    status: String,
    policy_number: String,
    policyholder_name: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    assignee: Option<String>,
}

impl Row {
    fn into_row(self) -> RequestRow {
        RequestRow {
            id: self.id,
            number: self.number,
            kind: RequestKind::parse(&self.kind).unwrap_or(RequestKind::Certificate),
            status: RequestStatus::parse(&self.status).unwrap_or(RequestStatus::Processing),
            policy_number: self.policy_number,
            policyholder_name: self.policyholder_name,
            created_at: self.created_at,
            updated_at: self.updated_at,
            assignee: self.assignee,
        }
    }
}

#[derive(sqlx::FromRow)]
struct Head {
    id: String,
    number: String,
    kind: String,
    status: String,
    reason: Option<String>,
    policy_id: String,
    policy_number: String,
    policyholder_id: String,
    policyholder_name: String,
    full_name: String,
    phone: String,
    description: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    assignee: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: String,
    author_side: String,
    author: String,
    body: String,
    status: Option<String>,
    created_at: DateTime<Utc>,
}

const LIST_COLUMNS: &str =
    "r.id, r.number, r.kind, r.status, p.number AS policy_number, h.name AS policyholder_name,
     r.created_at, r.updated_at, s.full_name AS assignee";
const LIST_FROM: &str = " FROM requests r JOIN policies p ON p.id = r.policy_id
     JOIN policyholders h ON h.id = r.policyholder_id LEFT JOIN accounts s ON s.id = r.assignee_id";

/// Refuses (by field `files`) a file the caller did not upload or that is already attached to
/// something: checked before anything is written, so a refused submission leaves no trace.
async fn own_files(store: &Store, account_id: &str, ids: &[String]) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let free: i64 = on_pool_db!(store, p, Db => {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT COUNT(*) FROM attachments WHERE owner IS NULL AND account_id = ",
        );
        q.push_bind(account_id.to_string()).push(" AND id IN (");
        let mut sep = q.separated(", ");
        for id in ids {
            sep.push_bind(id.clone());
        }
        q.push(")");
        q.build_query_scalar::<i64>().fetch_one(p).await
    })?;
    if free == ids.len() as i64 {
        Ok(())
    } else {
        Err(StoreError::field(
            "files",
            "Файл не найден или уже приложен: добавьте его ещё раз",
        ))
    }
}

/// What the policyholder's side may still do.
fn open(status: RequestStatus) -> StoreResult<()> {
    if status.is_final() {
        Err(StoreError::Refused(format!(
            "Запрос уже в статусе «{}»: изменить его нельзя. Создайте новый запрос",
            status.label()
        )))
    } else {
        Ok(())
    }
}

impl Store {
    /// «Отправить» on «Создать запрос»: the request with number `ЗАП-ГГГГ-XXXXXXXX`, status «В
    /// обработке», and its «Квитанция о подаче» in «Документы». The same idempotency key with the
    /// same form answers the same request; with another form it is refused.
    pub async fn create_request(
        &self,
        account_id: &str,
        policyholder_id: &str,
        form: &ValidRequest,
        ip: &str,
    ) -> StoreResult<String> {
        self.authorized_for(account_id, policyholder_id, Need::Report)
            .await?;
        let policy_number: String = on_pool!(self, p => sqlx::query_scalar(
            "SELECT number FROM policies WHERE policyholder_id = $1 AND id = $2",
        )
        .bind(policyholder_id)
        .bind(&form.policy_id)
        .fetch_optional(p)
        .await)?
        .ok_or_else(|| {
            StoreError::field("policy_id", "Полис не найден среди полисов страхователя")
        })?;
        let body_hash = hex::encode(sha2::Sha256::digest(
            format!(
                "{policyholder_id}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
                form.policy_id,
                form.kind.code(),
                form.phone,
                form.description,
                form.files.join(",")
            )
            .as_bytes(),
        ));
        if let Some(id) = self
            .same_key_request(account_id, &form.idempotency_key, &body_hash)
            .await?
        {
            // Linking again is a no-op; it completes a first attempt cut short.
            self.link_attachments(
                account_id,
                &form.files,
                policyholder_id,
                &format!("request:{id}"),
            )
            .await?;
            return Ok(id);
        }
        own_files(self, account_id, &form.files).await?;
        let account = self.account(account_id).await?;
        let id = new_id();
        let now = self.now();
        let number = new_number("ЗАП", moscow_year(now));
        let inserted = on_pool!(self, p => sqlx::query(
            "INSERT INTO requests (id, policyholder_id, number, account_id, policy_id, kind, full_name, phone,
                                   description, status, reason, assignee_id, idempotency_key, body_hash,
                                   created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'processing', NULL, NULL, $10, $11, $12, $12)
             ON CONFLICT (account_id, idempotency_key) DO NOTHING",
        )
        .bind(&id)
        .bind(policyholder_id)
        .bind(&number)
        .bind(account_id)
        .bind(&form.policy_id)
        .bind(form.kind.code())
        .bind(&account.full_name)
        .bind(&form.phone)
        .bind(&form.description)
        .bind(&form.idempotency_key)
        .bind(&body_hash)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if inserted == 0 {
            // A parallel «Отправить» with the same key won.
            return self
                .same_key_request(account_id, &form.idempotency_key, &body_hash)
                .await?
                .ok_or_else(|| StoreError::Internal("request vanished".into()));
        }
        self.link_attachments(
            account_id,
            &form.files,
            policyholder_id,
            &format!("request:{id}"),
        )
        .await?;
        self.journal(Entry {
            account_id: Some(account_id),
            policyholder_id: Some(policyholder_id),
            action: "request.created",
            object_type: "request",
            object_id: &id,
            ip,
            details: &number,
        })
        .await?;
        self.issue_submission_receipt(
            policyholder_id,
            "Запрос",
            &number,
            Some(&form.policy_id),
            Some(&id),
            vec![
                ("Тип запроса".into(), form.kind.label().into()),
                ("Полис".into(), policy_number),
                ("Заявитель".into(), account.full_name.clone()),
                ("Контактный телефон".into(), form.phone.clone()),
                ("Приложено файлов".into(), form.files.len().to_string()),
            ],
        )
        .await?;
        self.publish_request(policyholder_id, &id).await?;
        Ok(id)
    }

    async fn same_key_request(
        &self,
        account_id: &str,
        key: &str,
        hash: &str,
    ) -> StoreResult<Option<String>> {
        let found: Option<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, body_hash FROM requests WHERE account_id = $1 AND idempotency_key = $2",
        )
        .bind(account_id)
        .bind(key)
        .fetch_optional(p)
        .await)?;
        match found {
            None => Ok(None),
            Some((id, h)) if h == hash => Ok(Some(id)),
            Some(_) => Err(StoreError::Refused(
                "Запрос с этой формы уже отправлен с другими данными. Обновите страницу, чтобы создать новый запрос".into(),
            )),
        }
    }

    /// A request changed: the policyholder's open cabinets and every staff console see it.
    pub(crate) async fn publish_request(&self, policyholder_id: &str, id: &str) -> StoreResult<()> {
        self.publish(&policyholder_topic(policyholder_id), "request", id)
            .await?;
        self.publish(&staff_topic(), "request", id).await
    }

    /// «История запросов» of the policyholder: filters, newest first, one page.
    pub async fn requests(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &RequestFilter,
    ) -> StoreResult<RequestPage> {
        self.authorized_for(account_id, policyholder_id, Need::Report)
            .await?;
        self.request_page(Some(policyholder_id), f, None, false)
            .await
    }

    /// The staff's queue: every policyholder's requests with the filters; oldest change first,
    /// so what waits longest is on top.
    pub async fn staff_requests(&self, staff_id: &str, q: &StaffQueue) -> StoreResult<RequestPage> {
        self.require_staff(staff_id).await?;
        let mine = q.mine.then_some(staff_id);
        self.request_page(None, &q.filter, mine, q.unassigned).await
    }

    async fn request_page(
        &self,
        policyholder_id: Option<&str>,
        f: &RequestFilter,
        assignee: Option<&str>,
        unassigned: bool,
    ) -> StoreResult<RequestPage> {
        let page = f.page.max(1);
        let staff = policyholder_id.is_none();
        let (rows, total) = on_pool_db!(self, p, Db => {
            let filter = |q: &mut sqlx::QueryBuilder<Db>| {
                q.push(LIST_FROM).push(" WHERE 1 = 1");
                if let Some(ph) = policyholder_id {
                    q.push(" AND r.policyholder_id = ").push_bind(ph.to_string());
                }
                if let Some(s) = &f.status {
                    q.push(" AND r.status = ").push_bind(s.clone());
                }
                if let Some(k) = &f.kind {
                    q.push(" AND r.kind = ").push_bind(k.clone());
                }
                if let Some(pid) = &f.policy_id {
                    q.push(" AND r.policy_id = ").push_bind(pid.clone());
                }
                if let Some(from) = f.from {
                    q.push(" AND r.created_at >= ").push_bind(moscow_start(from));
                }
                // The day after `to` (none after the calendar's last day: no upper bound then).
                if let Some(next) = f.to.and_then(|to| to.succ_opt()) {
                    q.push(" AND r.created_at < ").push_bind(moscow_start(next));
                }
                if let Some(a) = assignee {
                    q.push(" AND r.assignee_id = ").push_bind(a.to_string());
                }
                if unassigned {
                    q.push(" AND r.assignee_id IS NULL");
                }
            };
            let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
            q.push(LIST_COLUMNS);
            filter(&mut q);
            q.push(if staff {
                " ORDER BY r.updated_at, r.number"
            } else {
                " ORDER BY r.created_at DESC, r.number"
            });
            q.push(" LIMIT ").push_bind(REQUESTS_PER_PAGE)
                .push(" OFFSET ").push_bind(page.saturating_sub(1).saturating_mul(REQUESTS_PER_PAGE));
            let rows = q.build_query_as::<Row>().fetch_all(p).await?;
            let mut c = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*)");
            filter(&mut c);
            let total: i64 = c.build_query_scalar().fetch_one(p).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok(RequestPage {
            rows: rows.into_iter().map(Row::into_row).collect(),
            total,
            page,
            per_page: REQUESTS_PER_PAGE,
        })
    }

    /// The request's policyholder, or "not found".
    pub(crate) async fn request_holder(&self, request_id: &str) -> StoreResult<String> {
        on_pool!(self, p => sqlx::query_scalar::<_, String>(
            "SELECT policyholder_id FROM requests WHERE id = $1",
        )
        .bind(request_id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)
    }

    /// `/requests/{id}`: "not found" unless the account has authority over its policyholder.
    pub async fn request_view(
        &self,
        account_id: &str,
        request_id: &str,
    ) -> StoreResult<RequestView> {
        let ph = self.request_holder(request_id).await?;
        self.authorized_for(account_id, &ph, Need::Report).await?;
        self.load_request(&ph, request_id).await
    }

    /// A request as staff see it.
    pub async fn staff_request(
        &self,
        staff_id: &str,
        request_id: &str,
    ) -> StoreResult<RequestView> {
        self.require_staff(staff_id).await?;
        let ph = self.request_holder(request_id).await?;
        self.load_request(&ph, request_id).await
    }

    async fn load_request(
        &self,
        policyholder_id: &str,
        request_id: &str,
    ) -> StoreResult<RequestView> {
        let head = on_pool_db!(self, p, Db => sqlx::query_as::<Db, Head>(
            "SELECT r.id, r.number, r.kind, r.status, r.reason, r.policy_id, p.number AS policy_number,
                    r.policyholder_id, h.name AS policyholder_name, r.full_name, r.phone, r.description,
                    r.created_at, r.updated_at, s.full_name AS assignee
             FROM requests r JOIN policies p ON p.id = r.policy_id JOIN policyholders h ON h.id = r.policyholder_id
             LEFT JOIN accounts s ON s.id = r.assignee_id
             WHERE r.policyholder_id = $1 AND r.id = $2",
        )
        .bind(policyholder_id)
        .bind(request_id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)?;
        let messages = on_pool_db!(self, p, Db => sqlx::query_as::<Db, MessageRow>(
            "SELECT m.id, m.author_side, a.full_name AS author, m.body, m.status, m.created_at
             FROM request_messages m JOIN accounts a ON a.id = m.author_id
             WHERE m.policyholder_id = $1 AND m.request_id = $2 ORDER BY m.created_at, m.id",
        )
        .bind(policyholder_id)
        .bind(request_id)
        .fetch_all(p)
        .await)?;
        let documents: Vec<(String, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, title, number FROM documents WHERE policyholder_id = $1 AND request_id = $2
             ORDER BY created_at, number",
        )
        .bind(policyholder_id)
        .bind(request_id)
        .fetch_all(p)
        .await)?;
        let files = self
            .attachments_of(&format!("request:{request_id}"))
            .await?;
        let mut thread = Vec::with_capacity(messages.len());
        for m in messages {
            let files = self
                .attachments_of(&format!("request-message:{}", m.id))
                .await?;
            thread.push(RequestMessage {
                from_staff: m.author_side == "staff",
                author: m.author,
                body: m.body,
                status: m.status.as_deref().and_then(RequestStatus::parse),
                created_at: m.created_at,
                files,
                id: m.id,
            });
        }
        Ok(RequestView {
            id: head.id,
            number: head.number,
            kind: RequestKind::parse(&head.kind).unwrap_or(RequestKind::Certificate),
            status: RequestStatus::parse(&head.status).unwrap_or(RequestStatus::Processing),
            reason: head.reason,
            policy_id: head.policy_id,
            policy_number: head.policy_number,
            policyholder_id: head.policyholder_id,
            policyholder_name: head.policyholder_name,
            full_name: head.full_name,
            phone: head.phone,
            description: head.description,
            created_at: head.created_at,
            updated_at: head.updated_at,
            assignee: head.assignee,
            files,
            messages: thread,
            documents: documents
                .into_iter()
                .map(|(id, title, number)| RequestDocument { id, title, number })
                .collect(),
        })
    }

    async fn request_status(
        &self,
        policyholder_id: &str,
        request_id: &str,
    ) -> StoreResult<RequestStatus> {
        let s: String = on_pool!(self, p => sqlx::query_scalar(
            "SELECT status FROM requests WHERE policyholder_id = $1 AND id = $2",
        )
        .bind(policyholder_id)
        .bind(request_id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)?;
        Ok(RequestStatus::parse(&s).unwrap_or(RequestStatus::Processing))
    }

    /// Adds a message to the thread and, if `status` is given, moves the request to it; one
    /// transaction, conditional on the status read (a concurrent change makes this one retry).
    #[allow(clippy::too_many_arguments)]
    async fn add_message(
        &self,
        policyholder_id: &str,
        request_id: &str,
        author_id: &str,
        side: &str,
        body: &str,
        from: RequestStatus,
        status: Option<RequestStatus>,
        reason: Option<&str>,
    ) -> StoreResult<String> {
        let now = self.now();
        let message_id = new_id();
        let changed = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE requests SET status = $1, reason = COALESCE($2, reason), updated_at = $3
                 WHERE policyholder_id = $4 AND id = $5 AND status = $6",
            )
            .bind(status.unwrap_or(from).code())
            .bind(reason)
            .bind(now)
            .bind(policyholder_id)
            .bind(request_id)
            .bind(from.code())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                sqlx::query(
                    "INSERT INTO request_messages (id, request_id, policyholder_id, author_id, author_side, body, status, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&message_id)
                .bind(request_id)
                .bind(policyholder_id)
                .bind(author_id)
                .bind(side)
                .bind(body)
                .bind(status.map(RequestStatus::code))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        if changed == 0 {
            return Err(StoreError::Refused(
                "Запрос только что изменился. Обновите страницу и повторите".into(),
            ));
        }
        Ok(message_id)
    }

    /// «Редактировать запрос»: a comment and/or files from the policyholder's side. An answer to
    /// «Требуется уточнение» returns the request to «В обработке».
    pub async fn comment_request(
        &self,
        account_id: &str,
        request_id: &str,
        body: &str,
        files: &[String],
        ip: &str,
    ) -> StoreResult<()> {
        let files = domain::requests::file_ids(files).map_err(|m| StoreError::field("files", m))?;
        // Files alone are a comment too.
        let body = if files.is_empty() || !body.trim().is_empty() {
            domain::requests::comment(body).map_err(|m| StoreError::field("comment", m))?
        } else {
            String::new()
        };
        let ph = self.request_holder(request_id).await?;
        self.authorized_for(account_id, &ph, Need::Report).await?;
        let from = self.request_status(&ph, request_id).await?;
        open(from)?;
        own_files(self, account_id, &files).await?;
        let to = (from == RequestStatus::Clarification).then_some(RequestStatus::Processing);
        let message = self
            .add_message(&ph, request_id, account_id, "holder", &body, from, to, None)
            .await?;
        self.link_attachments(
            account_id,
            &files,
            &ph,
            &format!("request-message:{message}"),
        )
        .await?;
        self.journal(Entry {
            account_id: Some(account_id),
            policyholder_id: Some(&ph),
            action: "request.commented",
            object_type: "request",
            object_id: request_id,
            ip,
            details: "",
        })
        .await?;
        self.publish_request(&ph, request_id).await
    }

    /// «Взять себе»: the staff member becomes the request's assignee.
    pub async fn staff_assign_request(
        &self,
        staff_id: &str,
        request_id: &str,
        ip: &str,
    ) -> StoreResult<()> {
        self.require_staff(staff_id).await?;
        let ph = self.request_holder(request_id).await?;
        on_pool!(self, p => sqlx::query(
            "UPDATE requests SET assignee_id = $1, updated_at = $2 WHERE policyholder_id = $3 AND id = $4",
        )
        .bind(staff_id)
        .bind(self.now())
        .bind(&ph)
        .bind(request_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        self.journal(Entry {
            account_id: Some(staff_id),
            policyholder_id: Some(&ph),
            action: "request.assigned",
            object_type: "request",
            object_id: request_id,
            ip,
            details: "",
        })
        .await?;
        self.publish_request(&ph, request_id).await
    }

    /// A staff reply, optionally with a new status. «Отклонено» needs the reply as its reason;
    /// «Завершено» of a «Справка» request produces the certificate in «Документы».
    pub async fn staff_reply_request(
        &self,
        staff_id: &str,
        request_id: &str,
        body: &str,
        status: Option<RequestStatus>,
        files: &[String],
        ip: &str,
    ) -> StoreResult<()> {
        self.require_staff(staff_id).await?;
        let files = domain::requests::file_ids(files).map_err(|m| StoreError::field("files", m))?;
        let body = domain::requests::comment(body).map_err(|m| {
            StoreError::field(
                "comment",
                &if status == Some(RequestStatus::Rejected) {
                    "Укажите причину отказа в комментарии".to_string()
                } else {
                    m
                },
            )
        })?;
        let ph = self.request_holder(request_id).await?;
        let from = self.request_status(&ph, request_id).await?;
        open(from)?;
        let status = status.filter(|s| *s != from);
        let reason = (status == Some(RequestStatus::Rejected)).then_some(body.as_str());
        own_files(self, staff_id, &files).await?;
        let message = self
            .add_message(
                &ph, request_id, staff_id, "staff", &body, from, status, reason,
            )
            .await?;
        self.link_attachments(staff_id, &files, &ph, &format!("request-message:{message}"))
            .await?;
        self.journal(Entry {
            account_id: Some(staff_id),
            policyholder_id: Some(&ph),
            action: if status.is_some() {
                "request.status"
            } else {
                "request.replied"
            },
            object_type: "request",
            object_id: request_id,
            ip,
            details: status.map(RequestStatus::label).unwrap_or(""),
        })
        .await?;
        if status == Some(RequestStatus::Completed) {
            let kind: String = on_pool!(self, p => sqlx::query_scalar(
                "SELECT kind FROM requests WHERE policyholder_id = $1 AND id = $2",
            )
            .bind(&ph)
            .bind(request_id)
            .fetch_one(p)
            .await)?;
            if kind == RequestKind::Certificate.code() {
                self.issue_certificate(staff_id, &ph, request_id, ip)
                    .await?;
            }
        }
        self.publish_request(&ph, request_id).await
    }

    /// «Выдать справку»: a certificate on the request's policy, attached to the request and kept
    /// in «Документы». One per request (its number is the request's).
    pub async fn staff_issue_certificate(
        &self,
        staff_id: &str,
        request_id: &str,
        ip: &str,
    ) -> StoreResult<String> {
        self.require_staff(staff_id).await?;
        let ph = self.request_holder(request_id).await?;
        let id = self
            .issue_certificate(staff_id, &ph, request_id, ip)
            .await?;
        self.publish_request(&ph, request_id).await?;
        Ok(id)
    }

    pub(crate) async fn issue_certificate(
        &self,
        staff_id: &str,
        policyholder_id: &str,
        request_id: &str,
        ip: &str,
    ) -> StoreResult<String> {
        #[derive(sqlx::FromRow)]
        struct Facts {
            number: String,
            policy_id: String,
            policy_number: String,
            programme: String,
            insurer: String,
            starts_on: chrono::NaiveDate,
            ends_on: chrono::NaiveDate,
            insured_sum: i64,
            holder: String,
        }
        let f = on_pool_db!(self, p, Db => sqlx::query_as::<Db, Facts>(
            "SELECT r.number, r.policy_id, p.number AS policy_number, g.name AS programme, i.name AS insurer,
                    p.starts_on, p.ends_on, p.insured_sum, h.name AS holder
             FROM requests r JOIN policies p ON p.id = r.policy_id JOIN programmes g ON g.id = p.programme_id
             JOIN insurers i ON i.id = p.insurer_id JOIN policyholders h ON h.id = r.policyholder_id
             WHERE r.policyholder_id = $1 AND r.id = $2",
        )
        .bind(policyholder_id)
        .bind(request_id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)?;
        let tail = f
            .number
            .split_once('-')
            .map(|(_, t)| t)
            .unwrap_or(&f.number);
        let number = format!("СПР-{tail}");
        let id = self
            .issue_document(NewDocument {
                policyholder_id,
                kind: "certificate",
                number: &number,
                title: "Справка о действии договора страхования",
                policy_id: Some(&f.policy_id),
                request_id: Some(request_id),
                rows: crate::documents::facts(vec![
                    ("Страхователь".into(), f.holder),
                    ("Полис".into(), f.policy_number),
                    ("Программа".into(), f.programme),
                    ("Страховщик".into(), f.insurer),
                    (
                        "Срок действия".into(),
                        format!("{} — {}", format_date(f.starts_on), format_date(f.ends_on)),
                    ),
                    (
                        "Страховая сумма".into(),
                        domain::Money(f.insured_sum).to_string(),
                    ),
                    ("Выдана по запросу".into(), f.number),
                    ("Дата выдачи".into(), format_date(self.today())),
                ]),
            })
            .await?;
        self.journal(Entry {
            account_id: Some(staff_id),
            policyholder_id: Some(policyholder_id),
            action: "document.issued",
            object_type: "document",
            object_id: &id,
            ip,
            details: &number,
        })
        .await?;
        Ok(id)
    }

    /// A document attached to a request, for staff (the staff page links it).
    pub async fn staff_document_pdf(
        &self,
        staff_id: &str,
        document_id: &str,
    ) -> StoreResult<(String, Vec<u8>)> {
        self.require_staff(staff_id).await?;
        let ph: String = on_pool!(self, p => sqlx::query_scalar(
            "SELECT policyholder_id FROM documents WHERE id = $1",
        )
        .bind(document_id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)?;
        self.document_file(&ph, document_id).await
    }

    /// The caller's name, phone and the policy's number for «Создать запрос»; "not found" unless
    /// the policy is the policyholder's and the account has authority over them.
    pub async fn request_prefill(
        &self,
        account_id: &str,
        policyholder_id: &str,
        policy_id: &str,
    ) -> StoreResult<(String, String, String)> {
        let policy = self.policy(account_id, policyholder_id, policy_id).await?;
        let account = self.account(account_id).await?;
        Ok((account.full_name, account.phone, policy.policy.number))
    }
}
