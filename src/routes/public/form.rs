//! The no-JavaScript way in: `POST /comments` and WordPress's `wp-comments-post.php`.

use actix_web::error::UrlencodedError;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use url::Url;
use utoipa::ToSchema;

use super::{BODY_LIMIT, only_post, page, sender};
use crate::domain::draft::{CommentDraft, Submission};
use crate::domain::origin::OriginPolicy;
use crate::domain::proof::PowMode;
use crate::domain::status::Status;
use crate::error::AppError;
use crate::routes::client::burst;
use crate::routes::state::AppState;
use crate::sites::{DEFAULT_NAME, Directory};
use crate::submission::{self, Accepted, Channel, Sender};

/// The query flag a blog page can look for to say "awaiting moderation".
pub const HELD_FLAG: (&str, &str) = ("replydesk", "awaiting-moderation");

pub fn configure(cfg: &mut web::ServiceConfig) {
    let config = web::FormConfig::default()
        .limit(BODY_LIMIT)
        .error_handler(form_error);
    cfg.service(
        web::resource("/comments")
            .app_data(config.clone())
            .route(web::post().to(post_form))
            .default_service(web::to(only_post)),
    )
    .service(
        web::resource("/wp-comments-post.php")
            .app_data(config)
            .route(web::post().to(post_wordpress_form))
            .default_service(web::to(only_post)),
    );
}

type Pairs = web::Form<Vec<(String, String)>>;

/// The fields of the plain HTML form, as documented; `read_fields` reads them.
#[derive(ToSchema)]
#[expect(dead_code, reason = "describes the form for the OpenAPI document only")]
pub struct CommentForm {
    /// The post's key (1–255 characters).
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u180e\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff]*$"
    )]
    post: String,
    #[schema(max_length = 500, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    post_title: Option<String>,
    /// The post's address; when empty, the page the form was posted from.
    #[schema(max_length = 2000, pattern = "^(https?://[^\\s/]+.*)?$")]
    post_url: Option<String>,
    /// The id of the approved comment replied to; empty or 0 for none.
    #[schema(pattern = "^[0-9]*$")]
    parent: Option<String>,
    /// Required unless `require_name_email` is off.
    #[schema(
        max_length = 245,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u180e\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff]*$"
    )]
    author: String,
    /// Required unless `require_name_email` is off; never shown to readers.
    #[schema(max_length = 100, format = Email)]
    email: String,
    #[schema(max_length = 200, pattern = "^(https?://[^\\s/]+.*)?$")]
    url: Option<String>,
    #[schema(
        min_length = 1,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    comment: String,
    /// `1`, `on`, `yes` or `true` to be e-mailed replies.
    subscribe: Option<String>,
    /// Where to send the commenter afterwards, on an allowed origin.
    redirect_to: Option<String>,
    /// The honeypot: left empty by people.
    hp: Option<String>,
    /// The render-time token from `GET /api/form-token`, if a script added one.
    form_token: Option<String>,
    /// ALTCHA's proof of work, base64 of its JSON payload, if a script added
    /// one. Under `REPLYDESK_POW=require` a form without a valid one is held.
    #[schema(max_length = 1000, pattern = "^[A-Za-z0-9+/=_-]*$")]
    altcha: Option<String>,
}

/// WordPress's comment form fields, as documented; `read_fields` reads them.
#[derive(ToSchema, serde::Serialize)]
pub struct WordPressForm {
    /// The post's key (WordPress sends its post ID).
    #[serde(rename = "comment_post_ID")]
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u180e\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff]*$"
    )]
    comment_post_id: String,
    #[schema(pattern = "^[0-9]*$")]
    comment_parent: Option<String>,
    #[schema(
        max_length = 245,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u180e\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff]*$"
    )]
    author: String,
    #[schema(max_length = 100, format = Email)]
    email: String,
    #[schema(max_length = 200, pattern = "^(https?://[^\\s/]+.*)?$")]
    url: Option<String>,
    #[schema(
        min_length = 1,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    comment: String,
    redirect_to: Option<String>,
    /// Accepted and ignored: Replydesk sets no cookies.
    #[serde(rename = "wp-comment-cookies-consent")]
    wp_comment_cookies_consent: Option<String>,
    subscribe: Option<String>,
    hp: Option<String>,
    form_token: Option<String>,
    #[schema(max_length = 1000, pattern = "^[A-Za-z0-9+/=_-]*$")]
    altcha: Option<String>,
}

/// The no-JavaScript form post.
#[utoipa::path(post, path = "/comments", tag = "submitting",
    request_body(content = CommentForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Stored: back to the post, at `#comment-ID` when published, \
            with `?replydesk=awaiting-moderation` when held", headers(("Location" = String))),
        (status = 200, description = "Stored, with no blog page to go back to", body = String,
            content_type = "text/html"),
        (status = 400, description = "The form could not be read", body = String, content_type = "text/html"),
        (status = 403, description = "Comments closed, or not from the blog", body = String, content_type = "text/html"),
        (status = 409, description = "The same comment was already posted", body = String, content_type = "text/html"),
        (status = 413, description = "The form is too large", body = String, content_type = "text/html"),
        (status = 415, description = "Not a urlencoded form", body = String, content_type = "text/html"),
        (status = 422, description = "A page naming each field's problem", body = String, content_type = "text/html"),
        (status = 429, description = "Too soon after the last comment, or too many requests from one \
            address", body = String, content_type = "text/html",
            headers(("Retry-After" = u64))),
        (status = 503, description = "The database is busy", body = String, content_type = "text/html"),
    ))]
async fn post_form(req: HttpRequest, state: web::Data<AppState>, form: Pairs) -> HttpResponse {
    handle(&req, &state, read_fields(form.into_inner(), |name| name)).await
}

/// WordPress's comment form, field for field, so a theme only changes its `action`.
#[utoipa::path(post, path = "/wp-comments-post.php", tag = "submitting",
    request_body(content = WordPressForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Stored: back to the post", headers(("Location" = String))),
        (status = 200, description = "Stored, with no blog page to go back to", body = String,
            content_type = "text/html"),
        (status = 400, description = "The form could not be read", body = String, content_type = "text/html"),
        (status = 403, description = "Comments closed, or not from the blog", body = String, content_type = "text/html"),
        (status = 409, description = "The same comment was already posted", body = String, content_type = "text/html"),
        (status = 413, description = "The form is too large", body = String, content_type = "text/html"),
        (status = 415, description = "Not a urlencoded form", body = String, content_type = "text/html"),
        (status = 422, description = "A page naming each field's problem", body = String, content_type = "text/html"),
        (status = 429, description = "Too soon after the last comment, or too many requests from one \
            address", body = String, content_type = "text/html",
            headers(("Retry-After" = u64))),
        (status = 503, description = "The database is busy", body = String, content_type = "text/html"),
    ))]
async fn post_wordpress_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: Pairs,
) -> HttpResponse {
    let fields = read_fields(form.into_inner(), |name| match name {
        "comment_post_ID" => "post",
        "comment_parent" => "parent",
        other => other,
    });
    handle(&req, &state, fields).await
}

/// The submission plus the form-only field that says where to go afterwards.
struct FormFields {
    submission: Submission,
    redirect_to: Option<String>,
}

fn read_fields(pairs: Vec<(String, String)>, rename: impl Fn(&str) -> &str) -> FormFields {
    let mut s = Submission::default();
    let mut redirect_to = None;
    for (name, value) in pairs {
        let slot = match rename(&name) {
            "post" => &mut s.post,
            "post_title" => &mut s.post_title,
            "post_url" => &mut s.post_url,
            "parent" => &mut s.parent,
            "author" => &mut s.author,
            "email" => &mut s.email,
            "url" => &mut s.url,
            "comment" => &mut s.comment,
            "hp" => &mut s.honeypot,
            "form_token" => &mut s.form_token,
            "altcha" => &mut s.altcha,
            "redirect_to" => &mut redirect_to,
            "subscribe" => {
                s.subscribe = matches!(value.trim(), "1" | "on" | "yes" | "true");
                continue;
            }
            _ => continue,
        };
        *slot = Some(value);
    }
    FormFields {
        submission: s,
        redirect_to,
    }
}

async fn handle(req: &HttpRequest, state: &AppState, mut fields: FormFields) -> HttpResponse {
    let directory = state.core.sites.cached();
    let from = sender(req, &state.settings, Channel::Form);
    let referer = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| Url::parse(r).ok())
        .filter(|url| directory.for_url(url).is_some())
        .map(|mut url| {
            without_flag(&mut url);
            url.set_fragment(None);
            String::from(url)
        });
    // A WordPress theme's form names no post URL; the page it was posted from is it.
    if fields
        .submission
        .post_url
        .as_deref()
        .is_none_or(|u| u.trim().is_empty())
    {
        fields.submission.post_url.clone_from(&referer);
    }
    let back = [fields.submission.post_url.as_deref(), referer.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|u| allowed_url(&directory, u));
    let comment = fields.submission.comment.as_deref();
    if let Err(retry_after_seconds) = burst(req, state) {
        let refused = AppError::TooFast {
            retry_after_seconds,
        };
        return page::form_error(&refused, comment, back.as_deref());
    }
    if state.core.pow.mode == PowMode::Off {
        // Proof of work is off: the field is ignored, not even bounded.
        fields.submission.altcha = None;
    }
    let require_hint = hint_for(&directory, &from);
    let draft = match CommentDraft::parse_for_storage(&fields.submission, require_hint) {
        Ok(draft) => draft,
        Err(errors) => {
            return page::form_error(&AppError::Invalid(errors), comment, back.as_deref());
        }
    };
    match submission::submit(&state.core, draft, from).await {
        Ok(accepted) => {
            state.metrics.submitted(&directory, &accepted);
            let target = [
                fields.redirect_to.as_deref(),
                Some(accepted.post_url.as_str()),
                referer.as_deref(),
            ]
            .into_iter()
            .flatten()
            .find_map(|u| resolve(&accepted.site.origins, u, back.as_deref()));
            let issued = super::edit_page::issued(req, state, &accepted.comment);
            let (cookie, link) = issued.unzip();
            let mut response = answer(accepted, target, link.as_ref());
            if let Some(cookie) = cookie
                && response.add_cookie(&cookie).is_err()
            {
                tracing::debug!("could not set the edit cookie");
            }
            response
        }
        Err(e) => page::form_error(&e, comment, back.as_deref()),
    }
}

/// Whether a name and e-mail are required, as far as this instance last
/// knew for the sender's site: a hint for parsing, which the rules judge again.
pub fn hint_for(directory: &Directory, from: &Sender) -> bool {
    from.page
        .as_deref()
        .and_then(|page| directory.for_header(page))
        .or_else(|| directory.named(DEFAULT_NAME))
        .is_none_or(|site| site.rules.require_name_email)
}

fn allowed_url(directory: &Directory, text: &str) -> Option<String> {
    Url::parse(text.trim())
        .ok()
        .filter(|url| directory.for_url(url).is_some())
        .map(String::from)
}

/// A redirect target on an allowed origin; relative targets are read against the
/// post's page. Anything else is dropped, so the form cannot be used to send
/// people to another site.
fn resolve(policy: &OriginPolicy, text: &str, base: Option<&str>) -> Option<Url> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let url = match Url::parse(text) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => Url::parse(base?).ok()?.join(text).ok()?,
        Err(_) => return None,
    };
    policy.allows(&url).then_some(url)
}

fn answer(accepted: Accepted, target: Option<Url>, edit: Option<&page::EditLink>) -> HttpResponse {
    let told = accepted.status.as_told_to_author();
    let Some(mut url) = target else {
        return page::received(told == Status::Approved, None, edit);
    };
    without_flag(&mut url);
    if told != Status::Approved {
        url.query_pairs_mut().append_pair(HELD_FLAG.0, HELD_FLAG.1);
    }
    let fragment = match told {
        Status::Approved => format!("comment-{}", accepted.comment.id),
        _ => "comments".to_owned(),
    };
    url.set_fragment(Some(&fragment));
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url.as_str()))
        .finish()
}

/// Drops our own "awaiting moderation" flag, left by an earlier submission.
fn without_flag(url: &mut Url) {
    let others: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != HELD_FLAG.0)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.set_query(None);
    if !others.is_empty() {
        url.query_pairs_mut().extend_pairs(others);
    }
}

pub(super) fn form_error(err: UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    let error = match err {
        UrlencodedError::ContentType => AppError::UnsupportedFormat(
            "The form must be sent as application/x-www-form-urlencoded, as a plain HTML form is."
                .into(),
        ),
        UrlencodedError::Overflow { .. } => AppError::TooLarge(
            "The form is too large; a comment can be at most 65,525 bytes.".into(),
        ),
        other => AppError::Malformed(format!("The form could not be read: {other}.")),
    };
    actix_web::error::InternalError::from_response(
        error.to_string(),
        page::form_error(&error, None, None),
    )
    .into()
}
