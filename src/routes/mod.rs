//! Thin HTTP handlers: parse the request, call the service, answer.

pub mod admin;
mod client;
mod demo;
pub mod errors;
pub mod guards;
mod home;
pub mod metrics;
pub mod openapi;
mod ops;
pub mod public;
pub mod request_log;
pub mod state;

use actix_cors::Cors;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::{Method, header};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse, web};

use std::sync::Arc;

use crate::sites::Sites;

/// Every route; the demo blog's pages only when `demo` is on.
pub fn configure(cfg: &mut web::ServiceConfig, demo: bool) {
    if demo {
        demo::configure(cfg);
    }
    home::configure(cfg);
    ops::configure(cfg);
    admin::configure(cfg);
    public::configure(cfg);
    openapi::configure(cfg);
    cfg.default_service(web::to(not_found));
}

/// The answer for a known address asked with the wrong method: 405 with `Allow`,
/// rather than the 404 an unmatched route would give, so clients (and the
/// contract fuzzer) learn that the address exists and what it takes.
pub fn only(allow: &'static str) -> actix_web::Route {
    web::to(move || async move {
        HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, allow))
            .json(serde_json::json!({
                "error": format!("This address only accepts {allow}.")
            }))
    })
}

/// Browsers on the sites' own origins may call the API; nobody else gets CORS
/// headers. Requests from other origins still reach the handlers, which refuse
/// them in words instead of with a bare CORS error. The origins are those of
/// the directory of sites in memory, so a site added on any instance is
/// answered here within its next re-read (see `startup`).
pub fn cors(sites: &Arc<Sites>) -> Cors {
    let sites = Arc::clone(sites);
    Cors::default()
        .allowed_origin_fn(move |origin, _| {
            origin
                .to_str()
                .is_ok_and(|o| sites.cached().for_header(o).is_some())
        })
        .allowed_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::IF_NONE_MATCH,
            header::ACCEPT,
            header::AUTHORIZATION,
        ])
        .expose_headers([header::ETAG, header::RETRY_AFTER])
        .block_on_origin_mismatch(false)
        .max_age(3600)
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html {
        public::page::not_found()
    } else {
        HttpResponse::NotFound()
            .json(serde_json::json!({ "error": "There is nothing at this address." }))
    }
}

/// Gives a short JSON body to error answers that have none (such as actix's own
/// 405 for a wrong method), so no client ever gets an empty, unexplained error.
pub fn fill_empty_errors<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        let empty = matches!(
            res.response().body().size(),
            actix_web::body::BodySize::None
        ) || matches!(
            res.response().body().size(),
            actix_web::body::BodySize::Sized(0)
        );
        if !empty {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let status = res.status();
        let message = match status.as_u16() {
            405 => "This address does not accept that method.".to_owned(),
            _ => status.canonical_reason().unwrap_or("Error").to_owned(),
        };
        let (req, old) = res.into_parts();
        let mut new = HttpResponse::build(status).json(serde_json::json!({ "error": message }));
        for (name, value) in old.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                new.headers_mut().insert(name.clone(), value.clone());
            }
        }
        let res: ServiceResponse<EitherBody<B, BoxBody>> =
            ServiceResponse::new(req, new).map_into_right_body();
        Ok(ErrorHandlerResponse::Response(res))
    })
}
