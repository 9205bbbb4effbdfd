//! The importers on files WordPress, Disqus, Isso and Remark42 really wrote
//! (the shared `fixtures` folder; see its SOURCES.md), malformed ones
//! included: an extra suite beside our own files, run whenever the folder is
//! found and required by `.ci/run`.

use serde_json::Value;

use super::{count, fingerprint, import_fails, outline, thread_of, write_temp};
use crate::extras::shared_fixtures;
use crate::helpers::{output_text, reply, spawn_app};
use crate::on_both_backends;

on_both_backends! {
    async fn issos_wordpress_sample_keeps_its_threads_dates_and_text(backend: Backend) {
        let Some(real) = shared_fixtures() else { return };
        let app = spawn_app(backend, &[]).await;
        let said = app.cli_ok(&["import", "wordpress", &real.path("isso/wordpress.xml")]);
        assert!(said.contains("Read 3 posts and 8 comments."), "{said}");
        assert!(said.contains("Comments: 8 added (0 pending, 8 approved, 0 spam, 0 trash), 0 skipped."), "{said}");

        let thread = thread_of(&app, "/2014/test/").await;
        assert_eq!(
            outline(&thread["comments"]),
            [
                "Ohai: Erster!1",
                "Tester: Zweiter.",
                "  Tester: Drölfter!",
                "    Tester: Yet another reply.",
                "    Tester: ...",
                "Multiline Author: When you have a comm",
                "Letzter :/: ...",
            ]
        );
        let first = &thread["comments"][0];
        assert_eq!(first["created_at"], "2014-01-14T17:32:12Z");
        assert_eq!(first["url"], "http://example.tld/");
        // comment_date_gmt wins over the local comment_date.
        assert_eq!(thread["comments"][2]["created_at"], "2022-06-06T02:13:14Z");
        assert_eq!(
            thread["comments"][2]["html"],
            "<p>When you have a comment with multiple lines:<br>WordPress exports it like this.</p>"
        );
        // A link of the form ?p=4 keeps its query in the key.
        assert_eq!(outline(&thread_of(&app, "/?p=4").await["comments"]), ["Anonymous: ..."]);
        let counts: Value = app.get("/api/counts?post=%2F2014%2Ftest%2F&post=%2F%3Fp%3D6").await.json().await.unwrap();
        assert_eq!(counts["counts"]["/2014/test/"], 7, "{counts}");
        assert_eq!(counts["counts"]["/?p=6"], 0, "{counts}");
        // Emails are stored trimmed and lower-cased, as the submission path stores them.
        assert_eq!(count(&app, "email = 'test@example.org'"), 1);
        assert_eq!(count(&app, "source_id = 'wordpress:18:7' AND depth = 1"), 1);
    }

    async fn the_theme_unit_test_data_imports_with_statuses_depth_and_pingbacks(backend: Backend) {
        let Some(real) = shared_fixtures() else { return };
        let app = spawn_app(backend, &[]).await;
        let file = real.path("wordpress-importer/phpunit/data/theme-unit-test-data.xml");
        let said = app.cli_ok(&["import", "wordpress", &file]);
        assert!(said.contains("33 added (3 pending, 30 approved, 0 spam, 0 trash)"), "{said}");
        assert_eq!(count(&app, "status = 'pending'"), 3);

        // Ten levels deep, as in WordPress, whatever the reply limit for new comments.
        let thread = thread_of(&app, "/2012/01/03/template-comments/").await;
        let lines = outline(&thread["comments"]);
        assert!(lines.contains(&format!("{}themedemos: Comment Depth 10", "  ".repeat(9))), "{lines:#?}");
        assert!(lines.iter().any(|l| l.starts_with("John Γιάννης Doe Κάποιος: ")), "{lines:#?}");
        assert_eq!(count(&app, "depth = 9"), 1);

        // Pingbacks and trackbacks are kept, under the name of the site that linked.
        let pings = thread_of(&app, "/2012/01/01/template-pingbacks-an-trackbacks/").await;
        let authors: Vec<&str> = pings["comments"].as_array().unwrap().iter().map(|c| c["author"].as_str().unwrap()).collect();
        assert_eq!(authors.iter().filter(|a| **a == "tellyworth.wordpress.com").count(), 4, "{authors:?}");
        assert!(authors.contains(&"John Doe"));

        // A post closed in WordPress is closed here.
        let mut closed = reply("/2012/01/01/template-pingbacks-an-trackbacks/", "Late to the party.");
        closed["post_title"] = "Pingbacks".into();
        assert_eq!(app.post_json(&closed).await.status(), 403);
        let open = reply("/2012/01/03/template-comments/", "Still open.");
        assert_eq!(app.post_json(&open).await.status(), 201);
    }

    async fn the_theme_unit_test_datas_pingbacks_can_be_left_out(backend: Backend) {
        let Some(real) = shared_fixtures() else { return };
        let app = spawn_app(backend, &[]).await;
        let file = real.path("wordpress-importer/phpunit/data/theme-unit-test-data.xml");
        let said = app.cli_ok(&["import", "wordpress", "--skip-pingbacks", &file]);
        assert!(said.contains("29 added"), "{said}");
        assert!(said.contains("skipped 4: a pingback or trackback (--skip-pingbacks)"), "{said}");
        let pings = thread_of(&app, "/2012/01/01/template-pingbacks-an-trackbacks/").await;
        assert_eq!(outline(&pings["comments"]), ["John Doe: This is a comment am"]);
    }

    async fn issos_wordpress_sample_is_keyed_by_id_or_slug_or_else_its_path(backend: Backend) {
        let Some(real) = shared_fixtures() else { return };
        let app = spawn_app(backend, &[]).await;
        app.cli_ok(&["import", "wordpress", "--post-key", "id", &real.path("isso/wordpress.xml")]);
        assert_eq!(thread_of(&app, "18").await["total"], 7);
        // No wp:post_id: the path is the next best thing.
        assert_eq!(thread_of(&app, "/?p=4").await["total"], 1);
        let other = spawn_app(Backend::Sqlite, &[]).await;
        other.cli_ok(&["import", "wordpress", "--post-key", "slug", &real.path("isso/wordpress.xml")]);
        assert_eq!(thread_of(&other, "test").await["total"], 7);
    }

    async fn real_malformed_exports_name_the_line_and_change_nothing(backend: Backend) {
        let Some(real) = shared_fixtures() else { return };
        let app = spawn_app(backend, &[]).await;
        app.cli_ok(&["import", "wordpress", &real.path("isso/wordpress.xml")]);
        let before = fingerprint(&app);

        let said = import_fails(&app, &["import", "wordpress", &real.path("wordpress-importer/phpunit/data/malformed.xml")]);
        assert!(said.contains("line 90"), "{said}");
        assert!(said.contains("nothing was imported"), "{said}");
        let said = import_fails(&app, &["import", "wordpress", &real.path("wordpress-importer/phpunit/data/malformed-simple.xml")]);
        assert!(said.contains("line 9") && said.contains("truncated"), "{said}");
        // remark42's fragment ends with a stray </rss>.
        let said = import_fails(&app, &["import", "wordpress", &real.path("remark42/wordpress_test.go.xmlTestWPmd.xml")]);
        assert!(said.contains("line 59"), "{said}");
        assert_eq!(said.trim().lines().last().unwrap().matches("replydesk:").count(), 1, "{said}");
        assert_eq!(fingerprint(&app), before);
    }

    async fn remark42s_wordpress_sample_keeps_its_held_comment_and_reply_to_a_pingback(backend: Backend) {
        let Some(real) = shared_fixtures() else { return };
        let app = spawn_app(backend, &[]).await;
        let said = app.cli_ok(&["import", "wordpress", &real.path("remark42/wordpress_test.go.xmlTestWP.xml")]);
        assert!(said.contains("Read 1 post and 4 comments."), "{said}");
        assert!(said.contains("4 added (1 pending, 3 approved, 0 spam, 0 trash)"), "{said}");
        let thread = thread_of(&app, "/2010/07/do-you-rp/").await;
        assert_eq!(
            outline(&thread["comments"]),
            [
                "SuperUser1: I do catch myself",
                "cynwise.wordpress.com: [...] I know I’m a b",
                "  SuperUser3: \"Mekkatorque\" was ov",
            ]
        );
    }
}

on_both_backends! {
    async fn issos_disqus_sample_keeps_its_threads_and_deleted_comments(backend: Backend) {
        let Some(real) = shared_fixtures() else { return };
        let app = spawn_app(backend, &[]).await;
        let file = real.path("isso/disqus.xml");
        let said = app.cli_ok(&["import", "disqus", &file]);
        assert!(said.contains("5 added (0 pending, 4 approved, 0 spam, 1 trash), 1 skipped."), "{said}");
        assert!(said.contains("skipped 1: its <thread> is not in the file (first at line 66)"), "{said}");
        // The reply to a deleted comment stays, shown as a thread of its own.
        let thread = thread_of(&app, "/").await;
        assert_eq!(
            outline(&thread["comments"]),
            ["peter: ...", "  user: Hello, World.", "user: Hello, World."]
        );
        assert_eq!(thread["comments"][0]["created_at"], "2013-10-10T19:20:29Z");
        assert_eq!(count(&app, "source_id = 'disqus:9' AND status = 'trash'"), 1);
        assert_eq!(thread_of(&app, "/blog/2013/02/12/redacted/index.html").await["total"], 1);

        let before = fingerprint(&app);
        let again = app.cli_ok(&["import", "disqus", &file]);
        assert!(again.contains("skipped 5: already imported"), "{again}");
        assert_eq!(fingerprint(&app), before);
    }

    async fn remark42s_disqus_exports_are_refused_at_their_unquoted_attribute(backend: Backend) {
        let Some(real) = shared_fixtures() else { return };
        let app = spawn_app(backend, &[]).await;
        app.cli_ok(&["import", "disqus", &real.path("isso/disqus.xml")]);
        let before = fingerprint(&app);
        for name in ["disqus.xml", "disqus-deleted-post.xml", "disqus-deleted-thread.xml"] {
            let said = import_fails(&app, &["import", "disqus", &real.path(&format!("remark42/{name}"))]);
            assert!(said.contains("line 147, column 9"), "{name}: {said}");
            assert!(said.contains("nothing was imported"), "{name}: {said}");
        }
        assert_eq!(fingerprint(&app), before);
    }

    async fn a_repaired_remark42_disqus_export_imports_spam_and_deleted_threads(backend: Backend) {
        let Some(real) = shared_fixtures() else { return };
        let app = spawn_app(backend, &[]).await;
        let dir = tempfile::tempdir().unwrap();
        // What an operator does with the error above: quote the attribute on line 147.
        let repaired = std::fs::read_to_string(real.path("remark42/disqus-deleted-thread.xml"))
            .unwrap()
            .replace("dsq:id=247937687/>", "dsq:id=\"247937687\"/>");
        let file = write_temp(&dir, "disqus.xml", &repaired);
        let said = app.cli_ok(&["import", "disqus", &file]);
        assert!(said.contains("4 added (0 pending, 1 approved, 1 spam, 2 trash), 2 skipped."), "{said}");
        assert!(said.contains("a <post> without a dsq:id (first at line 102)"), "{said}");
        assert!(said.contains("an unreadable <createdAt> (first at line 135)"), "{said}");
        assert!(said.contains("adjusted 2: on a thread deleted in Disqus, put in the trash"), "{said}");

        let thread = thread_of(&app, "/2011/03/229_8880.html").await;
        let html = thread["comments"][0]["html"].as_str().unwrap();
        assert!(html.contains("Google App Engine скоро выходит из превью статуса."), "{html}");
        assert_eq!(thread["comments"][0]["author"], "No Username");
        // The closed Disqus thread is a closed post.
        let closed = reply("/p/2011/03/05/podcast-229/", "Too late.");
        assert_eq!(app.post_json(&closed).await.status(), 403);
    }
}

on_both_backends! {
    async fn the_wordpress_importers_own_test_exports_import(backend: Backend) {
        let Some(real) = shared_fixtures() else { return };
        for (file, added) in [
            ("wordpress-importer/phpunit/data/valid-wxr-1.0.xml", "1 added (0 pending, 1 approved"),
            ("wordpress-importer/phpunit/data/valid-wxr-1.1.xml", "1 added (0 pending, 1 approved"),
            ("wordpress-importer/phpunit/data/small-export.xml", "1 added (0 pending, 1 approved"),
            ("wordpress-importer/phpunit/data/slashes.xml", "1 added (0 pending, 1 approved"),
            ("wordpress-importer/phpunit/data/test-serialized-comment-meta.xml", "1 added (0 pending, 1 approved"),
            // A comment with neither comment_approved nor a date: approved, as WordPress stores it.
            ("wordpress-importer/phpunit/data/wxr-with-sub-data.xml", "1 added (0 pending, 1 approved"),
            ("wordpress-importer/e2e/fixtures/wxr-comprehensive.xml", "1 added (0 pending, 1 approved"),
            ("wordpress-importer/phpunit/data/a11y-unit-test-data.xml", "29 added (0 pending, 29 approved"),
            ("wordpress-importer/phpunit/data/wxr-utf-8-challenges.xml", "0 added"),
        ] {
            let db = crate::helpers::migrated(&backend);
            let output = crate::helpers::cli(&db, &["import", "wordpress", &real.path(file)], "");
            let said = output_text(&output);
            assert!(output.status.success() && said.contains(added), "{file}: {said}");
        }
        // valid-wxr-1.1 holds the same post and comment as valid-wxr-1.0: merged, not doubled.
        let db = crate::helpers::migrated(&backend);
        for file in ["valid-wxr-1.0.xml", "valid-wxr-1.1.xml"] {
            let output = crate::helpers::cli(&db, &["import", "wordpress", &real.path(&format!("wordpress-importer/phpunit/data/{file}"))], "");
            assert!(output.status.success(), "{}", output_text(&output));
        }
        let said = output_text(&crate::helpers::cli(&db, &["import", "wordpress", &real.path("wordpress-importer/phpunit/data/valid-wxr-1.1.xml")], ""));
        assert!(said.contains("skipped 1: already imported"), "{said}");
    }

    async fn a_rebound_namespace_cannot_pass_for_wordpress_fields(backend: Backend) {
        let Some(real) = shared_fixtures() else { return };
        let app = spawn_app(backend, &[]).await;
        let file = real.path("wordpress-importer/phpunit/data/namespace-edge-cases.xml");
        app.cli_ok(&["import", "wordpress", "--post-key", "id", &file]);
        // Item 5 rebinds wp: to another URI, so it has no WordPress id and no post;
        // <post_id xmlns="…/export/1.2/"> is WordPress's field whatever its prefix;
        // of two post ids the first counts, as in WordPress.
        assert_eq!(
            app.query_number("SELECT COUNT(*) AS n FROM posts WHERE post_key IN ('1', '2', '3', '4', '6')"),
            5
        );
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM posts"), 5);
    }
}

on_both_backends! {
    async fn issos_generic_json_is_not_taken_for_a_replydesk_export(backend: Backend) {
        let Some(real) = shared_fixtures() else { return };
        let app = spawn_app(backend, &[]).await;
        let said = import_fails(&app, &["import", "json", &real.path("isso/generic.json")]);
        assert!(said.contains("expected a Replydesk export"), "{said}");
        assert_eq!(fingerprint(&app), (0, 0, 0, 0));
    }
}
