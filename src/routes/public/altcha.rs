//! `GET /api/altcha`: a proof-of-work challenge for a comment form, in the
//! shape ALTCHA's own widget fetches, so a blog may use that widget or ours.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::proof::PowMode;
use crate::error::AppError;
use crate::pow;
use crate::routes::errors::ErrorBody;
use crate::routes::only;
use crate::routes::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/altcha")
            .route(web::get().to(issue))
            .default_service(only("GET")),
    );
}

/// An ALTCHA challenge: find `number` in `0..=maxnumber` such that the
/// SHA-256 of `salt` followed by `number` (in decimal) is `challenge`.
#[derive(Serialize, ToSchema)]
pub struct AltchaChallenge {
    /// Always `SHA-256`.
    #[schema(example = "SHA-256")]
    algorithm: String,
    /// The hex digest to match.
    challenge: String,
    /// The highest number to try (`REPLYDESK_POW_COST`).
    maxnumber: u64,
    /// Random, with the expiry as `?expires=UNIX_SECONDS&`; use it as given.
    salt: String,
    /// The server's signature, sent back untouched.
    signature: String,
}

/// A fresh challenge, good for one comment within ten minutes. Send the
/// solution as the submission's `altcha` field: base64 of the JSON
/// `{algorithm, challenge, number, salt, signature, took}`. Never cached:
/// every reader needs a challenge of their own.
#[utoipa::path(get, path = "/api/altcha", tag = "submitting", responses(
    (status = 200, description = "A challenge signed with a key derived from the instance secret",
        body = AltchaChallenge,
        headers(("Cache-Control" = String, description = "no-store"))),
    (status = 404, description = "Proof of work is off on this server (`REPLYDESK_POW=off`)",
        body = ErrorBody),
))]
async fn issue(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let core = &state.core;
    if core.pow.mode == PowMode::Off {
        return Err(AppError::Missing(
            "Proof of work is turned off on this server (REPLYDESK_POW=off): submit comments \
             without an altcha field."
                .into(),
        ));
    }
    let challenge = pow::issue(core.secret.expose(), core.pow.cost, Utc::now())?;
    Ok(HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(AltchaChallenge {
            algorithm: challenge.algorithm.to_string(),
            challenge: challenge.challenge,
            maxnumber: challenge.maxnumber,
            salt: challenge.salt,
            signature: challenge.signature,
        }))
}
