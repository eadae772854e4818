use domain::FieldErrors;

/// What can go wrong in the store. `Invalid`, `Refused` and `TooMany` carry Russian text meant for the user;
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
}

impl StoreError {
    /// An error about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut e = FieldErrors::new();
        e.add(field, message);
        StoreError::Invalid(e)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
