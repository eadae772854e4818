//! «Взносы» and «Начисления»: filtered, sorted, paged tables with totals over the whole filter,
//! the contribution detail sheet, and the balance. The authority over the policyholder is checked
//! first; every query then names the policyholder first.

use crate::{Store, StoreError, StoreResult, on_pool_db};
use domain::model::{
    Balance, ChargeRow, ContributionDetail, ContributionRow, ProgrammeOption, TablePage, Totals,
};
use domain::query::{PER_PAGE, SortKey, TableQuery};

fn direction(f: &TableQuery) -> &'static str {
    if f.desc { "DESC" } else { "ASC" }
}

/// The ORDER BY of «Начисления» for the query's sort.
pub(crate) fn charge_order(f: &TableQuery) -> String {
    let column = match f.sort {
        SortKey::Kind => "ch.kind",
        SortKey::Amount => "ch.amount",
        SortKey::Status => "ch.status",
        _ => "ch.charged_on",
    };
    let dir = direction(f);
    format!(" ORDER BY {column} {dir}, ch.charged_on {dir}, ch.id {dir}")
}

/// The ORDER BY of «Взносы» for the query's sort, ending on the id so pages never overlap.
pub(crate) fn contribution_order(f: &TableQuery) -> String {
    let column = match f.sort {
        SortKey::Programme => "g.name",
        SortKey::Amount => "c.amount",
        SortKey::Paid => "c.paid",
        SortKey::Debt => "(c.amount - c.paid)",
        _ => "c.accrued_on",
    };
    let dir = direction(f);
    format!(" ORDER BY {column} {dir}, c.accrued_on {dir}, c.id {dir}")
}

impl Store {
    /// The programmes the policyholder has policies in, for the filter.
    pub async fn programmes_of(
        &self,
        account_id: &str,
        policyholder_id: &str,
    ) -> StoreResult<Vec<ProgrammeOption>> {
        self.authorized_policyholder(account_id, policyholder_id)
            .await?;
        Ok(
            on_pool_db!(self, p, Db => sqlx::query_as::<Db, ProgrammeOption>(
            "SELECT DISTINCT g.code, g.name FROM policies p JOIN programmes g ON g.id = p.programme_id
             WHERE p.policyholder_id = $1 ORDER BY g.name",
        )
        .bind(policyholder_id)
        .fetch_all(p)
        .await)?,
        )
    }

    /// «Взносы»: one page of the filtered contributions and the totals of all of them.
    pub async fn contributions(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &TableQuery,
    ) -> StoreResult<TablePage<ContributionRow>> {
        self.authorized_policyholder(account_id, policyholder_id)
            .await?;
        let (rows, totals) = on_pool_db!(self, p, Db => {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT c.id, c.accrued_on, c.due_on, g.name AS programme, c.amount, c.paid
                 FROM contributions c JOIN programmes g ON g.id = c.programme_id",
            );
            contribution_filter!(q, policyholder_id, f);
            q.push(contribution_order(f)).push(" LIMIT ")
                .push_bind(i64::from(PER_PAGE))
                .push(" OFFSET ")
                .push_bind(f.offset());
            let rows = q.build_query_as::<ContributionRow>().fetch_all(p).await?;
            let mut t = sqlx::QueryBuilder::<Db>::new(
                "SELECT CAST(COALESCE(SUM(c.amount), 0) AS BIGINT) AS accrued,
                        CAST(COALESCE(SUM(c.paid), 0) AS BIGINT) AS paid, COUNT(*) AS count
                 FROM contributions c JOIN programmes g ON g.id = c.programme_id",
            );
            contribution_filter!(t, policyholder_id, f);
            let totals = t.build_query_as::<Totals>().fetch_one(p).await?;
            Ok::<_, sqlx::Error>((rows, totals))
        })?;
        Ok(TablePage {
            rows,
            page: f.page,
            per_page: PER_PAGE,
            totals,
        })
    }

    /// The detail sheet of one contribution; "not found" unless it is the policyholder's and the
    /// account has authority over them.
    pub async fn contribution(
        &self,
        account_id: &str,
        policyholder_id: &str,
        contribution_id: &str,
    ) -> StoreResult<ContributionDetail> {
        self.authorized_policyholder(account_id, policyholder_id)
            .await?;
        #[derive(sqlx::FromRow)]
        struct Head {
            policy_id: String,
            policy_number: String,
            policyholder_name: String,
            policyholder_inn: Option<String>,
            kbk: String,
        }
        let head = on_pool_db!(self, p, Db => sqlx::query_as::<Db, Head>(
            "SELECT p.id AS policy_id, p.number AS policy_number, h.name AS policyholder_name,
                    h.inn AS policyholder_inn, g.kbk
             FROM contributions c JOIN policies p ON p.id = c.policy_id
             JOIN policyholders h ON h.id = c.policyholder_id JOIN programmes g ON g.id = c.programme_id
             WHERE c.policyholder_id = $1 AND c.id = $2",
        )
        .bind(policyholder_id)
        .bind(contribution_id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)?;
        let row = on_pool_db!(self, p, Db => sqlx::query_as::<Db, ContributionRow>(
            "SELECT c.id, c.accrued_on, c.due_on, g.name AS programme, c.amount, c.paid
             FROM contributions c JOIN programmes g ON g.id = c.programme_id
             WHERE c.policyholder_id = $1 AND c.id = $2",
        )
        .bind(policyholder_id)
        .bind(contribution_id)
        .fetch_one(p)
        .await)?;
        let insurer = self
            .policy(account_id, policyholder_id, &head.policy_id)
            .await?
            .insurer;
        let purpose = format!(
            "Страховой взнос по полису {} за {} ({}). Без НДС",
            head.policy_number,
            row.accrued_on.format("%m.%Y"),
            row.programme
        );
        Ok(ContributionDetail {
            row,
            policy_id: head.policy_id,
            policy_number: head.policy_number,
            policyholder_name: head.policyholder_name,
            policyholder_inn: head.policyholder_inn,
            insurer,
            kbk: head.kbk,
            purpose,
        })
    }

    /// «Начисления»: one page of the filtered charges, with totals (`accrued` = the sum of all,
    /// `paid` = the sum of those paid).
    pub async fn charges(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &TableQuery,
    ) -> StoreResult<TablePage<ChargeRow>> {
        self.authorized_policyholder(account_id, policyholder_id)
            .await?;
        let (rows, totals) = on_pool_db!(self, p, Db => {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT ch.id, ch.charged_on, ch.kind, ch.amount, ch.status, ch.description, p.number AS policy_number
                 FROM charges ch LEFT JOIN policies p ON p.id = ch.policy_id",
            );
            charge_filter!(q, policyholder_id, f);
            q.push(charge_order(f)).push(" LIMIT ")
                .push_bind(i64::from(PER_PAGE))
                .push(" OFFSET ")
                .push_bind(f.offset());
            let rows = q.build_query_as::<ChargeRow>().fetch_all(p).await?;
            let mut t = sqlx::QueryBuilder::<Db>::new(
                "SELECT CAST(COALESCE(SUM(ch.amount), 0) AS BIGINT) AS accrued,
                        CAST(COALESCE(SUM(CASE WHEN ch.status = 'paid' THEN ch.amount ELSE 0 END), 0) AS BIGINT) AS paid,
                        COUNT(*) AS count
                 FROM charges ch",
            );
            charge_filter!(t, policyholder_id, f);
            let totals = t.build_query_as::<Totals>().fetch_one(p).await?;
            Ok::<_, sqlx::Error>((rows, totals))
        })?;
        Ok(TablePage {
            rows,
            page: f.page,
            per_page: PER_PAGE,
            totals,
        })
    }

    /// What the policyholder owes now (contributions not yet paid and unpaid fines) and what was
    /// overpaid (contributions paid above their amount).
    pub async fn balance(&self, account_id: &str, policyholder_id: &str) -> StoreResult<Balance> {
        self.authorized_policyholder(account_id, policyholder_id)
            .await?;
        let (owed, over): (i64, i64) = on_pool_db!(self, p, Db => sqlx::query_as::<Db, (i64, i64)>(
            "SELECT CAST(COALESCE(SUM(CASE WHEN amount > paid THEN amount - paid ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN paid > amount THEN paid - amount ELSE 0 END), 0) AS BIGINT)
             FROM contributions WHERE policyholder_id = $1",
        )
        .bind(policyholder_id)
        .fetch_one(p)
        .await)?;
        let fines: i64 = on_pool_db!(self, p, Db => sqlx::query_scalar::<Db, i64>(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM charges
             WHERE policyholder_id = $1 AND kind = 'penalty' AND status <> 'paid'",
        )
        .bind(policyholder_id)
        .fetch_one(p)
        .await)?;
        Ok(Balance {
            to_pay: domain::Money(owed + fines),
            overpaid: domain::Money(over),
        })
    }
}
