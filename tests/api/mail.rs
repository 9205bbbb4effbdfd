//! E-mail end to end, against a real SMTP server over TCP: moderation mail and
//! its links, reply notifications and unsubscribing, outages, and several workers.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, eventually, reply, spawn_app};
use crate::on_both_backends;
use crate::smtp::SmtpServer;

const UNSENT: &str = "SELECT COUNT(*) AS n FROM mail_outbox WHERE sent_at IS NULL";

on_both_backends! {
    async fn every_moderator_is_asked_and_the_approve_link_approves(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url())]).await;
        app.add_moderator("first@example.com");
        app.add_moderator("second@example.com");
        let created: Value = app.post_json(&reply("mailed", "Please approve me.")).await.json().await.unwrap();
        assert_eq!(created["status"], "pending");

        let mails = smtp.wait_for(2).await;
        let mut recipients: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
        recipients.sort();
        assert_eq!(recipients, ["first@example.com", "second@example.com"]);
        let mail = &mails[0];
        assert_eq!(mail.header("Subject").as_deref(), Some("Please moderate: Hello world"));
        assert!(mail.header("Message-ID").is_some() && mail.header("Date").is_some(), "{}", mail.data);
        for shown in ["Ada Lovelace", "ada@example.com", "127.0.0.1", "every comment is held", "Please approve me."] {
            assert!(mail.data.contains(shown), "{shown} missing from {}", mail.data);
        }

        let approve = mail.link(&format!("{}/moderate/", app.address)).expect("an approve link");
        let confirm = app.client.get(&approve).send().await.unwrap();
        assert_eq!(confirm.status(), 200);
        let page = confirm.text().await.unwrap();
        assert!(page.contains("Please approve me.") && page.contains("<form method=\"post\">"), "{page}");
        assert_eq!(app.thread("mailed").await["total"], 0, "a GET changes nothing");

        let done = app.client.post(&approve).send().await.unwrap();
        assert_eq!(done.status(), 200);
        assert!(done.text().await.unwrap().contains("now approved"));
        assert_eq!(app.thread("mailed").await["total"], 1);
        let again = app.client.post(&approve).send().await.unwrap().text().await.unwrap();
        assert!(again.contains("already approved"), "{again}");

        let forged = approve.replace("approve", "trash");
        assert_eq!(app.client.post(&forged).send().await.unwrap().status(), 400);
        assert_eq!(app.thread("mailed").await["total"], 1);
    }

    async fn a_subscriber_hears_of_replies_until_unsubscribing(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("HOLD_ALL", "false")]).await;
        let mut parent = reply("thread", "Tell me about replies.");
        parent["subscribe"] = json!(true);
        let parent: Value = app.post_json(&parent).await.json().await.unwrap();
        // The first e-mail to an address asks it to confirm; replies come after.
        crate::confirm::confirm_address(&app, &smtp, "ada@example.com").await;
        let replier = |text: &str| {
            let mut body = reply("thread", text);
            body["parent"] = parent["id"].clone();
            body["author"] = json!("Grace");
            body["email"] = json!("grace@example.org");
            body
        };
        let first_reply: Value = app.post_json(&replier("A first reply.")).await.json().await.unwrap();

        let mail = smtp.wait_for(2).await.remove(1);
        assert_eq!(mail.to, ["ada@example.com"]);
        assert!(mail.data.contains("A first reply.") && mail.data.contains("Grace"));
        assert!(!mail.data.contains("grace@example.org"), "the replier's address stays private");
        assert_eq!(mail.header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
        let unsubscribe = mail.header("List-Unsubscribe").expect("List-Unsubscribe");
        let unsubscribe = unsubscribe.trim_matches(['<', '>']).to_owned();
        assert!(unsubscribe.starts_with(&format!("{}/unsubscribe/", app.address)), "{unsubscribe}");
        let link = format!("http://localhost:4000/thread/#comment-{}", first_reply["id"]);
        assert!(mail.data.contains(&link), "a link to the reply: {}", mail.data);

        let confirm = app.client.get(&unsubscribe).send().await.unwrap();
        assert!(confirm.text().await.unwrap().contains("Unsubscribe"));
        // A mail client's one-click unsubscribe, as RFC 8058 has it.
        let one_click = app
            .client
            .post(&unsubscribe)
            .form(&[("List-Unsubscribe", "One-Click")])
            .send()
            .await
            .unwrap();
        assert_eq!(one_click.status(), 200);

        assert_eq!(app.post_json(&replier("A second reply.")).await.status(), 201);
        eventually("every e-mail to be sent", async || app.number_is(UNSENT, 0)).await;
        let replies = "SELECT COUNT(*) AS n FROM mail_outbox WHERE kind = 'reply'";
        assert_eq!(app.query_number(replies), 1, "nothing queued after unsubscribing");
        assert_eq!(smtp.messages().len(), 2, "the confirmation and the first reply");
    }

    async fn a_parent_who_did_not_subscribe_gets_nothing(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("HOLD_ALL", "false")]).await;
        let parent = app.comment("quiet", None, "No e-mails, please.").await;
        let mut child = reply("quiet", "A reply nobody is told about.");
        child["parent"] = json!(parent);
        child["email"] = json!("other@example.org");
        assert_eq!(app.post_json(&child).await.status(), 201);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM mail_outbox"), 0);
        assert!(smtp.messages().is_empty());
    }

    async fn an_smtp_outage_delays_mail_and_loses_none(backend: Backend) {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("smtp://127.0.0.1:{port}");
        let app = spawn_app(backend, &[("SMTP_URL", &url), ("MAIL_RETRY_SECONDS", "1")]).await;
        app.add_moderator("moderator@example.com");
        app.cli_ok(&["moderator", "set", "moderator@example.com", "mail", "each"]);
        for i in 0..3 {
            let response = app.post_json(&reply("outage", &format!("Written during the outage, {i}."))).await;
            assert_eq!(response.status(), 201, "the submission does not wait for mail");
        }
        let tried = "SELECT COUNT(*) AS n FROM mail_outbox WHERE attempts >= 1 AND sent_at IS NULL";
        eventually("a failed attempt at each e-mail", async || app.number_is(tried, 3)).await;
        let metrics = app.get("/metrics").await.text().await.unwrap();
        assert!(metrics.contains("replydesk_outbox_waiting 3"), "{metrics}");

        let smtp = SmtpServer::start_on(port).await;
        smtp.wait_for(3).await;
        eventually("every e-mail to be recorded as sent", async || app.number_is(UNSENT, 0)).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let mails = smtp.messages();
        assert_eq!(mails.len(), 3, "each e-mail exactly once");
        let bodies: HashSet<&str> = mails.iter().map(|m| m.data.as_str()).collect();
        assert_eq!(bodies.len(), 3);
    }

    async fn mail_that_never_goes_out_is_kept_and_counted_as_dead(backend: Backend) {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("smtp://127.0.0.1:{port}");
        let app = spawn_app(
            backend,
            &[("SMTP_URL", &url), ("MAIL_RETRY_SECONDS", "1"), ("MAIL_MAX_ATTEMPTS", "2")],
        )
        .await;
        app.add_moderator("moderator@example.com");
        assert_eq!(app.post_json(&reply("dead", "Nobody will hear of this.")).await.status(), 201);
        app.expect_dead_mail();
        let dead = "SELECT COUNT(*) AS n FROM mail_outbox WHERE dead = TRUE AND attempts = 2";
        eventually("the e-mail to be given up on after two attempts", async || app.number_is(dead, 1)).await;
        let metrics = app.get("/metrics").await.text().await.unwrap();
        assert!(metrics.contains("replydesk_outbox_dead 1"), "{metrics}");
        assert!(metrics.contains("replydesk_outbox_waiting 0"), "{metrics}");
        let error = app.query_number("SELECT COUNT(*) AS n FROM mail_outbox WHERE last_error IS NOT NULL");
        assert_eq!(error, 1, "the last error is kept for the operator");
    }
}

#[tokio::test]
async fn two_workers_on_one_postgresql_database_never_send_a_row_twice() {
    let Some(backend) = crate::helpers::Backend::postgres() else {
        return;
    };
    let smtp = SmtpServer::start().await;
    let first = spawn_app(backend, &[("SMTP_URL", &smtp.url())]).await;
    let second = first.another_instance(&[("SMTP_URL", &smtp.url())]).await;
    first.add_moderator("moderator@example.com");
    first.cli_ok(&["moderator", "set", "moderator@example.com", "mail", "each"]);
    for i in 0..30 {
        let app = if i % 2 == 0 { &first } else { &second };
        let mut body = reply("busy", &format!("Comment number {i}."));
        body["email"] = json!(format!("reader{i}@example.com"));
        assert_eq!(app.post_json(&body).await.status(), 201);
    }
    smtp.wait_for(30).await;
    eventually("every e-mail to be recorded as sent", async || {
        first.number_is(UNSENT, 0)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails = smtp.messages();
    assert_eq!(mails.len(), 30, "30 e-mails, none twice");
    let links: HashSet<String> = mails
        .iter()
        .map(|m| m.link("/moderate/").expect("link"))
        .map(|link| link.split('.').nth(1).unwrap_or_default().to_owned())
        .collect();
    assert_eq!(links.len(), 30, "one e-mail per comment");
}

/// Every distinct moderation link in a message, by the action its token names.
pub fn moderation_links(mail: &crate::smtp::Received, app: &TestApp) -> Vec<(String, String)> {
    let prefix = format!("{}/moderate/", app.address);
    let mut links: Vec<(String, String)> = mail
        .data
        .match_indices(&prefix)
        .filter_map(|(at, _)| {
            let rest = &mail.data[at..];
            let end = rest.find(|c: char| c.is_whitespace() || "\"<>".contains(c))?;
            let link = rest[..end].to_owned();
            let action = link[prefix.len()..].split('.').nth(2)?.to_owned();
            Some((action, link))
        })
        .collect();
    links.sort();
    links.dedup();
    links
}

on_both_backends! {
    async fn the_moderation_mail_links_the_post_and_offers_spam_and_trash(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url())]).await;
        app.add_moderator("moderator@example.com");
        let mut held = reply("links", "Buy now at https://a.example and https://b.example");
        held["url"] = json!("https://ada.example/");
        let created: Value = app.post_json(&held).await.json().await.unwrap();
        let mail = smtp.wait_for(1).await.remove(0);
        assert!(mail.data.contains("http://localhost:4000/links/"), "the post link: {}", mail.data);
        assert!(mail.data.contains("https://ada.example/"), "the author's website: {}", mail.data);
        let links = moderation_links(&mail, &app);
        let actions: Vec<&str> = links.iter().map(|(action, _)| action.as_str()).collect();
        assert_eq!(actions, ["approve", "spam", "trash"]);

        let spam = &links[1].1;
        let done = app.client.post(spam).send().await.unwrap().text().await.unwrap();
        assert!(done.contains("now spam"), "{done}");
        let shown = app.cli_ok(&["comment", "show", &created["id"].to_string()]);
        assert!(shown.contains("moderator moderator@example.com (e-mail link) pending -> spam"), "{shown}");
        assert_eq!(app.thread("links").await["total"], 0);
    }

    async fn the_commenter_hears_of_publication_only_when_the_setting_is_on(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("NOTIFY_APPROVED", "true")]).await;
        app.add_moderator("moderator@example.com");
        let created: Value = app.post_json(&reply("notice", "Tell me when it is up.")).await.json().await.unwrap();
        // The notice is mail to the commenter: their address is confirmed first.
        crate::confirm::confirm_address(&app, &smtp, "ada@example.com").await;
        let asked = smtp.wait_for_mail_to("moderator@example.com").await.remove(0);
        let (_, approve) = moderation_links(&asked, &app).remove(0);
        assert_eq!(app.client.post(&approve).send().await.unwrap().status(), 200);

        let mails = smtp.wait_for(3).await;
        let notice = mails
            .iter()
            .find(|m| m.to == ["ada@example.com"] && !m.data.contains("/confirm/"))
            .expect("a notice to the commenter");
        assert_eq!(notice.header("Subject").as_deref(), Some("Your comment on Hello world is published"));
        let link = format!("http://localhost:4000/notice/#comment-{}", created["id"]);
        assert!(notice.data.contains(&link), "{}", notice.data);

        let quiet = spawn_app(Backend::Sqlite, &[("SMTP_URL", &smtp.url()), ("HOLD_ALL", "false")]).await;
        assert_eq!(quiet.post_json(&reply("notice", "Published at once.")).await.status(), 201);
        eventually("an empty outbox", async || quiet.number_is("SELECT COUNT(*) AS n FROM mail_outbox", 0)).await;
        assert_eq!(smtp.messages().len(), 3, "no notice (nor confirmation) with the setting off");
    }
}

#[tokio::test]
async fn bad_and_expired_links_get_a_clear_page() {
    use replydesk::domain::moderation::Action;
    use replydesk::domain::token::{self, Grant};

    let secret = "a test secret that is long enough for the setting";
    let app = spawn_app(crate::helpers::Backend::Sqlite, &[("SECRET_KEY", secret)]).await;
    for (method, path) in [
        ("GET", "/moderate/nonsense"),
        ("POST", "/moderate/nonsense"),
        ("GET", "/unsubscribe/m.1.approve.99.00"),
        ("POST", "/unsubscribe/%00%ff"),
    ] {
        let request = match method {
            "GET" => app.client.get(app.url(path)),
            _ => app.client.post(app.url(path)),
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 400, "{method} {path}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("This link is not valid")
        );
    }

    let week_ago = chrono::Utc::now() - chrono::TimeDelta::days(8);
    let grant = Grant::Moderate {
        comment_id: 1,
        action: Action::Approve,
        moderator_id: 1,
        seen: token::Seen {
            status: replydesk::domain::status::Status::Pending,
            changed_at: 0,
        },
    };
    let old = token::issue(secret.as_bytes(), grant, week_ago);
    let response = app.get(&format!("/moderate/{old}")).await;
    assert_eq!(response.status(), 410);
    assert!(response.text().await.unwrap().contains("expired"));

    // Moderator 1 exists; comment 1 does not.
    app.add_moderator("moderator@example.com");
    let fresh = token::issue(secret.as_bytes(), grant, chrono::Utc::now());
    let missing = app
        .client
        .post(app.url(&format!("/moderate/{fresh}")))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404, "a link to a comment that is gone");
}

#[test]
fn mail_settings_have_safe_defaults_and_refuse_nonsense_by_name() {
    use replydesk::configuration::Settings;

    let defaults = Settings::from_pairs(&[]).unwrap();
    assert_eq!(defaults.mail_max_attempts, 8);
    assert!(!defaults.rules.notify_approved);
    assert!(
        defaults.smtp_url.is_none(),
        "files in ./mail-outbox/ by default"
    );
    let on = Settings::from_pairs(&[("NOTIFY_APPROVED", "true")]).unwrap();
    assert!(on.rules.notify_approved);
    let err = Settings::from_pairs(&[("MAIL_MAX_ATTEMPTS", "0")]).unwrap_err();
    assert_eq!(err.setting, "REPLYDESK_MAIL_MAX_ATTEMPTS");
    let err = Settings::from_pairs(&[("SMTP_URL", "http://mail.example")]).unwrap_err();
    assert_eq!(err.setting, "REPLYDESK_SMTP_URL");
}
