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
        assert!(text.contains("replydesk_comments{status=\"pending\"} 2"), "{text}");
        assert!(text.contains("replydesk_comments{status=\"approved\"} 0"), "{text}");
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
