//! «Восстановление доступа без подтверждения»: the application form (`/recover/manual`), its
//! status by number and contact (`/recover/manual/status`), and the one-time link that sets a
//! new password after staff approved it (`/recover/manual/password`). Staff decide in `/staff`.

mod pages;

pub use pages::{AccessLinkPage, AccessRequestPage, AccessStatusPage};

use crate::error::AppError;
use domain::model::AccessStatusView;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// «Подать заявку»: answers the same for any data that passes the form's checks, and goes to
/// the application's status page.
#[server(endpoint = "access/apply", output = crate::codec::Postcard)]
pub async fn access_apply(
    full_name: String,
    id_number: String,
    policy_number: String,
    contact: String,
) -> Result<(), AppError> {
    use crate::ssr::*;
    let form = domain::forms::AccessRequestForm {
        full_name,
        id_number,
        policy_number,
        contact,
    };
    let ip = request()?.ip;
    match store()?.submit_access_request(&form, &ip).await {
        Ok(number) => {
            let contact = form.validate().map(|v| v.contact).unwrap_or_default();
            leptos_axum::redirect(&format!(
                "/recover/manual/status?number={}&contact={}&new=1",
                encode_query_value(&number),
                encode_query_value(&contact)
            ));
            Ok(())
        }
        Err(e) => fail(e.into()),
    }
}

/// «Статус заявки» by its number and the contact given in it.
#[server(endpoint = "access/status", output = crate::codec::Postcard)]
pub async fn access_status(number: String, contact: String) -> Result<AccessStatusView, AppError> {
    use crate::ssr::*;
    // Read by the status page as it renders: the answer is the page, whatever it says (no error
    // status for the page).
    let ip = request()?.ip;
    Ok(store()?
        .access_request_status(&number, &contact, &ip)
        .await?)
}

/// What the page of a one-time link shows before the new password is typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    pub number: String,
    /// The login after the approval, masked.
    pub login: String,
}

#[server(endpoint = "access/link", output = crate::codec::Postcard)]
pub async fn access_link_info(token: String) -> Result<LinkInfo, AppError> {
    use crate::ssr::*;
    let l = store()?.access_link(&token).await?;
    Ok(LinkInfo {
        number: l.number,
        login: l.login,
    })
}

/// The new password, twice, by the one-time link; then to the login page.
#[server(endpoint = "access/set-password", output = crate::codec::Postcard)]
pub async fn access_set_password(
    token: String,
    password: String,
    password2: String,
) -> Result<(), AppError> {
    use crate::ssr::*;
    let ip = request()?.ip;
    match store()?
        .finish_access_link(&token, &password, &password2, &ip)
        .await
    {
        Ok(()) => {
            leptos_axum::redirect("/login?reset=1");
            Ok(())
        }
        Err(e) => fail(e.into()),
    }
}
