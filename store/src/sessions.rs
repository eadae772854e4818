//! Server-side sessions. The browser holds a random 256-bit token; the database holds only its
//! SHA-256, so a copy of the table opens no session. Sessions end after idle time, after an
//! absolute limit, at logout, and can be listed and ended one by one.
//!
//! A session's [`Stage`] is one value kept in its row. [`Store::create_session`] decides the first
//! stage from the account itself (never from the caller); only [`Store::advance_session`], called
//! by the step that proves the last missing factor (the confirmation code, the second factor),
//! moves it on, and it gives the session a new token as it does.

use crate::journal::Entry;
use crate::{Store, StoreError, StoreResult, on_pool};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How far a session has come through the login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The account's contact is not confirmed yet: only the confirmation pages.
    Unconfirmed,
    /// The password was given; the second factor is owed: only the second step of the login.
    SecondFactor,
    /// Every step passed: the cabinet.
    Full,
}

impl Stage {
    pub fn code(self) -> &'static str {
        match self {
            Stage::Unconfirmed => "unconfirmed",
            Stage::SecondFactor => "second_factor",
            Stage::Full => "full",
        }
    }
}

impl TryFrom<String> for Stage {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "unconfirmed" => Ok(Stage::Unconfirmed),
            "second_factor" => Ok(Stage::SecondFactor),
            "full" => Ok(Stage::Full),
            other => Err(format!("unknown session stage {other:?}")),
        }
    }
}

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
    #[sqlx(try_from = "String")]
    pub stage: Stage,
    pub second_factor_at: Option<DateTime<Utc>>,
}

impl SessionInfo {
    /// Past every step of the login: the only stage that opens the cabinet.
    pub fn is_full(&self) -> bool {
        self.stage == Stage::Full
    }

    pub fn needs_second_factor(&self) -> bool {
        self.stage == Stage::SecondFactor
    }

    pub fn is_staff(&self) -> bool {
        self.role == "staff"
    }
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Activity is written at most this often, not on every request.
const TOUCH_EVERY: i64 = 30;

impl Store {
    /// The stage a new session of the account starts at: unconfirmed until the contact is
    /// confirmed, then owing the second factor if the account has one, else full.
    async fn first_stage(&self, account_id: &str) -> StoreResult<Stage> {
        if self.account(account_id).await?.confirmed_at.is_none() {
            return Ok(Stage::Unconfirmed);
        }
        Ok(match self.factor_method(account_id).await? {
            Some(_) => Stage::SecondFactor,
            None => Stage::Full,
        })
    }

    /// Starts a session and returns the token for the cookie, at the stage the account itself
    /// calls for ([`Stage`]). The acting policyholder starts as the account's own record if it
    /// has one, else the first it may act for.
    pub async fn create_session(
        &self,
        account_id: &str,
        ip: &str,
        user_agent: &str,
    ) -> StoreResult<String> {
        let stage = self.first_stage(account_id).await?;
        let token = new_token();
        let now = self.now();
        let acting = self
            .accessible_policyholders(account_id)
            .await?
            .into_iter()
            .next()
            .map(|p| p.id);
        let ua: String = user_agent.chars().take(300).collect();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO sessions (id_hash, account_id, acting_policyholder_id, created_at, last_seen_at, expires_at, ip, user_agent, stage)
             VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)",
        )
        .bind(hash_token(&token))
        .bind(account_id)
        .bind(acting)
        .bind(now)
        .bind(now + self.config().absolute_timeout)
        .bind(ip)
        .bind(ua)
        .bind(stage.code())
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
        Ok(token)
    }

    /// Moves a session from `from` to the next stage the account calls for, under a new token
    /// (answered, for the cookie): the old token opens nothing after this. Only the steps that
    /// prove the missing factor call it, after the proof. A session not at `from` (another tab
    /// moved it, it ended) is "not found"; a stage never goes back or skips a factor.
    pub(crate) async fn advance_session(
        &self,
        session: &SessionInfo,
        from: Stage,
    ) -> StoreResult<String> {
        let to = match (from, self.first_stage(&session.account_id).await?) {
            (Stage::Unconfirmed, next) => next,
            (Stage::SecondFactor, Stage::Full | Stage::SecondFactor) => Stage::Full,
            _ => return Err(StoreError::NotFound),
        };
        let token = new_token();
        let now = self.now();
        let passed_factor = (from == Stage::SecondFactor).then_some(now);
        let moved = on_pool!(self, p => sqlx::query(
            "UPDATE sessions SET id_hash = $1, stage = $2, last_seen_at = $3,
                 second_factor_at = COALESCE($4, second_factor_at), second_factor_failures = 0
             WHERE id_hash = $5 AND account_id = $6 AND stage = $7",
        )
        .bind(hash_token(&token))
        .bind(to.code())
        .bind(now)
        .bind(passed_factor)
        .bind(&session.id_hash)
        .bind(&session.account_id)
        .bind(from.code())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if moved != 1 {
            return Err(StoreError::NotFound);
        }
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
                    s.created_at, s.last_seen_at, s.expires_at, s.stage, s.second_factor_at
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
