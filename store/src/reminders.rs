//! «Установить напоминание» on a contribution and the cabinet's notices («Уведомления»). A job
//! ([`Store::run_due_reminders`], every few seconds in the server) sends each due reminder once:
//! it claims the reminder and writes the notice in one transaction, so two processes or a restart
//! never send it twice; then it e-mails the account and pushes the notice to open browsers.
//! The claim holds only while the account still has authority over the policyholder (a broker
//! whose agreement ended, a power of attorney revoked): otherwise the reminder is marked skipped
//! in the same statement's stead and never looked at again.

use crate::events::account_topic;
use crate::journal::Entry;
use crate::policyholders::{AUTHORITY_IN_FORCE, with_today};
use crate::{Message, Store, StoreError, StoreResult, new_id, on_pool, on_pool_db};
use chrono::{DateTime, Duration, Utc};
use domain::dates::{format_date, format_datetime};
use domain::model::{Notice, ReminderRow};
use domain::status::Channel;

/// Active reminders one account may have at a time.
pub const MAX_ACTIVE_REMINDERS: i64 = 50;
/// Notices shown per page.
pub const NOTICES_PER_PAGE: i64 = 20;

#[derive(sqlx::FromRow)]
struct Due {
    id: String,
    account_id: String,
    policyholder_id: String,
    email: String,
    contribution_id: String,
    programme: String,
    accrued_on: chrono::NaiveDate,
    due_on: chrono::NaiveDate,
    amount: domain::Money,
    paid: domain::Money,
}

/// What marks a reminder's notice sent (see [`Store::send_once`]).
pub(crate) enum Claim<'a> {
    /// «Установить напоминание» on a contribution: the reminder row itself.
    Reminder { id: &'a str },
    /// A reminder of a deadline of «Сроки»: one row per policyholder, deadline, account and
    /// days before.
    Deadline {
        policyholder_id: &'a str,
        key: &'a str,
        days_before: i32,
    },
}

/// What [`Store::send_once`] did with a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    /// This call sent it.
    Now,
    /// It had been sent (or skipped) before, by this process or another.
    Before,
    /// The account no longer has authority over the policyholder: not sent, and marked so it is
    /// not tried again.
    NoAuthority,
}

/// A reminder's notice, which also goes out by e-mail.
pub(crate) struct OnceNotice<'a> {
    pub account_id: &'a str,
    pub email: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// The cabinet's page it is about.
    pub link: &'a str,
}

impl Store {
    /// Sets a reminder on the policyholder's contribution for `at` (UTC), at least a minute ahead
    /// and at most a year.
    pub async fn add_reminder(
        &self,
        account_id: &str,
        policyholder_id: &str,
        contribution_id: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<String> {
        // "Not found" for anybody else's contribution, before anything about the time.
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        let sql = format!(
            "SELECT id FROM contributions WHERE policyholder_id = $1 AND id = $2{}",
            crate::policyholders::policy_scope(&holder, "policy_id")
        );
        let exists: Option<String> = on_pool!(self, p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(policyholder_id)
        .bind(contribution_id)
        .fetch_optional(p)
        .await)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let now = self.now();
        if at <= now {
            return Err(StoreError::field(
                "remind_at",
                "Дата и время напоминания уже прошли: выберите время в будущем",
            ));
        }
        if at > now + Duration::days(366) {
            return Err(StoreError::field(
                "remind_at",
                "Напоминание можно установить не более чем на год вперёд",
            ));
        }
        let active: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM reminders WHERE account_id = $1 AND sent_at IS NULL AND skipped_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(p)
        .await)?;
        if active >= MAX_ACTIVE_REMINDERS {
            return Err(StoreError::Refused(format!(
                "У вас уже {MAX_ACTIVE_REMINDERS} напоминаний. Удалите ненужные, чтобы добавить новое"
            )));
        }
        let id = new_id();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO reminders (id, account_id, policyholder_id, contribution_id, remind_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(account_id)
        .bind(policyholder_id)
        .bind(contribution_id)
        .bind(at)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        self.journal(Entry {
            account_id: Some(account_id),
            policyholder_id: Some(policyholder_id),
            action: "reminder.created",
            object_type: "contribution",
            object_id: contribution_id,
            details: &format_datetime(at),
            ..Default::default()
        })
        .await?;
        Ok(id)
    }

    /// The account's reminders for the policyholder: those still to come first (soonest first),
    /// then the sent ones (newest first). `contribution_id` narrows them to one contribution.
    pub async fn reminders(
        &self,
        account_id: &str,
        policyholder_id: &str,
        contribution_id: Option<&str>,
    ) -> StoreResult<Vec<ReminderRow>> {
        self.authorized_policyholder(account_id, policyholder_id)
            .await?;
        Ok(on_pool_db!(self, p, Db => {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT r.id, r.contribution_id, r.remind_at, r.sent_at, g.name AS programme,
                        c.accrued_on, c.due_on, c.amount, c.paid
                 FROM reminders r JOIN contributions c ON c.id = r.contribution_id
                 JOIN programmes g ON g.id = c.programme_id
                 WHERE r.account_id = ",
            );
            q.push_bind(account_id)
                .push(" AND r.policyholder_id = ")
                .push_bind(policyholder_id);
            if let Some(c) = contribution_id {
                q.push(" AND r.contribution_id = ").push_bind(c);
            }
            q.push(
                " ORDER BY CASE WHEN r.sent_at IS NULL THEN 0 ELSE 1 END, \
                 CASE WHEN r.sent_at IS NULL THEN r.remind_at END ASC, r.remind_at DESC LIMIT 200",
            );
            q.build_query_as::<ReminderRow>().fetch_all(p).await
        })?)
    }

    /// Deletes one of the account's reminders; "not found" for anybody else's.
    pub async fn delete_reminder(&self, account_id: &str, reminder_id: &str) -> StoreResult<()> {
        let gone = on_pool!(self, p => sqlx::query(
            "DELETE FROM reminders WHERE id = $1 AND account_id = $2",
        )
        .bind(reminder_id)
        .bind(account_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if gone == 0 {
            return Err(StoreError::NotFound);
        }
        self.journal(Entry {
            account_id: Some(account_id),
            action: "reminder.deleted",
            object_type: "reminder",
            object_id: reminder_id,
            ..Default::default()
        })
        .await
    }

    /// Sends every reminder that is due, each exactly once; returns how many this call sent.
    pub async fn run_due_reminders(&self) -> StoreResult<usize> {
        let now = self.now();
        let due = on_pool!(self, p => sqlx::query_as::<_, Due>(
            "SELECT r.id, r.account_id, r.policyholder_id, a.email, r.contribution_id, g.name AS programme,
                    c.accrued_on, c.due_on, c.amount, c.paid
             FROM reminders r JOIN accounts a ON a.id = r.account_id
             JOIN contributions c ON c.id = r.contribution_id JOIN programmes g ON g.id = c.programme_id
             WHERE r.sent_at IS NULL AND r.skipped_at IS NULL AND r.remind_at <= $1
             ORDER BY r.remind_at LIMIT 200",
        )
        .bind(now)
        .fetch_all(p)
        .await)?;
        let mut sent = 0;
        for r in due {
            let debt = domain::Money(r.amount.0 - r.paid.0);
            let title = format!("Напоминание: взнос от {}", format_date(r.accrued_on));
            let body = if debt.0 > 0 {
                format!(
                    "{}: к оплате {debt}, срок уплаты {}.",
                    r.programme,
                    format_date(r.due_on)
                )
            } else {
                format!("{}: взнос уже оплачен полностью.", r.programme)
            };
            let link = format!("/contributions/{}", r.contribution_id);
            let notice = OnceNotice {
                account_id: &r.account_id,
                email: &r.email,
                title: &title,
                body: &body,
                link: &link,
            };
            match self
                .send_once(Claim::Reminder { id: &r.id }, &notice)
                .await?
            {
                Sent::Now => sent += 1,
                Sent::Before => {}
                Sent::NoAuthority => {
                    self.journal(Entry {
                        account_id: Some(&r.account_id),
                        policyholder_id: Some(&r.policyholder_id),
                        action: "reminder.skipped",
                        object_type: "reminder",
                        object_id: &r.id,
                        ..Default::default()
                    })
                    .await?;
                }
            }
        }
        Ok(sent)
    }

    /// The step every reminder job shares: claims the notice (`claim` marks it sent, in the
    /// transaction that writes the notice, so two processes or a restart never send it twice),
    /// then tells the account's open browsers and e-mails it. The claim is conditional on the
    /// account's authority over the policyholder being in force at this moment: authority that
    /// ended after the reminder was set (or after the job listed what is due) sends nothing, and a
    /// contribution reminder is then marked skipped. The notice is in the cabinet either way; a
    /// mail server that is down is only logged.
    pub(crate) async fn send_once(
        &self,
        claim: Claim<'_>,
        notice: &OnceNotice<'_>,
    ) -> StoreResult<Sent> {
        let now = self.now();
        let today = self.today();
        let in_force = |account: &str, policyholder: &str, n: usize| {
            with_today(
                &format!(
                    "EXISTS (SELECT 1 FROM authorities a WHERE a.account_id = {account}
                         AND a.policyholder_id = {policyholder} AND {AUTHORITY_IN_FORCE})"
                ),
                n,
            )
        };
        let outcome = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let outcome = match claim {
                Claim::Reminder { id } => {
                    let sql = format!(
                        "UPDATE reminders SET sent_at = $1 WHERE id = $2 AND sent_at IS NULL AND skipped_at IS NULL
                           AND {}",
                        in_force("reminders.account_id", "reminders.policyholder_id", 3)
                    );
                    let claimed = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(now)
                        .bind(id)
                        .bind(today)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if claimed == 1 {
                        Sent::Now
                    } else {
                        let skipped = sqlx::query(
                            "UPDATE reminders SET skipped_at = $1 WHERE id = $2 AND sent_at IS NULL AND skipped_at IS NULL",
                        )
                        .bind(now)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if skipped == 1 { Sent::NoAuthority } else { Sent::Before }
                    }
                }
                Claim::Deadline { policyholder_id, key, days_before } => {
                    let sql = format!(
                        "INSERT INTO deadline_reminders (policyholder_id, deadline_key, account_id, days_before, sent_at)
                         SELECT $1, $2, $3, $4, $5 WHERE {}
                         ON CONFLICT DO NOTHING",
                        in_force("$3", "$1", 6)
                    );
                    let claimed = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(policyholder_id)
                        .bind(key)
                        .bind(notice.account_id)
                        .bind(days_before)
                        .bind(now)
                        .bind(today)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if claimed == 1 {
                        Sent::Now
                    } else {
                        // Nothing to mark: the next run lists only accounts with authority.
                        let held: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                            "SELECT {}",
                            in_force("$1", "$2", 3)
                        )))
                        .bind(notice.account_id)
                        .bind(policyholder_id)
                        .bind(today)
                        .fetch_one(&mut *tx)
                        .await?;
                        if held { Sent::Before } else { Sent::NoAuthority }
                    }
                }
            };
            if outcome == Sent::Now {
                sqlx::query(
                    "INSERT INTO notices (id, account_id, title, body, link, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(new_id())
                .bind(notice.account_id)
                .bind(notice.title)
                .bind(notice.body)
                .bind(notice.link)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<Sent, sqlx::Error>(outcome)
        })?;
        match outcome {
            Sent::Now => {}
            Sent::Before => return Ok(outcome),
            Sent::NoAuthority => {
                tracing::info!(account = %notice.account_id, "reminder not sent: authority ended");
                return Ok(outcome);
            }
        }
        self.publish(&account_topic(notice.account_id), "notice", "")
            .await?;
        let mail = Message {
            channel: Channel::Email,
            to: notice.email.to_string(),
            subject: format!("Кабинет страхователя: {}", notice.title),
            body: format!("{}\n\nПодробнее в кабинете: {}\n", notice.body, notice.link),
        };
        if let Err(e) = self.notify(&mail).await {
            tracing::warn!(error = %e, to = %notice.account_id, "reminder e-mail not sent");
        }
        Ok(Sent::Now)
    }

    /// Puts a notice in the account's «Уведомления» and tells its open browsers.
    pub async fn add_notice(
        &self,
        account_id: &str,
        title: &str,
        body: &str,
        link: &str,
    ) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO notices (id, account_id, title, body, link, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(account_id)
        .bind(title)
        .bind(body)
        .bind(link)
        .bind(self.now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        self.publish(&account_topic(account_id), "notice", "").await
    }

    /// The account's notices, newest first, one page, and how many are unread.
    pub async fn notices(&self, account_id: &str, page: i64) -> StoreResult<(Vec<Notice>, i64)> {
        let offset = (page.max(1) - 1).saturating_mul(NOTICES_PER_PAGE);
        let rows = on_pool!(self, p => sqlx::query_as::<_, Notice>(
            "SELECT id, title, body, link, created_at, read_at FROM notices WHERE account_id = $1
             ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(account_id)
        .bind(NOTICES_PER_PAGE)
        .bind(offset)
        .fetch_all(p)
        .await)?;
        Ok((rows, self.unread_notices(account_id).await?))
    }

    pub async fn unread_notices(&self, account_id: &str) -> StoreResult<i64> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM notices WHERE account_id = $1 AND read_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(p)
        .await)?)
    }

    /// Marks every notice of the account read.
    pub async fn read_notices(&self, account_id: &str) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "UPDATE notices SET read_at = $1 WHERE account_id = $2 AND read_at IS NULL",
        )
        .bind(self.now())
        .bind(account_id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        self.publish(&account_topic(account_id), "notice", "").await
    }
}
