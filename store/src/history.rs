//! «История всех операций»: the journal entries about one policyholder, whoever made them — the
//! person themself, their representatives and brokers, staff, the cabinet's own jobs — with the
//! filters of [`HistoryFilter`], paged on the server, and as an XLSX file. It needs authority over
//! the whole policyholder ([`Need::Whole`]); the account's own security journal stays in
//! «Безопасность». Staff appear as «Сотрудник страховщика», without their names or addresses.

use crate::documents::moscow_start;
use crate::export::{start_sheet, xlsx_err};
use crate::{Store, StoreResult, on_pool, on_pool_db};
use chrono::{DateTime, Utc};
use domain::delegation::Need;
use domain::history::{Actor, HistoryFilter, HistoryPage, HistoryRow};
use domain::status::AuthorityRole;
use rust_xlsxwriter::Workbook;

/// Rows on a page.
pub const PER_PAGE: i64 = 50;
/// The most rows one export holds (the newest).
pub const MAX_EXPORT: i64 = 10_000;

#[derive(sqlx::FromRow)]
struct Line {
    at: DateTime<Utc>,
    account_id: Option<String>,
    name: Option<String>,
    account_role: Option<String>,
    authority_role: Option<String>,
    action: String,
    object_type: String,
    object_id: String,
    ip: String,
    details: String,
}

impl Line {
    fn into_row(self) -> HistoryRow {
        let staff = self.account_role.as_deref() == Some("staff");
        let (actor, actor_role) = match (&self.account_id, staff) {
            (None, _) => ("Система".to_string(), String::new()),
            (Some(_), true) => ("Сотрудник страховщика".to_string(), String::new()),
            (Some(_), false) => (
                self.name.clone().unwrap_or_default(),
                self.authority_role
                    .as_deref()
                    .and_then(AuthorityRole::from_code)
                    .map(|r| r.label().to_string())
                    .unwrap_or_default(),
            ),
        };
        HistoryRow {
            at: self.at,
            actor,
            actor_role,
            action: self.action,
            object_type: self.object_type,
            object_id: self.object_id,
            ip: if staff { String::new() } else { self.ip },
            details: self.details,
        }
    }
}

const COLUMNS: &str = "j.at, j.account_id, a.full_name AS name, a.role AS account_role,
    (SELECT au.role FROM authorities au WHERE au.account_id = j.account_id AND au.policyholder_id = j.policyholder_id
     ORDER BY au.created_at DESC LIMIT 1) AS authority_role,
    j.action, j.object_type, j.object_id, j.ip, j.details";

/// The forms of the search text a `LIKE` should try: as typed, in lower case, and capitalised
/// (SQLite folds only ASCII letters, so «оплата» must also be tried as «Оплата»), each with
/// `%`, `_` and `\` escaped.
pub(crate) fn like_patterns(search: &str) -> Vec<String> {
    let lower = search.to_lowercase();
    let mut chars = lower.chars();
    let capital: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    let mut forms = vec![search.to_string(), lower, capital];
    forms.sort();
    forms.dedup();
    forms
        .into_iter()
        .map(|f| {
            let escaped = f
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        })
        .collect()
}

/// The action codes whose Russian label holds the search text (so «оплата» finds «Начата оплата»).
fn actions_labelled(search: &str, codes: &[String]) -> Vec<String> {
    let needle = search.to_lowercase();
    codes
        .iter()
        .filter(|c| {
            domain::security::action_label(c)
                .to_lowercase()
                .contains(&needle)
        })
        .cloned()
        .collect()
}

impl Store {
    /// The actions recorded about the policyholder (for the search by label).
    async fn history_actions(&self, policyholder_id: &str) -> StoreResult<Vec<String>> {
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, String>(
            "SELECT DISTINCT action FROM journal WHERE policyholder_id = $1",
        )
        .bind(policyholder_id)
        .fetch_all(p)
        .await)?)
    }

    async fn history_lines(
        &self,
        policyholder_id: &str,
        f: &HistoryFilter,
        limit: i64,
        offset: i64,
        count: bool,
    ) -> StoreResult<(Vec<Line>, i64)> {
        let labelled = match &f.search {
            Some(s) => actions_labelled(s, &self.history_actions(policyholder_id).await?),
            None => Vec::new(),
        };
        let search = f.search.as_deref().map(like_patterns).unwrap_or_default();
        Ok(on_pool_db!(self, p, Db => {
            let filter = |q: &mut sqlx::QueryBuilder<Db>| {
                q.push(" FROM journal j LEFT JOIN accounts a ON a.id = j.account_id WHERE j.policyholder_id = ")
                    .push_bind(policyholder_id.to_string());
                if let Some(from) = f.from {
                    q.push(" AND j.at >= ").push_bind(moscow_start(from));
                }
                if let Some(next) = f.to.and_then(|to| to.succ_opt()) {
                    q.push(" AND j.at < ").push_bind(moscow_start(next));
                }
                if let Some(actor) = &f.actor {
                    q.push(" AND j.account_id = ").push_bind(actor.clone());
                }
                if let Some(kind) = &f.kind {
                    q.push(" AND j.action LIKE ").push_bind(format!("{kind}.%"));
                }
                if !search.is_empty() {
                    q.push(" AND (1 = 0");
                    for pattern in &search {
                        for column in ["j.details", "j.object_id"] {
                            q.push(" OR ").push(column).push(" LIKE ").push_bind(pattern.clone()).push(" ESCAPE '\\'");
                        }
                    }
                    for action in &labelled {
                        q.push(" OR j.action = ").push_bind(action.clone());
                    }
                    q.push(")");
                }
            };
            let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
            q.push(COLUMNS);
            filter(&mut q);
            q.push(" ORDER BY j.id DESC LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
            let rows = q.build_query_as::<Line>().fetch_all(p).await?;
            let total = if count {
                let mut c = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*)");
                filter(&mut c);
                c.build_query_scalar::<i64>().fetch_one(p).await?
            } else {
                0
            };
            Ok::<_, sqlx::Error>((rows, total))
        })?)
    }

    /// «История всех операций» of the policyholder: one page, newest first, with the people who
    /// acted (for the filter). "Not found" without authority over the whole policyholder.
    pub async fn history(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &HistoryFilter,
    ) -> StoreResult<HistoryPage> {
        self.authorized_for(account_id, policyholder_id, Need::Whole)
            .await?;
        let page = f.page.max(1);
        let (lines, total) = self
            .history_lines(
                policyholder_id,
                f,
                PER_PAGE,
                (page - 1).saturating_mul(PER_PAGE),
                true,
            )
            .await?;
        let actors = on_pool!(self, p => sqlx::query_as::<_, (String, String)>(
            "SELECT DISTINCT a.id, a.full_name FROM journal j JOIN accounts a ON a.id = j.account_id
             WHERE j.policyholder_id = $1 AND a.role <> 'staff' ORDER BY a.full_name, a.id LIMIT 200",
        )
        .bind(policyholder_id)
        .fetch_all(p)
        .await)?
        .into_iter()
        .map(|(id, name)| Actor { id, name })
        .collect();
        Ok(HistoryPage {
            rows: lines.into_iter().map(Line::into_row).collect(),
            total,
            page,
            per_page: PER_PAGE,
            actors,
        })
    }

    /// The filtered history as an XLSX file (the newest [`MAX_EXPORT`] rows).
    pub async fn history_xlsx(
        &self,
        account_id: &str,
        policyholder_id: &str,
        f: &HistoryFilter,
    ) -> StoreResult<Vec<u8>> {
        let holder = self
            .authorized_for(account_id, policyholder_id, Need::Whole)
            .await?;
        let (lines, _) = self
            .history_lines(policyholder_id, f, MAX_EXPORT, 0, false)
            .await?;
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let mut described = Vec::new();
        if let Some(d) = f.from {
            described.push(format!("с {}", domain::dates::format_date(d)));
        }
        if let Some(d) = f.to {
            described.push(format!("по {}", domain::dates::format_date(d)));
        }
        if let Some((_, label)) = f
            .kind
            .as_ref()
            .and_then(|k| domain::history::KINDS.iter().find(|(c, _)| c == k))
        {
            described.push(label.to_string());
        }
        if let Some(s) = &f.search {
            described.push(format!("поиск «{s}»"));
        }
        let filter = if described.is_empty() {
            "Все операции".to_string()
        } else {
            format!("Отбор: {}", described.join(", "))
        };
        let (first, _) = start_sheet(
            sheet,
            "История операций",
            &format!("История операций: {}", holder.name),
            &filter,
            self.today(),
            &[
                ("Дата и время (МСК)", 20.0),
                ("Кто", 32.0),
                ("Роль", 24.0),
                ("Операция", 44.0),
                ("Подробности", 48.0),
                ("Объект", 14.0),
                ("IP-адрес", 16.0),
            ],
        )?;
        for (i, line) in lines.into_iter().enumerate() {
            let r = line.into_row();
            let row =
                first + u32::try_from(i).map_err(|_| crate::StoreError::Internal("rows".into()))?;
            let cells = [
                domain::dates::format_datetime(r.at),
                r.actor.clone(),
                r.actor_role.clone(),
                r.label().to_string(),
                r.details.clone(),
                r.object_type.clone(),
                r.ip.clone(),
            ];
            for (col, text) in cells.iter().enumerate() {
                let col = u16::try_from(col)
                    .map_err(|_| crate::StoreError::Internal("columns".into()))?;
                sheet.write(row, col, text.as_str()).map_err(xlsx_err)?;
            }
        }
        book.save_to_buffer().map_err(xlsx_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_tries_each_case_and_escapes_wildcards() {
        assert_eq!(
            like_patterns("оплата"),
            vec!["%Оплата%".to_string(), "%оплата%".to_string()]
        );
        assert_eq!(like_patterns("100%_"), vec!["%100\\%\\_%".to_string()]);
        let codes = vec!["payment.started".to_string(), "login.success".to_string()];
        assert_eq!(actions_labelled("ОПЛАТ", &codes), vec!["payment.started"]);
    }
}
