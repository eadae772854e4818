//! «Мои страховые полисы» and the overview. Every query names the policyholder first and checks
//! the account's authority over it in the same statement.

use crate::policyholders::{AUTHORITY_IN_FORCE, policy_scope};
use crate::{Store, StoreError, StoreResult, on_pool};
use domain::model::{ContributionRow, InsurerInfo, Overview, PolicyDetail, PolicySummary, Totals};

/// `EXISTS` clause: account `$2` has authority over policyholder `$1` today (`$3`).
fn authorized() -> String {
    format!(
        "EXISTS (SELECT 1 FROM authorities a WHERE a.policyholder_id = $1 AND a.account_id = $2 AND {})",
        AUTHORITY_IN_FORCE.replace("$today", "$3")
    )
}

const POLICY_COLUMNS: &str =
    "p.id, p.number, g.name AS programme, i.name AS insurer, p.starts_on, p.ends_on,
     p.insured_sum, p.premium, p.status";

impl Store {
    /// The policyholder's policies, newest first; empty if the account has no authority.
    pub async fn list_policies(
        &self,
        account_id: &str,
        policyholder_id: &str,
    ) -> StoreResult<Vec<PolicySummary>> {
        let scope = match self
            .authorized_policyholder(account_id, policyholder_id)
            .await
        {
            Ok(holder) => policy_scope(&holder, "p.id"),
            Err(StoreError::NotFound) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let sql = format!(
            "SELECT {POLICY_COLUMNS} FROM policies p
             JOIN programmes g ON g.id = p.programme_id JOIN insurers i ON i.id = p.insurer_id
             WHERE p.policyholder_id = $1 AND {}{scope} ORDER BY p.starts_on DESC, p.number",
            authorized()
        );
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, PolicySummary>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(policyholder_id)
            .bind(account_id)
            .bind(self.today())
            .fetch_all(p)
            .await)?,
        )
    }

    /// One policy with its insurer, contribution totals and latest contributions; "not found"
    /// unless it belongs to the policyholder and the account has authority over them.
    pub async fn policy(
        &self,
        account_id: &str,
        policyholder_id: &str,
        policy_id: &str,
    ) -> StoreResult<PolicyDetail> {
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        let sql = format!(
            "SELECT {POLICY_COLUMNS} FROM policies p
             JOIN programmes g ON g.id = p.programme_id JOIN insurers i ON i.id = p.insurer_id
             WHERE p.policyholder_id = $1 AND {} AND p.id = $4{}",
            authorized(),
            policy_scope(&holder, "p.id")
        );
        let today = self.today();
        let policy = on_pool!(self, p => sqlx::query_as::<_, PolicySummary>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(policyholder_id)
            .bind(account_id)
            .bind(today)
            .bind(policy_id)
            .fetch_optional(p)
            .await)?
        .ok_or(StoreError::NotFound)?;
        let insurer = on_pool!(self, p => sqlx::query_as::<_, InsurerInfo>(
            "SELECT i.name, i.inn, i.kpp, i.ogrn, i.bank_name, i.bik, i.account, i.corr_account
             FROM policies p JOIN insurers i ON i.id = p.insurer_id WHERE p.policyholder_id = $1 AND p.id = $2",
        )
        .bind(policyholder_id)
        .bind(policy_id)
        .fetch_one(p)
        .await)?;
        let totals = on_pool!(self, p => sqlx::query_as::<_, Totals>(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS accrued, CAST(COALESCE(SUM(paid), 0) AS BIGINT) AS paid,
                    COUNT(*) AS count
             FROM contributions WHERE policyholder_id = $1 AND policy_id = $2",
        )
        .bind(policyholder_id)
        .bind(policy_id)
        .fetch_one(p)
        .await)?;
        let recent = on_pool!(self, p => sqlx::query_as::<_, ContributionRow>(
            "SELECT c.id, c.accrued_on, c.due_on, g.name AS programme, c.amount, c.paid
             FROM contributions c JOIN programmes g ON g.id = c.programme_id
             WHERE c.policyholder_id = $1 AND c.policy_id = $2 ORDER BY c.accrued_on DESC LIMIT 6",
        )
        .bind(policyholder_id)
        .bind(policy_id)
        .fetch_all(p)
        .await)?;
        Ok(PolicyDetail {
            policy,
            insurer,
            totals,
            recent,
        })
    }

    /// The overview: policies, what is owed, the next payment due.
    pub async fn overview(&self, account_id: &str, policyholder_id: &str) -> StoreResult<Overview> {
        let policyholder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        let today = self.today();
        let on_policy = policy_scope(&policyholder, "policy_id");
        let sql = format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN status = 'active' AND ends_on >= $2 THEN 1 ELSE 0 END), 0) AS BIGINT)
             FROM policies WHERE policyholder_id = $1{}",
            policy_scope(&policyholder, "id")
        );
        let (all, active): (i64, i64) = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(policyholder_id)
        .bind(today)
        .fetch_one(p)
        .await)?;
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS accrued, CAST(COALESCE(SUM(paid), 0) AS BIGINT) AS paid,
                    COUNT(*) AS count
             FROM contributions WHERE policyholder_id = $1{on_policy}"
        );
        let totals = on_pool!(self, p => sqlx::query_as::<_, Totals>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(policyholder_id)
        .fetch_one(p)
        .await)?;
        let sql = format!(
            "SELECT c.id, c.accrued_on, c.due_on, g.name AS programme, c.amount, c.paid
             FROM contributions c JOIN programmes g ON g.id = c.programme_id
             WHERE c.policyholder_id = $1 AND c.paid < c.amount{} ORDER BY c.due_on, c.id LIMIT 1",
            policy_scope(&policyholder, "c.policy_id")
        );
        let next_due = on_pool!(self, p => sqlx::query_as::<_, ContributionRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(policyholder_id)
        .fetch_optional(p)
        .await)?;
        Ok(Overview {
            policyholder,
            active_policies: active,
            all_policies: all,
            totals,
            next_due,
        })
    }
}
