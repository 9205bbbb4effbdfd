//! The admin page's one stylesheet and one script, compiled in so that
//! nothing ever loads from anywhere else.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

const STYLESHEET: &str = include_str!("../../../assets/admin.css");
const SCRIPT: &str = include_str!("../../../assets/admin.js");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/admin.css", web::get().to(stylesheet))
        .route("/assets/admin.js", web::get().to(script));
}

/// A version tag that changes whenever the file does, for `ETag`.
fn tag(text: &str) -> String {
    use sha2::{Digest, Sha256};
    format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(text.as_bytes()))[..16]
    )
}

fn serve(req: &HttpRequest, content_type: &str, text: &'static str) -> HttpResponse {
    let etag = tag(text);
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag);
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .content_type(content_type)
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if fresh {
        response.finish()
    } else {
        response.body(text)
    }
}

async fn stylesheet(req: HttpRequest) -> HttpResponse {
    serve(&req, "text/css; charset=utf-8", STYLESHEET)
}

async fn script(req: HttpRequest) -> HttpResponse {
    serve(&req, "text/javascript; charset=utf-8", SCRIPT)
}
