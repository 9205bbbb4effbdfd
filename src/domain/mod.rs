//! Parsed types and pure rules: what a comment is and what happens to it.
//! Nothing here knows about HTTP or SQL.

pub mod address;
pub mod akismet;
pub mod avatar;
pub mod derived_key;
pub mod draft;
pub mod edit;
pub mod edit_token;
pub mod email;
pub mod form_token;
pub mod mail_kind;
pub mod moderation;
pub mod moderation_mail;
pub mod origin;
pub mod proof;
pub mod queue_link;
pub mod render;
pub mod rules;
pub mod scope;
pub mod status;
pub mod text_hash;
pub mod throttle;
pub mod token;
pub mod word_lists;
pub mod words;
