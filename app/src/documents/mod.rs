//! «Документы» (`/documents`): every document of the acting policyholder — receipts and invoices
//! of payments, submission receipts, certificates, the policy, inspection acts, the payout
//! application template, the history of insured events — with filters by type, policy and date in the
//! URL, download, print and «Отправить на e-mail»; and the public check page `/check/{code}` that
//! the QR code of every PDF opens (type, number and date only).

mod pages;

pub use pages::{CheckPage, DocumentsPage};

use crate::error::AppError;
use crate::requests::PolicyOption;
use domain::payments::{DocumentCheck, DocumentRow};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentsPageData {
    pub rows: Vec<DocumentRow>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub policies: Vec<PolicyOption>,
}

#[server(endpoint = "documents/list", output = crate::codec::Postcard)]
pub async fn list_documents(
    kind: Option<String>,
    policy: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
) -> Result<DocumentsPageData, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let store = store()?;
    let (from, to, page) =
        domain::query::ListRange::parse(from.as_deref(), to.as_deref(), page.as_deref())
            .checked()
            .map_err(AppError::Fields)?;
    let f = store::documents::DocumentFilter {
        kind: kind.filter(|k| DocumentRow::KINDS.contains(&k.as_str())),
        policy_id: policy.filter(|p| !p.is_empty() && p.len() <= 64),
        from,
        to,
        page: i64::from(page),
    };
    let (rows, total) = match store.documents_filtered(&s.account_id, &ph, &f).await {
        Ok(x) => x,
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
    Ok(DocumentsPageData {
        rows,
        total,
        page: f.page,
        per_page: store::payments::documents::DOCUMENTS_PER_PAGE,
        policies,
    })
}

/// «Отправить на e-mail»: answers the address it went to.
#[server(endpoint = "documents/mail", output = crate::codec::Postcard)]
pub async fn mail_document(id: String) -> Result<String, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let req = request()?;
    match store()?
        .mail_document(&s.account_id, &ph, &id, &req.ip)
        .await
    {
        Ok(to) => Ok(to),
        Err(e) => fail(e.into()),
    }
}

/// The public check of a document by its code: no session needed, nothing personal shown; a
/// limited number per IP address (then 429).
#[server(endpoint = "documents/check", output = crate::codec::Postcard)]
pub async fn check_document(code: String) -> Result<DocumentCheck, AppError> {
    use crate::ssr::*;
    let req = request()?;
    match store()?.check_document_from(&code, &req.ip).await {
        Ok(c) => Ok(c),
        Err(e) => fail(e.into()),
    }
}
