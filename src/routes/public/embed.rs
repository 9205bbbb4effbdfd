//! `GET /embed.js` and `GET /embed.css`: the comment widget a blog page includes,
//! compiled into the binary so a deployment is still one file and the blog
//! needs no build step. Each file is compressed once, at the best levels of
//! brotli and gzip, when it is first asked for: compressing every answer
//! afresh, at the quick levels that allow, sent a fifth more bytes.

use std::io::Write;
use std::sync::LazyLock;

use actix_web::http::header::{self, CacheControl, CacheDirective, ETag, EntityTag, IfNoneMatch};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::routes::only;

/// A file of the widget, compressed, and the tag that changes whenever its
/// bytes do.
struct Asset {
    body: &'static str,
    brotli: Vec<u8>,
    gzip: Vec<u8>,
    content_type: &'static str,
    tag: EntityTag,
}

impl Asset {
    fn new(body: &'static str, content_type: &'static str) -> Self {
        let digest = hex::encode(Sha256::digest(body.as_bytes()));
        // Weak: the same tag serves every encoding.
        let tag = EntityTag::new_weak(digest.chars().take(20).collect());
        Self {
            body,
            brotli: brotli_best(body.as_bytes()),
            gzip: gzip_best(body.as_bytes()),
            content_type,
            tag,
        }
    }

    /// The smallest encoding the client takes, and its name.
    fn encoded_for(&self, req: &HttpRequest) -> (Option<&'static str>, Vec<u8>) {
        let accepted = req
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let takes = |name: &str| {
            accepted.split(',').any(|part| {
                let mut pieces = part.split(';').map(str::trim);
                pieces.next() == Some(name) && !pieces.any(|p| p.replace(' ', "") == "q=0")
            })
        };
        // An encoding that failed at start is empty, and never chosen.
        if takes("br") && !self.brotli.is_empty() {
            (Some("br"), self.brotli.clone())
        } else if takes("gzip") && !self.gzip.is_empty() {
            (Some("gzip"), self.gzip.clone())
        } else {
            (None, self.body.as_bytes().to_vec())
        }
    }
}

fn brotli_best(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    match brotli::BrotliCompress(&mut &bytes[..], &mut out, &params) {
        Ok(_) => out,
        Err(_) => Vec::new(),
    }
}

fn gzip_best(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .unwrap_or_default()
}

static SCRIPT: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        include_str!("../../../assets/embed.js"),
        "text/javascript; charset=utf-8",
    )
});
static STYLESHEET: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        include_str!("../../../assets/embed.css"),
        "text/css; charset=utf-8",
    )
});

/// Browsers keep the files an hour, then revalidate with the ETag: an upgrade
/// reaches readers within the hour without a versioned URL in the blog's pages.
const MAX_AGE_SECONDS: u32 = 3600;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/embed.js")
            .route(web::get().to(embed_js))
            .default_service(only("GET")),
    )
    .service(
        web::resource("/embed.css")
            .route(web::get().to(embed_css))
            .default_service(only("GET")),
    );
}

/// The comment widget: renders the thread and the reply form into `#replydesk`,
/// and fills `[data-replydesk-count]` links.
#[utoipa::path(get, path = "/embed.js", tag = "widget",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer")),
    responses(
        (status = 200, description = "The script", body = String, content_type = "text/javascript",
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Unchanged since the ETag given"),
    ))]
async fn embed_js(req: HttpRequest) -> HttpResponse {
    serve(&req, &SCRIPT)
}

/// The widget's stylesheet, themeable with `--replydesk-*` CSS variables.
#[utoipa::path(get, path = "/embed.css", tag = "widget",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer")),
    responses(
        (status = 200, description = "The stylesheet", body = String, content_type = "text/css",
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Unchanged since the ETag given"),
    ))]
async fn embed_css(req: HttpRequest) -> HttpResponse {
    serve(&req, &STYLESHEET)
}

fn serve(req: &HttpRequest, asset: &Asset) -> HttpResponse {
    let cache = CacheControl(vec![
        CacheDirective::Public,
        CacheDirective::MaxAge(MAX_AGE_SECONDS),
    ]);
    if let Some(IfNoneMatch::Items(items)) = req.get_header::<IfNoneMatch>()
        && items.iter().any(|item| item.weak_eq(&asset.tag))
    {
        return HttpResponse::NotModified()
            .insert_header(ETag(asset.tag.clone()))
            .insert_header(cache)
            .finish();
    }
    let (encoding, body) = asset.encoded_for(req);
    let mut response = HttpResponse::Ok();
    response
        .content_type(asset.content_type)
        .insert_header(ETag(asset.tag.clone()))
        .insert_header(cache)
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if let Some(encoding) = encoding {
        response.insert_header((header::CONTENT_ENCODING, encoding));
    }
    response.body(body)
}
