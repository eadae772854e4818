//! The server's side of payments: the acquirer it talks to (the built-in sandbox, which posts
//! its signed webhooks to this server like a real acquirer would), the webhook endpoint, and
//! documents as downloads.

use crate::AppState;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use store::Store;
use store::payments::provider::{BoxFuture, WebhookError};
use store::payments::sandbox::{Deliver, Sandbox};
use store::payments::{Acquirer, PaymentProvider};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The header the acquirer signs its webhooks in: `t=<unix time>,v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "x-payment-signature";

/// Starts the sandbox acquirer; its webhooks go to `addr`'s `/payments/webhook`.
pub async fn sandbox(
    store: &Store,
    addr: SocketAddr,
    delay_ms: i64,
    timeout_seconds: i64,
    stop: tokio::sync::watch::Receiver<bool>,
) -> store::StoreResult<Acquirer> {
    let target = if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    };
    let deliver: Deliver = Arc::new(move |signature, body| -> BoxFuture<'static, ()> {
        Box::pin(async move {
            match post(target, "/payments/webhook", &signature, &body).await {
                Ok(200) => {}
                Ok(code) => tracing::warn!(code, "sandbox webhook answered"),
                // The reconciler settles the payment later.
                Err(e) => tracing::warn!(error = %e, "sandbox webhook not delivered"),
            }
        })
    });
    let sb = Sandbox::new(
        store.clone(),
        chrono::Duration::milliseconds(delay_ms),
        chrono::Duration::seconds(timeout_seconds),
        deliver,
    )
    .await?;
    tokio::spawn(sb.clone().run(stop));
    Ok(Acquirer(sb))
}

/// A bare HTTP/1.1 POST over loopback: all the sandbox needs to reach its own server, so no
/// HTTP client crate is pulled in for it. Returns the response's status code.
async fn post(addr: SocketAddr, path: &str, signature: &str, body: &str) -> std::io::Result<u16> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{SIGNATURE_HEADER}: {signature}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::new();
    stream.read_to_end(&mut head).await?;
    let line = String::from_utf8_lossy(&head[..head.len().min(32)]).to_string();
    line.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))
}

/// `POST /payments/webhook`: the acquirer's word on a payment. Refused (and logged by the store)
/// when the signature is wrong, the timestamp old, or the event seen before.
pub async fn webhook(State(state): State<AppState>, headers: HeaderMap, body: String) -> Response {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match state
        .store
        .payment_webhook(&*state.acquirer, signature, &body)
        .await
    {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e @ WebhookError::BadSignature) => {
            (StatusCode::UNAUTHORIZED, e.to_string()).into_response()
        }
        Err(e @ WebhookError::Replayed) => (StatusCode::CONFLICT, e.to_string()).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

/// `GET /documents/{id}.pdf`: a document of the acting policyholder.
pub async fn document(
    State(state): State<AppState>,
    Path(file): Path<String>,
    req: Request,
) -> Response {
    let session = match crate::http::require_session(&req, "Войдите в кабинет") {
        Ok(s) => s,
        Err(refusal) => return refusal.into_response(),
    };
    let Some(id) = file.strip_suffix(".pdf") else {
        return (StatusCode::NOT_FOUND, "Не найдено").into_response();
    };
    let store = &state.store;
    let result = match store.acting_policyholder(&session).await {
        Ok(ph) => store.document_pdf(&session.account_id, &ph.id, id).await,
        Err(e) => Err(e),
    };
    // `?print=1` (the «Печать» link) opens the PDF in the browser's viewer, to print from there.
    let print = req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "print=1"));
    let disposition = if print {
        crate::Disposition::Inline
    } else {
        crate::Disposition::Attachment
    };
    match result {
        Ok((name, bytes)) => {
            crate::file_response_as(Ok(bytes), "application/pdf", name, disposition)
        }
        Err(e) => crate::file_response(Err(e), "", String::new()),
    }
}

/// Settles payments the acquirer decided but whose webhook never arrived (and the like).
pub async fn reconcile(store: &Store, acquirer: &dyn PaymentProvider) {
    match store.reconcile_payments(acquirer).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(settled = n, "payments reconciled"),
        Err(e) => tracing::error!(error = %e, "reconciling payments"),
    }
}
