//! `/events`: the server-sent event stream of a logged-in browser. It carries the events of the
//! topics the session has authority over (its account, the policyholders it may act for, and for
//! staff the staff topic of every request's changes),
//! starts with a `ready` event holding the newest id, replays what came after `Last-Event-ID`
//! (or `?after=`) when a browser reconnects, and ends when the session does (a `logout` event)
//! or the server shuts down. Every few seconds it looks again at the session and at the
//! authorities behind its topics ([`Store::check_stream`]): when one has ended (a broker's
//! agreement, a power of attorney) the stream ends, and the browser's reconnect gets only the
//! topics it may still see. The data of each event is `kind:payload`.

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
use store::events::{StoredEvent, StreamCheck};
use tokio::sync::{broadcast, watch};

/// How often a stream checks that its session and the authorities of its topics still stand.
const STREAM_CHECK: Duration = Duration::from_secs(5);

struct Feed {
    store: Store,
    rx: broadcast::Receiver<StoredEvent>,
    topics: HashSet<String>,
    queue: VecDeque<Event>,
    last: i64,
    session: String,
    account: String,
    stop: watch::Receiver<bool>,
    check: tokio::time::Interval,
    ended: bool,
}

fn sse(ev: &LiveEvent) -> Event {
    Event::default()
        .id(ev.id.to_string())
        .data(format!("{}:{}", ev.kind, ev.data))
}

/// The kind of event [`Store::end_grant`] publishes on a policyholder's topic (and
/// [`Store::accept_grant`] on the grantee's account topic): not passed on to browsers, it makes
/// every stream of the topic check its authority at once, ending or widening what it carries.
const AUTHORITY_CHANGED: &str = "authority";

impl Feed {
    /// Checks the session and the authorities behind the topics; the last event to send when the
    /// stream must end. `logout:` when the session has ended; `revoked:` when an authority has
    /// (the page reloads and shows what the account may see now, its reconnect gets only those
    /// topics).
    async fn look_again(&mut self) -> Option<Event> {
        match self
            .store
            .check_stream(&self.session, &self.account, &self.topics)
            .await
        {
            Ok(StreamCheck::Holds) => None,
            Ok(StreamCheck::Gained(topics)) => {
                self.topics = topics;
                None
            }
            Ok(StreamCheck::SessionEnded) => {
                self.ended = true;
                Some(Event::default().data("logout:"))
            }
            Ok(StreamCheck::AuthorityEnded) => {
                self.ended = true;
                Some(Event::default().data("revoked:"))
            }
            // The database is away: keep the stream, look again next time.
            Err(e) => {
                tracing::warn!(error = %e, "live stream check");
                None
            }
        }
    }

    /// What came after `last` on our topics, from the table (after a lag or a reconnect).
    async fn catch_up(&mut self) {
        let topics: Vec<String> = self.topics.iter().cloned().collect();
        match self.store.events_after(self.last, &topics).await {
            Ok(events) => {
                for ev in events {
                    self.last = self.last.max(ev.id);
                    if ev.kind != AUTHORITY_CHANGED {
                        self.queue.push_back(sse(&ev));
                    }
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
                            if ev.kind == AUTHORITY_CHANGED {
                                // An authority over this topic was revoked: look now.
                                if let Some(end) = self.look_again().await {
                                    return Some((Ok(end), self));
                                }
                            } else {
                                self.queue.push_back(sse(&ev.live()));
                            }
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up().await,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.stop.changed() => return None,
                _ = self.check.tick() => {
                    if let Some(end) = self.look_again().await {
                        return Some((Ok(end), self));
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
    let topics = match store.live_topics(&session.account_id).await {
        Ok(topics) => topics,
        Err(e) => {
            tracing::error!(error = %e, "live topics");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "Сервис временно недоступен",
            )
                .into_response();
        }
    };
    // Subscribe first, then read the table: nothing falls between the two.
    let rx = store.subscribe();
    let newest = store.last_event_id().await.unwrap_or(0);
    let mut check = tokio::time::interval(STREAM_CHECK);
    check.reset();
    let mut feed = Feed {
        store,
        rx,
        topics,
        queue: VecDeque::new(),
        last: after.unwrap_or(newest),
        session: session.id_hash.clone(),
        account: session.account_id.clone(),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

    use super::*;
    use std::sync::Arc;
    use store::{ManualClock, StoreConfig, StoreOptions};

    /// The next item of the stream within `wait`: `Some(Some(text))` an event, `Some(None)` the
    /// stream ended, `None` nothing came.
    async fn next(feed: Feed, wait: Duration) -> Option<Option<(String, Feed)>> {
        match tokio::time::timeout(wait, feed.next()).await {
            Ok(Some((Ok(ev), feed))) => Some(Some((format!("{ev:?}"), feed))),
            Ok(None) => Some(None),
            Err(_) => None,
        }
    }

    /// An open stream of the broker carries a client's events while the agreement is in force,
    /// and ends within one check once it has ended, telling the page to reload.
    #[tokio::test]
    async fn a_stream_ends_when_the_authority_of_a_topic_ends() {
        let path = std::env::temp_dir().join(format!("kabinet-live-{}.db", uuid::Uuid::new_v4()));
        let clock = Arc::new(ManualClock::default());
        let mut options = StoreOptions::new(format!("sqlite://{}", path.display()));
        options.clock = clock.clone();
        // Sessions that outlive the agreement, so that what ends the stream is the authority.
        options.config = StoreConfig {
            idle_timeout: chrono::Duration::days(1000),
            absolute_timeout: chrono::Duration::days(1000),
            ..StoreConfig::default()
        };
        let store = Store::open(options).await.unwrap();
        store.load_demo(0).await.unwrap();
        let token = store.create_session("acc-broker", "", "").await.unwrap();
        let session = store.session(&token).await.unwrap().unwrap();
        let clients = store.accessible_policyholders("acc-broker").await.unwrap();
        let client = clients.iter().find(|p| p.role == "broker").unwrap().clone();
        let topics = store.live_topics("acc-broker").await.unwrap();
        let (_keep, stop) = watch::channel(false);
        let feed = Feed {
            store: store.clone(),
            rx: store.subscribe(),
            topics,
            queue: VecDeque::new(),
            last: store.last_event_id().await.unwrap(),
            session: session.id_hash.clone(),
            account: "acc-broker".into(),
            stop,
            check: tokio::time::interval(Duration::from_millis(100)),
            ended: false,
        };
        store.publish_balance(&client.id).await.unwrap();
        let (text, feed) = next(feed, Duration::from_secs(10))
            .await
            .expect("the event comes")
            .expect("the stream goes on");
        assert!(text.contains("balance:"), "{text}");

        let ends = client.valid_to.unwrap();
        let days = (ends - store.today()).num_days() + 1;
        clock.advance(chrono::Duration::days(days));
        let (text, feed) = next(feed, Duration::from_secs(10))
            .await
            .expect("an answer")
            .expect("the last event");
        assert!(
            text.contains("revoked:"),
            "the page is told to reload: {text}"
        );
        assert!(
            next(feed, Duration::from_secs(10))
                .await
                .expect("an answer")
                .is_none(),
            "the stream ended"
        );
        let now = store.live_topics("acc-broker").await.unwrap();
        assert!(!now.contains(&store::events::policyholder_topic(&client.id)));
        store.close().await;
        let _ = std::fs::remove_file(&path);
    }
}
