//! Server-side plumbing for server functions: the store, the caller's session and IP, cookies.
//! The axum middleware puts [`RequestCtx`] into every request's extensions.

use crate::error::{AppError, AppResult};
use http::HeaderValue;
use http::header::SET_COOKIE;
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use store::Store;
pub use store::sessions::{SessionInfo, Stage};

/// Settings the app needs at request time.
#[derive(Clone, Debug)]
pub struct AppConfig {
    pub cookie_secure: bool,
    pub dev_mode: bool,
    /// `PUBLIC_ORIGIN`: the address people open the cabinet at, for links in messages.
    pub public_origin: Option<String>,
    /// Links in messages may be made from the request's `Host` when `PUBLIC_ORIGIN` is unset:
    /// demo mode only. Elsewhere the `Host` header is the client's word and never goes into a link.
    pub links_from_host: bool,
    /// The notice every page shows at the top when payments or messages are not real (demo and
    /// staging modes): what is pretend, in Russian. `None` in production.
    pub banner: Option<String>,
}

impl AppConfig {
    pub fn cookie_name(&self) -> &'static str {
        if self.cookie_secure {
            "__Host-kabinet"
        } else {
            "kabinet_session"
        }
    }
}

/// What the middleware learned about a request.
#[derive(Clone, Debug)]
pub struct RequestCtx {
    pub session: Option<SessionInfo>,
    pub ip: String,
    pub user_agent: String,
    pub token: Option<String>,
    /// The acting policyholder, once [`acting`] has checked it in this request: a page's several
    /// resources (and the server functions they call while it renders) share the one check.
    pub acting: std::sync::Arc<std::sync::OnceLock<String>>,
}

impl RequestCtx {
    pub fn new(
        session: Option<SessionInfo>,
        ip: String,
        user_agent: String,
        token: Option<String>,
    ) -> Self {
        Self {
            session,
            ip,
            user_agent,
            token,
            acting: Default::default(),
        }
    }
}

pub fn store() -> AppResult<Store> {
    use_context::<Store>().ok_or_else(|| internal("store missing from context"))
}

pub fn acquirer() -> AppResult<store::payments::Acquirer> {
    use_context::<store::payments::Acquirer>()
        .ok_or_else(|| internal("acquirer missing from context"))
}

pub fn config() -> AppResult<AppConfig> {
    use_context::<AppConfig>().ok_or_else(|| internal("config missing from context"))
}

pub fn internal(what: &str) -> AppError {
    AppError::from(store::StoreError::Internal(what.to_string()))
}

pub fn request() -> AppResult<RequestCtx> {
    use_context::<Parts>()
        .and_then(|p| p.extensions.get::<RequestCtx>().cloned())
        .ok_or_else(|| internal("request context missing"))
}

/// The caller's live session at whatever stage (only for the idle keep-alive and logout).
pub fn any_session() -> AppResult<SessionInfo> {
    request()?.session.ok_or(AppError::Unauthorized)
}

/// The caller's session, which must be at `stage`: the one check every server function makes
/// of how far the login has come. The cabinet takes [`Stage::Full`] ([`session`]); the
/// confirmation page takes `Unconfirmed`, the second step of the login `SecondFactor`.
pub fn session_at(stage: Stage) -> AppResult<SessionInfo> {
    at_stage(request()?, stage)
}

/// The caller's full session: every step of the login passed.
pub fn session() -> AppResult<SessionInfo> {
    session_at(Stage::Full)
}

fn at_stage(req: RequestCtx, stage: Stage) -> AppResult<SessionInfo> {
    match req.session {
        Some(s) if s.stage == stage => Ok(s),
        _ => Err(AppError::Unauthorized),
    }
}

/// The policyholder the caller acts for, re-checked against the authorities in force today. If
/// the chosen one's authority has ended, the first one still in force; "not found" if none is.
pub async fn acting() -> AppResult<(SessionInfo, String)> {
    let req = request()?;
    let memo = req.acting.clone();
    let s = at_stage(req, Stage::Full)?;
    if let Some(id) = memo.get() {
        return Ok((s, id.clone()));
    }
    let id = store()?.acting_policyholder(&s).await?.id;
    let _ = memo.set(id.clone());
    Ok((s, id))
}

/// The cabinet's address for links in messages: `PUBLIC_ORIGIN` when set; in demo mode only, else
/// the address this request came to (`https` when cookies are Secure).
pub fn public_origin() -> AppResult<String> {
    let cfg = config()?;
    if let Some(o) = cfg.public_origin.filter(|o| !o.is_empty()) {
        return Ok(o.trim_end_matches('/').to_string());
    }
    if !cfg.links_from_host {
        return Err(internal(
            "PUBLIC_ORIGIN is not set: no link is made from the Host header",
        ));
    }
    let host = use_context::<Parts>()
        .and_then(|p| {
            p.headers
                .get(http::header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .ok_or_else(|| internal("no Host header"))?;
    let scheme = if cfg.cookie_secure { "https" } else { "http" };
    Ok(format!("{scheme}://{host}"))
}

/// Sets the HTTP status of the response to fit the error, and passes the error on.
/// A plain HTML form submission (no WASM yet) keeps leptos_axum's redirect back to the form,
/// which then shows the error; the WASM client gets the status.
pub fn fail<T>(e: AppError) -> AppResult<T> {
    let html_form = use_context::<Parts>().is_some_and(|p| {
        p.uri.path().starts_with("/api/")
            && p.headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
    });
    if html_form {
        return Err(e);
    }
    if let (Some(res), Ok(code)) = (
        use_context::<ResponseOptions>(),
        http::StatusCode::from_u16(e.status()),
    ) {
        res.set_status(code);
    }
    Err(e)
}

impl AppConfig {
    /// The `Set-Cookie` value of the session cookie: HttpOnly, SameSite=Lax, Secure behind TLS.
    /// `max_age: Some(0)` removes it.
    pub fn session_cookie(&self, value: &str, max_age: Option<i64>) -> String {
        let mut c = format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Lax",
            self.cookie_name()
        );
        if let Some(age) = max_age {
            c.push_str(&format!("; Max-Age={age}"));
        }
        if self.cookie_secure {
            c.push_str("; Secure");
        }
        c
    }
}

pub fn set_session_cookie(token: &str) -> AppResult<()> {
    let cfg = config()?;
    let res =
        use_context::<ResponseOptions>().ok_or_else(|| internal("response options missing"))?;
    let value = HeaderValue::from_str(&cfg.session_cookie(token, None))
        .map_err(|_| internal("bad cookie"))?;
    res.append_header(SET_COOKIE, value);
    Ok(())
}

pub fn clear_session_cookie() -> AppResult<()> {
    let cfg = config()?;
    let res =
        use_context::<ResponseOptions>().ok_or_else(|| internal("response options missing"))?;
    let value = HeaderValue::from_str(&cfg.session_cookie("", Some(0)))
        .map_err(|_| internal("bad cookie"))?;
    res.append_header(SET_COOKIE, value);
    Ok(())
}

/// A path inside the cabinet to go to after login: only a same-origin path, never another site,
/// and never the login pages. The value is resolved the way the browser will resolve it (the
/// WHATWG URL rules: tabs and newlines dropped, `\\` read as `/`) against this site, and kept only
/// if it stays on this site; what is answered is that resolved path, percent-encoded, so it is
/// always a valid `Location`. Control characters are refused outright.
pub fn safe_next(next: &str) -> String {
    const SITE: &str = "https://kabinet.invalid/";
    let fallback = || "/".to_string();
    if !next.starts_with('/') || next.chars().any(|c| c.is_control() || c == '\\') {
        return fallback();
    }
    let Ok(base) = url::Url::parse(SITE) else {
        return fallback();
    };
    let Ok(resolved) = base.join(next) else {
        return fallback();
    };
    if resolved.origin() != base.origin() || resolved.path().starts_with("/login") {
        return fallback();
    }
    let mut out = resolved.path().to_string();
    if let Some(q) = resolved.query() {
        out.push('?');
        out.push_str(q);
    }
    // `//x` would be read as another host by whoever reads the answer next.
    if out.starts_with("//") {
        return fallback();
    }
    out
}

/// Percent-encodes everything but unreserved characters and those in `keep`.
pub fn percent_encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes a value for a query string.
pub fn encode_query_value(s: &str) -> String {
    percent_encode(s, b"")
}

/// Shows a phone or e-mail with most of it hidden.
pub fn mask_contact(s: &str) -> String {
    domain::ids::mask_contact(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next("/policies?x=1"), "/policies?x=1");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("/login"), "/");
    }

    /// Attack: after a login, send the person to another site, or panic the redirect.
    #[test]
    fn next_cannot_leave_the_site_or_panic() {
        for evil in [
            "/%09/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/\\/evil.example",
            "\\\\evil.example",
            "/%01",
            "/\u{1}",
            "/\u{7f}",
            "https:evil.example",
            "/login/code",
            "/%2e%2e/login",
            "/policies/../login",
            "",
        ] {
            let to = safe_next(evil);
            assert!(
                to.starts_with('/') && !to.starts_with("//") && !to.starts_with("/login"),
                "{evil:?} → {to:?}"
            );
            assert!(
                http::HeaderValue::from_str(&to).is_ok(),
                "{evil:?} → {to:?}"
            );
            let resolved = url::Url::parse("https://kabinet.invalid/")
                .and_then(|b| b.join(&to))
                .map(|u| u.host_str().map(str::to_string));
            assert_eq!(resolved, Ok(Some("kabinet.invalid".into())), "{evil:?}");
        }
        assert_eq!(
            safe_next("/policies?year=2025&q=я"),
            "/policies?year=2025&q=%D1%8F"
        );
        assert_eq!(
            safe_next("/requests/ЗАП-1"),
            "/requests/%D0%97%D0%90%D0%9F-1"
        );
    }

    #[test]
    fn contacts_are_masked() {
        assert_eq!(mask_contact("petrov@example.ru"), "pe***@example.ru");
        assert_eq!(mask_contact("+79160000101"), "+7 *** ***-01-01");
    }
}
