//! Accounts: «Регистрация», confirmation by code, «Вход», «Выйти», the acting-policyholder switch
//! and the session keep-alive. Owns the `/login`, `/register` and `/confirm` pages.

mod pages;

pub use pages::{ConfirmPage, LoginPage, RecoverPage, RegisterPage, SecondFactorPage};

use crate::error::AppError;
use domain::model::PolicyholderBrief;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Who is logged in, as the header and the pages need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub full_name: String,
    pub confirmed: bool,
    pub is_staff: bool,
    pub acting: Option<PolicyholderBrief>,
    pub policyholders: Vec<PolicyholderBrief>,
    pub idle_timeout_secs: i64,
}

/// Where the confirmation code went and when another may be asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeStatus {
    pub channel: String,
    pub destination: String,
    pub email: String,
    pub phone: String,
    pub resend_in: i64,
    /// A code has gone out (false when sending it failed: the page must not say «отправили»).
    pub sent: bool,
}

#[server(endpoint = "auth/me", output = crate::codec::Postcard)]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    use crate::ssr::*;
    let Some(s) = request()?.session else {
        return Ok(None);
    };
    let store = store()?;
    let policyholders = if s.is_full() {
        store.accessible_policyholders(&s.account_id).await?
    } else {
        Vec::new()
    };
    let acting = s
        .acting_policyholder_id
        .as_ref()
        .and_then(|id| policyholders.iter().find(|p| &p.id == id).cloned())
        .or_else(|| policyholders.first().cloned());
    Ok(Some(Me {
        full_name: s.full_name.clone(),
        confirmed: s.is_full(),
        is_staff: s.is_staff(),
        acting,
        policyholders,
        idle_timeout_secs: store.config().idle_timeout.num_seconds(),
    }))
}

#[server(endpoint = "auth/login", output = crate::codec::Postcard)]
pub async fn login(login: String, password: String, next: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let store = store()?;
    let req = request()?;
    let logged = match store.login(&login, &password, &req.ip).await {
        Ok(l) => l,
        Err(e) => return fail(e.into()),
    };
    // A new session id at every login; the one before it (if any) ends.
    if let Some(old) = &req.token {
        store.end_session_token(old).await?;
    }
    // The store decides the new session's stage from the account: the cookie cannot say more.
    let token = store
        .create_session(&logged.account.id, &req.ip, &req.user_agent)
        .await?;
    let session = store
        .session(&token)
        .await?
        .ok_or_else(|| internal("new session missing"))?;
    let target = match session.stage {
        Stage::Unconfirmed => "/confirm".to_string(),
        Stage::SecondFactor => {
            if store.factor_method(&session.account_id).await?
                == Some(domain::status::FactorMethod::Sms)
            {
                // A code sent a moment ago still stands: the cool-down is no reason to fail the login.
                match store.send_login_code(&session, &req.ip).await {
                    Ok(_) | Err(store::StoreError::Refused(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            format!("/login/code?next={}", encode_query_value(&safe_next(&next)))
        }
        Stage::Full => safe_next(&next),
    };
    set_session_cookie(&token)?;
    leptos_axum::redirect(&target);
    Ok(())
}

/// The second step of a login with 2FA: a code from the app, or a recovery code.
#[server(endpoint = "auth/second-factor", output = crate::codec::Postcard)]
pub async fn second_factor(code: String, next: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let store = store()?;
    let req = request()?;
    let s = match session_at(Stage::SecondFactor) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let token = match store.pass_second_factor(&s, &code, &req.ip).await {
        Ok(token) => token,
        Err(e) => {
            if matches!(e, store::StoreError::Refused(_)) {
                clear_session_cookie()?;
            }
            return fail(e.into());
        }
    };
    // The session is full only now, under a new token: the cookie is set after the step.
    set_session_cookie(&token)?;
    leptos_axum::redirect(&safe_next(&next));
    Ok(())
}

/// How the second step of this login is made: `totp` or `sms` (then where the code went and
/// when another may be asked for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFactor {
    pub method: String,
    pub destination: String,
    pub resend_in: i64,
}

#[cfg(feature = "ssr")]
async fn login_factor() -> Result<LoginFactor, AppError> {
    use crate::ssr::*;
    let s = session_at(Stage::SecondFactor)?;
    let store = store()?;
    let method = store
        .factor_method(&s.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let sent = store
        .sent_code(&s.account_id, store::codes::Purpose::Login)
        .await?;
    Ok(LoginFactor {
        method: method.code().to_string(),
        destination: sent
            .as_ref()
            .map(|c| mask_contact(&c.destination))
            .unwrap_or_default(),
        resend_in: sent.map(|c| c.resend_in).unwrap_or(0),
    })
}

#[server(endpoint = "auth/login-factor", output = crate::codec::Postcard)]
pub async fn get_login_factor() -> Result<LoginFactor, AppError> {
    match login_factor().await {
        Ok(f) => Ok(f),
        Err(e) => crate::ssr::fail(e),
    }
}

/// «Отправить код ещё раз» on the second step of a login by SMS.
#[server(endpoint = "auth/login-code-resend", output = crate::codec::Postcard)]
pub async fn resend_login_code() -> Result<LoginFactor, AppError> {
    use crate::ssr::*;
    let s = match session_at(Stage::SecondFactor) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let ip = request()?.ip;
    if let Err(e) = store()?.send_login_code(&s, &ip).await {
        return fail(e.into());
    }
    login_factor().await
}

#[allow(clippy::too_many_arguments)]
#[server(endpoint = "auth/register", output = crate::codec::Postcard)]
pub async fn register(
    full_name: String,
    email: String,
    phone: String,
    id_number: String,
    password: String,
    password2: String,
    channel: String,
) -> Result<(), AppError> {
    use crate::ssr::*;
    use domain::forms::Registration;
    let store = store()?;
    let req = request()?;
    let form = Registration {
        full_name,
        email,
        phone,
        id_number,
        password,
        password2,
        channel,
    };
    let account = match store.register(&form, &req.ip).await {
        Ok(a) => a,
        Err(e) => return fail(e.into()),
    };
    if let Some(old) = &req.token {
        store.end_session_token(old).await?;
    }
    let token = store
        .create_session(&account.id, &req.ip, &req.user_agent)
        .await?;
    set_session_cookie(&token)?;
    if let Err(e) = store
        .send_code(
            &account.id,
            store::codes::Purpose::Confirm,
            account.channel(),
        )
        .await
    {
        // The account and its session exist: /confirm says the code was not sent and offers
        // another try. Any other failure is shown here.
        if !matches!(e, store::StoreError::Undelivered { .. }) {
            return fail(e.into());
        }
        let _logged = AppError::from(e);
    }
    leptos_axum::redirect("/confirm");
    Ok(())
}

#[server(endpoint = "auth/code-status", output = crate::codec::Postcard)]
pub async fn get_code_status() -> Result<CodeStatus, AppError> {
    use crate::ssr::*;
    let s = session_at(Stage::Unconfirmed)?;
    let store = store()?;
    let account = store.account(&s.account_id).await?;
    let sent = store
        .sent_code(&s.account_id, store::codes::Purpose::Confirm)
        .await?;
    let channel = sent
        .as_ref()
        .map(|c| c.channel)
        .unwrap_or(account.channel());
    Ok(CodeStatus {
        channel: channel.code().to_string(),
        destination: mask_contact(account.destination(channel)),
        email: mask_contact(&account.email),
        phone: mask_contact(&account.phone),
        sent: sent.is_some(),
        resend_in: sent.map(|c| c.resend_in).unwrap_or(0),
    })
}

#[server(endpoint = "auth/resend", output = crate::codec::Postcard)]
pub async fn resend_code(channel: String) -> Result<CodeStatus, AppError> {
    use crate::ssr::*;
    let s = match session_at(Stage::Unconfirmed) {
        Ok(s) => s,
        Err(_) => return fail(AppError::Refused("Учётная запись уже подтверждена".into())),
    };
    let channel = domain::status::Channel::from_code(&channel)
        .ok_or_else(|| AppError::Refused("Выберите, куда прислать код: e-mail или SMS".into()))?;
    if let Err(e) = store()?
        .send_code(&s.account_id, store::codes::Purpose::Confirm, channel)
        .await
    {
        return fail(e.into());
    }
    get_code_status().await
}

#[server(endpoint = "auth/confirm", output = crate::codec::Postcard)]
pub async fn confirm(code: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = match session_at(Stage::Unconfirmed) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let store = store()?;
    let req = request()?;
    // The account gains rights: the session moves on under a new token, set after the step.
    let token = match store.confirm_session(&s, &code, &req.ip).await {
        Ok(token) => token,
        Err(e) => return fail(e.into()),
    };
    set_session_cookie(&token)?;
    leptos_axum::redirect("/policies");
    Ok(())
}

/// «Забыли пароль», step 1: a code to the contact, if it is an account's (the answer is the same).
#[server(endpoint = "auth/recover-start", output = crate::codec::Postcard)]
pub async fn recover_start(contact: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let ip = request()?.ip;
    match store()?.start_reset(&contact, &ip).await {
        Ok(normalised) => {
            leptos_axum::redirect(&format!(
                "/recover?contact={}",
                encode_query_value(&normalised)
            ));
            Ok(())
        }
        Err(e) => fail(e.into()),
    }
}

/// «Забыли пароль», step 2: the code and the new password twice.
#[server(endpoint = "auth/recover-finish", output = crate::codec::Postcard)]
pub async fn recover_finish(
    contact: String,
    code: String,
    password: String,
    password2: String,
) -> Result<(), AppError> {
    use crate::ssr::*;
    let ip = request()?.ip;
    match store()?
        .finish_reset(&contact, &code, &password, &password2, &ip)
        .await
    {
        Ok(()) => {
            leptos_axum::redirect("/login?reset=1");
            Ok(())
        }
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "auth/switch", output = crate::codec::Postcard)]
pub async fn switch_policyholder(policyholder_id: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    let ip = request()?.ip;
    match store()?.set_acting(&s, &policyholder_id, &ip).await {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

/// The page's idle countdown ran out: end the session now.
#[server(endpoint = "auth/idle-logout", output = crate::codec::Postcard)]
pub async fn idle_logout() -> Result<(), AppError> {
    use crate::ssr::*;
    if let Some(s) = request()?.session {
        let ip = request()?.ip;
        store()?.end_session(&s, &ip).await?;
    }
    clear_session_cookie()
}

#[server(endpoint = "auth/keep-alive", output = crate::codec::Postcard)]
pub async fn keep_alive() -> Result<(), AppError> {
    use crate::ssr::*;
    let s = any_session()?;
    store()?.touch_session(&s.id_hash).await?;
    Ok(())
}
