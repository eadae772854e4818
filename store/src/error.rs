use domain::FieldErrors;

/// What can go wrong in the store. `Invalid`, `Refused`, `TooMany` and `Undelivered`'s `message` carry Russian text meant for the user;
/// the other variants are internal and must never reach a page.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    #[error("refused: {0}")]
    Refused(String),
    /// A rate limit was reached; the text (Russian) says when to try again.
    #[error("too many: {0}")]
    TooMany(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("internal error: {0}")]
    Internal(String),
    /// A message (a code, a notice) could not be sent: no transport for its channel, or the SMTP
    /// server or SMS gateway failed. `message` is the Russian text for the user
    /// ([`CODE_NOT_SENT`], [`MESSAGE_NOT_SENT`]); `detail` is for the log only.
    #[error("not delivered: {detail}")]
    Undelivered {
        message: &'static str,
        detail: String,
    },
}

/// What the user sees when a one-time code could not be sent.
pub const CODE_NOT_SENT: &str = "Не удалось отправить код, попробуйте позже";
/// What the user sees when another message could not be sent.
pub const MESSAGE_NOT_SENT: &str = "Не удалось отправить сообщение, попробуйте позже";

impl StoreError {
    /// An error about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut e = FieldErrors::new();
        e.add(field, message);
        StoreError::Invalid(e)
    }

    /// The same failure to deliver, told to the user as `message`; other errors unchanged.
    pub fn undelivered_as(self, message: &'static str) -> Self {
        match self {
            StoreError::Undelivered { detail, .. } => StoreError::Undelivered { message, detail },
            other => other,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
