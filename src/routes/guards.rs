//! What every answer gets before and after the handlers: unknown methods are
//! refused at the door, and every answer leaves with the security headers a
//! browser needs to keep the pages it shows safe.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::routes::state::AppState;

/// The methods any route answers. Anything else never reaches the handlers or
/// the metrics, where every new method string would become a labelled series
/// of its own.
const KNOWN: [Method; 6] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::OPTIONS,
];
const KNOWN_LIST: &str = "GET, HEAD, POST, PUT, DELETE, OPTIONS";

/// Refuses a method no route answers, before any handler, labelling or
/// logging, with a 405 that says which methods exist.
pub async fn known_methods_only(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if KNOWN.contains(req.method()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let refusal = HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, KNOWN_LIST))
        .json(serde_json::json!({
            "error": format!("This server does not answer that method; it answers {KNOWN_LIST}.")
        }));
    Ok(req.into_response(refusal).map_into_right_body())
}

/// The policy of every HTML page that does not bring its own: nothing loads
/// but the page's own inline style and same-origin images, forms post back
/// here, and no other site may frame it (clickjacking a Moderate button).
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Two years, as the HSTS preload list asks; sent only when the public
/// address is https, so a plain-http test setup is never pinned to TLS.
const HSTS: &str = "max-age=63072000";

/// Adds the security headers an answer lacks: `nosniff` on every answer; a
/// referrer policy, a CSP with `frame-ancestors` and `X-Frame-Options` on
/// every HTML page (the widget's script and stylesheet are not pages, and are
/// loaded into the blog's own); HSTS behind https. A route that sets its own
/// (the admin pages, the demo blog) keeps it.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.public_url.scheme() == "https");
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let mut add = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    add(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if html {
        // Links in e-mails carry their token in the address; no page may pass
        // it on to wherever its own links lead.
        add(header::REFERRER_POLICY, "no-referrer");
        add(header::CONTENT_SECURITY_POLICY, PAGE_POLICY);
        add(header::X_FRAME_OPTIONS, "DENY");
    }
    if https {
        add(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    Ok(response)
}
