//! The Leptos app of «Кабинет страхователя»: the shell, the routes, and the features, each in its
//! own folder with its types, server functions and pages.

#![recursion_limit = "512"]

pub mod access;
pub mod auth;
pub mod clients;
pub mod codec;
pub mod components;
pub mod documents;
pub mod error;
pub mod files;
pub mod finance;
pub mod history;
pub mod live;
pub mod notices;
pub mod payments;
pub mod policies;
pub mod profile;
pub mod proxies;
pub mod reports;
pub mod requests;
pub mod sections;
pub mod security;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod staff;

use auth::{KeepAlive, Me, SwitchPolicyholder};
use domain::delegation::Need;
use error::AppError;
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{SsrMode, path};
use sections::*;

/// Bumped whenever who is logged in or whom they act for may have changed; data resources
/// depend on it and refetch.
#[derive(Clone, Copy)]
pub struct AuthEpoch(RwSignal<u32>);

impl AuthEpoch {
    pub fn get(&self) -> u32 {
        self.0.get()
    }

    pub fn bump(&self) {
        self.0.update(|n| *n += 1);
    }
}

type MeResource = crate::codec::Res<Result<Option<Me>, AppError>>;

/// Who may open a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Public,
    /// Only without a session (logged-in users go to the overview).
    Guest,
    /// A session whose account still needs confirming.
    Unconfirmed,
    /// A confirmed account.
    Account,
    /// A session that gave the password and still owes the second factor.
    SecondFactor,
}

/// The access rule of a page path; the server's middleware enforces it before rendering.
pub fn page_access(path: &str) -> Access {
    match path {
        "/login" | "/register" | "/recover" | "/recover/manual" => Access::Guest,
        "/confirm" => Access::Unconfirmed,
        "/login/code" => Access::SecondFactor,
        "/" | "/policies" | "/contributions" | "/charges" | "/security" | "/notices" | "/staff"
        | "/profile" | "/debts" | "/pay" | "/documents" | "/requests" | "/reports"
        | "/deadlines" | "/proxies" => Access::Account,
        p if p.starts_with("/policies/")
            || p.starts_with("/requests/")
            || p.starts_with("/payments/")
            || p.starts_with("/contributions/")
            || p.starts_with("/charges/")
            || p.starts_with("/reports/")
            || p.starts_with("/staff/") =>
        {
            Access::Account
        }
        _ => Access::Public,
    }
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let split_loader = split_loader_href(&options);
    #[cfg(not(feature = "ssr"))]
    let split_loader: Option<String> = None;
    view! {
        <!DOCTYPE html>
        <html lang="ru">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#0b4f8a"/>
                <meta name="description" content="Кабинет страхователя: полисы, взносы, начисления и документы"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                // The app starts only once this script, the main module and the WASM chunks'
                // loader (which the main module imports) are here, but Leptos asks for the loader
                // after the preloads of every chunk the page needs (about sixty), and a deferred
                // script is of low priority: over HTTP/1.1's six connections both waited behind
                // the chunks, and the start with them (6–9 s on a loaded 2-core machine, see
                // end2end/bench/start-stress.mjs). Asked for first and at high priority, they
                // come with the main module.
                <script src="/pwa.js" defer fetchpriority="high"></script>
                {split_loader.map(|href| view! { <link rel="modulepreload" href=href fetchpriority="high"/> })}
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The address of wasm-split's loader of WASM chunks (`/pkg/__wasm_split.<hash>.js`), read once
/// from the build's hash file beside the server binary, as Leptos finds it; `None` in a build
/// without hashed files or without split chunks.
#[cfg(feature = "ssr")]
fn split_loader_href(options: &LeptosOptions) -> Option<String> {
    static HREF: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    HREF.get_or_init(|| {
        if !options.hash_files {
            return None;
        }
        let hashes = std::env::current_exe()
            .ok()?
            .parent()?
            .join(options.hash_file.as_ref());
        let hashes = std::fs::read_to_string(hashes).ok()?;
        let hash = hashes
            .lines()
            .find_map(|l| l.trim().strip_prefix("split:").map(str::trim))?;
        let file = format!("__wasm_split.{hash}.js");
        let pkg = format!("{}/{}", options.site_root, options.site_pkg_dir);
        std::path::Path::new(&pkg)
            .join(&file)
            .exists()
            .then(|| format!("/{}/{file}", options.site_pkg_dir))
    })
    .clone()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let epoch = AuthEpoch(RwSignal::new(0));
    provide_context(epoch);
    let me: MeResource = crate::codec::resource(move || epoch.get(), |_| auth::get_me());
    provide_context(me);
    let live = live::Live::new();
    provide_context(live);
    live::run(
        live,
        Memo::new(move |_| {
            me.get()
                .and_then(Result::ok)
                .flatten()
                .filter(|m| m.confirmed)
                .map(|m| m.full_name)
        }),
    );
    // True while a link's page is on its way: its section's code and its data. The old page stays
    // until the new one is whole (the router waits for the resources the page reads), so nothing
    // jumps; a bar at the top shows that the click was taken.
    let routing = RwSignal::new(false);
    view! {
        <Title text="Кабинет страхователя"/>
        <Router set_is_routing=routing.write_only()>
            <a class="skip-link" href="#main">"Перейти к содержанию"</a>
            {mode_banner().map(|text| view! {
                <aside id="mode-banner" class="mode-banner" aria-label="Режим работы">
                    <p>{text}</p>
                </aside>
            })}
            <div class="route-progress" class:active=move || routing.get() aria-hidden="true"></div>
            <Header me/>
            <main id="main" class="container" tabindex="-1" aria-busy=move || routing.get().then_some("true")>
                // Pages with data render whole on the server (SsrMode::Async): they read fully
                // without JavaScript, their <title> reflects the data, and a missing object
                // answers 404. The data queries take milliseconds.
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Lazily(Page::Overview) ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=Lazily(Page::Login)/>
                    <Route path=path!("/login/code") view=Lazily(Page::SecondFactor) ssr=SsrMode::Async/>
                    <Route path=path!("/register") view=Lazily(Page::Register)/>
                    <Route path=path!("/recover") view=Lazily(Page::Recover)/>
                    <Route path=path!("/recover/manual") view=Lazily(Page::AccessRequest)/>
                    <Route path=path!("/recover/manual/status") view=Lazily(Page::AccessStatus) ssr=SsrMode::Async/>
                    <Route path=path!("/recover/manual/password") view=Lazily(Page::AccessLink) ssr=SsrMode::Async/>
                    <Route path=path!("/confirm") view=Lazily(Page::Confirm) ssr=SsrMode::Async/>
                    <Route path=path!("/policies") view=Lazily(Page::Policies) ssr=SsrMode::Async/>
                    <Route path=path!("/policies/:id") view=Lazily(Page::Policy) ssr=SsrMode::Async/>
                    <Route path=path!("/contributions") view=Lazily(Page::Contributions) ssr=SsrMode::Async/>
                    <Route path=path!("/contributions/:id") view=Lazily(Page::Contribution) ssr=SsrMode::Async/>
                    <Route path=path!("/charges") view=Lazily(Page::Charges) ssr=SsrMode::Async/>
                    <Route path=path!("/debts") view=Lazily(Page::Debts) ssr=SsrMode::Async/>
                    <Route path=path!("/pay") view=Lazily(Page::Pay) ssr=SsrMode::Async/>
                    <Route path=path!("/payments/:id") view=Lazily(Page::Payment) ssr=SsrMode::Async/>
                    <Route path=path!("/documents") view=Lazily(Page::Documents) ssr=SsrMode::Async/>
                    <Route path=path!("/history") view=Lazily(Page::History) ssr=SsrMode::Async/>
                    <Route path=path!("/check/:code") view=Lazily(Page::Check) ssr=SsrMode::Async/>
                    <Route path=path!("/policies/:id/request") view=Lazily(Page::NewRequest) ssr=SsrMode::Async/>
                    <Route path=path!("/requests") view=Lazily(Page::Requests) ssr=SsrMode::Async/>
                    <Route path=path!("/requests/:id") view=Lazily(Page::Request) ssr=SsrMode::Async/>
                    <Route path=path!("/staff/requests") view=Lazily(Page::StaffRequests) ssr=SsrMode::Async/>
                    <Route path=path!("/staff/requests/:id") view=Lazily(Page::StaffRequest) ssr=SsrMode::Async/>
                    <Route path=path!("/security") view=Lazily(Page::Security) ssr=SsrMode::Async/>
                    <Route path=path!("/profile") view=Lazily(Page::Profile) ssr=SsrMode::Async/>
                    <Route path=path!("/notices") view=Lazily(Page::Notices) ssr=SsrMode::Async/>
                    <Route path=path!("/proxies") view=Lazily(Page::Proxies) ssr=SsrMode::Async/>
                    <Route path=path!("/clients") view=Lazily(Page::Clients) ssr=SsrMode::Async/>
                    <Route path=path!("/clients/debts") view=Lazily(Page::ClientDebts) ssr=SsrMode::Async/>
                    <Route path=path!("/staff") view=Lazily(Page::Staff) ssr=SsrMode::Async/>
                    <Route path=path!("/reports") view=Lazily(Page::Reports) ssr=SsrMode::Async/>
                    <Route path=path!("/deadlines") view=Lazily(Page::Deadlines) ssr=SsrMode::Async/>
                    <Route path=path!("/reports/new/:kind") view=Lazily(Page::ReportForm) ssr=SsrMode::Async/>
                    <Route path=path!("/reports/:id") view=Lazily(Page::Report) ssr=SsrMode::Async/>
                    <Route path=path!("/staff/reports") view=Lazily(Page::StaffReports) ssr=SsrMode::Async/>
                    <Route path=path!("/staff/reports/:id") view=Lazily(Page::StaffReport) ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="site-footer">
                <div class="container">"Кабинет страхователя · время указано московское"</div>
            </footer>
            <IdleWatch me/>
            <TrackNavigation/>
        </Router>
    }
}

/// The notice of demo and staging modes (payments not made, messages kept in the outbox), on top
/// of every page. The server has it from its configuration; in the browser it is read back from
/// the page the server rendered, so hydration finds the same nodes.
fn mode_banner() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        use_context::<ssr::AppConfig>().and_then(|c| c.banner)
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        document()
            .get_element_by_id("mode-banner")
            .and_then(|e| e.text_content())
            .filter(|t| !t.is_empty())
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        None
    }
}

#[component]
fn Header(me: MeResource) -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let switch = ServerAction::<SwitchPolicyholder>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = switch.value().get() {
            epoch.bump();
        }
    });
    view! {
        <header class="site-header">
            <div class="container header-row">
                <a class="brand" href="/">"Кабинет страхователя"</a>
                <Transition fallback=|| ()>
                    {move || me.get().and_then(Result::ok).flatten().map(|m| {
                        let confirmed = m.confirmed;
                        let acting = m.acting.clone().map(|a| a.id).unwrap_or_default();
                        let many = m.policyholders.len() > 1;
                        let staff = m.is_staff;
                        // Links to what the authority acted through does not allow are not shown
                        // (the pages answer «не найдено» anyway).
                        let may = |need| m.acting.as_ref().is_none_or(|a| a.allows(need));
                        let (reports, whole) = (may(Need::Report), may(Need::Whole));
                        view! {
                            {confirmed.then(|| view! {
                                <nav aria-label="Разделы кабинета" class="main-nav">
                                    <A href="/" exact=true>"Обзор"</A>
                                    <A href="/policies">"Мои полисы"</A>
                                    <A href="/contributions">"Взносы"</A>
                                    <A href="/charges">"Начисления"</A>
                                    <A href="/debts">"Задолженности"</A>
                                    {reports.then(|| view! { <A href="/requests">"Запросы"</A> })}
                                    {whole.then(|| view! { <A href="/documents">"Документы"</A> })}
                                    {whole.then(|| view! { <A href="/history">"История операций"</A> })}
                                    {reports.then(|| view! { <A href="/reports">"Отчётность"</A> })}
                                    <notices::NoticesLink/>
                                    {many.then(|| view! { <A href="/clients">"Мои клиенты"</A> })}
                                    <A href="/proxies">"Доверенности"</A>
                                    <A href="/profile">"Профиль"</A>
                                    <A href="/security">"Безопасность"</A>
                                    {staff.then(|| view! { <A href="/staff">"Сотруднику"</A> })}
                                </nav>
                            })}
                            <div class="who">
                                {many.then(|| {
                                    let acting = acting.clone();
                                    view! {
                                        <label for="acting" class="who-label">"Действую от имени"</label>
                                        <select id="acting" name="policyholder_id" on:change=move |ev| {
                                            switch.dispatch(SwitchPolicyholder { policyholder_id: event_target_value(&ev) });
                                        }>
                                            {m.policyholders.iter().map(|p| {
                                                let selected = p.id == acting;
                                                view! {
                                                    <option value=p.id.clone() selected=selected>
                                                        {format!("{} — {}", p.name, p.role_label())}
                                                    </option>
                                                }
                                            }).collect_view()}
                                        </select>
                                    }
                                })}
                                {(!many).then(|| m.acting.clone().map(|a| view! {
                                    <span class="who-label">"Действую от имени: " <strong>{a.name}</strong></span>
                                }))}
                                {m.acting.clone().filter(|a| a.role != "self").map(|a| view! {
                                    <span class="who-basis">{a.authority_label()}</span>
                                })}
                                <span class="who-name">{m.full_name.clone()}</span>
                                <live::LiveIndicator/>
                                <form method="post" action="/logout" class="logout">
                                    <button type="submit" class="btn btn-small">"Выйти"</button>
                                </form>
                            </div>
                        }
                    })}
                </Transition>
            </div>
        </header>
    }
}

/// Warns a minute before the idle timeout ends the session, and goes to the login page when it has.
#[component]
fn IdleWatch(me: MeResource) -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let timeout = Memo::new(move |_| {
        me.get()
            .and_then(Result::ok)
            .flatten()
            .map(|m| m.idle_timeout_secs)
    });
    let last = RwSignal::new(0.0f64);
    let remaining = RwSignal::new(i64::MAX);
    let keep = ServerAction::<KeepAlive>::new();
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        epoch.get();
        keep.version().get();
        last.set(now_ms());
        remaining.set(i64::MAX);
    });
    #[cfg(feature = "hydrate")]
    {
        let done = RwSignal::new(false);
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if let Some(t) = timeout.get_untracked() {
                    let left = t - ((now_ms() - last.get_untracked()) / 1000.0) as i64;
                    remaining.set(left);
                    if left <= 0 && !done.get_untracked() {
                        done.set(true);
                        leptos::task::spawn_local(async move {
                            let _ = auth::idle_logout().await;
                            let _ = window().location().set_href("/login?expired=1");
                        });
                    }
                }
            },
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    view! {
        <Show when={move || timeout.get().is_some() && remaining.get() <= 60}>
            <div class="idle-warning" role="alertdialog" aria-modal="false" aria-labelledby="idle-title" aria-describedby="idle-text">
                <h2 id="idle-title">"Сеанс скоро завершится"</h2>
                <p id="idle-text">{move || format!("Из-за бездействия сеанс завершится через {} с.", remaining.get().max(0))}</p>
                <div class="actions">
                    <button type="button" class="btn btn-primary" on:click=move |_| { keep.dispatch(KeepAlive {}); }>"Продолжить работу"</button>
                    <form method="post" action="/logout"><button type="submit" class="btn">"Выйти"</button></form>
                </div>
            </div>
        </Show>
    }
}

fn now_ms() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64
}

#[component]
pub(crate) fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Страница не найдена — Кабинет страхователя"/>
        <h1>"Страница не найдена"</h1>
        <p>"Такой страницы нет. " <a href="/">"На главную"</a></p>
    }
}
