//! Live updates. Every change a browser should see at once is written to the `events` table (its
//! id is the SSE event id) under a topic: `ph:<policyholder>` for a policyholder's data (balance,
//! charges), `acc:<account>` for one account (notices), `staff` for the staff consoles (every
//! request's changes). A pump task per process reads new rows in id order and fans them out on a
//! broadcast channel; it is woken by this process's own
//! [`Store::publish`], by PostgreSQL's NOTIFY from any other process, and by a slow timer as a
//! safety net. A client that reconnects catches up with [`Store::events_after`].

use crate::{Pool, Store, StoreResult, on_pool};
use domain::model::LiveEvent;
use std::sync::Arc;
use tokio::sync::{Notify, broadcast};
use tokio::task::JoinHandle;

const CHANNEL: &str = "kabinet_events";
/// How often the pump looks for rows nobody told it about (another SQLite process, a lost NOTIFY).
const POLL: std::time::Duration = std::time::Duration::from_secs(3);

/// An event as stored, with its topic.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredEvent {
    pub id: i64,
    pub topic: String,
    pub kind: String,
    pub data: String,
}

impl StoredEvent {
    pub fn live(&self) -> LiveEvent {
        LiveEvent {
            id: self.id,
            kind: self.kind.clone(),
            data: self.data.clone(),
        }
    }
}

/// The topic of a policyholder's data.
pub fn policyholder_topic(policyholder_id: &str) -> String {
    format!("ph:{policyholder_id}")
}

/// The topic every staff member's console follows (requests of all policyholders).
pub fn staff_topic() -> String {
    "staff".to_string()
}

/// The topic of one account.
pub fn account_topic(account_id: &str) -> String {
    format!("acc:{account_id}")
}

pub(crate) struct Live {
    tx: broadcast::Sender<StoredEvent>,
    wake: Arc<Notify>,
    pump: JoinHandle<()>,
}

impl Drop for Live {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

impl Live {
    pub(crate) async fn start(pool: Pool) -> StoreResult<Live> {
        let (tx, _) = broadcast::channel(4096);
        let wake = Arc::new(Notify::new());
        let last = max_id(&pool).await?;
        let pump = tokio::spawn(pump(pool, tx.clone(), wake.clone(), last));
        Ok(Live { tx, wake, pump })
    }
}

async fn max_id(pool: &Pool) -> StoreResult<i64> {
    Ok(on_pool!(pool, p => sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM events"
    )
    .fetch_one(p)
    .await)?)
}

async fn rows_after(pool: &Pool, after: i64) -> Result<Vec<StoredEvent>, sqlx::Error> {
    on_pool!(pool, p => sqlx::query_as::<_, StoredEvent>(
        "SELECT id, topic, kind, data FROM events WHERE id > $1 ORDER BY id LIMIT 1000",
    )
    .bind(after)
    .fetch_all(p)
    .await)
}

async fn pump(pool: Pool, tx: broadcast::Sender<StoredEvent>, wake: Arc<Notify>, mut last: i64) {
    let mut listener = match &pool {
        Pool::Postgres(p) => match sqlx::postgres::PgListener::connect_with(p).await {
            Ok(mut l) => match l.listen(CHANNEL).await {
                Ok(()) => Some(l),
                Err(e) => {
                    tracing::warn!(error = %e, "LISTEN failed; other processes' events arrive by polling");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "no LISTEN connection; other processes' events arrive by polling");
                None
            }
        },
        Pool::Sqlite(_) => None,
    };
    loop {
        let notified = async {
            match listener.as_mut() {
                // A lost connection is re-made by the listener; what was missed is read below.
                Some(l) => {
                    if l.recv().await.is_err() {
                        // Not a tight loop while the database is away.
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    }
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = wake.notified() => {}
            _ = notified => {}
            _ = tokio::time::sleep(POLL) => {}
        }
        let closed = match &pool {
            Pool::Sqlite(p) => p.is_closed(),
            Pool::Postgres(p) => p.is_closed(),
        };
        if closed {
            return;
        }
        loop {
            match rows_after(&pool, last).await {
                Ok(rows) => {
                    let full = rows.len() == 1000;
                    for row in rows {
                        last = row.id;
                        // Nobody listening is fine: there is no browser open.
                        let _ = tx.send(row);
                    }
                    if !full {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "reading events");
                    break;
                }
            }
        }
    }
}

impl Store {
    /// Every event from now on, of every topic; the caller filters by the topics it may see.
    pub fn subscribe(&self) -> broadcast::Receiver<StoredEvent> {
        self.live().tx.subscribe()
    }

    /// Records an event and wakes the pumps of every process.
    pub async fn publish(&self, topic: &str, kind: &str, data: &str) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO events (topic, kind, data, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(topic)
        .bind(kind)
        .bind(data)
        .bind(self.now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if let Pool::Postgres(p) = self.pool() {
            sqlx::query("SELECT pg_notify($1, '')")
                .bind(CHANNEL)
                .execute(p)
                .await?;
        }
        self.live().wake.notify_one();
        Ok(())
    }

    /// The policyholder's balance may have changed.
    pub async fn publish_balance(&self, policyholder_id: &str) -> StoreResult<()> {
        self.publish(&policyholder_topic(policyholder_id), "balance", "")
            .await
    }

    /// The events of `topics` after id `after`, oldest first (at most 500: a client that missed
    /// more reloads its data anyway).
    pub async fn events_after(&self, after: i64, topics: &[String]) -> StoreResult<Vec<LiveEvent>> {
        if topics.is_empty() {
            return Ok(Vec::new());
        }
        let rows = crate::on_pool_db!(self, p, Db => {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT id, topic, kind, data FROM events WHERE id > ",
            );
            q.push_bind(after).push(" AND topic IN (");
            let mut s = q.separated(", ");
            for t in topics {
                s.push_bind(t.clone());
            }
            q.push(") ORDER BY id LIMIT 500");
            q.build_query_as::<StoredEvent>().fetch_all(p).await
        })?;
        Ok(rows.iter().map(StoredEvent::live).collect())
    }

    /// The newest event id, where a fresh stream starts.
    pub async fn last_event_id(&self) -> StoreResult<i64> {
        max_id(self.pool()).await
    }

    /// Drops events older than a day: a browser away longer reloads its pages.
    pub async fn prune_events(&self) -> StoreResult<u64> {
        let before = self.now() - chrono::Duration::days(1);
        Ok(
            on_pool!(self, p => sqlx::query("DELETE FROM events WHERE created_at < $1")
            .bind(before)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?,
        )
    }
}

/// What an open `/events` stream learns when it looks again ([`Store::check_stream`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamCheck {
    /// The session stands and every topic of the stream is still the account's to see.
    Holds,
    /// The session has ended (logout, timeout, ended from another device, a password reset).
    SessionEnded,
    /// The account no longer has authority over one of the stream's topics (an agreement or a
    /// power of attorney ended, a role taken away): the stream must end, and the browser's
    /// reconnect gets only what it may see.
    AuthorityEnded,
    /// Every topic still stands and the account may now follow more (a grant it accepted):
    /// these are all it may follow, for the stream to carry from now on.
    Gained(std::collections::HashSet<String>),
}

impl Store {
    /// The topics an account may follow now: its own, every policyholder it has authority over
    /// today, and for staff the staff topic.
    pub async fn live_topics(
        &self,
        account_id: &str,
    ) -> StoreResult<std::collections::HashSet<String>> {
        let mut topics = std::collections::HashSet::from([account_topic(account_id)]);
        topics.extend(
            self.accessible_policyholders(account_id)
                .await?
                .iter()
                .map(|p| policyholder_topic(&p.id)),
        );
        match self.require_staff(account_id).await {
            Ok(()) => {
                topics.insert(staff_topic());
            }
            Err(crate::StoreError::NotFound) => {}
            Err(e) => return Err(e),
        }
        Ok(topics)
    }

    /// The check an open stream makes every few seconds: its session still stands (without
    /// counting as activity) and every topic it carries is still in [`Store::live_topics`].
    pub async fn check_stream(
        &self,
        session_hash: &str,
        account_id: &str,
        topics: &std::collections::HashSet<String>,
    ) -> StoreResult<StreamCheck> {
        if !self.session_alive(session_hash).await? {
            return Ok(StreamCheck::SessionEnded);
        }
        let allowed = self.live_topics(account_id).await?;
        Ok(if !topics.is_subset(&allowed) {
            StreamCheck::AuthorityEnded
        } else if allowed.len() > topics.len() {
            StreamCheck::Gained(allowed)
        } else {
            StreamCheck::Holds
        })
    }
}
