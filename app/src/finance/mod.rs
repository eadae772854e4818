//! «Страхование → Взносы» and «Финансы → Начисления»: tables whose filters, sort and page live in
//! the URL, with totals over the whole filter, the contribution detail sheet and the balance.
//! Owns `/contributions`, `/contributions/{id}` and `/charges`.

mod pages;

pub use pages::{ChargesPage, ContributionPage, ContributionsPage};

use crate::error::AppError;
use domain::model::{
    Balance, ChargeRow, ContributionDetail, ContributionRow, ProgrammeOption, TablePage,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargesView {
    pub page: TablePage<ChargeRow>,
    pub balance: Balance,
}

/// The table query a server function was sent; a bad date or page is refused with its message
/// (the page itself drops such values and says so).
#[cfg(feature = "ssr")]
fn parse(query: &str) -> Result<domain::query::TableQuery, AppError> {
    domain::query::TableQuery::checked_from_query(query, crate::policies::today())
        .map_err(AppError::Fields)
}

/// `query` is the table's canonical query string (`TableQuery::to_query`).
#[server(endpoint = "finance/contributions", output = crate::codec::Postcard)]
pub async fn list_contributions(query: String) -> Result<TablePage<ContributionRow>, AppError> {
    use crate::ssr::*;
    let (s, ph) = acting().await?;
    Ok(store()?
        .contributions(&s.account_id, &ph, &parse(&query)?)
        .await?)
}

#[server(endpoint = "finance/contribution", output = crate::codec::Postcard)]
pub async fn get_contribution(id: String) -> Result<ContributionDetail, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    match store()?.contribution(&s.account_id, &ph, &id).await {
        Ok(d) => Ok(d),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "finance/charges", output = crate::codec::Postcard)]
pub async fn list_charges(query: String) -> Result<ChargesView, AppError> {
    use crate::ssr::*;
    let (s, ph) = acting().await?;
    let store = store()?;
    let page = store.charges(&s.account_id, &ph, &parse(&query)?).await?;
    let balance = store.balance(&s.account_id, &ph).await?;
    Ok(ChargesView { page, balance })
}

#[server(endpoint = "finance/programmes", output = crate::codec::Postcard)]
pub async fn list_programmes() -> Result<Vec<ProgrammeOption>, AppError> {
    use crate::ssr::*;
    let (s, ph) = acting().await?;
    Ok(store()?.programmes_of(&s.account_id, &ph).await?)
}

/// The account's reminders on one contribution of the acting policyholder.
#[server(endpoint = "finance/reminders", output = crate::codec::Postcard)]
pub async fn list_reminders(
    contribution_id: String,
) -> Result<Vec<domain::model::ReminderRow>, AppError> {
    use crate::ssr::*;
    let (s, ph) = acting().await?;
    Ok(store()?
        .reminders(&s.account_id, &ph, Some(&contribution_id))
        .await?)
}

/// «Установить напоминание»: `remind_at` as a `datetime-local` input sends it, Moscow time.
#[server(endpoint = "finance/add-reminder", output = crate::codec::Postcard)]
pub async fn add_reminder(contribution_id: String, remind_at: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let at = match domain::dates::parse_local_datetime(&remind_at) {
        Ok(t) => t,
        Err(m) => {
            let mut e = domain::FieldErrors::new();
            e.add("remind_at", m);
            return fail(AppError::Fields(e));
        }
    };
    match store()?
        .add_reminder(&s.account_id, &ph, &contribution_id, at)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "finance/delete-reminder", output = crate::codec::Postcard)]
pub async fn delete_reminder(id: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.delete_reminder(&s.account_id, &id).await {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}
