//! The public contract: reply submissions, the comment tree, counts, avatars.

mod altcha;
pub mod cache;
mod confirm_link;
mod edit_page;
mod edits;
mod embed;
mod form;
mod form_token;
mod json;
mod links;
pub mod page;
mod preview;
mod read;
mod site;
mod subscriptions;
mod view;

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use utoipa::OpenApi;

use crate::configuration::Settings;
use crate::routes::client::client_ip;
use crate::submission::{Channel, Sender};

/// Request bodies are capped at the largest comment plus room for the other
/// fields and for percent- or JSON-escaping.
pub const BODY_LIMIT: usize = 256 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    altcha::configure(cfg);
    edit_page::configure(cfg);
    edits::configure(cfg);
    confirm_link::configure(cfg);
    embed::configure(cfg);
    form::configure(cfg);
    form_token::configure(cfg);
    json::configure(cfg);
    links::configure(cfg);
    preview::configure(cfg);
    read::configure(cfg);
    subscriptions::configure(cfg);
}

/// The public routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(
    form::post_form,
    form::post_wordpress_form,
    json::post_json,
    preview::preview,
    edits::put_comment,
    edits::delete_comment,
    edit_page::show,
    edit_page::act,
    form_token::issue,
    altcha::issue,
    embed::embed_js,
    embed::embed_css,
    read::list,
    read::counts,
    read::avatar_svg,
    links::confirm_moderation,
    links::moderate,
    links::confirm_unsubscribe,
    links::unsubscribe,
    confirm_link::confirm_page,
    confirm_link::confirm,
    subscriptions::show,
    subscriptions::stop_one,
    subscriptions::stop_all,
    subscriptions::resend,
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
fn sender(req: &HttpRequest, settings: &Settings, channel: Channel) -> Sender {
    Sender {
        ip: client_ip(req, settings),
        user_agent: header_text(req, header::USER_AGENT)
            .map(|ua| ua.chars().take(500).collect())
            .unwrap_or_default(),
        page: page_of(req),
        channel,
    }
}

/// The page a request says it came from: `Origin`, else `Referer`.
fn page_of(req: &HttpRequest) -> Option<String> {
    header_text(req, header::ORIGIN).or_else(|| header_text(req, header::REFERER))
}

/// A header's text, trimmed; `None` when it is missing, not text, empty or
/// `null` (what a browser sends as the `Origin` of an opaque page).
fn header_text(req: &HttpRequest, name: header::HeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "null")
        .map(str::to_owned)
}
