//! Middleware: the session and page-access rules, the cross-site request guard, security headers.

use crate::AppState;
use app::Access;
use app::ssr::{RequestCtx, Stage};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn client_ip(req: &Request, trusted_proxies: usize) -> String {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    forwarded_client(&forwarded, trusted_proxies).unwrap_or(peer)
}

/// The client's address from `X-Forwarded-For` behind `proxies` proxies of our own: each of them
/// appends the address it was reached from, so the client is the `proxies`-th entry from the
/// right. Whatever stands left of it the client wrote itself and is never read. `None` (use the
/// socket's address) with no proxies, or when the header is shorter than the proxy chain or the
/// entry is not an IP address.
fn forwarded_client(headers: &[&str], proxies: usize) -> Option<String> {
    if proxies == 0 {
        return None;
    }
    let hops: Vec<&str> = headers
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .collect();
    let hop = hops.len().checked_sub(proxies).and_then(|i| hops.get(i))?;
    hop.parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

/// Percent-encodes a path and query for use as the `next` parameter.
fn encode_next(s: &str) -> String {
    app::ssr::percent_encode(s, b"/")
}

fn is_page_request(req: &Request) -> bool {
    let path = req.uri().path();
    req.method() == Method::GET
        && !path.starts_with("/api/")
        && !path.starts_with("/pkg/")
        && !path.starts_with("/dev/")
        && path != "/healthz"
        && path != "/events"
}

/// Finds the caller's session, enforces the page-access rules before any page renders, and hands
/// what it learned to the server functions through the request's extensions.
pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let cookie_name = state.app_config.cookie_name();
    let token = cookie_value(req.headers(), cookie_name);
    let session = match &token {
        Some(t) => match state.store.session(t).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Сервис временно недоступен. Попробуйте через минуту",
                )
                    .into_response();
            }
        },
        None => None,
    };
    let stale_cookie = token.is_some() && session.is_none();
    if is_page_request(&req) {
        let path = req.uri().path().to_string();
        let target = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| path.clone());
        let login = if stale_cookie {
            format!("/login?expired=1&next={}", encode_next(&target))
        } else if path == "/" {
            "/login".to_string()
        } else {
            format!("/login?next={}", encode_next(&target))
        };
        let second = format!("/login/code?next={}", encode_next(&target));
        let redirect = match (app::page_access(&path), session.as_ref().map(|s| s.stage)) {
            (Access::Account | Access::Unconfirmed | Access::SecondFactor, None) => Some(login),
            (Access::Account | Access::Unconfirmed | Access::Guest, Some(Stage::SecondFactor)) => {
                Some(second)
            }
            (Access::Account | Access::Guest, Some(Stage::Unconfirmed)) => {
                Some("/confirm".to_string())
            }
            (Access::SecondFactor, Some(Stage::Unconfirmed)) => Some("/confirm".to_string()),
            (Access::SecondFactor | Access::Unconfirmed | Access::Guest, Some(Stage::Full)) => {
                Some("/".to_string())
            }
            _ => None,
        };
        if let Some(to) = redirect {
            let mut res = Redirect::to(&to).into_response();
            if stale_cookie {
                clear_cookie(&mut res, &state);
            }
            return res;
        }
    }
    let ctx = RequestCtx::new(
        session,
        client_ip(&req, state.config.trusted_proxies),
        req.headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
        token,
    );
    req.extensions_mut().insert(ctx);
    let mut res = next.run(req).await;
    if stale_cookie && !res.headers().contains_key(header::SET_COOKIE) {
        clear_cookie(&mut res, &state);
    }
    res
}

/// The caller's confirmed session, or a 401 answer saying `message`.
pub fn require_session(
    req: &Request,
    message: &'static str,
) -> Result<store::sessions::SessionInfo, (StatusCode, &'static str)> {
    req.extensions()
        .get::<RequestCtx>()
        .and_then(|c| c.session.clone())
        .filter(|s| s.is_full())
        .ok_or((StatusCode::UNAUTHORIZED, message))
}

pub fn clear_cookie(res: &mut Response, state: &AppState) {
    if let Ok(v) = HeaderValue::from_str(&state.app_config.session_cookie("", Some(0))) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Refuses state-changing requests that a browser says come from another site (CSRF defence on top
/// of SameSite cookies): by `Sec-Fetch-Site`, else by `Origin` against the request's own host.
/// A page's Content-Security-Policy: its inline scripts run by `nonce`, its WASM may compile.
fn csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )
}

/// This response's CSP nonce, made before the page renders: the page's scripts carry it (see the
/// app's context in main.rs) and [`page_csp`] puts it in the header.
#[derive(Clone)]
pub struct PageNonce(pub std::sync::Arc<str>);

/// Gives each request a [`PageNonce`] and every HTML response the page CSP with it. The page CSP
/// used to be set by the shell through Leptos' ResponseOptions, and about one page load in a
/// hundred reached the browser without it (found by end2end/tests/fixtures.ts, reproduced by
/// end2end/bench/csp-loop.mjs), so its scripts were refused and the page never started.
pub async fn page_csp(mut req: Request, next: Next) -> Response {
    let nonce = leptos::nonce::Nonce::new().as_inner().clone();
    req.extensions_mut().insert(PageNonce(nonce.clone()));
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html && let Ok(v) = HeaderValue::from_str(&csp(&nonce)) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

pub async fn origin_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if matches!(fetch_site, Some("cross-site" | "same-site")) {
        return forbidden();
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let authority = origin.split_once("://").map(|(_, a)| a).unwrap_or("");
        let same_host = !host.is_empty() && authority == host;
        let configured = state.config.public_origin.as_deref() == Some(origin);
        if !(same_host || configured) {
            return forbidden();
        }
    }
    next.run(req).await
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "Запрос отклонён: он отправлен с другого сайта",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Attack: write your own `X-Forwarded-For` to get a fresh address for every per-IP limit.
    #[test]
    fn forwarded_for_is_read_from_the_right() {
        // One proxy: it appended the real client (203.0.113.7); the rest the client wrote.
        let h = ["1.1.1.1, 2.2.2.2, 203.0.113.7"];
        assert_eq!(forwarded_client(&h, 1).as_deref(), Some("203.0.113.7"));
        // Two proxies: the outer one appended the client, the inner one the outer proxy.
        let h = ["6.6.6.6, 203.0.113.7, 10.0.0.2"];
        assert_eq!(forwarded_client(&h, 2).as_deref(), Some("203.0.113.7"));
        // Several header lines count as one list.
        let h = ["6.6.6.6", "203.0.113.7"];
        assert_eq!(forwarded_client(&h, 1).as_deref(), Some("203.0.113.7"));
        // Not behind a proxy, a chain shorter than configured, or garbage: the socket's address.
        assert_eq!(forwarded_client(&["1.1.1.1"], 0), None);
        assert_eq!(forwarded_client(&["203.0.113.7"], 2), None);
        assert_eq!(forwarded_client(&[], 1), None);
        assert_eq!(forwarded_client(&["1.1.1.1, evil"], 1), None);
    }

    #[test]
    fn next_is_encoded() {
        assert_eq!(
            encode_next("/policies/ab?x=1&y=я"),
            "/policies/ab%3Fx%3D1%26y%3D%D1%8F"
        );
    }

    #[test]
    fn cookies_are_found() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; kabinet_session=abc; b=2"),
        );
        assert_eq!(cookie_value(&h, "kabinet_session"), Some("abc".into()));
        assert_eq!(cookie_value(&h, "zzz"), None);
    }
}
