//! Replydesk: a self-hosted backend for article comments.

pub mod akismet;
pub mod burst;
pub mod cli;
pub mod configuration;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod file_formats;
pub mod import;
pub mod instance;
pub mod login;
pub mod mail;
pub mod moderation;
pub mod moderator_writing;
pub mod notifications;
pub mod password;
pub mod personal;
pub mod pow;
pub mod retention;
pub mod routes;
pub mod sites;
pub mod spam;
pub mod startup;
pub mod submission;
pub mod telemetry;
