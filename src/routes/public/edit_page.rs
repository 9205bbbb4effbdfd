//! The commenter's own changes without JavaScript: a plain form's answer
//! leaves the edit token in a short-lived cookie scoped to the comment's
//! page here, `/comments/{id}/edit`, which shows the text with Save and
//! Delete buttons. The cookie is the credential; it is `HttpOnly` and
//! `SameSite=Lax`, and the page's POSTs must also come from this server's
//! own pages or a blog's, as a comment form's must.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use url::Url;

use super::page::{self, EditLink};
use crate::commenter_edits::{self, Edited, Window};
use crate::db::comments::PublicRow;
use crate::domain::draft::CommentBody;
use crate::domain::edit_token::{self, EditGrant};
use crate::domain::status::Status;
use crate::error::AppError;
use crate::routes::client::burst;
use crate::routes::state::AppState;

/// The cookie's name; its path tells the comments apart.
const COOKIE: &str = "replydesk_edit";

pub fn configure(cfg: &mut web::ServiceConfig) {
    let config = web::FormConfig::default()
        .limit(super::BODY_LIMIT)
        .error_handler(super::form::form_error);
    cfg.service(
        web::resource("/comments/{id}/edit")
            .app_data(config)
            .route(web::get().to(show))
            .route(web::post().to(act))
            .default_service(crate::routes::only("GET, POST")),
    );
}

fn path(id: i64) -> String {
    format!("/comments/{id}/edit")
}

/// The cookie a plain form's answer sets for the comment it stored, and the
/// link to its edit page; `None` while editing is off.
pub fn issued(
    req: &HttpRequest,
    state: &AppState,
    row: &PublicRow,
) -> Option<(Cookie<'static>, EditLink)> {
    let (token, until) =
        commenter_edits::issue(state.core.secret.expose(), state.settings.edit_minutes, row)?;
    let cookie = Cookie::build(COOKIE, token)
        .path(path(row.id))
        .max_age(Duration::minutes(i64::from(state.settings.edit_minutes)))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(req.connection_info().scheme() == "https" || state.public_url.scheme() == "https")
        .finish();
    let link = EditLink {
        href: format!(
            "{}{}",
            state.public_url.as_str().trim_end_matches('/'),
            path(row.id)
        ),
        until: readable(until),
    };
    Some((cookie, link))
}

fn readable(at: chrono::NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

#[derive(Template)]
#[template(path = "public/edit.html")]
struct EditPage<'a> {
    body: &'a str,
    until: String,
    held: bool,
    notice: Option<&'a str>,
    back: Option<&'a str>,
}

fn refused(title: &str, message: &str) -> HttpResponse {
    page::message(StatusCode::FORBIDDEN, title, message, None)
}

/// Why a request to the edit page carries no grant.
#[derive(Debug, Clone, Copy)]
enum NoGrant {
    NotAComment,
    EditingOff,
    NoKey,
}

impl NoGrant {
    fn answer(self) -> HttpResponse {
        match self {
            NoGrant::NotAComment => page::not_found(),
            NoGrant::EditingOff => refused(
                "Editing is off",
                "Comments cannot be edited or deleted on this server.",
            ),
            NoGrant::NoKey => refused(
                "This comment cannot be changed from this browser",
                "Only the browser that sent a comment can edit or delete it, for a short while \
                 after sending it, and this one holds no key for this comment (or its time has \
                 run out).",
            ),
        }
    }
}

/// The grant the cookie carries for comment `id`, or why there is none.
fn granted(req: &HttpRequest, state: &AppState, id: &str) -> Result<(EditGrant, Window), NoGrant> {
    let id = id
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(NoGrant::NotAComment)?;
    let window = Window::minutes(state.settings.edit_minutes).ok_or(NoGrant::EditingOff)?;
    let cookie = req.cookie(COOKIE).ok_or(NoGrant::NoKey)?;
    match edit_token::check(state.core.secret.expose(), cookie.value()) {
        Ok(grant) if grant.comment_id == id => Ok((grant, window)),
        _ => Err(NoGrant::NoKey),
    }
}

fn failed(error: &AppError, comment: Option<&str>) -> HttpResponse {
    page::form_error(error, comment, None)
}

fn shown(edited: &Edited, window: Window, notice: Option<&str>) -> HttpResponse {
    page::html(
        StatusCode::OK,
        EditPage {
            body: &edited.comment.body,
            until: readable(window.until(edited.comment.created_at)),
            held: edited.status.as_told_to_author() != Status::Approved,
            notice,
            back: None,
        }
        .render(),
    )
}

/// The page with the comment's text, a Save and a Delete button.
#[utoipa::path(get, path = "/comments/{id}/edit", tag = "submitting",
    params(("id" = String, Path, description = "The comment's id")),
    responses(
        (status = 200, description = "The text in a form, with Save and Delete buttons", body = String,
            content_type = "text/html"),
        (status = 403, description = "This browser holds no key for the comment, its time has run \
            out, or it was moderated", body = String, content_type = "text/html"),
        (status = 404, description = "Not a comment number", body = String, content_type = "text/html"),
        (status = 503, description = "The database is busy", body = String, content_type = "text/html"),
    ))]
async fn show(req: HttpRequest, state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    let (grant, window) = match granted(&req, &state, &id) {
        Ok(granted) => granted,
        Err(why) => return why.answer(),
    };
    match commenter_edits::current(&state.core, grant, window).await {
        Ok(edited) => shown(&edited, window, None),
        Err(e) => failed(&e, None),
    }
}

/// Whether the POST came from this server's own page or a blog's.
fn from_known_page(req: &HttpRequest, state: &AppState) -> bool {
    let Some(page) = super::page_of(req) else {
        return false;
    };
    let own = Url::parse(&page).is_ok_and(|url| url.origin() == state.public_url.origin());
    own || state.core.sites.cached().for_header(&page).is_some()
}

/// Saves the new text, or deletes the comment (`action=delete`).
#[utoipa::path(post, path = "/comments/{id}/edit", tag = "submitting",
    params(("id" = String, Path, description = "The comment's id")),
    request_body(content = EditForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Saved (the page again) or deleted (a page that says so)",
            body = String, content_type = "text/html"),
        (status = 403, description = "No key for the comment in this browser, not sent from a known \
            page, its time has run out, or it was moderated", body = String, content_type = "text/html"),
        (status = 404, description = "Not a comment number", body = String, content_type = "text/html"),
        (status = 409, description = "Changed by another request meanwhile", body = String,
            content_type = "text/html"),
        (status = 400, description = "The form could not be read", body = String, content_type = "text/html"),
        (status = 413, description = "The form is too large", body = String, content_type = "text/html"),
        (status = 415, description = "Not a urlencoded form", body = String, content_type = "text/html"),
        (status = 422, description = "The text needs attention", body = String, content_type = "text/html"),
        (status = 429, description = "Too many requests from one address", body = String,
            content_type = "text/html", headers(("Retry-After" = u64))),
        (status = 503, description = "The database is busy", body = String, content_type = "text/html"),
    ))]
async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let comment = field("comment");
    if let Err(retry_after_seconds) = burst(&req, &state) {
        return failed(
            &AppError::TooFast {
                retry_after_seconds,
            },
            comment,
        );
    }
    if !from_known_page(&req, &state) {
        return refused(
            "Not sent from a known page",
            "Changes to a comment are accepted only from its edit page here or from the blog's \
             own pages.",
        );
    }
    let (grant, window) = match granted(&req, &state, &id) {
        Ok(granted) => granted,
        Err(why) => return why.answer(),
    };
    if field("action") == Some("delete") {
        return match commenter_edits::delete(&state.core, grant, window).await {
            Ok(()) => {
                let mut answer = page::message(
                    StatusCode::OK,
                    "Your comment is deleted",
                    "It has been taken down. If that was a mistake, ask the blog's moderators: \
                     they can restore it.",
                    None,
                );
                let mut gone = Cookie::build(COOKIE, "")
                    .path(path(grant.comment_id))
                    .finish();
                gone.make_removal();
                if answer.add_cookie(&gone).is_err() {
                    // It only stays until it expires, and opens nothing now.
                    tracing::debug!("could not clear the edit cookie");
                }
                answer
            }
            Err(e) => failed(&e, None),
        };
    }
    let text = match CommentBody::parse(comment) {
        Ok(text) => text.into_string(),
        Err(errors) => return failed(&AppError::Invalid(errors), comment),
    };
    match commenter_edits::edit(&state.core, grant, window, text).await {
        Ok(edited) => {
            let notice = if edited.status.as_told_to_author() == Status::Approved {
                "Saved."
            } else {
                "Saved. Your comment is awaiting moderation."
            };
            shown(&edited, window, Some(notice))
        }
        Err(e) => failed(&e, comment),
    }
}

/// The fields of the edit page's forms.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "describes the form for the OpenAPI document only")]
pub struct EditForm {
    /// `save` (the default) or `delete`.
    action: Option<String>,
    /// The new text, for `save`.
    #[schema(pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$")]
    comment: Option<String>,
}
