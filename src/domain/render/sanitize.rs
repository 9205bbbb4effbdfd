//! The allow-list ammonia holds every laid-out body to: the last pass, and
//! the only one that decides what is safe.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

/// The tags that survive; `a` keeps only `href` (http, https, mailto) and gets
/// `rel="nofollow ugc"`. No other attribute survives anywhere.
pub(super) const ALLOWED_TAGS: [&str; 15] = [
    "a",
    "b",
    "strong",
    "i",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "p",
    "br",
    "del",
    "s",
];

/// Elements whose content is raw text rather than markup; the sanitizer drops
/// them with their content.
pub(super) const RAW_TEXT_TAGS: [&str; 9] = [
    "script", "style", "iframe", "textarea", "title", "xmp", "noembed", "noframes", "noscript",
];

/// Elements whose content is markup but never shown; the sanitizer drops them
/// with their content.
pub(super) const HIDDEN_TAGS: [&str; 12] = [
    "svg", "math", "object", "applet", "template", "select", "option", "optgroup", "datalist",
    "canvas", "audio", "video",
];

/// Schemes a link may point to.
const LINK_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// The one sanitizer, built once: ammonia asserts its configuration on each
/// `clean`, and the tests exercise that.
pub(super) static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::empty();
    builder
        .tags(HashSet::from(ALLOWED_TAGS))
        .clean_content_tags(RAW_TEXT_TAGS.into_iter().chain(HIDDEN_TAGS).collect())
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::from([("a", HashSet::from(["href"]))]))
        .url_schemes(HashSet::from(LINK_SCHEMES))
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("nofollow ugc"))
        .strip_comments(true);
    builder
});
