//! The spam filter that learns from moderation: every path a decision takes
//! teaches it, a decision taken back unteaches it, it acts only once trained,
//! within its two thresholds, and shows its score to moderators; on SQLite
//! and PostgreSQL.

use serde_json::{Value, json};

use crate::admin::{Desk, status_of, texts};
use crate::helpers::{BLOG, TestApp, eventually, spawn_app};
use crate::mail::moderation_links;
use crate::on_both_backends;
use crate::smtp::SmtpServer;

/// Settings that let one test send many comments from one address at once.
const QUICK: [(&str, &str); 2] = [("FLOOD_SECONDS", "0"), ("BURST_LIMIT", "0")];

const SPAM_WORDS: [&str; 6] = ["casino", "bonus", "pills", "cheap", "jackpot", "discount"];
const HAM_WORDS: [&str; 6] = [
    "borrow",
    "checker",
    "lifetimes",
    "thanks",
    "article",
    "compiler",
];

/// A spammer's comment, the `i`th of a wave: the same pitch and link host,
/// the words shuffled a little.
fn spam(post: &str, i: usize) -> Value {
    let w = |k: usize| SPAM_WORDS[(i + k) % SPAM_WORDS.len()];
    json!({
        "post": post,
        "post_url": format!("{BLOG}/{post}/"),
        "author": format!("Best Casino {i}"),
        "email": format!("promo{i}@spam.example"),
        "url": "https://pills.example/",
        "comment": format!("{} {} {} at https://pills.example/offer/{i} and win {}", w(0), w(1), w(2), w(3)),
    })
}

/// A reader's comment.
fn ham(post: &str, i: usize) -> Value {
    let w = |k: usize| HAM_WORDS[(i + k) % HAM_WORDS.len()];
    json!({
        "post": post,
        "post_url": format!("{BLOG}/{post}/"),
        "author": format!("Reader Number{i}"),
        "email": format!("reader{i}@mail.example"),
        "comment": format!("Good point about the {} {}; the {} part of the {} helped me, reply {i}.", w(0), w(1), w(2), w(3)),
    })
}

async fn send(app: &TestApp, body: &Value) -> i64 {
    let response = app.post_json(body).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        created["status"], "pending",
        "everything is told it is held: {created}"
    );
    created["id"].as_i64().unwrap()
}

fn score_of(app: &TestApp, id: i64) -> f64 {
    let per_million = app.query_number(&format!(
        "SELECT CAST(spam_score * 1000000 AS BIGINT) AS n FROM comments WHERE id = {id}"
    ));
    per_million as f64 / 1e6
}

/// Sends spam and ham comments `from..to` and has a moderator decide them
/// on the admin page, in two bulk actions.
async fn teach(app: &TestApp, desk: &Desk, from: usize, to: usize) {
    let mut spams = Vec::new();
    let mut hams = Vec::new();
    for i in from..to {
        spams.push(send(app, &spam("teach", i)).await.to_string());
        hams.push(send(app, &ham("teach", i)).await.to_string());
    }
    for (action, ids) in [("spam", &spams), ("approve", &hams)] {
        let mut fields = vec![("action", action)];
        fields.extend(ids.iter().map(|id| ("id", id.as_str())));
        let done = desk.post("/admin/comments", &fields).await;
        assert_eq!(done.status(), 303, "{}", done.text().await.unwrap());
    }
}

async fn ready(backend: crate::helpers::Backend, extra: &[(&str, &str)]) -> (TestApp, Desk) {
    let mut overrides = QUICK.to_vec();
    overrides.extend_from_slice(extra);
    let app = spawn_app(backend, &overrides).await;
    app.add_moderator("admin@example.com");
    let desk = Desk::new(&app).login("admin@example.com").await;
    (app, desk)
}

fn learned(app: &TestApp) -> String {
    app.cli_ok(&["spam", "status"])
}

on_both_backends! {
    async fn the_filter_scores_from_the_start_but_acts_only_once_it_learned_twenty_of_each(backend: Backend) {
        let (app, desk) = ready(backend, &[]).await;
        let first = send(&app, &spam("cold", 0)).await;
        assert_eq!(score_of(&app, first), 0.5, "nothing learned: unsure");

        teach(&app, &desk, 0, 19).await;
        assert!(learned(&app).contains("learned 19 spam comments and 19 published comments"), "{}", learned(&app));
        let cold = send(&app, &spam("cold", 100)).await;
        assert!(score_of(&app, cold) >= 0.99, "it scores: {}", score_of(&app, cold));
        assert_eq!(status_of(&app, cold), "pending", "but does not act before 20 of each");

        teach(&app, &desk, 19, 20).await;
        let caught = send(&app, &spam("teach", 200)).await;
        assert_eq!(status_of(&app, caught), "spam", "answered as held, stored as spam");
        let reasons = app.cli_ok(&["comment", "show", &caught.to_string()]);
        assert!(reasons.contains("the spam filter scored it"), "{reasons}");
        assert!(reasons.contains("links to pills.example"), "{reasons}");
        let welcome = send(&app, &ham("warm", 200)).await;
        assert_eq!(status_of(&app, welcome), "pending");
        assert!(score_of(&app, welcome) < 0.1, "{}", score_of(&app, welcome));

        // Caught spam mails nobody; the held comment mails the moderator.
        let mails = |id: i64| app.query_number(&format!("SELECT COUNT(*) AS n FROM mail_outbox WHERE comment_id = {id}"));
        assert_eq!(mails(caught), 0);
        assert_eq!(mails(welcome), 1);
    }

    async fn every_moderation_path_teaches_and_a_decision_taken_back_unteaches(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let (app, desk) = ready(backend, &[("SMTP_URL", &smtp.url())]).await;
        app.cli_ok(&["moderator", "set", "admin@example.com", "mail", "each"]);
        let status = || learned(&app);

        // The command line, and taking it back.
        let a = send(&app, &ham("paths", 1)).await.to_string();
        app.cli_ok(&["comment", "approve", &a]);
        assert!(status().contains("learned 0 spam comments and 1 published comment"), "{}", status());
        app.cli_ok(&["comment", "unapprove", &a]);
        assert!(status().contains("learned 0 spam comments and 0 published comments"), "{}", status());

        // The admin page's buttons: spam, then not spam.
        let b = send(&app, &spam("paths", 2)).await;
        let act = format!("spam:{b}");
        assert_eq!(desk.post("/admin/comments", &[("act", act.as_str())]).await.status(), 303);
        assert!(status().contains("learned 1 spam comment and 0 published"), "{}", status());
        let act = format!("not-spam:{b}");
        assert_eq!(desk.post("/admin/comments", &[("act", act.as_str())]).await.status(), 303);
        assert!(status().contains("learned 0 spam comments and 1 published comment"), "{}", status());

        // Published, then spam: unlearned as ham, learned as spam.
        let b = b.to_string();
        app.cli_ok(&["comment", "approve", &b]);
        app.cli_ok(&["comment", "spam", &b]);
        assert!(status().contains("learned 1 spam comment and 0 published"), "{}", status());

        // An e-mailed link.
        let c = send(&app, &spam("paths", 3)).await;
        let mail = eventually("the moderation mail of the third comment", async || {
            smtp.messages().into_iter().find(|m| m.data.contains("offer/3")).ok_or("not yet")
        })
        .await;
        assert!(mail.data.contains("Spam score:"), "{}", mail.data);
        let (_, link) = moderation_links(&mail, &app).into_iter().find(|(action, _)| action == "spam").expect("a spam link");
        assert_eq!(app.client.post(&link).send().await.unwrap().status(), 200);
        assert_eq!(status_of(&app, c), "spam");
        assert!(status().contains("learned 2 spam comments and 0 published"), "{}", status());

        // Trash and delete say nothing about spam: what was learned stands.
        app.cli_ok(&["comment", "delete", &c.to_string()]);
        assert!(status().contains("learned 2 spam comments"), "{}", status());
    }

    async fn fifty_decisions_at_once_are_learned_exactly_once_each(backend: Backend) {
        let (app, desk) = ready(backend, &[]).await;
        let one = send(&app, &spam("race", 0)).await;
        let act = format!("spam:{one}");
        let csrf = desk.csrf().await;
        let same = (0..50).map(|_| async { desk.post_raw("/admin/comments", &[("csrf", &csrf), ("act", &act)]).await });
        let answers = futures_util::future::join_all(same).await;
        assert!(answers.iter().all(|r| r.status() == 303 || r.status() == 409), "{:?}", answers.iter().map(|r| r.status()).collect::<Vec<_>>());
        assert!(learned(&app).contains("learned 1 spam comment and 0"), "{}", learned(&app));

        // Fifty different comments approved at once on PostgreSQL's many
        // connections: no deadlock, every one learned.
        let mut ids = Vec::new();
        for i in 0..50 {
            ids.push(send(&app, &ham("race", i)).await);
        }
        let approvals = ids.iter().map(|id| {
            let act = format!("approve:{id}");
            let csrf = csrf.clone();
            let desk = &desk;
            async move { desk.post_raw("/admin/comments", &[("csrf", &csrf), ("act", &act)]).await.status() }
        });
        let statuses = futures_util::future::join_all(approvals).await;
        assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
        assert!(learned(&app).contains("learned 1 spam comment and 50 published comments"), "{}", learned(&app));
    }

    async fn spam_train_learns_older_comments_once_and_reset_forgets(backend: Backend) {
        let (app, _desk) = ready(backend, &[]).await;
        let mut ids = Vec::new();
        for i in 0..3 {
            ids.push(send(&app, &spam("older", i)).await.to_string());
            ids.push(send(&app, &ham("older", i)).await.to_string());
        }
        // As if stored before the filter, or imported: no clues kept.
        app.execute_sql("UPDATE comments SET spam_clues = '', spam_score = NULL");
        app.cli_ok(&["comment", "spam", &ids[0], &ids[2], &ids[4]]);
        app.cli_ok(&["comment", "approve", &ids[1], &ids[3], &ids[5]]);
        assert!(learned(&app).contains("Nothing learned yet") || learned(&app).contains("learned 0 spam comments and 0"), "{}", learned(&app));

        let trained = app.cli_ok(&["spam", "train"]);
        assert!(trained.contains("Learned 3 spam comments and 3 published comments"), "{trained}");
        let again = app.cli_ok(&["spam", "train"]);
        assert!(again.contains("Learned 0 spam comments and 0 published comments on every site; 6 comments were already learned"), "{again}");

        let reset = app.cli_ok(&["spam", "reset"]);
        assert!(reset.contains("forgot everything"), "{reset}");
        assert!(learned(&app).contains("learned 0 spam comments and 0 published comments"), "{}", learned(&app));
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM spam_tokens"), 0);
        assert!(app.cli_ok(&["spam", "train", "--site", "default"]).contains("Learned 3 spam comments and 3"));

        let nowhere = app.cli(&["spam", "train", "--site", "nowhere"]);
        assert!(!nowhere.status.success());
        assert!(crate::helpers::output_text(&nowhere).contains("no site named \"nowhere\""));
    }

    async fn personal_clues_are_stored_as_keys_never_in_clear(backend: Backend) {
        let (app, desk) = ready(backend, &[]).await;
        teach(&app, &desk, 0, 2).await;
        assert!(app.query_number("SELECT COUNT(*) AS n FROM spam_tokens") > 10);
        for personal in ["Casino 1", "casino 1", "spam.example", "mail.example", "number1", "promo"] {
            let sql = format!("SELECT COUNT(*) AS n FROM spam_tokens WHERE token LIKE '%{personal}%'");
            assert_eq!(app.query_number(&sql), 0, "{personal} stored in clear");
        }
        assert!(app.query_number("SELECT COUNT(*) AS n FROM spam_tokens WHERE token LIKE 'w:casino'") == 1, "words of the text are kept as words");

        // Forgetting an address takes the filter's reasons in words (which
        // may name the author or the domain) and, with the text, its words.
        let of = |column: &str| app.query_number(&format!(
            "SELECT COUNT(*) AS n FROM comments WHERE email = '' AND {column} <> ''"));
        send(&app, &spam("teach", 7)).await;
        send(&app, &ham("teach", 7)).await;
        let reasons = |email: &str| app.query_number(&format!(
            "SELECT COUNT(*) AS n FROM comments WHERE email = '{email}' AND spam_reasons <> ''"));
        assert_eq!(reasons("promo7@spam.example"), 1, "scored by a filter that learned something");
        assert_eq!(reasons("reader7@mail.example"), 1);
        app.cli_ok(&["forget", "promo7@spam.example"]);
        assert_eq!(of("spam_reasons"), 0);
        assert_eq!(of("spam_clues"), 1, "the words stay while the text does");
        app.cli_ok(&["forget", "reader7@mail.example", "--delete-text"]);
        assert_eq!(of("spam_reasons"), 0);
        assert_eq!(of("spam_clues"), 1, "only the first one's words are left");
    }

    async fn the_queue_shows_scores_sorts_by_them_and_has_a_likely_spam_tab(backend: Backend) {
        // A spam threshold of 1 keeps likely spam in the queue for a person.
        let (app, desk) = ready(backend, &[("SPAM_THRESHOLD", "1")]).await;
        teach(&app, &desk, 0, 20).await;
        let welcome = send(&app, &ham("queue", 300)).await;
        let pitch = send(&app, &spam("queue", 300)).await;
        assert_eq!(status_of(&app, pitch), "pending");

        let page = desk.text("/admin?status=pending").await;
        assert!(page.contains("Likely spam"), "a tab");
        let scores = texts(&page, ".spam-score");
        assert_eq!(scores.len(), 2, "{scores:?}");

        let sorted = desk.text("/admin?status=pending&sort=score").await;
        let order: Vec<String> = texts(&sorted, "li.comment .on");
        assert!(order[0].starts_with(&format!("#{pitch} ")), "{order:?}");
        assert!(texts(&sorted, ".spam-score")[0].contains("links to pills.example"), "{:?}", texts(&sorted, ".spam-score"));

        let likely = desk.text("/admin?status=pending&likely=1").await;
        let listed: Vec<String> = texts(&likely, "li.comment .on");
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert!(listed[0].starts_with(&format!("#{pitch} ")), "{listed:?}");
        assert!(!likely.contains(&format!("#{welcome} ")));
    }

    async fn the_ham_threshold_publishes_only_what_the_link_count_held(backend: Backend) {
        let (app, desk) = ready(backend, &[
            ("HOLD_ALL", "false"), ("MAX_LINKS", "1"), ("HAM_THRESHOLD", "0.2"), ("MODERATION_KEYS", "moderate-me"),
        ]).await;
        // With every comment not held, only the ones with links wait for a
        // person: teach with those.
        let mut spams = Vec::new();
        let mut hams = Vec::new();
        for i in 0..20 {
            spams.push(send(&app, &spam("ham", i)).await.to_string());
            let mut body = ham("ham", i);
            body["comment"] = json!(format!("{} See https://docs.example/{i}", body["comment"].as_str().unwrap()));
            hams.push(send(&app, &body).await.to_string());
        }
        for (action, ids) in [("spam", &spams), ("approve", &hams)] {
            let mut fields = vec![("action", action)];
            fields.extend(ids.iter().map(|id| ("id", id.as_str())));
            assert_eq!(desk.post("/admin/comments", &fields).await.status(), 303);
        }
        let mut linked = ham("ham", 500);
        linked["comment"] = json!(format!("{} See https://docs.example/500", linked["comment"].as_str().unwrap()));
        let response = app.post_json(&linked).await;
        let published: Value = response.json().await.unwrap();
        assert_eq!(published["status"], "approved", "{published}");
        let shown = app.cli_ok(&["comment", "show", &published["id"].to_string()]);
        assert!(shown.contains("published: the spam filter scored it"), "{shown}");

        let mut keyed = ham("ham", 501);
        keyed["comment"] = json!(format!("{} moderate-me https://docs.example/501", keyed["comment"].as_str().unwrap()));
        let held: Value = app.post_json(&keyed).await.json().await.unwrap();
        assert_eq!(held["status"], "pending", "a moderation key still holds: {held}");
    }

    async fn metrics_count_each_rules_verdicts_and_the_scores(backend: Backend) {
        let (app, _desk) = ready(backend, &[]).await;
        send(&app, &ham("metrics", 1)).await;
        let page = app.get("/metrics").await.text().await.unwrap();
        assert!(page.contains(r#"replydesk_rule_verdicts_total{rule="hold_all",verdict="hold"} 1"#), "{page}");
        assert!(page.contains(r#"replydesk_spam_score_bucket{le="0.5"} 1"#), "{page}");
        assert!(page.contains("replydesk_spam_score_count 1"), "{page}");
    }

    async fn rules_test_shows_what_a_tighter_rule_would_change_and_changes_nothing(backend: Backend) {
        // Stored, so the command line's replay sees the rule the server used.
        let (app, _desk) = ready(backend, &[]).await;
        app.cli_ok(&["settings", "set", "hold_all", "false"]);
        let plain = app.comment("dry", None, "Nothing to see here.").await;
        let linked = app.comment("dry", None, "Read https://a.example for more.").await;
        let betting = app.comment("dry", None, "Great casino tips inside.").await;

        let today = app.cli_ok(&["rules", "test"]);
        assert!(today.contains("on 3 comments sent since"), "{today}");
        assert!(today.contains("Every one would land where the rules put it"), "{today}");

        let tighter = app.cli_ok(&["rules", "test", "--since", "2d", "--set", "max_links=1", "--set", "disallowed_keys=casino"]);
        assert!(tighter.contains("with max_links = 1, disallowed_keys = casino"), "{tighter}");
        assert!(tighter.contains("approved -> pending: 1 comment"), "{tighter}");
        assert!(tighter.contains("approved -> spam: 1 comment"), "{tighter}");
        assert!(tighter.contains(&format!("#{linked} by Ada Lovelace")), "{tighter}");
        assert!(tighter.contains("it contains the disallowed key \"casino\""), "{tighter}");
        assert!(!tighter.contains(&format!("#{plain} ")), "{tighter}");
        for id in [plain, linked, betting] {
            assert_eq!(status_of(&app, id), "approved", "a dry run changes nothing");
        }
        assert!(app.cli_ok(&["settings", "show"]).contains("max_links = 2"));

        let refused = app.cli(&["rules", "test", "--set", "max_links=lots"]);
        assert!(!refused.status.success());
        assert!(crate::helpers::output_text(&refused).contains("expected a whole number of links"));
        let refused = app.cli(&["rules", "test", "--since", "forever"]);
        assert!(crate::helpers::output_text(&refused).contains("expected a span such as 30d"));
        let nowhere = app.cli(&["rules", "test", "--site", "nowhere"]);
        assert!(crate::helpers::output_text(&nowhere).contains("no site named"));
    }
}
