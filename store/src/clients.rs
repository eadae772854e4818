//! «Мои клиенты»: the policyholders an account holds authority over today (other than its own
//! record), one page at a time, found by name, ИНН or policy number, each with its debts, next
//! payment and open requests worked out in the same query that finds the authority and limited to
//! the policies it covers; the next deadline for those whose reports the account may file.

use crate::export::{start_sheet, xlsx_err};
use crate::{Store, StoreResult, on_pool_db};
use chrono::NaiveDate;
use domain::clients::{
    ClientDebtRow, ClientDebtsPage, ClientFilter, ClientPage, ClientRow, NextDeadline,
};
use domain::money::Money;
use domain::payments::{contribution_debt_title, days_overdue, penalty};
use rust_xlsxwriter::Workbook;

/// Clients on a page.
pub const PER_PAGE: i64 = 25;
/// Debts on a page of «Задолженности всех клиентов».
pub const DEBTS_PER_PAGE: i64 = 50;
/// The most debts one export holds.
pub const MAX_DEBTS_EXPORT: i64 = 20_000;

#[derive(sqlx::FromRow)]
struct DebtLine {
    policyholder_id: String,
    client: String,
    policy_number: Option<String>,
    /// `c` a contribution, `f` a fine.
    kind: String,
    accrued_on: NaiveDate,
    due_on: NaiveDate,
    owed: i64,
    programme: String,
    penalty_ppm: Option<i64>,
}

impl DebtLine {
    fn into_row(self, today: NaiveDate) -> ClientDebtRow {
        let days = days_overdue(self.due_on, today);
        let fine = self.kind == "f";
        ClientDebtRow {
            title: if fine {
                self.programme
            } else {
                contribution_debt_title(self.accrued_on, &self.programme)
            },
            penalty: if fine {
                Money(0)
            } else {
                penalty(Money(self.owed), self.penalty_ppm.unwrap_or(0), days)
            },
            policyholder_id: self.policyholder_id,
            client: self.client,
            policy_number: self.policy_number,
            due_on: self.due_on,
            days_overdue: days,
            amount: Money(self.owed),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Line {
    id: String,
    name: String,
    kind: String,
    inn: Option<String>,
    role: String,
    valid_to: Option<NaiveDate>,
    all_policies: bool,
    may_report: bool,
    may_pay: bool,
    overdue: i64,
    owed: i64,
    next_due: Option<NaiveDate>,
    open_requests: i64,
}

/// ` AND (…)` limiting contributions `c` to the policies authority `a` covers.
const IN_SCOPE: &str = "(a.all_policies OR c.policy_id IN (SELECT ap.policy_id FROM authority_policies ap WHERE ap.authority_id = a.id))";

impl Store {
    /// «Мои клиенты» of the account: one page by name, and how many match.
    pub async fn clients(&self, account_id: &str, f: &ClientFilter) -> StoreResult<ClientPage> {
        let today = self.today();
        let page = f.page.max(1);
        // The name as typed, in lower case and capitalised (SQLite folds ASCII letters only).
        let search = f
            .search
            .as_deref()
            .map(crate::history::like_patterns)
            .unwrap_or_default();
        let digits = f
            .search
            .as_deref()
            .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
            .map(str::to_string);
        let number = f.search.clone();
        let overdue = f.overdue;
        let (lines, total) = on_pool_db!(self, p, Db => {
            // FROM and WHERE: the account's authorities in force today, other than its own record,
            // and the search.
            let filter = |q: &mut sqlx::QueryBuilder<Db>| {
                q.push(" FROM authorities a JOIN policyholders p ON p.id = a.policyholder_id
                         WHERE a.role <> 'self' AND a.revoked_at IS NULL AND a.account_id = ")
                    .push_bind(account_id.to_string())
                    .push(" AND a.valid_from <= ")
                    .push_bind(today)
                    .push(" AND (a.valid_to IS NULL OR a.valid_to >= ")
                    .push_bind(today)
                    .push(")");
                if !search.is_empty() {
                    q.push(" AND (1 = 0");
                    for pattern in &search {
                        q.push(" OR p.name LIKE ").push_bind(pattern.clone()).push(" ESCAPE '\\'");
                    }
                    if let Some(d) = &digits {
                        q.push(" OR p.inn = ").push_bind(d.clone());
                    }
                    if let Some(n) = &number {
                        // A policy number, within the authority's policies.
                        q.push(" OR EXISTS (SELECT 1 FROM policies pp WHERE pp.policyholder_id = p.id AND UPPER(pp.number) = UPPER(")
                            .push_bind(n.clone())
                            .push(") AND (a.all_policies OR pp.id IN (SELECT ap.policy_id FROM authority_policies ap WHERE ap.authority_id = a.id)))");
                    }
                    q.push(")");
                }
                if overdue {
                    q.push(" AND EXISTS (SELECT 1 FROM contributions c WHERE c.policyholder_id = p.id AND c.paid < c.amount AND c.due_on < ")
                        .push_bind(today)
                        .push(" AND ")
                        .push(IN_SCOPE)
                        .push(")");
                }
            };
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT p.id, p.name, p.kind, p.inn, a.role, a.valid_to, a.all_policies, a.may_report, a.may_pay,
                 CAST(COALESCE((SELECT SUM(c.amount - c.paid) FROM contributions c
                     WHERE c.policyholder_id = p.id AND c.paid < c.amount AND c.due_on < ",
            );
            q.push_bind(today)
                .push(" AND ")
                .push(IN_SCOPE)
                .push("), 0) AS BIGINT) AS overdue,
                 CAST(COALESCE((SELECT SUM(c.amount - c.paid) FROM contributions c
                     WHERE c.policyholder_id = p.id AND c.paid < c.amount AND ")
                .push(IN_SCOPE)
                .push("), 0) AS BIGINT) AS owed,
                 (SELECT MIN(c.due_on) FROM contributions c
                     WHERE c.policyholder_id = p.id AND c.paid < c.amount AND ")
                .push(IN_SCOPE)
                .push(") AS next_due,
                 CASE WHEN a.may_report AND a.all_policies THEN
                     (SELECT COUNT(*) FROM requests r WHERE r.policyholder_id = p.id AND r.status IN ('processing', 'clarification'))
                 ELSE 0 END AS open_requests");
            filter(&mut q);
            q.push(" ORDER BY p.name, p.id LIMIT ").push_bind(PER_PAGE)
                .push(" OFFSET ").push_bind((page - 1).saturating_mul(PER_PAGE));
            let lines = q.build_query_as::<Line>().fetch_all(p).await?;
            let mut c = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*)");
            filter(&mut c);
            let total: i64 = c.build_query_scalar().fetch_one(p).await?;
            Ok::<_, sqlx::Error>((lines, total))
        })?;
        let mut rows = Vec::with_capacity(lines.len());
        for l in lines {
            let reports = l.may_report && l.all_policies;
            let next_deadline = if reports {
                self.deadline_rows(&l.id)
                    .await?
                    .into_iter()
                    .next()
                    .map(|d| NextDeadline {
                        title: d.title,
                        due_at: d.due_at,
                        missed: d.missed,
                    })
            } else {
                None
            };
            rows.push(ClientRow {
                policyholder_id: l.id,
                name: l.name,
                kind: l.kind,
                inn: l.inn,
                role: l.role,
                valid_to: l.valid_to,
                all_policies: l.all_policies,
                may_report: l.may_report,
                may_pay: l.may_pay,
                overdue: Money(l.overdue),
                owed: Money(l.owed),
                next_due: l.next_due,
                open_requests: reports.then_some(l.open_requests),
                next_deadline,
            });
        }
        Ok(ClientPage {
            rows,
            total,
            page,
            per_page: PER_PAGE,
        })
    }

    /// «Задолженности всех клиентов»: the unpaid contributions and fines of every client the
    /// account acts for, within each authority's policies, soonest due first; the filter's
    /// search picks clients by name, its «просрочено» only what is past due. One page, how many
    /// match and their sum.
    pub async fn clients_debts(
        &self,
        account_id: &str,
        f: &ClientFilter,
    ) -> StoreResult<ClientDebtsPage> {
        let page = f.page.max(1);
        let today = self.today();
        let (lines, total, amount) = self
            .client_debt_lines(
                account_id,
                f,
                DEBTS_PER_PAGE,
                (page - 1).saturating_mul(DEBTS_PER_PAGE),
                true,
            )
            .await?;
        Ok(ClientDebtsPage {
            rows: lines.into_iter().map(|l| l.into_row(today)).collect(),
            total,
            page,
            per_page: DEBTS_PER_PAGE,
            amount: Money(amount),
        })
    }

    /// The debts [`Store::clients_debts`] selects, all of them (up to [`MAX_DEBTS_EXPORT`]), as an
    /// XLSX workbook with the sums at the bottom.
    pub async fn clients_debts_xlsx(
        &self,
        account_id: &str,
        f: &ClientFilter,
    ) -> StoreResult<Vec<u8>> {
        let today = self.today();
        let (lines, _, _) = self
            .client_debt_lines(account_id, f, MAX_DEBTS_EXPORT, 0, false)
            .await?;
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let mut described = Vec::new();
        if let Some(s) = &f.search {
            described.push(format!("клиенты «{s}»"));
        }
        if f.overdue {
            described.push("только просроченные".to_string());
        }
        let filter = if described.is_empty() {
            "Все клиенты".to_string()
        } else {
            format!("Отбор: {}", described.join(", "))
        };
        let (first, fm) = start_sheet(
            sheet,
            "Задолженности",
            "Задолженности всех клиентов",
            &filter,
            today,
            &[
                ("Клиент", 36.0),
                ("Полис", 20.0),
                ("Задолженность", 40.0),
                ("Срок уплаты", 14.0),
                ("Дней просрочки", 14.0),
                ("Сумма, ₽", 16.0),
                ("Пени, ₽", 14.0),
            ],
        )?;
        let (mut row, mut sum, mut penalties) = (first, 0i64, 0i64);
        for line in lines {
            let d = line.into_row(today);
            sheet.write(row, 0, d.client.as_str()).map_err(xlsx_err)?;
            sheet
                .write(row, 1, d.policy_number.as_deref().unwrap_or(""))
                .map_err(xlsx_err)?;
            sheet.write(row, 2, d.title.as_str()).map_err(xlsx_err)?;
            crate::export::write_date(sheet, row, 3, d.due_on, &fm)?;
            sheet
                .write_number(row, 4, d.days_overdue as f64)
                .map_err(xlsx_err)?;
            crate::export::write_money(sheet, row, 5, d.amount.0, &fm.money)?;
            crate::export::write_money(sheet, row, 6, d.penalty.0, &fm.money)?;
            sum += d.amount.0;
            penalties += d.penalty.0;
            row += 1;
        }
        sheet
            .write_with_format(row, 0, format!("Итого ({} шт.)", row - first), &fm.bold)
            .map_err(xlsx_err)?;
        crate::export::write_money(sheet, row, 5, sum, &fm.money_total)?;
        crate::export::write_money(sheet, row, 6, penalties, &fm.money_total)?;
        book.save_to_buffer().map_err(xlsx_err)
    }

    async fn client_debt_lines(
        &self,
        account_id: &str,
        f: &ClientFilter,
        limit: i64,
        offset: i64,
        count: bool,
    ) -> StoreResult<(Vec<DebtLine>, i64, i64)> {
        let today = self.today();
        let names = f
            .search
            .as_deref()
            .map(crate::history::like_patterns)
            .unwrap_or_default();
        let overdue = f.overdue;
        Ok(on_pool_db!(self, p, Db => {
            // The account's authorities in force, other than its own record, over clients the
            // search names.
            let authority = |q: &mut sqlx::QueryBuilder<Db>| {
                q.push(" FROM authorities a JOIN policyholders p ON p.id = a.policyholder_id");
            };
            let held = |q: &mut sqlx::QueryBuilder<Db>| {
                q.push(" a.role <> 'self' AND a.revoked_at IS NULL AND a.account_id = ")
                    .push_bind(account_id.to_string())
                    .push(" AND a.valid_from <= ")
                    .push_bind(today)
                    .push(" AND (a.valid_to IS NULL OR a.valid_to >= ")
                    .push_bind(today)
                    .push(")");
                if !names.is_empty() {
                    q.push(" AND (1 = 0");
                    for n in &names {
                        q.push(" OR p.name LIKE ").push_bind(n.clone()).push(" ESCAPE '\\'");
                    }
                    q.push(")");
                }
            };
            let union = |q: &mut sqlx::QueryBuilder<Db>| {
                q.push("SELECT p.id AS policyholder_id, p.name AS client, pol.number AS policy_number, 'c' AS kind,
                        c.accrued_on, c.due_on, c.amount - c.paid AS owed, g.name AS programme, g.penalty_ppm");
                authority(q);
                q.push(" JOIN contributions c ON c.policyholder_id = p.id JOIN policies pol ON pol.id = c.policy_id
                         JOIN programmes g ON g.id = c.programme_id WHERE");
                held(q);
                q.push(" AND c.paid < c.amount AND ").push(IN_SCOPE);
                if overdue {
                    q.push(" AND c.due_on < ").push_bind(today);
                }
                q.push(" UNION ALL SELECT p.id, p.name, pol.number, 'f', ch.charged_on, ch.charged_on, ch.amount,
                        ch.description, NULL");
                authority(q);
                q.push(" JOIN charges ch ON ch.policyholder_id = p.id LEFT JOIN policies pol ON pol.id = ch.policy_id WHERE");
                held(q);
                q.push(" AND ch.kind = 'penalty' AND ch.status <> 'paid' AND ch.amount > 0
                         AND (a.all_policies OR ch.policy_id IN (SELECT ap.policy_id FROM authority_policies ap WHERE ap.authority_id = a.id))");
                if overdue {
                    q.push(" AND ch.charged_on < ").push_bind(today);
                }
            };
            let mut q = sqlx::QueryBuilder::<Db>::new("SELECT * FROM (");
            union(&mut q);
            q.push(") d ORDER BY d.due_on, d.client, d.policyholder_id, d.policy_number LIMIT ")
                .push_bind(limit)
                .push(" OFFSET ")
                .push_bind(offset);
            let lines = q.build_query_as::<DebtLine>().fetch_all(p).await?;
            let (total, amount) = if count {
                let mut c = sqlx::QueryBuilder::<Db>::new(
                    "SELECT COUNT(*), CAST(COALESCE(SUM(d.owed), 0) AS BIGINT) FROM (",
                );
                union(&mut c);
                c.push(") d");
                c.build_query_as::<(i64, i64)>().fetch_one(p).await?
            } else {
                (0, 0)
            };
            Ok::<_, sqlx::Error>((lines, total, amount))
        })?)
    }
}
