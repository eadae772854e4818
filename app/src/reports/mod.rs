//! «Отчётность»: the list of drafts and reports (`/reports`), the multi-step forms with autosaved
//! drafts (`/reports/new/{kind}`, `?draft=…` to continue one or to correct a report in
//! «Ошибка»), a report with its status, check log and versions (`/reports/{id}`), and staff review
//! (`/staff/reports`, `/staff/reports/{id}`), and «Сроки» (`/deadlines`, see [`deadlines`]). The form's rules are `domain::reports`, run here in the
//! browser and again by the store on «Отправить».

pub mod deadlines;
mod pages;
mod staff;

pub use deadlines::DeadlinesPage;
pub use pages::{ReportFormPage, ReportPage, ReportsPage};
pub use staff::{StaffReportPage, StaffReportsPage};

use crate::error::AppError;
use domain::files::Attachment;
use domain::reports::{CheckRow, ReportChoices, ReportForm, ReportRow, ReportView};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// «Отчётность»: drafts and the reports sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportsPageData {
    pub policyholder: String,
    pub drafts: Vec<ReportRow>,
    pub reports: Vec<ReportRow>,
}

#[server(endpoint = "reports/list", output = crate::codec::Postcard)]
pub async fn get_reports() -> Result<ReportsPageData, AppError> {
    use crate::ssr::*;
    let (s, ph) = acting().await?;
    let store = store()?;
    let holder = store
        .authorized_for(&s.account_id, &ph, domain::delegation::Need::Report)
        .await?;
    Ok(ReportsPageData {
        policyholder: holder.name,
        drafts: store.reports(&s.account_id, &ph, true).await?,
        reports: store.reports(&s.account_id, &ph, false).await?,
    })
}

/// What the form opens with: the draft's id (new or continued), what it holds, its status, the
/// log to correct (for a report in «Ошибка»), the choices, and a fresh idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportStart {
    pub id: String,
    pub form: ReportForm,
    pub status: String,
    pub number: Option<String>,
    pub checks: Vec<CheckRow>,
    pub choices: ReportChoices,
    pub key: String,
    /// The files the form holds (its `files` ids resolved), for the upload widget.
    pub files: Vec<Attachment>,
}

#[server(endpoint = "reports/start", output = crate::codec::Postcard)]
pub async fn get_report_start(kind: String, draft: String) -> Result<ReportStart, AppError> {
    use crate::ssr::*;
    let (s, ph) = acting().await?;
    let store = store()?;
    let Some(kind) = domain::reports::ReportKind::from_code(&kind) else {
        return fail(AppError::NotFound);
    };
    let choices = store.report_choices(&s.account_id, &ph).await?;
    let key = uuid::Uuid::new_v4().to_string();
    if draft.is_empty() {
        return Ok(ReportStart {
            id: uuid::Uuid::new_v4().simple().to_string(),
            form: ReportForm {
                kind: kind.code().into(),
                works: vec![Default::default()],
                ..Default::default()
            },
            status: "draft".into(),
            number: None,
            checks: Vec::new(),
            choices,
            key,
            files: Vec::new(),
        });
    }
    let view = match store.report(&s.account_id, &ph, &draft).await {
        Ok(v) if v.kind == kind.code() => v,
        Ok(_) => return fail(AppError::NotFound),
        Err(e) => return fail(e.into()),
    };
    if !matches!(view.status.as_str(), "draft" | "error") {
        return fail(AppError::Refused(
            "Этот отчёт уже отправлен: изменить его можно, только если проверка вернёт его с ошибками".into(),
        ));
    }
    // Files the last autosave did not link yet are still the caller's own uploads.
    let files = store
        .attachments_in_order(
            &format!("report:{}", view.id),
            Some(&s.account_id),
            &view.form.file_ids(),
        )
        .await?;
    Ok(ReportStart {
        files,
        id: view.id,
        form: view.form,
        status: view.status,
        number: view.number,
        checks: view.checks,
        choices,
        key,
    })
}

/// Autosave: keeps the form as typed; answers the report's status code.
#[server(input = Json, endpoint = "reports/save", output = crate::codec::Postcard)]
pub async fn save_report(id: String, form: ReportForm) -> Result<String, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    match store()?
        .save_report_draft(&s.account_id, &ph, &id, &form)
        .await
    {
        Ok(status) => Ok(status.code().to_string()),
        Err(e) => fail(e.into()),
    }
}

/// «Отправить»: once per key; answers the report.
#[server(input = Json, endpoint = "reports/submit", output = crate::codec::Postcard)]
pub async fn send_report(
    id: String,
    key: String,
    form: ReportForm,
) -> Result<ReportView, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    match store()?
        .submit_report(&s.account_id, &ph, &id, &key, &form)
        .await
    {
        Ok(v) => Ok(v),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "reports/get", output = crate::codec::Postcard)]
pub async fn get_report(id: String) -> Result<ReportView, AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    match store()?.report(&s.account_id, &ph, &id).await {
        Ok(v) => Ok(v),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "reports/delete-draft", output = crate::codec::Postcard)]
pub async fn delete_draft(id: String) -> Result<(), AppError> {
    use crate::ssr::*;
    let (s, ph) = match acting().await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    match store()?.delete_report_draft(&s.account_id, &ph, &id).await {
        Ok(()) => Ok(()),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "staff/reports", output = crate::codec::Postcard)]
pub async fn staff_list_reports() -> Result<Vec<ReportRow>, AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.staff_reports(&s.account_id).await {
        Ok(v) => Ok(v),
        Err(e) => fail(e.into()),
    }
}

#[server(endpoint = "staff/report", output = crate::codec::Postcard)]
pub async fn staff_get_report(id: String) -> Result<ReportView, AppError> {
    use crate::ssr::*;
    let s = session()?;
    match store()?.staff_report(&s.account_id, &id).await {
        Ok(v) => Ok(v),
        Err(e) => fail(e.into()),
    }
}

/// Staff's decision: accept, or return with a comment and optionally an error on one field.
#[server(endpoint = "staff/report-decide", output = crate::codec::Postcard)]
pub async fn staff_decide_report(
    id: String,
    decision: String,
    comment: String,
    field: String,
    message: String,
) -> Result<ReportView, AppError> {
    use crate::ssr::*;
    let s = session()?;
    let accept = decision == "accept";
    let errors: Vec<(String, String)> = if !accept && !field.is_empty() {
        vec![(field, message)]
    } else {
        Vec::new()
    };
    match store()?
        .decide_report(&s.account_id, &id, accept, &comment, &errors)
        .await
    {
        Ok(v) => Ok(v),
        Err(e) => fail(e.into()),
    }
}
