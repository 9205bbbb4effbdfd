//! Sites from the command line: adding, listing, changing and removing the
//! blogs one instance serves, scoping moderators to them, and working one
//! site's queue, as a moderator of that site only, while the server runs.

use serde_json::Value;

use crate::helpers::{TestApp, cli, output_text, reply, spawn_app};
use crate::on_both_backends;

/// The second blog's origin; the test server's own (`http://localhost`) is
/// the default site's.
const SECOND: &str = "https://b.example";

/// Posts a comment from a page of the blog at `origin`, as its widget
/// would: the `Origin` header routes it to the site that lists it.
async fn post_on(app: &TestApp, origin: &str, post: &str, text: &str) -> Value {
    let response = app.post_from(origin, post, text).await;
    let status = response.status();
    let created: Value = response.json().await.expect("json");
    assert_eq!(status, 201, "comment accepted on {origin}: {created}");
    created
}

/// Adds a moderator through the command line, on these sites only.
fn add_moderator_on(app: &TestApp, email: &str, sites: &[&str]) -> std::process::Output {
    let mut args = vec!["moderator", "add", email];
    for site in sites {
        args.extend(["--site", site]);
    }
    cli(&app.db, &args, "a long passphrase\na long passphrase\n")
}

/// What a failed command said, having checked that it failed.
fn refused(app: &TestApp, args: &[&str]) -> String {
    let output = app.cli(args);
    let text = output_text(&output);
    assert!(
        !output.status.success(),
        "replydesk {args:?} should fail: {text}"
    );
    text
}

fn status_of(app: &TestApp, id: i64) -> i64 {
    app.query_number(&format!(
        "SELECT COUNT(*) AS n FROM comments WHERE id = {id} AND status = 'approved'"
    ))
}

on_both_backends! {
    async fn sites_are_added_listed_changed_and_removed_from_the_command_line(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let added = app.cli_ok(&["site", "add", "b", "--origin", SECOND, "--title", "Blog B"]);
        assert!(added.contains("Site \"b\" added"), "{added}");

        let overlap = refused(&app, &["site", "add", "c", "--origin", SECOND]);
        assert!(overlap.contains("site \"c\"") && overlap.contains("site \"b\""), "both sites named: {overlap}");
        let with_default = refused(&app, &["site", "add", "c", "--origin", "http://localhost:4000"]);
        assert!(with_default.contains("site \"c\"") && with_default.contains("site \"default\""), "{with_default}");
        let bad_name = refused(&app, &["site", "add", "Bad Name", "--origin", "https://x.example"]);
        assert!(bad_name.contains("\"Bad Name\" is not a site name: use 1 to 40 lower-case letters"), "{bad_name}");
        let no_origin = refused(&app, &["site", "add", "c", "--origin", "x.example"]);
        assert!(no_origin.contains("is not an http(s) origin"), "{no_origin}");
        let taken = refused(&app, &["site", "add", "b", "--origin", "https://other.example"]);
        assert!(taken.contains("already a site named \"b\""), "{taken}");

        let id = post_on(&app, SECOND, "first", "On the second blog.").await["id"].as_i64().unwrap();
        let listed = app.cli_ok(&["site", "list"]);
        assert!(listed.starts_with("name\ttitle\torigins\tcomments"), "{listed}");
        assert!(listed.contains("b\tBlog B\thttps://b.example\t1"), "{listed}");
        let default = listed.lines().find(|l| l.starts_with("default\t")).unwrap_or_default();
        assert!(default.contains("(from REPLYDESK_ALLOWED_ORIGINS)") && default.ends_with("\t0"), "{listed}");

        app.cli_ok(&["site", "set", "b", "title", "Second blog"]);
        app.cli_ok(&["site", "set", "b", "origins", "https://b.example, https://www.b.example"]);
        let changed = app.cli_ok(&["site", "list"]);
        assert!(changed.contains("b\tSecond blog\thttps://b.example, https://www.b.example\t1"), "{changed}");
        post_on(&app, "https://www.b.example", "first", "From the other address.").await;
        let clash = refused(&app, &["site", "set", "default", "origins", "https://www.b.example"]);
        assert!(clash.contains("site \"default\"") && clash.contains("site \"b\""), "{clash}");
        let unknown = refused(&app, &["site", "set", "b", "colour", "blue"]);
        assert!(unknown.contains("\"colour\" is not something a site has"), "{unknown}");
        let no_site = refused(&app, &["site", "set", "zz", "title", "Z"]);
        assert!(no_site.contains("there is no site named \"zz\""), "{no_site}");

        assert_eq!(app.query_number(&format!("SELECT COUNT(*) AS n FROM comments WHERE id = {id}")), 1);
        // Run from a script (no terminal to ask on), the command removes at once.
        let removed = app.cli_ok(&["site", "remove", "b"]);
        assert!(removed.contains("removed with its posts and 2 comments"), "{removed}");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comments"), 0);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM sites WHERE name = 'b'"), 0);
        assert_eq!(
            app.query_number(
                "SELECT COUNT(*) AS n FROM audit_log WHERE actor = 'command line' \
                 AND to_status = 'deleted' AND reason LIKE 'site \"b\" removed%2 comments'"
            ),
            1
        );
        assert!(!app.cli_ok(&["site", "list"]).contains("\nb\t"));
        let default_stays = refused(&app, &["site", "remove", "default", "--yes"]);
        assert!(default_stays.contains("the default site cannot be removed"), "{default_stays}");

        app.cli_ok(&["site", "add", "empty", "--origin", "https://empty.example"]);
        let gone = app.cli_ok(&["site", "remove", "empty"]);
        assert!(gone.contains("removed with its posts and 0 comments"), "a site without comments needs no --yes: {gone}");
    }

    async fn a_moderator_scoped_to_a_site_sees_and_acts_on_its_comments_only(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        app.cli_ok(&["site", "add", "b", "--origin", SECOND]);
        let home = app.comment("home", None, "On the default blog.").await;
        let second = post_on(&app, SECOND, "away", "On the second blog.").await["id"].as_i64().unwrap();

        let unknown = add_moderator_on(&app, "typo@example.com", &["zz"]);
        assert!(!unknown.status.success());
        assert!(output_text(&unknown).contains("there is no site named \"zz\""), "{}", output_text(&unknown));
        let scoped = add_moderator_on(&app, "bee@example.com", &["b"]);
        assert!(scoped.status.success(), "{}", output_text(&scoped));
        app.add_moderator("boss@example.com");
        let moderators = app.cli_ok(&["moderator", "list"]);
        let line = |email: &str| moderators.lines().find(|l| l.starts_with(email)).unwrap_or_default().to_owned();
        assert!(line("bee@example.com").ends_with("\tb"), "{moderators}");
        assert!(line("boss@example.com").ends_with("\towner"), "{moderators}");
        assert!(!moderators.contains("typo@example.com"), "{moderators}");

        let on_b = app.cli_ok(&["comment", "list", "--site", "b"]);
        assert!(on_b.contains("On the second blog.") && !on_b.contains("On the default blog."), "{on_b}");
        let on_default = app.cli_ok(&["comment", "list", "--site", "default"]);
        assert!(on_default.contains("On the default blog.") && !on_default.contains("On the second blog."), "{on_default}");
        let everything = app.cli_ok(&["comment", "list"]);
        assert!(everything.contains("On the default blog.") && everything.contains("On the second blog."), "{everything}");
        assert!(refused(&app, &["comment", "list", "--site", "zz"]).contains("there is no site named \"zz\""));
        let theirs = app.cli_ok(&["comment", "list", "--as", "bee@example.com"]);
        assert!(theirs.contains("On the second blog.") && !theirs.contains("On the default blog."), "{theirs}");
        let not_theirs = refused(&app, &["comment", "list", "--site", "default", "--as", "bee@example.com"]);
        assert!(not_theirs.contains("does not work on site \"default\""), "{not_theirs}");
        assert!(app.cli_ok(&["comment", "show", &second.to_string()]).contains("site: b"));

        let other = refused(&app, &["comment", "approve", &home.to_string(), "--as", "bee@example.com"]);
        assert_eq!(other.trim(), format!("replydesk: there is no comment {home}"), "as a missing one");
        let missing = refused(&app, &["comment", "approve", "999999", "--as", "bee@example.com"]);
        assert_eq!(missing.trim(), "replydesk: there is no comment 999999");
        let hidden = refused(&app, &["comment", "show", &home.to_string(), "--as", "bee@example.com"]);
        assert_eq!(hidden.trim(), format!("replydesk: there is no comment {home}"));
        assert_eq!(status_of(&app, home), 0, "another site's comment is untouched");
        assert_eq!(
            app.query_number(&format!("SELECT COUNT(*) AS n FROM audit_log WHERE comment_id = {home} AND actor LIKE 'moderator%'")),
            0
        );

        let approved = app.cli_ok(&["comment", "approve", &second.to_string(), "--as", "bee@example.com"]);
        assert!(approved.contains("pending -> approved"), "{approved}");
        assert_eq!(status_of(&app, second), 1);
        assert_eq!(
            app.query_number(&format!(
                "SELECT COUNT(*) AS n FROM audit_log WHERE comment_id = {second} \
                 AND actor = 'moderator bee@example.com (command line)'"
            )),
            1
        );
        let nobody = refused(&app, &["comment", "list", "--as", "nobody@example.com"]);
        assert!(nobody.contains("there is no moderator nobody@example.com"), "{nobody}");

        app.cli_ok(&["moderator", "set", "bee@example.com", "--site", "default", "--site", "b"]);
        assert!(app.cli_ok(&["moderator", "list"]).contains("bee@example.com"));
        let now_theirs = app.cli_ok(&["comment", "approve", &home.to_string(), "--as", "bee@example.com"]);
        assert!(now_theirs.contains("pending -> approved"), "{now_theirs}");
        app.cli_ok(&["moderator", "set", "bee@example.com", "--owner"]);
        let owners = app.cli_ok(&["moderator", "list"]);
        assert!(owners.lines().any(|l| l.starts_with("bee@example.com") && l.ends_with("\towner")), "{owners}");
        assert!(refused(&app, &["moderator", "set", "nobody@example.com", "--owner"]).contains("there is no moderator nobody@example.com"));
        assert!(!app.cli(&["moderator", "set", "bee@example.com"]).status.success(), "--site or --owner is required");
    }

    async fn a_rule_set_for_one_site_changes_that_site_only(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        app.cli_ok(&["site", "add", "b", "--origin", SECOND]);
        app.cli_ok(&["settings", "set", "hold_all", "false", "--site", "b"]);
        assert!(app.cli_ok(&["settings", "show", "--site", "b"]).contains("hold_all = false"));
        assert!(app.cli_ok(&["settings", "show"]).contains("hold_all = true"));

        let held = app.post_json(&reply("home", "Held on the default blog.")).await;
        assert_eq!(held.status(), 201);
        assert_eq!(held.json::<Value>().await.unwrap()["status"], "pending");
        let open = post_on(&app, SECOND, "away", "Published on the second blog.").await;
        assert_eq!(open["status"], "approved", "{open}");

        app.cli_ok(&["site", "set", "b", "max_links", "5"]);
        assert!(app.cli_ok(&["settings", "show", "--site", "b"]).contains("max_links = 5"));
        assert!(app.cli_ok(&["settings", "show"]).contains("max_links = 2"));
        let bad = refused(&app, &["site", "set", "b", "max_links", "many"]);
        assert!(bad.contains("max_links:"), "the setting is named: {bad}");
    }
}

/// `replydesk ARGS` on a terminal of its own (util-linux's `script`), with
/// `typed` as what the person types; what the terminal showed, and whether
/// the command succeeded.
fn on_a_terminal(app: &TestApp, args: &str, typed: &str) -> (bool, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("script")
        .args([
            "-qec",
            &format!("{} {args}", crate::helpers::BINARY),
            "/dev/null",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("REPLYDESK_DATABASE_URL", &app.db.url)
        .env("REPLYDESK_MAIL_FOLDER", app.db.mail_folder())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(typed.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

on_both_backends! {
    async fn at_a_terminal_removing_a_site_with_comments_asks_for_its_name(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        app.cli_ok(&["site", "add", "b", "--origin", "http://blog-b.example"]);
        let created = post_on(&app, "http://blog-b.example", "hello", "Kept unless confirmed.").await;
        let (removed, shown) = on_a_terminal(&app, "site remove b", "not-b\n");
        assert!(!removed, "{shown}");
        assert!(shown.contains("holds 1 comment") && shown.contains("is kept"), "{shown}");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM sites WHERE name = 'b'"), 1);
        assert_eq!(app.query_number(&format!("SELECT COUNT(*) AS n FROM comments WHERE id = {}", created["id"])), 1);
        let (removed, shown) = on_a_terminal(&app, "site remove b", "b\n");
        assert!(removed, "{shown}");
        assert!(shown.contains("removed with its posts and 1 comment"), "{shown}");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM sites WHERE name = 'b'"), 0);
    }
}

on_both_backends! {
    async fn the_last_owner_cannot_be_made_a_moderator_of_some_sites(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        app.add_moderator("first@example.com");
        let last = refused(&app, &["moderator", "set", "first@example.com", "--site", "default"]);
        assert!(last.contains("last owner"), "{last}");
        app.add_moderator("second@example.com");
        app.cli_ok(&["moderator", "set", "first@example.com", "--site", "default"]);
        let last = refused(&app, &["moderator", "set", "second@example.com", "--site", "default"]);
        assert!(last.contains("last owner"), "{last}");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM moderators WHERE owner"), 1);
    }
}
