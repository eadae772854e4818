//! «Уведомления»: what the cabinet has to tell the account (reminders that came due, and later
//! request and report news), newest first, with the unread count in the header. Owns `/notices`.

mod pages;

pub use pages::{NoticesLink, NoticesPage};

use crate::error::AppError;
use domain::model::Notice;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticesView {
    pub items: Vec<Notice>,
    pub unread: i64,
    pub page: i64,
    pub has_next: bool,
}

#[server(endpoint = "notices/list", output = crate::codec::Postcard)]
pub async fn list_notices(page: i64) -> Result<NoticesView, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let page = i64::from(
        domain::query::page_number(page)
            .map_err(|e| AppError::Fields(domain::FieldErrors(vec![e])))?,
    );
    let (items, unread) = store()?.notices(&s.account_id, page).await?;
    let has_next = items.len() as i64 == store::reminders::NOTICES_PER_PAGE;
    Ok(NoticesView {
        items,
        unread,
        page,
        has_next,
    })
}

#[server(endpoint = "notices/unread", output = crate::codec::Postcard)]
pub async fn unread_notices() -> Result<i64, AppError> {
    use crate::ssr::*;
    let s = session()?;
    Ok(store()?.unread_notices(&s.account_id).await?)
}

#[server(endpoint = "notices/read", output = crate::codec::Postcard)]
pub async fn read_notices() -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    Ok(store()?.read_notices(&s.account_id).await?)
}
