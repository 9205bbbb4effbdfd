//! `POST /api/preview`: what a commenter previews is what the thread shows
//! once the comment is stored and approved, in either text format; a preview
//! stores nothing, refuses what a submission refuses, and counts against the
//! sender's burst.

use futures_util::future::join_all;
use reqwest::header::{ALLOW, RETRY_AFTER};
use serde_json::{Value, json};

use crate::abuse::BEHIND_PROXY;
use crate::helpers::{BLOG, TestApp, reply, spawn_app};
use crate::on_both_backends;

/// Texts that exercise every part of both formats' rendering.
const TRICKY: &[&str] = &[
    "First paragraph.\n\nSecond, with a\nline break.",
    "  Spaces and CRLF around \r\n\r\n the text.  ",
    "See https://example.com/a_b?c=1&d=2 and www.example.org.",
    "An <a href=\"https://example.com/\" title=\"t\" onclick=\"x()\">imported link</a> and <b>bold</b>.",
    "Hi <script>alert('x')</script> there <img src=x onerror=alert(1)>",
    "[click](javascript:alert(1)) and <a href=\"javascript:alert(1)\">this</a>",
    "a < b && c > d; Vec<String> is fine",
    "**bold** *em* `code`\n\n- one\n- two\n\n> quoted\n\n# Heading\n\n![a cat](https://example.com/cat.png)",
    "```\nfn main() { x < y; }\n```",
    "Unicode: Grüße 日本語 👍 &amp; It&#8217;s",
];

/// Previews `body` as a page of the test blog would, from `ip`.
async fn preview_from(app: &TestApp, ip: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/preview"))
        .header("Origin", BLOG)
        .header("X-Forwarded-For", ip)
        .json(body)
        .send()
        .await
        .expect("POST /api/preview")
}

/// The preview's `html` for `text`.
async fn preview_html(app: &TestApp, text: &str) -> String {
    let response = preview_from(app, "198.51.100.20", &json!({ "comment": text })).await;
    assert_eq!(response.status(), 200, "preview of {text:?}");
    let answer: Value = response.json().await.expect("json");
    answer["html"].as_str().expect("html").to_owned()
}

/// Previews each tricky text, posts it, approves it from the command line,
/// and checks that the thread shows exactly what the preview did.
async fn previews_match_the_stored_comments(app: &TestApp, format: &str) {
    let mut expected = Vec::new();
    for (n, text) in TRICKY.iter().enumerate() {
        let previewed = preview_html(app, text).await;
        let mut body = reply("preview", text);
        body["email"] = json!(format!("reader{n}@example.com"));
        let response = app.post_json(&body).await;
        assert_eq!(response.status(), 201, "{text:?} is accepted");
        let created: Value = response.json().await.expect("json");
        assert_eq!(created["status"], "pending", "held for moderation");
        assert_eq!(
            created["html"],
            previewed.as_str(),
            "the submission's answer, {text:?}"
        );
        let id = created["id"].as_i64().expect("id");
        app.cli_ok(&["comment", "approve", &id.to_string()]);
        expected.push((id, *text, previewed));
    }
    let thread = app.thread("preview").await;
    assert_eq!(thread["text_format"], format);
    for (id, text, previewed) in expected {
        let shown = thread["comments"]
            .as_array()
            .expect("comments")
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("comment {id} is published: {thread}"));
        assert_eq!(shown["html"], previewed.as_str(), "{format}: {text:?}");
    }
}

fn stored(app: &TestApp) -> (i64, i64) {
    (
        app.query_number("SELECT COUNT(*) AS n FROM comments"),
        app.query_number("SELECT COUNT(*) AS n FROM posts"),
    )
}

/// The worded JSON refusal of `response`, checked to have `status`.
async fn refusal(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    let answer: Value = response.json().await.expect("a JSON refusal");
    assert!(
        answer["error"].as_str().is_some_and(|e| e.len() > 10),
        "worded: {answer}"
    );
    answer
}

on_both_backends! {
    async fn a_wordpress_preview_is_what_the_stored_comment_shows(backend: Backend) {
        let app = spawn_app(backend, &[BEHIND_PROXY]).await;
        previews_match_the_stored_comments(&app, "wordpress").await;
        // The default format reads Markdown as text, HTML as HTML.
        assert_eq!(preview_html(&app, "**not bold** <b>bold</b>").await, "<p>**not bold** <b>bold</b></p>");
    }

    async fn a_markdown_preview_is_what_the_stored_comment_shows(backend: Backend) {
        let app = spawn_app(backend, &[BEHIND_PROXY, ("TEXT_FORMAT", "markdown")]).await;
        previews_match_the_stored_comments(&app, "markdown").await;
        assert_eq!(
            preview_html(&app, "**bold** and [a link](https://example.com/)").await,
            "<p><strong>bold</strong> and \
             <a href=\"https://example.com/\" rel=\"nofollow ugc\">a link</a></p>"
        );
        let evil = preview_html(&app, "[x](javascript:alert(1)) <script>alert(1)</script>").await;
        assert!(!evil.contains("javascript") && !evil.contains("script"), "{evil}");
    }

    async fn a_preview_stores_nothing(backend: Backend) {
        let app = spawn_app(backend, &[BEHIND_PROXY]).await;
        for text in TRICKY {
            preview_html(&app, text).await;
        }
        // The whole form's body is taken too; only the comment is read.
        let whole = preview_from(&app, "198.51.100.21", &reply("never-stored", "Just a look.")).await;
        assert_eq!(whole.status(), 200);
        assert_eq!(stored(&app), (0, 0), "no comment and no post");
        assert_eq!(app.thread("never-stored").await["total"], 0);
    }

    async fn a_preview_refuses_what_a_submission_refuses_in_words(backend: Backend) {
        let app = spawn_app(backend, &[BEHIND_PROXY]).await;
        let ip = "198.51.100.22";
        for (body, problem) in [
            (json!({ "comment": "" }), "Please type your comment."),
            (json!({ "comment": " \n\t " }), "Please type your comment."),
            (json!({}), "Please type your comment."),
            (json!({ "comment": "nul \u{0} byte" }), "control characters"),
            (json!({ "comment": "x".repeat(65_526) }), "too long"),
            (json!({ "comment": ["a list"] }), "must be text"),
            (json!({ "comment": 42 }), "must be text"),
        ] {
            let answer = refusal(preview_from(&app, ip, &body).await, 422).await;
            let named = answer["fields"]["comment"].as_str().unwrap_or_default();
            assert!(named.contains(problem), "{problem}: {answer}");
        }
        // The longest comment a submission takes is previewed.
        let longest = preview_from(&app, ip, &json!({ "comment": "x".repeat(65_525) })).await;
        assert_eq!(longest.status(), 200);

        let send = |content_type: &'static str, body: String| {
            app.client
                .post(app.url("/api/preview"))
                .header("Origin", BLOG)
                .header("Content-Type", content_type)
                .body(body)
                .send()
        };
        let answer = refusal(send("application/json", "[\"a comment\"]".into()).await.unwrap(), 400).await;
        assert!(answer["error"].as_str().unwrap().contains("JSON object"), "{answer}");
        let answer = refusal(send("application/json", "{\"comment\": ".into()).await.unwrap(), 400).await;
        assert!(answer["error"].as_str().unwrap().contains("not valid JSON"), "{answer}");
        refusal(send("text/plain", "comment=hi".into()).await.unwrap(), 415).await;
        refusal(send("application/json", format!("{{\"comment\": \"{}\"}}", "x".repeat(300_000))).await.unwrap(), 413).await;

        for method in [reqwest::Method::GET, reqwest::Method::PUT, reqwest::Method::DELETE] {
            let response = app.client.request(method.clone(), app.url("/api/preview")).send().await.unwrap();
            assert_eq!(response.headers()[ALLOW], "POST", "{method}");
            refusal(response, 405).await;
        }
        assert_eq!(stored(&app), (0, 0));
    }

    async fn fifty_previews_at_once_meet_the_burst_limit(backend: Backend) {
        let app = spawn_app(backend, &[BEHIND_PROXY, ("BURST_LIMIT", "20")]).await;
        let ip = "198.51.100.23";
        let bodies: Vec<Value> = (0..50).map(|n| json!({ "comment": format!("Look {n}") })).collect();
        let sends = bodies.iter().map(|body| preview_from(&app, ip, body));
        let responses = join_all(sends).await;
        let mut statuses = Vec::new();
        for response in responses {
            let status = response.status().as_u16();
            if status == 429 {
                let wait: u64 = response.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
                assert!((1..=60).contains(&wait), "Retry-After {wait}");
                refusal(response, 429).await;
            }
            statuses.push(status);
        }
        let count = |status| statuses.iter().filter(|&&s| s == status).count();
        assert_eq!(count(200) + count(429), 50, "only previews and refusals: {statuses:?}");
        assert!((20..=25).contains(&count(200)), "the burst of 20 is served: {statuses:?}");
        // Previews and submissions share one burst: a robot gets no more
        // requests by mixing them, and a commenter who used it up waits.
        let submission = crate::abuse::post_json_from(&app, ip, &reply("burst", "After previews.")).await;
        assert_eq!(submission.status(), 429);
        // Another address is not held back.
        assert_eq!(preview_from(&app, "198.51.100.24", &json!({ "comment": "Mine" })).await.status(), 200);
        assert_eq!(stored(&app), (0, 0));
    }
}

#[tokio::test]
async fn previews_answer_cors_only_for_the_blog() {
    let app = spawn_app(crate::helpers::Backend::Sqlite, &[]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/preview"))
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
    let answer = app
        .client
        .post(app.url("/api/preview"))
        .header("Origin", BLOG)
        .json(&json!({ "comment": "hi" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["access-control-allow-origin"], BLOG);
}

#[tokio::test]
async fn the_server_refuses_to_start_with_an_unknown_text_format() {
    use std::process::{Command, Stdio};
    let folder =
        std::env::temp_dir().join(format!("replydesk-format-{}", crate::helpers::random_hex()));
    let mut child = Command::new(crate::helpers::BINARY)
        .arg("serve")
        .env_clear()
        .env(
            "REPLYDESK_DATABASE_URL",
            format!("sqlite://{}", folder.join("never.db").display()),
        )
        .env("REPLYDESK_BIND", "127.0.0.1:0")
        .env("REPLYDESK_TEXT_FORMAT", "bbcode")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    crate::helpers::eventually(
        "the server to refuse REPLYDESK_TEXT_FORMAT=bbcode",
        async || child.try_wait().expect("wait").is_some(),
    )
    .await;
    let output = child.wait_with_output().expect("output");
    let said = crate::helpers::output_text(&output);
    assert!(!output.status.success());
    assert!(
        said.contains("REPLYDESK_TEXT_FORMAT") && said.contains("wordpress or markdown"),
        "{said}"
    );
    assert!(!folder.exists(), "no database was made");
}

/// The demo blog in `format`, and a browser on it; `None` when the browser
/// test is skipped.
async fn demo_in(format: &str) -> Option<(TestApp, crate::browser::Browser)> {
    let browser = crate::browser::Browser::start().await?;
    let app = spawn_app(
        crate::helpers::Backend::Sqlite,
        &[
            ("DEMO", "true"),
            ("MIN_SUBMIT_SECONDS", "0"),
            ("TEXT_FORMAT", format),
        ],
    )
    .await;
    browser.goto(&app.url("/demo/")).await;
    browser.find(".rd-form").await;
    Some((app, browser))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_previews_markdown_as_the_thread_will_show_it() {
    let Some((app, browser)) = demo_in("markdown").await else {
        return;
    };
    browser
        .wait_for_text(
            ".rd-format-help",
            "You can use Markdown: **bold**, *italic*",
        )
        .await;
    assert_eq!(
        browser.text(".rd-preview").await,
        "",
        "no preview before asking"
    );

    browser
        .fill(
            "#rd-comment",
            "Some **bold** words and <script>alert(1)</script>",
        )
        .await;
    browser.click(".rd-preview-button").await;
    browser.wait_for_text(".rd-preview strong", "bold").await;
    assert_eq!(
        browser.text(".rd-preview .rd-body").await,
        "Some bold words and"
    );
    assert_eq!(browser.count(".rd-preview script").await, 0);
    assert_eq!(browser.count(".rd-comment").await, 0, "nothing was posted");
    assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comments"), 0);

    // Typing on hides the preview, which no longer matches the text.
    browser
        .find("#rd-comment")
        .await
        .send_keys(" more")
        .await
        .unwrap();
    assert_eq!(browser.text(".rd-preview").await, "");

    // An empty comment is refused at the field, as a submission would be.
    browser.fill("#rd-comment", " ").await;
    browser.click(".rd-preview-button").await;
    browser
        .wait_for_text("#rd-comment-error", "Please type your comment.")
        .await;
    assert_eq!(browser.text(".rd-preview").await, "");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_says_basic_html_applies_and_previews_it_under_wordpress() {
    let Some((_app, browser)) = demo_in("wordpress").await else {
        return;
    };
    browser
        .wait_for_text(".rd-format-help", "You can use basic HTML: <a href>, <em>")
        .await;
    browser
        .fill("#rd-comment", "**stars stay** and <em>this leans</em>")
        .await;
    browser.click(".rd-preview-button").await;
    browser.wait_for_text(".rd-preview em", "this leans").await;
    assert_eq!(
        browser.text(".rd-preview .rd-body").await,
        "**stars stay** and this leans"
    );
    browser.close().await;
}
