//! «Сроки»: the policyholder's deadlines, worked out by the pure engine of
//! `domain::calendar` from what the store knows (running policies → quarterly reports; insured
//! events → the claim within 5 working days; a draft «Отчёт о страховом случае» with the event's
//! time → its 24-hour notice; a policy's latest «Справка» → the compensation request within 10
//! working days, until a «Выплата» request on the policy), «Запросить продление» of a missed one
//! with reasons and documents and the staff's decision, reminders 3 days and 1 day before (each
//! claimed once per deadline, account and day in the transaction that writes its notice, so
//! restarts and parallel processes never send one twice; the job looks at most hourly), and the
//! private iCal feed.

use crate::journal::Entry;
use crate::reminders::{Claim, OnceNotice, Sent};
use crate::{Store, StoreError, StoreResult, new_id, on_pool};
use chrono::{DateTime, Datelike, Duration, Utc};
use domain::calendar::{
    DeadlineKind, DeadlineRow, ExtensionRow, claim_due, compensation_due, end_of_day,
    event_notice_due, extension_decision_due, extension_files, extension_reasons,
    next_quarterly_reports, quarterly_report_due,
};
use domain::dates::{format_datetime, moscow};
use domain::delegation::Need;
use sha2::{Digest, Sha256};

/// Missed deadlines stay on the page (and may be extended) this long.
pub const MISSED_SHOWN_DAYS: i64 = 30;

/// How often the job looks for deadline reminders to send. Deadlines fall at the end of a day
/// and their reminders are days ahead, so an hour late is nothing, and the job no longer works
/// out every policyholder's deadlines on every tick.
pub const DEADLINE_REMINDERS_EVERY: Duration = Duration::hours(1);

const EXTENSION_COLUMNS: &str = "e.id, e.number, e.deadline_key, e.title, h.name AS policyholder, e.reasons, e.status, \
     e.new_due_at, e.decision_due_at, e.staff_comment, e.created_at";

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

impl Store {
    /// The deadlines of a policyholder, soonest first, without checking authority (the callers do).
    pub(crate) async fn deadline_rows(
        &self,
        policyholder_id: &str,
    ) -> StoreResult<Vec<DeadlineRow>> {
        let now = self.now();
        let today = self.today();
        let mut rows = Vec::new();
        let running: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM policies WHERE policyholder_id = $1 AND status = 'active' AND ends_on >= $2",
        )
        .bind(policyholder_id)
        .bind(today)
        .fetch_one(p)
        .await)?;
        if running > 0 {
            // The previous quarter's report (still due or recently missed) and the next ones.
            let mut quarters = next_quarterly_reports(today - Duration::days(MISSED_SHOWN_DAYS), 3);
            quarters.retain(|(y, q, _)| {
                let due = end_of_day(quarterly_report_due(*y, *q));
                due + Duration::days(MISSED_SHOWN_DAYS) >= now
            });
            for (y, q, due) in quarters.into_iter().take(2) {
                let due_at = end_of_day(due);
                rows.push(DeadlineRow {
                    key: format!("quarterly:{y}-{q}"),
                    kind: DeadlineKind::QuarterlyReport.code().into(),
                    title: format!("Квартальный отчёт за {q} квартал {y} года"),
                    due_at,
                    missed: due_at < now,
                    extension: None,
                    link: None,
                });
            }
        }
        let events: Vec<(String, String, DateTime<Utc>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, number, created_at FROM insured_events
             WHERE policyholder_id = $1 AND created_at >= $2 ORDER BY created_at",
        )
        .bind(policyholder_id)
        .bind(now - Duration::days(MISSED_SHOWN_DAYS + 14))
        .fetch_all(p)
        .await)?;
        for (id, number, registered) in events {
            let due_at = claim_due(registered.with_timezone(&moscow()).date_naive());
            if due_at + Duration::days(MISSED_SHOWN_DAYS) < now {
                continue;
            }
            rows.push(DeadlineRow {
                key: format!("claim:{id}"),
                kind: DeadlineKind::Claim.code().into(),
                title: format!("Заявление о выплате по страховому случаю {number}"),
                due_at,
                missed: due_at < now,
                extension: None,
                link: None,
            });
        }
        // The 24-hour notice of an insured event. The cabinet learns of an event when somebody
        // starts «Отчёт о страховом случае» and types when it happened: until that draft is
        // sent, its notice deadline is on the page (with a link to the draft). Events in
        // `insured_events` are already known to the insurer, so they owe no notice.
        let drafts: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, form FROM reports
             WHERE policyholder_id = $1 AND kind = 'event' AND status = 'draft' AND updated_at >= $2
             ORDER BY updated_at DESC LIMIT 50",
        )
        .bind(policyholder_id)
        .bind(now - Duration::days(MISSED_SHOWN_DAYS + 1))
        .fetch_all(p)
        .await)?;
        for (id, form) in drafts {
            let form: domain::reports::ReportForm = serde_json::from_str(&form).unwrap_or_default();
            let Ok(occurred_at) = domain::dates::parse_local_datetime(&form.occurred_at) else {
                continue;
            };
            let due_at = event_notice_due(occurred_at);
            if occurred_at > now || due_at + Duration::days(MISSED_SHOWN_DAYS) < now {
                continue;
            }
            rows.push(DeadlineRow {
                key: format!("event_notice:{id}"),
                kind: DeadlineKind::EventNotice.code().into(),
                title: format!(
                    "Отправить отчёт о страховом случае от {} (черновик)",
                    format_datetime(occurred_at)
                ),
                due_at,
                missed: due_at < now,
                extension: None,
                link: Some(format!("/reports/new/event?draft={id}")),
            });
        }
        // The compensation/premium request: 10 working days after all certificates are
        // received. A policy's latest «Справка» (document of kind `certificate`) is when the
        // last of them came; the deadline stands until a «Выплата» request is made on that
        // policy after it.
        let certificates: Vec<(String, String, String, String, DateTime<Utc>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT d.id, d.number, p.id, p.number, d.created_at FROM documents d
             JOIN policies p ON p.id = d.policy_id AND p.policyholder_id = d.policyholder_id
             WHERE d.policyholder_id = $1 AND d.kind = 'certificate' AND d.created_at >= $2
               AND NOT EXISTS (SELECT 1 FROM documents later WHERE later.policyholder_id = d.policyholder_id
                   AND later.policy_id = d.policy_id AND later.kind = 'certificate'
                   AND (later.created_at > d.created_at OR (later.created_at = d.created_at AND later.id > d.id)))
               AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.policyholder_id = d.policyholder_id
                   AND r.policy_id = d.policy_id AND r.kind = 'payout' AND r.created_at >= d.created_at)
             ORDER BY d.created_at",
        )
        .bind(policyholder_id)
        .bind(now - Duration::days(MISSED_SHOWN_DAYS + 20))
        .fetch_all(p)
        .await)?;
        for (id, number, policy_id, policy, received) in certificates {
            let due_at = compensation_due(received.with_timezone(&moscow()).date_naive());
            if due_at + Duration::days(MISSED_SHOWN_DAYS) < now {
                continue;
            }
            rows.push(DeadlineRow {
                key: format!("compensation:{id}"),
                kind: DeadlineKind::Compensation.code().into(),
                title: format!(
                    "Заявление о возмещении (выплате) по полису № {policy} — справка {number} получена"
                ),
                due_at,
                missed: due_at < now,
                extension: None,
                link: Some(format!("/policies/{policy_id}/request")),
            });
        }
        let sql = format!(
            "SELECT {EXTENSION_COLUMNS} FROM extension_requests e JOIN policyholders h ON h.id = e.policyholder_id
             WHERE e.policyholder_id = $1"
        );
        let extensions = on_pool!(self, p => sqlx::query_as::<_, ExtensionRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(policyholder_id)
            .fetch_all(p)
            .await)?;
        for r in &mut rows {
            r.extension = extensions.iter().find(|e| e.deadline_key == r.key).cloned();
            if r.extension.is_some() {
                r.missed = r.effective_due() < now;
            }
        }
        rows.sort_by(|a, b| {
            a.effective_due()
                .cmp(&b.effective_due())
                .then(a.key.cmp(&b.key))
        });
        Ok(rows)
    }

    /// «Сроки» of the acting policyholder.
    pub async fn deadlines(
        &self,
        account_id: &str,
        policyholder_id: &str,
    ) -> StoreResult<Vec<DeadlineRow>> {
        self.authorized_for(account_id, policyholder_id, Need::Report)
            .await?;
        self.deadline_rows(policyholder_id).await
    }

    /// «Запросить продление» of a missed deadline: reasons, then a staff decision within 5
    /// working days. One request per deadline.
    pub async fn request_extension(
        &self,
        account_id: &str,
        policyholder_id: &str,
        deadline_key: &str,
        reasons: &str,
        files: &[String],
    ) -> StoreResult<ExtensionRow> {
        self.authorized_for(account_id, policyholder_id, Need::Report)
            .await?;
        let rows = self.deadline_rows(policyholder_id).await?;
        let Some(d) = rows.into_iter().find(|r| r.key == deadline_key) else {
            return Err(StoreError::NotFound);
        };
        if d.extension.is_some() {
            return Err(StoreError::Refused(
                "Продление этого срока уже запрошено".into(),
            ));
        }
        if !d.missed {
            return Err(StoreError::Refused(
                "Срок ещё не прошёл: продление запрашивают после него".into(),
            ));
        }
        let reasons = extension_reasons(reasons).map_err(|m| StoreError::field("reasons", m))?;
        let files = extension_files(files).map_err(|m| StoreError::field("files", m))?;
        let now = self.now();
        let id = new_id();
        let owner = format!("extension:{id}");
        self.check_attachable(account_id, &files, policyholder_id, &owner, "files")
            .await?;
        let number = format!(
            "ПРД-{}-{}",
            now.with_timezone(&moscow()).year(),
            id[..8].to_uppercase()
        );
        let inserted = on_pool!(self, p => sqlx::query(
            "INSERT INTO extension_requests (id, policyholder_id, account_id, number, deadline_key, title, due_at,
                 reasons, status, decision_due_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10)
             ON CONFLICT (policyholder_id, deadline_key) DO NOTHING",
        )
        .bind(&id)
        .bind(policyholder_id)
        .bind(account_id)
        .bind(&number)
        .bind(deadline_key)
        .bind(&d.title)
        .bind(d.due_at)
        .bind(&reasons)
        .bind(extension_decision_due(now.with_timezone(&moscow()).date_naive()))
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if inserted == 0 {
            return Err(StoreError::Refused(
                "Продление этого срока уже запрошено".into(),
            ));
        }
        self.link_attachments(account_id, &files, policyholder_id, &owner)
            .await?;
        self.journal(Entry {
            account_id: Some(account_id),
            policyholder_id: Some(policyholder_id),
            action: "extension.requested",
            object_type: "extension",
            object_id: &id,
            details: &format!("{number}: {}", d.title),
            ..Default::default()
        })
        .await?;
        self.extension(&id).await
    }

    async fn extension(&self, id: &str) -> StoreResult<ExtensionRow> {
        let sql = format!(
            "SELECT {EXTENSION_COLUMNS} FROM extension_requests e JOIN policyholders h ON h.id = e.policyholder_id
             WHERE e.id = $1"
        );
        let mut row = on_pool!(self, p => sqlx::query_as::<_, ExtensionRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id)
            .fetch_optional(p)
            .await)?
        .ok_or(StoreError::NotFound)?;
        row.files = self.attachments_of(&format!("extension:{id}")).await?;
        Ok(row)
    }

    /// Staff: extension requests waiting for a decision, the most urgent first.
    pub async fn staff_extensions(&self, staff_id: &str) -> StoreResult<Vec<ExtensionRow>> {
        self.require_staff(staff_id).await?;
        let sql = format!(
            "SELECT {EXTENSION_COLUMNS} FROM extension_requests e JOIN policyholders h ON h.id = e.policyholder_id
             WHERE e.status = 'pending' ORDER BY e.decision_due_at, e.id LIMIT 200"
        );
        let mut rows = on_pool!(self, p => sqlx::query_as::<_, ExtensionRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(p)
            .await)?;
        for r in &mut rows {
            r.files = self.attachments_of(&format!("extension:{}", r.id)).await?;
        }
        Ok(rows)
    }

    /// Staff's decision: approve with a new date (in the future), or refuse with a comment.
    pub async fn decide_extension(
        &self,
        staff_id: &str,
        id: &str,
        approve: bool,
        new_due: Option<chrono::NaiveDate>,
        comment: &str,
    ) -> StoreResult<ExtensionRow> {
        self.require_staff(staff_id).await?;
        let comment = comment.trim();
        let new_due_at = if approve {
            match new_due {
                Some(d) if d >= self.today() => Some(end_of_day(d)),
                Some(_) => {
                    return Err(StoreError::field(
                        "new_due",
                        "Новый срок не может быть раньше сегодняшнего дня",
                    ));
                }
                None => return Err(StoreError::field("new_due", "Укажите новый срок")),
            }
        } else {
            if comment.is_empty() {
                return Err(StoreError::field("comment", "Напишите причину отказа"));
            }
            None
        };
        let (account_id, policyholder_id): (String, String) = on_pool!(self, p => sqlx::query_as(
            "SELECT account_id, policyholder_id FROM extension_requests WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)?;
        let now = self.now();
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE extension_requests SET status = $1, new_due_at = $2, staff_comment = $3, decided_at = $4
             WHERE id = $5 AND status = 'pending'",
        )
        .bind(if approve { "approved" } else { "rejected" })
        .bind(new_due_at)
        .bind(comment)
        .bind(now)
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::Refused(
                "Решение по этому запросу уже принято".into(),
            ));
        }
        let row = self.extension(id).await?;
        self.journal(Entry {
            account_id: Some(staff_id),
            policyholder_id: Some(&policyholder_id),
            action: if approve {
                "extension.approved"
            } else {
                "extension.rejected"
            },
            object_type: "extension",
            object_id: id,
            details: &row.number,
            ..Default::default()
        })
        .await?;
        let body = match new_due_at {
            Some(t) => format!("{}: новый срок — {}.", row.title, format_datetime(t)),
            None => format!("{}: {comment}", row.title),
        };
        self.add_notice(
            &account_id,
            &format!("{}: {}", row.number, row.status_label()),
            &body,
            "/deadlines",
        )
        .await?;
        Ok(row)
    }

    /// The job's entry: sends the deadline reminders due (see [`Store::send_deadline_reminders`])
    /// at most once per [`DEADLINE_REMINDERS_EVERY`], whatever the job's tick. The last run is
    /// remembered in the database and claimed by one conditional write, so a restarted process
    /// or a second one waits its turn too. `None` when it was not time yet.
    pub async fn run_deadline_reminders(&self) -> StoreResult<Option<usize>> {
        let now = self.now();
        let due = on_pool!(self, p => sqlx::query(
            "INSERT INTO job_runs (name, ran_at) VALUES ('deadline_reminders', $1)
             ON CONFLICT (name) DO UPDATE SET ran_at = excluded.ran_at WHERE job_runs.ran_at <= $2",
        )
        .bind(now)
        .bind(now - DEADLINE_REMINDERS_EVERY)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if due == 0 {
            return Ok(None);
        }
        self.send_deadline_reminders().await.map(Some)
    }

    /// Sends the reminders due now: 3 days and 1 day before each deadline still ahead, to every
    /// account with authority over the policyholder, each exactly once. Returns how many went out.
    /// The authority is checked again as each one is claimed ([`Store::send_once`]): one that
    /// ended while the job ran sends nothing.
    pub async fn send_deadline_reminders(&self) -> StoreResult<usize> {
        let now = self.now();
        let today = self.today();
        let pairs: Vec<(String, String, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT DISTINCT a.account_id, a.policyholder_id, acc.email, h.name FROM authorities a
             JOIN accounts acc ON acc.id = a.account_id JOIN policyholders h ON h.id = a.policyholder_id
             WHERE acc.confirmed_at IS NOT NULL AND a.revoked_at IS NULL AND a.valid_from <= $1
               AND (a.valid_to IS NULL OR a.valid_to >= $1)
             ORDER BY a.policyholder_id, a.account_id",
        )
        .bind(today)
        .fetch_all(p)
        .await)?;
        let mut sent = 0;
        let mut cached: Option<(String, Vec<DeadlineRow>)> = None;
        for (account_id, policyholder_id, email, holder) in pairs {
            if cached.as_ref().is_none_or(|(ph, _)| *ph != policyholder_id) {
                cached = Some((
                    policyholder_id.clone(),
                    self.deadline_rows(&policyholder_id).await?,
                ));
            }
            let rows = cached.as_ref().map(|(_, r)| r.clone()).unwrap_or_default();
            for r in rows.iter().filter(|r| r.reminded()) {
                let due = r.effective_due();
                if due <= now {
                    continue;
                }
                // The nearest reminder whose time has come; the 3-day one is skipped when the
                // 1-day one is already due (a deadline that appeared late).
                let days: i32 = if now >= due - Duration::days(1) {
                    1
                } else if now >= due - Duration::days(3) {
                    3
                } else {
                    continue;
                };
                let title = format!(
                    "Напоминание: {} — через {}",
                    r.title,
                    if days == 1 { "1 день" } else { "3 дня" }
                );
                let body = format!("Страхователь: {holder}. Срок: {}.", format_datetime(due));
                let notice = OnceNotice {
                    account_id: &account_id,
                    email: &email,
                    title: &title,
                    body: &body,
                    link: r.link.as_deref().unwrap_or("/deadlines"),
                };
                let claim = Claim::Deadline {
                    policyholder_id: &policyholder_id,
                    key: &r.key,
                    days_before: days,
                };
                if self.send_once(claim, &notice).await? == Sent::Now {
                    sent += 1;
                }
            }
        }
        Ok(sent)
    }

    /// A new private address of the iCal feed of the policyholder's deadlines (the old one stops
    /// working); returns the token.
    pub async fn new_calendar_token(
        &self,
        account_id: &str,
        policyholder_id: &str,
    ) -> StoreResult<String> {
        self.authorized_for(account_id, policyholder_id, Need::Report)
            .await?;
        let token = format!("{}{}", new_id(), new_id());
        on_pool!(self, p => sqlx::query(
            "INSERT INTO calendar_feeds (account_id, policyholder_id, token_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (account_id, policyholder_id) DO UPDATE SET token_hash = excluded.token_hash,
                 created_at = excluded.created_at",
        )
        .bind(account_id)
        .bind(policyholder_id)
        .bind(token_hash(&token))
        .bind(self.now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        self.journal(Entry {
            account_id: Some(account_id),
            policyholder_id: Some(policyholder_id),
            action: "calendar.link_created",
            object_type: "policyholder",
            object_id: policyholder_id,
            ..Default::default()
        })
        .await?;
        Ok(token)
    }

    /// Whether the account has a feed link for the policyholder.
    pub async fn has_calendar_token(
        &self,
        account_id: &str,
        policyholder_id: &str,
    ) -> StoreResult<bool> {
        let n: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM calendar_feeds WHERE account_id = $1 AND policyholder_id = $2",
        )
        .bind(account_id)
        .bind(policyholder_id)
        .fetch_one(p)
        .await)?;
        Ok(n > 0)
    }

    /// Ends every private iCal feed link of the account (a password reset, an access recovery:
    /// whoever copied a link before must not keep reading the deadlines). Answers how many ended;
    /// the journal gets a line when there were any.
    pub async fn revoke_calendar_tokens(&self, account_id: &str, ip: &str) -> StoreResult<u64> {
        let n = on_pool!(self, p => sqlx::query("DELETE FROM calendar_feeds WHERE account_id = $1")
            .bind(account_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        if n > 0 {
            self.journal(Entry {
                account_id: Some(account_id),
                action: "calendar.links_revoked",
                object_type: "account",
                object_id: account_id,
                ip,
                details: &n.to_string(),
                ..Default::default()
            })
            .await?;
        }
        Ok(n)
    }

    /// The iCal feed behind a token, while the account still has authority; "not found" else.
    pub async fn calendar_feed(&self, token: &str) -> StoreResult<String> {
        let row: Option<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT account_id, policyholder_id FROM calendar_feeds WHERE token_hash = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(p)
        .await)?;
        let (account_id, policyholder_id) = row.ok_or(StoreError::NotFound)?;
        let holder = self
            .authorized_for(&account_id, &policyholder_id, Need::Report)
            .await?;
        let rows = self.deadline_rows(&policyholder_id).await?;
        Ok(domain::calendar::ical(
            &format!("Сроки — {}", holder.name),
            &rows,
            self.now(),
        ))
    }
}
