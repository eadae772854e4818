//! «Доверенности» (`/proxies`): who may act for the policyholder I act for, and with what rights;
//! the form «Выдать доступ»; the grants sent to me, which I accept or decline; the authorities I
//! hold over others. The rules live in `domain::delegation` (the form, shared with the browser)
//! and `store::delegation` (who may grant, accept and revoke, and the effect at once).

mod pages;

pub use pages::ProxiesPage;

use crate::error::AppError;
use domain::delegation::{GrantForm, GrantRow};
use domain::model::PolicyholderBrief;
use leptos::prelude::*;
use leptos::server_fn::codec::{Json, MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};

/// A policy the form offers to include.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyChoice {
    pub id: String,
    pub number: String,
    pub programme: String,
}

/// Everything «Доверенности» shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxiesData {
    /// Whom the caller acts for now, if anyone.
    pub acting: Option<PolicyholderBrief>,
    /// The caller may grant and revoke access to `acting` (their own record, an organisation's
    /// representative, or an authority with the right to pass it on).
    pub can_grant: bool,
    /// `acting` is an organisation: its grants wait for a staff check of their basis, and it can
    /// have representatives.
    pub organisation: bool,
    /// «Кто имеет доступ» to `acting` (only when `can_grant`).
    pub given: Vec<GrantRow>,
    /// The policies of `acting` the form offers (only when `can_grant`).
    pub policies: Vec<PolicyChoice>,
    /// Grants sent to the caller and waiting for an answer.
    pub invitations: Vec<GrantRow>,
    /// The authorities the caller holds over others.
    pub held: Vec<GrantRow>,
}

#[server(endpoint = "proxies/page", output = crate::codec::Postcard)]
pub async fn get_proxies() -> Result<ProxiesData, AppError> {
    use crate::ssr::*;
    use domain::delegation::Need;
    let s = session()?;
    let store = store()?;
    let held = store.grants_held(&s.account_id).await?;
    let acting = match acting().await {
        Ok((_, ph)) => Some(store.authorized_policyholder(&s.account_id, &ph).await?),
        Err(AppError::NotFound) => None,
        Err(e) => return Err(e),
    };
    let can_grant = acting.as_ref().is_some_and(|a| a.allows(Need::Delegate));
    let organisation = acting.as_ref().is_some_and(|a| a.kind == "organisation");
    let (given, policies) = match &acting {
        Some(a) if can_grant => (
            store.grants_given(&s.account_id, &a.id).await?,
            store
                .list_policies(&s.account_id, &a.id)
                .await?
                .into_iter()
                .map(|p| PolicyChoice {
                    id: p.id,
                    number: p.number,
                    programme: p.programme,
                })
                .collect(),
        ),
        _ => (Vec::new(), Vec::new()),
    };
    Ok(ProxiesData {
        acting,
        can_grant,
        organisation,
        given,
        policies,
        invitations: held.invitations,
        held: held.held,
    })
}

#[server(input = Json, endpoint = "proxies/grant", output = crate::codec::Postcard)]
pub async fn grant_access(form: GrantForm) -> Result<String, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let ip = request()?.ip;
    match store()?.grant_access(&s.account_id, &ph, &form, &ip).await {
        Ok(id) => Ok(id),
        Err(e) => fail(e.into()),
    }
}

/// «Принять» (`accept`) or «Отклонить» a grant sent to the caller.
#[server(endpoint = "proxies/answer", output = crate::codec::Postcard)]
pub async fn answer_grant(id: String, accept: bool) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    let ip = request()?.ip;
    let store = store()?;
    let done = if accept {
        store.accept_grant(&s.account_id, &id, &ip).await
    } else {
        store.decline_grant(&s.account_id, &id, &ip).await
    };
    match done {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

/// «Отозвать» an authority, or «Отменить» a grant not yet answered, of the acting policyholder.
#[server(endpoint = "proxies/end", output = crate::codec::Postcard)]
pub async fn end_grant(id: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let ip = request()?.ip;
    match store()?.end_grant(&s.account_id, &ph, &id, &ip).await {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

/// What a machine-readable power of attorney puts into «Выдать доступ», and what the page says it
/// read from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MchdFill {
    pub full_name: String,
    /// The representative's СНИЛС (as `123-456-789 01`), else their ИНН.
    pub id_number: String,
    /// ISO dates, as the date inputs take them.
    pub valid_to: String,
    pub basis: String,
    /// The principal, as the document names it: «ООО "Ромашка", ИНН 7707083893, КПП …».
    pub principal: String,
    pub powers: Vec<String>,
    /// The document allows passing the powers on.
    pub may_redelegate: bool,
}

/// «Заполнить по МЧД»: reads the XML file (multipart field `file`) of a МЧД in the unified format
/// EMCHD_1, checks it was issued by the acting policyholder and is in force, and answers what the
/// form takes from it. Errors name the field `mchd`.
#[server(input = MultipartFormData, endpoint = "proxies/mchd", output = crate::codec::Postcard)]
pub async fn read_mchd(data: MultipartData) -> Result<MchdFill, AppError> {
    use crate::ssr::*;
    use store::mchd::{MAX_BYTES, Principal};
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let Some(mut form) = data.into_inner() else {
        return fail(internal("multipart body missing"));
    };
    // Read up to one byte over the limit, so a bigger file is refused without being held.
    let mut bytes = Vec::new();
    while let Ok(Some(mut field)) = form.next_field().await {
        if field.name() == Some("file") {
            bytes = crate::files::read_capped(&mut field, MAX_BYTES + 1).await;
        }
    }
    let m = match store()?.read_mchd(&s.account_id, &ph, &bytes).await {
        Ok(m) => m,
        Err(e) => return fail(e.into()),
    };
    let principal = match &m.principal {
        Principal::Organisation {
            name,
            inn,
            kpp,
            ogrn,
        } => {
            let mut line = format!("{name}, ИНН {inn}");
            if let Some(k) = kpp {
                line.push_str(&format!(", КПП {k}"));
            }
            if let Some(o) = ogrn {
                line.push_str(&format!(", ОГРН {o}"));
            }
            line
        }
        Principal::Person { full_name, inn, .. } => match inn {
            Some(i) => format!("{full_name}, ИНН {i}"),
            None => full_name.clone(),
        },
    };
    let rep = &m.representative;
    Ok(MchdFill {
        full_name: rep.full_name.clone(),
        id_number: rep
            .snils
            .as_deref()
            .map(domain::ids::format_snils)
            .or_else(|| rep.inn.clone())
            .unwrap_or_default(),
        valid_to: m.valid_to.format("%Y-%m-%d").to_string(),
        basis: m.basis(),
        principal,
        powers: m.powers.clone(),
        may_redelegate: m.may_redelegate,
    })
}
