//! A sender with a long history: the duplicate and flood rules must still
//! answer right when one address has written twenty thousand comments, which
//! the checks now find by one index probe each rather than by reading them all.

use serde_json::json;

use crate::helpers::*;
use crate::on_both_backends;

/// Stores `count` older comments from Ada (address, name and the test
/// client's IP) on `post`, in every status but the trash, dated two hours
/// back, so outside the flood window. Their text is never sent again, so
/// their text hash is left at 0.
fn seed_history(app: &TestApp, post: &str, count: i64) {
    app.execute_sql(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
         INSERT INTO comments (post_id, depth, author, email, url, body, body_hash, status, \
         reasons, ip, user_agent, subscribed, created_at, updated_at, kind) \
         SELECT (SELECT id FROM posts WHERE post_key = '{post}'), 0, 'Ada Lovelace', \
         'ada@example.com', '', 'Old comment ' || i, 0, \
         CASE i % 3 WHEN 0 THEN 'approved' WHEN 1 THEN 'spam' ELSE 'pending' END, '', \
         '127.0.0.1', '', false, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'comment' FROM n"
    ));
}

/// Dates every comment two hours back, out of the flood window.
fn age_everything(app: &TestApp) {
    app.execute_sql("UPDATE comments SET created_at = '2026-01-01 00:00:00'");
}

on_both_backends! {
    async fn a_sender_with_twenty_thousand_comments_gets_duplicate_and_flood_answers_right(backend: Backend) {
        let app = spawn_app(backend, &[("FLOOD_SECONDS", "60")]).await;
        let first = app.post_json(&reply("busy", "Said once.")).await;
        assert_eq!(first.status(), 201);
        seed_history(&app, "busy", 20_000);
        assert_eq!(
            app.query_number("SELECT count(*) AS n FROM comments WHERE email = 'ada@example.com'"),
            20_001
        );

        let again = app.post_json(&reply("busy", "Said once.")).await;
        assert_eq!(again.status(), 409, "the same words again, among 20,001 comments");
        let too_soon = app.post_json(&reply("busy", "Something new.")).await;
        assert_eq!(too_soon.status(), 429, "new words within the flood window");

        age_everything(&app);
        let later = app.post_json(&reply("busy", "Something new.")).await;
        assert_eq!(later.status(), 201, "new words once the window has passed");
        age_everything(&app);
        let by_name_only = json!({
            "post": "busy", "post_title": "Hello world", "post_url": format!("{BLOG}/busy/"),
            "author": "Ada Lovelace", "email": "ada.elsewhere@example.com",
            "comment": "Something new.",
        });
        assert_eq!(app.post_json(&by_name_only).await.status(), 409, "same name, same words");
        let elsewhere = app.post_json(&reply("other-post", "Said once.")).await;
        assert_eq!(elsewhere.status(), 201, "the same words on another post");

        age_everything(&app);
        app.execute_sql("UPDATE comments SET status = 'trash' WHERE body = 'Said once.'");
        let after_trash = app.post_json(&reply("busy", "Said once.")).await;
        assert_eq!(after_trash.status(), 201, "a trashed comment is no duplicate");
        assert_eq!(
            app.query_number("SELECT count(*) AS n FROM comments WHERE email = 'ada@example.com'"),
            20_004
        );
    }
}
