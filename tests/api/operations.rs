//! Liveness, readiness, metrics and unknown addresses.

use serde_json::Value;

use crate::helpers::{reply, spawn_app};
use crate::on_both_backends;

on_both_backends! {
    async fn health_and_readiness_answer(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let health = app.get("/healthz").await;
        assert_eq!(health.status(), 200);
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 200);
        let body: Value = ready.json().await.unwrap();
        assert_eq!(body["status"], "ready");
    }

    async fn metrics_count_requests_by_route_and_comments_by_status(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        assert_eq!(app.post_json(&reply("metrics", "first")).await.status(), 201);
        assert_eq!(app.post_json(&reply("metrics", "second")).await.status(), 201);
        let response = app.get("/metrics").await;
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        assert!(text.contains("replydesk_comments{site=\"default\",status=\"pending\"} 2"), "{text}");
        assert!(text.contains("replydesk_comments{site=\"default\",status=\"approved\"} 0"), "{text}");
        assert!(text.contains("replydesk_outbox_waiting 0"), "{text}");
        assert!(
            text.contains(r#"replydesk_http_requests_total{endpoint="/api/comments",method="POST",status="201"} 2"#),
            "{text}"
        );
        assert!(text.contains("replydesk_http_requests_duration_seconds_bucket"), "{text}");
    }
}

#[tokio::test]
async fn unknown_paths_answer_404_in_json_or_html() {
    let app = spawn_app(crate::helpers::Backend::Sqlite, &[]).await;
    let json = app.get("/no/such/page").await;
    assert_eq!(json.status(), 404);
    let body: Value = json.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("nothing"));
    let html = app
        .client
        .get(app.url("/no/such/page"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 404);
    assert!(html.text().await.unwrap().contains("<h1>Not found</h1>"));
}

#[tokio::test]
async fn a_wrong_method_on_a_form_address_says_which_method_it_takes() {
    let app = spawn_app(crate::helpers::Backend::Sqlite, &[]).await;
    for path in ["/comments", "/wp-comments-post.php", "/api/comments"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 405, "{path}");
        assert_eq!(response.headers()["allow"], "POST");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("POST"));
    }
}

/// A database restart closes every pooled connection. The pool trusts a
/// connection that answered within the last second without asking again, so
/// the first request on a closed one may fail: it must be a 503 asking the
/// client to try again, never a 500, and the server must recover by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_closed_under_the_server_cost_at_most_a_retry() {
    let Some(backend) = crate::helpers::Backend::postgres() else {
        return;
    };
    let app = spawn_app(backend, &[]).await;
    assert_eq!(
        app.post_json(&reply("restart", "before")).await.status(),
        201
    );
    for _ in 0..3 {
        assert_eq!(app.get("/api/counts?post=restart").await.status(), 200);
    }
    let closed = app.query_number(
        "SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    assert!(closed >= 1, "the server held a connection to close");

    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.get("/api/counts?post=restart").await.status().as_u16());
    }
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "only successes and retries after the restart: {statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&200), "recovered: {statuses:?}");
    let retries = statuses.iter().filter(|s| **s == 503).count();
    assert!(
        retries <= 1,
        "one closed connection tells of all: {statuses:?}"
    );
    assert_eq!(
        app.post_json(&reply("restart", "after")).await.status(),
        201
    );
    // Another pooled connection the restart closed may still be handed out
    // once: that request, too, costs a retry.
    let mut counted = app.get("/api/counts?post=restart").await;
    if counted.status() == 503 {
        counted = app.get("/api/counts?post=restart").await;
    }
    let counted: Value = counted.json().await.unwrap();
    assert_eq!(counted["counts"]["restart"], 0, "both held for moderation");
}
