//! One span per request, carrying a request id that every log line inside the
//! request shows and the client gets back as `X-Request-Id`, and one log line
//! per request at a level that follows its status.
//!
//! `tracing-actix-web`'s `TracingLogger` opens the span and makes the id;
//! `RequestSpan` decides what the span holds, and `answer_and_log` writes the
//! header and the closing line. Its default span records the client's address and the full
//! target, query string included: both can carry personal data, so here the
//! span holds the request id alone and the closing line the route pattern.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::{Level, Span};
use tracing_actix_web::{RequestId, RootSpanBuilder, TracingLogger};

/// The header that carries the request id back to the client.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The middleware that opens each request's span.
pub fn spans() -> TracingLogger<RequestSpan> {
    TracingLogger::new()
}

/// The span of one request: `request{request_id=…}`, at info so that the
/// lines a request logs at info ("comment stored") name it. Only requests
/// that change something get one: reads log nothing inside the request, and
/// the span (made, formatted and entered on every poll) cost the busiest
/// reads a tenth of their throughput; their closing line names the id
/// itself. Below info (`RUST_LOG=warn`) the span is disabled and costs a
/// level check.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        if is_read(request.method()) {
            return Span::none();
        }
        let id = request.extensions().get::<RequestId>().copied();
        match id {
            Some(id) => tracing::info_span!("request", request_id = %id),
            None => tracing::info_span!("request"),
        }
    }

    /// The closing line is written by `answer_and_log`, which times the
    /// request itself.
    fn on_request_end<B: MessageBody>(_: Span, _: &Result<ServiceResponse<B>, Error>) {}
}

/// Reads change nothing and log nothing inside the request.
fn is_read(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

/// Gives every answer its request's id as `X-Request-Id`, so a user who
/// reports a problem can quote the id and the operator find its log lines,
/// and writes the request's closing line. Runs inside `spans()`, which makes
/// the id.
pub async fn answer_and_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let id = req.extensions().get::<RequestId>().copied();
    let method = req.method().clone();
    let outcome = next.call(req).await;
    let status = match &outcome {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    log_closing_line(&outcome, &method, status, id, started);
    let mut response = outcome?;
    if let Some(id) = id {
        let mut text = [0u8; 36];
        let text = id.hyphenated().encode_lower(&mut text);
        if let Ok(value) = HeaderValue::from_str(text) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
    }
    Ok(response)
}

/// One line per request: the route pattern, never the query string or the
/// client's address. Successes are counted in the metrics and logged only at
/// debug level: a line per request cost a fifth of the throughput of the
/// busiest routes. Client errors are logged at info, server errors at error.
fn log_closing_line<B>(
    outcome: &Result<ServiceResponse<B>, Error>,
    method: &Method,
    status: StatusCode,
    id: Option<RequestId>,
    started: Instant,
) {
    let level = if status.is_server_error() {
        Level::ERROR
    } else if status.is_client_error() {
        Level::INFO
    } else {
        Level::DEBUG
    };
    let enabled = match level {
        Level::ERROR => tracing::enabled!(Level::ERROR),
        Level::INFO => tracing::enabled!(Level::INFO),
        _ => tracing::enabled!(Level::DEBUG),
    };
    if !enabled {
        return;
    }
    let route = match outcome {
        Ok(response) => response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "(unmatched)".to_owned()),
        Err(_) => "(unknown)".to_owned(),
    };
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    // A read has no span to name its id, so its line does.
    let request_id = if is_read(method) {
        id.map(|id| id.to_string()).unwrap_or_default()
    } else {
        String::new()
    };
    let status = status.as_u16();
    match level {
        Level::ERROR => {
            tracing::error!(http.method = %method, http.route = %route, http.status = status, elapsed_ms, request_id, "request")
        }
        Level::INFO => {
            tracing::info!(http.method = %method, http.route = %route, http.status = status, elapsed_ms, request_id, "request")
        }
        _ => {
            tracing::debug!(http.method = %method, http.route = %route, http.status = status, elapsed_ms, request_id, "request")
        }
    }
}
