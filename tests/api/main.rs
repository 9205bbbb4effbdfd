//! Black-box tests: the real server on a random port, spoken to over HTTP.
// A failed expectation in a test should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod abuse;
mod admin;
mod admin_browser;
mod akismet;
mod altcha;
mod browser;
mod bursts;
mod command_line;
mod digest;
mod extras;
mod helpers;
mod import;
mod long_history;
mod mail;
mod migrations;
mod moderation;
mod openapi;
mod operations;
mod operator;
mod personal;
mod privacy;
mod reading;
mod request_ids;
mod sites;
mod sites_admin;
mod sites_cli;
mod smtp;
mod spam;
mod submit_form;
mod submit_json;
mod thread_pages;
mod time_trap;
mod widget;
mod xss;
