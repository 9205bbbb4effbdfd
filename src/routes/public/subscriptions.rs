//! `/subscriptions/{token}`: the self-service page every e-mail to a
//! commenter links to. It lists the address's subscriptions and whether the
//! address is confirmed; its buttons stop one, stop all, or send the
//! confirmation again. The token names a comment, and through it an
//! address: it acts on that address's comments and on no one else's. A GET
//! never changes anything.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;

use super::links::{failed, gone, refused, too_many};
use super::page;
use crate::confirmation::{self, Asked, Request};
use crate::db::subscriptions::{self, Subscription};
use crate::db::{self, AnyConnection, QueryResult, comments};
use crate::domain::address::AddressKeys;
use crate::domain::token::{self, BadLink, Grant};
use crate::domain::words::count_of;
use crate::error::AppError;
use crate::routes::client::{burst, client_ip};
use crate::routes::state::AppState;

/// How many subscriptions the page lists, newest first; "Stop all" stops
/// the rest too.
const LISTED: i64 = 200;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/subscriptions/{token}")
            .route(web::get().to(show))
            .default_service(crate::routes::only("GET")),
    )
    .service(
        web::resource("/subscriptions/{token}/stop/{comment}")
            .route(web::post().to(stop_one))
            .default_service(crate::routes::only("POST")),
    )
    .service(
        web::resource("/subscriptions/{token}/stop-all")
            .route(web::post().to(stop_all))
            .default_service(crate::routes::only("POST")),
    )
    .service(
        web::resource("/subscriptions/{token}/resend")
            .route(web::post().to(resend))
            .default_service(crate::routes::only("POST")),
    );
}

#[derive(Template)]
#[template(path = "public/subscriptions.html")]
struct SubscriptionsPage<'a> {
    token: &'a str,
    notice: Option<&'a str>,
    confirmed: bool,
    rows: Vec<Line>,
    total: usize,
    total_words: String,
}

/// One subscription as the page shows it.
struct Line {
    id: i64,
    title: String,
    link: Option<String>,
    when: String,
}

/// What the page shows of an address.
struct Listing {
    confirmed: bool,
    rows: Vec<Subscription>,
    total: i64,
}

fn grant(state: &AppState, token: &str) -> Result<i64, BadLink> {
    match token::check(state.core.secret.expose(), token, Utc::now())? {
        Grant::Subscriptions { comment_id } => Ok(comment_id),
        _ => Err(BadLink::Invalid),
    }
}

/// The address the token's comment was written with (as stored: trimmed
/// and lower-cased); `None` when the comment is gone or its address was
/// forgotten.
fn owner(conn: &mut AnyConnection, comment_id: i64) -> QueryResult<Option<String>> {
    Ok(comments::find(conn, comment_id)?
        .map(|comment| comment.email)
        .filter(|email| !email.is_empty()))
}

fn listing(conn: &mut AnyConnection, keys: &AddressKeys, email: &str) -> QueryResult<Listing> {
    let (rows, total) = subscriptions::of_address(conn, email, LISTED)?;
    Ok(Listing {
        confirmed: confirmation::is_confirmed(conn, keys, email)?,
        rows,
        total,
    })
}

fn render(status: StatusCode, token: &str, listing: Listing, notice: Option<&str>) -> HttpResponse {
    let total = usize::try_from(listing.total).unwrap_or(0);
    let rows = listing
        .rows
        .into_iter()
        .map(|row| Line {
            id: row.comment_id,
            title: if row.post_title.is_empty() {
                row.post_key
            } else {
                row.post_title
            },
            link: (!row.post_url.is_empty()).then(|| {
                let page = row.post_url.split('#').next().unwrap_or_default();
                format!("{page}#comment-{}", row.comment_id)
            }),
            when: row.created_at.format("%-d %B %Y").to_string(),
        })
        .collect();
    page::html(
        status,
        SubscriptionsPage {
            token,
            notice,
            confirmed: listing.confirmed,
            rows,
            total,
            total_words: count_of(total, "comment", "comments"),
        }
        .render(),
    )
}

/// What a button did, in words, and the status the page is answered with.
struct Done {
    status: StatusCode,
    notice: String,
    /// Seconds to wait, when a limit stopped it.
    retry_after: Option<i64>,
}

impl Done {
    fn ok(notice: impl Into<String>) -> Self {
        Done {
            status: StatusCode::OK,
            notice: notice.into(),
            retry_after: None,
        }
    }
}

/// Runs a button's `act` for the token's address in one write, then shows
/// the page again with what it did.
async fn act(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
    act: impl FnOnce(&mut AnyConnection, &str) -> Result<Done, AppError> + Send + 'static,
) -> HttpResponse {
    if let Err(seconds) = burst(req, state) {
        return too_many(seconds);
    }
    let comment_id = match grant(state, token) {
        Ok(id) => id,
        Err(why) => return refused(why),
    };
    let keys = state.core.sites.address_keys().clone();
    let done = state
        .core
        .db
        .write(move |conn| {
            let Some(email) = owner(conn, comment_id)? else {
                return Ok(None);
            };
            let done = act(conn, &email)?;
            Ok(Some((done, listing(conn, &keys, &email)?)))
        })
        .await;
    match done {
        Ok(Some((done, listing))) => {
            let mut response = render(done.status, token, listing, Some(&done.notice));
            if let Some(seconds) = done.retry_after
                && let Ok(value) = header::HeaderValue::from_str(&seconds.max(1).to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Ok(None) => gone(),
        Err(e) => failed(&e),
    }
}

/// The address's subscriptions, whether it is confirmed, and the buttons.
#[utoipa::path(get, path = "/subscriptions/{token}", tag = "e-mail links",
    params(("token" = String, Path, description = "The signed token from any e-mail to a commenter")),
    responses(
        (status = 200, description = "The page of the address's subscriptions", body = String,
            content_type = "text/html"),
        (status = 400, description = "The link is not valid", body = String, content_type = "text/html"),
        (status = 404, description = "The comment the link names no longer exists, or no longer has \
            an address", body = String, content_type = "text/html"),
        (status = 410, description = "The link has expired", body = String, content_type = "text/html"),
        (status = 503, description = "The database is busy", body = String, content_type = "text/html"),
    ))]
async fn show(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    let comment_id = match grant(&state, &token) {
        Ok(id) => id,
        Err(why) => return refused(why),
    };
    let keys = state.core.sites.address_keys().clone();
    let found = state
        .core
        .db
        .read(move |conn| {
            let Some(email) = owner(conn, comment_id)? else {
                return Ok(None);
            };
            Ok(Some(listing(conn, &keys, &email)?))
        })
        .await;
    match found {
        Ok(Some(listing)) => render(StatusCode::OK, &token, listing, None),
        Ok(None) => gone(),
        Err(e) => failed(&e),
    }
}

/// Stops e-mails about replies to one of the address's comments.
#[utoipa::path(post, path = "/subscriptions/{token}/stop/{comment}", tag = "e-mail links",
    params(
        ("token" = String, Path, description = "The signed token from any e-mail to a commenter"),
        ("comment" = i64, Path, description = "One of the address's subscribed comments"),
    ),
    responses(
        (status = 200, description = "Stopped, or already stopped; the page says which", body = String,
            content_type = "text/html"),
        (status = 400, description = "The link is not valid", body = String, content_type = "text/html"),
        (status = 404, description = "No such comment of this address, or the comment the link names \
            no longer exists", body = String, content_type = "text/html"),
        (status = 410, description = "The link has expired", body = String, content_type = "text/html"),
        (status = 429, description = "Too many requests from one address", body = String,
            content_type = "text/html", headers(("Retry-After" = u64))),
        (status = 503, description = "The database is busy", body = String, content_type = "text/html"),
    ))]
async fn stop_one(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (token, comment) = path.into_inner();
    let chosen = comment.parse::<i64>().ok().filter(|id| *id > 0);
    act(&req, &state, &token, move |conn, email| {
        let not_yours = Done {
            status: StatusCode::NOT_FOUND,
            notice: "There is no such comment of yours: nothing was changed.".into(),
            retry_after: None,
        };
        let Some(chosen) = chosen else {
            return Ok(not_yours);
        };
        if subscriptions::stop_one(conn, email, chosen)? {
            return Ok(Done::ok(
                "Stopped: replies to that comment will not be e-mailed to you.",
            ));
        }
        Ok(match comments::find(conn, chosen)? {
            Some(comment) if comment.email == email => {
                Done::ok("Nothing to do: replies to that comment were not being e-mailed to you.")
            }
            _ => not_yours,
        })
    })
    .await
}

/// Stops e-mails about replies to every comment of the address.
#[utoipa::path(post, path = "/subscriptions/{token}/stop-all", tag = "e-mail links",
    params(("token" = String, Path, description = "The signed token from any e-mail to a commenter")),
    responses(
        (status = 200, description = "Stopped, or nothing to stop; the page says which", body = String,
            content_type = "text/html"),
        (status = 400, description = "The link is not valid", body = String, content_type = "text/html"),
        (status = 404, description = "The comment the link names no longer exists, or no longer has \
            an address", body = String, content_type = "text/html"),
        (status = 410, description = "The link has expired", body = String, content_type = "text/html"),
        (status = 429, description = "Too many requests from one address", body = String,
            content_type = "text/html", headers(("Retry-After" = u64))),
        (status = 503, description = "The database is busy", body = String, content_type = "text/html"),
    ))]
async fn stop_all(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    act(&req, &state, &token, |conn, email| {
        let stopped = subscriptions::stop_all(conn, email)?;
        Ok(Done::ok(if stopped == 0 {
            "Nothing to do: no replies were being e-mailed to you.".to_owned()
        } else {
            format!(
                "Stopped: replies to {} will not be e-mailed to you.",
                count_of(stopped, "comment", "comments")
            )
        }))
    })
    .await
}

/// Sends the confirmation e-mail again, under the same limits as the first.
#[utoipa::path(post, path = "/subscriptions/{token}/resend", tag = "e-mail links",
    params(("token" = String, Path, description = "The signed token from any e-mail to a commenter")),
    responses(
        (status = 200, description = "Sent, or the address is already confirmed; the page says which",
            body = String, content_type = "text/html"),
        (status = 400, description = "The link is not valid", body = String, content_type = "text/html"),
        (status = 404, description = "The comment the link names no longer exists, or no longer has \
            an address, or none of the address's comments is pending or published", body = String,
            content_type = "text/html"),
        (status = 410, description = "The link has expired", body = String, content_type = "text/html"),
        (status = 429, description = "A limit on confirmation e-mails (one per address a day, a few per \
            network), or too many requests from one address; the page says which", body = String,
            content_type = "text/html", headers(("Retry-After" = u64))),
        (status = 503, description = "The database is busy", body = String, content_type = "text/html"),
    ))]
async fn resend(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    let ip = client_ip(&req, &state.settings).map(|ip| ip.to_string());
    let keys = state.core.sites.address_keys().clone();
    act(&req, &state, &token, move |conn, email| {
        let Some(comment_id) = subscriptions::newest_standing(conn, email)? else {
            return Ok(Done {
                status: StatusCode::NOT_FOUND,
                notice: "Nothing to confirm: none of your comments is waiting or published.".into(),
                retry_after: None,
            });
        };
        let now = db::now();
        let request = Request {
            comment_id,
            email,
            ip: ip.as_deref(),
            now,
        };
        Ok(match confirmation::ask(conn, &keys, request)? {
            Asked::Queued => {
                Done::ok("A new confirmation e-mail is on its way. Its link works for 7 days.")
            }
            Asked::AlreadyConfirmed => {
                Done::ok("Nothing to do: your address is already confirmed.")
            }
            Asked::Recently(at) => {
                let next = at + confirmation::PER_ADDRESS;
                Done {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    notice: format!(
                        "A confirmation e-mail was sent to this address less than 24 hours ago, \
                         and only one is sent a day. Look for it (in your spam folder too), or \
                         ask again after {} UTC.",
                        next.format("%-d %B %Y, %H:%M")
                    ),
                    retry_after: Some((next - now).num_seconds()),
                }
            }
            Asked::TooManyFromIp => Done {
                status: StatusCode::TOO_MANY_REQUESTS,
                notice: format!(
                    "Your network already asked for {} confirmation e-mails today, the most it \
                     may. Please try again tomorrow.",
                    confirmation::PER_IP
                ),
                retry_after: Some(confirmation::PER_ADDRESS.num_seconds()),
            },
        })
    })
    .await
}
