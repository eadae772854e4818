//! «Отчётность»: drafts saved as the user types, «Отправить» (once per idempotency key, with a
//! number ОТЧ-ГГГГ-NNNNNN), the server's checks against the policy with their log, correction and
//! resubmission (every version kept), and staff review (accept → «Завершено», return → «Ошибка»).
//!
//! Every query filters by the policyholder first and checks the caller's authority; another
//! policyholder's report is "not found". Submission claims the report with one conditional
//! update inside the transaction that numbers it, keeps the version and writes the check log, so
//! a double click or a retry yields one report.

use crate::journal::Entry;
use crate::{Store, StoreError, StoreResult, new_id, on_pool};
use chrono::{DateTime, Datelike, Utc};
use domain::delegation::Need;
use domain::files::Attachment;
use domain::reports::{
    CheckRow, EventOption, PolicyFacts, PolicyOption, ReportChoices, ReportForm, ReportKind,
    ReportRow, ReportStatus, ReportView, ValidReport, VersionRow, policy_checks,
};
use domain::{FieldErrors, Money};

/// Drafts and reports listed at most.
pub const LIST_LIMIT: i64 = 200;

#[derive(sqlx::FromRow)]
struct Record {
    id: String,
    policyholder_id: String,
    account_id: String,
    kind: String,
    status: String,
    number: Option<String>,
    form: String,
    version: i32,
    submit_key: Option<String>,
    staff_comment: String,
    updated_at: DateTime<Utc>,
    submitted_at: Option<DateTime<Utc>>,
    decided_at: Option<DateTime<Utc>>,
}

const RECORD_COLUMNS: &str = "id, policyholder_id, account_id, kind, status, number, form, version, submit_key, \
     staff_comment, updated_at, submitted_at, decided_at";

#[derive(sqlx::FromRow)]
struct FactsRow {
    starts_on: chrono::NaiveDate,
    ends_on: chrono::NaiveDate,
    insured_sum: Money,
    rate_min: i64,
    rate_max: i64,
}

/// A draft's id as the browser makes it: 32 hex digits (a v4 UUID without dashes).
fn valid_id(id: &str) -> bool {
    id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit())
}

/// An idempotency key: 16–64 letters, digits and dashes.
fn valid_key(key: &str) -> bool {
    (16..=64).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The owner a report's files are linked to.
fn files_owner(report_id: &str) -> String {
    format!("report:{report_id}")
}

fn parse_form(json: &str) -> ReportForm {
    serde_json::from_str(json).unwrap_or_default()
}

fn to_json(form: &ReportForm) -> StoreResult<String> {
    serde_json::to_string(form).map_err(|e| StoreError::Internal(e.to_string()))
}

/// The files field of the form's kind (none for a payout report, whose files are ignored).
fn valid_kind_files_field(form: &ReportForm) -> Option<&'static str> {
    form.kind().and_then(ReportKind::files_field)
}

/// An error id: short, readable, unguessable enough.
fn error_id() -> String {
    let id = new_id();
    format!("ERR-{}", id[..10].to_uppercase())
}

impl Store {
    /// The policies and insured events the forms offer, for the acting policyholder.
    pub async fn report_choices(
        &self,
        account_id: &str,
        policyholder_id: &str,
    ) -> StoreResult<ReportChoices> {
        self.authorized_for(account_id, policyholder_id, Need::Report)
            .await?;
        let policies = on_pool!(self, p => sqlx::query_as::<_, PolicyOption>(
            "SELECT p.id, p.number, g.name AS programme, p.starts_on, p.ends_on, p.insured_sum
             FROM policies p JOIN programmes g ON g.id = p.programme_id
             WHERE p.policyholder_id = $1 ORDER BY p.ends_on DESC, p.number",
        )
        .bind(policyholder_id)
        .fetch_all(p)
        .await)?;
        let events = on_pool!(self, p => sqlx::query_as::<_, EventOption>(
            "SELECT id, policy_id, number, occurred_at, description FROM insured_events
             WHERE policyholder_id = $1 ORDER BY occurred_at DESC LIMIT 200",
        )
        .bind(policyholder_id)
        .fetch_all(p)
        .await)?;
        Ok(ReportChoices { policies, events })
    }

    /// Saves a draft as typed (creates it on the first save); returns its status. Only drafts
    /// and reports in «Ошибка» (being corrected) take changes; another policyholder's id is
    /// "not found".
    pub async fn save_report_draft(
        &self,
        account_id: &str,
        policyholder_id: &str,
        report_id: &str,
        form: &ReportForm,
    ) -> StoreResult<ReportStatus> {
        self.authorized_for(account_id, policyholder_id, Need::Report)
            .await?;
        if !valid_id(report_id) {
            return Err(StoreError::NotFound);
        }
        let Some(kind) = form.kind() else {
            return Err(StoreError::field("kind", "Неизвестный вид отчёта"));
        };
        let json = to_json(form)?;
        if json.len() > 200_000 {
            return Err(StoreError::Refused(
                "Черновик слишком большой: сократите описание".into(),
            ));
        }
        let now = self.now();
        let policy = Some(form.policy_id.trim()).filter(|s| !s.is_empty());
        // Insert, or update only our own draft (or our report being corrected).
        let changed = on_pool!(self, p => sqlx::query(
            "INSERT INTO reports (id, policyholder_id, account_id, kind, status, policy_id, form, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $7)
             ON CONFLICT (id) DO UPDATE SET form = excluded.form, policy_id = excluded.policy_id,
                 updated_at = excluded.updated_at
             WHERE reports.policyholder_id = excluded.policyholder_id AND reports.kind = excluded.kind
               AND reports.status IN ('draft', 'error')",
        )
        .bind(report_id)
        .bind(policyholder_id)
        .bind(account_id)
        .bind(kind.code())
        .bind(policy)
        .bind(&json)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if changed == 0 {
            // Someone else's id, or a report already sent: neither is a draft of ours.
            return match self.report_record(policyholder_id, report_id).await? {
                Some(r) if r.kind == kind.code() => Err(StoreError::Refused(
                    "Отчёт уже отправлен: изменить его можно, только если проверка вернёт его с ошибками".into(),
                )),
                _ => Err(StoreError::NotFound),
            };
        }
        // The draft's files belong to it from now on, so they outlive the day an unlinked
        // upload is kept. A file that cannot be linked is left for «Отправить» to name.
        let owner = files_owner(report_id);
        let ids = if kind.files_field().is_some() {
            form.file_ids()
        } else {
            Vec::new()
        };
        for id in ids {
            match self
                .link_attachments(
                    account_id,
                    std::slice::from_ref(&id),
                    policyholder_id,
                    &owner,
                )
                .await
            {
                Ok(_) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        let status = self
            .report_record(policyholder_id, report_id)
            .await?
            .and_then(|r| ReportStatus::from_code(&r.status))
            .unwrap_or(ReportStatus::Draft);
        Ok(status)
    }

    /// Deletes a draft never sent.
    pub async fn delete_report_draft(
        &self,
        account_id: &str,
        policyholder_id: &str,
        report_id: &str,
    ) -> StoreResult<()> {
        self.authorized_for(account_id, policyholder_id, Need::Report)
            .await?;
        let gone = on_pool!(self, p => sqlx::query(
            "DELETE FROM reports WHERE policyholder_id = $1 AND id = $2 AND status = 'draft' AND version = 0",
        )
        .bind(policyholder_id)
        .bind(report_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if gone == 0 {
            return Err(StoreError::NotFound);
        }
        // Never sent, so no version refers to its files.
        self.delete_attachments_of(&files_owner(report_id)).await?;
        self.journal(Entry {
            account_id: Some(account_id),
            policyholder_id: Some(policyholder_id),
            action: "report.draft_deleted",
            object_type: "report",
            object_id: report_id,
            ..Default::default()
        })
        .await
    }

    async fn report_record(
        &self,
        policyholder_id: &str,
        report_id: &str,
    ) -> StoreResult<Option<Record>> {
        let sql =
            format!("SELECT {RECORD_COLUMNS} FROM reports WHERE policyholder_id = $1 AND id = $2");
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, Record>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(policyholder_id)
            .bind(report_id)
            .fetch_optional(p)
            .await)?,
        )
    }

    /// The policyholder's drafts (`drafts = true`) or its submitted reports, newest first.
    pub async fn reports(
        &self,
        account_id: &str,
        policyholder_id: &str,
        drafts: bool,
    ) -> StoreResult<Vec<ReportRow>> {
        self.authorized_for(account_id, policyholder_id, Need::Report)
            .await?;
        let cond = if drafts {
            "r.status = 'draft'"
        } else {
            "r.status <> 'draft'"
        };
        let sql = format!(
            "SELECT r.id, r.kind, r.status, r.number, p.number AS policy_number, h.name AS policyholder,
                    r.version, r.updated_at, r.submitted_at
             FROM reports r JOIN policyholders h ON h.id = r.policyholder_id
             LEFT JOIN policies p ON p.id = r.policy_id AND p.policyholder_id = r.policyholder_id
             WHERE r.policyholder_id = $1 AND {cond}
             ORDER BY r.updated_at DESC, r.id LIMIT $2"
        );
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, ReportRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(policyholder_id)
            .bind(LIST_LIMIT)
            .fetch_all(p)
            .await)?,
        )
    }

    /// One report of the policyholder with its log and versions.
    pub async fn report(
        &self,
        account_id: &str,
        policyholder_id: &str,
        report_id: &str,
    ) -> StoreResult<ReportView> {
        self.authorized_for(account_id, policyholder_id, Need::Report)
            .await?;
        let r = self
            .report_record(policyholder_id, report_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.report_view(r).await
    }

    async fn report_view(&self, r: Record) -> StoreResult<ReportView> {
        let form = parse_form(&r.form);
        let (policyholder, policy_number): (String, Option<String>) = on_pool!(self, p => sqlx::query_as(
            "SELECT h.name, (SELECT number FROM policies WHERE id = $2 AND policyholder_id = h.id)
             FROM policyholders h WHERE h.id = $1",
        )
        .bind(&r.policyholder_id)
        .bind(form.policy_id.trim())
        .fetch_one(p)
        .await)?;
        let checks = on_pool!(self, p => sqlx::query_as::<_, CheckRow>(
            "SELECT id, version, field, value, rule, message, source FROM report_checks
             WHERE report_id = $1 AND version = $2 ORDER BY position, id",
        )
        .bind(&r.id)
        .bind(r.version)
        .fetch_all(p)
        .await)?;
        let versions: Vec<(i32, DateTime<Utc>, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT version, submitted_at, form FROM report_versions WHERE report_id = $1 ORDER BY version DESC",
        )
        .bind(&r.id)
        .fetch_all(p)
        .await)?;
        // Every file the report ever had stays linked to it; each version lists its own.
        let linked = self.attachments_of(&files_owner(&r.id)).await?;
        let pick = |f: &ReportForm| -> Vec<Attachment> {
            f.file_ids()
                .iter()
                .filter_map(|id| linked.iter().find(|a| a.id == *id).cloned())
                .collect()
        };
        let files = pick(&form);
        Ok(ReportView {
            files,
            id: r.id,
            kind: r.kind,
            status: r.status,
            number: r.number,
            policyholder,
            policy_number,
            form,
            version: r.version,
            checks,
            versions: versions
                .into_iter()
                .map(|(version, submitted_at, form)| {
                    let form = parse_form(&form);
                    VersionRow {
                        version,
                        submitted_at,
                        files: pick(&form),
                        form,
                    }
                })
                .collect(),
            staff_comment: r.staff_comment,
            updated_at: r.updated_at,
            submitted_at: r.submitted_at,
            decided_at: r.decided_at,
        })
    }

    async fn policy_facts(
        &self,
        policyholder_id: &str,
        policy_id: &str,
    ) -> StoreResult<Option<PolicyFacts>> {
        let row = on_pool!(self, p => sqlx::query_as::<_, FactsRow>(
            "SELECT p.starts_on, p.ends_on, p.insured_sum, g.rate_min, g.rate_max
             FROM policies p JOIN programmes g ON g.id = p.programme_id
             WHERE p.policyholder_id = $1 AND p.id = $2",
        )
        .bind(policyholder_id)
        .bind(policy_id)
        .fetch_optional(p)
        .await)?;
        let Some(f) = row else { return Ok(None) };
        let events: Vec<(String, DateTime<Utc>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, occurred_at FROM insured_events WHERE policyholder_id = $1 AND policy_id = $2",
        )
        .bind(policyholder_id)
        .bind(policy_id)
        .fetch_all(p)
        .await)?;
        Ok(Some(PolicyFacts {
            starts_on: f.starts_on,
            ends_on: f.ends_on,
            insured_sum: f.insured_sum,
            rate_min: f.rate_min,
            rate_max: f.rate_max,
            events: events
                .into_iter()
                .map(|(id, t)| (id, t.with_timezone(&domain::dates::moscow()).date_naive()))
                .collect(),
        }))
    }

    /// «Отправить»: checks every field (the form's rules; a bad field → `Invalid`, nothing
    /// sent), then claims the draft (or the report in «Ошибка») once per `key`, numbers it on
    /// its first submission, keeps the version, runs the checks against the policy and writes
    /// their log: «На проверке» when all pass, «Ошибка» otherwise. The same key again returns
    /// the same report.
    pub async fn submit_report(
        &self,
        account_id: &str,
        policyholder_id: &str,
        report_id: &str,
        key: &str,
        form: &ReportForm,
    ) -> StoreResult<ReportView> {
        self.authorized_for(account_id, policyholder_id, Need::Report)
            .await?;
        if !valid_key(key) {
            return Err(StoreError::Refused(
                "Форма устарела: обновите страницу и отправьте ещё раз".into(),
            ));
        }
        if let Some(r) = self.report_record(policyholder_id, report_id).await?
            && r.submit_key.as_deref() == Some(key)
        {
            return self.report_view(r).await;
        }
        let now = self.now();
        let valid = form.validate(now).map_err(StoreError::Invalid)?;
        let facts = self
            .policy_facts(policyholder_id, valid.policy_id())
            .await?
            .ok_or_else(|| StoreError::field("policy_id", "Выберите полис из списка"))?;
        if let ValidReport::Works { event_id, .. } = &valid
            && event_id.is_empty()
        {
            return Err(StoreError::field("event_id", "Выберите страховой случай"));
        }
        // The files must be the caller's own uploads or already this report's.
        let owner = files_owner(report_id);
        let file_ids = form.file_ids();
        if let Some(field) = valid_kind_files_field(form) {
            self.check_attachable(account_id, &file_ids, policyholder_id, &owner, field)
                .await?;
        }
        // Save what was typed first, so the draft exists (and is ours) whatever happens next.
        self.save_report_draft(account_id, policyholder_id, report_id, form)
            .await
            .or_else(|e| match e {
                // Already sent by a parallel click: the claim below decides.
                StoreError::Refused(_) => Ok(ReportStatus::Review),
                e => Err(e),
            })?;
        if valid_kind_files_field(form).is_some() && !file_ids.is_empty() {
            self.link_attachments(account_id, &file_ids, policyholder_id, &owner)
                .await
                .map_err(|e| match (e, valid_kind_files_field(form)) {
                    (StoreError::NotFound, Some(field)) => StoreError::field(
                        field,
                        "Файл не найден или уже приложен к другому документу: добавьте его ещё раз",
                    ),
                    (e, _) => e,
                })?;
        }
        let failures = policy_checks(&valid, &facts);
        // What is kept is exactly what was checked: the files as ids, each once.
        let mut form = form.clone();
        if form.kind().and_then(ReportKind::files_field).is_some() {
            form.files = file_ids;
        } else {
            form.files.clear();
        }
        let form = &form;
        let json = to_json(form)?;
        let status = if failures.is_empty() {
            ReportStatus::Review
        } else {
            ReportStatus::Error
        };
        let year = now.with_timezone(&domain::dates::moscow()).year();
        let claimed = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let claimed = sqlx::query(
                "UPDATE reports SET status = $1, form = $2, policy_id = $3, version = version + 1,
                     submit_key = $4, submitted_at = $5, updated_at = $5, decided_at = NULL
                 WHERE policyholder_id = $6 AND id = $7 AND status IN ('draft', 'error')",
            )
            .bind(status.code())
            .bind(&json)
            .bind(valid.policy_id())
            .bind(key)
            .bind(now)
            .bind(policyholder_id)
            .bind(report_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed == 1 {
                let (number, version): (Option<String>, i32) = sqlx::query_as(
                    "SELECT number, version FROM reports WHERE id = $1",
                )
                .bind(report_id)
                .fetch_one(&mut *tx)
                .await?;
                if number.is_none() {
                    let n: i64 = sqlx::query_scalar(
                        "INSERT INTO report_counters (year, last) VALUES ($1, 1)
                         ON CONFLICT (year) DO UPDATE SET last = report_counters.last + 1 RETURNING last",
                    )
                    .bind(year)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE reports SET number = $1 WHERE id = $2")
                        .bind(format!("ОТЧ-{year}-{n:06}"))
                        .bind(report_id)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "INSERT INTO report_versions (report_id, version, form, account_id, submitted_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(report_id)
                .bind(version)
                .bind(&json)
                .bind(account_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                for (i, f) in failures.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO report_checks (id, report_id, version, position, field, value, rule, message, source, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'auto', $9)",
                    )
                    .bind(error_id())
                    .bind(report_id)
                    .bind(version)
                    .bind(i as i32)
                    .bind(&f.field)
                    .bind(&f.value)
                    .bind(&f.rule)
                    .bind(&f.message)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(claimed == 1)
        })?;
        let r = self
            .report_record(policyholder_id, report_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if !claimed {
            // A parallel submission with the same key won: the same report. Any other key on a
            // report already sent is refused.
            if r.submit_key.as_deref() == Some(key) {
                return self.report_view(r).await;
            }
            return Err(StoreError::Refused(
                "Отчёт уже отправлен и находится на проверке".into(),
            ));
        }
        let number = r.number.clone().unwrap_or_default();
        self.journal(Entry {
            account_id: Some(account_id),
            policyholder_id: Some(policyholder_id),
            action: if r.version > 1 {
                "report.resubmitted"
            } else {
                "report.submitted"
            },
            object_type: "report",
            object_id: report_id,
            details: &format!("{number}, версия {}", r.version),
            ..Default::default()
        })
        .await?;
        if status == ReportStatus::Error {
            self.journal(Entry {
                account_id: Some(account_id),
                policyholder_id: Some(policyholder_id),
                action: "report.check_failed",
                object_type: "report",
                object_id: report_id,
                details: &format!("{number}: ошибок {}", failures.len()),
                ..Default::default()
            })
            .await?;
        }
        let view = self.report_view(r).await?;
        if view.version == 1 {
            // The first submission gets its «Квитанция о подаче» in «Документы» (a retry finds
            // the same one: its number is the report's).
            let kind = view.kind().map_or("Отчёт", ReportKind::label);
            let mut rows = vec![("Вид отчёта".to_string(), kind.to_string())];
            if let Some(policy) = &view.policy_number {
                rows.push(("Полис".to_string(), policy.clone()));
            }
            self.issue_submission_receipt(
                policyholder_id,
                "Отчёт",
                &number,
                Some(valid.policy_id()),
                None,
                rows,
            )
            .await?;
        }
        self.publish(
            &crate::events::policyholder_topic(policyholder_id),
            "report",
            report_id,
        )
        .await?;
        Ok(view)
    }

    /// Staff: reports waiting for review («На проверке»), oldest first.
    pub async fn staff_reports(&self, staff_id: &str) -> StoreResult<Vec<ReportRow>> {
        self.require_staff(staff_id).await?;
        Ok(on_pool!(self, p => sqlx::query_as::<_, ReportRow>(
            "SELECT r.id, r.kind, r.status, r.number, p.number AS policy_number, h.name AS policyholder,
                    r.version, r.updated_at, r.submitted_at
             FROM reports r JOIN policyholders h ON h.id = r.policyholder_id
             LEFT JOIN policies p ON p.id = r.policy_id AND p.policyholder_id = r.policyholder_id
             WHERE r.status = 'review' ORDER BY r.submitted_at, r.id LIMIT $1",
        )
        .bind(LIST_LIMIT)
        .fetch_all(p)
        .await)?)
    }

    /// Staff: one submitted report.
    pub async fn staff_report(&self, staff_id: &str, report_id: &str) -> StoreResult<ReportView> {
        self.require_staff(staff_id).await?;
        let sql =
            format!("SELECT {RECORD_COLUMNS} FROM reports WHERE id = $1 AND status <> 'draft'");
        let r = on_pool!(self, p => sqlx::query_as::<_, Record>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(report_id)
            .fetch_optional(p)
            .await)?
        .ok_or(StoreError::NotFound)?;
        self.report_view(r).await
    }

    /// Staff's decision on a report «На проверке»: accept (→ «Завершено»; an accepted report of
    /// an insured event registers the event) or return with errors (→ «Ошибка», each error in
    /// the log as `field`: message). Only a report still on review changes; a second decision is
    /// refused.
    pub async fn decide_report(
        &self,
        staff_id: &str,
        report_id: &str,
        accept: bool,
        comment: &str,
        errors: &[(String, String)],
    ) -> StoreResult<ReportView> {
        self.require_staff(staff_id).await?;
        let comment = comment.trim();
        if comment.chars().count() > 2000 {
            return Err(StoreError::field(
                "comment",
                "Комментарий: не больше 2000 символов",
            ));
        }
        if !accept && errors.is_empty() && comment.is_empty() {
            return Err(StoreError::field(
                "comment",
                "Напишите, что исправить: комментарий или ошибку по полю",
            ));
        }
        let mut bad = FieldErrors::new();
        for (field, message) in errors {
            if message.trim().is_empty() {
                bad.add(field, "Опишите ошибку");
            }
        }
        if !bad.is_empty() {
            return Err(StoreError::Invalid(bad));
        }
        let sql =
            format!("SELECT {RECORD_COLUMNS} FROM reports WHERE id = $1 AND status <> 'draft'");
        let r = on_pool!(self, p => sqlx::query_as::<_, Record>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(report_id)
            .fetch_optional(p)
            .await)?
        .ok_or(StoreError::NotFound)?;
        let form = parse_form(&r.form);
        let now = self.now();
        let status = if accept {
            ReportStatus::Done
        } else {
            ReportStatus::Error
        };
        let number = r.number.clone().unwrap_or_default();
        let decided = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE reports SET status = $1, staff_comment = $2, decided_at = $3, updated_at = $3
                 WHERE id = $4 AND status = 'review' AND version = $5",
            )
            .bind(status.code())
            .bind(comment)
            .bind(now)
            .bind(report_id)
            .bind(r.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                for (field, message) in errors {
                    sqlx::query(
                        "INSERT INTO report_checks (id, report_id, version, field, value, rule, message, source, created_at)
                         VALUES ($1, $2, $3, $4, $5, 'staff.review', $6, 'staff', $7)",
                    )
                    .bind(error_id())
                    .bind(report_id)
                    .bind(r.version)
                    .bind(field)
                    .bind(form.value(field))
                    .bind(message.trim())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                if !accept && errors.is_empty() {
                    sqlx::query(
                        "INSERT INTO report_checks (id, report_id, version, field, value, rule, message, source, created_at)
                         VALUES ($1, $2, $3, '', '', 'staff.review', $4, 'staff', $5)",
                    )
                    .bind(error_id())
                    .bind(report_id)
                    .bind(r.version)
                    .bind(comment)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                if accept
                    && form.kind() == Some(ReportKind::Event)
                    && let Ok(ValidReport::Event { policy_id, occurred_at, description, .. }) =
                        form.validate(now)
                {
                    sqlx::query(
                        "INSERT INTO insured_events (id, policyholder_id, policy_id, number, occurred_at, description, report_id, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(new_id())
                    .bind(&r.policyholder_id)
                    .bind(&policy_id)
                    .bind(format!("СС-{}", number.trim_start_matches("ОТЧ-")))
                    .bind(occurred_at)
                    .bind(description.chars().take(200).collect::<String>())
                    .bind(report_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(n == 1)
        })?;
        if !decided {
            return Err(StoreError::Refused(
                "Решение по этому отчёту уже принято".into(),
            ));
        }
        self.journal(Entry {
            account_id: Some(staff_id),
            policyholder_id: Some(&r.policyholder_id),
            action: if accept {
                "report.accepted"
            } else {
                "report.returned"
            },
            object_type: "report",
            object_id: report_id,
            details: &number,
            ..Default::default()
        })
        .await?;
        let (title, body) = if accept {
            (
                format!("Отчёт {number} принят"),
                "Проверка завершена, отчёт принят.".to_string(),
            )
        } else {
            (
                format!("Отчёт {number} возвращён с ошибками"),
                "Исправьте отмеченные поля и отправьте отчёт ещё раз.".to_string(),
            )
        };
        self.add_notice(
            &r.account_id,
            &title,
            &body,
            &format!("/reports/{report_id}"),
        )
        .await?;
        self.publish(
            &crate::events::policyholder_topic(&r.policyholder_id),
            "report",
            report_id,
        )
        .await?;
        self.staff_report(staff_id, report_id).await
    }

    /// Demo data: two insured events on the first running policy of each policyholder, so the
    /// works report has events to link to; their numbers count on from `first_number` (numbers
    /// are unique, so each call takes its own range of ten per policyholder).
    pub(crate) async fn demo_insured_events(
        &self,
        policyholders: &[&str],
        first_number: u64,
    ) -> StoreResult<()> {
        let now = self.now();
        for (i, ph) in policyholders.iter().enumerate() {
            let policy: Option<(String, String)> = on_pool!(self, p => sqlx::query_as(
                "SELECT id, number FROM policies WHERE policyholder_id = $1 AND status = 'active'
                 ORDER BY starts_on, number LIMIT 1",
            )
            .bind(*ph)
            .fetch_optional(p)
            .await)?;
            let Some((policy_id, _)) = policy else {
                continue;
            };
            for (j, (days, text)) in [
                (40, "Затопление помещения из-за прорыва трубы отопления"),
                (12, "Повреждение кровли при сильном ветре"),
            ]
            .into_iter()
            .enumerate()
            {
                on_pool!(self, p => sqlx::query(
                    "INSERT INTO insured_events (id, policyholder_id, policy_id, number, occurred_at, description, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(new_id())
                .bind(*ph)
                .bind(&policy_id)
                .bind(format!("СС-{}-{:06}", now.year(), first_number + i as u64 * 10 + j as u64))
                .bind(now - chrono::Duration::days(days))
                .bind(text)
                // Registered the day after: the older event's claim deadline has passed.
                .bind(now - chrono::Duration::days(days - 1))
                .execute(p)
                .await
                .map(|r| r.rows_affected()))?;
            }
        }
        Ok(())
    }
}
