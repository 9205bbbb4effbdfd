//! The JavaScript way in: `POST /api/comments` with a JSON body.

use actix_web::error::JsonPayloadError;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::view::{PublicComment, held, public};
use super::{BODY_LIMIT, only_post, sender};
use crate::domain::draft::{CommentDraft, FieldErrors, Submission};
use crate::domain::proof::PowMode;
use crate::domain::status::Status;
use crate::error::AppError;
use crate::routes::client::burst_or_refuse;
use crate::routes::errors::ErrorBody;
use crate::routes::state::AppState;
use crate::submission::{self, Channel};

pub fn configure(cfg: &mut web::ServiceConfig) {
    let config = web::JsonConfig::default()
        .limit(BODY_LIMIT)
        .content_type_required(true)
        .error_handler(json_error);
    cfg.service(
        web::resource("/api/comments")
            .app_data(config)
            .route(web::post().to(post_json))
            .default_service(web::to(only_post)),
    );
}

/// The body of `POST /api/comments`, as documented. The handler reads it
/// leniently from a JSON object (see `read_fields`), so this type is its
/// contract, not its parser.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "describes the JSON body for the OpenAPI document only"
)]
pub struct CommentRequest {
    /// The post's key: a slug, a path or a WordPress post ID (1–255 characters).
    #[schema(value_type = TextOrNumber)]
    post: String,
    /// One line of text.
    #[schema(max_length = 500, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    post_title: Option<String>,
    /// The post's address; must be on an allowed origin.
    #[schema(max_length = 2000, pattern = "^(https?://[^\\s/]+.*)?$")]
    post_url: Option<String>,
    /// The id of the approved comment this one replies to; empty or 0 for none.
    #[schema(value_type = Option<TextOrNumber>)]
    parent: Option<String>,
    /// The commenter's name (required unless `require_name_email` is off).
    #[schema(
        max_length = 245,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u180e\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff]*$"
    )]
    author: String,
    /// Never shown to readers (required unless `require_name_email` is off).
    #[schema(max_length = 100, format = Email)]
    email: String,
    /// The commenter's website, http(s).
    #[schema(max_length = 200, pattern = "^(https?://[^\\s/]+.*)?$")]
    url: Option<String>,
    /// The text, at most 65,525 bytes; line breaks and tabs are kept, other
    /// control characters refused.
    #[schema(
        min_length = 1,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    comment: String,
    /// E-mail the commenter when someone replies (needs an email).
    #[schema(value_type = Option<Flag>)]
    subscribe: Option<bool>,
    /// The honeypot: left empty by people; anything in it makes the comment spam.
    hp: Option<String>,
    /// The token from `GET /api/form-token`, fetched when the form was shown.
    /// Sent back sooner than `min_submit_seconds`, the comment is spam (answered
    /// as if held); a token that is not this server's counts as none.
    form_token: Option<String>,
    /// ALTCHA's proof of work: base64 of the JSON payload
    /// `{algorithm, challenge, number, salt, signature, took}` solving a challenge
    /// from `GET /api/altcha`, as ALTCHA's widget posts it. Each solution is good
    /// for one comment. Under `REPLYDESK_POW=require` a comment without a valid
    /// one is refused with `422` naming `altcha`.
    #[schema(max_length = 1000, pattern = "^[A-Za-z0-9+/=_-]*$")]
    altcha: Option<String>,
}

/// Text, or a number read as its text (post and comment IDs often arrive as numbers).
#[derive(ToSchema, Serialize)]
#[expect(
    dead_code,
    reason = "describes the JSON body for the OpenAPI document only"
)]
#[serde(untagged)]
pub enum TextOrNumber {
    Text(String),
    Number(f64),
}

/// `true`/`false`, or the form words `1`, `on`, `yes`, `true` (anything else is false).
#[derive(ToSchema, Serialize)]
#[expect(
    dead_code,
    reason = "describes the JSON body for the OpenAPI document only"
)]
#[serde(untagged)]
pub enum Flag {
    Bool(bool),
    Text(String),
    Number(f64),
}

/// What the commenter is told about their comment: spam looks like `pending`.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(
    dead_code,
    reason = "describes the answer for the OpenAPI document only"
)]
pub enum ToldStatus {
    Approved,
    Pending,
}

/// The answer to an accepted comment: its public view and where it stands.
#[derive(Serialize, ToSchema)]
pub struct Created {
    #[serde(flatten)]
    comment: PublicComment,
    #[schema(value_type = ToldStatus)]
    status: Status,
    /// The token for `PUT`/`DELETE /api/comments/{id}` (`Authorization:
    /// Bearer`), with which the commenter may change the comment until
    /// `editable_until`. Absent when editing is off (`REPLYDESK_EDIT_MINUTES=0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    edit_token: Option<String>,
    /// Until when the comment can be edited or deleted, RFC 3339 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    editable_until: Option<String>,
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The comment form's submission as JSON, as `/embed.js` sends it.
#[utoipa::path(post, path = "/api/comments", tag = "submitting",
    request_body(content = CommentRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Stored: published (`approved`) or held (`pending`)", body = Created),
        (status = 400, description = "Not a JSON object, or broken JSON", body = ErrorBody),
        (status = 403, description = "Comments closed, or a page or post URL not on the blog", body = ErrorBody),
        (status = 409, description = "The same comment was already posted", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "Not sent as application/json", body = ErrorBody),
        (status = 422, description = "Fields need attention; `fields` names each", body = ErrorBody),
        (status = 429, description = "Too soon after the same sender's last comment, or too many \
            requests from one address", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is busy", body = ErrorBody),
    ))]
async fn post_json(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    burst_or_refuse(&req, &state)?;
    let mut input = read_fields(body.into_inner())?;
    if state.core.pow.mode == PowMode::Off {
        // Proof of work is off: the field is ignored, not even bounded.
        input.altcha = None;
    }
    let from = sender(&req, &state.settings, Channel::Script);
    let require_hint = super::form::hint_for(&state.core.sites.cached(), &from);
    let draft = CommentDraft::parse_for_storage(&input, require_hint).map_err(AppError::Invalid)?;
    let accepted = submission::submit(&state.core, draft, from).await?;
    state
        .metrics
        .submitted(&state.core.sites.cached(), &accepted);
    let status = accepted.status.as_told_to_author();
    let comment = match status {
        Status::Approved => public(&state, &accepted.comment),
        _ => held(&state, &accepted.comment),
    };
    let (edit_token, editable_until) = super::edits::issued(&state, &accepted.comment).unzip();
    Ok(HttpResponse::Created().json(Created {
        comment,
        status,
        edit_token,
        editable_until,
    }))
}

/// Reads the JSON object leniently: numbers are accepted where text is expected
/// (a post ID or parent ID often arrives as a number); anything else of the wrong
/// type is a field error, not a parse failure.
fn read_fields(body: Value) -> Result<Submission, AppError> {
    let Value::Object(map) = body else {
        return Err(AppError::Malformed(
            "The request body must be a JSON object of fields.".into(),
        ));
    };
    let mut errors = FieldErrors::new();
    let mut text = |name: &str| -> Option<String> {
        match map.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => {
                errors.insert(name.to_owned(), "This field must be text.".into());
                None
            }
        }
    };
    let submission = Submission {
        post: text("post"),
        post_title: text("post_title"),
        post_url: text("post_url"),
        parent: text("parent"),
        author: text("author"),
        email: text("email"),
        url: text("url"),
        comment: text("comment"),
        honeypot: text("hp"),
        form_token: text("form_token"),
        altcha: text("altcha"),
        subscribe: false,
    };
    let subscribe = match map.get("subscribe") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.trim(), "1" | "on" | "yes" | "true"),
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(_) => {
            errors.insert(
                "subscribe".into(),
                "This field must be true or false.".into(),
            );
            false
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(Submission {
        subscribe,
        ..submission
    })
}

/// The worded refusal of a JSON body that cannot be read; shared with the
/// preview, which takes the same body.
pub(super) fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let error = match err {
        JsonPayloadError::ContentType => AppError::UnsupportedFormat(
            "Send the comment as JSON with Content-Type: application/json.".into(),
        ),
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            AppError::TooLarge(
                "The request is too large; a comment can be at most 65,525 bytes.".into(),
            )
        }
        JsonPayloadError::Deserialize(e) => AppError::Malformed(format!(
            "The request body is not valid JSON ({} at line {}, column {}).",
            match e.classify() {
                serde_json::error::Category::Eof => "it ends too early",
                _ => "malformed",
            },
            e.line(),
            e.column()
        )),
        _ => AppError::Malformed("The request body could not be read.".into()),
    };
    error.into()
}
