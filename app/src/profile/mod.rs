//! «Профиль»: the account's data; «Редактировать» per field behind a fresh second factor — the
//! e-mail and the phones also behind the password, the identity (ФИО, birth date, ИНН, СНИЛС,
//! passport with a scan) through the registry check and staff review; «История изменений».
//! Owns `/profile`.

mod pages;

pub use pages::ProfilePage;

use crate::error::AppError;
use domain::model::{Profile, ProfileChange};
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileView {
    pub profile: Profile,
    pub history: Vec<ProfileChange>,
}

#[server(endpoint = "profile/get", output = crate::codec::Postcard)]
pub async fn get_profile() -> Result<ProfileView, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let store = store()?;
    Ok(ProfileView {
        profile: store.profile(&s.account_id).await?,
        history: store.profile_history(&s.account_id).await?,
    })
}

/// Sends the identity code to the account's e-mail; answers where it went (masked).
#[server(endpoint = "profile/send-code", output = crate::codec::Postcard)]
pub async fn send_identity_code() -> Result<String, AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.send_identity_code(&s.account_id).await {
        Ok(to) => Ok(to),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "profile/confirm-identity", output = crate::codec::Postcard)]
pub async fn confirm_identity(code: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    match store()?.confirm_identity(&s, &code, &req.ip).await {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

/// Changes the e-mail or the phone. Without a fresh second factor it answers a field error on
/// `second_factor`: the page then asks for it and sends the same values again.
#[server(endpoint = "profile/change-contact", output = crate::codec::Postcard)]
pub async fn change_contact(
    field: String,
    value: String,
    password: String,
) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    let Some(f) = store::profile::ContactField::from_code(&field) else {
        return fail(AppError::NotFound);
    };
    match store()?
        .change_contact(&s, f, &value, &password, &req.ip)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) => factor_or(e),
    }
}

/// The refusal "pass the second factor first" as a field error on `second_factor`, which the
/// page answers by asking for it and sending the same values again.
#[cfg(feature = "ssr")]
fn factor_or<T>(e: store::StoreError) -> Result<T, AppError> {
    match e {
        store::StoreError::Refused(m) if m == store::profile::NEED_SECOND_FACTOR => {
            let mut f = domain::FieldErrors::new();
            f.add("second_factor", m);
            crate::ssr::fail(AppError::Fields(f))
        }
        e => crate::ssr::fail(e.into()),
    }
}

/// «Редактировать» of ФИО, birth date, ИНН or СНИЛС; answers `applied` or `review`
/// («На проверке»).
#[server(endpoint = "profile/identity", output = crate::codec::Postcard)]
pub async fn submit_identity(field: String, value: String) -> Result<String, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    let Some(f) = store::profile::identity_field(&field) else {
        return fail(AppError::NotFound);
    };
    match store()?.submit_identity(&s, f, &value, &req.ip).await {
        Ok(status) => Ok(status.to_string()),
        Err(e) => factor_or(e),
    }
}

/// «Изменить паспорт»: the form's `passport` and `scan` fields as multipart. The scan is read
/// up to one byte over the limit, so a bigger file is refused without being held whole.
#[server(input = MultipartFormData, endpoint = "profile/passport", output = crate::codec::Postcard)]
pub async fn upload_passport(data: MultipartData) -> Result<String, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    let Some(mut form) = data.into_inner() else {
        return fail(internal("multipart body missing"));
    };
    let limit = store::profile::MAX_SCAN_BYTES + 1;
    let (mut number, mut scan) = (String::new(), Vec::new());
    while let Ok(Some(mut field)) = form.next_field().await {
        match field.name() {
            Some("passport") => number = field.text().await.unwrap_or_default(),
            Some("scan") => {
                while let Ok(Some(chunk)) = field.chunk().await {
                    let room = limit.saturating_sub(scan.len());
                    scan.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
            }
            _ => {}
        }
    }
    match store()?.submit_passport(&s, &number, &scan, &req.ip).await {
        Ok(status) => Ok(status.to_string()),
        Err(e) => factor_or(e),
    }
}
