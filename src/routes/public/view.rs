//! The public view of comments: what readers may see, and never more.

use std::collections::HashMap;

use chrono::{NaiveDateTime, SecondsFormat};
use serde::Serialize;

use crate::db::comments::PublicRow;
use crate::domain::{avatar, render};
use crate::routes::state::AppState;

/// A comment as blog pages see it. No email, IP or user agent can get in here:
/// the struct has no field for them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicComment {
    pub id: i64,
    /// The comment this one replies to.
    pub parent: Option<i64>,
    pub author: String,
    /// The author's website.
    pub url: Option<String>,
    /// An identicon's URL, keyed by an HMAC of the email, never a bare hash of
    /// it. Only a published comment has one: the answer to a held comment
    /// carries none, or anyone could post guesses at an address and compare
    /// the key with a commenter's public one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// The text as safe HTML: paragraphs, line breaks, links with `rel="nofollow ugc"`.
    pub html: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// Approved replies, oldest first (always empty in a submission's answer).
    #[schema(no_recursion)]
    pub replies: Vec<PublicComment>,
}

pub fn timestamp(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn avatar_url(state: &AppState, key: &str) -> String {
    format!(
        "{}/avatar/{key}.svg",
        state.public_url.as_str().trim_end_matches('/')
    )
}

/// A published comment as readers see it.
pub fn public(state: &AppState, row: &PublicRow) -> PublicComment {
    let key = avatar::key_for(state.core.secret.expose(), &row.email, &row.author);
    PublicComment {
        avatar: Some(avatar_url(state, &key)),
        ..held(state, row)
    }
}

/// A comment not (yet) published, as its author is told of it: no avatar key.
pub fn held(state: &AppState, row: &PublicRow) -> PublicComment {
    PublicComment {
        id: row.id,
        parent: row.parent_id,
        author: row.author.clone(),
        url: Some(row.url.clone()).filter(|u| !u.is_empty()),
        avatar: None,
        html: render::comment_html(&row.body, state.settings.text_format),
        created_at: timestamp(row.created_at),
        replies: Vec::new(),
    }
}

/// The threads that `rows` hold, in their order: each comment whose parent is
/// not among the rows starts a thread, with every reply beneath it. So a reply
/// whose parent is not public is shown as a thread of its own rather than lost.
pub fn threads(state: &AppState, rows: &[PublicRow]) -> Vec<PublicComment> {
    let visible: std::collections::HashSet<i64> = rows.iter().map(|r| r.id).collect();
    let mut children: HashMap<i64, Vec<&PublicRow>> = HashMap::new();
    let mut roots = Vec::new();
    for row in rows {
        match row.parent_id.filter(|p| visible.contains(p)) {
            Some(parent) => children.entry(parent).or_default().push(row),
            None => roots.push(row),
        }
    }
    roots
        .into_iter()
        .map(|root| build(state, root, &children))
        .collect()
}

fn build(
    state: &AppState,
    row: &PublicRow,
    children: &HashMap<i64, Vec<&PublicRow>>,
) -> PublicComment {
    let mut comment = public(state, row);
    if let Some(kids) = children.get(&row.id) {
        comment.replies = kids.iter().map(|kid| build(state, kid, children)).collect();
    }
    comment
}
