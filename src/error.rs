//! One error type for every handler, and the status code each variant earns.
//!
//! Client mistakes carry a message written for the person who made them; anything
//! unexpected becomes an opaque 500 whose cause is logged once, here.

use std::error::Error as StdError;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::draft::FieldErrors;
use crate::domain::words::count;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Some fields need attention.")]
    Invalid(FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(
        "You are posting too quickly. Please wait {} and try again.",
        count(*retry_after_seconds, "second", "seconds")
    )]
    TooFast { retry_after_seconds: u64 },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("The service is busy right now. Please try again in a moment.")]
    Unavailable,
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

impl AppError {
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        AppError::Internal(format!("{context}: {cause}").into())
    }

    /// A single field's problem, answered as 422 like every other validation error.
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(FieldErrors::from([(name.to_owned(), message.into())]))
    }

    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid(fields) => Some(fields),
            _ => None,
        }
    }

    /// Logs an unexpected error's whole chain once, when it is turned into an answer.
    pub fn log_if_internal(&self) {
        if let AppError::Internal(cause) = self {
            let mut chain = cause.to_string();
            let mut source = cause.source();
            while let Some(inner) = source {
                chain.push_str(": ");
                chain.push_str(&inner.to_string());
                source = inner.source();
            }
            tracing::error!(error = %chain, "request failed");
        }
    }

    /// Adds `Retry-After` where the client is asked to wait.
    pub fn decorate(&self, response: &mut HttpResponse) {
        if let AppError::TooFast {
            retry_after_seconds,
        } = self
            && let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound("Not found.".into()),
            // A database restart: the pool replaces the connection at its next
            // checkout, so the client is told to try again rather than of a fault.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection,
                info,
            ) => {
                tracing::warn!(error = %info.message(), "the database connection was lost");
                AppError::Unavailable
            }
            other => AppError::Internal(Box::new(other)),
        }
    }
}

/// Every JSON error answer: a sentence for people and, for 422, one message per field.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    /// What went wrong, in words for the commenter.
    #[schema(example = "Some fields need attention.")]
    pub error: String,
    /// Each refused field's problem (`email`, `author`, `comment`, `url`, `parent`, `post`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<std::collections::BTreeMap<String, String>>)]
    pub fields: Option<&'a FieldErrors>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooFast { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log_if_internal();
        let mut response = HttpResponse::build(self.status_code()).json(ErrorBody {
            error: self.to_string(),
            fields: self.fields(),
        });
        self.decorate(&mut response);
        response
    }
}
