//! Isso databases, built from our own `tests/fixtures/isso.sql`.

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

use super::{count, fingerprint, import_fails, ours, outline, thread_of};
use crate::helpers::spawn_app;
use crate::on_both_backends;

/// The Isso database of `tests/fixtures/isso.sql`, made in `dir` as Isso
/// would have left it on disk.
pub fn isso_database(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("comments.db");
    let sql = std::fs::read_to_string(ours("isso.sql")).unwrap();
    let mut conn = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
    conn.batch_execute(&sql)
        .unwrap_or_else(|e| panic!("tests/fixtures/isso.sql: {e}"));
    path.to_string_lossy().into_owned()
}

on_both_backends! {
    async fn an_isso_database_is_imported_with_modes_threads_and_dates(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let dir = tempfile::tempdir().unwrap();
        let file = isso_database(&dir);
        let said = app.cli_ok(&["import", "isso", &file]);
        assert!(said.contains("Read 2 posts and 7 comments."), "{said}");
        assert!(said.contains("7 added (1 pending, 5 approved, 0 spam, 1 trash)"), "{said}");
        let thread = thread_of(&app, "/isso/bonjour/").await;
        assert_eq!(
            outline(&thread["comments"]),
            [
                "Zoë: Premier ! Très intér",
                "  山田太郎: 日本語の返信です。",
                "  Anonymous: Great thread 🎉 — *Ma",
                "Łukasz: Reply to a deleted c",
            ]
        );
        assert_eq!(thread["comments"][0]["created_at"], "2024-05-01T10:00:00Z");
        assert_eq!(thread["comments"][0]["url"], "https://zoe.example/");
        assert_eq!(count(&app, "email = 'zoe@example.org' AND source_id = 'isso:1'"), 1);
        assert_eq!(count(&app, "source_id = 'isso:4' AND status = 'pending'"), 1);
        assert_eq!(count(&app, "source_id = 'isso:5' AND status = 'trash'"), 1);
        assert_eq!(outline(&thread_of(&app, "/isso/second/").await["comments"]), ["Jürgen: Ein zweiter Faden, s"]);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM posts"), 2);

        let before = fingerprint(&app);
        let again = app.cli_ok(&["import", "isso", &file]);
        assert!(again.contains("skipped 7: already imported"), "{again}");
        assert_eq!(fingerprint(&app), before);
    }

    async fn an_isso_import_refuses_what_is_not_an_isso_database(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let missing = import_fails(&app, &["import", "isso", "/no/such/comments.db"]);
        assert!(missing.contains("no such file"), "{missing}");
        assert!(!std::path::Path::new("/no/such/comments.db").exists());
        let not_isso = import_fails(&app, &["import", "isso", &ours("wordpress.xml")]);
        assert!(not_isso.contains("not an Isso database"), "{not_isso}");
        assert_eq!(fingerprint(&app), (0, 0, 0, 0));
    }
}
