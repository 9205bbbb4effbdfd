//! Reading: the approved comment tree of a post, counts, and avatars.

use actix_web::http::header::{self, CacheControl, CacheDirective, ETag, EntityTag, IfNoneMatch};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use actix_web::web::Bytes;

use super::cache::PageKey;
use super::site;
use super::view::{PublicComment, threads};
use crate::db::thread_page::{self, ThreadPage};
use crate::domain::avatar;
use crate::domain::draft::check_post_key;
use crate::error::AppError;
use crate::routes::errors::ErrorBody;
use crate::routes::only;
use crate::routes::state::AppState;

const DEFAULT_PER_PAGE: usize = 50;
const MAX_PER_PAGE: usize = 200;
/// Far past any real thread; keeps the page number a safe integer for JavaScript.
const MAX_PAGE: usize = 1_000_000;
const MAX_COUNTED_POSTS: usize = 200;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|err, _| {
        AppError::Malformed(format!("The query string could not be read: {err}.")).into()
    }))
    .app_data(
        web::PathConfig::default().error_handler(|_, _| {
            AppError::Missing("There is nothing at this address.".into()).into()
        }),
    )
    .service(
        web::resource("/api/posts/{post}/comments")
            .route(web::get().to(list))
            .default_service(only("GET")),
    )
    .service(
        web::resource("/api/counts")
            .route(web::get().to(counts))
            .default_service(only("GET")),
    )
    .service(
        web::resource("/avatar/{key}.svg")
            .route(web::get().to(avatar_svg))
            .default_service(only("GET")),
    );
}

/// A post's key as an address or a query names it, for the OpenAPI document:
/// held to the rules of a submission's `post` field, 1–255 characters of
/// visible text (no control characters, bidirectional overrides or zero-width
/// spaces).
pub struct PostKey;

const VISIBLE_TEXT: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u180e\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff]*$";

impl utoipa::PartialSchema for PostKey {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(255))
            .pattern(Some(VISIBLE_TEXT))
            .into()
    }
}

impl ToSchema for PostKey {}

#[derive(Deserialize)]
struct Paging {
    page: Option<usize>,
    per_page: Option<usize>,
    site: Option<String>,
}

/// One page of a post's approved comments, threaded.
#[derive(Serialize, ToSchema)]
pub struct CommentPage {
    /// The post's key, as asked for.
    post: String,
    /// Approved comments on the post, replies included.
    total: usize,
    /// Top-level comments (threads) on the post.
    threads: usize,
    page: usize,
    per_page: usize,
    /// How many pages of `per_page` threads there are.
    pages: usize,
    /// This page's threads, oldest first, each with its replies.
    comments: Vec<PublicComment>,
    /// How comments are written here (`REPLYDESK_TEXT_FORMAT`), for the help
    /// line under the comment box.
    #[schema(value_type = TextFormatName)]
    text_format: &'static str,
}

/// The text formats: `wordpress`, plain text with a little HTML, or `markdown`.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(
    dead_code,
    reason = "describes the answer for the OpenAPI document only"
)]
pub enum TextFormatName {
    WordPress,
    Markdown,
}

/// The approved comments of a post as a tree, paged by top-level comment.
#[utoipa::path(get, path = "/api/posts/{post}/comments", tag = "reading",
    params(
        ("post" = inline(PostKey), Path, description = "The post's key (percent-encode a `/`)"),
        ("page" = Option<u64>, Query, description = "Page of threads, from 1", minimum = 1,
            maximum = 1000000),
        ("per_page" = Option<u64>, Query, description = "Threads per page (default 50)",
            minimum = 1, maximum = 200),
        ("site" = Option<String>, Query, description = "The site, for a fetch without an \
            `Origin` header (default: the site `default`)"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer"),
    ),
    responses(
        (status = 200, description = "The page of threads (empty for an unknown post)",
            body = CommentPage, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Unchanged since the ETag given"),
        (status = 400, description = "A malformed post key, page or per_page", body = ErrorBody),
        (status = 403, description = "An `Origin` of no site served here", body = ErrorBody),
        (status = 404, description = "No post key in the address, a page past the last, or \
            no such site", body = ErrorBody),
        (status = 503, description = "The database is busy", body = ErrorBody),
    ))]
async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
    paging: web::Query<Paging>,
) -> Result<HttpResponse, AppError> {
    let key = key.into_inner();
    let page = paging.page.unwrap_or(1);
    let per_page = paging.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if page == 0 || page > MAX_PAGE {
        return Err(AppError::Malformed(format!(
            "page must be between 1 and {MAX_PAGE}."
        )));
    }
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(AppError::Malformed(format!(
            "per_page must be between 1 and {MAX_PER_PAGE}."
        )));
    }
    check_post_key(&key).map_err(AppError::Malformed)?;
    let site = site::for_read(&req, &state, paging.site.as_deref()).await?;
    let post = state.core.db.post(site.id, key.clone()).await?;
    // Threads are never more than approved comments, so a page past these is
    // refused without loading any: no one can make the server read and cache
    // a post's comments for every page number there is.
    let approved = post.as_ref().map_or(0, |p| p.approved_count);
    let last_page = usize::try_from(approved)
        .unwrap_or(usize::MAX)
        .div_ceil(per_page)
        .max(1);
    if page > last_page {
        return Err(AppError::Missing(format!(
            "There is no page {page}: this post's comments fill at most {last_page} \
             page{} of {per_page}.",
            if last_page == 1 { "" } else { "s" }
        )));
    }
    // The post's version changes with every change to its public comments, on
    // any instance, so it can answer revalidations without reading the comments.
    let (post_id, version) = post.as_ref().map_or((0, 0), |p| (p.id, p.version));
    // The text format is in the tag too: after a restart that changes it,
    // no reader's copy rendered in the other one is revalidated.
    let tag = EntityTag::new_strong(format!(
        "{post_id}-{version}-{page}-{per_page}-{}",
        state.settings.text_format
    ));
    if let Some(IfNoneMatch::Items(items)) = req.get_header::<IfNoneMatch>()
        && items.iter().any(|item| item.weak_eq(&tag))
    {
        return Ok(HttpResponse::NotModified()
            .insert_header(ETag(tag))
            .insert_header(CacheControl(vec![CacheDirective::NoCache]))
            .finish());
    }
    let cache_key = PageKey {
        post_id,
        version,
        page,
        per_page,
    };
    let rendering = render_page(&state, key, post.map(|p| p.id), page, per_page);
    let body = if post_id == 0 {
        rendering.await?
    } else {
        state.pages.get_or_render(cache_key, rendering).await?
    };
    Ok(HttpResponse::Ok()
        .insert_header(ETag(tag))
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .content_type("application/json")
        .body(body))
}

async fn render_page(
    state: &AppState,
    key: String,
    post_id: Option<i64>,
    page: usize,
    per_page: usize,
) -> Result<Bytes, AppError> {
    let found = match post_id {
        Some(id) => {
            state
                .core
                .db
                .read(move |conn| Ok(thread_page::read(conn, id, page, per_page)?))
                .await?
        }
        None => ThreadPage::default(),
    };
    let page = CommentPage {
        post: key,
        total: found.total,
        threads: found.threads,
        page,
        per_page,
        pages: found.threads.div_ceil(per_page),
        comments: threads(state, &found.rows),
        text_format: state.settings.text_format.as_str(),
    };
    serde_json::to_vec(&page)
        .map(Bytes::from)
        .map_err(|e| AppError::internal("serializing a comment page", e))
}

/// Approved-comment counts by post key.
#[derive(Serialize, ToSchema)]
pub struct Counts {
    /// Every post asked for, with 0 for posts with no approved comment.
    counts: std::collections::BTreeMap<String, i64>,
}

/// Approved-comment counts for many posts in one request.
#[utoipa::path(get, path = "/api/counts", tag = "reading",
    params(("post" = inline(Vec<PostKey>), Query, description = "A post key; repeat for more (at most 200)",
        style = Form, explode),
        ("site" = Option<String>, Query, description = "The site, for a fetch without an \
            `Origin` header (default: the site `default`)")),
    responses(
        (status = 200, description = "The counts", body = Counts),
        (status = 403, description = "An `Origin` of no site served here", body = ErrorBody),
        (status = 404, description = "No such site", body = ErrorBody),
        (status = 422, description = "No post named, too many, or a malformed key", body = ErrorBody),
        (status = 503, description = "The database is busy", body = ErrorBody),
    ))]
async fn counts(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let query: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let keys: Vec<String> = query
        .iter()
        .filter(|(name, _)| name == "post")
        .map(|(_, value)| value.clone())
        .collect();
    let named = query
        .iter()
        .find(|(name, _)| name == "site")
        .map(|(_, value)| value.as_str());
    if keys.is_empty() {
        return Err(AppError::field(
            "post",
            "Name at least one post, as ?post=KEY&post=OTHER.",
        ));
    }
    if let Some(problem) = keys.iter().find_map(|key| check_post_key(key).err()) {
        return Err(AppError::field("post", problem));
    }
    if keys.len() > MAX_COUNTED_POSTS {
        return Err(AppError::field(
            "post",
            format!("At most {MAX_COUNTED_POSTS} posts can be counted at once."),
        ));
    }
    let site = site::for_read(&req, &state, named).await?;
    let found = state.core.db.posts(site.id, keys.clone()).await?;
    let mut counts: std::collections::BTreeMap<String, i64> =
        keys.into_iter().map(|k| (k, 0)).collect();
    counts.extend(found.into_iter().map(|p| (p.post_key, p.approved_count)));
    Ok(HttpResponse::Ok().json(Counts { counts }))
}

/// The identicon a comment's `avatar` points to.
#[utoipa::path(get, path = "/avatar/{key}.svg", tag = "reading",
    params(("key" = String, Path, description = "The avatar key from a comment's `avatar`",
        pattern = "^[0-9a-f]{32}$")),
    responses(
        (status = 200, description = "An SVG identicon", body = String, content_type = "image/svg+xml"),
        (status = 404, description = "Not an avatar key", body = ErrorBody),
    ))]
async fn avatar_svg(key: web::Path<String>) -> Result<HttpResponse, AppError> {
    if !avatar::is_key(&key) {
        return Err(AppError::Missing("There is no such avatar.".into()));
    }
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(avatar::identicon_svg(&key)))
}
