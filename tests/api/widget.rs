//! `/embed.js` in a real headless Chromium, on the demo blog: post through the
//! widget, moderate, read it back; inline errors; and the no-JavaScript path.

use std::path::Path;

use crate::browser::Browser;
use crate::helpers::{Backend, TestApp, eventually, spawn_app};

/// The demo blog and a browser; `None` when the browser test is skipped.
async fn demo(overrides: &[(&str, &str)]) -> Option<(TestApp, Browser)> {
    let browser = Browser::start().await?;
    // The time-trap is off unless a test turns it on: a test types faster than a person.
    let mut settings = vec![("DEMO", "true"), ("MIN_SUBMIT_SECONDS", "0")];
    settings.retain(|(key, _)| !overrides.iter().any(|(k, _)| k == key));
    settings.extend_from_slice(overrides);
    let app = spawn_app(Backend::Sqlite, &settings).await;
    Some((app, browser))
}

fn newest_comment_id(app: &TestApp) -> i64 {
    app.query_number("SELECT MAX(id) AS n FROM comments")
}

async fn active_element_class(browser: &Browser) -> String {
    let value = browser
        .client
        .execute("return document.activeElement.className", vec![])
        .await
        .expect("run a script");
    value.as_str().unwrap_or_default().to_owned()
}

async fn write_comment(browser: &Browser, text: &str, email: &str) {
    browser.fill("#rd-comment", text).await;
    browser.fill("#rd-author", "Grace Hopper").await;
    browser.fill("#rd-email", email).await;
    browser.click(".rd-button").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_who_asks_for_replies_is_told_they_wait_for_a_confirmed_address() {
    let Some((app, browser)) = demo(&[("FLOOD_SECONDS", "0")]).await else {
        return;
    };
    browser.goto(&app.url("/demo/")).await;
    browser.find(".rd-form").await;
    browser.click("#rd-subscribe").await;
    write_comment(
        &browser,
        "Tell me when someone answers.",
        "grace@example.com",
    )
    .await;
    let notice = browser
        .wait_for_text(".rd-notice", "Your comment is awaiting moderation.")
        .await;
    assert!(notice.contains("once you confirm your address"), "{notice}");
    assert_eq!(
        app.query_number("SELECT COUNT(*) AS n FROM comments WHERE subscribed"),
        1
    );

    // Without the box ticked, nothing is said of confirming.
    browser.click("#rd-subscribe").await;
    write_comment(&browser, "No replies by e-mail, thanks.", "ada@example.com").await;
    let notice = eventually("the second notice", async || {
        // Hidden while the second comment is sent: read once it is back.
        let notice = browser.text(".rd-notice").await;
        if notice.contains("awaiting moderation") && !notice.contains("confirm") {
            Ok(notice)
        } else {
            Err(notice)
        }
    })
    .await;
    assert_eq!(notice, "Your comment is awaiting moderation.");
    assert_eq!(
        app.query_number("SELECT COUNT(*) AS n FROM comments WHERE NOT subscribed"),
        1
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_posted_through_the_widget_waits_for_approval_then_shows() {
    let Some((app, browser)) = demo(&[]).await else {
        return;
    };
    browser.goto(&app.url("/demo/")).await;
    browser.find(".rd-form").await;
    assert_eq!(
        browser.text(".rd-notes").await,
        "Your email address will not be published. Required fields are marked *"
    );
    browser.wait_for_text(".rd-title", "No comments yet").await;

    write_comment(&browser, "Hello from the widget!", "grace@example.com").await;
    browser
        .wait_for_text(".rd-notice", "Your comment is awaiting moderation.")
        .await;
    assert!(
        active_element_class(&browser).await.contains("rd-notice"),
        "focus moves to the notice"
    );
    assert_eq!(
        browser.count(".rd-comment").await,
        0,
        "not shown before approval"
    );

    // A moderator approves it on the admin page, in the same browser.
    let id = newest_comment_id(&app);
    app.add_moderator("admin@example.com");
    browser.goto(&app.url("/admin/login")).await;
    browser.fill("#email", "admin@example.com").await;
    browser.fill("#password", crate::admin::PASSWORD).await;
    browser.click("form button[type=submit]").await;
    browser
        .click(&format!("button[value=\"approve:{id}\"]"))
        .await;
    browser
        .wait_for_text("[role=status]", "1 comment approved.")
        .await;
    browser.goto(&app.url("/demo/")).await;
    let shown = browser
        .wait_for_text(&format!("#comment-{id}"), "Hello from the widget!")
        .await;
    assert!(shown.contains("Grace Hopper"), "{shown}");
    browser.wait_for_text(".rd-title", "1 Comment").await;
    browser
        .wait_for_text("[data-replydesk-count]", "1 comment")
        .await;

    if std::env::var("REPLYDESK_SCREENSHOTS").is_ok_and(|v| v == "1") {
        browser.click(".rd-reply-link").await;
        browser
            .fill(
                "#rd-comment",
                "A reply, written under the comment it answers.",
            )
            .await;
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/demo.png");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        browser.screenshot(&path).await;
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_moves_the_form_under_its_comment_and_appears_in_place() {
    let Some((app, browser)) = demo(&[("HOLD_ALL", "false")]).await else {
        return;
    };
    browser.goto(&app.url("/demo/")).await;
    browser.find(".rd-form").await;
    write_comment(&browser, "The first word.", "grace@example.com").await;
    browser
        .wait_for_text(".rd-notice", "Your comment is published.")
        .await;
    let first = newest_comment_id(&app);
    browser
        .wait_for_text(&format!("#comment-{first}"), "The first word.")
        .await;

    browser
        .click(&format!("#comment-{first} .rd-reply-link"))
        .await;
    assert_eq!(
        browser.count(&format!("#comment-{first} #respond")).await,
        1,
        "the form moved"
    );
    browser
        .wait_for_text(".rd-reply-title", "Reply to Grace Hopper")
        .await;
    browser.click(".rd-cancel").await;
    assert_eq!(
        browser.count(&format!("#comment-{first} #respond")).await,
        0,
        "cancel moves it back"
    );

    // By keyboard: Enter on the reply link moves the form, Escape gives up.
    browser
        .find(&format!("#comment-{first} .rd-reply-link"))
        .await
        .send_keys("\u{E007}")
        .await
        .unwrap();
    assert_eq!(
        browser.count(&format!("#comment-{first} #respond")).await,
        1
    );
    let focused = browser
        .client
        .execute("return document.activeElement.id", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "rd-comment", "focus moves to the comment box");
    browser.press("\u{E00C}").await;
    assert_eq!(
        browser.count(&format!("#comment-{first} #respond")).await,
        0,
        "Escape moves it back"
    );

    browser
        .click(&format!("#comment-{first} .rd-reply-link"))
        .await;
    browser.fill("#rd-comment", "And a reply to it.").await;
    browser.click(".rd-button").await;
    browser
        .wait_for_text(
            &format!("#comment-{first} .rd-replies"),
            "And a reply to it.",
        )
        .await;
    assert_eq!(
        app.thread("hello-world").await["comments"][0]["replies"][0]["parent"],
        first
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_email_is_shown_beside_its_field_and_a_quick_robot_is_trapped() {
    let Some((app, browser)) = demo(&[("MIN_SUBMIT_SECONDS", "30")]).await else {
        return;
    };
    app.open_post("hello-world");
    browser.goto(&app.url("/demo/")).await;
    browser.find(".rd-form").await;
    write_comment(&browser, "My address is wrong.", "not-an-address").await;
    let error = browser
        .wait_for_text("#rd-email-error", "valid email address")
        .await;
    assert!(error.contains("name@example.com"), "{error}");
    let invalid = browser
        .find("#rd-email")
        .await
        .attr("aria-invalid")
        .await
        .unwrap();
    assert_eq!(invalid.as_deref(), Some("true"));
    assert!(
        active_element_class(&browser).await.contains("rd-errors"),
        "focus moves to the errors"
    );
    assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comments"), 0);

    // Corrected at once, thirty seconds before a person could have: the widget's
    // render-time token marks it spam, and the page is told it is held.
    browser.fill("#rd-email", "grace@example.com").await;
    browser.click(".rd-button").await;
    browser
        .wait_for_text(".rd-notice", "Your comment is awaiting moderation.")
        .await;
    let trapped = "SELECT COUNT(*) AS n FROM comments WHERE status = 'spam' AND reasons LIKE '%faster than a person%'";
    assert_eq!(
        app.query_number(trapped),
        1,
        "{}",
        app.cli_ok(&["comment", "show", &newest_comment_id(&app).to_string()])
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_javascript_the_plain_form_lands_on_the_awaiting_moderation_notice() {
    let Some((app, browser)) = demo(&[]).await else {
        return;
    };
    browser.goto(&app.url("/demo/plain.html")).await;
    assert_eq!(browser.count("script").await, 0, "the page has no script");
    browser
        .fill("#comment", "Posted with no JavaScript at all.")
        .await;
    browser.fill("#author", "Grace Hopper").await;
    browser.fill("#email", "grace@example.com").await;
    browser.click("form button").await;
    let notice = browser.text("#awaiting").await;
    assert_eq!(notice, "Your comment is awaiting moderation.");
    assert_eq!(
        browser.current_path().await,
        "/demo/plain.html?replydesk=awaiting-moderation"
    );
    assert_eq!(
        app.query_number("SELECT COUNT(*) AS n FROM comments WHERE status = 'pending'"),
        1
    );
    browser.close().await;
}

#[tokio::test]
async fn the_widget_files_are_small_cached_and_revalidated() {
    use std::io::Write;
    let app = spawn_app(Backend::Sqlite, &[]).await;
    let mut gzipped = 0;
    for (path, kind) in [("/embed.js", "text/javascript"), ("/embed.css", "text/css")] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert!(headers["content-type"].to_str().unwrap().starts_with(kind));
        assert_eq!(headers["cache-control"], "public, max-age=3600");
        let tag = headers["etag"].to_str().unwrap().to_owned();
        let body = response.bytes().await.unwrap();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&body).unwrap();
        gzipped += encoder.finish().unwrap().len();

        let again = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
    }
    assert!(
        gzipped < 20 * 1024,
        "embed.js + embed.css are {gzipped} bytes gzipped"
    );
}

#[tokio::test]
async fn the_demo_blog_is_served_only_in_demo_mode() {
    let app = spawn_app(Backend::Sqlite, &[]).await;
    assert_eq!(app.get("/demo/").await.status(), 404);
    let demo = spawn_app(Backend::Sqlite, &[("DEMO", "true")]).await;
    let page = demo.get("/demo/").await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains(r#"<script src="/embed.js" async></script>"#)
    );
    let plain = demo.get("/demo/plain.html").await.text().await.unwrap();
    assert!(!plain.contains("awaiting moderation."));
    let held = demo
        .get("/demo/plain.html?replydesk=awaiting-moderation")
        .await
        .text()
        .await
        .unwrap();
    assert!(held.contains("Your comment is awaiting moderation."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reader_edits_and_deletes_their_own_comment_until_the_window_closes() {
    let Some((app, browser)) = demo(&[("HOLD_ALL", "false")]).await else {
        return;
    };
    browser.goto(&app.url("/demo/")).await;
    browser.find(".rd-form").await;
    write_comment(&browser, "Teh first comment.", "grace@example.com").await;
    browser
        .wait_for_text(".rd-notice", "Your comment is published.")
        .await;
    let first = format!("#comment-{}", newest_comment_id(&app));
    write_comment(&browser, "A second comment.", "grace@example.com").await;
    browser.wait_for_text(".rd-title", "2 Comments").await;
    let second_id = newest_comment_id(&app);
    let second = format!("#comment-{second_id}");

    browser.click(&format!("{first} .rd-edit")).await;
    let editing = browser.find(&format!("{first} .rd-edit-text")).await;
    assert_eq!(
        editing.prop("value").await.unwrap().as_deref(),
        Some("Teh first comment.")
    );
    browser
        .fill(
            &format!("{first} .rd-edit-text"),
            "The first comment, fixed.",
        )
        .await;
    browser.click(&format!("{first} .rd-save")).await;
    browser
        .wait_for_text(&format!("{first} .rd-body"), "The first comment, fixed.")
        .await;
    assert_eq!(browser.count(&format!("{first} .rd-edit-text")).await, 0);

    // Read again from the server, with the buttons still offered.
    browser.goto(&app.url("/demo/")).await;
    browser
        .wait_for_text(&format!("{first} .rd-body"), "The first comment, fixed.")
        .await;
    assert_eq!(browser.count(".rd-edit").await, 2);

    // A refusal is shown in words.
    app.execute_sql(&format!(
        "UPDATE comments SET created_at = datetime(created_at, '-1 hour') WHERE id < {second_id}"
    ));
    browser.click(&format!("{first} .rd-edit")).await;
    browser
        .fill(&format!("{first} .rd-edit-text"), "Too late now.")
        .await;
    browser.click(&format!("{first} .rd-save")).await;
    browser
        .wait_for_text(
            &format!("{first} .rd-own-error"),
            "The time to change this comment has run out",
        )
        .await;

    browser.click(&format!("{second} .rd-delete")).await;
    browser
        .client
        .accept_alert()
        .await
        .expect("the confirm() dialog");
    browser
        .wait_for_text(".rd-notice", "Your comment is deleted.")
        .await;
    assert_eq!(browser.count(&second).await, 0);
    browser.wait_for_text(".rd-title", "1 Comment").await;
    assert_eq!(
        app.query_number(&format!(
            "SELECT COUNT(*) AS n FROM comments WHERE id = {second_id} AND status = 'trash'"
        )),
        1
    );
    browser.close().await;
}
