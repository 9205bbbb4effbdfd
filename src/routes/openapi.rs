//! `GET /api/openapi.json`: the OpenAPI 3 document of every public route,
//! generated from the handlers' `#[utoipa::path]` annotations and the answer
//! types' `ToSchema`, so the document moves with the code.

use std::sync::LazyLock;

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use utoipa::OpenApi;

use super::{home, only, ops, public};
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/openapi.json")
            .route(web::get().to(openapi_json))
            .default_service(only("GET")),
    );
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Replydesk",
        description = "A self-hosted backend for article comments: the reply form's \
            submissions, the approved comment threads, counts, one-click e-mail links \
            and the embeddable script. No answer ever contains a commenter's email \
            address, IP or user agent.",
        license(name = "MIT", identifier = "MIT"),
    ),
    paths(openapi_json),
    tags(
        (name = "submitting", description = "Posting a reply, with or without JavaScript"),
        (name = "reading", description = "Approved comments, counts and avatars for blog pages"),
        (name = "e-mail links", description = "One-click links from e-mails: GET asks, POST acts"),
        (name = "widget", description = "The embeddable comment widget"),
        (name = "operations", description = "Probes and metrics"),
    )
)]
struct ApiDoc;

/// The whole document, built once: it cannot change while the server runs.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(public::PublicApi::openapi());
    doc.merge(ops::OpsApi::openapi());
    doc.merge(home::HomeApi::openapi());
    doc
}

static DOCUMENT: LazyLock<Result<String, String>> =
    LazyLock::new(|| document().to_json().map_err(|e| e.to_string()));

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations", responses(
    (status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
async fn openapi_json() -> Result<HttpResponse, AppError> {
    let json = DOCUMENT
        .as_ref()
        .map_err(|e| AppError::internal("serializing the OpenAPI document", e))?;
    Ok(HttpResponse::Ok()
        .insert_header(CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(3600),
        ]))
        .content_type("application/json")
        .body(json.clone()))
}
