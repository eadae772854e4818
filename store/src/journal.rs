//! The append-only action journal: who did what to which object, when and from where.
//! The database refuses updates and deletes of its rows (triggers in both backends).

use crate::{Store, StoreResult, on_pool};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One thing to record.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub account_id: Option<&'a str>,
    pub policyholder_id: Option<&'a str>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub ip: &'a str,
    pub details: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct JournalRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub ip: String,
    pub details: String,
}

impl Store {
    pub async fn journal(&self, e: Entry<'_>) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO journal (at, account_id, policyholder_id, action, object_type, object_id, ip, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(self.now())
        .bind(e.account_id)
        .bind(e.policyholder_id)
        .bind(e.action)
        .bind(e.object_type)
        .bind(e.object_id)
        .bind(e.ip)
        .bind(e.details)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// An account's own journal, newest first.
    pub async fn journal_for_account(
        &self,
        account_id: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<JournalRow>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, JournalRow>(
            "SELECT id, at, action, object_type, object_id, ip, details FROM journal
             WHERE account_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        )
        .bind(account_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?)
    }
}
