//! The admin page in a real headless Chromium: log in, approve with the
//! keyboard, bulk-mark two comments as spam, and see the public API agree;
//! and switch between two sites.

use serde_json::Value;

use crate::admin::PASSWORD;
use crate::browser::Browser;
use crate::helpers::{Backend, reply, spawn_app};
use crate::sites_admin::{OTHER, comment_on};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_works_the_queue_in_a_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite, &[]).await;
    app.add_moderator("admin@example.com");
    let people = [
        (
            "Ada Lovelace",
            "ada@example.com",
            "The engine might compose elaborate pieces of music.",
        ),
        (
            "Grace Hopper",
            "grace@example.com",
            "It's easier to ask forgiveness than it is to get permission.",
        ),
        (
            "Spam Bot",
            "bot@example.com",
            "Cheap pills at https://pills.example and https://more.example",
        ),
        (
            "Another Bot",
            "bot2@example.com",
            "Visit my casino, best odds.",
        ),
    ];
    for (author, email, text) in people {
        let mut body = reply("first-post", text);
        body["author"] = author.into();
        body["email"] = email.into();
        assert_eq!(app.post_json(&body).await.status(), 201);
    }

    browser.goto(&app.url("/admin")).await;
    assert_eq!(browser.current_path().await, "/admin/login");
    browser.fill("#email", "admin@example.com").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("form button[type=submit]").await;
    browser.find(".comment").await;
    assert_eq!(browser.current_path().await, "/admin");
    let title = browser.client.title().await.unwrap();
    assert!(title.starts_with("(4) Pending comments"), "{title}");
    assert_eq!(browser.count(".comment").await, 4);
    if std::env::var_os("REPLYDESK_SCREENSHOTS").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/admin-queue.png");
        browser.screenshot(&path).await;
    }

    // Newest first: the bots are on top. j moves to the third comment (Grace), a approves it.
    let third = browser.text(".comment:nth-child(3) .author").await;
    assert_eq!(third, "Grace Hopper");
    for key in ["j", "j", "j"] {
        browser.press(key).await;
    }
    browser.press("a").await;
    let notice = browser
        .wait_for_text("[role=status]", "1 comment approved.")
        .await;
    assert_eq!(notice, "1 comment approved.");
    assert_eq!(browser.count(".comment").await, 3);

    // Bulk: tick both bots and mark them as spam.
    browser
        .click(".comment:nth-child(1) input[type=checkbox]")
        .await;
    browser
        .click(".comment:nth-child(2) input[type=checkbox]")
        .await;
    browser
        .find("#bulk-action")
        .await
        .select_by_value("spam")
        .await
        .unwrap();
    browser.click("button[name=bulk]").await;
    let notice = browser
        .wait_for_text("[role=status]", "2 comments marked as spam.")
        .await;
    assert_eq!(notice, "2 comments marked as spam.");
    assert_eq!(browser.count(".comment").await, 1);
    assert_eq!(browser.text(".comment .author").await, "Ada Lovelace");
    let tabs = browser.text(".tabs").await;
    assert!(
        tabs.contains("Approved 1") && tabs.contains("Spam 2"),
        "{tabs}"
    );
    browser.close().await;

    let thread: Value = app.thread("first-post").await;
    assert_eq!(thread["total"], 1);
    assert_eq!(thread["comments"][0]["author"], "Grace Hopper");
}

/// An owner adds a second blog on the Sites page, then narrows the queue to
/// it with the site switcher and back to every site, in a real browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_switches_between_sites_in_a_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite, &[]).await;
    app.add_moderator("owner@example.com");

    browser.goto(&app.url("/admin")).await;
    browser.fill("#email", "owner@example.com").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("form button[type=submit]").await;
    browser.find("main h1").await;
    assert_eq!(
        browser.count("#site-switcher").await,
        0,
        "one site: no switcher"
    );

    browser.goto(&app.url("/admin/sites")).await;
    browser.fill("#site-name", "blog-b").await;
    browser.fill("#site-title", "Blog B").await;
    browser.fill("#site-origins", OTHER).await;
    browser.click("#add-site button[type=submit]").await;
    browser
        .wait_for_text("[role=status]", "Site \"blog-b\" added.")
        .await;

    app.comment("a-post", None, "A comment on the default blog.")
        .await;
    comment_on(&app, OTHER, "b-post", "A comment on blog B.").await;

    browser.goto(&app.url("/admin")).await;
    browser.wait_for_text("main h1", "on all your sites").await;
    assert_eq!(browser.count(".comment").await, 2);

    browser
        .find("#site-switcher")
        .await
        .select_by_value("blog-b")
        .await
        .unwrap();
    browser.click("form.switcher button").await;
    let heading = browser.wait_for_text("main h1", "Comments on Blog B").await;
    assert_eq!(heading, "Comments on Blog B");
    assert_eq!(browser.current_path().await, "/admin");
    assert_eq!(browser.count(".comment").await, 1);
    assert_eq!(browser.text(".comment .body").await, "A comment on blog B.");
    assert!(browser.text(".tabs").await.contains("Pending 1"));

    browser
        .find("#site-switcher")
        .await
        .select_by_value("")
        .await
        .unwrap();
    browser.click("form.switcher button").await;
    browser.wait_for_text("main h1", "on all your sites").await;
    assert_eq!(browser.count(".comment").await, 2);
    browser.close().await;
}
