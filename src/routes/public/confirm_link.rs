//! `/confirm/{token}`: the link of the one e-mail an unconfirmed address
//! gets. The GET shows a page whose button confirms (mail scanners prefetch
//! links); the POST confirms, and confirming twice says so.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use super::links::{failed, gone, refused, too_many};
use super::page;
use crate::db::{self, comments, confirmations, posts};
use crate::domain::token::{self, BadLink, Grant};
use crate::routes::client::burst;
use crate::routes::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/confirm/{token}")
            .route(web::get().to(confirm_page))
            .route(web::post().to(confirm))
            .default_service(crate::routes::only("GET, POST")),
    );
}

/// The comment a confirmation token names, or why it names none.
fn asking_comment(state: &AppState, token: &str) -> Result<i64, BadLink> {
    match token::check(state.core.secret.expose(), token, Utc::now())? {
        Grant::Confirm { comment_id } => Ok(comment_id),
        _ => Err(BadLink::Invalid),
    }
}

/// The page of a confirmation link: what it confirms, and the button.
#[utoipa::path(get, path = "/confirm/{token}", tag = "e-mail links",
    params(("token" = String, Path, description = "The signed token from the confirmation e-mail")),
    responses(
        (status = 200, description = "A page asking to confirm", body = String, content_type = "text/html"),
        (status = 400, description = "The link is not valid", body = String, content_type = "text/html"),
        (status = 404, description = "The comment that asked no longer exists, or no longer has an \
            address", body = String, content_type = "text/html"),
        (status = 410, description = "The link has expired", body = String, content_type = "text/html"),
        (status = 503, description = "The database is busy", body = String, content_type = "text/html"),
    ))]
async fn confirm_page(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    let comment_id = match asking_comment(&state, &token) {
        Ok(id) => id,
        Err(why) => return refused(why),
    };
    let found = state
        .core
        .db
        .read(move |conn| {
            let Some(comment) = comments::find(conn, comment_id)? else {
                return Ok(None);
            };
            if comment.email.is_empty() {
                return Ok(None);
            }
            let post = posts::find(conn, comment.post_id)?;
            Ok(Some(if post.title.is_empty() {
                post.post_key
            } else {
                post.title
            }))
        })
        .await;
    match found {
        Ok(Some(post_title)) => page::confirm(
            "Confirm your address",
            &format!(
                "Confirm that this address is yours, to get e-mails about replies to your \
                 comment on “{post_title}” from now on?"
            ),
            "Confirm my address",
            None,
        ),
        Ok(None) => gone(),
        Err(e) => failed(&e),
    }
}

/// Confirms the address of the comment the link names; idempotent.
#[utoipa::path(post, path = "/confirm/{token}", tag = "e-mail links",
    params(("token" = String, Path, description = "The signed token from the confirmation e-mail")),
    responses(
        (status = 200, description = "Confirmed, or already confirmed; the page says which", body = String,
            content_type = "text/html"),
        (status = 400, description = "The link is not valid", body = String, content_type = "text/html"),
        (status = 404, description = "The comment that asked no longer exists, or no longer has an \
            address", body = String, content_type = "text/html"),
        (status = 410, description = "The link has expired", body = String, content_type = "text/html"),
        (status = 429, description = "Too many requests from one address", body = String,
            content_type = "text/html", headers(("Retry-After" = u64))),
        (status = 503, description = "The database is busy", body = String, content_type = "text/html"),
    ))]
async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    if let Err(seconds) = burst(&req, &state) {
        return too_many(seconds);
    }
    let comment_id = match asking_comment(&state, &token) {
        Ok(id) => id,
        Err(why) => return refused(why),
    };
    let keys = state.core.sites.address_keys().clone();
    let done = state
        .core
        .db
        .write(move |conn| {
            let Some(comment) = comments::find(conn, comment_id)? else {
                return Ok(None);
            };
            // A forgotten address has left its comments: nothing to confirm.
            let Some(key) = keys.of(&comment.email) else {
                return Ok(None);
            };
            Ok(Some(confirmations::confirm(conn, &key, db::now())?))
        })
        .await;
    match done {
        Ok(Some(true)) => page::message(
            StatusCode::OK,
            "Address confirmed",
            "Thank you: your address is confirmed. Replies published from now on will be \
             e-mailed to you.",
            None,
        ),
        Ok(Some(false)) => page::message(
            StatusCode::OK,
            "Already confirmed",
            "Your address is already confirmed: there is nothing more to do.",
            None,
        ),
        Ok(None) => gone(),
        Err(e) => failed(&e),
    }
}
