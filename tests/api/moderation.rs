//! The moderation service, driven from the command line while the server runs:
//! transitions, restore, the audit trail, run-time settings, rules across
//! instances, and retention.

use serde_json::{Value, json};

use crate::helpers::{BLOG, eventually, ids, reply, spawn_app};
use crate::on_both_backends;

fn listed(thread: &Value) -> Vec<i64> {
    ids(&thread["comments"])
}

on_both_backends! {
    async fn spam_and_trash_can_be_undone_back_to_where_the_comment_was(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let id = app.comment("undo", None, "Keep me.").await;
        let id_text = id.to_string();
        assert_eq!(listed(&app.thread("undo").await), [id]);

        assert!(app.cli_ok(&["comment", "spam", &id_text]).contains("approved -> spam"));
        assert!(listed(&app.thread("undo").await).is_empty());
        assert!(app.cli_ok(&["comment", "not-spam", &id_text]).contains("spam -> approved"));
        assert_eq!(listed(&app.thread("undo").await), [id]);

        assert!(app.cli_ok(&["comment", "trash", &id_text]).contains("approved -> trash"));
        assert!(listed(&app.thread("undo").await).is_empty());
        assert!(app.cli_ok(&["comment", "restore", &id_text]).contains("trash -> approved"));
        assert_eq!(listed(&app.thread("undo").await), [id]);
    }

    async fn a_held_comment_appears_once_approved_and_leaves_when_unapproved(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let id = app.comment("queue", None, "Waiting.").await.to_string();
        let queue = app.cli_ok(&["comment", "list", "--status", "pending"]);
        assert!(queue.contains("Waiting.") && queue.contains("ada@example.com"), "{queue}");
        app.cli_ok(&["comment", "approve", &id]);
        assert_eq!(app.thread("queue").await["total"], 1);
        app.cli_ok(&["comment", "unapprove", &id]);
        assert_eq!(app.thread("queue").await["total"], 0);
    }

    async fn every_change_is_in_the_audit_trail_and_acting_twice_records_nothing(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let id = app.comment("audit", None, "Audited.").await.to_string();
        app.cli_ok(&["comment", "approve", &id]);
        assert!(app.cli_ok(&["comment", "approve", &id]).contains("(already)"));
        app.cli_ok(&["comment", "trash", &id]);
        let shown = app.cli_ok(&["comment", "show", &id]);
        let trail: Vec<&str> = shown.lines().filter(|l| l.starts_with("audit:")).collect();
        assert_eq!(trail.len(), 3, "{shown}");
        assert!(trail[0].contains("rules new -> pending every comment is held"), "{shown}");
        assert!(trail[1].contains("command line pending -> approved"), "{shown}");
        assert!(trail[2].contains("command line approved -> trash"), "{shown}");
        assert!(shown.contains("reason: every comment is held for moderation"), "{shown}");
    }

    async fn deleting_a_comment_keeps_its_replies(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let parent = app.comment("delete", None, "Parent.").await;
        let child = app.comment("delete", Some(parent), "Child.").await;
        let printed = app.cli_ok(&["comment", "delete", &parent.to_string()]);
        assert!(printed.contains("approved -> deleted"), "{printed}");
        let thread = app.thread("delete").await;
        assert_eq!(listed(&thread), [child]);
        let missing = app.cli(&["comment", "approve", &parent.to_string()]);
        assert!(!missing.status.success());
        assert!(crate::helpers::output_text(&missing).contains(&format!("no comment {parent}")));
    }

    async fn a_bulk_action_is_all_or_nothing(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let a = app.comment("bulk", None, "A").await.to_string();
        let b = app.comment("bulk", None, "B").await.to_string();
        let refused = app.cli(&["comment", "approve", &a, "999999", &b]);
        assert!(!refused.status.success());
        assert_eq!(app.thread("bulk").await["total"], 0);
        app.cli_ok(&["comment", "approve", &a, &b]);
        assert_eq!(app.thread("bulk").await["total"], 2);
    }

    async fn rule_settings_changed_at_run_time_apply_to_the_next_comment(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let held: Value = app.post_json(&reply("live", "Before.")).await.json().await.unwrap();
        assert_eq!(held["status"], "pending");

        app.cli_ok(&["settings", "set", "hold_all", "false"]);
        let approved: Value = app.post_json(&reply("live", "After.")).await.json().await.unwrap();
        assert_eq!(approved["status"], "approved");

        app.cli_ok(&["settings", "set", "moderation_keys", "watch this\\nsuspicious.example"]);
        let flagged: Value = app.post_json(&reply("live", "Please WATCH THIS space")).await.json().await.unwrap();
        assert_eq!(flagged["status"], "pending");
        let shown = app.cli_ok(&["comment", "show", &flagged["id"].to_string()]);
        assert!(shown.contains("reason: it contains the moderation key \"watch this\""), "{shown}");

        app.cli_ok(&["settings", "set", "disallowed_keys", "casino"]);
        let spam: Value = app.post_json(&reply("live", "Best Casino here")).await.json().await.unwrap();
        assert_eq!(spam["status"], "pending", "spam is answered as if held");
        let shown = app.cli_ok(&["comment", "show", &spam["id"].to_string()]);
        assert!(shown.contains("status: spam"), "{shown}");
        assert!(shown.contains("disallowed key \"casino\""), "{shown}");

        let settings = app.cli_ok(&["settings", "show"]);
        assert!(settings.contains("hold_all = false"), "{settings}");
        let bad = app.cli(&["settings", "set", "max_depth", "deep"]);
        assert!(!bad.status.success());
        assert!(crate::helpers::output_text(&bad).contains("max_depth: expected a whole number"));
        let unknown = app.cli(&["settings", "set", "colour", "blue"]);
        assert!(crate::helpers::output_text(&unknown).contains("not a rule setting"));
    }

    async fn requiring_name_and_email_can_be_switched_at_run_time(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let nameless = json!({ "post": "names", "post_url": format!("{BLOG}/names/"), "comment": "Who am I?" });
        assert_eq!(app.post_json(&nameless).await.status(), 422);
        app.cli_ok(&["settings", "set", "require_name_email", "false"]);
        let created: Value = app.post_json(&nameless).await.json().await.unwrap();
        assert_eq!(created["author"], "Anonymous");
        app.cli_ok(&["settings", "set", "require_name_email", "true"]);
        let mut again = nameless.clone();
        again["comment"] = json!("Still nobody.");
        let refused: Value = app.post_json(&again).await.json().await.unwrap();
        assert!(refused["fields"]["author"].is_string(), "{refused}");
        assert!(refused["fields"]["email"].is_string(), "{refused}");
    }

    async fn two_instances_on_one_database_agree_on_duplicates_floods_and_settings(backend: Backend) {
        let first = spawn_app(backend, &[("FLOOD_SECONDS", "60")]).await;
        let second = first.another_instance(&[("FLOOD_SECONDS", "60")]).await;
        assert_eq!(first.post_json(&reply("shared", "Said once.")).await.status(), 201);
        assert_eq!(second.post_json(&reply("shared", "Said once.")).await.status(), 409);
        let mut other_words = reply("shared", "Said quickly after.");
        other_words["email"] = json!("ada.other@example.com");
        assert_eq!(second.post_json(&other_words).await.status(), 429, "same IP, other instance");

        second.cli_ok(&["settings", "set", "flood_seconds", "0"]);
        second.cli_ok(&["settings", "set", "hold_all", "false"]);
        let created: Value = first.post_json(&other_words).await.json().await.unwrap();
        assert_eq!(created["status"], "approved", "the first instance sees the change at once");

        // The same words sent to both at the same moment: exactly one is
        // stored, every time. Many races, so that some truly overlap.
        for race in 0..24 {
            let words = reply("shared", &format!("Race {race} between two servers."));
            let (a, b) = tokio::join!(first.post_json(&words), second.post_json(&words));
            let mut statuses = [a.status().as_u16(), b.status().as_u16()];
            statuses.sort_unstable();
            assert_eq!(statuses, [201, 409], "race {race}");
        }

        // Turned back on elsewhere, the flood rule stops the first instance's
        // next comment from the same address, though it last judged with it off.
        second.cli_ok(&["settings", "set", "flood_seconds", "60"]);
        let mut later = reply("shared", "Said after the rule came back.");
        later["email"] = json!("ada.later@example.com");
        assert_eq!(first.post_json(&later).await.status(), 429);
    }

    async fn old_ips_are_erased_and_stale_pending_comments_purged(backend: Backend) {
        let app = spawn_app(backend, &[("TRUSTED_PROXIES", "127.0.0.1")]).await;
        let post = |text: &'static str| {
            app.client
                .post(app.url("/api/comments"))
                .header("Origin", BLOG)
                .header("X-Forwarded-For", "198.51.100.23")
                .json(&reply("retention", text))
                .send()
        };
        let old: Value = post("Old.").await.unwrap().json().await.unwrap();
        let new: Value = post("New.").await.unwrap().json().await.unwrap();
        let (old, new) = (old["id"].to_string(), new["id"].to_string());
        assert!(app.cli_ok(&["comment", "show", &old]).contains("ip: 198.51.100.23"));
        app.execute_sql(&format!("UPDATE comments SET created_at = '2020-01-01 00:00:00' WHERE id = {old}"));
        app.cli_ok(&["settings", "set", "purge_pending_days", "0"]);

        // The sweep runs when an instance starts, then hourly.
        let _restarted = app.another_instance(&[]).await;
        eventually("the sweep to erase the old comment's IP", async || {
            let shown = app.cli_ok(&["comment", "show", &old]);
            if shown.contains("ip: (erased)") { Ok(()) } else { Err(shown) }
        })
        .await;
        assert!(app.cli_ok(&["comment", "show", &new]).contains("ip: 198.51.100.23"));

        app.cli_ok(&["settings", "set", "purge_pending_days", "30"]);
        let _again = app.another_instance(&[]).await;
        eventually("the sweep to purge the stale pending comment", async || {
            !app.cli(&["comment", "show", &old]).status.success()
        })
        .await;
        assert!(app.cli(&["comment", "show", &new]).status.success());
    }

    async fn a_sweep_works_through_a_backlog_larger_than_one_step(backend: Backend) {
        let app = spawn_app(backend, &[("TRUSTED_PROXIES", "127.0.0.1")]).await;
        let first = app.comment("backlog", None, "The first of many.").await;
        // Old comments, as an import of an old blog leaves them: far more
        // than one step of the sweep, half of them never moderated.
        app.execute_sql(&format!(
            "INSERT INTO comments (post_id, depth, author, email, url, body, status, reasons, ip, \
             user_agent, subscribed, created_at, updated_at) \
             WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < 1001) \
             SELECT post_id, 0, author, email, url, body || n, \
             CASE WHEN n % 2 = 0 THEN 'pending' ELSE 'approved' END, '', '203.0.113.9', \
             user_agent, subscribed, '2020-01-01 00:00:00', '2020-01-01 00:00:00' \
             FROM comments, numbers WHERE comments.id = {first}"
        ));
        let old = "FROM comments WHERE created_at < '2021-01-01 00:00:00'";
        assert_eq!(app.query_number(&format!("SELECT COUNT(*) AS n {old}")), 1001);
        app.cli_ok(&["settings", "set", "purge_pending_days", "30"]);

        let _restarted = app.another_instance(&[]).await;
        let left = || {
            (
                app.query_number(&format!("SELECT COUNT(*) AS n {old} AND ip IS NOT NULL")),
                app.query_number(&format!("SELECT COUNT(*) AS n {old} AND status = 'pending'")),
            )
        };
        eventually("the sweep to erase every old IP and purge every stale pending comment", async || {
            match left() {
                (0, 0) => Ok(()),
                (ips, pending) => Err(format!("{ips} IPs and {pending} pending comments left")),
            }
        })
        .await;
        assert_eq!(app.query_number(&format!("SELECT COUNT(*) AS n {old}")), 501, "approved ones stay");
    }
}
