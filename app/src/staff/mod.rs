//! The insurer's staff area (`/staff`): not reachable by citizens (their requests get "not
//! found"). It decides applications for «Восстановление доступа без подтверждения», checks
//! profile changes («Проверка данных профиля»), checks the basis of authority granted over
//! organisations and on notarised доверенности («Проверка полномочий»), enters charges («Новое начисление»), which
//! open cabinets of that policyholder see at once, and works the queue of requests
//! (`requests`).

mod pages;
pub mod requests;

pub use pages::StaffPage;
pub use requests::{StaffRequestPage, StaffRequestsPage};

use crate::error::AppError;
use domain::model::StaffPolicyholder;
use leptos::prelude::*;

/// Ok for staff, "not found" for everybody else.
#[server(endpoint = "staff/check", output = crate::codec::Postcard)]
pub async fn staff_check() -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.require_staff(&s.account_id).await {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "staff/policyholders", output = crate::codec::Postcard)]
pub async fn staff_find(search: String) -> Result<Vec<StaffPolicyholder>, AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.staff_policyholders(&s.account_id, &search).await {
        Ok(list) => Ok(list),
        Err(e) => fail(e.into()),
    }
}

/// «Внести начисление»; answers the new charge's id.
#[server(endpoint = "staff/add-charge", output = crate::codec::Postcard)]
pub async fn staff_add_charge(
    policyholder_id: String,
    kind: String,
    amount: String,
    charged_on: String,
    description: String,
) -> Result<String, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    let store = store()?;
    if let Err(e) = store.require_staff(&s.account_id).await {
        return fail(e.into());
    }
    let form = domain::forms::ChargeForm {
        policyholder_id,
        kind,
        amount,
        charged_on,
        description,
    };
    let valid = match form.validate() {
        Ok(v) => v,
        Err(e) => return fail(AppError::Fields(e)),
    };
    match store.staff_add_charge(&s.account_id, &valid, &req.ip).await {
        Ok(id) => Ok(id),
        Err(e) => fail(e.into()),
    }
}

/// Profile changes waiting for a check.
#[server(endpoint = "staff/reviews", output = crate::codec::Postcard)]
pub async fn staff_reviews() -> Result<Vec<domain::model::ReviewRow>, AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.staff_reviews(&s.account_id).await {
        Ok(list) => Ok(list),
        Err(e) => fail(e.into()),
    }
}

/// «Одобрить» (`decision` = `approve`) or «Отклонить» with a reason.
#[server(endpoint = "staff/decide", output = crate::codec::Postcard)]
pub async fn staff_decide(id: String, decision: String, reason: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    match store()?
        .staff_decide_review(&s.account_id, &id, decision == "approve", &reason, &req.ip)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

/// «Проверка полномочий»: grants whose basis waits for a check.
#[server(endpoint = "staff/authority-reviews", output = crate::codec::Postcard)]
pub async fn staff_authority_reviews()
-> Result<Vec<domain::delegation::AuthorityReviewRow>, AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.staff_authority_reviews(&s.account_id).await {
        Ok(list) => Ok(list),
        Err(e) => fail(e.into()),
    }
}

/// «Подтвердить» the basis of a grant (`decision` = `approve`), or «Отказать» with a reason.
#[server(endpoint = "staff/authority-decide", output = crate::codec::Postcard)]
pub async fn staff_authority_decide(
    id: String,
    decision: String,
    reason: String,
) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    let req = request()?;
    match store()?
        .staff_decide_authority(&s.account_id, &id, decision == "approve", &reason, &req.ip)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

/// Applications for «Восстановление доступа без подтверждения» waiting for a decision.
#[server(endpoint = "staff/access-requests", output = crate::codec::Postcard)]
pub async fn staff_access_requests() -> Result<Vec<domain::model::AccessRequestRow>, AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.staff_access_requests(&s.account_id).await {
        Ok(list) => Ok(list),
        Err(e) => fail(e.into()),
    }
}

/// «Одобрить» an access application with the new contact (`decision` = `approve`), or
/// «Отклонить» it with a reason.
#[server(endpoint = "staff/access-decide", output = crate::codec::Postcard)]
pub async fn staff_access_decide(
    id: String,
    decision: String,
    new_contact: String,
    reason: String,
    code: String,
) -> Result<(), AppError> {
    use crate::ssr::*;
    let mut s = session()?;
    let req = request()?;
    let store = store()?;
    let result = if decision == "approve" {
        let origin = public_origin()?;
        // A code typed with the decision is the fresh second factor the approval asks for.
        if !code.trim().is_empty() {
            if let Err(e) = store.confirm_identity(&s, &code, &req.ip).await {
                return fail(e.into());
            }
            s.second_factor_at = Some(store.now());
        }
        store
            .staff_approve_access(&s, &id, &new_contact, &origin, &req.ip)
            .await
    } else {
        store
            .staff_reject_access(&s.account_id, &id, &reason, &req.ip)
            .await
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}
