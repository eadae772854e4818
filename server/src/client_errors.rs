//! `POST /client-errors`: what went wrong in a browser, reported by `public/pwa.js` (a panic in the
//! WASM, an uncaught script error or rejection, a section's code that failed to download, a page
//! loaded again by a healing path). The server
//! logs each report under the request's id; nothing personal is sent (the kind, a message cut to
//! 500 characters and the page's path without its query). Reports are counted per address in the
//! database, at most `CLIENT_ERRORS_PER_IP_HOUR` (30) an hour, so the log cannot be flooded.
//!
//! In demo mode `GET /dev/client-errors` lists the reports this process took: the browser tests
//! fail when any arrived during a run (`end2end/global-teardown.ts`); a test that provokes one on
//! purpose takes it with `POST /dev/client-errors/take`.

use crate::AppState;
use app::ssr::RequestCtx;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Mutex;

/// The most reports kept for `/dev/client-errors`.
const KEPT: usize = 100;
/// The longest report body read; a longer one is refused whole.
pub const MAX_BODY: usize = 2048;

#[derive(Default)]
pub struct ClientErrors {
    kept: Mutex<Vec<String>>,
}

impl ClientErrors {
    fn keep(&self, line: String) {
        if let Ok(mut kept) = self.kept.lock()
            && kept.len() < KEPT
        {
            kept.push(line);
        }
    }

    fn lines(&self) -> Vec<String> {
        self.kept.lock().map(|k| k.clone()).unwrap_or_default()
    }

    /// Removes and answers the reports of `kind` from `path`.
    fn take(&self, kind: &str, path: &str) -> Vec<String> {
        let prefix = format!("{kind} {path}: ");
        let Ok(mut kept) = self.kept.lock() else {
            return Vec::new();
        };
        let (taken, rest) = kept
            .drain(..)
            .partition(|l: &String| l.starts_with(&prefix));
        *kept = rest;
        taken
    }
}

#[derive(Deserialize)]
struct Report {
    kind: String,
    message: String,
    #[serde(default)]
    path: String,
}

/// Reads one report: JSON with a known `kind`, strings cut to size; anything else is `None`.
fn parse(body: &str) -> Option<(String, String, String)> {
    if body.len() > MAX_BODY {
        return None;
    }
    let r: Report = serde_json::from_str(body).ok()?;
    let kind = match r.kind.as_str() {
        k @ ("panic" | "error" | "rejection" | "chunk" | "reloaded" | "boot") => k.to_string(),
        _ => return None,
    };
    let cut = |s: &str, n: usize| -> String {
        s.chars()
            .filter(|c| !c.is_control() || *c == ' ')
            .take(n)
            .collect()
    };
    let path = cut(r.path.split(['?', '#']).next().unwrap_or(""), 200);
    Some((kind, cut(&r.message, 500), path))
}

pub async fn report(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    body: String,
) -> Response {
    let Some((kind, message, path)) = parse(&body) else {
        return (StatusCode::BAD_REQUEST, "Отчёт об ошибке не прочитан").into_response();
    };
    match state
        .store
        .take_client_report(&ctx.ip, state.config.client_errors_per_ip_hour)
        .await
    {
        Ok(true) => {}
        Ok(false) => return StatusCode::TOO_MANY_REQUESTS.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "client error report not counted");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    tracing::error!(kind = %kind, page = %path, message = %message, "error in a browser");
    state
        .client_errors
        .keep(format!("{kind} {path}: {message}"));
    StatusCode::NO_CONTENT.into_response()
}

/// Demo only: the reports this process took, one a line.
pub async fn list(State(state): State<AppState>) -> String {
    state.client_errors.lines().join("\n")
}

#[derive(Deserialize)]
pub struct TakeForm {
    kind: String,
    path: String,
}

/// Demo only: removes and answers the reports of one kind from one page, for a browser test that
/// provokes them on purpose (and checks they arrived).
pub async fn take(State(state): State<AppState>, axum::Form(form): axum::Form<TakeForm>) -> String {
    state.client_errors.take(&form.kind, &form.path).join("\n")
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_report_is_cut_to_size_and_keeps_no_query() {
        let long = "x".repeat(900);
        let body =
            format!(r#"{{"kind":"panic","message":"{long}","path":"/policies?token=secret#a"}}"#);
        let (kind, message, path) = parse(&body).expect("a report");
        assert_eq!(kind, "panic");
        assert_eq!(message.chars().count(), 500);
        assert_eq!(path, "/policies");
    }

    #[test]
    fn anything_else_is_refused() {
        for body in [
            "",
            "not json",
            r#"{"kind":"spam","message":"x"}"#,
            &format!(r#"{{"kind":"error","message":"{}"}}"#, "y".repeat(3000)),
        ] {
            assert!(parse(body).is_none(), "{body:?}");
        }
    }
}
