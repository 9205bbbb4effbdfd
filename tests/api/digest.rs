//! Moderation mail each, in digests or off, over real SMTP: a wave of held
//! comments, the digest's links and its signed queue link, and the two
//! places a moderator's choice is set (the command line and the admin page).

use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};

use crate::admin::{Desk, field};
use crate::helpers::{TestApp, eventually, output_text, reply, spawn_app};
use crate::on_both_backends;
use crate::smtp::{Received, SmtpServer};

const UNSENT: &str = "SELECT COUNT(*) AS n FROM mail_outbox WHERE sent_at IS NULL";
const DIGEST: &str = "digest@example.com";
const EACH: &str = "each@example.com";
const OFF: &str = "off@example.com";
/// As many held comments as one wave in the test: the first, then the rest.
const WAVE: usize = 500;

fn to(mails: &[Received], address: &str) -> Vec<Received> {
    mails
        .iter()
        .filter(|m| m.to == [address])
        .cloned()
        .collect()
}

/// A mail's text with quoted-printable's `=3D` undone, so links read whole.
fn decoded(mail: &Received) -> String {
    mail.data.replace("=3D", "=")
}

/// Ends the digest moderator's window now, as if its minutes had passed:
/// their last moderation e-mail moves back a window, and the e-mails put off
/// to its end become due. One transaction, so the worker sees both or neither.
fn end_the_window(app: &TestApp, backend_is_sqlite: bool) {
    let then = (Utc::now() - TimeDelta::minutes(10)).naive_utc();
    let then = then.format("%Y-%m-%d %H:%M:%S%.6f");
    let begin = if backend_is_sqlite {
        "BEGIN IMMEDIATE"
    } else {
        "BEGIN"
    };
    app.execute_script(&format!(
        "{begin};
         UPDATE moderators SET moderation_mailed_at = '{then}' WHERE email = '{DIGEST}';
         UPDATE mail_outbox SET next_attempt_at = '{then}'
           WHERE recipient = '{DIGEST}' AND sent_at IS NULL AND claimed_by IS NULL;
         COMMIT;"
    ));
}

on_both_backends! {
    async fn a_wave_of_held_comments_mails_a_digest_moderator_twice_and_an_each_moderator_every_time(backend: Backend) {
        let sqlite = matches!(backend, Backend::Sqlite);
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url())]).await;
        for address in [DIGEST, EACH, OFF] {
            app.add_moderator(address);
        }
        app.cli_ok(&["moderator", "set", EACH, "mail", "each"]);
        app.cli_ok(&["moderator", "set", OFF, "mail", "off"]);

        // The first held comment after a quiet spell goes out at once.
        let first = app.comment("wave", None, "The first of many.").await;
        let alone = smtp.wait_for_mail_to(DIGEST).await;
        assert_eq!(alone[0].header("Subject").as_deref(), Some("Please moderate: Hello world"));
        assert!(alone[0].data.contains("The first of many."), "{}", alone[0].data);

        let mut wave = vec![first];
        for i in 1..WAVE {
            let mut body = reply("wave", &format!("Cheap pills, offer number {i}."));
            body["email"] = json!(format!("sender{i}@example.net"));
            let created: Value = app.post_json(&body).await.json().await.unwrap();
            assert_eq!(created["status"], "pending");
            wave.push(created["id"].as_i64().unwrap());
        }
        let each_row = format!("SELECT COUNT(*) AS n FROM mail_outbox WHERE recipient = '{EACH}'");
        assert_eq!(app.query_number(&each_row), WAVE as i64, "an `each` moderator: a row per comment");
        let off_rows = format!("SELECT COUNT(*) AS n FROM mail_outbox WHERE recipient = '{OFF}'");
        assert_eq!(app.query_number(&off_rows), 0, "an `off` moderator: nothing queued at all");

        end_the_window(&app, sqlite);
        eventually("every e-mail to be sent", async || app.number_is(UNSENT, 0)).await;
        let mails = smtp.messages();
        assert_eq!(to(&mails, EACH).len(), WAVE, "one e-mail per comment");
        assert!(to(&mails, OFF).is_empty());
        let to_digest = to(&mails, DIGEST);
        assert_eq!(to_digest.len(), 2, "the first at once, then one digest");
        let digest = &to_digest[1];
        assert_eq!(
            digest.header("Subject").as_deref(),
            Some(format!("Please moderate: {} held comments", WAVE - 1).as_str())
        );
        let text = decoded(digest);
        for i in [1, WAVE / 2, WAVE - 1] {
            assert!(text.contains(&format!("Cheap pills, offer number {i}.")), "comment {i} is listed");
        }
        assert!(!text.contains("The first of many."), "the first was mailed already");
        assert!(text.contains("sender7@example.net") && text.contains("every comment is held"), "author and reasons");

        // The queue link shows exactly the digest's comments, to a moderator who logs in.
        let queue = digest.link(&format!("{}/admin?", app.address)).expect("a queue link");
        let queue = queue.replace("=3D", "=");
        let desk = Desk::new(&app).login(DIGEST).await;
        let narrowed = desk.text(queue.trim_start_matches(&app.address)).await;
        assert!(narrowed.contains(&format!("{} in all", WAVE - 1)), "only the digest's comments");
        let everything = desk.text("/admin").await;
        assert!(everything.contains(&format!("{WAVE} in all")), "the whole queue has the first too");
        let tampered = queue.replacen("ids=", &format!("ids={first},"), 1);
        let refused = desk.get(tampered.trim_start_matches(&app.address)).await;
        assert_eq!(refused.status(), 400);
        assert!(refused.text().await.unwrap().contains("not valid"));
        let unsigned = queue.split("&sig=").next().unwrap().to_owned();
        assert_eq!(desk.get(unsigned.trim_start_matches(&app.address)).await.status(), 400);

        // Each listed comment's own link acts, as in a single e-mail.
        let approve = text
            .split_whitespace()
            .find(|word| word.starts_with(&format!("{}/moderate/", app.address)))
            .expect("a moderation link")
            .to_owned();
        let done = app.client.post(&approve).send().await.unwrap();
        assert_eq!(done.status(), 200);
        assert!(done.text().await.unwrap().contains("now approved"));
        assert_eq!(app.thread("wave").await["total"], 1);
    }

    async fn spam_caught_at_submission_mails_nobody(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("DISALLOWED_KEYS", "casino")]).await;
        app.add_moderator(DIGEST);
        app.add_moderator(EACH);
        app.cli_ok(&["moderator", "set", EACH, "mail", "each"]);
        app.comment("spam", None, "A held comment first.").await;
        smtp.wait_for(2).await;
        for i in 0..5 {
            let mut body = reply("spam", &format!("Visit my casino, {i}."));
            body["email"] = json!(format!("spammer{i}@example.net"));
            let created: Value = app.post_json(&body).await.json().await.unwrap();
            assert_eq!(created["status"], "pending", "answered as if held");
        }
        let spam = "SELECT COUNT(*) AS n FROM comments WHERE status = 'spam'";
        assert_eq!(app.query_number(spam), 5);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM mail_outbox"), 2, "nothing queued for spam");
    }

    async fn a_mode_turned_off_reaches_the_mail_already_queued(backend: Backend) {
        // No SMTP server answers yet, so the e-mails wait in the outbox.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let app = spawn_app(backend, &[("SMTP_URL", &format!("smtp://127.0.0.1:{port}")), ("MAIL_RETRY_SECONDS", "1")]).await;
        app.add_moderator(EACH);
        app.cli_ok(&["moderator", "set", EACH, "mail", "each"]);
        app.comment("later", None, "Queued while the mail server is down.").await;
        app.cli_ok(&["moderator", "set", EACH, "mail", "off"]);
        let smtp = SmtpServer::start_on(port).await;
        eventually("the queued e-mail to be settled", async || app.number_is(UNSENT, 0)).await;
        assert!(smtp.messages().is_empty(), "turned off, nothing is sent");
    }

    async fn the_command_line_sets_and_lists_a_moderators_mail(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        app.add_moderator(DIGEST);
        let line = |app: &TestApp| {
            let listed = app.cli_ok(&["moderator", "list"]);
            listed.lines().find(|l| l.starts_with(DIGEST)).unwrap_or_default().to_owned()
        };
        assert!(line(&app).split('\t').any(|c| c == "digest"), "digest by default: {}", line(&app));
        let set = app.cli_ok(&["moderator", "set", DIGEST, "mail", "OFF"]);
        assert!(set.contains("is now off"), "{set}");
        assert!(line(&app).split('\t').any(|c| c == "off"), "{}", line(&app));

        let refused = |args: &[&str]| {
            let output = app.cli(args);
            assert!(!output.status.success(), "{args:?} is refused");
            output_text(&output)
        };
        let bad = refused(&["moderator", "set", DIGEST, "mail", "weekly"]);
        assert!(bad.contains("\"weekly\" is not a moderation mail mode; choose each, digest or off"), "{bad}");
        let huge = "x".repeat(8192);
        let long = refused(&["moderator", "set", DIGEST, "mail", &huge]);
        assert!(long.contains("choose each, digest or off") && long.len() < 500, "{}", long.len());
        let missing = refused(&["moderator", "set", DIGEST, "mail"]);
        assert!(missing.contains("needs a mode: each, digest or off"), "{missing}");
        let unknown = refused(&["moderator", "set", DIGEST, "colour", "blue"]);
        assert!(unknown.contains("\"colour\" is not a moderator setting"), "{unknown}");
        let nobody = refused(&["moderator", "set", "nobody@example.com", "mail", "each"]);
        assert!(nobody.contains("there is no moderator nobody@example.com"), "{nobody}");
        assert!(line(&app).split('\t').any(|c| c == "off"), "unchanged by refusals");
    }

    async fn the_admin_page_sets_your_own_mail_and_an_owner_sets_others(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        app.add_moderator(DIGEST);
        app.add_moderator(EACH);
        let desk = Desk::new(&app).login(DIGEST).await;
        let page = desk.text("/admin/your-mail").await;
        assert!(page.contains("value=\"digest\" checked"), "digest by default: {page}");

        let saved = desk.post("/admin/your-mail", &[("mail", "each")]).await;
        assert_eq!(saved.status(), 303);
        assert!(desk.text("/admin/your-mail?changed").await.contains("value=\"each\" checked"));
        let mode = format!("SELECT COUNT(*) AS n FROM moderators WHERE email = '{DIGEST}' AND moderation_mail = 'each'");
        assert_eq!(app.query_number(&mode), 1);

        for (value, status, words) in [
            ("weekly", 422, "is not a moderation mail mode; choose each, digest or off"),
            ("", 422, "Choose each, digest or off."),
            ("off\0", 400, "NUL"),
        ] {
            let answer = desk.post("/admin/your-mail", &[("mail", value)]).await;
            assert_eq!(answer.status(), status, "{value:?}");
            assert!(answer.text().await.unwrap().contains(words), "{value:?}");
        }
        let huge = "x".repeat(8192);
        let answer = desk.post("/admin/your-mail", &[("mail", &huge)]).await;
        assert_eq!(answer.status(), 422);
        assert!(!answer.text().await.unwrap().contains(&"x".repeat(100)), "the value is not echoed whole");
        let without_csrf = desk.post_raw("/admin/your-mail", &[("mail", "off")]).await;
        assert_eq!(without_csrf.status(), 403);
        assert_eq!(app.query_number(&mode), 1, "unchanged by refusals");

        let other = app.query_number(&format!("SELECT id AS n FROM moderators WHERE email = '{EACH}'"));
        let theirs = desk.post(&format!("/admin/moderators/{other}/mail"), &[("mail", "off")]).await;
        assert_eq!(theirs.status(), 303);
        let page = desk.text("/admin/moderators?mail").await;
        assert!(page.contains("Their moderation mail is changed"), "{page}");
        let off = format!("SELECT COUNT(*) AS n FROM moderators WHERE email = '{EACH}' AND moderation_mail = 'off'");
        assert_eq!(app.query_number(&off), 1);
        assert!(!field(&page, "csrf").is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_send_a_digest_moderator_one_digest_between_them() {
    let Some(backend) = crate::helpers::Backend::postgres() else {
        return;
    };
    let smtp = SmtpServer::start().await;
    let first = spawn_app(backend, &[("SMTP_URL", &smtp.url())]).await;
    let second = first.another_instance(&[("SMTP_URL", &smtp.url())]).await;
    first.add_moderator(DIGEST);
    first.comment("pair", None, "Before the wave.").await;
    smtp.wait_for_mail_to(DIGEST).await;
    for i in 0..60 {
        let app = if i % 2 == 0 { &first } else { &second };
        let mut body = reply("pair", &format!("Wave comment {i}."));
        body["email"] = json!(format!("reader{i}@example.net"));
        assert_eq!(app.post_json(&body).await.status(), 201);
    }
    end_the_window(&first, false);
    eventually("every e-mail to be sent", async || {
        first.number_is(UNSENT, 0)
    })
    .await;
    let mails = to(&smtp.messages(), DIGEST);
    assert_eq!(
        mails.len(),
        2,
        "the first, then one digest from one of the two"
    );
    assert_eq!(
        mails[1].header("Subject").as_deref(),
        Some("Please moderate: 60 held comments")
    );
}
