//! The acquirer behind «Оплатить», as an interface: card data goes to the acquirer once and comes
//! back as a token (the cabinet never keeps a card number), a charge is accepted and confirmed
//! later through a signed webhook, and the acquirer can be asked where an order stands (the
//! reconciler does after a crash or a lost webhook).

use crate::StoreResult;
use domain::Money;
use domain::payments::ValidMethod;
use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the acquirer says of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderStatus {
    /// It never received the order.
    Unknown,
    /// Received, not decided yet.
    Pending,
    Succeeded {
        operation_id: String,
        amount: Money,
    },
    /// Refused, with the acquirer's reason code (see [`domain::payments::decline_reason`]).
    Declined {
        reason_code: String,
    },
}

/// A webhook the acquirer sent, after its signature and freshness were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    pub event_id: String,
    pub order_id: String,
    pub status: ProviderStatus,
}

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("bad signature")]
    BadSignature,
    #[error("stale timestamp")]
    Stale,
    #[error("replayed event")]
    Replayed,
    #[error("malformed body")]
    Malformed,
}

pub trait PaymentProvider: Send + Sync {
    /// Hands the payment instrument to the acquirer; returns its token.
    fn tokenize<'a>(&'a self, method: &'a ValidMethod) -> BoxFuture<'a, StoreResult<String>>;

    /// Asks the acquirer to charge `amount` for `order_id` with a token. Idempotent per order at
    /// the acquirer. The outcome arrives later (webhook) or through [`PaymentProvider::status`].
    fn charge<'a>(
        &'a self,
        order_id: &'a str,
        token: &'a str,
        amount: Money,
    ) -> BoxFuture<'a, StoreResult<()>>;

    fn status<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, StoreResult<ProviderStatus>>;

    /// Checks a webhook's signature header and body, and reads it.
    fn verify_webhook(
        &self,
        signature: &str,
        body: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<WebhookEvent, WebhookError>;
}
