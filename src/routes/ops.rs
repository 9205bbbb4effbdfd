//! Liveness, readiness and metrics for operators and their load balancers.

use actix_web::{HttpResponse, web};

use crate::db::stats;
use crate::error::AppError;
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ready = state
        .db
        .run(|conn| crate::db::ping(conn).map_err(AppError::from))
        .await;
    match ready {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "unavailable", "error": "The database does not answer." }))
        }
    }
}

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
