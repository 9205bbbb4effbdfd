//! What Replydesk adds to a WordPress export (WXR) it writes.

/// Our own namespace in a WXR file we write, for what WordPress has no place for.
pub const REPLYDESK_NS: &str = "urn:replydesk:export:1";
