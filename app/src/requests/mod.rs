//! Requests: «Создать запрос» from a policy (`/policies/{id}/request`, with a review step),
//! «История запросов» (`/requests`, filters in the URL), and a request's page (`/requests/{id}`)
//! with its status and thread, where «Редактировать запрос» adds a comment. The pages follow the
//! live stream: a status change or a reply by staff shows up without a reload. The rules live in
//! `domain::requests` (form) and `store::requests` (authority, idempotency, journal, events).

mod pages;

pub use pages::{NewRequestPage, RequestPage, RequestsPage};
pub(crate) use pages::{RequestHead, TextArea, Thread};

use crate::error::AppError;
use domain::requests::{RequestForm, RequestPage as Page, RequestView};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// What «Создать запрос» shows prefilled, and the form's idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRequestPrefill {
    pub policy_id: String,
    pub policy_number: String,
    pub full_name: String,
    pub phone: String,
    pub key: String,
}

#[server(endpoint = "requests/new", output = crate::codec::Postcard)]
pub async fn new_request_data(policy_id: String) -> Result<NewRequestPrefill, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    match store()?
        .request_prefill(&s.account_id, &ph, &policy_id)
        .await
    {
        Ok((full_name, phone, policy_number)) => Ok(NewRequestPrefill {
            policy_id,
            policy_number,
            full_name,
            phone,
            key: uuid::Uuid::new_v4().simple().to_string(),
        }),
        Err(e) => fail(e.into()),
    }
}

/// «Отправить»: the new request's id.
#[server(input = Json, endpoint = "requests/create", output = crate::codec::Postcard)]
pub async fn submit_request(form: RequestForm) -> Result<String, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let req = request()?;
    let valid = match form.validate() {
        Ok(v) => v,
        Err(e) => return fail(AppError::Fields(e)),
    };
    match store()?
        .create_request(&s.account_id, &ph, &valid, &req.ip)
        .await
    {
        Ok(id) => Ok(id),
        Err(e) => fail(e.into()),
    }
}

/// A policy to filter by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyOption {
    pub id: String,
    pub number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestsData {
    pub page: Page,
    pub policies: Vec<PolicyOption>,
}

/// «История запросов» of the acting policyholder.
#[server(endpoint = "requests/list", output = crate::codec::Postcard)]
pub async fn list_requests(
    status: Option<String>,
    kind: Option<String>,
    policy: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
) -> Result<RequestsData, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let store = store()?;
    let f = domain::requests::RequestFilter::checked(status, kind, policy, from, to, page)
        .map_err(AppError::Fields)?;
    let page = match store.requests(&s.account_id, &ph, &f).await {
        Ok(p) => p,
        Err(e) => return fail(e.into()),
    };
    let policies = store
        .list_policies(&s.account_id, &ph)
        .await?
        .into_iter()
        .map(|p| PolicyOption {
            id: p.id,
            number: p.number,
        })
        .collect();
    Ok(RequestsData { page, policies })
}

#[server(endpoint = "requests/get", output = crate::codec::Postcard)]
pub async fn get_request(id: String) -> Result<RequestView, AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.request_view(&s.account_id, &id).await {
        Ok(v) => Ok(v),
        Err(e) => fail(e.into()),
    }
}

/// «Редактировать запрос»: a comment and/or files to the request.
#[server(input = Json, endpoint = "requests/comment", output = crate::codec::Postcard)]
pub async fn comment_request(
    id: String,
    comment: String,
    files: Vec<String>,
) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    match store()?
        .comment_request(&s.account_id, &id, &comment, &files, &req.ip)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}
