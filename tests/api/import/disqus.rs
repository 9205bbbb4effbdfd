//! Disqus exports, from our own `tests/fixtures/disqus.xml`.

use super::{count, fingerprint, import_fails, line_of, ours, outline, thread_of, write_temp};
use crate::helpers::{reply, spawn_app};
use crate::on_both_backends;

on_both_backends! {
    async fn a_disqus_export_keeps_its_threads_statuses_and_text(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let file = ours("disqus.xml");
        let said = app.cli_ok(&["import", "disqus", &file]);
        assert!(said.contains("Read 3 posts and 9 comments."), "{said}");
        assert!(said.contains("8 added (0 pending, 5 approved, 1 spam, 2 trash), 1 skipped."), "{said}");
        assert!(said.contains(&format!("skipped 1: its <thread> is not in the file (first at line {})", line_of(&std::fs::read_to_string(&file).unwrap(), "<post dsq:id=\"9009\">"))), "{said}");
        assert!(said.contains("adjusted 1: on a thread deleted in Disqus, put in the trash"), "{said}");

        // A reply to a reply keeps its place; the answer to a deleted comment
        // stays, shown as a thread of its own.
        let thread = thread_of(&app, "/disqus/salut/").await;
        assert_eq!(
            outline(&thread["comments"]),
            [
                "Amélie: Première réponse — t",
                "  李雷: 回复：谢谢！",
                "    Chloé: A reply to a reply 🎉",
                "Grace: An answer to a delet",
            ]
        );
        assert_eq!(thread["comments"][0]["created_at"], "2024-03-01T10:00:00Z");
        assert_eq!(count(&app, "source_id = 'disqus:9004' AND status = 'trash'"), 1);
        assert_eq!(count(&app, "source_id = 'disqus:9006' AND status = 'spam'"), 1);
        assert_eq!(count(&app, "source_id = 'disqus:9008' AND status = 'trash'"), 1);
        assert_eq!(count(&app, "email = 'amelie@example.com'"), 1);
        assert_eq!(thread_of(&app, "/disqus/deleted/").await["total"], 0);

        // The thread closed in Disqus is a closed post, with its comment.
        let closed = thread_of(&app, "/disqus/closed/").await;
        assert_eq!(outline(&closed["comments"]), ["Иван: Комментарий до закры"]);
        let mut late = reply("/disqus/closed/", "Too late.");
        late["post_title"] = "Закрыто для комментариев".into();
        assert_eq!(app.post_json(&late).await.status(), 403);

        let before = fingerprint(&app);
        let again = app.cli_ok(&["import", "disqus", &file]);
        assert!(again.contains("skipped 8: already imported"), "{again}");
        assert_eq!(fingerprint(&app), before);
    }

    async fn a_malformed_disqus_export_names_the_line_and_changes_nothing(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let whole = std::fs::read_to_string(ours("disqus.xml")).unwrap();
        // An attribute without quotes, as some hand-made exports have.
        let broken = whole.replacen("<thread dsq:id=\"7002\"/>", "<thread dsq:id=7002/>", 1);
        let dir = tempfile::tempdir().unwrap();
        let file = write_temp(&dir, "broken.xml", &broken);
        let said = import_fails(&app, &["import", "disqus", &file]);
        assert!(said.contains(&format!("line {}", line_of(&broken, "<thread dsq:id=7002/>"))), "{said}");
        assert!(said.contains("nothing was imported"), "{said}");
        assert_eq!(fingerprint(&app), (0, 0, 0, 0));
    }
}
