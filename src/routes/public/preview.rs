//! `POST /api/preview`: a comment's text rendered as the thread will show it
//! once stored, without storing or logging anything.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::BODY_LIMIT;
use super::json::json_error;
use crate::domain::draft::CommentBody;
use crate::domain::render;
use crate::error::AppError;
use crate::routes::client::burst_or_refuse;
use crate::routes::errors::ErrorBody;
use crate::routes::only;
use crate::routes::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let config = web::JsonConfig::default()
        .limit(BODY_LIMIT)
        .content_type_required(true)
        .error_handler(json_error);
    cfg.service(
        web::resource("/api/preview")
            .app_data(config)
            .route(web::post().to(preview))
            .default_service(only("POST")),
    );
}

/// The body of `POST /api/preview`: the comment field of a submission. The
/// handler ignores any other field, so the form's whole body may be sent.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "describes the JSON body for the OpenAPI document only"
)]
pub struct PreviewRequest {
    /// The text, at most 65,525 bytes; line breaks and tabs are kept, other
    /// control characters refused.
    #[schema(
        min_length = 1,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    comment: String,
}

/// The text as the thread will show it.
#[derive(Serialize, ToSchema)]
pub struct Preview {
    /// Safe HTML, the same as the comment's `html` once it is stored and
    /// published: paragraphs, line breaks, links with `rel="nofollow ugc"`.
    html: String,
}

/// A comment's text rendered as the thread will show it, without storing it.
///
/// The `html` is what the comment's `html` will be once stored, in the
/// instance's text format (`REPLYDESK_TEXT_FORMAT`). A preview counts against
/// the sender's burst of requests as a submission does.
#[utoipa::path(post, path = "/api/preview", tag = "submitting",
    request_body(content = PreviewRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The rendered text", body = Preview),
        (status = 400, description = "Not a JSON object, or broken JSON", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "Not sent as application/json", body = ErrorBody),
        (status = 422, description = "The comment is empty, too long or holds control \
            characters; `fields` names `comment`", body = ErrorBody),
        (status = 429, description = "Too many requests from one address", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    burst_or_refuse(&req, &state)?;
    let comment = read_comment(&body)?;
    let text = CommentBody::parse(comment.as_deref()).map_err(AppError::Invalid)?;
    let format = state.settings.text_format;
    // A long text takes the sanitizer milliseconds: off the async workers.
    let html = web::block(move || render::comment_html(text.as_str(), format))
        .await
        .map_err(|e| AppError::internal("rendering a preview", e))?;
    Ok(HttpResponse::Ok().json(Preview { html }))
}

/// The `comment` field of a JSON object, for a preview and for a
/// commenter's edit, which both take the text alone. Unlike a submission's
/// IDs, the text is never a number, and one is refused as the documents say.
pub(super) fn read_comment(body: &Value) -> Result<Option<String>, AppError> {
    let Value::Object(map) = body else {
        return Err(AppError::Malformed(
            "The request body must be a JSON object with the comment's text in `comment`.".into(),
        ));
    };
    match map.get("comment") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(AppError::field("comment", "This field must be text.")),
    }
}
