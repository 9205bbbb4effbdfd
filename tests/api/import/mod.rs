//! Importing from WordPress, Disqus, Isso and our own export, through the real
//! binary. The files are our own (`tests/fixtures/`), written in the exact
//! shape each system exports, so a fresh clone tests every importer;
//! `real_exports` runs the same importers on files the other systems really
//! wrote, when the shared folder of them is there.

mod disqus;
mod isso;
mod real_exports;
mod round_trip;
mod wordpress;

use std::path::PathBuf;

use serde_json::Value;

use crate::helpers::{TestApp, output_text};

/// One of our own export files under `tests/fixtures/`.
fn ours(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    assert!(path.is_file(), "{} is missing", path.display());
    path.to_string_lossy().into_owned()
}

/// The public thread of a post whose key may contain `/`.
async fn thread_of(app: &TestApp, key: &str) -> Value {
    let encoded: String = url::form_urlencoded::byte_serialize(key.as_bytes()).collect();
    let response = app
        .get(&format!("/api/posts/{encoded}/comments?per_page=200"))
        .await;
    assert_eq!(response.status(), 200, "{key}");
    response.json().await.unwrap()
}

/// A thread as indented lines: author, then the start of the text.
fn outline(comments: &Value) -> Vec<String> {
    fn walk(comments: &Value, depth: usize, lines: &mut Vec<String>) {
        for c in comments.as_array().unwrap() {
            let html = c["html"].as_str().unwrap();
            let text: String = html
                .trim_start_matches("<p>")
                .chars()
                .take_while(|ch| *ch != '<')
                .take(20)
                .collect();
            lines.push(format!(
                "{}{}: {}",
                "  ".repeat(depth),
                c["author"].as_str().unwrap(),
                text
            ));
            walk(&c["replies"], depth + 1, lines);
        }
    }
    let mut lines = Vec::new();
    walk(comments, 0, &mut lines);
    lines
}

fn count(app: &TestApp, filter: &str) -> i64 {
    app.query_number(&format!(
        "SELECT COUNT(*) AS n FROM comments WHERE {filter}"
    ))
}

/// What a database holds, compact enough to compare before and after.
fn fingerprint(app: &TestApp) -> (i64, i64, i64, i64) {
    (
        app.query_number("SELECT COUNT(*) AS n FROM posts"),
        app.query_number("SELECT COUNT(*) AS n FROM comments"),
        app.query_number("SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) AS n FROM posts"),
        app.query_number("SELECT CAST(COALESCE(SUM(approved_count), 0) AS BIGINT) AS n FROM posts"),
    )
}

fn import_fails(app: &TestApp, args: &[&str]) -> String {
    let output = app.cli(args);
    let said = output_text(&output);
    assert!(!output.status.success(), "{args:?} succeeded: {said}");
    said
}

fn write_temp(dir: &tempfile::TempDir, name: &str, content: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path.to_string_lossy().into_owned()
}

/// The 1-based line of `text` on which `needle` first starts.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} is not in the file"));
    text[..at].matches('\n').count() + 1
}
