//! One span per request, carrying a request id that every log line inside the
//! request shows and the client gets back as `X-Request-Id`, and one log line
//! per request at a level that follows its status.
//!
//! `tracing-actix-web`'s `TracingLogger` opens the span; `RequestSpan` decides
//! what it holds. Its default span records the client's address and the full
//! target, query string included: both can carry personal data, so here the
//! span holds the request id alone and the closing line the route pattern.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
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

/// When the request came in, for the closing line's `elapsed_ms`.
struct Started(Instant);

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
        request.extensions_mut().insert(Started(Instant::now()));
        if is_read(request.method()) {
            return Span::none();
        }
        let id = request.extensions().get::<RequestId>().copied();
        match id {
            Some(id) => tracing::info_span!("request", request_id = %id),
            None => tracing::info_span!("request"),
        }
    }

    /// The closing line, inside the span. Successes are counted in the
    /// metrics and logged only at debug level: a line per request cost a fifth
    /// of the throughput of the busiest routes. Client errors are logged at
    /// info, server errors at error.
    fn on_request_end<B: MessageBody>(_: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
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
        let (method, route, elapsed_ms, read_id) = match outcome {
            Ok(response) => {
                let request = response.request();
                let extensions = request.extensions();
                let elapsed_ms = extensions
                    .get::<Started>()
                    .map_or(0.0, |started| started.0.elapsed().as_secs_f64() * 1000.0);
                // A read has no span to name its id, so its line does.
                let read_id = is_read(request.method())
                    .then(|| extensions.get::<RequestId>().map(ToString::to_string))
                    .flatten();
                (
                    request.method().to_string(),
                    request
                        .match_pattern()
                        .unwrap_or_else(|| "(unmatched)".to_owned()),
                    elapsed_ms,
                    read_id,
                )
            }
            // A middleware's error carries no request; the span still names it.
            Err(_) => ("-".to_owned(), "(unknown)".to_owned(), 0.0, None),
        };
        let request_id = read_id.unwrap_or_default();
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
}

/// Reads change nothing and log nothing inside the request.
fn is_read(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

/// Gives every answer its request's id as `X-Request-Id`, so a user who
/// reports a problem can quote the id and the operator find its log lines.
/// Runs inside `spans()`, which makes the id.
pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let mut response = next.call(req).await?;
    if let Some(id) = id {
        let mut text = [0u8; 36];
        let text = id.hyphenated().encode_lower(&mut text);
        if let Ok(value) = HeaderValue::from_str(text) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
    }
    Ok(response)
}
