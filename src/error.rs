//! What went wrong, for every service: the storage, the rules, the moderation
//! service and the command line share this one type. It says nothing about
//! HTTP: `routes::errors` decides which answer each kind earns, and the command
//! line prints its words.
//!
//! Mistakes carry a message written for the person who made them; anything
//! unexpected is `Internal`, whose cause is logged once, where it is answered.

use std::error::Error as StdError;

use crate::domain::draft::FieldErrors;
use crate::domain::words::count;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Fields that do not pass validation, each with its problem.
    #[error("Some fields need attention.")]
    Invalid(FieldErrors),
    /// A request that cannot be understood: broken syntax, a garbled value.
    #[error("{0}")]
    Malformed(String),
    /// Understood, but not allowed: a closed post, a foreign origin.
    #[error("{0}")]
    NotAllowed(String),
    /// What was named does not exist.
    #[error("{0}")]
    Missing(String),
    /// Clashes with what is already stored: a duplicate, a changed state.
    #[error("{0}")]
    Conflict(String),
    #[error(
        "You are posting too quickly. Please wait {} and try again.",
        count(*retry_after_seconds, "second", "seconds")
    )]
    TooFast { retry_after_seconds: u64 },
    /// More than the limit for what was sent.
    #[error("{0}")]
    TooLarge(String),
    /// Sent in a format that is not taken here.
    #[error("{0}")]
    UnsupportedFormat(String),
    /// The database is out of connections or restarting: worth trying again.
    #[error("The service is busy right now. Please try again in a moment.")]
    Busy,
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

impl AppError {
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        AppError::Internal(format!("{context}: {cause}").into())
    }

    /// A single field's problem, reported like every other validation error.
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(FieldErrors::from([(name.to_owned(), message.into())]))
    }

    /// Whether this is a verdict on the request (its fields, its origin, the
    /// rules) rather than a failure on our side. The submission path gives
    /// its verdicts before it writes, so a refusal leaves a batch of
    /// submissions fit to commit. `Missing` is not one: storage's "not
    /// found" becomes it, and may follow a write.
    pub fn is_refusal(&self) -> bool {
        match self {
            AppError::Invalid(_)
            | AppError::Malformed(_)
            | AppError::NotAllowed(_)
            | AppError::Conflict(_)
            | AppError::TooFast { .. }
            | AppError::TooLarge(_)
            | AppError::UnsupportedFormat(_) => true,
            AppError::Missing(_) | AppError::Busy | AppError::Internal(_) => false,
        }
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
}
