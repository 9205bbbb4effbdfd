//! The time-trap half of moderation rule 1: a form carrying the signed render
//! time from `GET /api/form-token` and sent back faster than a person could is
//! spam, answered as if held.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, reply, spawn_app};
use crate::on_both_backends;

async fn fresh_token(app: &TestApp) -> String {
    let response = app.get("/api/form-token").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

fn count(app: &TestApp, status: &str) -> i64 {
    app.query_number(&format!(
        "SELECT COUNT(*) AS n FROM comments WHERE status = '{status}'"
    ))
}

fn trapped(app: &TestApp) -> i64 {
    app.query_number(
        "SELECT COUNT(*) AS n FROM comments WHERE status = 'spam' AND reasons LIKE '%faster than a person%'",
    )
}

async fn post_with_token(app: &TestApp, text: &str, token: &str) -> Value {
    let mut body = reply("trap", text);
    body["form_token"] = json!(token);
    let response = app.post_json(&body).await;
    assert_eq!(response.status(), 201, "answered as if accepted");
    response.json().await.unwrap()
}

on_both_backends! {
    async fn a_form_sent_back_at_once_is_spam_but_told_it_is_held(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        app.open_post("trap");
        let token = fresh_token(&app).await;
        let created = post_with_token(&app, "Posted by a quick robot.", &token).await;
        assert_eq!(created["status"], "pending");
        assert_eq!(trapped(&app), 1);
        assert_eq!(count(&app, "pending"), 0);
    }

    async fn the_plain_form_with_a_fresh_token_is_trapped_too(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        app.open_post("trap");
        let token = fresh_token(&app).await;
        let response = app
            .post_form("/comments", &[
                ("post", "trap"),
                ("post_url", "http://localhost:4000/trap/"),
                ("author", "Robot"),
                ("email", "robot@example.com"),
                ("comment", "Quick!"),
                ("form_token", &token),
            ])
            .await;
        assert_eq!(response.status(), 303);
        assert!(response.headers()["location"].to_str().unwrap().contains("replydesk=awaiting-moderation"));
        assert_eq!(trapped(&app), 1);
    }

    async fn a_form_sent_back_after_the_minimum_is_judged_as_usual(backend: Backend) {
        let app = spawn_app(backend, &[("MIN_SUBMIT_SECONDS", "1")]).await;
        let token = fresh_token(&app).await;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        post_with_token(&app, "Written by a person.", &token).await;
        assert_eq!(count(&app, "pending"), 1);
        assert_eq!(count(&app, "spam"), 0);
    }

    async fn a_forged_or_garbled_token_counts_as_no_token(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let token = fresh_token(&app).await;
        let (_, sig) = token.rsplit_once('.').unwrap();
        let backdated = format!("r.{}.{sig}", chrono::Utc::now().timestamp_millis() - 60_000);
        for (i, bad) in [backdated.as_str(), "garbage", "r.1.00", &"x".repeat(1000)].into_iter().enumerate() {
            post_with_token(&app, &format!("Comment {i} with a broken token."), bad).await;
        }
        assert_eq!(count(&app, "pending"), 4, "judged as if no token were sent");
        assert_eq!(count(&app, "spam"), 0);
    }

    async fn with_the_minimum_at_zero_the_time_trap_is_off(backend: Backend) {
        let app = spawn_app(backend, &[("MIN_SUBMIT_SECONDS", "0")]).await;
        let token = fresh_token(&app).await;
        post_with_token(&app, "Fast but allowed.", &token).await;
        assert_eq!(count(&app, "pending"), 1);
    }
}
