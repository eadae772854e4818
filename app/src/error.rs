//! One error type for every server function. Its text is Russian and meant for the user; an
//! internal failure carries only a correlation id that also appears in the server log.

use domain::FieldErrors;
use leptos::server_fn::codec::PostcardEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Войдите в кабинет, чтобы продолжить")]
    Unauthorized,
    #[error("Не найдено")]
    NotFound,
    #[error("Проверьте выделенные поля")]
    Fields(FieldErrors),
    #[error("{0}")]
    Refused(String),
    /// A rate limit was reached (HTTP 429); the text says when to try again.
    #[error("{0}")]
    TooMany(String),
    #[error("Внутренняя ошибка, код {0}. Попробуйте ещё раз позже")]
    Internal(String),
    #[error("Нет связи с сервером. Проверьте подключение и повторите")]
    Network,
}

impl AppError {
    /// The message for one field, if the error is about that field.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Fields(f) => f.get(name).map(str::to_string),
            _ => None,
        }
    }

    /// The HTTP status that fits.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized => 401,
            AppError::NotFound => 404,
            AppError::Fields(_) => 422,
            AppError::Refused(_) => 409,
            AppError::TooMany(_) => 429,
            AppError::Internal(_) | AppError::Network => 500,
        }
    }
}

impl FromServerFnError for AppError {
    /// Postcard, as the answers (`crate::codec`): one decoder family in the WASM.
    type Encoder = PostcardEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Network,
            other => {
                #[cfg(feature = "ssr")]
                tracing::warn!(error = %other, "server function plumbing error");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                AppError::Internal("SF".into())
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<store::StoreError> for AppError {
    fn from(e: store::StoreError) -> Self {
        use store::StoreError as E;
        match e {
            E::NotFound => AppError::NotFound,
            E::Invalid(f) => AppError::Fields(f),
            E::Refused(m) => AppError::Refused(m),
            E::TooMany(m) => AppError::TooMany(m),
            // The user reads that the message did not go; why (the gateway's answer) is logged.
            E::Undelivered { message, detail } => {
                let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_uppercase();
                tracing::error!(correlation_id = %id, error = %detail, "message not delivered");
                AppError::Refused(message.to_string())
            }
            other => {
                let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_uppercase();
                tracing::error!(correlation_id = %id, error = %other, "internal error");
                AppError::Internal(id)
            }
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
