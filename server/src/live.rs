//! `/events`: the server-sent event stream of a logged-in browser. It carries the events of the
//! topics the session has authority over (its account, the policyholders it may act for, and for
//! staff the staff topic of every request's changes),
//! starts with a `ready` event holding the newest id, replays what came after `Last-Event-ID`
//! (or `?after=`) when a browser reconnects, and ends when the session does (a `logout` event)
//! or the server shuts down. The data of each event is `kind:payload`.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::model::LiveEvent;
use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::time::Duration;
use store::Store;
use store::events::{StoredEvent, account_topic, policyholder_topic, staff_topic};
use tokio::sync::{broadcast, watch};

/// How often a stream checks that its session still stands.
const SESSION_CHECK: Duration = Duration::from_secs(20);

struct Feed {
    store: Store,
    rx: broadcast::Receiver<StoredEvent>,
    topics: HashSet<String>,
    queue: VecDeque<Event>,
    last: i64,
    session: String,
    stop: watch::Receiver<bool>,
    check: tokio::time::Interval,
    ended: bool,
}

fn sse(ev: &LiveEvent) -> Event {
    Event::default()
        .id(ev.id.to_string())
        .data(format!("{}:{}", ev.kind, ev.data))
}

impl Feed {
    /// What came after `last` on our topics, from the table (after a lag or a reconnect).
    async fn catch_up(&mut self) {
        let topics: Vec<String> = self.topics.iter().cloned().collect();
        match self.store.events_after(self.last, &topics).await {
            Ok(events) => {
                for ev in events {
                    self.last = self.last.max(ev.id);
                    self.queue.push_back(sse(&ev));
                }
            }
            Err(e) => tracing::warn!(error = %e, "live catch-up"),
        }
    }

    async fn next(mut self) -> Option<(Result<Event, Infallible>, Feed)> {
        if self.ended {
            return None;
        }
        loop {
            if let Some(ev) = self.queue.pop_front() {
                return Some((Ok(ev), self));
            }
            tokio::select! {
                got = self.rx.recv() => match got {
                    Ok(ev) => {
                        if ev.id > self.last && self.topics.contains(&ev.topic) {
                            self.last = ev.id;
                            self.queue.push_back(sse(&ev.live()));
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up().await,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.stop.changed() => return None,
                _ = self.check.tick() => {
                    if !self.store.session_alive(&self.session).await.unwrap_or(true) {
                        self.ended = true;
                        return Some((Ok(Event::default().data("logout:")), self));
                    }
                }
            }
        }
    }
}

pub async fn events(State(state): State<AppState>, req: Request) -> Response {
    let session = match crate::http::require_session(&req, "Войдите в кабинет") {
        Ok(s) => s,
        Err(refusal) => return refusal.into_response(),
    };
    let store = state.store.clone();
    let after = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| domain::query::event_id(v).ok())
        .or_else(|| {
            req.uri()
                .query()
                .unwrap_or("")
                .split('&')
                .find_map(|kv| kv.strip_prefix("after="))
                .and_then(|v| domain::query::event_id(v).ok())
        });
    let mut topics: HashSet<String> = HashSet::from([account_topic(&session.account_id)]);
    match store.accessible_policyholders(&session.account_id).await {
        Ok(list) => topics.extend(list.iter().map(|p| policyholder_topic(&p.id))),
        Err(e) => {
            tracing::error!(error = %e, "live topics");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "Сервис временно недоступен",
            )
                .into_response();
        }
    }
    // Staff have authority over every request: their consoles follow the staff topic.
    if store.require_staff(&session.account_id).await.is_ok() {
        topics.insert(staff_topic());
    }
    // Subscribe first, then read the table: nothing falls between the two.
    let rx = store.subscribe();
    let newest = store.last_event_id().await.unwrap_or(0);
    let mut check = tokio::time::interval(SESSION_CHECK);
    check.reset();
    let mut feed = Feed {
        store,
        rx,
        topics,
        queue: VecDeque::new(),
        last: after.unwrap_or(newest),
        session: session.id_hash.clone(),
        stop: state.stop.clone(),
        check,
        ended: false,
    };
    feed.queue.push_back(
        Event::default()
            .id(feed.last.to_string())
            .data("ready:")
            .retry(Duration::from_secs(2)),
    );
    if after.is_some() {
        feed.catch_up().await;
    }
    let stream = futures_util::stream::unfold(feed, Feed::next);
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))),
    )
        .into_response()
}
