//! «Мои страховые полисы» and the overview page: the acting policyholder's policies, one policy
//! with its insurer and contributions, and what is owed. Owns `/`, `/policies`, `/policies/{id}`.
//! A policy's page also gets its documents («Полис», «Заявление на выплату», «История страховых
//! случаев»): a form POST to the server's `/policies/{id}/documents/{kind}` (`store::policy_documents`).

mod pages;

pub use pages::{OverviewPage, PoliciesPage, PolicyPage};

use crate::error::AppError;
use domain::model::{Overview, PolicyDetail, PolicySummary};
use leptos::prelude::*;

#[server(endpoint = "policies/list", output = crate::codec::Postcard)]
pub async fn list_policies() -> Result<Vec<PolicySummary>, AppError> {
    use crate::ssr::*;
    let (s, policyholder) = acting().await?;
    Ok(store()?.list_policies(&s.account_id, &policyholder).await?)
}

#[server(endpoint = "policies/get", output = crate::codec::Postcard)]
pub async fn get_policy(id: String) -> Result<PolicyDetail, AppError> {
    use crate::ssr::*;
    let (s, policyholder) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    match store()?.policy(&s.account_id, &policyholder, &id).await {
        Ok(p) => Ok(p),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "policies/overview", output = crate::codec::Postcard)]
pub async fn get_overview() -> Result<Option<Overview>, AppError> {
    use crate::ssr::*;
    let (s, policyholder) = match acting().await {
        Ok(x) => x,
        // A confirmed account with nobody to act for (yet), e.g. staff.
        Err(AppError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(store()?.overview(&s.account_id, &policyholder).await?))
}

/// Today in Moscow, as the browser or the server sees it.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&domain::dates::moscow())
        .date_naive()
}
