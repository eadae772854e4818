//! The built-in sandbox acquirer. It behaves like a real one, so the whole payment path runs in
//! the demo and in tests: card data becomes a token, a charge is accepted at once and decided a
//! moment later, and the decision comes back as an HMAC-signed webhook. Its ledger lives in its
//! own tables (`sandbox_*`), as a real acquirer's would on its servers, so it survives restarts
//! and the reconciler can ask it where an order stands.
//!
//! Test cards (any expiry in the future, any holder):
//! - `4242 4242 4242 4242`, `2200 0000 0000 0004` and any other valid number: success;
//! - `4000 0000 0000 9995`: declined, insufficient funds;
//! - `4000 0000 0000 0069`: declined, card blocked;
//! - `4000 0000 0000 0119`: no answer (the order times out).
//!
//! Wallets and online banks succeed, except the wallet `41000000009995` (insufficient funds).

use super::provider::{BoxFuture, PaymentProvider, ProviderStatus, WebhookError, WebhookEvent};
use crate::{Secret, Store, StoreError, StoreResult, new_id, on_pool};
use chrono::{DateTime, Duration, Utc};
use domain::Money;
use domain::payments::ValidMethod;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::sync::Arc;

/// How the sandbox sends a webhook: `(signature header, body)`. The server posts it to its own
/// `/payments/webhook`; tests call the store directly or drop it to play a crash.
pub type Deliver = Arc<dyn Fn(String, String) -> BoxFuture<'static, ()> + Send + Sync>;

/// How long a webhook's timestamp stays acceptable.
pub const WEBHOOK_TOLERANCE_SECONDS: i64 = 300;

pub struct Sandbox {
    store: Store,
    secret: Secret<Vec<u8>>,
    /// Time from a charge to its decision.
    delay: Duration,
    /// After this long without an answer a "no answer" order counts as timed out.
    timeout: Duration,
    deliver: Deliver,
}

#[derive(Serialize, Deserialize)]
struct Body {
    event_id: String,
    order_id: String,
    status: String,
    operation_id: Option<String>,
    reason_code: Option<String>,
    amount: i64,
}

/// What a token does when charged.
fn behaviour(method: &ValidMethod) -> &'static str {
    match method {
        ValidMethod::Card { number, .. } => match number.as_str() {
            "4000000000009995" => "insufficient_funds",
            "4000000000000069" => "card_blocked",
            "4000000000000119" => "timeout",
            _ => "success",
        },
        ValidMethod::Wallet(w) if w == "41000000009995" => "insufficient_funds",
        _ => "success",
    }
}

#[derive(sqlx::FromRow)]
struct Operation {
    order_id: String,
    operation_id: String,
    amount: i64,
    status: String,
    reason_code: Option<String>,
    decide_at: DateTime<Utc>,
}

impl Sandbox {
    /// The webhook key is made once and kept in the settings, so every process shares it.
    pub async fn new(
        store: Store,
        delay: Duration,
        timeout: Duration,
        deliver: Deliver,
    ) -> StoreResult<Arc<Sandbox>> {
        let secret = crate::secret::load_or_create_key(store.pool(), "sandbox_webhook_key").await?;
        Ok(Arc::new(Sandbox {
            store,
            secret,
            delay,
            timeout,
            deliver,
        }))
    }

    fn sign(&self, timestamp: i64, body: &str) -> StoreResult<String> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose())
            .map_err(|e| StoreError::Internal(format!("hmac key: {e}")))?;
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        Ok(format!(
            "t={timestamp},v1={}",
            hex::encode(mac.finalize().into_bytes())
        ))
    }

    /// Signs a body as the sandbox would (tests use it to forge and replay webhooks).
    pub fn signature(&self, timestamp: i64, body: &str) -> StoreResult<String> {
        self.sign(timestamp, body)
    }

    /// Decides every order whose time has come and sends its webhook. Returns how many.
    pub async fn run_due(&self) -> StoreResult<usize> {
        let now = self.store.now();
        let due = on_pool!(self.store, p => sqlx::query_as::<_, Operation>(
            "SELECT order_id, operation_id, amount, status, reason_code, decide_at FROM sandbox_operations
             WHERE status = 'pending' AND decide_at <= $1 ORDER BY decide_at LIMIT 100",
        )
        .bind(now)
        .fetch_all(p)
        .await)?;
        let mut n = 0;
        for op in due {
            let token_behaviour: String = on_pool!(self.store, p => sqlx::query_scalar(
                "SELECT t.behaviour FROM sandbox_operations o JOIN sandbox_tokens t ON t.token = o.token
                 WHERE o.order_id = $1",
            )
            .bind(&op.order_id)
            .fetch_one(p)
            .await)?;
            let (status, reason) = match token_behaviour.as_str() {
                "success" => ("succeeded", None),
                "timeout" => ("expired", Some("timeout")),
                other => ("declined", Some(other)),
            };
            // Claimed by the update, so two processes never decide one order twice.
            let claimed = on_pool!(self.store, p => sqlx::query(
                "UPDATE sandbox_operations SET status = $1, reason_code = $2, decided_at = $3
                 WHERE order_id = $4 AND status = 'pending'",
            )
            .bind(status)
            .bind(reason)
            .bind(now)
            .bind(&op.order_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
            if claimed != 1 {
                continue;
            }
            n += 1;
            // A real acquirer that does not answer sends nothing; the cabinet asks later.
            if status == "expired" {
                continue;
            }
            let body = serde_json::to_string(&Body {
                event_id: format!("evt_{}", new_id()),
                order_id: op.order_id.clone(),
                status: status.into(),
                operation_id: (status == "succeeded").then(|| op.operation_id.clone()),
                reason_code: reason.map(str::to_string),
                amount: op.amount,
            })
            .map_err(|e| StoreError::Internal(format!("webhook body: {e}")))?;
            let signature = self.sign(now.timestamp(), &body)?;
            (self.deliver)(signature, body).await;
        }
        Ok(n)
    }

    /// Runs [`Sandbox::run_due`] a few times a second until `stop` turns true.
    pub async fn run(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let tick = std::time::Duration::from_millis(
            (self.delay.num_milliseconds() / 4).clamp(20, 250) as u64,
        );
        loop {
            tokio::select! {
                _ = tokio::time::sleep(tick) => {}
                _ = stop.changed() => return,
            }
            if let Err(e) = self.run_due().await {
                tracing::warn!(error = %e, "sandbox acquirer");
            }
        }
    }

    /// How many times the acquirer was asked to charge an order (tests count charges with it).
    pub async fn charges_of(&self, order_id: &str) -> StoreResult<i64> {
        Ok(on_pool!(self.store, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM sandbox_operations WHERE order_id = $1",
        )
        .bind(order_id)
        .fetch_one(p)
        .await)?)
    }
}

impl PaymentProvider for Sandbox {
    fn tokenize<'a>(&'a self, method: &'a ValidMethod) -> BoxFuture<'a, StoreResult<String>> {
        Box::pin(async move {
            let token = format!("tok_{}", new_id());
            on_pool!(self.store, p => sqlx::query(
                "INSERT INTO sandbox_tokens (token, behaviour, created_at) VALUES ($1, $2, $3)",
            )
            .bind(&token)
            .bind(behaviour(method))
            .bind(self.store.now())
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
            Ok(token)
        })
    }

    fn charge<'a>(
        &'a self,
        order_id: &'a str,
        token: &'a str,
        amount: Money,
    ) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            let now = self.store.now();
            let behaviour: Option<String> = on_pool!(self.store, p => sqlx::query_scalar(
                "SELECT behaviour FROM sandbox_tokens WHERE token = $1",
            )
            .bind(token)
            .fetch_optional(p)
            .await)?;
            let Some(behaviour) = behaviour else {
                return Err(StoreError::Internal("sandbox: unknown token".into()));
            };
            let decide_at = now
                + if behaviour == "timeout" {
                    self.timeout
                } else {
                    self.delay
                };
            // One operation per order, however often it is asked.
            on_pool!(self.store, p => sqlx::query(
                "INSERT INTO sandbox_operations (order_id, operation_id, token, amount, status, created_at, decide_at)
                 VALUES ($1, $2, $3, $4, 'pending', $5, $6) ON CONFLICT (order_id) DO NOTHING",
            )
            .bind(order_id)
            .bind(format!("op_{}", new_id()))
            .bind(token)
            .bind(amount.0)
            .bind(now)
            .bind(decide_at)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
            Ok(())
        })
    }

    fn status<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, StoreResult<ProviderStatus>> {
        Box::pin(async move {
            let op = on_pool!(self.store, p => sqlx::query_as::<_, Operation>(
                "SELECT order_id, operation_id, amount, status, reason_code, decide_at FROM sandbox_operations
                 WHERE order_id = $1",
            )
            .bind(order_id)
            .fetch_optional(p)
            .await)?;
            Ok(match op {
                None => ProviderStatus::Unknown,
                Some(op) => match op.status.as_str() {
                    "succeeded" => ProviderStatus::Succeeded {
                        operation_id: op.operation_id,
                        amount: Money(op.amount),
                    },
                    "pending" if op.decide_at > self.store.now() => ProviderStatus::Pending,
                    // Due but not yet decided by the background task: decided when asked.
                    "pending" => {
                        self.run_due().await?;
                        return self.status(order_id).await;
                    }
                    _ => ProviderStatus::Declined {
                        reason_code: op.reason_code.unwrap_or_else(|| "declined".into()),
                    },
                },
            })
        })
    }

    fn verify_webhook(
        &self,
        signature: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<WebhookEvent, WebhookError> {
        let mut timestamp = None;
        let mut given = None;
        for part in signature.split(',') {
            match part.trim().split_once('=') {
                Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
                Some(("v1", v)) => given = hex::decode(v).ok(),
                _ => {}
            }
        }
        let (Some(timestamp), Some(given)) = (timestamp, given) else {
            return Err(WebhookError::BadSignature);
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose())
            .map_err(|_| WebhookError::BadSignature)?;
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        mac.verify_slice(&given)
            .map_err(|_| WebhookError::BadSignature)?;
        if (now.timestamp() - timestamp).abs() > WEBHOOK_TOLERANCE_SECONDS {
            return Err(WebhookError::Stale);
        }
        let b: Body = serde_json::from_str(body).map_err(|_| WebhookError::Malformed)?;
        let status = match (b.status.as_str(), b.operation_id) {
            ("succeeded", Some(operation_id)) => ProviderStatus::Succeeded {
                operation_id,
                amount: Money(b.amount),
            },
            ("declined", _) => ProviderStatus::Declined {
                reason_code: b.reason_code.unwrap_or_else(|| "declined".into()),
            },
            _ => return Err(WebhookError::Malformed),
        };
        Ok(WebhookEvent {
            event_id: b.event_id,
            order_id: b.order_id,
            status,
        })
    }
}
