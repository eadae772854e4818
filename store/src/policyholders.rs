//! Policyholders and the authorities that let an account act for them.

use crate::accounts::Account;
use crate::journal::Entry;
use crate::{Store, StoreError, StoreResult, new_id, on_pool};
use domain::delegation::Need;
use domain::model::PolicyholderBrief;
use domain::status::Channel;

/// The condition that an authority row `a` is in force on `$today` (bound by the caller).
pub(crate) const AUTHORITY_IN_FORCE: &str = "a.revoked_at IS NULL AND a.valid_from <= $today AND (a.valid_to IS NULL OR a.valid_to >= $today)";

/// An authority found in force on a day, kept by a request's [`Store`] handle.
pub(crate) struct Checked {
    account_id: String,
    on: chrono::NaiveDate,
    policyholder: PolicyholderBrief,
}

/// The columns of a [`PolicyholderBrief`] from `p` (policyholders) and `a` (authorities).
pub(crate) const BRIEF_COLUMNS: &str =
    "p.id, p.name, p.kind, a.role, a.valid_to, a.id AS authority_id, a.basis,
     a.may_report, a.may_pay, a.may_delegate, a.all_policies";

/// ` AND {column} IN (…)`: limits a query to the policies the authority of `holder` covers; empty
/// when it covers them all. The authority's id comes from the database, where every id is made
/// by [`crate::new_id`] (or the demo's generator): anything else matches nothing rather than go
/// into the SQL.
pub(crate) fn policy_scope(holder: &PolicyholderBrief, column: &str) -> String {
    if holder.allows(Need::Whole) {
        return String::new();
    }
    let id = &holder.authority_id;
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return " AND 1 = 0".into();
    }
    format!(
        " AND {column} IN (SELECT ap.policy_id FROM authority_policies ap WHERE ap.authority_id = '{id}')"
    )
}

pub(crate) fn with_today(sql: &str, n: usize) -> String {
    sql.replace("$today", &format!("${n}"))
}

impl Store {
    /// Everyone the account may act for today: its own record first, then the rest by name.
    pub async fn accessible_policyholders(
        &self,
        account_id: &str,
    ) -> StoreResult<Vec<PolicyholderBrief>> {
        let sql = with_today(
            &format!(
                "SELECT {BRIEF_COLUMNS} FROM authorities a
                 JOIN policyholders p ON p.id = a.policyholder_id
                 WHERE a.account_id = $1 AND {AUTHORITY_IN_FORCE}
                 ORDER BY CASE a.role WHEN 'self' THEN 0 ELSE 1 END, p.name, p.id"
            ),
            2,
        );
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, PolicyholderBrief>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(account_id)
            .bind(self.today())
            .fetch_all(p)
            .await)?,
        )
    }

    /// The policyholder, if the account has authority over it today; otherwise "not found".
    pub async fn authorized_policyholder(
        &self,
        account_id: &str,
        policyholder_id: &str,
    ) -> StoreResult<PolicyholderBrief> {
        let today = self.today();
        if let Some(found) = self.checked.as_ref().and_then(|c| {
            c.lock().ok()?.iter().find_map(|k| {
                (k.account_id == account_id
                    && k.policyholder.id == policyholder_id
                    && k.on == today)
                    .then(|| k.policyholder.clone())
            })
        }) {
            return Ok(found);
        }
        let sql = with_today(
            &format!(
                "SELECT {BRIEF_COLUMNS} FROM authorities a
                 JOIN policyholders p ON p.id = a.policyholder_id
                 WHERE a.policyholder_id = $1 AND a.account_id = $2 AND {AUTHORITY_IN_FORCE}
                 ORDER BY CASE a.role WHEN 'self' THEN 0 ELSE 1 END LIMIT 1"
            ),
            3,
        );
        let found = on_pool!(self, p => sqlx::query_as::<_, PolicyholderBrief>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(policyholder_id)
            .bind(account_id)
            .bind(today)
            .fetch_optional(p)
            .await)?
        .ok_or(StoreError::NotFound)?;
        if let Some(mut c) = self.checked.as_ref().and_then(|c| c.lock().ok()) {
            c.push(Checked {
                account_id: account_id.to_string(),
                on: today,
                policyholder: found.clone(),
            });
        }
        Ok(found)
    }

    /// The policyholder, if the account has authority over it today that allows `need`;
    /// otherwise "not found", as for someone with no authority at all.
    pub async fn authorized_for(
        &self,
        account_id: &str,
        policyholder_id: &str,
        need: Need,
    ) -> StoreResult<PolicyholderBrief> {
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        if holder.allows(need) {
            Ok(holder)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// After confirmation: links the account to the insurer's record of the same person when the
    /// СНИЛС or ИНН matches and the contact the code went to is the one on record; otherwise makes
    /// a new record of the person.
    pub(crate) async fn link_self_policyholder(
        &self,
        account: &Account,
        confirmed_by: Channel,
    ) -> StoreResult<String> {
        let contact = account.destination(confirmed_by);
        let contact_column = match confirmed_by {
            Channel::Email => "email",
            Channel::Sms => "phone",
        };
        let sql = format!(
            "SELECT p.id FROM policyholders p
             WHERE p.kind = 'person' AND ((p.snils IS NOT NULL AND p.snils = $1) OR (p.inn IS NOT NULL AND p.inn = $2))
               AND p.{contact_column} = $3
               AND NOT EXISTS (SELECT 1 FROM authorities a WHERE a.policyholder_id = p.id AND a.role = 'self')
             ORDER BY p.created_at LIMIT 1"
        );
        let existing: Option<String> = on_pool!(self, p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&account.snils)
            .bind(&account.inn)
            .bind(contact)
            .fetch_optional(p)
            .await)?;
        let now = self.now();
        let (policyholder_id, basis) = match existing {
            Some(id) => (
                id,
                format!(
                    "Сведения страховщика, контакт подтверждён кодом ({})",
                    confirmed_by.label()
                ),
            ),
            None => {
                let id = new_id();
                on_pool!(self, p => sqlx::query(
                    "INSERT INTO policyholders (id, kind, name, snils, inn, email, phone, created_at)
                     VALUES ($1, 'person', $2, $3, $4, $5, $6, $7)",
                )
                .bind(&id)
                .bind(&account.full_name)
                .bind(&account.snils)
                .bind(&account.inn)
                .bind(&account.email)
                .bind(&account.phone)
                .bind(now)
                .execute(p)
                .await.map(|r| r.rows_affected()))?;
                (id, "Регистрация в кабинете".to_string())
            }
        };
        on_pool!(self, p => sqlx::query(
            "INSERT INTO authorities (id, account_id, policyholder_id, role, basis, valid_from, created_at)
             VALUES ($1, $2, $3, 'self', $4, $5, $6)",
        )
        .bind(new_id())
        .bind(&account.id)
        .bind(&policyholder_id)
        .bind(&basis)
        .bind(self.today())
        .bind(now)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
        self.journal(Entry {
            account_id: Some(&account.id),
            policyholder_id: Some(&policyholder_id),
            action: "authority.self_linked",
            object_type: "policyholder",
            object_id: &policyholder_id,
            details: &basis,
            ..Default::default()
        })
        .await?;
        Ok(policyholder_id)
    }

    /// Whom a session acts for: its choice if that authority is still in force, else the first
    /// one in force; "not found" if there is none.
    pub async fn acting_policyholder(
        &self,
        session: &crate::sessions::SessionInfo,
    ) -> StoreResult<PolicyholderBrief> {
        if let Some(id) = &session.acting_policyholder_id {
            match self.authorized_policyholder(&session.account_id, id).await {
                Ok(p) => return Ok(p),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        self.accessible_policyholders(&session.account_id)
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound)
    }
}
