//! Sites on the admin page: a moderator scoped to one site sees and touches
//! only its comments, the switcher narrows an owner's queue to one site, and
//! owners add, edit and remove sites from the Sites page, on SQLite and
//! PostgreSQL.

use reqwest::header::LOCATION;
use scraper::{Html, Selector};

use crate::admin::{Desk, PASSWORD, status_of, texts};
use crate::helpers::{TestApp, spawn_app};
use crate::on_both_backends;

/// The origin of the second blog's pages; `default` keeps `http://localhost`.
pub const OTHER: &str = "http://blog-b.test";

/// The count on the queue's tab for `label` ("Pending 2" → 2).
fn tab_count(page: &str, label: &str) -> i64 {
    texts(page, ".tabs a")
        .iter()
        .find_map(|tab| tab.strip_prefix(label))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {label} tab on {page}"))
}

/// Posts a comment from a page of the blog at `origin`, as its widget would.
pub async fn comment_on(app: &TestApp, origin: &str, post: &str, text: &str) -> i64 {
    let response = app.post_from(origin, post, text).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let created: serde_json::Value = response.json().await.unwrap();
    created["id"].as_i64().unwrap()
}

/// A server with an owner logged in, who has added the site `blog-b`.
async fn with_two_sites(backend: crate::helpers::Backend) -> (TestApp, Desk) {
    let app = spawn_app(backend, &[]).await;
    app.add_moderator("owner@example.com");
    let owner = Desk::new(&app).login("owner@example.com").await;
    let added = owner
        .post(
            "/admin/sites",
            &[("name", "blog-b"), ("title", "Blog B"), ("origins", OTHER)],
        )
        .await;
    assert_eq!(added.status(), 303, "{}", added.text().await.unwrap());
    (app, owner)
}

on_both_backends! {
    async fn a_moderator_of_one_site_sees_and_touches_only_its_comments(backend: Backend) {
        let (app, owner) = with_two_sites(backend).await;
        let a = app.comment("a-post", None, "A comment on the default blog.").await;
        let b1 = comment_on(&app, OTHER, "b-post", "First comment on blog B.").await;
        let b2 = comment_on(&app, OTHER, "b-post", "Second comment on blog B.").await;

        let added = owner
            .post("/admin/moderators", &[
                ("email", "bee@example.com"), ("password", PASSWORD), ("your_password", PASSWORD),
                ("site", "blog-b"),
            ])
            .await;
        assert_eq!(added.status(), 303, "{}", added.text().await.unwrap());
        let listed = owner.text("/admin/moderators").await;
        let scopes = texts(&listed, "td.scope");
        assert_eq!(scopes, ["owner", "blog-b"], "{listed}");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM moderators WHERE owner = FALSE"), 1);

        let bee = Desk::new(&app).login("bee@example.com").await;
        let queue = bee.text("/admin").await;
        assert!(queue.contains("First comment on blog B.") && queue.contains("Second comment on blog B."), "{queue}");
        assert!(!queue.contains("A comment on the default blog."), "{queue}");
        assert_eq!(tab_count(&queue, "Pending"), 2, "{queue}");
        assert_eq!(texts(&queue, ".badge"), ["2"]);
        let posts = texts(&queue, "#post-filter option");
        assert_eq!(posts.len(), 2, "All posts and blog B's one post: {posts:?}");
        // One site only: nothing to switch between, and no owners' pages.
        assert!(!queue.contains("site-switcher"), "{queue}");
        for link in ["/admin/sites", "/admin/moderators", "/admin/mail", "/admin/personal"] {
            assert!(!queue.contains(&format!("href=\"{link}\"")), "{link} in {queue}");
        }

        for page in ["edit", "reply"] {
            assert_eq!(bee.get(&format!("/admin/comments/{a}/{page}")).await.status(), 404, "{page}");
            assert_eq!(bee.get(&format!("/admin/comments/{b1}/{page}")).await.status(), 200, "{page}");
        }
        let (a_id, b_id) = (a.to_string(), b1.to_string());
        let bulk = bee
            .post("/admin/comments", &[("action", "trash"), ("id", b_id.as_str()), ("id", a_id.as_str()), ("back", "status=pending")])
            .await;
        assert_eq!(bulk.status(), 404);
        assert_eq!(status_of(&app, a), "pending");
        assert_eq!(status_of(&app, b1), "pending", "all or nothing");
        let single = bee.post("/admin/comments", &[("act", &format!("approve:{a}")), ("back", "status=pending")]).await;
        assert_eq!(single.status(), 404);
        assert_eq!(status_of(&app, a), "pending");
        let own = bee.post("/admin/comments", &[("act", &format!("approve:{b2}")), ("back", "status=pending")]).await;
        assert_eq!(own.status(), 303);
        assert_eq!(status_of(&app, b2), "approved");

        for page in ["/admin/sites", "/admin/moderators", "/admin/mail", "/admin/personal"] {
            let refused = bee.get(page).await;
            assert_eq!(refused.status(), 403, "{page}");
            assert!(refused.text().await.unwrap().contains("Only an owner may open this page"), "{page}");
        }
        let sneaky = bee.post("/admin/sites", &[("name", "mine"), ("origins", "https://mine.example")]).await;
        assert_eq!(sneaky.status(), 403);
        let removal = bee.post("/admin/sites/blog-b/remove", &[("confirmed", "yes"), ("confirm_name", "blog-b")]).await;
        assert_eq!(removal.status(), 403);
        let promote = bee.post("/admin/moderators", &[("email", "x@example.com"), ("password", PASSWORD), ("your_password", PASSWORD)]).await;
        assert_eq!(promote.status(), 403);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM sites"), 2);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM moderators"), 2);
        // Choosing the other site through the switcher's address chooses nothing.
        assert_eq!(bee.get("/admin/site?site=default").await.status(), 404);
    }

    async fn the_switcher_narrows_an_owners_queue_to_one_site(backend: Backend) {
        let (app, owner) = with_two_sites(backend).await;
        app.comment("a-post", None, "A comment on the default blog.").await;
        comment_on(&app, OTHER, "b-post", "First comment on blog B.").await;
        comment_on(&app, OTHER, "b-post", "Second comment on blog B.").await;

        let every = owner.text("/admin").await;
        assert_eq!(tab_count(&every, "Pending"), 3, "{every}");
        assert!(texts(&every, "h1")[0].contains("on all your sites"), "{every}");
        let choices = texts(&every, "#site-switcher option");
        assert_eq!(choices, ["All my sites", "default (1 pending)", "Blog B (2 pending)"]);

        let chosen = owner.get("/admin/site?site=blog-b").await;
        assert_eq!(chosen.status(), 303);
        assert_eq!(chosen.headers()[LOCATION], "/admin");
        let narrowed = owner.text("/admin").await;
        assert_eq!(tab_count(&narrowed, "Pending"), 2, "{narrowed}");
        assert_eq!(texts(&narrowed, ".badge"), ["2"]);
        assert_eq!(texts(&narrowed, "h1"), ["Comments on Blog B"]);
        assert!(!narrowed.contains("A comment on the default blog."), "{narrowed}");
        assert_eq!(texts(&narrowed, "#post-filter option").len(), 2);
        assert_eq!(texts(&narrowed, "#site-switcher option[selected]"), ["Blog B (2 pending)"]);
        // The settings page follows the choice too.
        assert!(owner.text("/admin/settings").await.contains("Moderation settings: Blog B"));

        let unknown = owner.get("/admin/site?site=nope").await;
        assert_eq!(unknown.status(), 404);
        assert!(unknown.text().await.unwrap().contains(&askama_escaped("You have no site named \"nope\".")));
        assert_eq!(tab_count(&owner.text("/admin").await, "Pending"), 2, "a refused choice keeps the last");

        assert_eq!(owner.get("/admin/site?site=").await.status(), 303);
        let again = owner.text("/admin").await;
        assert_eq!(tab_count(&again, "Pending"), 3, "{again}");
        assert!(again.contains("A comment on the default blog."));
    }

    async fn the_sites_page_adds_edits_and_removes_a_site(backend: Backend) {
        let (app, owner) = with_two_sites(backend).await;
        let page = owner.text("/admin/sites?added=blog-b").await;
        assert!(page.contains(&askama_escaped("Site \"blog-b\" added.")), "{page}");
        assert!(page.contains("from REPLYDESK_ALLOWED_ORIGINS"), "the default site's origins: {page}");
        assert!(page.contains(OTHER), "{page}");

        let refusals = [
            (("Blog C!", "http://blog-c.test"), "is not a site name"),
            (("blog-b", "http://blog-c.test"), "There is already a site named \"blog-b\"."),
            (("blog-c", "http://localhost:4000"), "site \"blog-c\" and site \"default\""),
            (("blog-c", "http://blog-b.test"), "site \"blog-c\" and site \"blog-b\""),
            (("blog-c", ""), "Name at least one origin"),
        ];
        for ((name, origins), words) in refusals {
            let refused = owner.post("/admin/sites", &[("name", name), ("title", ""), ("origins", origins)]).await;
            assert_eq!(refused.status(), 422, "{name} {origins}");
            let page = refused.text().await.unwrap();
            assert!(page.contains(&askama_escaped(words)), "{words:?} in {page}");
            assert!(page.contains(&format!("value=\"{}\"", askama_escaped(name))), "the form keeps what was typed");
        }
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM sites"), 2);

        let saved = owner
            .post("/admin/sites/blog-b", &[("title", "Blog Bee"), ("origins", "http://blog-b.test\nhttp://www.blog-b.test")])
            .await;
        assert_eq!(saved.status(), 303);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM sites WHERE title = 'Blog Bee' AND origins LIKE '%www.blog-b.test%'"), 1);
        let overlapping = owner.post("/admin/sites/blog-b", &[("title", "Blog Bee"), ("origins", "http://localhost")]).await;
        assert_eq!(overlapping.status(), 422);
        assert!(overlapping.text().await.unwrap().contains(&askama_escaped("site \"blog-b\" and site \"default\"")));
        // Saving the default site's title leaves its origins to the configuration.
        let default_origins = field_value(&owner.text("/admin/sites").await, "#origins-default");
        assert_eq!(owner.post("/admin/sites/default", &[("title", "Blog A"), ("origins", &default_origins)]).await.status(), 303);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM sites WHERE name = 'default' AND origins IS NULL AND title = 'Blog A'"), 1);

        let a = app.comment("a-post", None, "A comment on blog A.").await;
        let b = comment_on(&app, "http://www.blog-b.test", "b-post", "A comment on blog B.").await;
        let listed = owner.text("/admin/sites").await;
        assert_eq!(texts(&listed, "#site-blog-b td.count"), ["1"], "{listed}");

        let asked = owner.post("/admin/sites/blog-b/remove", &[]).await;
        assert_eq!(asked.status(), 200);
        let asked = asked.text().await.unwrap();
        assert!(asked.contains("Type the site's name"), "{asked}");
        assert!(asked.contains("its 1 comment"), "{asked}");
        for typed in [None, Some("blog-a"), Some("")] {
            let mut fields = vec![("confirmed", "yes")];
            if let Some(typed) = typed {
                fields.push(("confirm_name", typed));
            }
            let refused = owner.post("/admin/sites/blog-b/remove", &fields).await;
            assert_eq!(refused.status(), 422, "{typed:?}");
            let words = askama_escaped("Type the site's name, blog-b, to confirm that it goes with its 1 comment.");
            assert!(refused.text().await.unwrap().contains(&words), "{typed:?}");
            assert_eq!(status_of(&app, b), "pending", "{typed:?}");
        }
        let removed = owner.post("/admin/sites/blog-b/remove", &[("confirmed", "yes"), ("confirm_name", "blog-b")]).await;
        assert_eq!(removed.status(), 303);
        let location = removed.headers()[LOCATION].to_str().unwrap().to_owned();
        assert_eq!(location, "/admin/sites?removed=blog-b&n=1");
        assert!(owner.text(&location).await.contains(&askama_escaped("Site \"blog-b\" removed with its posts and 1 comment.")));
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM sites WHERE name = 'blog-b'"), 0);
        assert_eq!(status_of(&app, b), "gone");
        assert_eq!(status_of(&app, a), "pending", "the other site's comment stays");
        assert_eq!(app.query_number(
            "SELECT COUNT(*) AS n FROM audit_log WHERE actor = 'moderator owner@example.com' \
             AND reason = 'site \"blog-b\" removed with its posts and 1 comment'"), 1);
        let refused = comment_on_status(&app, OTHER, "b-post").await;
        assert_eq!(refused, 403, "the removed site's pages are foreign now");

        // A site without comments goes without its name typed; the default never.
        assert_eq!(owner.post("/admin/sites", &[("name", "empty"), ("origins", "https://empty.example")]).await.status(), 303);
        let asked = owner.post("/admin/sites/empty/remove", &[]).await.text().await.unwrap();
        assert!(!asked.contains("confirm_name"), "{asked}");
        assert_eq!(owner.post("/admin/sites/empty/remove", &[("confirmed", "yes")]).await.status(), 303);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM sites"), 1);
        let default = owner.post("/admin/sites/default/remove", &[("confirmed", "yes"), ("confirm_name", "default")]).await;
        assert_eq!(default.status(), 409);
        assert!(default.text().await.unwrap().contains("The default site cannot be removed"));
        assert_eq!(owner.post("/admin/sites/nope/remove", &[]).await.status(), 404);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM sites"), 1);
    }
}

/// What askama writes for `text` in a page: quotes and apostrophes escaped.
fn askama_escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
}

/// The text of a textarea (or value of an input) found by `css`.
fn field_value(page: &str, css: &str) -> String {
    let html = Html::parse_document(page);
    let selector = Selector::parse(css).unwrap();
    let element = html
        .select(&selector)
        .next()
        .unwrap_or_else(|| panic!("no {css} in {page}"));
    element
        .value()
        .attr("value")
        .map(str::to_owned)
        .unwrap_or_else(|| element.text().collect())
}

/// The status a comment from a page at `origin` is answered with.
async fn comment_on_status(app: &TestApp, origin: &str, post: &str) -> u16 {
    app.post_from(origin, post, "Anyone there?")
        .await
        .status()
        .as_u16()
}

on_both_backends! {
    async fn fifty_owners_adding_the_same_site_at_once_make_one(backend: Backend) {
        let (app, owner) = with_two_sites(backend).await;
        let attempts = (0..50).map(|_| {
            owner.post(
                "/admin/sites",
                &[("name", "blog-c"), ("title", "Blog C"), ("origins", "http://blog-c.test")],
            )
        });
        let statuses: Vec<u16> = futures_util::future::join_all(attempts)
            .await
            .iter()
            .map(|r| r.status().as_u16())
            .collect();
        assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| [303, 422].contains(s)), "{statuses:?}");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM sites WHERE name = 'blog-c'"), 1);
    }

    async fn a_switcher_naming_garbage_gets_a_worded_404(backend: Backend) {
        let (_app, owner) = with_two_sites(backend).await;
        let long = "b".repeat(8 * 1024);
        for name in ["nope", "blog-b\u{0}", long.as_str()] {
            let answer = owner
                .client
                .get(format!("{}/admin/site", owner.base))
                .query(&[("site", name)])
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 404, "{name:.20}");
            assert!(answer.text().await.unwrap().contains("no site named"));
        }
    }
}

on_both_backends! {
    async fn an_owner_changes_which_sites_a_moderator_works_on(backend: Backend) {
        let (app, owner) = with_two_sites(backend).await;
        app.comment("a-post", None, "A comment on the default blog.").await;
        comment_on(&app, OTHER, "b-post", "A comment on blog B.").await;
        let added = owner
            .post("/admin/moderators", &[
                ("email", "bee@example.com"), ("password", PASSWORD), ("your_password", PASSWORD),
                ("site", "blog-b"),
            ])
            .await;
        assert_eq!(added.status(), 303);
        let bee_id = app.query_number("SELECT id AS n FROM moderators WHERE email = 'bee@example.com'");
        let bee = Desk::new(&app).login("bee@example.com").await;
        assert!(!bee.text("/admin").await.contains("A comment on the default blog."));

        let form = owner.text(&format!("/admin/moderators/{bee_id}/sites")).await;
        assert_eq!(texts(&form, "input[name=site][checked]").len(), 1, "blog-b is ticked: {form}");
        let path = format!("/admin/moderators/{bee_id}/sites");
        let wrong = owner.post(&path, &[("site", "default"), ("your_password", "not my password")]).await;
        assert_eq!(wrong.status(), 422);
        let unknown = owner.post(&path, &[("site", "nope"), ("your_password", PASSWORD)]).await;
        assert_eq!(unknown.status(), 422);
        assert!(unknown.text().await.unwrap().contains("no site named"));
        assert!(bee.text("/admin").await.contains("A comment on blog B."), "nothing changed yet");

        let changed = owner.post(&path, &[("site", "default"), ("your_password", PASSWORD)]).await;
        assert_eq!(changed.status(), 303, "{}", changed.text().await.unwrap());
        let queue = bee.text("/admin").await;
        assert!(queue.contains("A comment on the default blog.") && !queue.contains("A comment on blog B."), "{queue}");
        let listed = owner.text("/admin/moderators").await;
        assert_eq!(texts(&listed, "td.scope"), ["owner", "default"], "{listed}");

        // Ticking nothing makes them an owner; nobody changes their own sites.
        let promoted = owner.post(&path, &[("your_password", PASSWORD)]).await;
        assert_eq!(promoted.status(), 303);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM moderators WHERE owner"), 2);
        let owner_id = app.query_number("SELECT id AS n FROM moderators WHERE email = 'owner@example.com'");
        let own = owner.get(&format!("/admin/moderators/{owner_id}/sites")).await;
        assert_eq!(own.status(), 409);
        // A scoped moderator may not change anyone's sites.
        let scoped = Desk::new(&app);
        app.add_moderator("cee@example.com");
        app.execute_sql("UPDATE moderators SET owner = FALSE WHERE email = 'cee@example.com'");
        app.execute_sql(
            "INSERT INTO moderator_sites (moderator_id, site_id) \
             SELECT id, 1 FROM moderators WHERE email = 'cee@example.com'",
        );
        let cee = scoped.login("cee@example.com").await;
        let refused = cee.post(&path, &[("your_password", PASSWORD)]).await;
        assert_eq!(refused.status(), 403);
    }
}
