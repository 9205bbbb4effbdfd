//! Rendered comment pages, kept per post version.
//!
//! Rendering a thread sanitizes every comment body, which costs far more than
//! reading it. A page is cached under the post's version, which the database
//! moves on every change on any instance, so a stale page is never served: it
//! is simply never asked for again and ages out.

use actix_web::web::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// Which page of which version of which post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub post_id: i64,
    pub version: i64,
    pub page: usize,
    pub per_page: usize,
}

#[derive(Clone)]
struct BodySize;

impl Weighter<PageKey, Bytes> for BodySize {
    fn weight(&self, _key: &PageKey, body: &Bytes) -> u64 {
        body.len() as u64 + 64
    }
}

/// At most this many bytes of rendered JSON are kept.
const CAPACITY_BYTES: u64 = 16 * 1024 * 1024;
/// A typical page's size, for sizing the cache's index.
const TYPICAL_PAGE_BYTES: u64 = 16 * 1024;

pub struct PageCache(Cache<PageKey, Bytes, BodySize>);

impl Default for PageCache {
    fn default() -> Self {
        let pages = (CAPACITY_BYTES / TYPICAL_PAGE_BYTES) as usize;
        Self(Cache::with_weighter(pages, CAPACITY_BYTES, BodySize))
    }
}

impl PageCache {
    /// The page under `key`, rendered by `render` unless it is kept. Every
    /// reader asking for a page while it renders waits for that one rendering:
    /// when a busy post changes, all its readers miss at once, and each
    /// rendering the page itself held them all up (docs/performance.md,
    /// "Hot post"). If the rendering fails, the next reader waiting tries.
    pub async fn get_or_render<E>(
        &self,
        key: PageKey,
        render: impl Future<Output = Result<Bytes, E>>,
    ) -> Result<Bytes, E> {
        self.0.get_or_insert_async(&key, render).await
    }
}
