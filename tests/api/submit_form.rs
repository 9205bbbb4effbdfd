//! `POST /comments` and `POST /wp-comments-post.php`: plain forms, no JavaScript.

use crate::helpers::{BLOG, spawn_app};
use crate::on_both_backends;

fn form<'a>(post: &'a str, text: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("post", post),
        ("post_title", "Hello world"),
        ("post_url", "http://localhost:4000/hello/"),
        ("author", "Ada Lovelace"),
        ("email", "ada@example.com"),
        ("url", ""),
        ("comment", text),
        ("parent", ""),
    ]
}

fn location(response: &reqwest::Response) -> String {
    assert_eq!(
        response.status(),
        303,
        "a form post is answered with See Other"
    );
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn error_page(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    response.text().await.unwrap()
}

on_both_backends! {
    async fn a_held_form_post_goes_back_to_the_post_with_a_moderation_flag(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let response = app.post_form("/comments", &form("hello", "Nice post!")).await;
        assert_eq!(location(&response), "http://localhost:4000/hello/?replydesk=awaiting-moderation#comments");
    }

    async fn an_approved_form_post_goes_back_to_the_new_comment(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let response = app.post_form("/comments", &form("hello", "Nice post!")).await;
        let target = location(&response);
        let id = app.thread("hello").await["comments"][0]["id"].as_i64().unwrap();
        assert_eq!(target, format!("http://localhost:4000/hello/#comment-{id}"));
    }

    async fn redirect_to_is_followed_only_within_the_blog(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let cases = [
            ("http://localhost:4000/elsewhere/?p=3", "http://localhost:4000/elsewhere/?p=3&replydesk=awaiting-moderation#comments"),
            ("/relative/", "http://localhost:4000/relative/?replydesk=awaiting-moderation#comments"),
            ("https://evil.example/phish", "http://localhost:4000/hello/?replydesk=awaiting-moderation#comments"),
            ("//evil.example/phish", "http://localhost:4000/hello/?replydesk=awaiting-moderation#comments"),
            ("javascript:alert(1)", "http://localhost:4000/hello/?replydesk=awaiting-moderation#comments"),
            ("http://localhost.evil.example/", "http://localhost:4000/hello/?replydesk=awaiting-moderation#comments"),
        ];
        for (i, (redirect_to, expected)) in cases.into_iter().enumerate() {
            let text = format!("Comment number {i}");
            let mut fields = form("hello", &text);
            fields.push(("redirect_to", redirect_to));
            let response = app.post_form("/comments", &fields).await;
            assert_eq!(location(&response), expected, "redirect_to={redirect_to}");
        }
    }

    async fn a_wordpress_themes_form_works_by_changing_its_action(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let fields = [
            ("author", "Ada Lovelace"),
            ("email", "ada@example.com"),
            ("url", "https://ada.example"),
            ("comment", "Posted from a WordPress theme."),
            ("wp-comment-cookies-consent", "yes"),
            ("submit", "Post Comment"),
            ("comment_post_ID", "42"),
            ("comment_parent", "0"),
            ("redirect_to", ""),
        ];
        let response = app
            .client
            .post(app.url("/wp-comments-post.php"))
            .header("Origin", BLOG)
            .header("Referer", "http://localhost:4000/?p=42")
            .form(&fields)
            .send()
            .await
            .unwrap();
        let target = location(&response);
        assert!(target.starts_with("http://localhost:4000/?p=42#comment-"), "{target}");
        let thread = app.thread("42").await;
        assert_eq!(thread["comments"][0]["author"], "Ada Lovelace");
        assert_eq!(thread["comments"][0]["url"], "https://ada.example");

        let id = thread["comments"][0]["id"].as_i64().unwrap().to_string();
        let mut reply = fields.to_vec();
        reply.retain(|(k, _)| *k != "comment_parent" && *k != "comment");
        reply.push(("comment_parent", &id));
        reply.push(("comment", "A threaded reply."));
        let response = app.client.post(app.url("/wp-comments-post.php")).header("Origin", BLOG).form(&reply).send().await.unwrap();
        assert_eq!(response.status(), 303);
        let thread = app.thread("42").await;
        assert_eq!(thread["comments"][0]["replies"][0]["html"], "<p>A threaded reply.</p>");
    }

    async fn a_refused_form_explains_each_field_in_words_and_keeps_the_text(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let fields = [
            ("post", "hello"),
            ("post_url", "http://localhost:4000/hello/"),
            ("author", ""),
            ("email", "ada-at-example.com"),
            ("comment", "My long, careful comment <3"),
        ];
        let page = error_page(app.post_form("/comments", &fields).await, 422).await;
        assert!(page.contains("Name:</strong> Please enter your name."), "{page}");
        assert!(page.contains("Email:</strong> Please enter a valid email address"), "{page}");
        assert!(page.contains("My long, careful comment &#60;3") || page.contains("My long, careful comment &lt;3"), "{page}");
        assert!(page.contains("href=\"http://localhost:4000/hello/\""), "{page}");
        assert!(!page.contains("ada-at-example.com"), "the address is not echoed");
    }

    async fn refusals_of_the_rules_are_pages_too(backend: Backend) {
        let app = spawn_app(backend, &[("FLOOD_SECONDS", "30")]).await;
        assert_eq!(app.post_form("/comments", &form("hello", "Once.")).await.status(), 303);
        let page = error_page(app.post_form("/comments", &form("hello", "Once.")).await, 409).await;
        assert!(page.contains("Duplicate comment"), "{page}");
        let response = app.post_form("/comments", &form("hello", "Twice.")).await;
        assert!(response.headers().contains_key("retry-after"));
        let page = error_page(response, 429).await;
        assert!(page.contains("too quickly"), "{page}");
    }
}

#[tokio::test]
async fn unreadable_forms_get_html_errors() {
    let app = spawn_app(crate::helpers::Backend::Sqlite, &[]).await;
    let multipart = app
        .client
        .post(app.url("/comments"))
        .header("Content-Type", "multipart/form-data; boundary=x")
        .body("--x--")
        .send()
        .await
        .unwrap();
    let page = error_page(multipart, 415).await;
    assert!(page.contains("application/x-www-form-urlencoded"));
    let huge = "x".repeat(300_000);
    let too_large = app.post_form("/comments", &form("hello", &huge)).await;
    let page = error_page(too_large, 413).await;
    assert!(page.contains("too large"));
}

#[tokio::test]
async fn without_a_page_to_return_to_a_thank_you_page_is_shown() {
    let app = spawn_app(crate::helpers::Backend::Sqlite, &[]).await;
    assert_eq!(
        app.post_form("/comments", &form("hello", "Creates the post."))
            .await
            .status(),
        303
    );
    app.execute_sql("UPDATE posts SET url = ''");
    let fields = [
        ("post", "hello"),
        ("author", "B"),
        ("email", "b@example.com"),
        ("comment", "No way back."),
    ];
    let response = app
        .client
        .post(app.url("/comments"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("awaiting moderation")
    );
}
