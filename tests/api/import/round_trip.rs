//! Our own exports read back: the JSON backup into an empty database gives
//! the same data, and the WXR export is read by the WordPress importer.

use serde_json::Value;

use super::isso::isso_database;
use super::{fingerprint, import_fails, ours, outline, thread_of, write_temp};
use crate::helpers::spawn_app;
use crate::on_both_backends;

/// An export with ids replaced by what they point at, so two databases that
/// hold the same data compare equal whatever ids they gave it.
fn comparable(export: &Value) -> Value {
    let posts: Vec<Value> = export["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|post| {
            let comments = post["comments"].as_array().unwrap();
            let by_id: std::collections::HashMap<i64, &Value> = comments
                .iter()
                .map(|c| (c["id"].as_i64().unwrap(), c))
                .collect();
            let mut described: Vec<Value> = comments
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    let parent = c["parent"].as_i64().map(|p| {
                        let parent = by_id[&p];
                        serde_json::json!([parent["created_at"], parent["body"]])
                    });
                    c["parent"] = parent.into();
                    c.as_object_mut().unwrap().remove("id");
                    c
                })
                .collect();
            described.sort_by_key(|c| c.to_string());
            let mut post = post.clone();
            post["comments"] = described.into();
            post
        })
        .collect();
    serde_json::json!({ "moderators": export["moderators"], "posts": posts })
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

on_both_backends! {
    async fn a_json_export_imported_into_an_empty_database_gives_the_same_data_back(backend: Backend) {
        // The imported comments are years old. Under the default IP
        // retention, the sweep each server starts would erase their IPs at a
        // moment of its own, after the import or not: a century keeps them.
        let keep_ips = ("IP_RETENTION_DAYS", "36500");
        let app = spawn_app(backend.clone(), &[("HOLD_ALL", "false"), keep_ips]).await;
        let dir = tempfile::tempdir().unwrap();
        app.cli_ok(&["import", "wordpress", &ours("wordpress.xml")]);
        app.cli_ok(&["import", "disqus", &ours("disqus.xml")]);
        app.cli_ok(&["import", "isso", &isso_database(&dir)]);
        app.add_moderator("mod@example.com");
        let root = app.comment("hello", None, "Written here, ünïcödé.").await;
        let answer = app.comment("hello", Some(root), "An answer.").await;
        app.cli_ok(&["comment", "spam", &answer.to_string()]);
        let first = dir.path().join("first.json");
        let said = app.cli_ok(&["export", first.to_str().unwrap()]);
        assert!(said.contains("and 1 moderator to"), "{said}");
        let exported = read_json(&first);
        assert!(!exported.to_string().contains("argon2"), "no password hash in an export");

        let copy = spawn_app(backend, &[keep_ips]).await;
        let said = copy.cli_ok(&["import", "json", first.to_str().unwrap()]);
        assert!(said.contains("Moderators: 1 added without a password"), "{said}");
        let second = dir.path().join("second.json");
        copy.cli_ok(&["export", second.to_str().unwrap()]);
        let mut expected = comparable(&exported);
        // What had no origin is remembered as coming from the first database.
        for post in expected["posts"].as_array_mut().unwrap() {
            for c in post["comments"].as_array_mut().unwrap() {
                assert!(c["source_id"].is_string() || c["body"].as_str().unwrap().contains("Written here") || c["body"] == "An answer.");
            }
        }
        let got = comparable(&read_json(&second));
        for (want, have) in expected["posts"].as_array().unwrap().iter().zip(got["posts"].as_array().unwrap()) {
            for (w, h) in want["comments"].as_array().unwrap().iter().zip(have["comments"].as_array().unwrap()) {
                let mut w = w.clone();
                let mut h = h.clone();
                if w["source_id"].is_null() {
                    assert!(h["source_id"].as_str().unwrap().starts_with("replydesk:"), "{h}");
                    w["source_id"] = Value::Null;
                    h["source_id"] = Value::Null;
                }
                assert_eq!(w, h);
            }
            let strip = |p: &Value| { let mut p = p.clone(); p["comments"] = Value::Null; p };
            assert_eq!(strip(want), strip(have));
            assert_eq!(want["comments"].as_array().unwrap().len(), have["comments"].as_array().unwrap().len());
        }
        assert_eq!(expected["posts"].as_array().unwrap().len(), got["posts"].as_array().unwrap().len());
        assert_eq!(expected["moderators"], got["moderators"]);
        assert_eq!(fingerprint(&app).1, fingerprint(&copy).1);
        assert_eq!(thread_of(&app, "hello").await["comments"][0]["html"], thread_of(&copy, "hello").await["comments"][0]["html"]);
        assert_eq!(
            outline(&thread_of(&app, "/2024/05/hello-world/").await["comments"]),
            outline(&thread_of(&copy, "/2024/05/hello-world/").await["comments"])
        );

        // Once more changes nothing, and the moderator cannot log in until given a password.
        let before = fingerprint(&copy);
        let again = copy.cli_ok(&["import", "json", first.to_str().unwrap()]);
        assert!(again.contains("Comments: 0 added"), "{again}");
        assert_eq!(fingerprint(&copy), before);
        assert_eq!(copy.query_number("SELECT COUNT(*) AS n FROM moderators WHERE password_hash LIKE '$argon2%'"), 0);
    }

    async fn a_wxr_export_is_read_back_by_the_wordpress_importer(backend: Backend) {
        let app = spawn_app(backend.clone(), &[("HOLD_ALL", "false")]).await;
        let dir = tempfile::tempdir().unwrap();
        app.cli_ok(&["import", "wordpress", &ours("wordpress.xml")]);
        let root = app.comment("hello", None, "A body with ]]> and <b>bold</b> & more.").await;
        app.comment("hello", Some(root), "Ünïcödé reply.").await;
        let file = dir.path().join("export.xml");
        app.cli_ok(&["export", "--format", "wxr", file.to_str().unwrap()]);

        let copy = spawn_app(backend, &[]).await;
        let said = copy.cli_ok(&["import", "wordpress", file.to_str().unwrap()]);
        assert!(said.contains("16 added (1 pending, 13 approved, 1 spam, 1 trash), 0 skipped."), "{said}");
        assert_eq!(
            app.query_number("SELECT COUNT(*) AS n FROM posts"),
            copy.query_number("SELECT COUNT(*) AS n FROM posts")
        );
        for key in ["hello", "/2024/05/hello-world/", "/2024/04/closed-for-comments/"] {
            let (a, b) = (thread_of(&app, key).await, thread_of(&copy, key).await);
            assert_eq!(outline(&a["comments"]), outline(&b["comments"]), "{key}");
            assert_eq!(a["comments"][0]["created_at"], b["comments"][0]["created_at"], "{key}");
            assert_eq!(a["comments"][0]["html"], b["comments"][0]["html"], "{key}");
        }
        assert_eq!(copy.query_number("SELECT COUNT(*) AS n FROM posts WHERE comments_open = FALSE"),
                   app.query_number("SELECT COUNT(*) AS n FROM posts WHERE comments_open = FALSE"));
    }
}

on_both_backends! {
    async fn a_cut_json_export_names_the_line_and_imports_nothing(backend: Backend) {
        let app = spawn_app(backend.clone(), &[]).await;
        let dir = tempfile::tempdir().unwrap();
        app.cli_ok(&["import", "wordpress", &ours("wordpress.xml")]);
        let whole = dir.path().join("whole.json");
        app.cli_ok(&["export", whole.to_str().unwrap()]);
        let text = std::fs::read_to_string(&whole).unwrap();
        let cut = write_temp(&dir, "cut.json", &text[..text.len() * 2 / 3]);

        let copy = spawn_app(backend, &[]).await;
        let said = import_fails(&copy, &["import", "json", &cut]);
        assert!(said.contains("line ") && said.contains("nothing was imported"), "{said}");
        assert_eq!(fingerprint(&copy), (0, 0, 0, 0));
        // Another system's JSON (Isso's generic format) is not ours.
        let other = write_temp(&dir, "generic.json", r#"[{"comments": [{"email": "", "remote_addr": "0.0.0.0", "website": "", "created": "2024-05-01 10:00:00", "author": "Zoë", "id": 0, "text": "Salut !"}], "id": "/posts/0001/", "title": "Hello"}]"#);
        let said = import_fails(&copy, &["import", "json", &other]);
        assert!(said.contains("expected a Replydesk export"), "{said}");
    }
}
