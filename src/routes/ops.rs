//! Liveness, readiness and metrics for operators and their load balancers.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::only;
use crate::db::stats;
use crate::error::AppError;
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/healthz")
            .route(web::get().to(healthz))
            .default_service(only("GET")),
    )
    .service(
        web::resource("/readyz")
            .route(web::get().to(readyz))
            .default_service(only("GET")),
    )
    .service(
        web::resource("/metrics")
            .route(web::get().to(metrics))
            .default_service(only("GET")),
    );
}

/// The operator routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(healthz, readyz, metrics))]
pub struct OpsApi;

/// What the probes answer.
#[derive(Serialize, ToSchema)]
pub struct Probe {
    /// `ok`, `ready` or `unavailable`.
    status: &'static str,
    /// Why the instance is not ready, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

/// Liveness: the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is alive", body = Probe)))]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Probe {
        status: "ok",
        error: None,
    })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "The database answers", body = Probe),
    (status = 503, description = "The database does not answer", body = Probe)))]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ready = state
        .db
        .run(|conn| crate::db::ping(conn).map_err(AppError::from))
        .await;
    match ready {
        Ok(()) => HttpResponse::Ok().json(Probe {
            status: "ready",
            error: None,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(Probe {
                status: "unavailable",
                error: Some("The database does not answer."),
            })
        }
    }
}

/// Prometheus metrics: requests, comments by status, the mail outbox.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses(
    (status = 200, description = "Prometheus text exposition format", body = String,
        content_type = "text/plain"),
    (status = 503, description = "The database is busy", body = crate::error::ErrorBody)))]
async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (by_status, outbox) = state
        .db
        .run(|conn| Ok((stats::comments_by_status(conn)?, stats::outbox_depth(conn)?)))
        .await?;
    let text = state
        .metrics
        .render(&by_status, outbox)
        .map_err(|e| AppError::internal("metrics", e))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
