//! The two migration folders must stay in step.

use std::collections::BTreeSet;
use std::path::Path;

fn names(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
    for name in &sqlite {
        for backend in ["sqlite", "postgres"] {
            for file in ["up.sql", "down.sql"] {
                let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("migrations")
                    .join(backend)
                    .join(name)
                    .join(file);
                assert!(path.is_file(), "{} is missing", path.display());
            }
        }
    }
}

/// Takes `migration` back on `app`'s database, as if it had been made by the
/// release before it: the `down.sql` for `backend` of every migration from it
/// on, newest first, and their rows in diesel's table of applied migrations.
fn before(app: &crate::helpers::TestApp, backend: &str, migration: &str) {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut later: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.as_str() >= migration)
        .collect();
    later.sort();
    for name in later.iter().rev() {
        let down = folder.join(name).join("down.sql");
        app.execute_script(&std::fs::read_to_string(&down).unwrap());
        app.execute_sql(&format!(
            "DELETE FROM __diesel_schema_migrations WHERE version = '{}'",
            name.split('_').next().unwrap().replace('-', "")
        ));
    }
}

mod text_hash {

    use crate::helpers::*;
    use crate::on_both_backends;

    const MIGRATION: &str = "2026-12-07-000013_comment_text_hash";

    /// Takes the text-hash migration back on `app`'s database.
    fn before_the_migration(app: &TestApp, backend: &str) {
        super::before(app, backend, MIGRATION);
    }

    on_both_backends! {
        async fn comments_stored_before_the_text_hash_are_still_found_as_duplicates(backend: Backend) {
            let folder = match backend { Backend::Sqlite => "sqlite", Backend::Postgres(_) => "postgres" };
            let old = spawn_app(backend, &[]).await;
            before_the_migration(&old, folder);
            // Stored the way the release before stored comments: no hash.
            old.execute_sql(&format!(
                "INSERT INTO posts (post_key, title, url, created_at) \
                 VALUES ('upgraded', 'Hello world', '{BLOG}/upgraded/', '2026-01-01 00:00:00')"
            ));
            old.execute_sql(
                "INSERT INTO comments (post_id, depth, author, email, url, body, status, reasons, \
                 ip, user_agent, subscribed, created_at, updated_at, kind) \
                 SELECT id, 0, 'Ada Lovelace', 'ada@example.com', '', \
                 'Written before the upgrade: déjà vu, 🙂.', 'approved', '', NULL, '', false, \
                 '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'comment' FROM posts",
            );
            let applied = old.cli_ok(&["migrate"]);
            assert!(applied.starts_with("Applied "), "{applied}");
            let upgraded = old.another_instance(&[]).await;
            let same = reply("upgraded", "Written before the upgrade: déjà vu, 🙂.");
            assert_eq!(upgraded.post_json(&same).await.status(), 409);
            let other = reply("upgraded", "Written after the upgrade.");
            assert_eq!(upgraded.post_json(&other).await.status(), 201);
        }
    }
}

mod sites {

    use serde_json::Value;

    use crate::helpers::*;
    use crate::on_both_backends;

    const MIGRATION: &str = "2026-12-09-000015_sites";

    /// Takes the sites migration back on `app`'s database.
    fn before_the_migration(app: &TestApp, backend: &str) {
        super::before(app, backend, MIGRATION);
    }

    /// Everything the migration must keep, counted.
    fn census(app: &TestApp) -> Vec<(String, i64)> {
        let mut counts = Vec::new();
        for (what, sql) in [
            ("posts", "SELECT COUNT(*) AS n FROM posts"),
            ("comments", "SELECT COUNT(*) AS n FROM comments"),
            ("audit rows", "SELECT COUNT(*) AS n FROM audit_log"),
            ("outbox rows", "SELECT COUNT(*) AS n FROM mail_outbox"),
            ("moderators", "SELECT COUNT(*) AS n FROM moderators"),
        ] {
            counts.push((what.to_owned(), app.query_number(sql)));
        }
        for status in ["pending", "approved", "spam", "trash"] {
            let sql = format!("SELECT COUNT(*) AS n FROM comments WHERE status = '{status}'");
            counts.push((format!("{status} comments"), app.query_number(&sql)));
        }
        counts
    }

    on_both_backends! {
        async fn everything_stored_before_sites_becomes_the_default_site(backend: Backend) {
            let folder = match backend { Backend::Sqlite => "sqlite", Backend::Postgres(_) => "postgres" };
            let old = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
            old.add_moderator("first@example.com");
            old.add_moderator("second@example.com");
            let kept = old.comment("kept", None, "Published before sites.").await;
            old.comment("kept", Some(kept), "A reply before sites.").await;
            let spam = old.comment("other", None, "Marked as spam.").await;
            let trashed = old.comment("other", None, "Thrown away.").await;
            old.cli_ok(&["comment", "spam", &spam.to_string()]);
            old.cli_ok(&["comment", "trash", &trashed.to_string()]);
            old.cli_ok(&["settings", "set", "hold_all", "true"]);
            old.post_json(&reply("other", "Held for a moderator.")).await;
            before_the_migration(&old, folder);
            let before = census(&old);
            assert!(before.iter().all(|(_, n)| *n > 0), "every kind of row is there: {before:?}");
            assert_eq!(old.query_number("SELECT COUNT(*) AS n FROM settings WHERE name = 'rule.hold_all'"), 1);

            let applied = old.cli_ok(&["migrate"]);
            assert!(applied.starts_with("Applied "), "{applied}");
            assert_eq!(census(&old), before, "nothing lost or added");
            assert_eq!(old.query_number("SELECT COUNT(*) AS n FROM posts WHERE site_id <> 1"), 0);
            assert_eq!(old.query_number("SELECT COUNT(*) AS n FROM sites WHERE name = 'default'"), 1);
            assert_eq!(old.query_number("SELECT COUNT(*) AS n FROM moderators WHERE owner"), 2);
            assert_eq!(old.query_number("SELECT COUNT(*) AS n FROM settings WHERE name LIKE 'rule.%'"), 0);

            let upgraded = old.another_instance(&[("HOLD_ALL", "false")]).await;
            let thread = upgraded.thread("kept").await;
            assert_eq!(thread["total"], 2, "{thread}");
            let shown = upgraded.cli_ok(&["settings", "show"]);
            assert!(shown.contains("hold_all = true"), "the moderators' rule change is the default site's: {shown}");
            let next: Value = upgraded.post_json(&reply("kept", "After sites.")).await.json().await.unwrap();
            assert_eq!(next["status"], "pending");
            let again = upgraded.post_json(&reply("kept", "Published before sites.")).await;
            assert_eq!(again.status(), 409, "duplicates of old comments are still found");
        }
    }
}
