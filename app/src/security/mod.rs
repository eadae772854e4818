//! «Безопасность»: the account's active sessions with «Завершить» for one or all others, the
//! security journal, newest first, paged, two-factor login, and «Сменить пароль». Owns `/security`.

mod pages;
mod password;

pub use pages::SecurityPage;

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Journal rows per page.
pub const JOURNAL_PAGE: i64 = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// The session's key in the database (a SHA-256 of the browser's token, useless as a login).
    pub id: String,
    pub device: String,
    pub ip: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalItem {
    pub at: DateTime<Utc>,
    pub action: String,
    pub ip: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalPage {
    pub items: Vec<JournalItem>,
    pub page: u32,
    pub has_next: bool,
}

#[server(endpoint = "security/sessions", output = crate::codec::Postcard)]
pub async fn list_sessions() -> Result<Vec<SessionView>, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let rows = store()?.list_sessions(&s.account_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionView {
            current: r.id_hash == s.id_hash,
            id: r.id_hash,
            device: domain::security::device_label(&r.user_agent),
            ip: r.ip,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
        })
        .collect())
}

#[server(endpoint = "security/end-session", output = crate::codec::Postcard)]
pub async fn end_session(id: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    if id == s.id_hash {
        return fail(AppError::Refused(
            "Чтобы завершить этот сеанс, нажмите «Выйти»".into(),
        ));
    }
    let ip = request()?.ip;
    match store()?.end_session_of(&s.account_id, &id, &ip).await {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "security/end-others", output = crate::codec::Postcard)]
pub async fn end_other_sessions() -> Result<u64, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let ip = request()?.ip;
    Ok(store()?.end_other_sessions(&s, &ip).await?)
}

#[server(endpoint = "security/journal", output = crate::codec::Postcard)]
pub async fn security_journal(page: u32) -> Result<JournalPage, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let page = domain::query::page_number(i64::from(page))
        .map_err(|e| AppError::Fields(domain::FieldErrors(vec![e])))?;
    let offset = i64::from(page - 1).saturating_mul(JOURNAL_PAGE);
    let mut rows = store()?
        .journal_for_account(&s.account_id, JOURNAL_PAGE + 1, offset)
        .await?;
    let has_next = rows.len() as i64 > JOURNAL_PAGE;
    rows.truncate(JOURNAL_PAGE as usize);
    Ok(JournalPage {
        items: rows
            .into_iter()
            .map(|r| JournalItem {
                at: r.at,
                action: domain::security::action_label(&r.action).to_string(),
                ip: r.ip,
            })
            .collect(),
        page,
        has_next,
    })
}

/// Whether two-factor login is on and by which method, and how many recovery codes are left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorInfo {
    /// `totp` or `sms` when on.
    pub method: Option<String>,
    /// The account's phone, masked (where SMS codes go).
    pub phone: String,
    pub recovery_left: i64,
}

/// The enrolment screen: the secret to type and its QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpSetup {
    pub secret: String,
    pub qr_svg: String,
}

#[server(endpoint = "security/2fa-state", output = crate::codec::Postcard)]
pub async fn two_factor_state() -> Result<TwoFactorInfo, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let store = store()?;
    let account = store.account(&s.account_id).await?;
    Ok(TwoFactorInfo {
        method: store
            .factor_method(&s.account_id)
            .await?
            .map(|m| m.code().to_string()),
        phone: mask_contact(&account.phone),
        recovery_left: store.recovery_codes_left(&s.account_id).await?,
    })
}

#[server(endpoint = "security/totp-begin", output = crate::codec::Postcard)]
pub async fn totp_begin() -> Result<TotpSetup, AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.begin_totp(&s.account_id).await {
        Ok(e) => Ok(TotpSetup {
            secret: e.secret,
            qr_svg: e.qr_svg,
        }),
        Err(e) => fail(e.into()),
    }
}

/// Confirms the app with its first code; answers the recovery codes, shown once.
#[server(endpoint = "security/totp-confirm", output = crate::codec::Postcard)]
pub async fn totp_confirm(code: String) -> Result<Vec<String>, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    match store()?.confirm_totp(&s, &code, &req.ip).await {
        Ok(codes) => Ok(codes),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "security/totp-disable", output = crate::codec::Postcard)]
pub async fn totp_disable(password: String, code: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    match store()?
        .disable_totp(&s.account_id, &password, &code, &req.ip)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

/// «Получать коды в SMS»: a code goes to the account's phone; answers where, masked.
#[server(endpoint = "security/sms-begin", output = crate::codec::Postcard)]
pub async fn sms_begin() -> Result<String, AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.begin_sms_factor(&s.account_id).await {
        Ok(to) => Ok(to),
        Err(e) => fail(e.into()),
    }
}

/// Confirms the phone with the code; answers the recovery codes, shown once.
#[server(endpoint = "security/sms-confirm", output = crate::codec::Postcard)]
pub async fn sms_confirm(code: String) -> Result<Vec<String>, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    match store()?.confirm_sms_factor(&s, &code, &req.ip).await {
        Ok(codes) => Ok(codes),
        Err(e) => fail(e.into()),
    }
}

/// Turns SMS codes off with the password and a code just sent by SMS (or a recovery code).
#[server(endpoint = "security/sms-disable", output = crate::codec::Postcard)]
pub async fn sms_disable(password: String, code: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    match store()?
        .disable_sms_factor(&s.account_id, &password, &code, &req.ip)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

/// «Сменить пароль»: the current password and the new one twice. Every other session of the
/// account ends and this one gets a new id (the cookie is set again); the contacts are told.
#[server(endpoint = "security/change-password", output = crate::codec::Postcard)]
pub async fn change_password(
    old_password: String,
    new_password: String,
    new_password2: String,
) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    match store()?
        .change_password(&s, &old_password, &new_password, &new_password2, &req.ip)
        .await
    {
        Ok(token) => {
            set_session_cookie(&token)?;
            leptos_axum::redirect("/security?password=changed");
            Ok(())
        }
        Err(e) => fail(e.into()),
    }
}
