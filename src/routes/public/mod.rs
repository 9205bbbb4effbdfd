//! The public contract: reply submissions, the comment tree, counts, avatars.

pub mod cache;
mod embed;
mod form;
mod form_token;
mod json;
mod links;
pub mod page;
mod read;
mod view;

use std::net::IpAddr;

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use utoipa::OpenApi;

use crate::configuration::Settings;
use crate::domain::words::count;
use crate::routes::state::AppState;
use crate::submission::Sender;

/// Request bodies are capped at the largest comment plus room for the other
/// fields and for percent- or JSON-escaping.
pub const BODY_LIMIT: usize = 256 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    embed::configure(cfg);
    form::configure(cfg);
    form_token::configure(cfg);
    json::configure(cfg);
    links::configure(cfg);
    read::configure(cfg);
}

/// The public routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(
    form::post_form,
    form::post_wordpress_form,
    json::post_json,
    form_token::issue,
    embed::embed_js,
    embed::embed_css,
    read::list,
    read::counts,
    read::avatar_svg,
    links::confirm_moderation,
    links::moderate,
    links::confirm_unsubscribe,
    links::unsubscribe,
))]
pub struct PublicApi;

/// Submission addresses answer other methods with 405 and say which one they take.
async fn only_post() -> actix_web::HttpResponse {
    actix_web::HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "POST"))
        .json(serde_json::json!({ "error": "This address only accepts POST: it is where comment forms are sent." }))
}

/// Who is posting: the client's address (believing `X-Forwarded-For` only from
/// a trusted proxy), its user agent, and the page it says it came from.
fn sender(req: &HttpRequest, settings: &Settings) -> Sender {
    let text = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != "null")
            .map(str::to_owned)
    };
    Sender {
        ip: client_ip(req, settings),
        user_agent: text(header::USER_AGENT)
            .map(|ua| ua.chars().take(500).collect())
            .unwrap_or_default(),
        page: text(header::ORIGIN).or_else(|| text(header::REFERER)),
    }
}

/// Counts one POST from the client against its address's burst; `Err` holds
/// the seconds it must wait.
pub(crate) fn burst(req: &HttpRequest, state: &AppState) -> Result<(), u64> {
    state.burst.check(client_ip(req, &state.settings))
}

/// The words for a client that used up its burst.
pub(crate) fn burst_message(seconds: u64) -> String {
    format!(
        "Too many requests from your network in a short while. Please wait {} and try again.",
        count(seconds, "second", "seconds")
    )
}

pub(crate) fn client_ip(req: &HttpRequest, settings: &Settings) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = |ip: &IpAddr| settings.trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return Some(peer);
    }
    // Walk the chain from the nearest hop outwards; the first address that is not
    // one of our proxies is the client. Anything to its left may be forged.
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|ip| !trusted(ip))
        .copied()
        .or(Some(peer))
}
