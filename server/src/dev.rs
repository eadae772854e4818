//! Dev/demo-only pages: the outbox of sent e-mails and SMS, and a helper to expire codes so the
//! browser tests can check expiry. Never routed in production mode.

use crate::AppState;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub async fn outbox(State(state): State<AppState>) -> Response {
    let items = match state.store.outbox(100).await {
        Ok(i) => i,
        Err(e) => {
            tracing::error!(error = %e, "outbox");
            return (StatusCode::INTERNAL_SERVER_ERROR, "Внутренняя ошибка").into_response();
        }
    };
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Исходящие сообщения (демо)</title></head><body><main><h1>Исходящие сообщения</h1>\
         <p>Демо-режим: здесь видны письма и SMS, которые кабинет отправил бы людям. Новые сверху.</p>",
    );
    if items.is_empty() {
        html.push_str("<p>Сообщений пока нет.</p>");
    }
    for m in items {
        html.push_str(&format!(
            "<article class=\"message\" data-recipient=\"{r}\" data-channel=\"{c}\"><h2>{s}</h2><p>{kind}: {r} · {t}</p><pre>{b}</pre></article>",
            r = escape(&m.recipient),
            c = escape(&m.channel),
            s = escape(&m.subject),
            kind = if m.channel == "sms" { "SMS" } else { "E-mail" },
            t = domain::dates::format_datetime(m.created_at),
            b = escape(&m.body),
        ));
    }
    html.push_str("</main></body></html>");
    Html(html).into_response()
}

#[derive(Deserialize)]
pub struct ExpireForm {
    email: String,
}

pub async fn expire_codes(State(state): State<AppState>, Form(form): Form<ExpireForm>) -> Response {
    match state.store.account_id_by_email(&form.email).await {
        Ok(Some(id)) => match state.store.expire_codes(&id).await {
            Ok(n) => format!("expired {n}").into_response(),
            Err(e) => {
                tracing::error!(error = %e, "expire codes");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        },
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "expire codes");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `POST /dev/citizen`: a new demo citizen of its own (the demo citizen's policies, debts and
/// authorities, new contacts), as `email ИНН` (one line), for a browser test that must not share
/// `demo@example.ru` with the tests beside it (see [`store::Store::demo_citizen_account`]).
pub async fn citizen_account(State(state): State<AppState>) -> Response {
    match state.store.demo_citizen_account().await {
        Ok((email, inn)) => format!("{email} {inn}").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "demo citizen account");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `POST /dev/staff`: a new staff member with a TOTP app of its own, as `email secret` (one line),
/// for a browser test that works in the staff area (see [`store::Store::demo_staff_account`]).
pub async fn staff_account(State(state): State<AppState>) -> Response {
    match state.store.demo_staff_account().await {
        Ok((email, secret)) => format!("{email} {secret}").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "demo staff account");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
