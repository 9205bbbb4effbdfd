//! Replydesk's own JSON file: one object with the moderators (without
//! password hashes) and every post with all its comments, each with every
//! stored column. Ids are the exporting database's; `parent` refers to them.

use serde::{Deserialize, Serialize};

/// The value of `format` at the top of the file, checked on import.
pub const FORMAT: &str = "replydesk-export";
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct ModeratorRecord {
    pub email: String,
    pub created_at: String,
    pub last_login_at: Option<String>,
    /// The sites a moderator scoped to some works on, by name; absent for an
    /// owner (and in files from before sites, whose moderators all were).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites: Option<Vec<String>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PostRecord {
    pub key: String,
    /// The site the post is on, by name (files from before sites name none:
    /// their posts are the default site's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub url: String,
    #[serde(default = "yes")]
    pub comments_open: bool,
    #[serde(default)]
    pub closes_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub comments: Vec<CommentRecord>,
}

fn yes() -> bool {
    true
}

/// The kind of a comment in a file written before kinds were kept.
fn ordinary() -> String {
    "comment".to_owned()
}

#[derive(Debug, Serialize, Deserialize)]
pub struct CommentRecord {
    pub id: i64,
    #[serde(default)]
    pub parent: Option<i64>,
    pub author: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub url: String,
    pub body: String,
    pub status: String,
    #[serde(default)]
    pub previous_status: Option<String>,
    #[serde(default)]
    pub reasons: String,
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub user_agent: String,
    #[serde(default)]
    pub subscribed: bool,
    /// The moderator who wrote it, by email.
    #[serde(default)]
    pub moderator: Option<String>,
    /// Where it was imported from, if it was.
    #[serde(default)]
    pub source_id: Option<String>,
    /// `comment`, `pingback` or `trackback` (files from before it was kept
    /// hold only comments).
    #[serde(default = "ordinary")]
    pub kind: String,
    pub created_at: String,
    #[serde(default)]
    pub updated_at: Option<String>,
}
