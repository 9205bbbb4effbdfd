//! `POST /api/comments`: validation, rules and status codes, as a JavaScript client sees them.

use serde_json::{Value, json};

use crate::helpers::{BLOG, reply, spawn_app};
use crate::on_both_backends;
use crate::smtp::SmtpServer;

async fn error_of(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "errors are JSON"
    );
    response.json().await.unwrap()
}

on_both_backends! {
    async fn a_valid_reply_is_held_by_default_and_not_yet_public(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let response = app.post_json(&reply("hello", "Nice post!")).await;
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        assert_eq!(created["status"], "pending");
        assert_eq!(created["author"], "Ada Lovelace");
        assert_eq!(created["html"], "<p>Nice post!</p>");
        assert!(created["id"].as_i64().unwrap() > 0);
        assert_eq!(app.thread("hello").await["total"], 0);
    }

    async fn with_hold_all_off_a_plain_reply_is_published_at_once(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let response = app.post_json(&reply("hello", "Nice post!")).await;
        let created: Value = response.json().await.unwrap();
        assert_eq!(created["status"], "approved");
        let thread = app.thread("hello").await;
        assert_eq!(thread["total"], 1);
        assert_eq!(thread["comments"][0]["id"], created["id"]);
    }

    async fn every_missing_required_field_is_named(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let body = error_of(app.post_json(&json!({ "post": "hello" })).await, 422).await;
        assert!(body["error"].as_str().unwrap().len() > 5);
        for field in ["author", "email", "comment"] {
            assert!(body["fields"][field].as_str().unwrap().len() > 5, "{field}: {body}");
        }
    }

    async fn bad_fields_get_a_message_each(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let cases = [
            ("email", json!("not-an-address")),
            ("email", json!(format!("{}@example.com", "a".repeat(90)))),
            ("url", json!("javascript:alert(1)")),
            ("url", json!(format!("https://example.com/{}", "a".repeat(190)))),
            ("author", json!("a".repeat(246))),
            ("author", json!("Ada\u{0}Lovelace")),
            ("comment", json!("x".repeat(65_526))),
            ("comment", json!("ring the bell\u{7}")),
            ("comment", json!("   \n\t  ")),
            ("parent", json!("first")),
            ("post", json!("p".repeat(256))),
        ];
        for (field, value) in cases {
            let mut body = reply("hello", "A fine comment.");
            body[field] = value;
            let answer = error_of(app.post_json(&body).await, 422).await;
            assert!(answer["fields"][field].is_string(), "{field}: {answer}");
        }
    }

    async fn wordpress_limits_are_accepted_at_the_edge(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let mut body = reply("hello", &"é".repeat(65_524 / 2));
        body["author"] = json!("ü".repeat(245));
        body["url"] = json!(format!("https://example.com/{}", "a".repeat(180)));
        assert_eq!(app.post_json(&body).await.status(), 201);
    }

    async fn name_and_email_can_be_made_optional(backend: Backend) {
        let app = spawn_app(backend, &[("REQUIRE_NAME_EMAIL", "false"), ("HOLD_ALL", "false")]).await;
        let body = json!({ "post": "hello", "post_url": format!("{BLOG}/hello/"), "comment": "Anonymous thought." });
        let created: Value = app.post_json(&body).await.json().await.unwrap();
        assert_eq!(created["author"], "Anonymous");
        assert_eq!(created["status"], "approved");
    }

    async fn the_same_words_twice_are_a_409(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        assert_eq!(app.post_json(&reply("hello", "Same words.")).await.status(), 201);
        let body = error_of(app.post_json(&reply("hello", "Same words.")).await, 409).await;
        assert!(body["error"].as_str().unwrap().contains("Duplicate"));
        assert_eq!(app.post_json(&reply("other-post", "Same words.")).await.status(), 201);
    }

    async fn a_duplicate_is_the_same_person_saying_the_same_in_the_same_place(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false"), ("REQUIRE_NAME_EMAIL", "false")]).await;
        let top = app.comment("hello", None, "Top.").await;
        let said = |parent: Option<i64>| {
            let mut body = reply("hello", "Same words.");
            if let Some(parent) = parent {
                body["parent"] = json!(parent);
            }
            body
        };
        assert_eq!(app.post_json(&said(None)).await.status(), 201);
        assert_eq!(app.post_json(&said(Some(top))).await.status(), 201, "under a comment is another place");
        error_of(app.post_json(&said(Some(top))).await, 409).await;
        let mut renamed = said(None);
        renamed["author"] = json!("A. Lovelace");
        error_of(app.post_json(&renamed).await, 409).await;
        let mut other = said(None);
        other["author"] = json!("Grace Hopper");
        other["email"] = json!("grace@example.com");
        assert_eq!(app.post_json(&other).await.status(), 201, "another person may say it");
        error_of(app.post_json(&other).await, 409).await;
        app.execute_sql("UPDATE comments SET status = 'trash' WHERE email = 'grace@example.com'");
        assert_eq!(app.post_json(&other).await.status(), 201, "a trashed comment no longer counts");

        let anonymous = |name: &str| {
            json!({ "post": "hello", "post_url": format!("{BLOG}/hello/"), "author": name, "comment": "No email here." })
        };
        assert_eq!(app.post_json(&anonymous("Reader")).await.status(), 201);
        error_of(app.post_json(&anonymous("Reader")).await, 409).await;
        assert_eq!(app.post_json(&anonymous("Another reader")).await.status(), 201, "without an email, the name tells");
    }

    async fn posting_again_too_soon_is_a_429_with_retry_after(backend: Backend) {
        let app = spawn_app(backend, &[("FLOOD_SECONDS", "15")]).await;
        assert_eq!(app.post_json(&reply("hello", "First.")).await.status(), 201);
        let mut other = reply("hello", "Second, from another address but the same IP.");
        other["email"] = json!("someone@example.org");
        let response = app.post_json(&other).await;
        let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=15).contains(&wait), "{wait}");
        let body = error_of(response, 429).await;
        assert!(body["error"].as_str().unwrap().contains("too quickly"));
    }

    async fn a_closed_post_refuses_with_403(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        assert_eq!(app.post_json(&reply("closing", "Before.")).await.status(), 201);
        app.execute_sql("UPDATE posts SET comments_open = FALSE WHERE post_key = 'closing'");
        let body = error_of(app.post_json(&reply("closing", "After.")).await, 403).await;
        assert!(body["error"].as_str().unwrap().contains("closed"));
    }

    async fn posts_older_than_the_limit_are_closed(backend: Backend) {
        let app = spawn_app(backend, &[("CLOSE_AFTER_DAYS", "14")]).await;
        assert_eq!(app.post_json(&reply("old", "Early.")).await.status(), 201);
        app.execute_sql("UPDATE posts SET created_at = '2020-01-01 00:00:00' WHERE post_key = 'old'");
        error_of(app.post_json(&reply("old", "Late.")).await, 403).await;
    }

    async fn two_links_hold_a_comment_even_with_hold_all_off(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let created: Value = app
            .post_json(&reply("hello", "See https://a.example and https://b.example"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(created["status"], "pending");
        let created: Value = app.post_json(&reply("hello", "Only https://a.example")).await.json().await.unwrap();
        assert_eq!(created["status"], "approved");
    }

    async fn returning_commenters_can_be_trusted(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("TRUST_RETURNING", "true"), ("SMTP_URL", &smtp.url())]).await;
        let mut first = reply("hello", "First visit.");
        first["subscribe"] = json!(true);
        let first: Value = app.post_json(&first).await.json().await.unwrap();
        assert_eq!(first["status"], "pending");
        // Only a confirmed address is trusted (tests/api/confirm.rs).
        crate::confirm::confirm_address(&app, &smtp, "ada@example.com").await;
        app.execute_sql(&format!("UPDATE comments SET status = 'approved' WHERE id = {}", first["id"]));
        let mut again = reply("hello", "Back again.");
        again["email"] = json!("ADA@example.com");
        let second: Value = app.post_json(&again).await.json().await.unwrap();
        assert_eq!(second["status"], "approved");
    }

    async fn trusting_returning_commenters_applies_to_the_next_comment(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url())]).await;
        let mut first = reply("hello", "First visit.");
        first["subscribe"] = json!(true);
        let first: Value = app.post_json(&first).await.json().await.unwrap();
        crate::confirm::confirm_address(&app, &smtp, "ada@example.com").await;
        app.execute_sql(&format!("UPDATE comments SET status = 'approved' WHERE id = {}", first["id"]));
        let untrusted: Value = app.post_json(&reply("hello", "Second visit.")).await.json().await.unwrap();
        assert_eq!(untrusted["status"], "pending");
        // The server last judged with the rule off; the next comment must not be.
        app.cli_ok(&["settings", "set", "trust_returning", "true"]);
        let trusted: Value = app.post_json(&reply("hello", "Third visit.")).await.json().await.unwrap();
        assert_eq!(trusted["status"], "approved");
    }

    async fn a_filled_honeypot_is_answered_as_held_and_never_shown(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        app.open_post("hello");
        let mut body = reply("hello", "Buy cheap watches");
        body["hp"] = json!("http://spam.example");
        let created: Value = app.post_json(&body).await.json().await.unwrap();
        assert_eq!(created["status"], "pending");
        assert_eq!(app.thread("hello").await["total"], 0);
        let metrics = app.get("/metrics").await.text().await.unwrap();
        assert!(metrics.contains("replydesk_comments{site=\"default\",status=\"spam\"} 1"), "{metrics}");
    }

    async fn replies_must_name_a_public_comment_of_the_same_post(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false"), ("MAX_DEPTH", "2")]).await;
        let top = app.comment("hello", None, "Top.").await;
        let reply_id = app.comment("hello", Some(top), "Reply.").await;
        let elsewhere = app.comment("elsewhere", None, "Other post.").await;
        let held = {
            let body = reply("hello", "Held: https://a.example https://b.example");
            app.post_json(&body).await.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
        };
        for (parent, words) in [
            (999_999, "does not exist"),
            (elsewhere, "another post"),
            (held, "not published"),
            (reply_id, "at most 2 levels"),
        ] {
            let mut body = reply("hello", &format!("Replying to {parent}"));
            body["parent"] = json!(parent);
            let answer = error_of(app.post_json(&body).await, 422).await;
            assert!(answer["fields"]["parent"].as_str().unwrap().contains(words), "{answer}");
        }
    }

    async fn foreign_pages_cannot_post_or_create_posts(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let foreign = app
            .client
            .post(app.url("/api/comments"))
            .header("Origin", "https://evil.example")
            .json(&reply("hello", "From elsewhere."))
            .send()
            .await
            .unwrap();
        let body = error_of(foreign, 403).await;
        assert!(body["error"].as_str().unwrap().contains("blog's own pages"));

        let mut foreign_post = reply("hello", "Foreign post URL.");
        foreign_post["post_url"] = json!("https://evil.example/hello/");
        error_of(app.post_json(&foreign_post).await, 403).await;

        // With neither an Origin nor a post URL, nothing shows the post is the blog's.
        let anonymous = app
            .client
            .post(app.url("/api/comments"))
            .json(&json!({ "post": "new-post", "author": "A", "email": "a@example.com", "comment": "Hi" }))
            .send()
            .await
            .unwrap();
        error_of(anonymous, 403).await;
        assert_eq!(app.thread("new-post").await["total"], 0);

        // Once the post exists, a client without an Origin (a script, an app) may comment.
        assert_eq!(app.post_json(&reply("known", "Creates the post.")).await.status(), 201);
        let script = app
            .client
            .post(app.url("/api/comments"))
            .json(&json!({ "post": "known", "author": "B", "email": "b@example.com", "comment": "Hello" }))
            .send()
            .await
            .unwrap();
        assert_eq!(script.status(), 201);
    }
}

#[tokio::test]
async fn malformed_requests_get_clear_json_errors() {
    let app = spawn_app(crate::helpers::Backend::Sqlite, &[]).await;
    let post = |content_type: &'static str, body: Vec<u8>| {
        app.client
            .post(app.url("/api/comments"))
            .header("Origin", BLOG)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    let wrong_type = error_of(post("text/plain", b"{}".to_vec()).await.unwrap(), 415).await;
    assert!(
        wrong_type["error"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );
    let broken = error_of(
        post("application/json", b"{\"post\": ".to_vec())
            .await
            .unwrap(),
        400,
    )
    .await;
    assert!(broken["error"].as_str().unwrap().contains("not valid JSON"));
    error_of(
        post("application/json", b"[1, 2]".to_vec()).await.unwrap(),
        400,
    )
    .await;
    let huge = format!("{{\"comment\": \"{}\"}}", "x".repeat(300_000));
    let too_large = error_of(
        post("application/json", huge.into_bytes()).await.unwrap(),
        413,
    )
    .await;
    assert!(too_large["error"].as_str().unwrap().contains("too large"));
    let wrong_shapes = error_of(
        post(
            "application/json",
            br#"{"post": "p", "author": ["A"], "subscribe": {"x": 1}}"#.to_vec(),
        )
        .await
        .unwrap(),
        422,
    )
    .await;
    assert!(wrong_shapes["fields"]["author"].is_string());
    assert!(wrong_shapes["fields"]["subscribe"].is_string());
    let invalid_utf8 = post(
        "application/json",
        vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
    )
    .await
    .unwrap();
    assert_eq!(invalid_utf8.status(), 400);
}

#[tokio::test]
async fn cors_is_granted_only_to_the_blog() {
    let app = spawn_app(crate::helpers::Backend::Sqlite, &[]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/comments"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let allowed = preflight(BLOG).await.unwrap();
    assert!(allowed.status().is_success());
    assert_eq!(allowed.headers()["access-control-allow-origin"], BLOG);
    let foreign = preflight("https://evil.example").await.unwrap();
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let read = app
        .client
        .get(app.url("/api/posts/hello/comments"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(read.headers().get("access-control-allow-origin").is_none());
}
