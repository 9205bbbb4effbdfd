//! `GET /`: what this server is, for whoever opens its address in a browser,
//! rather than a bare JSON 404. Nothing on it is about anyone.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use utoipa::OpenApi;

use super::only;
use super::public::page;
use crate::routes::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/")
            .route(web::get().to(home))
            .default_service(only("GET")),
    );
}

/// The home page's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(home))]
pub struct HomeApi;

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage {
    /// This server's widget script, as a blog page includes it.
    embed: String,
}

/// A page saying what this server is, with links to the admin page and the API.
#[utoipa::path(get, path = "/", tag = "operations", responses(
    (status = 200, description = "A page about this server", body = String, content_type = "text/html")))]
async fn home(state: web::Data<AppState>) -> HttpResponse {
    let embed = format!(
        "{}/embed.js",
        state.public_url.as_str().trim_end_matches('/')
    );
    page::html(StatusCode::OK, HomePage { embed }.render())
}
