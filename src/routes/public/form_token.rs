//! `GET /api/form-token`: a fresh signed render time for a comment form.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::form_token;
use crate::routes::only;
use crate::routes::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/form-token")
            .route(web::get().to(issue))
            .default_service(only("GET")),
    );
}

/// A render-time token for the form being shown.
#[derive(Serialize, ToSchema)]
pub struct FormToken {
    /// Send it back as the form's `form_token` field.
    token: String,
}

/// A signed "the form was shown now", for the time-trap rule. Never cached:
/// a cached token would make every later reader look slow, or fast.
#[utoipa::path(get, path = "/api/form-token", tag = "submitting", responses(
    (status = 200, description = "A token signed with the instance secret", body = FormToken,
        headers(("Cache-Control" = String, description = "no-store")))))]
async fn issue(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(FormToken {
            token: form_token::issue(state.core.secret.expose(), Utc::now()),
        })
}
