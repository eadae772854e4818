//! Server-side sessions. The browser holds a random 256-bit token; the database holds only its
//! SHA-256, so a copy of the table opens no session. Sessions end after idle time, after an
//! absolute limit, at logout, and can be listed and ended one by one.

use crate::journal::Entry;
use crate::{Store, StoreError, StoreResult, on_pool};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The session behind a request.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionInfo {
    pub id_hash: String,
    pub account_id: String,
    pub full_name: String,
    pub role: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub acting_policyholder_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The password was given but the second factor is still owed.
    pub second_factor_pending: bool,
    pub second_factor_at: Option<DateTime<Utc>>,
}

impl SessionInfo {
    /// A confirmed account past every step of the login.
    pub fn confirmed(&self) -> bool {
        self.confirmed_at.is_some() && !self.second_factor_pending
    }

    pub fn needs_second_factor(&self) -> bool {
        self.second_factor_pending
    }

    pub fn is_staff(&self) -> bool {
        self.role == "staff"
    }
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Activity is written at most this often, not on every request.
const TOUCH_EVERY: i64 = 30;

impl Store {
    /// Starts a session and returns the token for the cookie. The acting policyholder starts as
    /// the account's own record if it has one, else the first it may act for.
    pub async fn create_session(
        &self,
        account_id: &str,
        ip: &str,
        user_agent: &str,
    ) -> StoreResult<String> {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let now = self.now();
        let acting = self
            .accessible_policyholders(account_id)
            .await?
            .into_iter()
            .next()
            .map(|p| p.id);
        let ua: String = user_agent.chars().take(300).collect();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO sessions (id_hash, account_id, acting_policyholder_id, created_at, last_seen_at, expires_at, ip, user_agent)
             VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
        )
        .bind(hash_token(&token))
        .bind(account_id)
        .bind(acting)
        .bind(now)
        .bind(now + self.config().absolute_timeout)
        .bind(ip)
        .bind(ua)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
        Ok(token)
    }

    /// The live session for a token, or `None` if there is none or it has timed out (then it is removed).
    pub async fn session(&self, token: &str) -> StoreResult<Option<SessionInfo>> {
        if token.len() != 64 {
            return Ok(None);
        }
        let id_hash = hash_token(token);
        let row = on_pool!(self, p => sqlx::query_as::<_, SessionInfo>(
            "SELECT s.id_hash, s.account_id, a.full_name, a.role, a.confirmed_at, s.acting_policyholder_id,
                    s.created_at, s.last_seen_at, s.expires_at, s.second_factor_pending, s.second_factor_at
             FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id_hash = $1",
        )
        .bind(&id_hash)
        .fetch_optional(p)
        .await)?;
        let Some(mut s) = row else { return Ok(None) };
        let now = self.now();
        // Activity is written at most every TOUCH_EVERY seconds, so the stored time may lag the
        // real last request by that much: allow for it, so the server never ends a session before
        // the page's own countdown (which then ends it through `idle_logout`).
        let idle_limit = self.config().idle_timeout + Duration::seconds(TOUCH_EVERY);
        if now >= s.expires_at || now - s.last_seen_at >= idle_limit {
            self.delete_session_hash(&id_hash).await?;
            self.journal(Entry {
                account_id: Some(&s.account_id),
                action: "session.expired",
                object_type: "session",
                ..Default::default()
            })
            .await?;
            return Ok(None);
        }
        if now - s.last_seen_at >= Duration::seconds(TOUCH_EVERY) {
            on_pool!(self, p => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                .bind(now)
                .bind(&id_hash)
                .execute(p)
                .await.map(|r| r.rows_affected()))?;
            s.last_seen_at = now;
        }
        Ok(Some(s))
    }

    /// Whether the session still stands, without counting the question as activity (an open
    /// live stream must not keep an idle session alive).
    pub async fn session_alive(&self, id_hash: &str) -> StoreResult<bool> {
        let row: Option<(DateTime<Utc>, DateTime<Utc>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT last_seen_at, expires_at FROM sessions WHERE id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(p)
        .await)?;
        let now = self.now();
        let idle_limit = self.config().idle_timeout + Duration::seconds(TOUCH_EVERY);
        Ok(row.is_some_and(|(seen, expires)| now < expires && now - seen < idle_limit))
    }

    /// Marks activity now (the «Продолжить работу» button of the idle warning).
    pub async fn touch_session(&self, id_hash: &str) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(self.now())
            .bind(id_hash)
            .execute(p)
            .await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    async fn delete_session_hash(&self, id_hash: &str) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// «Выйти».
    pub async fn end_session(&self, session: &SessionInfo, ip: &str) -> StoreResult<()> {
        self.delete_session_hash(&session.id_hash).await?;
        self.journal(Entry {
            account_id: Some(&session.account_id),
            action: "logout",
            object_type: "session",
            ip,
            ..Default::default()
        })
        .await
    }

    /// Ends the session with this token, if any (used when a new one replaces it at login).
    pub async fn end_session_token(&self, token: &str) -> StoreResult<()> {
        self.delete_session_hash(&hash_token(token)).await
    }

    /// Ends every session of the account.
    pub async fn end_all_sessions(&self, account_id: &str) -> StoreResult<u64> {
        let r = on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(account_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(r)
    }

    /// «Действую от имени …»: switches the acting policyholder after checking the authority.
    pub async fn set_acting(
        &self,
        session: &SessionInfo,
        policyholder_id: &str,
        ip: &str,
    ) -> StoreResult<()> {
        let ph = self
            .authorized_policyholder(&session.account_id, policyholder_id)
            .await?;
        let r = on_pool!(self, p => sqlx::query("UPDATE sessions SET acting_policyholder_id = $1 WHERE id_hash = $2 AND account_id = $3")
            .bind(&ph.id)
            .bind(&session.id_hash)
            .bind(&session.account_id)
            .execute(p)
            .await.map(|r| r.rows_affected()))?;
        if r != 1 {
            return Err(StoreError::NotFound);
        }
        self.journal(Entry {
            account_id: Some(&session.account_id),
            policyholder_id: Some(&ph.id),
            action: "acting.switched",
            object_type: "policyholder",
            object_id: &ph.id,
            ip,
            ..Default::default()
        })
        .await
    }

    /// «Безопасность»: the account's live sessions, the most recently active first.
    pub async fn list_sessions(&self, account_id: &str) -> StoreResult<Vec<SessionRow>> {
        let now = self.now();
        let idle_limit = self.config().idle_timeout + Duration::seconds(TOUCH_EVERY);
        Ok(on_pool!(self, p => sqlx::query_as::<_, SessionRow>(
            "SELECT id_hash, created_at, last_seen_at, ip, user_agent FROM sessions
             WHERE account_id = $1 AND expires_at > $2 AND last_seen_at > $3
             ORDER BY last_seen_at DESC, id_hash",
        )
        .bind(account_id)
        .bind(now)
        .bind(now - idle_limit)
        .fetch_all(p)
        .await)?)
    }

    /// «Завершить»: ends one of the account's sessions; another account's session is "not found".
    pub async fn end_session_of(
        &self,
        account_id: &str,
        id_hash: &str,
        ip: &str,
    ) -> StoreResult<()> {
        let n = on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND id_hash = $2")
            .bind(account_id)
            .bind(id_hash)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        self.journal(Entry {
            account_id: Some(account_id),
            action: "session.ended_remotely",
            object_type: "session",
            ip,
            ..Default::default()
        })
        .await
    }

    /// «Завершить все другие сеансы».
    pub async fn end_other_sessions(&self, session: &SessionInfo, ip: &str) -> StoreResult<u64> {
        let n = on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND id_hash <> $2")
            .bind(&session.account_id)
            .bind(&session.id_hash)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        let details = n.to_string();
        self.journal(Entry {
            account_id: Some(&session.account_id),
            action: "session.ended_others",
            object_type: "session",
            ip,
            details: &details,
            ..Default::default()
        })
        .await?;
        Ok(n)
    }
}

/// A session as «Безопасность» lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: String,
    pub user_agent: String,
}
