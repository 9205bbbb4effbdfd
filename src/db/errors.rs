//! How a storage failure reads as a core error.

use crate::error::AppError;

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::Missing("Not found.".into()),
            // A database restart: the pool replaces the connection at its next
            // checkout, so the client is told to try again rather than of a fault.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection,
                info,
            ) => {
                tracing::warn!(error = %info.message(), "the database connection was lost");
                AppError::Busy
            }
            other => AppError::Internal(Box::new(other)),
        }
    }
}
