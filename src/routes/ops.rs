//! Liveness, readiness and metrics for operators and their load balancers.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::only;
use crate::db::stats;
use crate::error::AppError;
use crate::login;
use crate::routes::state::AppState;

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
        .core
        .db
        .read(|conn| crate::db::ping(conn).map_err(AppError::from))
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

/// Prometheus metrics: requests, comments by status (counted at most once a
/// minute), the mail outbox. With `REPLYDESK_METRICS_TOKEN` set, only for
/// `Authorization: Bearer <token>`.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    params(("Authorization" = Option<String>, Header,
        description = "`Bearer <token>` when REPLYDESK_METRICS_TOKEN is set")),
    responses(
        (status = 200, description = "Prometheus text exposition format", body = String,
            content_type = "text/plain"),
        (status = 401, description = "A metrics token is set and this request did not carry it",
            body = crate::routes::errors::ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Bearer"))),
        (status = 503, description = "The database is busy", body = crate::routes::errors::ErrorBody)))]
async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if let Some(token) = &state.settings.metrics_token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !login::same_token(given.trim(), token.expose()) {
            return Ok(HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\""))
                .json(serde_json::json!({
                    "error": "The metrics need the token set in REPLYDESK_METRICS_TOKEN, \
                              sent as Authorization: Bearer <token>."
                })));
        }
    }
    let recount = state.metrics.comments_stale();
    let akismet = state.core.sites.akismet();
    let (by_status, outbox, akismet_queue) = state
        .core
        .db
        .read(move |conn| {
            let by_status = if recount {
                Some(stats::comments_by_site_and_status(conn)?)
            } else {
                None
            };
            let akismet_queue = if akismet {
                Some(crate::db::akismet_queue::depth(conn)?)
            } else {
                None
            };
            Ok((by_status, stats::outbox_depth(conn)?, akismet_queue))
        })
        .await?;
    if let Some(depth) = akismet_queue {
        state.metrics.akismet_queue(depth);
    }
    let text = state
        .metrics
        .render(&state.core.sites.cached(), by_status.as_deref(), outbox)
        .map_err(|e| AppError::internal("metrics", e))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
