//! Live updates in the browser: one `EventSource` on `/events` per logged-in tab (gloo-net).
//! Each event bumps a counter that the pages' resources depend on, so the data they show is
//! fetched again without a reload: `finance` for the balance and the finance tables, `notices`
//! for the notices, `requests` for requests and documents. The browser itself reconnects after a dropped connection and sends
//! `Last-Event-ID`, so the server replays what was missed; when the stream is closed for good
//! (server restart refused, 401) a new one is opened with backoff, from the last id seen.
//! The header shows whether the tab is connected.

use leptos::prelude::*;

/// Whether the live stream is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    /// Not logged in, or not started yet (before hydration).
    Off,
    Connecting,
    Online,
    Offline,
}

#[derive(Clone, Copy)]
pub struct Live {
    pub status: RwSignal<LiveStatus>,
    /// Bumped when a policyholder's balance, charges or contributions changed.
    pub finance: RwSignal<u32>,
    /// Bumped when the account's notices changed.
    pub notices: RwSignal<u32>,
    /// Bumped when a request (status, thread) or a document of a policyholder changed; for staff,
    /// when any request changed (the staff queue and request pages follow it).
    pub requests: RwSignal<u32>,
}

impl Live {
    pub fn new() -> Self {
        Live {
            status: RwSignal::new(LiveStatus::Off),
            finance: RwSignal::new(0),
            notices: RwSignal::new(0),
            requests: RwSignal::new(0),
        }
    }

    /// Routes one event's `kind:payload` to the counter it concerns.
    pub fn dispatch(&self, data: &str) {
        let kind = data.split_once(':').map(|(k, _)| k).unwrap_or(data);
        match kind {
            // A payment's state changed: its page and the debts follow the finance counter.
            "balance" | "payment" => self.finance.update(|n| *n += 1),
            "notice" => self.notices.update(|n| *n += 1),
            "request" | "document" => self.requests.update(|n| *n += 1),
            // The session this stream was opened for has ended (elsewhere, or by time): the
            // reload lands on the login page, or simply reloads if a new session has begun.
            // An authority this page was shown through was revoked or has ended: the reload
            // shows what the account may see now (its own record, or «не найдено»).
            "revoked" => {
                #[cfg(feature = "hydrate")]
                let _ = window().location().reload();
            }
            "logout" => {
                #[cfg(feature = "hydrate")]
                let _ = window().location().reload();
            }
            _ => {}
        }
    }
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

/// Keeps one stream open while `account` is Some; a change of account restarts it.
pub fn run(live: Live, account: Memo<Option<String>>) {
    #[cfg(feature = "hydrate")]
    {
        let generation = StoredValue::new(0u32);
        Effect::new(move |_| {
            let who = account.get();
            generation.update_value(|g| *g += 1);
            let mine = generation.get_value();
            if who.is_none() {
                live.status.set(LiveStatus::Off);
                return;
            }
            leptos::task::spawn_local(stream(live, move || generation.get_value() == mine));
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (live, account);
}

#[cfg(feature = "hydrate")]
async fn stream(live: Live, current: impl Fn() -> bool + 'static) {
    use futures::StreamExt;
    use gloo_net::eventsource::State;
    use gloo_net::eventsource::futures::EventSource;
    let mut backoff_ms = 1_000u32;
    let mut last_id: Option<String> = None;
    while current() {
        live.status.set(LiveStatus::Connecting);
        let url = match &last_id {
            Some(id) => format!("/events?after={id}"),
            None => "/events".to_string(),
        };
        let Ok(mut es) = EventSource::new(&url) else {
            live.status.set(LiveStatus::Offline);
            sleep(backoff_ms).await;
            continue;
        };
        let Ok(mut messages) = es.subscribe("message") else {
            es.close();
            sleep(backoff_ms).await;
            continue;
        };
        loop {
            // gloo-net passes on no error while the browser reconnects by itself (a restarted
            // server, a dropped network): the state, looked at every second, tells.
            let tick = Box::pin(sleep(1_000));
            let item = match futures::future::select(messages.next(), tick).await {
                futures::future::Either::Left((item, _)) => item,
                futures::future::Either::Right(((), _)) => {
                    if !current() {
                        break;
                    }
                    if es.state() == State::Connecting {
                        live.status.set(LiveStatus::Offline);
                    }
                    continue;
                }
            };
            let Some(item) = item else { break };
            if !current() {
                break;
            }
            match item {
                Ok((_, msg)) => {
                    live.status.set(LiveStatus::Online);
                    backoff_ms = 1_000;
                    let id = msg.last_event_id();
                    if !id.is_empty() {
                        last_id = Some(id);
                    }
                    if let Some(data) = msg.data().as_string() {
                        live.dispatch(&data);
                    }
                }
                Err(_) => {
                    live.status.set(LiveStatus::Offline);
                    // The browser retries by itself unless it gave up.
                    if es.state() == State::Closed {
                        break;
                    }
                }
            }
        }
        es.close();
        if !current() {
            return;
        }
        live.status.set(LiveStatus::Offline);
        sleep(backoff_ms).await;
        backoff_ms = (backoff_ms * 2).min(30_000);
        // Whatever happened while away: the pages fetch afresh once the stream is back.
        live.finance.update(|n| *n += 1);
        live.notices.update(|n| *n += 1);
        live.requests.update(|n| *n += 1);
    }
}

/// Waits `ms` milliseconds (browser timer).
#[cfg(feature = "hydrate")]
pub(crate) async fn sleep(ms: u32) {
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    set_timeout(
        move || {
            let _ = tx.send(());
        },
        std::time::Duration::from_millis(u64::from(ms)),
    );
    let _ = rx.await;
}

/// The small indicator in the header. One element whose class and text change: the stream may
/// start before the header has hydrated, and a node that appeared then would not match the
/// server's HTML.
#[component]
pub fn LiveIndicator() -> impl IntoView {
    let live = expect_context::<Live>();
    let look = move || match live.status.get() {
        LiveStatus::Off => ("live-status off", "", ""),
        LiveStatus::Online => ("live-status online", "На связи", "Изменения приходят сразу"),
        LiveStatus::Connecting => ("live-status", "Подключение…", "Подключаемся к серверу"),
        LiveStatus::Offline => (
            "live-status offline",
            "Нет связи",
            "Данные на экране могут быть устаревшими; переподключаемся",
        ),
    };
    view! {
        <span
            class=move || look().0
            role="status"
            title=move || look().2
            prop:textContent=move || look().1
        ></span>
    }
}
