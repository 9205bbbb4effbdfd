//! Personal data: exporting everything stored about an address, and forgetting it.

use serde_json::{Value, json};

use crate::helpers::{BLOG, reply, spawn_app};
use crate::on_both_backends;

on_both_backends! {
    async fn an_export_holds_every_comment_of_the_address_and_nothing_else(backend: Backend) {
        let app = spawn_app(backend, &[("TRUSTED_PROXIES", "127.0.0.1")]).await;
        for (post, text) in [("one", "First words."), ("two", "Second words.")] {
            let response = app
                .client
                .post(app.url("/api/comments"))
                .header("Origin", BLOG)
                .header("X-Forwarded-For", "198.51.100.7")
                .header("User-Agent", "Exporter/1.0")
                .json(&reply(post, text))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201);
        }
        let mut other = reply("one", "Someone else.");
        other["email"] = json!("grace@example.org");
        assert_eq!(app.post_json(&other).await.status(), 201);

        let exported: Value = serde_json::from_str(&app.cli_ok(&["export-personal", "ADA@example.com"])).unwrap();
        let comments = exported["comments"].as_array().unwrap();
        assert_eq!(comments.len(), 2);
        assert_eq!(comments[0]["text"], "First words.");
        assert_eq!(comments[0]["post"], "one");
        assert_eq!(comments[0]["ip"], "198.51.100.7");
        assert_eq!(comments[0]["user_agent"], "Exporter/1.0");
        assert_eq!(comments[1]["text"], "Second words.");
        assert!(!exported.to_string().contains("grace@example.org"));
    }

    async fn forgetting_an_address_anonymizes_its_comments_and_keeps_the_text(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let mut mine = reply("forget", "Words worth keeping.");
        mine["url"] = json!("https://ada.example");
        mine["subscribe"] = json!(true);
        let mine: Value = app.post_json(&mine).await.json().await.unwrap();
        let mut theirs = reply("forget", "Not mine.");
        theirs["author"] = json!("Grace");
        theirs["email"] = json!("grace@example.org");
        assert_eq!(app.post_json(&theirs).await.status(), 201);
        let before = app.thread("forget").await;

        let said = app.cli_ok(&["forget", "Ada@Example.com"]);
        assert!(said.contains("Anonymized 1 comment;"), "{said}");

        let after = app.thread("forget").await;
        let comment = &after["comments"][0];
        assert_eq!(comment["author"], "Anonymous");
        assert_eq!(comment["url"], Value::Null);
        assert_eq!(comment["html"], "<p>Words worth keeping.</p>");
        assert_ne!(comment["avatar"], before["comments"][0]["avatar"]);
        assert_eq!(after["comments"][1]["author"], "Grace");

        let shown = app.cli_ok(&["comment", "show", &mine["id"].to_string()]);
        assert!(shown.contains("author: Anonymous <> "), "{shown}");
        assert!(shown.contains("ip: (erased)"), "{shown}");
        assert!(shown.contains("forget approved -> approved personal data erased"), "{shown}");
        let exported: Value = serde_json::from_str(&app.cli_ok(&["export-personal", "ada@example.com"])).unwrap();
        assert_eq!(exported["comments"], json!([]));
    }

    async fn forgetting_can_remove_the_text_too(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        app.comment("erase", None, "Please take this back.").await;
        app.cli_ok(&["forget", "ada@example.com", "--delete-text"]);
        let thread = app.thread("erase").await;
        let html = thread["comments"][0]["html"].as_str().unwrap();
        assert!(!html.contains("take this back"), "{html}");
        assert!(html.contains("removed at its author's request"), "{html}");
    }
}
