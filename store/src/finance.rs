//! «Взносы» and «Начисления»: filtered, sorted, paged tables with totals over the whole filter,
//! the contribution detail sheet, and the balance. The authority over the policyholder is checked
//! first; every query then names the policyholder first.

use crate::policyholders::policy_scope;
use crate::{Store, StoreError, StoreResult, on_pool_db};
use chrono::{Datelike, Months, NaiveDate};
use domain::model::{
    Balance, ChargeRow, ContributionDetail, ContributionRow, ProgrammeOption, TablePage, Totals,
};
use domain::query::{PER_PAGE, SortKey, TableQuery};

fn direction(f: &TableQuery) -> &'static str {
    if f.desc { "DESC" } else { "ASC" }
}

/// The ORDER BY of «Начисления» for the query's sort.
pub(crate) fn charge_order(f: &TableQuery) -> String {
    let dir = direction(f);
    // As for «Взносы»: the leading key, then the date and the id, each named once.
    let lead = match f.sort {
        SortKey::Kind => format!("ch.kind {dir}, "),
        SortKey::Amount => format!("ch.amount {dir}, "),
        SortKey::Status => format!("ch.status {dir}, "),
        _ => String::new(),
    };
    format!(" ORDER BY {lead}ch.charged_on {dir}, ch.id {dir}")
}

/// The ORDER BY of «Взносы» for the query's sort, ending on the id so pages never overlap.
pub(crate) fn contribution_order(f: &TableQuery) -> String {
    let dir = direction(f);
    // The leading keys; the date and the id always follow (each named once: a repeated column
    // makes SQLite sort instead of walking the index).
    let lead = match f.sort {
        SortKey::Programme => format!("g.name {dir}, g.id {dir}, "),
        SortKey::Amount => format!("c.amount {dir}, "),
        SortKey::Paid => format!("c.paid {dir}, "),
        SortKey::Debt => format!("(c.amount - c.paid) {dir}, "),
        _ => String::new(),
    };
    format!(" ORDER BY {lead}c.accrued_on {dir}, c.id {dir}")
}

/// The totals of one programme under a filter.
#[derive(Debug, Clone, sqlx::FromRow)]
struct ProgrammeTotals {
    programme_id: String,
    name: String,
    #[sqlx(flatten)]
    totals: Totals,
}

/// A period cut for the totals: whole months (read from `contribution_months`; `None` bounds are
/// open) and the partial days at its edges (read row by row).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Split {
    pub months: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
    pub edges: Vec<(NaiveDate, NaiveDate)>,
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn next_month(d: NaiveDate) -> NaiveDate {
    month_start(d)
        .checked_add_months(Months::new(1))
        .unwrap_or(d)
}

fn is_month_end(d: NaiveDate) -> bool {
    d.succ_opt().is_none_or(|n| n.day() == 1)
}

pub(crate) fn split_period(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Split {
    // The first whole month and the start of the last whole month.
    let first = from.map(|d| if d.day() == 1 { d } else { next_month(d) });
    let last = to.map(|d| {
        if is_month_end(d) {
            month_start(d)
        } else {
            month_start(d)
                .checked_sub_months(Months::new(1))
                .unwrap_or(d)
        }
    });
    if let (Some(a), Some(b), Some(f), Some(t)) = (first, last, from, to)
        && a > b
    {
        // Less than a whole month in between: count the rows.
        return Split {
            months: None,
            edges: if f <= t { vec![(f, t)] } else { Vec::new() },
        };
    }
    let mut edges = Vec::new();
    if let (Some(f), Some(a)) = (from, first)
        && f < a
    {
        edges.push((f, a.pred_opt().unwrap_or(a)));
    }
    if let Some(t) = to
        && !is_month_end(t)
    {
        edges.push((month_start(t), t));
    }
    Split {
        months: Some((first, last)),
        edges,
    }
}

impl Store {
    /// The programmes the policyholder has policies in, for the filter.
    pub async fn programmes_of(
        &self,
        account_id: &str,
        policyholder_id: &str,
    ) -> StoreResult<Vec<ProgrammeOption>> {
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        let sql = format!(
            "SELECT DISTINCT g.code, g.name FROM policies p JOIN programmes g ON g.id = p.programme_id
             WHERE p.policyholder_id = $1{} ORDER BY g.name",
            policy_scope(&holder, "p.id")
        );
        Ok(
            on_pool_db!(self, p, Db => sqlx::query_as::<Db, ProgrammeOption>(sqlx::AssertSqlSafe(sql.as_str())
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
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        let scope = policy_scope(&holder, "c.policy_id");
        let scope = scope.as_str();
        let by_programme = self.totals_by_programme(policyholder_id, f, scope).await?;
        let totals = by_programme
            .iter()
            .fold(Totals::default(), |t, p| t.plus(p.totals));
        let rows = if f.sort == SortKey::Programme {
            self.page_by_programme(policyholder_id, f, &by_programme, scope)
                .await?
        } else {
            on_pool_db!(self, p, Db => {
                // The page's ids are picked on an index alone (a deep OFFSET then skips index
                // entries, not joined rows); only those 50 rows are read and joined.
                let mut q = sqlx::QueryBuilder::<Db>::new(
                    "SELECT c.id, c.accrued_on, c.due_on, g.name AS programme, c.amount, c.paid
                     FROM contributions c JOIN programmes g ON g.id = c.programme_id
                     WHERE c.id IN (SELECT c.id FROM contributions c",
                );
                contribution_filter!(q, policyholder_id, f, scope);
                q.push(contribution_order(f)).push(" LIMIT ")
                    .push_bind(i64::from(PER_PAGE))
                    .push(" OFFSET ")
                    .push_bind(f.offset())
                    .push(")")
                    .push(contribution_order(f));
                q.build_query_as::<ContributionRow>().fetch_all(p).await
            })?
        };
        Ok(TablePage {
            rows,
            page: f.page,
            per_page: PER_PAGE,
            totals,
        })
    }

    /// The totals of the filter per programme (with the programme's name, for the sort by it):
    /// whole months from `contribution_months`, the partial edge months row by row.
    async fn totals_by_programme(
        &self,
        policyholder_id: &str,
        f: &TableQuery,
        scope: &str,
    ) -> StoreResult<Vec<ProgrammeTotals>> {
        // The monthly sums are per policyholder: within some policies only, rows are summed.
        let split = if scope.is_empty() {
            split_period(f.from, f.to)
        } else {
            Split {
                months: None,
                edges: Vec::new(),
            }
        };
        let mut parts: Vec<ProgrammeTotals> = Vec::new();
        on_pool_db!(self, p, Db => {
            if let Some((from, to)) = split.months {
                let mut t = sqlx::QueryBuilder::<Db>::new(
                    "SELECT m.programme_id, g.name,
                            CAST(SUM(m.amount) AS BIGINT) AS accrued, CAST(SUM(m.paid) AS BIGINT) AS paid,
                            CAST(SUM(m.count) AS BIGINT) AS count
                     FROM contribution_months m JOIN programmes g ON g.id = m.programme_id
                     WHERE m.policyholder_id = ",
                );
                t.push_bind(policyholder_id);
                if let Some(from) = from {
                    t.push(" AND m.month >= ").push_bind(from);
                }
                if let Some(to) = to {
                    t.push(" AND m.month <= ").push_bind(to);
                }
                if !f.programmes.is_empty() {
                    t.push(" AND g.code IN (");
                    let mut s = t.separated(", ");
                    for code in &f.programmes {
                        s.push_bind(code.clone());
                    }
                    t.push(")");
                }
                t.push(" GROUP BY m.programme_id, g.name");
                parts.extend(t.build_query_as::<ProgrammeTotals>().fetch_all(p).await?);
            }
            for (from, to) in &split.edges {
                let edge = TableQuery { from: Some(*from), to: Some(*to), ..f.clone() };
                let mut t = sqlx::QueryBuilder::<Db>::new(
                    "SELECT c.programme_id, g.name,
                            CAST(SUM(c.amount) AS BIGINT) AS accrued, CAST(SUM(c.paid) AS BIGINT) AS paid,
                            COUNT(*) AS count
                     FROM contributions c JOIN programmes g ON g.id = c.programme_id",
                );
                contribution_filter!(t, policyholder_id, edge, scope);
                t.push(" GROUP BY c.programme_id, g.name");
                parts.extend(t.build_query_as::<ProgrammeTotals>().fetch_all(p).await?);
            }
            if !scope.is_empty() {
                let mut t = sqlx::QueryBuilder::<Db>::new(
                    "SELECT c.programme_id, g.name,
                            CAST(SUM(c.amount) AS BIGINT) AS accrued, CAST(SUM(c.paid) AS BIGINT) AS paid,
                            COUNT(*) AS count
                     FROM contributions c JOIN programmes g ON g.id = c.programme_id",
                );
                contribution_filter!(t, policyholder_id, f, scope);
                t.push(" GROUP BY c.programme_id, g.name");
                parts.extend(t.build_query_as::<ProgrammeTotals>().fetch_all(p).await?);
            }
            Ok::<(), sqlx::Error>(())
        })?;
        let mut merged: Vec<ProgrammeTotals> = Vec::new();
        for part in parts {
            match merged
                .iter_mut()
                .find(|m| m.programme_id == part.programme_id)
            {
                Some(m) => m.totals = m.totals.plus(part.totals),
                None => merged.push(part),
            }
        }
        merged.retain(|m| m.totals.count > 0);
        merged.sort_by(|a, b| (&a.name, &a.programme_id).cmp(&(&b.name, &b.programme_id)));
        Ok(merged)
    }

    /// A page sorted by programme name: the per-programme counts say which programmes the page
    /// falls in, and each programme's slice is read on its own index, never sorting the set.
    async fn page_by_programme(
        &self,
        policyholder_id: &str,
        f: &TableQuery,
        programmes: &[ProgrammeTotals],
        scope: &str,
    ) -> StoreResult<Vec<ContributionRow>> {
        let mut order: Vec<&ProgrammeTotals> = programmes.iter().collect();
        if f.desc {
            order.reverse();
        }
        let mut skip = f.offset();
        let mut want = i64::from(PER_PAGE);
        let mut rows = Vec::new();
        let dir = direction(f);
        for prog in order {
            if want == 0 {
                break;
            }
            if skip >= prog.totals.count {
                skip -= prog.totals.count;
                continue;
            }
            let take = want.min(prog.totals.count - skip);
            let slice = on_pool_db!(self, p, Db => {
                let mut q = sqlx::QueryBuilder::<Db>::new(
                    "SELECT c.id, c.accrued_on, c.due_on, g.name AS programme, c.amount, c.paid
                     FROM contributions c JOIN programmes g ON g.id = c.programme_id
                     WHERE c.id IN (SELECT c.id FROM contributions c",
                );
                contribution_filter!(q, policyholder_id, f, scope);
                q.push(" AND c.programme_id = ").push_bind(prog.programme_id.clone());
                let order = format!(" ORDER BY c.accrued_on {dir}, c.id {dir}");
                q.push(order.as_str()).push(" LIMIT ").push_bind(take).push(" OFFSET ").push_bind(skip)
                    .push(")").push(order.as_str());
                q.build_query_as::<ContributionRow>().fetch_all(p).await
            })?;
            want -= slice.len() as i64;
            rows.extend(slice);
            skip = 0;
        }
        Ok(rows)
    }

    /// The detail sheet of one contribution; "not found" unless it is the policyholder's and the
    /// account has authority over them.
    pub async fn contribution(
        &self,
        account_id: &str,
        policyholder_id: &str,
        contribution_id: &str,
    ) -> StoreResult<ContributionDetail> {
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        #[derive(sqlx::FromRow)]
        struct Head {
            policy_id: String,
            policy_number: String,
            policyholder_name: String,
            policyholder_inn: Option<String>,
            kbk: String,
        }
        let sql = format!(
            "SELECT p.id AS policy_id, p.number AS policy_number, h.name AS policyholder_name,
                    h.inn AS policyholder_inn, g.kbk
             FROM contributions c JOIN policies p ON p.id = c.policy_id
             JOIN policyholders h ON h.id = c.policyholder_id JOIN programmes g ON g.id = c.programme_id
             WHERE c.policyholder_id = $1 AND c.id = $2{}",
            policy_scope(&holder, "c.policy_id")
        );
        let head = on_pool_db!(self, p, Db => sqlx::query_as::<Db, Head>(sqlx::AssertSqlSafe(sql.as_str()))
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
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        let scope = policy_scope(&holder, "ch.policy_id");
        let scope = scope.as_str();
        let (rows, totals) = on_pool_db!(self, p, Db => {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT ch.id, ch.charged_on, ch.kind, ch.amount, ch.status, ch.description, p.number AS policy_number
                 FROM charges ch LEFT JOIN policies p ON p.id = ch.policy_id",
            );
            charge_filter!(q, policyholder_id, f, scope);
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
            charge_filter!(t, policyholder_id, f, scope);
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
        let holder = self
            .authorized_policyholder(account_id, policyholder_id)
            .await?;
        let scope = policy_scope(&holder, "policy_id");
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(CASE WHEN amount > paid THEN amount - paid ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN paid > amount THEN paid - amount ELSE 0 END), 0) AS BIGINT)
             FROM contributions WHERE policyholder_id = $1{scope}"
        );
        let (owed, over): (i64, i64) = on_pool_db!(self, p, Db => sqlx::query_as::<Db, (i64, i64)>(sqlx::AssertSqlSafe(sql.as_str())
        )
        .bind(policyholder_id)
        .fetch_one(p)
        .await)?;
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM charges
             WHERE policyholder_id = $1 AND kind = 'penalty' AND status <> 'paid'{scope}"
        );
        let fines: i64 = on_pool_db!(self, p, Db => sqlx::query_scalar::<Db, i64>(sqlx::AssertSqlSafe(sql.as_str())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_split_into_whole_months_and_edges() {
        assert_eq!(
            split_period(None, None),
            Split {
                months: Some((None, None)),
                edges: vec![]
            }
        );
        // 15 Jan – 10 Apr: February and March whole, the rest by rows.
        assert_eq!(
            split_period(Some(d("2026-01-15")), Some(d("2026-04-10"))),
            Split {
                months: Some((Some(d("2026-02-01")), Some(d("2026-03-01")))),
                edges: vec![
                    (d("2026-01-15"), d("2026-01-31")),
                    (d("2026-04-01"), d("2026-04-10"))
                ]
            }
        );
        // Whole months at both ends, a leap February included.
        assert_eq!(
            split_period(Some(d("2024-01-01")), Some(d("2024-02-29"))),
            Split {
                months: Some((Some(d("2024-01-01")), Some(d("2024-02-01")))),
                edges: vec![]
            }
        );
        // Inside one month, and across a New Year without a whole month.
        assert_eq!(
            split_period(Some(d("2026-03-05")), Some(d("2026-03-20"))).edges,
            vec![(d("2026-03-05"), d("2026-03-20"))]
        );
        assert_eq!(
            split_period(Some(d("2025-12-20")), Some(d("2026-01-10"))),
            Split {
                months: None,
                edges: vec![(d("2025-12-20"), d("2026-01-10"))]
            }
        );
        // Open at one end.
        assert_eq!(
            split_period(None, Some(d("2026-05-31"))),
            Split {
                months: Some((None, Some(d("2026-05-01")))),
                edges: vec![]
            }
        );
        assert_eq!(
            split_period(Some(d("2026-05-02")), None),
            Split {
                months: Some((Some(d("2026-06-01")), None)),
                edges: vec![(d("2026-05-02"), d("2026-05-31"))]
            }
        );
        // Reversed: nothing.
        assert_eq!(
            split_period(Some(d("2026-05-20")), Some(d("2026-05-02"))).edges,
            vec![]
        );
    }
}
