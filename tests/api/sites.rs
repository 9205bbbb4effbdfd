//! Two blogs on one instance, driven from the outside: each keeps its own
//! threads, counts, rules and moderation mail, requests find their site by
//! their origin, and a moderator of one never sees or acts on the other's.

use serde_json::{Value, json};

use crate::helpers::{BLOG, TestApp, cli, eventually, output_text, reply, spawn_app};
use crate::mail::moderation_links;
use crate::on_both_backends;
use crate::smtp::SmtpServer;

/// The second blog's origin; the first is the tests' usual `BLOG`.
const OTHER: &str = "http://blog-b.example";

/// Adds the site `b` on `OTHER`, titled "Blog B", through the command line.
fn add_site_b(app: &TestApp) {
    app.cli_ok(&["site", "add", "b", "--origin", OTHER, "--title", "Blog B"]);
}

/// Creates a moderator scoped to `sites` through the command line.
fn add_moderator_of(app: &TestApp, email: &str, sites: &[&str]) {
    let mut args = vec!["moderator", "add", email];
    for site in sites {
        args.extend(["--site", site]);
    }
    let output = cli(&app.db, &args, "a long passphrase\na long passphrase\n");
    assert!(output.status.success(), "{}", output_text(&output));
}

async fn read_from(app: &TestApp, origin: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("Origin", origin)
        .send()
        .await
        .expect("GET")
}

on_both_backends! {
    async fn two_sites_keep_their_own_threads_counts_and_rules(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "true")]).await;
        add_site_b(&app);
        app.cli_ok(&["settings", "set", "hold_all", "false", "--site", "b"]);

        let held: Value = app.post_from(BLOG, "hello-world", "On blog A.").await.json().await.unwrap();
        assert_eq!(held["status"], "pending", "hold-all is on for the default site: {held}");
        let published: Value = app.post_from(OTHER, "hello-world", "On blog B.").await.json().await.unwrap();
        assert_eq!(published["status"], "approved", "hold-all is off for site b: {published}");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM posts WHERE post_key = 'hello-world'"), 2);

        let on_b: Value = read_from(&app, OTHER, "/api/posts/hello-world/comments").await.json().await.unwrap();
        assert_eq!(on_b["total"], 1);
        assert_eq!(on_b["comments"][0]["html"].as_str().map(|t| t.contains("On blog B.")), Some(true), "{on_b}");
        let on_a: Value = read_from(&app, BLOG, "/api/posts/hello-world/comments").await.json().await.unwrap();
        assert_eq!(on_a["total"], 0, "blog A's comment is held and B's is not A's: {on_a}");
        // A server-side fetch names its site; without one it reads the default site.
        let by_name: Value = app.get("/api/posts/hello-world/comments?site=b").await.json().await.unwrap();
        assert_eq!(by_name["total"], 1);
        assert_eq!(app.thread("hello-world").await["total"], 0);

        let counts_b: Value = read_from(&app, OTHER, "/api/counts?post=hello-world").await.json().await.unwrap();
        assert_eq!(counts_b["counts"]["hello-world"], 1);
        let counts_a: Value = read_from(&app, BLOG, "/api/counts?post=hello-world").await.json().await.unwrap();
        assert_eq!(counts_a["counts"]["hello-world"], 0);

        let shown = app.cli_ok(&["settings", "show", "--site", "b"]);
        assert!(shown.contains("hold_all = false"), "{shown}");
        let shown = app.cli_ok(&["settings", "show"]);
        assert!(shown.contains("hold_all = true"), "{shown}");
    }

    async fn an_origin_of_no_site_is_refused_and_an_unknown_site_named(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        add_site_b(&app);
        let stranger = "http://elsewhere.example";
        let refused = app.post_from(stranger, "hello", "From nowhere.").await;
        assert_eq!(refused.status(), 403);
        let body: Value = refused.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("blog's own pages"), "{body}");
        let read = read_from(&app, stranger, "/api/posts/hello/comments").await;
        assert_eq!(read.status(), 403);
        assert!(read.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("elsewhere"));
        assert_eq!(read_from(&app, stranger, "/api/counts?post=hello").await.status(), 403);
        let unknown = app.get("/api/counts?post=hello&site=nope").await;
        assert_eq!(unknown.status(), 404);
        assert!(unknown.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("\"nope\""));
        // A page of one site naming a post URL on the other is refused too.
        let mut crossed = reply("hello", "Crossed.");
        crossed["post_url"] = json!(format!("{OTHER}/hello/"));
        let crossed = app.post_json(&crossed).await;
        assert_eq!(crossed.status(), 403);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comments"), 0);
        // CORS answers the new site's pages, and only the sites'.
        let preflight = |origin: &'static str| {
            app.client
                .request(reqwest::Method::OPTIONS, app.url("/api/comments"))
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .send()
        };
        let allowed = preflight(OTHER).await.unwrap();
        assert_eq!(allowed.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some(OTHER));
        let foreign = preflight("http://elsewhere.example").await.unwrap();
        assert!(foreign.headers().get("access-control-allow-origin").is_none());
    }

    async fn a_sites_moderation_mail_goes_to_its_moderators_and_the_owners(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url())]).await;
        add_site_b(&app);
        app.add_moderator("owner@example.com");
        // Asked about both comments, one after the other, rather than in a digest.
        app.cli_ok(&["moderator", "set", "owner@example.com", "mail", "each"]);
        add_moderator_of(&app, "a-mod@example.com", &["default"]);
        add_moderator_of(&app, "b-mod@example.com", &["b"]);
        let created: Value = app.post_from(OTHER, "hello", "Held on B.").await.json().await.unwrap();
        assert_eq!(created["status"], "pending");
        let mails = smtp.wait_for(2).await;
        let mut recipients: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
        recipients.sort();
        assert_eq!(recipients, ["b-mod@example.com", "owner@example.com"]);
        let to_b = mails.iter().find(|m| m.to == ["b-mod@example.com"]).unwrap();
        assert_eq!(to_b.header("Subject").as_deref(), Some("[Blog B] Please moderate: Hello world"));
        assert!(to_b.data.contains("(Blog B)"), "{}", to_b.data);

        // B's moderator acts on B's comment through the e-mailed link.
        let links = moderation_links(to_b, &app);
        let (_, approve) = links.iter().find(|(action, _)| action == "approve").expect("an approve link");
        let done = app.client.post(approve).send().await.unwrap();
        assert_eq!(done.status(), 200, "{}", done.text().await.unwrap());
        let on_b: Value = read_from(&app, OTHER, "/api/posts/hello/comments").await.json().await.unwrap();
        assert_eq!(on_b["total"], 1);

        // A's comment mails A's moderator and the owner, never B's.
        app.post_from(BLOG, "hello", "Held on A.").await;
        eventually("mail about A's comment", async || {
            let to: Vec<String> = smtp.messages().iter().skip(2).flat_map(|m| m.to.clone()).collect();
            match to.len() {
                2 => Ok(to),
                n => Err(format!("{n} e-mails so far")),
            }
        })
        .await;
        let later: Vec<String> = smtp.messages().iter().skip(2).flat_map(|m| m.to.clone()).collect();
        assert!(!later.contains(&"b-mod@example.com".to_owned()), "{later:?}");
    }

    async fn a_link_mailed_before_a_moderator_lost_the_site_acts_on_nothing(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url())]).await;
        add_site_b(&app);
        add_moderator_of(&app, "b-mod@example.com", &["b"]);
        let created: Value = app.post_from(OTHER, "hello", "Held on B.").await.json().await.unwrap();
        let mails = smtp.wait_for(1).await;
        let links = moderation_links(&mails[0], &app);
        let (_, approve) = links.iter().find(|(action, _)| action == "approve").expect("an approve link");
        // The moderator now works on the default site only.
        app.execute_sql("DELETE FROM moderator_sites");
        app.execute_sql(
            "INSERT INTO moderator_sites (moderator_id, site_id) SELECT id, 1 FROM moderators",
        );
        let page = app.client.get(approve).send().await.unwrap();
        assert_eq!(page.status(), 404, "the comment is gone as far as the link can tell");
        let done = app.client.post(approve).send().await.unwrap();
        assert_ne!(done.status(), 200);
        let id = created["id"].as_i64().unwrap();
        assert_eq!(app.query_number(&format!("SELECT COUNT(*) AS n FROM comments WHERE id = {id} AND status = 'pending'")), 1);
    }
}

#[tokio::test]
async fn an_origin_two_sites_would_share_is_refused_at_start_naming_both() {
    let app = spawn_app(crate::helpers::Backend::Sqlite, &[]).await;
    add_site_b(&app);
    let pairs = [
        ("DATABASE_URL", app.db.url.as_str()),
        ("MAIL_FOLDER", app.db.mail_folder()),
        ("BIND", "127.0.0.1:0"),
        ("ALLOWED_ORIGINS", "http://localhost,http://blog-b.example"),
    ];
    let settings = replydesk::configuration::Settings::from_pairs(&pairs).unwrap();
    let refused = replydesk::startup::Application::build(settings).await;
    let message = match refused {
        Ok(_) => panic!("a server whose default site shares site b's origin started"),
        Err(e) => e.to_string(),
    };
    assert!(
        message.contains("\"default\"") && message.contains("\"b\""),
        "{message}"
    );
    assert!(message.contains("http://blog-b.example"), "{message}");
}

on_both_backends! {
    async fn without_an_origin_a_comment_finds_its_site_by_its_post_url(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        add_site_b(&app);
        let mut body = reply("hello", "Sent by a server.");
        body["post_url"] = json!(format!("{OTHER}/hello/"));
        let sent = app.client.post(app.url("/api/comments")).json(&body).send().await.unwrap();
        assert_eq!(sent.status(), 201, "{}", sent.text().await.unwrap());
        let on_b: Value = app.get("/api/posts/hello/comments?site=b").await.json().await.unwrap();
        assert_eq!(on_b["total"], 1);
        assert_eq!(app.thread("hello").await["total"], 0);
    }

    async fn fifty_first_comments_from_two_blogs_open_one_post_on_each(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        add_site_b(&app);
        let sends = (0..50).map(|i| {
            let origin = if i % 2 == 0 { BLOG } else { OTHER };
            let app = &app;
            async move { app.post_from(origin, "brand-new", &format!("Comment number {i}.")).await.status().as_u16() }
        });
        let statuses = futures_util::future::join_all(sends).await;
        assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM posts WHERE post_key = 'brand-new'"), 2);
        for site in [1, 2] {
            let sql = format!(
                "SELECT COUNT(*) AS n FROM comments c JOIN posts p ON p.id = c.post_id \
                 JOIN sites s ON s.id = p.site_id WHERE s.id = (SELECT id FROM sites ORDER BY id LIMIT 1 OFFSET {})",
                site - 1
            );
            assert_eq!(app.query_number(&sql), 25, "{sql}");
        }
    }

    async fn a_site_parameter_of_nul_or_eight_kilobytes_is_a_worded_404(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let long = "b".repeat(8 * 1024);
        for name in ["%00", long.as_str(), "b%0Ab"] {
            for path in [format!("/api/counts?post=x&site={name}"), format!("/api/posts/x/comments?site={name}")] {
                let answer = app.get(&path).await;
                assert_eq!(answer.status(), 404, "{path:.60}");
                let body: Value = answer.json().await.unwrap();
                assert!(body["error"].as_str().unwrap().contains("no site named"), "{body}");
            }
        }
    }

    async fn import_and_export_keep_to_the_site_they_name(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        add_site_b(&app);
        app.post_from(BLOG, "hello", "On blog A.").await;
        app.post_from(OTHER, "hello", "On blog B.").await;
        let file = app.db.mail_folder().to_owned() + "/b.json";
        app.cli_ok(&["export", &file, "--site", "b"]);
        let exported = std::fs::read_to_string(&file).unwrap();
        assert!(exported.contains("On blog B.") && !exported.contains("On blog A."), "{exported}");
        app.cli_ok(&["site", "add", "c", "--origin", "http://blog-c.example"]);
        let summary = app.cli_ok(&["import", "json", &file, "--site", "c"]);
        assert!(summary.contains('1'), "{summary}");
        let on_c: Value = app.get("/api/posts/hello/comments?site=c").await.json().await.unwrap();
        assert_eq!(on_c["total"], 1, "{on_c}");
        let on_a: Value = app.get("/api/posts/hello/comments").await.json().await.unwrap();
        assert_eq!(on_a["total"], 1, "the default site keeps its own: {on_a}");
        let everything = app.db.mail_folder().to_owned() + "/all.json";
        app.cli_ok(&["export", &everything]);
        let all = std::fs::read_to_string(&everything).unwrap();
        assert!(all.contains("On blog A.") && all.contains("On blog B."));
        let unknown = app.cli(&["export", &file, "--site", "nope"]);
        assert!(!unknown.status.success());
        assert!(output_text(&unknown).contains("no site named \"nope\""), "{}", output_text(&unknown));
    }
}

on_both_backends! {
    async fn a_full_export_restores_each_post_to_its_own_site(backend: Backend) {
        let app = spawn_app(backend.clone(), &[("HOLD_ALL", "false")]).await;
        add_site_b(&app);
        app.post_from(BLOG, "hello", "On blog A.").await;
        app.post_from(OTHER, "hello", "On blog B.").await;
        app.add_moderator("owner@example.com");
        add_moderator_of(&app, "b-mod@example.com", &["b"]);
        let file = app.db.mail_folder().to_owned() + "/all.json";
        app.cli_ok(&["export", &file]);

        let fresh = spawn_app(backend, &[]).await;
        let refused = fresh.cli(&["import", "json", &file]);
        assert!(!refused.status.success());
        let said = output_text(&refused);
        assert!(said.contains("\"b\"") && said.contains("site add"), "{said}");
        assert_eq!(fresh.query_number("SELECT COUNT(*) AS n FROM comments"), 0, "nothing was imported");

        add_site_b(&fresh);
        fresh.cli_ok(&["import", "json", &file]);
        let on_a: Value = fresh.get("/api/posts/hello/comments").await.json().await.unwrap();
        let on_b: Value = fresh.get("/api/posts/hello/comments?site=b").await.json().await.unwrap();
        assert_eq!((on_a["total"].as_i64(), on_b["total"].as_i64()), (Some(1), Some(1)));
        assert!(on_b["comments"][0]["html"].as_str().unwrap().contains("On blog B."), "{on_b}");
        // A scoped moderator comes back scoped, never an owner.
        let listed = fresh.cli_ok(&["moderator", "list"]);
        let b_mod = listed.lines().find(|line| line.contains("b-mod@example.com")).unwrap_or_default();
        assert!(b_mod.split('\t').any(|column| column.trim() == "b") && !b_mod.contains("owner"), "{listed}");
        assert_eq!(fresh.query_number("SELECT COUNT(*) AS n FROM moderators WHERE owner"), 1);
    }
}
