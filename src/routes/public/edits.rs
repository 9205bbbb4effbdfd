//! The commenter's own changes by script: `PUT` and `DELETE` on
//! `/api/comments/{id}`, with the edit token the submission's answer carried
//! as `Authorization: Bearer`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::BODY_LIMIT;
use super::view::{PublicComment, held, public, timestamp};
use crate::commenter_edits::{self, Window};
use crate::db::comments::PublicRow;
use crate::domain::draft::CommentBody;
use crate::domain::edit_token::{self, BadEditToken, EditGrant};
use crate::domain::status::Status;
use crate::error::AppError;
use crate::routes::client::burst_or_refuse;
use crate::routes::errors::ErrorBody;
use crate::routes::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let config = web::JsonConfig::default()
        .limit(BODY_LIMIT)
        .content_type_required(true)
        .error_handler(super::json::json_error);
    cfg.service(
        web::resource("/api/comments/{id}")
            .app_data(config)
            .route(web::put().to(put_comment))
            .route(web::delete().to(delete_comment))
            .default_service(crate::routes::only("PUT, DELETE")),
    );
}

/// The token and the moment it stops working, for a comment just stored
/// (or answered as stored); `None` while editing is off.
pub fn issued(state: &AppState, row: &PublicRow) -> Option<(String, String)> {
    let (token, until) =
        commenter_edits::issue(state.core.secret.expose(), state.settings.edit_minutes, row)?;
    Some((token, timestamp(until)))
}

/// The body of `PUT /api/comments/{id}`.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "describes the JSON body for the OpenAPI document only"
)]
pub struct EditRequest {
    /// The new text, held to the rules of a submission's `comment`.
    #[schema(
        min_length = 1,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    comment: String,
}

/// The answer to an edit: the comment's public view and where it stands now.
#[derive(Serialize, ToSchema)]
pub struct EditedAnswer {
    #[serde(flatten)]
    comment: PublicComment,
    /// `pending` when the edit sent it back to the moderators.
    #[schema(value_type = super::json::ToldStatus)]
    status: Status,
    /// Until when it can still be changed, RFC 3339 UTC.
    editable_until: String,
}

/// Why a request carries no usable token: 401, with the scheme to use.
fn unauthorized(message: &str) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((
            header::WWW_AUTHENTICATE,
            "Bearer realm=\"replydesk\", error=\"invalid_token\"",
        ))
        .json(serde_json::json!({ "error": message }))
}

/// What the request asks to change, once its token names that comment.
enum Checked {
    Granted(EditGrant, Window),
    Refused(HttpResponse),
}

/// Checks, in this order, the burst, the comment's number, editing being on
/// and the token: the answer to any failure, else the grant.
fn check(req: &HttpRequest, state: &AppState, id: &str) -> Result<Checked, AppError> {
    burst_or_refuse(req, state)?;
    let id: i64 = id
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::Missing("There is no such comment.".into()))?;
    let Some(window) = Window::minutes(state.settings.edit_minutes) else {
        return Err(AppError::NotAllowed(
            "Comments cannot be edited or deleted on this server.".into(),
        ));
    };
    let Some(given) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Checked::Refused(unauthorized(
            "Send the edit token the answer to your comment carried, as Authorization: \
             Bearer <edit_token>.",
        )));
    };
    let token = given
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(token) = token else {
        return Ok(Checked::Refused(unauthorized(
            "The Authorization header must be Bearer <edit_token>.",
        )));
    };
    match edit_token::check(state.core.secret.expose(), token) {
        Err(BadEditToken::Malformed) => Ok(Checked::Refused(unauthorized(
            "This is not an edit token. Send the edit_token the answer to your comment \
             carried, as Authorization: Bearer <edit_token>.",
        ))),
        Err(BadEditToken::Forged) => Err(commenter_edits::wrong_token()),
        Ok(grant) if grant.comment_id != id => Err(commenter_edits::wrong_token()),
        Ok(grant) => Ok(Checked::Granted(grant, window)),
    }
}

/// Replaces the text of the caller's own comment while the window is open.
/// A published comment whose edit adds links or a moderation key goes back
/// to the moderators (answered `pending`).
#[utoipa::path(put, path = "/api/comments/{id}", tag = "submitting",
    params(
        ("id" = String, Path, description = "The comment's id"),
        ("Authorization" = String, Header, description = "`Bearer <edit_token>`")),
    request_body(content = EditRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Edited: published (`approved`) or held (`pending`)", body = EditedAnswer),
        (status = 400, description = "Not a JSON object, or broken JSON", body = ErrorBody),
        (status = 401, description = "No edit token, or not one", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "A token for another comment, the window has closed, the \
            comment was moderated, or editing is off", body = ErrorBody),
        (status = 404, description = "Not a comment number", body = ErrorBody),
        (status = 409, description = "Changed by another request meanwhile", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "Not sent as application/json", body = ErrorBody),
        (status = 422, description = "The text needs attention; `fields` names `comment`", body = ErrorBody),
        (status = 429, description = "Too many requests from one address", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is busy", body = ErrorBody),
    ))]
async fn put_comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    let (grant, window) = match check(&req, &state, &id)? {
        Checked::Granted(grant, window) => (grant, window),
        Checked::Refused(answer) => return Ok(answer),
    };
    let text = super::preview::read_comment(&body)?;
    let text = CommentBody::parse(text.as_deref())
        .map_err(AppError::Invalid)?
        .into_string();
    let edited = commenter_edits::edit(&state.core, grant, window, text).await?;
    let status = edited.status.as_told_to_author();
    let comment = match status {
        Status::Approved => public(&state, &edited.comment),
        _ => held(&state, &edited.comment),
    };
    Ok(HttpResponse::Ok().json(EditedAnswer {
        comment,
        status,
        editable_until: timestamp(window.until(edited.comment.created_at)),
    }))
}

/// Moves the caller's own comment to the trash while the window is open;
/// a moderator can restore it.
#[utoipa::path(delete, path = "/api/comments/{id}", tag = "submitting",
    params(
        ("id" = String, Path, description = "The comment's id"),
        ("Authorization" = String, Header, description = "`Bearer <edit_token>`")),
    responses(
        (status = 204, description = "Deleted: moved to the trash"),
        (status = 401, description = "No edit token, or not one", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 403, description = "A token for another comment, the window has closed, the \
            comment was moderated, or editing is off", body = ErrorBody),
        (status = 404, description = "Not a comment number", body = ErrorBody),
        (status = 409, description = "Changed by another request meanwhile", body = ErrorBody),
        (status = 429, description = "Too many requests from one address", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is busy", body = ErrorBody),
    ))]
async fn delete_comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (grant, window) = match check(&req, &state, &id)? {
        Checked::Granted(grant, window) => (grant, window),
        Checked::Refused(answer) => return Ok(answer),
    };
    commenter_edits::delete(&state.core, grant, window).await?;
    Ok(HttpResponse::NoContent().finish())
}
