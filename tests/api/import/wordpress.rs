//! WordPress exports (WXR), from our own `tests/fixtures/wordpress.xml`.

use serde_json::Value;

use super::{count, fingerprint, import_fails, line_of, ours, outline, thread_of, write_temp};
use crate::helpers::{reply, spawn_app};
use crate::on_both_backends;

const HELLO: &str = "/2024/05/hello-world/";

/// A WordPress export cut by hand, for what WordPress does not write but
/// hand-edited files hold: replies before their parents, a reply to a comment
/// that is not in the file, and every comment_approved value.
const OUT_OF_ORDER_WXR: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<item>
  <title>Backwards</title>
  <link>https://blog.example/backwards/</link>
  <wp:post_id>7</wp:post_id>
  <wp:comment_status>closed</wp:comment_status>
  <wp:comment>
    <wp:comment_id>3</wp:comment_id>
    <wp:comment_author>Grandchild</wp:comment_author>
    <wp:comment_date_gmt>2020-01-03 10:00:00</wp:comment_date_gmt>
    <wp:comment_content>Third &amp; deepest</wp:comment_content>
    <wp:comment_approved>1</wp:comment_approved>
    <wp:comment_parent>2</wp:comment_parent>
  </wp:comment>
  <wp:comment>
    <wp:comment_id>2</wp:comment_id>
    <wp:comment_author>Child</wp:comment_author>
    <wp:comment_date_gmt>2020-01-02 10:00:00</wp:comment_date_gmt>
    <wp:comment_content>Second</wp:comment_content>
    <wp:comment_approved>1</wp:comment_approved>
    <wp:comment_parent>1</wp:comment_parent>
  </wp:comment>
  <wp:comment>
    <wp:comment_id>1</wp:comment_id>
    <wp:comment_author>Root</wp:comment_author>
    <wp:comment_date_gmt>2020-01-01 10:00:00</wp:comment_date_gmt>
    <wp:comment_content><![CDATA[<p>First</p>]]></wp:comment_content>
    <wp:comment_approved>1</wp:comment_approved>
    <wp:comment_parent>0</wp:comment_parent>
  </wp:comment>
  <wp:comment>
    <wp:comment_id>4</wp:comment_id>
    <wp:comment_author>Spammer</wp:comment_author>
    <wp:comment_date_gmt>2020-01-04 10:00:00</wp:comment_date_gmt>
    <wp:comment_content>Buy now</wp:comment_content>
    <wp:comment_approved>spam</wp:comment_approved>
  </wp:comment>
  <wp:comment>
    <wp:comment_id>5</wp:comment_id>
    <wp:comment_author>Binned</wp:comment_author>
    <wp:comment_date_gmt>2020-01-05 10:00:00</wp:comment_date_gmt>
    <wp:comment_content>Never mind</wp:comment_content>
    <wp:comment_approved>trash</wp:comment_approved>
  </wp:comment>
  <wp:comment>
    <wp:comment_id>6</wp:comment_id>
    <wp:comment_author>Waiting</wp:comment_author>
    <wp:comment_date_gmt>2020-01-06 10:00:00</wp:comment_date_gmt>
    <wp:comment_content>Hold me</wp:comment_content>
    <wp:comment_approved>0</wp:comment_approved>
    <wp:comment_parent>99</wp:comment_parent>
  </wp:comment>
</item>
</channel>
</rss>
"#;

on_both_backends! {
    async fn a_wordpress_export_keeps_its_threads_dates_and_text(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let said = app.cli_ok(&["import", "wordpress", &ours("wordpress.xml")]);
        // Two posts and a page; the attachment is not a post.
        assert!(said.contains("Read 3 posts and 14 comments."), "{said}");
        assert!(said.contains("Comments: 14 added (1 pending, 11 approved, 1 spam, 1 trash), 0 skipped."), "{said}");

        let thread = thread_of(&app, HELLO).await;
        assert_eq!(
            outline(&thread["comments"]),
            [
                "Zoë Ångström: Première ! Très inté",
                "  山田太郎: 日本語の返信です。ありがとう！",
                "    Chloé: Thanks! 🎉👍",
                "      Ada: When a comment has",
                "        Grace: Depth four.",
                "          Ωμέγα: Βάθος πέντε.",
                "            Zoë Ångström: Depth six, deeper th",
                // WordPress's own entity for "…", shown as WordPress shows it.
                "other.example: […] as Zoë wrote in ",
                "  Ada: Nice of them to link",
                "tracker.example: ",
            ]
        );
        let trackback = thread["comments"].as_array().unwrap().last().unwrap();
        assert_eq!(trackback["html"], "<p><strong>A trackback</strong> to Hello, wörld</p>");
        let first = &thread["comments"][0];
        // comment_date_gmt wins over the site's local comment_date (UTC+2).
        assert_eq!(first["created_at"], "2024-05-01T12:00:00Z");
        assert_eq!(first["url"], "https://zoe.example/");
        let ada = &first["replies"][0]["replies"][0]["replies"][0];
        assert_eq!(
            ada["html"],
            "<p>When a comment has<br>more than one line,</p><p>WordPress exports it like this.</p>"
        );
        let counts: Value = app.get("/api/counts?post=%2F2024%2F05%2Fhello-world%2F&post=%2Fa-propos%2F").await.json().await.unwrap();
        assert_eq!(counts["counts"][HELLO], 10, "{counts}");
        assert_eq!(counts["counts"]["/a-propos/"], 0, "{counts}");
        // The page is a post, as the blog will want to comment on it; the attachment is not.
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM posts WHERE post_key = '/a-propos/' AND title = 'À propos'"), 1);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM posts"), 3);
        // Emails are stored trimmed and lower-cased, as the submission path stores them.
        assert_eq!(count(&app, "email = 'zoe@example.org'"), 2);
        // Six replies deep, deeper than a new reply may go (REPLYDESK_MAX_DEPTH): as in WordPress.
        assert_eq!(count(&app, "source_id = 'wordpress:10:107' AND depth = 6"), 1);
    }

    async fn every_status_and_pingbacks_and_closed_posts_come_across(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        app.cli_ok(&["import", "wordpress", &ours("wordpress.xml")]);
        for (id, status) in [(108, "pending"), (109, "spam"), (110, "trash"), (201, "approved")] {
            assert_eq!(count(&app, &format!("source_id LIKE 'wordpress:%:{id}' AND status = '{status}'")), 1, "{id}");
        }
        // Pingbacks and trackbacks are kept, under the name of the site that linked.
        assert_eq!(count(&app, "kind = 'pingback' AND author = 'other.example'"), 1);
        assert_eq!(count(&app, "kind = 'trackback' AND author = 'tracker.example'"), 1);

        // A post closed in WordPress is closed here.
        let mut closed = reply("/2024/04/closed-for-comments/", "Late to the party.");
        closed["post_title"] = "Closed for comments".into();
        assert_eq!(app.post_json(&closed).await.status(), 403);
        let open = reply(HELLO, "Still open.");
        assert_eq!(app.post_json(&open).await.status(), 201);
    }

    async fn pingbacks_can_be_left_out(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let said = app.cli_ok(&["import", "wordpress", "--skip-pingbacks", &ours("wordpress.xml")]);
        assert!(said.contains("12 added"), "{said}");
        assert!(said.contains("skipped 2: a pingback or trackback (--skip-pingbacks)"), "{said}");
        let lines = outline(&thread_of(&app, HELLO).await["comments"]);
        assert_eq!(lines.last().map(String::as_str), Some("Ada: Nice of them to link"), "{lines:#?}");
        assert_eq!(count(&app, "kind <> 'comment'"), 0);
    }

    async fn importing_the_same_file_twice_changes_nothing(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let file = ours("wordpress.xml");
        app.cli_ok(&["import", "wordpress", &file]);
        let before = fingerprint(&app);
        let etag = app.get("/api/posts/%2F2024%2F05%2Fhello-world%2F/comments").await.headers()["etag"].clone();

        let said = app.cli_ok(&["import", "wordpress", &file]);
        assert!(said.contains("Comments: 0 added"), "{said}");
        assert!(said.contains("skipped 14: already imported"), "{said}");
        assert_eq!(fingerprint(&app), before);
        let again = app.get("/api/posts/%2F2024%2F05%2Fhello-world%2F/comments").await;
        assert_eq!(again.headers()["etag"], etag);
    }

    async fn an_import_merges_into_posts_and_comments_already_there(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        app.comment(HELLO, None, "Written here before the import.").await;
        app.cli_ok(&["import", "wordpress", &ours("wordpress.xml")]);
        let thread = thread_of(&app, HELLO).await;
        assert_eq!(thread["total"], 11, "{thread}");
        assert!(outline(&thread["comments"]).iter().any(|l| l.starts_with("Ada Lovelace: Written here")), "{thread}");
        assert_eq!(app.query_number(&format!("SELECT COUNT(*) AS n FROM posts WHERE post_key = '{HELLO}'")), 1);
        assert_eq!(app.query_number(&format!("SELECT approved_count AS n FROM posts WHERE post_key = '{HELLO}'")), 11);
        let counts: Value = app.get("/api/counts?post=%2F2024%2F05%2Fhello-world%2F").await.json().await.unwrap();
        assert_eq!(counts["counts"][HELLO], 11);
    }

    async fn replies_before_their_parents_keep_their_place_and_every_status_maps(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let dir = tempfile::tempdir().unwrap();
        let file = write_temp(&dir, "backwards.xml", OUT_OF_ORDER_WXR);
        let said = app.cli_ok(&["import", "wordpress", &file]);
        assert!(said.contains("6 added (1 pending, 3 approved, 1 spam, 1 trash)"), "{said}");
        assert!(said.contains("adjusted 1: a reply to a comment that is not in the file, kept as a top-level comment (first at line 47)"), "{said}");
        let thread = thread_of(&app, "/backwards/").await;
        assert_eq!(
            outline(&thread["comments"]),
            ["Root: First", "  Child: Second", "    Grandchild: Third &amp; deepest"]
        );
        assert_eq!(count(&app, "source_id = 'wordpress:7:3' AND depth = 2"), 1);
        assert_eq!(count(&app, "source_id = 'wordpress:7:6' AND parent_id IS NULL"), 1);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM posts WHERE post_key = '/backwards/' AND comments_open = FALSE"), 1);
    }

    async fn the_post_key_can_be_the_slug_or_the_wordpress_id(backend: Backend) {
        let app = spawn_app(backend.clone(), &[]).await;
        app.cli_ok(&["import", "wordpress", "--post-key", "id", &ours("wordpress.xml")]);
        assert_eq!(thread_of(&app, "10").await["total"], 10);
        assert_eq!(thread_of(&app, "11").await["total"], 1);
        let other = spawn_app(backend, &[]).await;
        other.cli_ok(&["import", "wordpress", "--post-key", "slug", &ours("wordpress.xml")]);
        assert_eq!(thread_of(&other, "hello-world").await["total"], 10);
        assert_eq!(other.query_number("SELECT COUNT(*) AS n FROM posts WHERE post_key = 'a-propos'"), 1);
    }

    async fn a_malformed_export_names_the_line_and_changes_nothing(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let whole = std::fs::read_to_string(ours("wordpress.xml")).unwrap();
        app.cli_ok(&["import", "wordpress", &ours("wordpress.xml")]);
        let before = fingerprint(&app);

        // A closing tag that does not match, as a careless hand edit leaves it.
        let typo = whole.replacen("Depth four.]]></wp:comment_content>", "Depth four.]]></wp:comment_contents>", 1);
        let dir = tempfile::tempdir().unwrap();
        let file = write_temp(&dir, "typo.xml", &typo);
        let said = import_fails(&app, &["import", "wordpress", &file]);
        assert!(said.contains(&format!("line {}", line_of(&typo, "Depth four."))), "{said}");
        assert!(said.contains("nothing was imported"), "{said}");
        assert_eq!(said.trim().lines().last().unwrap().matches("replydesk:").count(), 1, "{said}");
        assert_eq!(fingerprint(&app), before);
    }

    async fn a_file_cut_short_after_some_posts_leaves_nothing_half_imported(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let whole = std::fs::read_to_string(ours("wordpress.xml")).unwrap();
        // Cut inside the comments of "Hello, wörld", after the whole of the closed post.
        let cut = whole.find("Depth four.").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = write_temp(&dir, "cut.xml", &whole[..cut]);
        let lines_before_cut = whole[..cut].lines().count();
        let said = import_fails(&app, &["import", "wordpress", &file]);
        assert!(said.contains("truncated"), "{said}");
        let line: usize = said.split("line ").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
        assert!(line > 1 && line <= lines_before_cut, "{said}");
        assert_eq!(fingerprint(&app), (0, 0, 0, 0));
    }

    async fn a_long_import_that_fails_late_takes_back_every_step_it_committed(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let file = long_wxr_cut_short();
        let dir = tempfile::tempdir().unwrap();
        let path = write_temp(&dir, "long.xml", &file);
        let said = import_fails(&app, &["import", "wordpress", &path]);
        assert!(said.contains("nothing was imported"), "{said}");
        assert_eq!(fingerprint(&app), (0, 0, 0, 0));
    }

    async fn a_failed_import_leaves_the_counts_of_posts_that_were_there(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let live = reply("/1/", "Here before the import.");
        assert_eq!(app.post_json(&live).await.status(), 201);
        let dir = tempfile::tempdir().unwrap();
        let path = write_temp(&dir, "long.xml", &long_wxr_cut_short());
        let said = import_fails(&app, &["import", "wordpress", &path]);
        assert!(said.contains("nothing was imported"), "{said}");
        let counts: Value = app.get("/api/counts?post=/1/").await.json().await.unwrap();
        assert_eq!(counts["counts"]["/1/"], 1, "{counts}");
        assert_eq!(fingerprint(&app).1, 1, "only the live comment is left");
    }
}

/// A WordPress export of 300 posts of 40 approved comments, keyed `/1/` to
/// `/300/`, cut short at its end: long enough to be committed in many steps
/// before the import finds the file broken.
fn long_wxr_cut_short() -> String {
    let mut file = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
         xmlns:wp=\"http://wordpress.org/export/1.2/\">\n<channel>\n",
    );
    for post in 1..=300 {
        file.push_str(&format!(
            "<item><title>Post {post}</title><link>https://blog.example/{post}/</link>\
             <wp:post_id>{post}</wp:post_id><wp:comment_status>open</wp:comment_status>\n"
        ));
        for n in 1..=40 {
            let id = post * 100 + n;
            let parent = if n % 3 == 0 { id - 1 } else { 0 };
            file.push_str(&format!(
                "<wp:comment><wp:comment_id>{id}</wp:comment_id>\
                 <wp:comment_author>Reader {n}</wp:comment_author>\
                 <wp:comment_author_email>r{n}@example.com</wp:comment_author_email>\
                 <wp:comment_date_gmt>2020-01-01 10:00:00</wp:comment_date_gmt>\
                 <wp:comment_content>Comment {id} on post {post}</wp:comment_content>\
                 <wp:comment_approved>1</wp:comment_approved>\
                 <wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n"
            ));
        }
        file.push_str("</item>\n");
    }
    file.truncate(file.len() - 40);
    file
}
