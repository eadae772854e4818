//! «Задолженности», «Оплатить» and the payment page with its SMS code and live status. Owns
//! `/debts`, `/pay` and `/payments/{id}`; the receipts and invoices it makes are listed in
//! «Документы» (`crate::documents`). The money rules live in the store (`store::payments`); the form's rules in
//! `domain::payments`, shared with the browser.

mod pages;

pub use pages::{DebtsPage, PayPage, PaymentPage};

use crate::error::AppError;
use domain::payments::{DebtsView, PayForm, PaymentRow, PaymentView};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// «Задолженности» and the first page of «История платежей».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebtsPageData {
    pub debts: DebtsView,
    pub payments: Vec<PaymentRow>,
    /// The caller's authority allows paying (a trusted person may only view).
    pub may_pay: bool,
}

#[server(endpoint = "payments/debts", output = crate::codec::Postcard)]
pub async fn get_debts() -> Result<DebtsPageData, AppError> {
    use crate::ssr::*;
    let (s, ph) = acting().await?;
    let store = store()?;
    let debts = store.debts(&s.account_id, &ph).await?;
    let (payments, _) = store.payments(&s.account_id, &ph, 1).await?;
    let may_pay = store
        .authorized_policyholder(&s.account_id, &ph)
        .await?
        .allows(domain::delegation::Need::Pay);
    Ok(DebtsPageData {
        debts,
        payments,
        may_pay,
    })
}

/// The «Оплатить» form's data: the debts chosen (all when `items` is empty) and a fresh
/// idempotency key for this form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayStart {
    pub debts: DebtsView,
    pub key: String,
}

// JSON in: an empty list of items must arrive as an empty list, which a URL-encoded form cannot say.
#[server(input = Json, endpoint = "payments/pay-form", output = crate::codec::Postcard)]
pub async fn get_pay_form(items: Vec<String>) -> Result<PayStart, AppError> {
    use crate::ssr::*;
    let (s, ph) = acting().await?;
    let mut debts = store()?.debts(&s.account_id, &ph).await?;
    let busy = debts.in_progress.clone();
    debts
        .rows
        .retain(|d| !busy.contains(&d.key) && (items.is_empty() || items.contains(&d.key)));
    Ok(PayStart {
        debts,
        key: uuid::Uuid::new_v4().to_string(),
    })
}

#[server(input = Json, endpoint = "payments/start", output = crate::codec::Postcard)]
pub async fn start_pay(form: PayForm) -> Result<String, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let acquirer = acquirer()?;
    match store()?
        .start_payment(&*acquirer, &s.account_id, &ph, &form)
        .await
    {
        Ok(id) => Ok(id),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "payments/get", output = crate::codec::Postcard)]
pub async fn get_payment(id: String) -> Result<PaymentView, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    match store()?.payment(&s.account_id, &ph, &id).await {
        Ok(v) => Ok(v),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "payments/confirm", output = crate::codec::Postcard)]
pub async fn confirm_pay(id: String, code: String) -> Result<PaymentView, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let acquirer = acquirer()?;
    match store()?
        .confirm_payment(&*acquirer, &s.account_id, &id, &code)
        .await
    {
        Ok(v) => Ok(v),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "payments/resend", output = crate::codec::Postcard)]
pub async fn resend_pay_code(id: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.resend_payment_code(&s.account_id, &id).await {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}
