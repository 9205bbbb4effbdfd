//! `GET /embed.js` and `GET /embed.css`: the comment widget a blog page includes,
//! compiled into the binary so a deployment is still one file and the blog
//! needs no build step.

use std::sync::LazyLock;

use actix_web::http::header::{self, CacheControl, CacheDirective, ETag, EntityTag, IfNoneMatch};
use actix_web::middleware::Compress;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::routes::only;

/// A file of the widget and the tag that changes whenever its bytes do.
struct Asset {
    body: &'static str,
    content_type: &'static str,
    tag: EntityTag,
}

impl Asset {
    fn new(body: &'static str, content_type: &'static str) -> Self {
        let digest = hex::encode(Sha256::digest(body.as_bytes()));
        // Weak: the same tag serves the gzip and the identity encoding.
        let tag = EntityTag::new_weak(digest.chars().take(20).collect());
        Self {
            body,
            content_type,
            tag,
        }
    }
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
            .wrap(Compress::default())
            .route(web::get().to(embed_js))
            .default_service(only("GET")),
    )
    .service(
        web::resource("/embed.css")
            .wrap(Compress::default())
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
    HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header(ETag(asset.tag.clone()))
        .insert_header(cache)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(asset.body)
}
