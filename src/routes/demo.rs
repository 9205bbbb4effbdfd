//! `serve --demo`: a two-page demo blog under `/demo/`, so a newcomer sees the
//! whole loop (comment, moderate, read) in a browser without writing a page.
//! Not part of the API, and not mounted unless asked for.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use super::only;

const INDEX: &str = include_str!("../../examples/blog/index.html");
const PLAIN: &str = include_str!("../../examples/blog/plain.html");
/// Where the no-JavaScript page says "awaiting moderation", as a blog's
/// server-side template would after Replydesk's redirect.
const NOTICE_SLOT: &str = "<!--replydesk-notice-->";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/demo")
            .route(web::get().to(to_index))
            .default_service(only("GET")),
    )
    .service(
        web::resource("/demo/")
            .route(web::get().to(index))
            .default_service(only("GET")),
    )
    .service(
        web::resource("/demo/plain.html")
            .route(web::get().to(plain))
            .default_service(only("GET")),
    );
}

/// The demo pages run the widget from this server and keep their own inline
/// styles; nothing else loads, and no other site may frame them. The widget
/// solves its proof of work in a worker it makes from a `blob:` URL, the one
/// way a script from another origin can start one on a blog's page.
const DEMO_POLICY: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; worker-src blob:; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

fn page(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, DEMO_POLICY))
        // A blog page: a plain form's post relies on its Referer to find the
        // way back, as on any blog (the browsers' own default).
        .insert_header((header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .body(body)
}

async fn to_index() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/demo/"))
        .finish()
}

async fn index() -> HttpResponse {
    page(INDEX.to_owned())
}

async fn plain(req: HttpRequest) -> HttpResponse {
    let held = url::form_urlencoded::parse(req.query_string().as_bytes())
        .any(|(k, v)| k == "replydesk" && v == "awaiting-moderation");
    let notice = if held {
        r#"<p class="awaiting" id="awaiting" role="status">Your comment is awaiting moderation.</p>"#
    } else {
        ""
    };
    page(PLAIN.replace(NOTICE_SLOT, notice))
}
