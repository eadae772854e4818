//! The cabinet's pages, loaded by section. Each section's code is a WASM module of its own
//! (`cargo leptos build --split`): the browser fetches the shell, then the section of the page it
//! shows, not the whole cabinet. The server renders every page whole and preloads the modules of
//! the section it rendered, so hydration waits for one parallel fetch.
//!
//! A section is one split point, not one per page: ten modules, and the code that sections share
//! in chunks of its own (about a hundred files, where a split point per page made ~850). A module
//! that fails to load is tried again; one that still fails, or stalls, makes the page load whole
//! from the server once, and a page whose code cannot come even then stays as the server rendered
//! it (its forms post without the WASM).

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use leptos_router::ChooseView;

type Loaded = Result<AnyView, SplitLoaderError>;

/// Declares the pages and the sections they load in (each section one split point).
macro_rules! sections {
    ($(
        $section:ident, $preload:ident {
            $($route:ident => $($page:ident)::+),* $(,)?
        }
    )*) => {
        /// A page of the cabinet whose code is in a section.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Page {
            $($($route,)*)*
        }

        /// Starts loading the section of `page`.
        fn load(page: Page) -> LoadFuture {
            match page {
                $($(Page::$route)|* => Box::pin($section(page)),)*
            }
        }

        /// Fetches the section of `page` without showing it.
        #[cfg(feature = "hydrate")]
        async fn preload(page: Page) -> Result<(), SplitLoaderError> {
            match page {
                $($(Page::$route)|* => $preload().await,)*
            }
        }

        $(
            /// The pages of this section.
            mod $section {
                use super::*;

                pub(super) fn view(page: Page) -> AnyView {
                    match page {
                        $(Page::$route => $($page)::+().into_any(),)*
                        #[allow(unreachable_patterns)]
                        _ => crate::NotFound().into_any(),
                    }
                }
            }

            #[cfg(feature = "hydrate")]
            #[leptos::wasm_split::wasm_split(
                $section,
                wasm_split_path = ::leptos::wasm_split,
                fallible,
                preload($preload)
            )]
            fn $section(page: Page) -> Loaded {
                Ok($section::view(page))
            }

            #[cfg(not(feature = "hydrate"))]
            async fn $section(page: Page) -> Loaded {
                // The response preloads this section's chunks (and those it shares code with).
                #[cfg(feature = "ssr")]
                leptos::prefetch_lazy_fn_on_server(stringify!($section));
                Ok($section::view(page))
            }
        )*
    };
}

sections! {
    // The page most first visits open, apart from the rest of the guest pages (the second factor
    // included): its section is small, so the first visit stays within the bundle budget.
    login, preload_login {
        Login => crate::auth::LoginPage,
    }
    guest, preload_guest {
        SecondFactor => crate::auth::SecondFactorPage,
        Register => crate::auth::RegisterPage,
        Recover => crate::auth::RecoverPage,
        Confirm => crate::auth::ConfirmPage,
        AccessRequest => crate::access::AccessRequestPage,
        AccessStatus => crate::access::AccessStatusPage,
        AccessLink => crate::access::AccessLinkPage,
    }
    overview, preload_overview {
        Overview => crate::policies::OverviewPage,
    }
    policies, preload_policies {
        Policies => crate::policies::PoliciesPage,
        Policy => crate::policies::PolicyPage,
    }
    finance, preload_finance {
        Contributions => crate::finance::ContributionsPage,
        Contribution => crate::finance::ContributionPage,
        Charges => crate::finance::ChargesPage,
        Debts => crate::payments::DebtsPage,
        Pay => crate::payments::PayPage,
        Payment => crate::payments::PaymentPage,
    }
    records, preload_records {
        Documents => crate::documents::DocumentsPage,
        Check => crate::documents::CheckPage,
        NewRequest => crate::requests::NewRequestPage,
        Requests => crate::requests::RequestsPage,
        Request => crate::requests::RequestPage,
        Notices => crate::notices::NoticesPage,
        History => crate::history::HistoryPage,
    }
    account, preload_account {
        Security => crate::security::SecurityPage,
        Profile => crate::profile::ProfilePage,
        Proxies => crate::proxies::ProxiesPage,
        Clients => crate::clients::ClientsPage,
        ClientDebts => crate::clients::ClientDebtsView,
    }
    reports, preload_reports {
        Reports => crate::reports::ReportsPage,
        Deadlines => crate::reports::DeadlinesPage,
        ReportForm => crate::reports::ReportFormPage,
        Report => crate::reports::ReportPage,
    }
    staff, preload_staff {
        Staff => crate::staff::StaffPage,
        StaffRequests => crate::staff::StaffRequestsPage,
        StaffRequest => crate::staff::StaffRequestPage,
        StaffReports => crate::reports::StaffReportsPage,
        StaffReport => crate::reports::StaffReportPage,
    }
}

/// A page as a route's view: shown once its section is loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lazily(pub Page);

impl ChooseView for Lazily {
    fn choose(self) -> impl std::future::Future<Output = AnyView> {
        show(self.0)
    }

    fn preload(&self) -> impl std::future::Future<Output = ()> {
        arrive(self.0)
    }
}

type LoadFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Loaded>>>;

/// The page's view. Its section has arrived ([`arrive`]), so in the browser this is ready at once,
/// as hydration needs.
async fn show(page: Page) -> AnyView {
    match load(page).await {
        Ok(view) => view,
        Err(_) => {
            #[cfg(feature = "hydrate")]
            give_up().await;
            crate::NotFound().into_any()
        }
    }
}

/// On the server, the code is all there.
#[cfg(not(feature = "hydrate"))]
async fn arrive(_page: Page) {}

/// Fetches the section of `page`; the router waits for this before it hydrates or shows the page.
/// A failed load is tried three times in all (after 0.5 s and 2 s); one that still fails, or that
/// takes over 20 s, makes the page load whole from the server, once per address and tab. If even
/// that did not help, the page stays as the server rendered it and `data-boot-error` on `<body>`
/// says why.
#[cfg(feature = "hydrate")]
async fn arrive(page: Page) {
    use crate::live::sleep;
    use futures::future::{Either, select};
    if hydrated() {
        // A link was followed: let the click's frame (the bar at the top) paint first.
        after_paint().await;
    }
    let mut pause = 500;
    for _ in 0..3 {
        match select(Box::pin(preload(page)), Box::pin(sleep(20_000))).await {
            Either::Left((Ok(()), _)) => {
                forget_retry(&destination());
                return;
            }
            Either::Left((Err(_), _)) => sleep(pause).await,
            // A stalled fetch stays in flight, and a new attempt would wait for it.
            Either::Right(_) => break,
        }
        pause *= 4;
    }
    give_up().await
}

/// The section did not come: loads the page whole from the server (once), and never resolves, so
/// the router keeps the page as it is meanwhile.
#[cfg(feature = "hydrate")]
async fn give_up() {
    open_whole_once(&destination());
    std::future::pending().await
}

/// Whether the page has hydrated, i.e. the section asked for is a link's, not the first page's.
#[cfg(feature = "hydrate")]
fn hydrated() -> bool {
    document()
        .body()
        .is_some_and(|b| b.has_attribute("data-hydrated"))
}

/// Resolves once the browser has painted the next frame. Requesting a section starts one fetch per
/// chunk file (seventy for the finance pages): about 40 ms of a phone's main thread, which the
/// click would otherwise wait for before anything on screen answers it (INP). A hidden tab paints
/// no frames, so it waits at most 100 ms.
#[cfg(feature = "hydrate")]
async fn after_paint() {
    use futures::future::select;
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    request_animation_frame(move || {
        // Inside the frame's callback, a timeout runs after that frame is painted.
        set_timeout(
            move || {
                let _ = tx.send(());
            },
            std::time::Duration::ZERO,
        );
    });
    select(rx, Box::pin(crate::live::sleep(100))).await;
}

/// Placed inside the `<Router>`: keeps its location, so a section that cannot load can send the
/// browser to the address being opened (the address bar changes only once the page is ready).
#[component]
pub fn TrackNavigation() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    ROUTER_LOCATION.with(|l| *l.borrow_mut() = Some(leptos_router::hooks::use_location()));
}

#[cfg(feature = "hydrate")]
thread_local! {
    static ROUTER_LOCATION: std::cell::RefCell<Option<leptos_router::location::Location>> =
        const { std::cell::RefCell::new(None) };
}

/// The address being opened: the router's, else the address bar's.
#[cfg(feature = "hydrate")]
fn destination() -> String {
    let routed = ROUTER_LOCATION.with(|l| l.borrow().clone()).and_then(|l| {
        let path = l.pathname.try_get_untracked()?;
        let search = l.search.try_get_untracked().unwrap_or_default();
        Some(match search.trim_start_matches('?') {
            "" => path,
            q => format!("{path}?{q}"),
        })
    });
    routed.unwrap_or_else(|| {
        let l = window().location();
        format!(
            "{}{}",
            l.pathname().unwrap_or_default(),
            l.search().unwrap_or_default()
        )
    })
}

/// Where [`open_whole_once`] notes the address it loaded whole.
#[cfg(feature = "hydrate")]
const RETRY_KEY: &str = "kabinet-chunk-retry";

/// Whether [`open_whole_once`] has already loaded `to` whole in this tab.
#[cfg(feature = "hydrate")]
fn retried(storage: &web_sys::Storage, to: &str) -> bool {
    storage
        .get_item(RETRY_KEY)
        .ok()
        .flatten()
        .is_some_and(|h| h == to)
}

/// The section of `to` has loaded: a later failure there may load it whole once more.
#[cfg(feature = "hydrate")]
fn forget_retry(to: &str) {
    if let Some(s) = window().session_storage().ok().flatten()
        && retried(&s, to)
    {
        let _ = s.remove_item(RETRY_KEY);
    }
}

/// Loads `to` whole from the server, once per address and tab; the second time, the page stays as
/// it is and says why on `<body data-boot-error>`.
#[cfg(feature = "hydrate")]
fn open_whole_once(to: &str) {
    let window = window();
    let storage = window.session_storage().ok().flatten();
    if storage.as_ref().is_some_and(|s| retried(s, to)) {
        if let Some(body) = document().body() {
            let _ = body.set_attribute(
                "data-boot-error",
                "the code of this page's section did not load",
            );
        }
        return;
    }
    if let Some(s) = storage {
        let _ = s.set_item(RETRY_KEY, to);
        // public/pwa.js marks the page it lands on `data-reloaded`: the healing stays visible.
        let _ = s.set_item(
            "kabinet-reloaded",
            "the code of the page's section did not load; the page was loaded whole",
        );
    }
    let _ = window.location().assign(to);
}

/// Slack at the end of the constant data, which no code reads.
///
/// `wasm-split` moves each section's constant data (its texts, vtables, tables) into the section's
/// own module, so that the shell carries only its own. To do so it lays every module's data out
/// anew within the linker's data segment, and alignment adds a few bytes; when the new layout
/// comes out even a little longer than the segment, it keeps the whole segment in the shell (about
/// 160 KB more for the shell, 45 KB as sent). This slack gives the new layout room. It is never
/// copied into any module, as nothing refers to it.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
#[used]
static SPLIT_DATA_SLACK: [u8; 4096] = [0x5a; 4096];
