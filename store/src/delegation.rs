//! «Доверенности»: a policyholder (or whoever holds their authority with the right to pass it on)
//! grants a person access; the person accepts it from their own cabinet; the grantor revokes it
//! whenever they like, with effect at once. A grant names its grantee by СНИЛС or ИНН and a
//! contact, and only a confirmed account with both can see and accept it; until then nothing is
//! shared. An accepted grant becomes the authority with the same id, and its scope (the rights,
//! the policies) is what [`Store::authorized_for`] and [`crate::policyholders::policy_scope`]
//! enforce.

use crate::journal::Entry;
use crate::notify::Message;
use crate::throttle::Attempt;
use crate::{Store, StoreError, StoreResult, new_id, on_pool, on_pool_db};
use chrono::{DateTime, NaiveDate, Utc};
use domain::delegation::{
    AuthorityReviewRow, GrantForm, GrantRow, GrantState, Need, Review, Rights, needs_review,
};
use domain::status::{AuthorityRole, Channel};
use std::collections::HashMap;

/// The most invitations one account sends in a day: each one is a message to a stranger's
/// contact, so the form is no way to spam (counted in one statement, keyed on the account).
pub const GRANTS_PER_DAY: i32 = 20;

/// The most МЧД files one account has read in an hour.
pub const MCHD_READS_PER_HOUR: i32 = 30;

#[derive(sqlx::FromRow)]
struct Line {
    id: String,
    party: String,
    role: String,
    may_report: bool,
    may_pay: bool,
    may_delegate: bool,
    all_policies: bool,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    basis: String,
    /// The grant's status; `accepted` for an authority that came from elsewhere.
    status: String,
    revoked_at: Option<DateTime<Utc>>,
    granted_by: String,
    review: String,
    review_reason: Option<String>,
}

impl Line {
    fn state(&self, today: NaiveDate) -> GrantState {
        match self.status.as_str() {
            _ if self.review == "rejected" => GrantState::Rejected,
            "pending" => GrantState::Pending,
            "declined" => GrantState::Declined,
            "cancelled" => GrantState::Cancelled,
            "accepted" if self.review == "awaiting" => GrantState::Checking,
            _ if self.revoked_at.is_some() => GrantState::Revoked,
            _ if self.valid_to.is_some_and(|to| to < today) => GrantState::Expired,
            _ if self.valid_from > today => GrantState::NotYet,
            _ => GrantState::InForce,
        }
    }

    fn into_row(self, today: NaiveDate, policies: &HashMap<String, Vec<String>>) -> GrantRow {
        GrantRow {
            state: self.state(today),
            policies: policies.get(&self.id).cloned().unwrap_or_default(),
            rights: Rights {
                report: self.may_report,
                pay: self.may_pay,
                delegate: self.may_delegate,
                all_policies: self.all_policies,
            },
            id: self.id,
            party: self.party,
            role: self.role,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            basis: self.basis,
            granted_by: self.granted_by,
            review: Review::from_parts(&self.review, self.review_reason),
            files: Vec::new(),
        }
    }
}

/// Inside transaction `$tx`: grant `$grant`, accepted by `$account`, becomes its authority over
/// `$ph` with the same id, replacing any other the account held over that policyholder.
macro_rules! install_authority {
    ($tx:expr, $grant:expr, $account:expr, $ph:expr, $now:expr) => {{
        sqlx::query(
            "UPDATE authorities SET revoked_at = $3
             WHERE account_id = $1 AND policyholder_id = $2 AND role <> 'self' AND revoked_at IS NULL",
        )
        .bind($account)
        .bind($ph)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO authorities (id, account_id, policyholder_id, role, basis, valid_from, valid_to,
                 may_report, may_pay, may_delegate, all_policies, granted_by, created_at)
             SELECT id, $2, policyholder_id, role, basis, valid_from, valid_to,
                 may_report, may_pay, may_delegate, all_policies, granted_by, $3
             FROM grants WHERE id = $1",
        )
        .bind($grant)
        .bind($account)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// What a staff decision on a grant found.
#[derive(sqlx::FromRow)]
struct Decided {
    status: String,
    account_id: Option<String>,
    policyholder_id: String,
    granted_by: String,
}

/// What the grantee sees in «Доверенности».
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// Grants sent to this account and not yet answered.
    pub invitations: Vec<GrantRow>,
    /// The authorities the account holds over others (not its own record).
    pub held: Vec<GrantRow>,
}

/// `WHERE` part: grant `g` names account `$1`'s СНИЛС or ИНН and its confirmed e-mail (`$3`) or
/// phone (`$4`); `$2` is the ИНН.
const FOR_ACCOUNT: &str =
    "((g.snils IS NOT NULL AND g.snils = $1) OR (g.inn IS NOT NULL AND g.inn = $2))
     AND ((g.channel = 'email' AND g.contact = $3) OR (g.channel = 'sms' AND g.contact = $4))";

const LINE_COLUMNS: &str =
    "g.role, g.may_report, g.may_pay, g.may_delegate, g.all_policies, g.valid_from,
     g.valid_to, g.basis, g.status, a.revoked_at, COALESCE(b.full_name, '') AS granted_by,
     g.review, g.review_reason, g.created_at AS created_at";

/// What the grantor is told when a staff check is needed.
const AFTER_CHECK: &str =
    "Доступ начнёт действовать после проверки основания сотрудником страховщика";

impl Store {
    /// «Выдать доступ»: checks the form and the caller's right to pass authority on, records the
    /// grant and sends the invitation to the contact given (and a notice to the account that
    /// has it). Returns the grant's id. A message that cannot be sent undoes the grant.
    pub async fn grant_access(
        &self,
        account_id: &str,
        policyholder_id: &str,
        form: &GrantForm,
        ip: &str,
    ) -> StoreResult<String> {
        let holder = self
            .authorized_for(account_id, policyholder_id, Need::Delegate)
            .await?;
        let today = self.today();
        let v = form.validate(today).map_err(StoreError::Invalid)?;
        let organisation = holder.kind == "organisation";
        if v.role == AuthorityRole::Representative && !organisation {
            return Err(StoreError::field(
                "role",
                "Представителя юридического лица назначает организация: для гражданина выберите доверенное лицо или агента / брокера",
            ));
        }
        let review = needs_review(v.role, v.notarised, organisation);
        if review && v.files.is_empty() {
            return Err(StoreError::field(
                "files",
                domain::delegation::BASIS_SCAN_NEEDED,
            ));
        }
        let id = new_id();
        let owner = format!("grant:{id}");
        self.check_attachable(account_id, &v.files, policyholder_id, &owner, "files")
            .await?;
        let me = self.account(account_id).await?;
        if (v.snils.is_some() && v.snils == me.snils) || (v.inn.is_some() && v.inn == me.inn) {
            return Err(StoreError::field(
                "id_number",
                "Это ваш СНИЛС или ИНН: доступ выдаётся другому человеку",
            ));
        }
        if !v.policies.is_empty() {
            let found: i64 = on_pool_db!(self, p, Db => {
                let mut q = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*) FROM policies WHERE policyholder_id = ");
                q.push_bind(policyholder_id.to_string());
                q.push(" AND id IN (");
                let mut sep = q.separated(", ");
                for id in &v.policies {
                    sep.push_bind(id.clone());
                }
                q.push(")");
                q.build_query_scalar::<i64>().fetch_one(p).await
            })?;
            if found != v.policies.len() as i64 {
                return Err(StoreError::field(
                    "policies",
                    "Среди отмеченных есть полис, которого нет у страхователя. Обновите страницу",
                ));
            }
        }
        let day = chrono::Duration::hours(24);
        if let Attempt::Blocked { minutes } = self
            .throttle_take(&format!("grant:{account_id}"), GRANTS_PER_DAY, day, day)
            .await?
        {
            let hours = (minutes + 59) / 60;
            return Err(StoreError::Refused(format!(
                "Вы уже отправили {GRANTS_PER_DAY} приглашений за сутки. Следующее можно будет отправить через {hours} ч."
            )));
        }
        let now = self.now();
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO grants (id, policyholder_id, granted_by, role, full_name, snils, inn, channel, contact,
                     may_report, may_pay, may_delegate, all_policies, valid_from, valid_to, basis, status, created_at,
                     notarised, review)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'pending', $17, $18, $19)",
            )
            .bind(&id)
            .bind(policyholder_id)
            .bind(account_id)
            .bind(v.role.code())
            .bind(&v.full_name)
            .bind(&v.snils)
            .bind(&v.inn)
            .bind(v.channel.code())
            .bind(&v.contact)
            .bind(v.rights.report)
            .bind(v.rights.pay)
            .bind(v.rights.delegate)
            .bind(v.rights.all_policies)
            .bind(v.valid_from)
            .bind(v.valid_to)
            .bind(&v.basis)
            .bind(now)
            .bind(v.notarised)
            .bind(if review { "awaiting" } else { "none" })
            .execute(&mut *tx)
            .await?;
            for policy in &v.policies {
                sqlx::query("INSERT INTO authority_policies (authority_id, policy_id) VALUES ($1, $2)")
                    .bind(&id)
                    .bind(policy)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        self.link_attachments(account_id, &v.files, policyholder_id, &owner)
            .await?;
        let text = format!(
            "{} даёт вам доступ к кабинету страхователя «{}»: {} ({}), {}. Основание: {}.\n\
             Доступ начнёт действовать, когда вы примете его{}: войдите в кабинет со своим СНИЛС или ИНН \
             и этим контактом, раздел «Доверенности». Если вы не ждали этого, ничего не делайте.",
            me.full_name,
            holder.name,
            v.role.label(),
            v.rights.label(),
            if v.rights.all_policies {
                "все полисы".to_string()
            } else {
                format!("полисов: {}", v.policies.len())
            },
            v.basis,
            if review {
                " и сотрудник страховщика проверит основание"
            } else {
                ""
            }
        );
        let sent = self
            .notify(&Message {
                channel: v.channel,
                to: v.contact.clone(),
                subject: "Вам выдан доступ в кабинете страхователя".into(),
                body: text.clone(),
            })
            .await;
        if let Err(e) = sent {
            on_pool!(self, p => sqlx::query("UPDATE grants SET status = 'cancelled', decided_at = $2 WHERE id = $1")
                .bind(&id)
                .bind(now)
                .execute(p)
                .await
                .map(|r| r.rows_affected()))?;
            return Err(e.undelivered_as(crate::MESSAGE_NOT_SENT));
        }
        if let Some(grantee) = self
            .grantee_account(&v.snils, &v.inn, v.channel, &v.contact)
            .await?
        {
            self.add_notice(&grantee, "Вам выдан доступ", &text, "/proxies")
                .await?;
        }
        self.journal(Entry {
            account_id: Some(account_id),
            policyholder_id: Some(policyholder_id),
            action: "authority.granted",
            object_type: "grant",
            object_id: &id,
            ip,
            details: &format!("{}: {}, {}", v.full_name, v.role.label(), v.rights.label()),
        })
        .await?;
        Ok(id)
    }

    /// The confirmed account with this СНИЛС or ИНН and this contact, if there is one.
    async fn grantee_account(
        &self,
        snils: &Option<String>,
        inn: &Option<String>,
        channel: Channel,
        contact: &str,
    ) -> StoreResult<Option<String>> {
        let column = match channel {
            Channel::Email => "email",
            Channel::Sms => "phone",
        };
        let sql = format!(
            "SELECT id FROM accounts WHERE confirmed_at IS NOT NULL AND {column} = $3
               AND ((snils IS NOT NULL AND snils = $1) OR (inn IS NOT NULL AND inn = $2)) LIMIT 1"
        );
        Ok(
            on_pool!(self, p => sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(snils)
            .bind(inn)
            .bind(contact)
            .fetch_optional(p)
            .await)?,
        )
    }

    /// The numbers of the policies each of `ids` covers (for those that do not cover all).
    async fn covered_policies(&self, ids: &[String]) -> StoreResult<HashMap<String, Vec<String>>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows: Vec<(String, String)> = on_pool_db!(self, p, Db => {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT ap.authority_id, p.number FROM authority_policies ap JOIN policies p ON p.id = ap.policy_id
                 WHERE ap.authority_id IN (",
            );
            let mut sep = q.separated(", ");
            for id in ids {
                sep.push_bind(id.clone());
            }
            q.push(") ORDER BY p.number");
            q.build_query_as::<(String, String)>().fetch_all(p).await
        })?;
        for (id, number) in rows {
            out.entry(id).or_default().push(number);
        }
        Ok(out)
    }

    /// The lines as rows, with the scans of their basis when `with_files` (for the grantor).
    async fn rows(&self, lines: Vec<Line>, with_files: bool) -> StoreResult<Vec<GrantRow>> {
        let limited: Vec<String> = lines
            .iter()
            .filter(|l| !l.all_policies)
            .map(|l| l.id.clone())
            .collect();
        let policies = self.covered_policies(&limited).await?;
        let today = self.today();
        let mut rows: Vec<GrantRow> = lines
            .into_iter()
            .map(|l| l.into_row(today, &policies))
            .collect();
        for row in rows
            .iter_mut()
            .filter(|r| with_files && r.review != Review::None)
        {
            row.files = self.attachments_of(&format!("grant:{}", row.id)).await?;
        }
        Ok(rows)
    }

    /// «Заполнить по МЧД»: reads a machine-readable power of attorney for the grant form of the
    /// policyholder the caller may pass authority on for, and checks it names that policyholder
    /// (by ИНН) as the principal and is in force today. At most [`MCHD_READS_PER_HOUR`] files an
    /// hour per account (counted in one statement).
    pub async fn read_mchd(
        &self,
        account_id: &str,
        policyholder_id: &str,
        bytes: &[u8],
    ) -> StoreResult<crate::mchd::Mchd> {
        self.authorized_for(account_id, policyholder_id, Need::Delegate)
            .await?;
        let hour = chrono::Duration::hours(1);
        if let Attempt::Blocked { minutes } = self
            .throttle_take(
                &format!("mchd:{account_id}"),
                MCHD_READS_PER_HOUR,
                hour,
                hour,
            )
            .await?
        {
            return Err(StoreError::Refused(format!(
                "Слишком много файлов доверенностей за час. Попробуйте через {minutes} мин."
            )));
        }
        let mchd = crate::mchd::parse(bytes).map_err(|e| StoreError::field("mchd", e))?;
        let inn: Option<String> = on_pool!(self, p => sqlx::query_scalar::<_, Option<String>>(
                "SELECT inn FROM policyholders WHERE id = $1")
            .bind(policyholder_id)
            .fetch_one(p)
            .await)?;
        mchd.check_issued(inn.as_deref(), self.today())
            .map_err(|e| StoreError::field("mchd", e))?;
        Ok(mchd)
    }

    /// «Кто имеет доступ»: every grant of the policyholder (answered or not) and every authority
    /// others hold over it, newest first. Needs the right to pass authority on.
    pub async fn grants_given(
        &self,
        account_id: &str,
        policyholder_id: &str,
    ) -> StoreResult<Vec<GrantRow>> {
        self.authorized_for(account_id, policyholder_id, Need::Delegate)
            .await?;
        let sql = format!(
            "SELECT g.id AS id, g.full_name AS party, {LINE_COLUMNS}
             FROM grants g LEFT JOIN authorities a ON a.id = g.id LEFT JOIN accounts b ON b.id = g.granted_by
             WHERE g.policyholder_id = $1
             UNION ALL
             SELECT a.id AS id, c.full_name AS party, a.role, a.may_report, a.may_pay, a.may_delegate, a.all_policies,
                    a.valid_from, a.valid_to, a.basis, 'accepted' AS status, a.revoked_at,
                    COALESCE(b.full_name, '') AS granted_by, 'none' AS review, NULL AS review_reason,
                    a.created_at AS created_at
             FROM authorities a JOIN accounts c ON c.id = a.account_id LEFT JOIN accounts b ON b.id = a.granted_by
             WHERE a.policyholder_id = $1 AND a.role <> 'self'
               AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.id = a.id)
             ORDER BY created_at DESC, id"
        );
        let lines = on_pool!(self, p => sqlx::query_as::<_, Line>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(policyholder_id)
            .fetch_all(p)
            .await)?;
        self.rows(lines, true).await
    }

    /// What the account holds: grants waiting for its answer, and its authorities over others.
    pub async fn grants_held(&self, account_id: &str) -> StoreResult<Held> {
        let me = self.account(account_id).await?;
        if me.confirmed_at.is_none() {
            return Err(StoreError::NotFound);
        }
        let sql = format!(
            "SELECT g.id, p.name AS party, {LINE_COLUMNS}
             FROM grants g JOIN policyholders p ON p.id = g.policyholder_id
             LEFT JOIN authorities a ON a.id = g.id LEFT JOIN accounts b ON b.id = g.granted_by
             WHERE g.status = 'pending' AND {FOR_ACCOUNT}
             ORDER BY g.created_at DESC, g.id"
        );
        let invitations = on_pool!(self, p => sqlx::query_as::<_, Line>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&me.snils)
            .bind(&me.inn)
            .bind(&me.email)
            .bind(&me.phone)
            .fetch_all(p)
            .await)?;
        // Its authorities, and the grants it accepted that wait for (or failed) the staff check.
        let sql = format!(
            "SELECT a.id AS id, p.name AS party, a.role, a.may_report, a.may_pay, a.may_delegate, a.all_policies,
                    a.valid_from, a.valid_to, a.basis, 'accepted' AS status, a.revoked_at,
                    COALESCE(b.full_name, '') AS granted_by, COALESCE(g.review, 'none') AS review,
                    g.review_reason AS review_reason, a.created_at AS created_at
             FROM authorities a JOIN policyholders p ON p.id = a.policyholder_id
             LEFT JOIN accounts b ON b.id = a.granted_by LEFT JOIN grants g ON g.id = a.id
             WHERE a.account_id = $1 AND a.role <> 'self'
             UNION ALL
             SELECT g.id AS id, p.name AS party, {LINE_COLUMNS}
             FROM grants g JOIN policyholders p ON p.id = g.policyholder_id
             LEFT JOIN authorities a ON a.id = g.id LEFT JOIN accounts b ON b.id = g.granted_by
             WHERE g.account_id = $1 AND g.status = 'accepted' AND g.review IN ('awaiting', 'rejected')
               AND a.id IS NULL
             ORDER BY created_at DESC, id"
        );
        let held = on_pool!(self, p => sqlx::query_as::<_, Line>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(account_id)
        .fetch_all(p)
        .await)?;
        Ok(Held {
            invitations: self.rows(invitations, false).await?,
            held: self.rows(held, false).await?,
        })
    }

    /// «Принять»: the grant becomes an authority of this account (replacing any other it held
    /// over the same policyholder). "Not found" unless the grant is waiting and names this
    /// account's СНИЛС or ИНН and contact.
    pub async fn accept_grant(
        &self,
        account_id: &str,
        grant_id: &str,
        ip: &str,
    ) -> StoreResult<()> {
        self.answer_grant(account_id, grant_id, true, ip).await
    }

    /// «Отклонить»: the grant is closed and shares nothing.
    pub async fn decline_grant(
        &self,
        account_id: &str,
        grant_id: &str,
        ip: &str,
    ) -> StoreResult<()> {
        self.answer_grant(account_id, grant_id, false, ip).await
    }

    async fn answer_grant(
        &self,
        account_id: &str,
        grant_id: &str,
        accept: bool,
        ip: &str,
    ) -> StoreResult<()> {
        let me = self.account(account_id).await?;
        if me.confirmed_at.is_none() {
            return Err(StoreError::NotFound);
        }
        let now = self.now();
        let status = if accept { "accepted" } else { "declined" };
        let sql = format!(
            "UPDATE grants SET status = $5, account_id = $6, decided_at = $7
             WHERE id = $8 AND status = 'pending' AND {}
             RETURNING policyholder_id, granted_by, review",
            FOR_ACCOUNT.replace("g.", "")
        );
        // The decision to install the authority is taken on what this statement returns: a staff
        // approval made at the same moment either comes first (and `review` says so) or finds
        // the grant accepted and installs it itself.
        let (policyholder_id, granted_by, installed): (String, String, bool) = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let found: Option<(String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&me.snils)
                .bind(&me.inn)
                .bind(&me.email)
                .bind(&me.phone)
                .bind(status)
                .bind(account_id)
                .bind(now)
                .bind(grant_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((ph, by, review)) = found else {
                return Err(StoreError::NotFound);
            };
            let install = accept && review != "awaiting";
            if accept {
                let own: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM authorities WHERE account_id = $1 AND policyholder_id = $2 AND role = 'self'",
                )
                .bind(account_id)
                .bind(&ph)
                .fetch_one(&mut *tx)
                .await?;
                if own > 0 {
                    return Err(StoreError::Refused(
                        "Это ваши собственные данные: доступ к ним у вас уже есть".into(),
                    ));
                }
            }
            if install {
                install_authority!(tx, grant_id, account_id, &ph, now);
            }
            tx.commit().await?;
            (ph, by, install)
        });
        if installed {
            // The grantee's open streams take in the new policyholder now.
            self.publish(&crate::events::account_topic(account_id), "authority", "")
                .await?;
        }
        let what = if accept {
            "принял(а)"
        } else {
            "отклонил(а)"
        };
        self.add_notice(
            &granted_by,
            if accept {
                "Доступ принят"
            } else {
                "Доступ отклонён"
            },
            &if accept && !installed {
                format!(
                    "{} {what} выданный вами доступ. {AFTER_CHECK}.",
                    me.full_name
                )
            } else {
                format!("{} {what} выданный вами доступ.", me.full_name)
            },
            "/proxies",
        )
        .await?;
        self.journal(Entry {
            account_id: Some(account_id),
            policyholder_id: Some(&policyholder_id),
            action: if accept {
                "authority.accepted"
            } else {
                "authority.declined"
            },
            object_type: "grant",
            object_id: grant_id,
            ip,
            details: "",
        })
        .await
    }

    /// «Отозвать» (an authority) or «Отменить» (a grant not yet answered), with effect at once:
    /// the next request of the holder finds no authority, their open live streams end within
    /// seconds, and their reminders are not sent. Needs the right to pass authority on; "not
    /// found" for anything not of this policyholder, or already ended.
    pub async fn end_grant(
        &self,
        account_id: &str,
        policyholder_id: &str,
        id: &str,
        ip: &str,
    ) -> StoreResult<()> {
        self.authorized_for(account_id, policyholder_id, Need::Delegate)
            .await?;
        let now = self.now();
        // Not answered yet, or accepted and still waiting for the staff check (so never in force).
        let cancelled: Option<Option<String>> = on_pool!(self, p => sqlx::query_scalar(
            "UPDATE grants SET status = 'cancelled', decided_at = $3
             WHERE id = $1 AND policyholder_id = $2
               AND (status = 'pending' OR (status = 'accepted' AND review = 'awaiting'))
             RETURNING account_id",
        )
        .bind(id)
        .bind(policyholder_id)
        .bind(now)
        .fetch_optional(p)
        .await)?;
        if let Some(Some(grantee)) = &cancelled {
            self.add_notice(
                grantee,
                "Доступ отменён",
                "Доступ к кабинету страхователя, который ждал проверки основания, отменён тем, кто его выдал.",
                "/proxies",
            )
            .await?;
        }
        let holder: Option<String> = if cancelled.is_some() {
            None
        } else {
            let revoked: Option<String> = on_pool!(self, p => sqlx::query_scalar(
                "UPDATE authorities SET revoked_at = $3
                 WHERE id = $1 AND policyholder_id = $2 AND role <> 'self' AND revoked_at IS NULL
                   AND account_id <> $4
                 RETURNING account_id",
            )
            .bind(id)
            .bind(policyholder_id)
            .bind(now)
            .bind(account_id)
            .fetch_optional(p)
            .await)?;
            Some(revoked.ok_or(StoreError::NotFound)?)
        };
        if let Some(holder) = &holder {
            self.add_notice(
                holder,
                "Доступ отозван",
                "Доступ к кабинету страхователя, выданный вам, отозван.",
                "/proxies",
            )
            .await?;
            // Open streams of the holder look again now rather than at their next check.
            self.publish(
                &crate::events::policyholder_topic(policyholder_id),
                "authority",
                "",
            )
            .await?;
        }
        self.journal(Entry {
            account_id: Some(account_id),
            policyholder_id: Some(policyholder_id),
            action: if holder.is_some() {
                "authority.revoked"
            } else {
                "authority.grant_cancelled"
            },
            object_type: "grant",
            object_id: id,
            ip,
            details: "",
        })
        .await
    }

    /// Staff: «Проверка полномочий» — the grants whose basis waits for a check, oldest first,
    /// with their scans. "Not found" for anyone but staff.
    pub async fn staff_authority_reviews(
        &self,
        staff_id: &str,
    ) -> StoreResult<Vec<AuthorityReviewRow>> {
        self.require_staff(staff_id).await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            id: String,
            ph_name: String,
            ph_inn: Option<String>,
            full_name: String,
            snils: Option<String>,
            inn: Option<String>,
            role: String,
            may_report: bool,
            may_pay: bool,
            may_delegate: bool,
            all_policies: bool,
            valid_from: NaiveDate,
            valid_to: Option<NaiveDate>,
            basis: String,
            notarised: bool,
            granted_by: String,
            status: String,
            created_at: DateTime<Utc>,
        }
        let rows = on_pool!(self, p => sqlx::query_as::<_, Row>(
            "SELECT g.id, p.name AS ph_name, p.inn AS ph_inn, g.full_name, g.snils, g.inn, g.role,
                    g.may_report, g.may_pay, g.may_delegate, g.all_policies, g.valid_from, g.valid_to,
                    g.basis, g.notarised, COALESCE(b.full_name, '') AS granted_by, g.status, g.created_at
             FROM grants g JOIN policyholders p ON p.id = g.policyholder_id
             LEFT JOIN accounts b ON b.id = g.granted_by
             WHERE g.review = 'awaiting' AND g.status IN ('pending', 'accepted')
             ORDER BY g.created_at, g.id LIMIT 100",
        )
        .fetch_all(p)
        .await)?;
        let limited: Vec<String> = rows
            .iter()
            .filter(|r| !r.all_policies)
            .map(|r| r.id.clone())
            .collect();
        let policies = self.covered_policies(&limited).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let files = self.attachments_of(&format!("grant:{}", r.id)).await?;
            let who = match (&r.snils, &r.inn) {
                (Some(s), _) => format!("{}, СНИЛС {}", r.full_name, domain::ids::format_snils(s)),
                (None, Some(i)) => format!("{}, ИНН {i}", r.full_name),
                (None, None) => r.full_name.clone(),
            };
            out.push(AuthorityReviewRow {
                policies: policies.get(&r.id).cloned().unwrap_or_default(),
                policyholder: match &r.ph_inn {
                    Some(inn) => format!("{} (ИНН {inn})", r.ph_name),
                    None => r.ph_name.clone(),
                },
                grantee: who,
                role: r.role,
                rights: Rights {
                    report: r.may_report,
                    pay: r.may_pay,
                    delegate: r.may_delegate,
                    all_policies: r.all_policies,
                },
                valid_from: r.valid_from,
                valid_to: r.valid_to,
                basis: r.basis,
                notarised: r.notarised,
                granted_by: r.granted_by,
                accepted: r.status == "accepted",
                created_at: r.created_at,
                files,
                id: r.id,
            });
        }
        Ok(out)
    }

    /// Staff: confirms the basis of a grant («Подтвердить»), or refuses it with a reason the
    /// grantor and the grantee are told. A confirmed grant the grantee has accepted takes
    /// effect at once (decided on what the update returns, in its transaction, so an acceptance
    /// at the same moment is never lost); a refused one never takes effect. "Not found" for
    /// anyone but staff, and for a grant not waiting for a check.
    pub async fn staff_decide_authority(
        &self,
        staff_id: &str,
        id: &str,
        approve: bool,
        reason: &str,
        ip: &str,
    ) -> StoreResult<()> {
        self.require_staff(staff_id).await?;
        let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        if !approve && reason.chars().count() < 3 {
            return Err(StoreError::field(
                "reason",
                "Укажите причину отказа: её увидят выдавший доступ и получатель",
            ));
        }
        if reason.chars().count() > 500 {
            return Err(StoreError::field(
                "reason",
                "Причина — не длиннее 500 знаков",
            ));
        }
        let now = self.now();
        let verdict = if approve { "approved" } else { "rejected" };
        let reason_kept = (!approve).then_some(reason.as_str());
        let (decided, installed): (Decided, bool) = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let found: Option<Decided> = sqlx::query_as(
                "UPDATE grants SET review = $2, review_reason = $3, reviewed_by = $4, reviewed_at = $5,
                     status = CASE WHEN $6 AND status = 'pending' THEN 'cancelled' ELSE status END
                 WHERE id = $1 AND review = 'awaiting' AND status IN ('pending', 'accepted')
                 RETURNING status, account_id, policyholder_id, granted_by",
            )
            .bind(id)
            .bind(verdict)
            .bind(reason_kept)
            .bind(staff_id)
            .bind(now)
            .bind(!approve)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(d) = found else {
                return Err(StoreError::NotFound);
            };
            let install = approve && d.status == "accepted";
            if let (true, Some(account)) = (install, &d.account_id) {
                install_authority!(tx, id, account, &d.policyholder_id, now);
            }
            tx.commit().await?;
            (d, install)
        });
        let (to_grantor, to_grantee) = if approve {
            (
                if installed {
                    "Сотрудник страховщика подтвердил основание: выданный вами доступ действует.".to_string()
                } else {
                    "Сотрудник страховщика подтвердил основание. Доступ начнёт действовать, когда получатель примет приглашение.".to_string()
                },
                "Сотрудник страховщика подтвердил основание: доступ действует, страхователь есть в списке «Действую от имени».".to_string(),
            )
        } else {
            (
                format!(
                    "Сотрудник страховщика не подтвердил основание выданного вами доступа. Причина: {reason}"
                ),
                format!(
                    "Сотрудник страховщика не подтвердил основание доступа, который вам выдали. Причина: {reason}"
                ),
            )
        };
        let title = if approve {
            "Основание подтверждено"
        } else {
            "Основание не подтверждено"
        };
        self.add_notice(&decided.granted_by, title, &to_grantor, "/proxies")
            .await?;
        if let Some(grantee) = &decided.account_id {
            self.add_notice(grantee, title, &to_grantee, "/proxies")
                .await?;
            if installed {
                self.publish(&crate::events::account_topic(grantee), "authority", "")
                    .await?;
            }
        }
        self.journal(Entry {
            account_id: Some(staff_id),
            policyholder_id: Some(&decided.policyholder_id),
            action: if approve {
                "authority.basis_confirmed"
            } else {
                "authority.basis_refused"
            },
            object_type: "grant",
            object_id: id,
            ip,
            details: &reason,
        })
        .await
    }
}
