//! The cabinet's server: configuration, the store, middleware, and the routes around leptos_axum.
//!
//! `server` serves; `server seed --scale N` loads the demo data set with N extra policyholders
//! into `DATABASE_URL` and exits (for benchmarks). Seeding refuses a database that has accounts
//! (the demo's known password must not land in a real one) unless
//! `--i-know-this-is-not-production` is given.

mod client_errors;
mod config;
mod dev;
mod http;
mod jobs;
mod live;
mod payments;
mod pwa;

use app::ssr::AppConfig;
use app::{App, shell};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use config::{Config, Mode};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use std::net::SocketAddr;
use std::sync::Arc;
use store::{Store, StoreConfig, StoreOptions};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The acquirer payments go through.
    pub acquirer: store::payments::Acquirer,
    /// Turns true when the server shuts down: live streams end so the shutdown is not held up.
    pub stop: tokio::sync::watch::Receiver<bool>,
    pub config: Arc<Config>,
    pub app_config: AppConfig,
    pub leptos: LeptosOptions,
    /// The browsers' error reports this process took (`POST /client-errors`).
    pub client_errors: Arc<client_errors::ClientErrors>,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos.clone()
    }
}

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("kabinet: {msg}");
    std::process::exit(1);
}

/// mimalloc instead of glibc's malloc: a server-side rendered page allocates and frees many small
/// strings and nodes, and under load glibc's malloc/free took a fifth of the server's CPU (perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let config = Config::from_env().unwrap_or_else(|e| fail(e));
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Production does not start pretending: every setting it lacks, one line each.
    let refusals = config.refusals();
    if args.first().map(String::as_str) != Some("seed") && !refusals.is_empty() {
        for line in &refusals {
            eprintln!("kabinet: {line}");
        }
        fail("не запущен: задайте настройки выше / not started: set the settings above");
    }

    if let Some(dir) = config
        .database_url
        .strip_prefix("sqlite://")
        .and_then(|p| std::path::Path::new(p).parent())
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .unwrap_or_else(|e| fail(format!("cannot create {}: {e}", dir.display())));
    }
    let mut options = StoreOptions::new(config.database_url.clone());
    options.max_connections = config.db_max_connections;
    options.config = StoreConfig {
        idle_timeout: chrono::Duration::seconds(config.idle_timeout_seconds),
        registrations_per_ip_hour: config.registrations_per_ip_hour,
        ..StoreConfig::default()
    };
    options.notifier.outbox = config.outbox();
    options.notifier.smtp_url = config.smtp_url.clone();
    options.notifier.mail_from = config.mail_from.clone();
    if let Some(gateway) = config.sms_gateway() {
        let gateway = gateway.unwrap_or_else(|e| fail(e));
        options.notifier.sms = Some(Arc::new(gateway));
    }
    let store = Store::open(options)
        .await
        .unwrap_or_else(|e| fail(format!("database: {e}")));

    if args.first().map(String::as_str) == Some("seed") {
        let accounts = store
            .account_count()
            .await
            .unwrap_or_else(|e| fail(format!("seed: {e}")));
        if accounts > 0 && !args.iter().any(|a| a == "--i-know-this-is-not-production") {
            fail(format!(
                "seed: в базе уже {accounts} учётных записей — демо-входы с известным паролем сюда не пишутся \
                 (если это не рабочая база: --i-know-this-is-not-production) / \
                 the database has accounts; refusing to add demo logins with a known password"
            ));
        }
        let scale = args
            .iter()
            .position(|a| a == "--scale")
            .and_then(|i| args.get(i + 1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let started = std::time::Instant::now();
        match store.load_demo(scale).await {
            Ok(Some(s)) => println!(
                "loaded {} policyholders, {} policies, {} contributions, {} charges in {:.1} s",
                s.policyholders,
                s.policies,
                s.contributions,
                s.charges,
                started.elapsed().as_secs_f64()
            ),
            Ok(None) => println!("demo data was already loaded"),
            Err(e) => fail(format!("seed: {e}")),
        }
        return;
    }

    if config.mode == Mode::Demo {
        match store.load_demo(config.demo_scale).await {
            Ok(Some(s)) => tracing::info!(
                policyholders = s.policyholders,
                policies = s.policies,
                "demo data loaded"
            ),
            Ok(None) => {}
            Err(e) => fail(format!("demo data: {e}")),
        }
    }

    let conf_file = std::env::var("LEPTOS_CONFIG").unwrap_or_else(|_| "Leptos.toml".into());
    let conf = if std::path::Path::new(&conf_file).exists() {
        get_configuration(Some(&conf_file))
    } else {
        get_configuration(None)
    }
    .unwrap_or_else(|e| fail(format!("Leptos configuration: {e}")));
    let leptos = conf.leptos_options;
    let addr = leptos.site_addr;
    // Where the QR codes of documents point.
    store::documents::set_check_origin(
        &config
            .public_origin
            .clone()
            .filter(|o| !o.is_empty())
            .unwrap_or_else(|| format!("http://{addr}")),
    );

    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let acquirer = payments::sandbox(
        &store,
        addr,
        config.sandbox_delay_ms,
        config.sandbox_timeout_seconds,
        stop.clone(),
    )
    .await
    .unwrap_or_else(|e| fail(format!("sandbox acquirer: {e}")));
    // The sandbox is the only provider there is: `refusals` kept production from getting here.
    let state = AppState {
        store: store.clone(),
        acquirer: acquirer.clone(),
        stop: stop.clone(),
        app_config: AppConfig {
            cookie_secure: config.cookie_secure,
            dev_mode: config.mode == Mode::Demo,
            public_origin: config.public_origin.clone(),
            links_from_host: config.mode == Mode::Demo,
            banner: config.banner(),
        },
        config: Arc::new(config),
        leptos: leptos.clone(),
        client_errors: Arc::default(),
    };
    let app = router(state.clone());
    let jobs = tokio::spawn(jobs::run(
        store.clone(),
        acquirer,
        std::time::Duration::from_secs(state.config.job_tick_seconds),
        stop,
    ));

    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|e| fail(format!("cannot listen on {addr}: {e}")));
    if state.config.mode == Mode::Demo {
        print_demo_banner(&addr);
    }
    tracing::info!(%addr, backend = store.backend(), "listening");
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        // Without it a page sent in several writes waits ~40 ms on Nagle + delayed ACK.
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown().await;
        let _ = stop_tx.send(true);
    })
    .await
    .unwrap_or_else(|e| fail(format!("server: {e}")));
    let _ = jobs.await;
    store.close().await;
    tracing::info!("stopped");
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

fn print_demo_banner(addr: &SocketAddr) {
    println!(
        "\n  Кабинет страхователя: http://{addr}\n\n  Демо-входы (пароль {pw}):\n    demo@example.ru    гражданин, 3 полиса, есть задолженность\n    rep@example.ru     представитель ООО «Ромашка» и страхователь сам\n    broker@example.ru  брокер, 6 клиентов\n    staff@example.ru   сотрудник страховщика; второй фактор — приложение-аутентификатор\n                       с ключом {totp} (добавьте его в приложение вручную)\n\n  Регистрация: коды подтверждения — на http://{addr}/dev/outbox\n",
        pw = store::demo::DEMO_PASSWORD,
        totp = store::demo::DEMO_STAFF_TOTP_SECRET
    );
}

pub fn router(state: AppState) -> Router {
    let leptos = state.leptos.clone();
    let routes = generate_route_list(App);
    let context = {
        let store = state.store.clone();
        let app_config = state.app_config.clone();
        let acquirer = state.acquirer.clone();
        move || {
            // Each request its own handle: it remembers the authorities checked while serving it.
            provide_context(store.for_request());
            provide_context(acquirer.clone());
            provide_context(app_config.clone());
            // The nonce the server's page_csp layer made for this request (its header carries it).
            match use_context::<axum::http::request::Parts>()
                .and_then(|p| p.extensions.get::<http::PageNonce>().cloned())
            {
                Some(n) => provide_context(leptos::nonce::Nonce::from_value(n.0)),
                None => leptos::nonce::provide_nonce(),
            }
        }
    };
    let server_fns = {
        let context = context.clone();
        move |req: axum::extract::Request| {
            let context = context.clone();
            async move { handle_server_fns_with_context(context, req).await }
        }
    };
    let pkg_dir = format!("{}/{}", leptos.site_root, leptos.site_pkg_dir);
    let worker = Arc::new(pwa::service_worker_source(&leptos.site_root, &pkg_dir));
    let pkg = Router::new()
        .fallback_service(
            ServeDir::new(pkg_dir)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(if leptos.hash_files {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            }),
        ));

    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/sw.js",
            get(move || {
                let worker = worker.clone();
                async move { pwa::service_worker_response(&worker) }
            }),
        )
        .route("/events", get(live::events))
        .route("/contributions/{id}/notice.pdf", get(contribution_notice))
        .route("/calendar/{file}", get(calendar_feed))
        .route("/documents/{file}", get(payments::document))
        .route("/payments/webhook", post(payments::webhook))
        .route("/staff/reviews/{id}/scan", get(review_scan))
        .route("/staff/documents/{file}", get(staff_document))
        .route("/files/{id}", get(attachment))
        .route("/policies/{id}/documents/{kind}", post(policy_document))
        .route(
            "/profile/my-data.json",
            get(|s: State<AppState>, r: Request| my_data(s, r, false)),
        )
        .route(
            "/profile/my-data.pdf",
            get(|s: State<AppState>, r: Request| my_data(s, r, true)),
        )
        .route("/logout", post(logout))
        .route(
            "/client-errors",
            post(client_errors::report).layer(axum::extract::DefaultBodyLimit::max(
                client_errors::MAX_BODY,
            )),
        )
        .route(
            "/contributions/export.xlsx",
            get(|s: State<AppState>, r: Request| export(s, r, Table::Contributions, Kind::Xlsx)),
        )
        .route(
            "/contributions/export.pdf",
            get(|s: State<AppState>, r: Request| export(s, r, Table::Contributions, Kind::Pdf)),
        )
        .route(
            "/charges/export.xlsx",
            get(|s: State<AppState>, r: Request| export(s, r, Table::Charges, Kind::Xlsx)),
        )
        .route(
            "/charges/export.pdf",
            get(|s: State<AppState>, r: Request| export(s, r, Table::Charges, Kind::Pdf)),
        )
        .route("/history/export.xlsx", get(history_export))
        .route("/clients/debts/export.xlsx", get(client_debts_export))
        .route("/api/{*fn_name}", post(server_fns.clone()).get(server_fns))
        .nest_service("/pkg", pkg);
    if state.config.outbox() {
        app = app.route("/dev/outbox", get(dev::outbox));
    }
    if state.config.mode == Mode::Demo {
        app = app
            .route("/dev/expire-codes", post(dev::expire_codes))
            .route("/dev/client-errors", get(client_errors::list))
            .route("/dev/client-errors/take", post(client_errors::take))
            .route("/dev/staff", post(dev::staff_account))
            .route("/dev/citizen", post(dev::citizen_account));
    }
    let app = app
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let leptos = leptos.clone();
            move || shell(leptos.clone())
        })
        // An unknown address renders «Страница не найдена» with the same context as any page:
        // the store (a logged-in visitor's header needs it) and the CSP nonce.
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(axum::middleware::from_fn(http::page_csp))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::session_layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::origin_guard,
        ))
        .layer(RequestBodyLimitLayer::new(state.config.body_limit))
        .layer(CompressionLayer::new());
    let app = if state.config.cookie_secure {
        app.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        app
    };
    let app = with_security_headers(app)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid));
    // `make bench`'s ceiling: a bare axum route in the same process, without the app's layers.
    let app = if state.config.mode == Mode::Demo {
        app.merge(Router::new().route("/bench/hello", get(|| async { "Hello, world!" })))
    } else {
        app
    };
    app.with_state(state)
}

/// Headers every response carries; a page's own CSP (with its script nonce) wins over the default.
fn with_security_headers(router: Router<AppState>) -> Router<AppState> {
    let h = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    router
        .layer(h(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(h(header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .layer(h(header::X_FRAME_OPTIONS, "DENY"))
        .layer(h(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ))
        .layer(h(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
        ))
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            format!(
                "{{\"status\":\"ok\",\"database\":\"{}\"}}",
                state.store.backend()
            ),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "{\"status\":\"unavailable\"}",
            )
                .into_response()
        }
    }
}

/// «Выйти»: a plain form POST, so it works before the WASM loads.
async fn logout(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    if let Some(ctx) = req.extensions().get::<app::ssr::RequestCtx>()
        && let Some(s) = &ctx.session
        && let Err(e) = state.store.end_session(s, &ctx.ip).await
    {
        tracing::error!(error = %e, "logout");
    }
    let mut res = Redirect::to("/login").into_response();
    http::clear_cookie(&mut res, &state);
    res
}

/// «Извещение на оплату» of one contribution of the acting policyholder.
async fn contribution_notice(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    req: Request,
) -> Response {
    let session = match crate::http::require_session(&req, "Войдите в кабинет") {
        Ok(s) => s,
        Err(refusal) => return refusal.into_response(),
    };
    let store = &state.store;
    let result = match store.acting_policyholder(&session).await {
        Ok(ph) => {
            store
                .contribution_notice_pdf(&session.account_id, &ph.id, &id)
                .await
        }
        Err(e) => Err(e),
    };
    file_response(result, "application/pdf", "izveshchenie.pdf".into())
}

/// The private iCal feed of «Сроки»: the token in the address is the key (`/calendar/{token}.ics`).
async fn calendar_feed(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    let token = file.trim_end_matches(".ics");
    let result = state
        .store
        .calendar_feed(token)
        .await
        .map(String::into_bytes);
    file_response(result, "text/calendar; charset=utf-8", "sroki.ics".into())
}

/// An attached file, for its uploader, those with authority over its policyholder, and staff
/// (others get "not found"). Sent as a download under its own name, never rendered inline.
async fn attachment(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    req: Request,
) -> Response {
    let account = match account_of(&req) {
        Ok(a) => a,
        Err(refusal) => return *refusal,
    };
    private_file(
        state
            .store
            .attachment_content(&account, &id)
            .await
            .map(|(file, bytes)| (file.mime, content_disposition(&file.name), bytes)),
    )
}

/// The scan of a profile change under review, for staff only (others get "not found"). Sent as a
/// download like every uploaded file (see [`private_file`]): a scan is the citizen's upload, and
/// shown inline a crafted one would run in the cabinet's origin with the staff's session.
async fn review_scan(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    req: Request,
) -> Response {
    let account = match account_of(&req) {
        Ok(a) => a,
        Err(refusal) => return *refusal,
    };
    private_file(
        state
            .store
            .staff_review_scan(&account, &id)
            .await
            .map(|(mime, bytes)| {
                let name = scan_file_name(&id, &mime);
                (mime, content_disposition(&name), bytes)
            }),
    )
}

/// A document attached to a request, for staff only (others get "not found").
async fn staff_document(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
    req: Request,
) -> Response {
    let account = match account_of(&req) {
        Ok(a) => a,
        Err(refusal) => return *refusal,
    };
    let Some(id) = file.strip_suffix(".pdf") else {
        return (StatusCode::NOT_FOUND, "Не найдено").into_response();
    };
    private_file(
        state
            .store
            .staff_document_pdf(&account, id)
            .await
            .map(|(name, bytes)| {
                (
                    "application/pdf".to_string(),
                    content_disposition(&name),
                    bytes,
                )
            }),
    )
}

/// The account of a confirmed session, or the refusal to send.
fn account_of(req: &Request) -> Result<String, Box<Response>> {
    crate::http::require_session(req, "Войдите в кабинет")
        .map(|s| s.account_id)
        .map_err(|e| Box::new(e.into_response()))
}

/// The download name of a review's scan: `skan-<review>.<ext of its type>`.
fn scan_file_name(review_id: &str, mime: &str) -> String {
    let ext = match domain::files::FileKind::from_mime(mime) {
        Some(domain::files::FileKind::Pdf) => "pdf",
        Some(domain::files::FileKind::Jpeg) => "jpg",
        Some(domain::files::FileKind::Png) => "png",
        None => "bin",
    };
    domain::files::clean_name(&format!("skan-{review_id}.{ext}"))
}

/// A file only its authorised readers get: its type, its `Content-Disposition` and its bytes,
/// never cached on the way; or the error («Не найдено» for anybody without authority). Uploaded
/// bytes are somebody else's content: `nosniff` keeps the browser to the checked type, and
/// `CSP: sandbox` makes a file opened anyway (a PDF viewer, "open in a new tab") a page of a
/// unique origin without scripts, forms or the session.
fn private_file(result: store::StoreResult<(String, String, Vec<u8>)>) -> Response {
    match result {
        Ok((mime, disposition, bytes)) => (
            [
                (header::CONTENT_TYPE, mime),
                (header::CONTENT_DISPOSITION, disposition),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
                (header::CONTENT_SECURITY_POLICY, "sandbox".to_string()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => file_response(Err(e), "", String::new()),
    }
}

/// `attachment` with an ASCII fallback name and the real one in RFC 5987 form.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// «Полис», «Заявление на выплату», «История страховых случаев» on a policy's page (a plain form
/// POST, so it works before the WASM loads): the document is made, or the same version found
/// again, and the browser is sent on to its PDF (303). "Not found" for a policy the caller has
/// no authority over and for other kinds.
async fn policy_document(
    State(state): State<AppState>,
    axum::extract::Path((policy_id, kind)): axum::extract::Path<(String, String)>,
    req: Request,
) -> Response {
    let session = match crate::http::require_session(&req, "Войдите в кабинет") {
        Ok(s) => s,
        Err(refusal) => return refusal.into_response(),
    };
    let ip = req
        .extensions()
        .get::<app::ssr::RequestCtx>()
        .map(|c| c.ip.clone())
        .unwrap_or_default();
    let store = &state.store;
    let result = match store.acting_policyholder(&session).await {
        Ok(ph) => {
            store
                .issue_policy_document(&session.account_id, &ph.id, &policy_id, &kind, &ip)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => Redirect::to(&format!("/documents/{id}.pdf")).into_response(),
        Err(e) => file_response(Err(e), "", String::new()),
    }
}

/// «Выгрузить мои данные»: JSON or PDF of what the cabinet keeps about the caller.
async fn my_data(State(state): State<AppState>, req: Request, pdf: bool) -> Response {
    let session = match crate::http::require_session(&req, "Войдите в кабинет") {
        Ok(s) => s,
        Err(refusal) => return refusal.into_response(),
    };
    let store = &state.store;
    let today = store.today();
    if pdf {
        file_response(
            store.personal_data_pdf(&session.account_id).await,
            "application/pdf",
            format!("moi-dannye-{today}.pdf"),
        )
    } else {
        file_response(
            store
                .personal_data(&session.account_id)
                .await
                .and_then(|v| {
                    serde_json::to_vec_pretty(&v)
                        .map_err(|e| store::StoreError::Internal(e.to_string()))
                }),
            "application/json; charset=utf-8",
            format!("moi-dannye-{today}.json"),
        )
    }
}

/// A generated file as a download, or the error as a status with a Russian text.
pub(crate) fn file_response(
    result: store::StoreResult<Vec<u8>>,
    mime: &'static str,
    filename: String,
) -> Response {
    file_response_as(result, mime, filename, Disposition::Attachment)
}

/// How the browser is to take a file.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Disposition {
    /// Saved as a download.
    Attachment,
    /// Shown in the browser (its PDF viewer), to read or print from there.
    Inline,
}

/// [`file_response`] with the disposition chosen.
pub(crate) fn file_response_as(
    result: store::StoreResult<Vec<u8>>,
    mime: &'static str,
    filename: String,
    disposition: Disposition,
) -> Response {
    let disposition = match disposition {
        Disposition::Attachment => "attachment",
        Disposition::Inline => "inline",
    };
    match result {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, mime.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("{disposition}; filename=\"{filename}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(store::StoreError::NotFound) => (StatusCode::NOT_FOUND, "Не найдено").into_response(),
        Err(e) => {
            let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_uppercase();
            tracing::error!(correlation_id = %id, error = %e, "file download");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Внутренняя ошибка, код {id}"),
            )
                .into_response()
        }
    }
}

/// The rows a download is of, from its query string; a date or page out of range is refused
/// (400, its Russian message naming the field), never dropped: a statement must hold exactly
/// the rows asked for.
fn export_query(
    query: &str,
    today: chrono::NaiveDate,
) -> Result<domain::query::TableQuery, Box<Response>> {
    domain::query::TableQuery::checked_from_query(query, today)
        .map_err(|problems| Box::new(bad_query(&problems)))
}

/// «Скачать XLSX» of «История всех операций»: the rows the query string selects, for the acting
/// policyholder.
async fn history_export(State(state): State<AppState>, req: Request) -> Response {
    let session = match crate::http::require_session(
        &req,
        "Войдите в кабинет, чтобы скачать историю операций",
    ) {
        Ok(s) => s,
        Err(refusal) => return refusal.into_response(),
    };
    let filter =
        match domain::history::HistoryFilter::checked_from_query(req.uri().query().unwrap_or("")) {
            Ok(f) => f,
            Err(problems) => return bad_query(&problems),
        };
    let store = &state.store;
    let result = match store.acting_policyholder(&session).await {
        Ok(ph) => {
            store
                .history_xlsx(&session.account_id, &ph.id, &filter)
                .await
        }
        Err(e) => Err(e),
    };
    file_response(
        result,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("istoriya-{}.xlsx", store.today()),
    )
}

/// «Скачать XLSX» of «Задолженности всех клиентов»: the debts the query string selects.
async fn client_debts_export(State(state): State<AppState>, req: Request) -> Response {
    let session = match crate::http::require_session(
        &req,
        "Войдите в кабинет, чтобы скачать задолженности клиентов",
    ) {
        Ok(s) => s,
        Err(refusal) => return refusal.into_response(),
    };
    let query = req.uri().query().unwrap_or("");
    let get = |key: &str| domain::query::query_value(query, key);
    let filter = match domain::clients::ClientFilter::checked(get("search"), get("overdue"), None) {
        Ok(f) => f,
        Err(problems) => return bad_query(&problems),
    };
    let store = &state.store;
    file_response(
        store.clients_debts_xlsx(&session.account_id, &filter).await,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("zadolzhennosti-klientov-{}.xlsx", store.today()),
    )
}

/// A download's query string that does not parse: its problems, in words.
fn bad_query(problems: &domain::FieldErrors) -> Response {
    let text: Vec<&str> = problems.0.iter().map(|e| e.message.as_str()).collect();
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.join("\n"),
    )
        .into_response()
}

/// Which table a download is of.
#[derive(Clone, Copy)]
enum Table {
    Contributions,
    Charges,
}

/// Which file a download is.
#[derive(Clone, Copy)]
enum Kind {
    Xlsx,
    Pdf,
}

/// «Скачать» XLSX or PDF: exactly the rows the query string selects, for the acting policyholder.
async fn export(State(state): State<AppState>, req: Request, table: Table, kind: Kind) -> Response {
    let session =
        match crate::http::require_session(&req, "Войдите в кабинет, чтобы скачать выписку")
        {
            Ok(s) => s,
            Err(refusal) => return refusal.into_response(),
        };
    let query = match export_query(req.uri().query().unwrap_or(""), state.store.today()) {
        Ok(q) => q,
        Err(refusal) => return *refusal,
    };
    let store = &state.store;
    let account = session.account_id.as_str();
    let (prefix, result) = match store.acting_policyholder(&session).await {
        Ok(ph) => match (table, kind) {
            (Table::Contributions, Kind::Xlsx) => (
                "vznosy",
                store.contributions_xlsx(account, &ph.id, &query).await,
            ),
            (Table::Contributions, Kind::Pdf) => (
                "vznosy",
                store.contributions_pdf(account, &ph.id, &query).await,
            ),
            (Table::Charges, Kind::Xlsx) => (
                "nachisleniya",
                store.charges_xlsx(account, &ph.id, &query).await,
            ),
            (Table::Charges, Kind::Pdf) => (
                "nachisleniya",
                store.charges_pdf(account, &ph.id, &query).await,
            ),
        },
        Err(e) => ("", Err(e)),
    };
    let (ext, mime) = match kind {
        Kind::Xlsx => (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        Kind::Pdf => ("pdf", "application/pdf"),
    };
    let name = format!("{prefix}-{}.{ext}", store.today());
    file_response(result, mime, name)
}

#[cfg(test)]
mod tests {
    use super::{content_disposition, export_query, private_file, scan_file_name};
    use axum::http::header;

    #[tokio::test]
    async fn a_download_with_a_date_out_of_range_is_refused_in_words() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default();
        let res = match export_query("from=2026-01-01&to=%2B262142-12-31&page=99999999999", today) {
            Err(res) => *res,
            Ok(q) => panic!("accepted {q:?}"),
        };
        assert_eq!(res.status(), 400);
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&body),
            "Дата «по»: можно указать дату только с 01.01.1900 по 31.12.2100\n\
             Номер страницы: укажите целое число от 1 до 100000"
        );
        let ok = export_query("from=2026-01-01&to=2026-03-31", today).map_err(|r| r.status());
        assert_eq!(
            ok.map(|q| (q.from, q.to)),
            Ok((
                chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
                chrono::NaiveDate::from_ymd_opt(2026, 3, 31)
            ))
        );
    }

    #[test]
    fn private_files_are_sandboxed_downloads() {
        let name = scan_file_name("rev-1", "image/png");
        assert_eq!(name, "skan-rev-1.png");
        let res = private_file(Ok((
            "image/png".to_string(),
            content_disposition(&name),
            b"\x89PNG".to_vec(),
        )));
        assert_eq!(res.status(), 200);
        let h = |n: header::HeaderName| {
            res.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        assert_eq!(
            h(header::CONTENT_DISPOSITION),
            "attachment; filename=\"skan-rev-1.png\"; filename*=UTF-8''skan-rev-1.png"
        );
        assert_eq!(h(header::CONTENT_SECURITY_POLICY), "sandbox");
        assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(h(header::CONTENT_TYPE), "image/png");
        assert_eq!(h(header::CACHE_CONTROL), "private, no-store");
        // Nobody without authority gets the headers or the bytes: just «Не найдено».
        let res = private_file(Err(store::StoreError::NotFound));
        assert_eq!(res.status(), 404);
        assert!(res.headers().get(header::CONTENT_DISPOSITION).is_none());
    }

    #[test]
    fn download_names_keep_cyrillic_and_cannot_break_the_header() {
        assert_eq!(
            content_disposition("акт 1.pdf"),
            "attachment; filename=\"___ 1.pdf\"; filename*=UTF-8''%D0%B0%D0%BA%D1%82%201.pdf"
        );
        let h = content_disposition("a\";\r\nx.pdf");
        assert!(
            !h.contains('\r') && !h.contains('\n') && h.matches('"').count() == 2,
            "{h}"
        );
    }
}
