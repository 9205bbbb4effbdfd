//! The one-click links from e-mails: `/moderate/{token}` and `/unsubscribe/{token}`.
//! A GET only shows what would happen (mail scanners prefetch links); the POST
//! acts, and acting twice is harmless.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use super::page::{self, Shown};
use crate::db::{comments, posts};
use crate::domain::moderation::Action;
use crate::domain::status::Status;
use crate::domain::token::{self, BadLink, Grant};
use crate::error::AppError;
use crate::moderation::{self, Link, LinkState};
use crate::routes::client::{burst, burst_message};
use crate::routes::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/moderate/{token}")
            .route(web::get().to(confirm_moderation))
            .route(web::post().to(moderate))
            .default_service(crate::routes::only("GET, POST")),
    )
    .service(
        web::resource("/unsubscribe/{token}")
            .route(web::get().to(confirm_unsubscribe))
            .route(web::post().to(unsubscribe))
            .default_service(crate::routes::only("GET, POST")),
    );
}

pub(super) fn refused(why: BadLink) -> HttpResponse {
    let status = match why {
        BadLink::Invalid => StatusCode::BAD_REQUEST,
        BadLink::Expired => StatusCode::GONE,
    };
    page::message(status, "This link does not work", &why.to_string(), None)
}

pub(super) fn gone() -> HttpResponse {
    page::message(
        StatusCode::NOT_FOUND,
        "Nothing to do",
        "This comment no longer exists.",
        None,
    )
}

pub(super) fn failed(error: &AppError) -> HttpResponse {
    error.log_if_internal();
    page::message(
        actix_web::ResponseError::status_code(error),
        "That did not work",
        &error.to_string(),
        None,
    )
}

fn grant(state: &AppState, token: &str) -> Result<Grant, BadLink> {
    token::check(state.core.secret.expose(), token, Utc::now())
}

/// The link a moderation token names, or why it names none.
fn moderation_link(state: &AppState, token: &str) -> Result<Link, BadLink> {
    match grant(state, token)? {
        Grant::Moderate {
            comment_id,
            action,
            moderator_id,
            seen,
        } => Ok(Link {
            comment_id,
            action,
            moderator_id,
            seen,
        }),
        _ => Err(BadLink::Invalid),
    }
}

/// The page for a link that will not act, saying why; `None` when it may.
fn will_not_act(state: &LinkState) -> Option<HttpResponse> {
    Some(match state {
        LinkState::Unchanged { .. } => return None,
        LinkState::Gone => gone(),
        LinkState::AlreadyDone(now) => page::message(
            StatusCode::OK,
            "Nothing to do",
            &format!("Nothing to do: the comment is already {now}."),
            None,
        ),
        LinkState::Changed(now) => page::message(
            StatusCode::CONFLICT,
            "This link no longer works",
            &format!(
                "The comment has changed since this e-mail was written: it is now {now}. \
                 Open the admin page to act on it."
            ),
            None,
        ),
        LinkState::ModeratorGone => page::message(
            StatusCode::FORBIDDEN,
            "This link no longer works",
            "It was sent to a moderator who has since been removed.",
            None,
        ),
    })
}

async fn shown(state: &AppState, link: Link) -> Result<Result<Shown, LinkState>, AppError> {
    state
        .core
        .db
        .read(move |conn| {
            let standing = moderation::link_state(conn, &link)?;
            if !matches!(standing, LinkState::Unchanged { .. }) {
                return Ok(Err(standing));
            }
            let Some(comment) = comments::find(conn, link.comment_id)? else {
                return Ok(Err(LinkState::Gone));
            };
            let post = posts::find(conn, comment.post_id)?;
            let post_title = if post.title.is_empty() {
                post.post_key
            } else {
                post.title
            };
            Ok(Ok(Shown {
                author: comment.author,
                post_title,
                body: comment.body,
            }))
        })
        .await
}

/// The confirmation page of a one-click moderation link (mail scanners prefetch links).
#[utoipa::path(get, path = "/moderate/{token}", tag = "e-mail links",
    params(("token" = String, Path, description = "The signed token from the e-mail")),
    responses(
        (status = 200, description = "A page asking to confirm, showing the comment, or saying \
            there is nothing to do", body = String, content_type = "text/html"),
        (status = 400, description = "The link is not valid", body = String, content_type = "text/html"),
        (status = 403, description = "The moderator it was sent to was removed", body = String,
            content_type = "text/html"),
        (status = 404, description = "The comment no longer exists", body = String, content_type = "text/html"),
        (status = 409, description = "The comment changed since the e-mail was written", body = String,
            content_type = "text/html"),
        (status = 410, description = "The link has expired", body = String, content_type = "text/html"),
        (status = 503, description = "The database is busy", body = String, content_type = "text/html"),
    ))]
async fn confirm_moderation(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    let link = match moderation_link(&state, &token) {
        Ok(link) => link,
        Err(why) => return refused(why),
    };
    match shown(&state, link).await {
        Ok(Ok(comment)) => page::confirm(
            link.action.label(),
            &format!("{} this comment?", link.action.label()),
            link.action.label(),
            Some(comment),
        ),
        Ok(Err(standing)) => will_not_act(&standing).unwrap_or_else(gone),
        Err(e) => failed(&e),
    }
}

/// Acts on a one-click moderation link, once, on the comment its e-mail showed.
#[utoipa::path(post, path = "/moderate/{token}", tag = "e-mail links",
    params(("token" = String, Path, description = "The signed token from the e-mail")),
    responses(
        (status = 200, description = "Done, or nothing to do; the page says which", body = String, content_type = "text/html"),
        (status = 400, description = "The link is not valid", body = String, content_type = "text/html"),
        (status = 403, description = "The moderator it was sent to was removed", body = String,
            content_type = "text/html"),
        (status = 404, description = "The comment no longer exists", body = String, content_type = "text/html"),
        (status = 409, description = "The comment changed since the e-mail was written", body = String,
            content_type = "text/html"),
        (status = 410, description = "The link has expired", body = String, content_type = "text/html"),
        (status = 429, description = "Too many requests from one address", body = String,
            content_type = "text/html", headers(("Retry-After" = u64))),
        (status = 503, description = "The database is busy", body = String, content_type = "text/html"),
    ))]
async fn moderate(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    if let Err(seconds) = burst(&req, &state) {
        return too_many(seconds);
    }
    let link = match moderation_link(&state, &token) {
        Ok(link) => link,
        Err(why) => return refused(why),
    };
    let applied = moderation::follow_link(&state.core, link).await;
    match applied {
        Ok((_, Some(done))) => {
            let now = done.to.map_or("deleted", Status::as_str);
            let message = if done.changed {
                format!("Done: the comment is now {now}.")
            } else {
                format!("Nothing to do: the comment was already {now}.")
            };
            page::message(StatusCode::OK, past_tense(link.action), &message, None)
        }
        Ok((standing, None)) => will_not_act(&standing).unwrap_or_else(gone),
        Err(AppError::Missing(_)) => gone(),
        Err(e) => failed(&e),
    }
}

/// The page for an address that used up its burst of requests.
pub(super) fn too_many(seconds: u64) -> HttpResponse {
    let mut response = page::message(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many requests",
        &burst_message(seconds),
        None,
    );
    if let Ok(value) = header::HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn past_tense(action: Action) -> &'static str {
    match action {
        Action::Approve => "Approved",
        Action::Spam => "Marked as spam",
        Action::Trash => "Moved to the trash",
        _ => "Done",
    }
}

/// The confirmation page of an unsubscribe link.
#[utoipa::path(get, path = "/unsubscribe/{token}", tag = "e-mail links",
    params(("token" = String, Path, description = "The signed token from the e-mail")),
    responses(
        (status = 200, description = "A page asking to confirm", body = String, content_type = "text/html"),
        (status = 400, description = "The link is not valid", body = String, content_type = "text/html"),
        (status = 410, description = "The link has expired", body = String, content_type = "text/html"),
    ))]
async fn confirm_unsubscribe(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    match grant(&state, &token) {
        Ok(Grant::Unsubscribe { .. }) => page::confirm(
            "Stop reply notifications",
            "Stop e-mails about replies to your comments?",
            "Unsubscribe",
            None,
        ),
        Ok(_) => refused(BadLink::Invalid),
        Err(why) => refused(why),
    }
}

/// Also the target of the one-click `List-Unsubscribe-Post` (RFC 8058).
#[utoipa::path(post, path = "/unsubscribe/{token}", tag = "e-mail links",
    params(("token" = String, Path, description = "The signed token from the e-mail")),
    responses(
        (status = 200, description = "Unsubscribed (also when already)", body = String, content_type = "text/html"),
        (status = 400, description = "The link is not valid", body = String, content_type = "text/html"),
        (status = 410, description = "The link has expired", body = String, content_type = "text/html"),
        (status = 429, description = "Too many requests from one address", body = String,
            content_type = "text/html", headers(("Retry-After" = u64))),
        (status = 503, description = "The database is busy", body = String, content_type = "text/html"),
    ))]
async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    if let Err(seconds) = burst(&req, &state) {
        return too_many(seconds);
    }
    let comment_id = match grant(&state, &token) {
        Ok(Grant::Unsubscribe { comment_id }) => comment_id,
        Ok(_) => return refused(BadLink::Invalid),
        Err(why) => return refused(why),
    };
    let done = state
        .core
        .db
        .write(move |conn| Ok(comments::unsubscribe_author_of(conn, comment_id)?))
        .await;
    match done {
        Ok(_) => page::message(
            StatusCode::OK,
            "Unsubscribed",
            "You will get no more e-mails about replies to your comments.",
            None,
        ),
        Err(e) => failed(&e),
    }
}
