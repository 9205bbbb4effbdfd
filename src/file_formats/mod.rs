//! The files Replydesk writes and reads back: what `export` and `import`
//! must agree on, kept in one place so neither depends on the other.

pub mod json;
pub mod wxr;
