//! One way out for messages to people: e-mail over SMTP (`lettre`) when configured, SMS through an
//! [`SmsGateway`] ([`HttpSmsGateway`] for an operator's HTTP API), and in dev/demo mode an outbox
//! table that `/dev/outbox` shows so whoever runs the demo can read the codes.
//!
//! A message that reaches none of them is an error ([`StoreError::Undelivered`]), never a silent
//! success: without the outbox a channel with no transport, or a transport that fails, fails the
//! send, and the user is told «Не удалось отправить…» instead of «отправлено».

mod http_sms;

pub use http_sms::HttpSmsGateway;

use crate::{MESSAGE_NOT_SENT, Secret, Store, StoreError, StoreResult, new_id, on_pool};
use chrono::{DateTime, Utc};
use domain::status::Channel;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// An SMS operator: `Ok` once it has taken the message, `Err` (for the log) otherwise.
/// [`HttpSmsGateway`] is the one that ships; without any, SMS only reach the outbox (demo).
pub trait SmsGateway: Send + Sync {
    fn send<'a>(
        &'a self,
        to: &'a str,
        text: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

#[derive(Clone, Default)]
pub struct NotifierConfig {
    /// Keep every message in the outbox table (dev/demo mode only: it holds codes in clear).
    pub outbox: bool,
    /// `smtp://user:pass@host:port`; e-mail is sent through it when set.
    pub smtp_url: Option<Secret<String>>,
    /// The sender, e.g. `Кабинет страхователя <noreply@example.ru>`.
    pub mail_from: String,
    pub sms: Option<Arc<dyn SmsGateway>>,
}

/// A message to one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub channel: Channel,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// A message kept in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OutboxItem {
    pub id: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

pub struct Notifier {
    outbox: bool,
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    sms: Option<Arc<dyn SmsGateway>>,
}

impl Notifier {
    pub fn new(config: NotifierConfig) -> StoreResult<Self> {
        let smtp = match &config.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| StoreError::Internal(format!("SMTP_URL: {e}")))?
                    .build();
                let from: Mailbox = config
                    .mail_from
                    .parse()
                    .map_err(|e| StoreError::Internal(format!("MAIL_FROM: {e}")))?;
                Some((transport, from))
            }
            None => None,
        };
        Ok(Self {
            outbox: config.outbox,
            smtp,
            sms: config.sms,
        })
    }

    pub fn outbox_enabled(&self) -> bool {
        self.outbox
    }
}

impl Store {
    /// Sends a message through every transport configured for its channel. Fails with
    /// [`StoreError::Undelivered`] when a transport fails, or when the channel has none and there
    /// is no outbox to keep the message in.
    pub async fn notify(&self, msg: &Message) -> StoreResult<()> {
        let n = self.notifier();
        if n.outbox {
            self.keep_in_outbox(msg, &msg.body).await?;
        }
        match msg.channel {
            Channel::Email => match &n.smtp {
                Some((transport, from)) => {
                    let to = recipient(&msg.to)?;
                    let email = lettre::Message::builder()
                        .from(from.clone())
                        .to(to)
                        .subject(msg.subject.clone())
                        .header(ContentType::TEXT_PLAIN)
                        .body(msg.body.clone())
                        .map_err(|e| StoreError::Internal(format!("building e-mail: {e}")))?;
                    transport
                        .send(email)
                        .await
                        .map_err(|e| undelivered(msg, e))?;
                }
                None => no_transport(n, msg)?,
            },
            Channel::Sms => match &n.sms {
                Some(gw) => gw
                    .send(&msg.to, &msg.body)
                    .await
                    .map_err(|e| undelivered(msg, e))?,
                None => no_transport(n, msg)?,
            },
        }
        Ok(())
    }

    async fn keep_in_outbox(&self, msg: &Message, body: &str) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO outbox (id, channel, recipient, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(msg.channel.code())
        .bind(&msg.to)
        .bind(&msg.subject)
        .bind(body)
        .bind(self.now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Sends an e-mail with one PDF attached (a receipt, a document). The outbox keeps the text
    /// and the attachment's name and size.
    pub async fn notify_with_attachment(
        &self,
        msg: &Message,
        file_name: &str,
        pdf: Vec<u8>,
    ) -> StoreResult<()> {
        let n = self.notifier();
        let note = format!(
            "{}\n\nВложение: {file_name} ({} КБ)",
            msg.body,
            pdf.len().div_ceil(1024)
        );
        if n.outbox {
            self.keep_in_outbox(msg, &note).await?;
        }
        if let (Channel::Email, Some((transport, from))) = (msg.channel, &n.smtp) {
            use lettre::message::{Attachment, MultiPart, SinglePart};
            let to = recipient(&msg.to)?;
            let pdf_type = ContentType::parse("application/pdf")
                .map_err(|e| StoreError::Internal(format!("content type: {e}")))?;
            let email = lettre::Message::builder()
                .from(from.clone())
                .to(to)
                .subject(msg.subject.clone())
                .multipart(
                    MultiPart::mixed()
                        .singlepart(SinglePart::plain(msg.body.clone()))
                        .singlepart(Attachment::new(file_name.to_string()).body(pdf, pdf_type)),
                )
                .map_err(|e| StoreError::Internal(format!("building e-mail: {e}")))?;
            transport
                .send(email)
                .await
                .map_err(|e| undelivered(msg, e))?;
        } else {
            // Only e-mail carries attachments: anything else without the outbox goes nowhere.
            no_transport(n, msg)?;
        }
        Ok(())
    }

    /// The newest messages in the outbox (dev/demo mode).
    pub async fn outbox(&self, limit: i64) -> StoreResult<Vec<OutboxItem>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, OutboxItem>(
            "SELECT id, channel, recipient, subject, body, created_at FROM outbox ORDER BY created_at DESC, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }
}

/// The recipient of an e-mail.
fn recipient(to: &str) -> StoreResult<Mailbox> {
    to.parse().map_err(|e| StoreError::Undelivered {
        message: MESSAGE_NOT_SENT,
        detail: format!("bad e-mail recipient: {e}"),
    })
}

/// A transport's failure to send `msg`.
fn undelivered(msg: &Message, e: impl std::fmt::Display) -> StoreError {
    let channel = match msg.channel {
        Channel::Email => "SMTP",
        Channel::Sms => "SMS gateway",
    };
    StoreError::Undelivered {
        message: MESSAGE_NOT_SENT,
        detail: format!("{channel}: {e}"),
    }
}

/// No transport for the message's channel: kept in the outbox (demo), or not delivered at all.
fn no_transport(n: &Notifier, msg: &Message) -> StoreResult<()> {
    if n.outbox {
        return Ok(());
    }
    Err(StoreError::Undelivered {
        message: MESSAGE_NOT_SENT,
        detail: format!(
            "no transport configured for {} and no outbox",
            msg.channel.code()
        ),
    })
}
