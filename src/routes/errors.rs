//! How each kind of core error is answered over HTTP: its status, the JSON
//! body every API refusal shares, and `Retry-After` where a client should wait.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::draft::FieldErrors;
use crate::error::AppError;

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

/// Adds `Retry-After` where the client is asked to wait.
pub fn decorate(error: &AppError, response: &mut HttpResponse) {
    if let AppError::TooFast {
        retry_after_seconds,
    } = error
        && let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Malformed(_) => StatusCode::BAD_REQUEST,
            AppError::NotAllowed(_) => StatusCode::FORBIDDEN,
            AppError::Missing(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooFast { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedFormat(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log_if_internal();
        let mut response = HttpResponse::build(self.status_code()).json(ErrorBody {
            error: self.to_string(),
            fields: self.fields(),
        });
        decorate(self, &mut response);
        response
    }
}
