//! Confirmed addresses (double opt-in) and the self-service page, end to end
//! over HTTP with a real SMTP server: the first e-mail to an address is the
//! confirmation, and nothing else goes to it before its link is followed.

use serde_json::{Value, json};

use crate::helpers::{TestApp, eventually, reply, spawn_app};
use crate::on_both_backends;
use crate::smtp::{Received, SmtpServer};

const UNSENT: &str = "SELECT COUNT(*) AS n FROM mail_outbox WHERE sent_at IS NULL";
const SECRET: &str = "a test secret that is long enough for the setting";

/// How many e-mails of `kind` were queued to `to`.
fn queued(app: &TestApp, kind: &str, to: &str) -> i64 {
    app.query_number(&format!(
        "SELECT COUNT(*) AS n FROM mail_outbox WHERE kind = '{kind}' AND recipient = '{to}'"
    ))
}

/// Waits until the outbox is empty, then gives every e-mail `to` received.
async fn all_mail_to(app: &TestApp, smtp: &SmtpServer, to: &str) -> Vec<Received> {
    eventually("every e-mail to be sent", async || app.number_is(UNSENT, 0)).await;
    smtp.messages()
        .into_iter()
        .filter(|m| m.to == [to])
        .collect()
}

/// The link in `mail` to `path` on the app (`confirm`, `subscriptions`).
fn link_to(mail: &Received, app: &TestApp, path: &str) -> String {
    mail.link(&format!("{}/{path}/", app.address))
        .unwrap_or_else(|| panic!("a /{path}/ link in {}", mail.data))
}

/// The confirmation e-mail to `address`, waited for.
pub async fn confirmation_to(smtp: &SmtpServer, address: &str) -> Received {
    let mails = smtp.wait_for_mail_to(address).await;
    mails
        .into_iter()
        .find(|m| {
            m.header("Subject")
                .is_some_and(|s| s.starts_with("Confirm your address"))
        })
        .unwrap_or_else(|| panic!("a confirmation e-mail to {address}"))
}

/// Confirms `address` as its owner does: opens the link of the
/// confirmation e-mail it got and presses the button.
pub async fn confirm_address(app: &TestApp, smtp: &SmtpServer, address: &str) {
    let mail = confirmation_to(smtp, address).await;
    let link = link_to(&mail, app, "confirm");
    let done = app.client.post(&link).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let page = done.text().await.unwrap();
    assert!(page.contains("confirmed"), "{page}");
}

/// A reply to `post` by `author` at `email`, subscribed to replies.
fn subscribed(post: &str, text: &str, author: &str, email: &str) -> Value {
    let mut body = reply(post, text);
    body["author"] = json!(author);
    body["email"] = json!(email);
    body["subscribe"] = json!(true);
    body
}

async fn created(app: &TestApp, body: &Value) -> i64 {
    let response = app.post_json(body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// A reply by Grace to `parent` on `post`.
fn grace_replies(post: &str, parent: i64, text: &str) -> Value {
    let mut body = reply(post, text);
    body["parent"] = json!(parent);
    body["author"] = json!("Grace");
    body["email"] = json!("grace@example.org");
    body
}

on_both_backends! {
    async fn an_unconfirmed_subscriber_gets_only_the_confirmation_until_confirming(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("HOLD_ALL", "false")]).await;
        let parent = created(&app, &subscribed("thread", "Tell me about replies.", "Ada", "Ada@Example.com")).await;

        let mails = smtp.wait_for_mail_to("ada@example.com").await;
        assert_eq!(mails.len(), 1);
        let mail = &mails[0];
        assert_eq!(mail.header("Subject").as_deref(), Some("Confirm your address to get replies on Hello world"));
        for said in ["Replies published before you confirm are not sent to you afterwards", "It works for 7 days"] {
            assert!(mail.data.contains(said), "{said} missing from {}", mail.data);
        }
        let confirm = link_to(mail, &app, "confirm");
        link_to(mail, &app, "subscriptions");
        assert_eq!(
            app.query_number("SELECT COUNT(*) AS n FROM address_confirmations WHERE LENGTH(address_key) = 64 AND address_key NOT LIKE '%@%' AND ip = '127.0.0.1'"),
            1,
            "the address is stored only as a key, with the IP that asked"
        );

        // A reply published before confirming: never mailed, not even after.
        created(&app, &grace_replies("thread", parent, "An early reply.")).await;
        assert_eq!(all_mail_to(&app, &smtp, "ada@example.com").await.len(), 1, "still only the confirmation");
        assert_eq!(queued(&app, "confirm", "ada@example.com"), 1, "one confirmation a day");

        let page = app.client.get(&confirm).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let page = page.text().await.unwrap();
        assert!(page.contains("<form method=\"post\">") && page.contains("Hello world"), "{page}");
        let unconfirmed = "SELECT COUNT(*) AS n FROM address_confirmations WHERE confirmed_at IS NULL";
        assert_eq!(app.query_number(unconfirmed), 1, "a GET confirms nothing");

        let done = app.client.post(&confirm).send().await.unwrap();
        assert_eq!(done.status(), 200);
        assert!(done.text().await.unwrap().contains("Address confirmed"));
        assert_eq!(app.query_number(unconfirmed), 0);
        let again = app.client.post(&confirm).send().await.unwrap();
        assert_eq!(again.status(), 200);
        assert!(again.text().await.unwrap().contains("already confirmed"));
        assert_eq!(all_mail_to(&app, &smtp, "ada@example.com").await.len(), 1, "the early reply stays unsent");

        created(&app, &grace_replies("thread", parent, "A reply after confirming.")).await;
        let mails = all_mail_to(&app, &smtp, "ada@example.com").await;
        assert_eq!(mails.len(), 2);
        let notice = &mails[1];
        assert_eq!(notice.header("Subject").as_deref(), Some("New reply to your comment on Hello world"));
        assert!(notice.data.contains("A reply after confirming."), "{}", notice.data);
        assert!(!notice.data.contains("An early reply."), "{}", notice.data);
        assert!(notice.header("List-Unsubscribe").is_some(), "one-click unsubscribe stays");
        link_to(notice, &app, "subscriptions");
    }

    async fn a_confirmed_address_is_not_asked_again_and_hears_of_publication(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(
            backend,
            &[("SMTP_URL", &smtp.url()), ("HOLD_ALL", "false"), ("NOTIFY_APPROVED", "true")],
        )
        .await;
        // The notice of publication asks for a confirmation too, and is not
        // sent before it.
        created(&app, &reply("first", "Tell me when it is up.")).await;
        assert_eq!(all_mail_to(&app, &smtp, "ada@example.com").await.len(), 1);
        assert_eq!(queued(&app, "approved", "ada@example.com"), 0);
        confirm_address(&app, &smtp, "ada@example.com").await;

        let second = created(&app, &subscribed("second", "Subscribed again.", "Ada Lovelace", "ada@example.com")).await;
        let mails = all_mail_to(&app, &smtp, "ada@example.com").await;
        assert_eq!(queued(&app, "confirm", "ada@example.com"), 1, "never asked again");
        assert_eq!(mails.len(), 2);
        assert_eq!(mails[1].header("Subject").as_deref(), Some("Your comment on Hello world is published"));
        assert!(mails[1].data.contains(&format!("#comment-{second}")), "{}", mails[1].data);
        link_to(&mails[1], &app, "subscriptions");
    }

    async fn confirmation_mail_is_limited_per_address_and_per_ip(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(
            backend,
            &[("SMTP_URL", &smtp.url()), ("HOLD_ALL", "false"), ("TRUSTED_PROXIES", "127.0.0.1")],
        )
        .await;
        let from = |ip: &'static str, body: Value| {
            app.client
                .post(app.url("/api/comments"))
                .header("Origin", crate::helpers::BLOG)
                .header("X-Forwarded-For", ip)
                .json(&body)
                .send()
        };
        for i in 0..3 {
            let body = subscribed("limits", &format!("Again {i}."), "Ada", "ada@example.com");
            assert_eq!(from("192.0.2.1", body).await.unwrap().status(), 201);
        }
        assert_eq!(queued(&app, "confirm", "ada@example.com"), 1, "one a day per address");
        // A day later, one more.
        app.execute_sql("UPDATE address_confirmations SET mailed_at = '2020-01-01 00:00:00'");
        let body = subscribed("limits", "A day later.", "Ada", "ada@example.com");
        assert_eq!(from("192.0.2.1", body).await.unwrap().status(), 201);
        assert_eq!(queued(&app, "confirm", "ada@example.com"), 2);

        // One network asking for many addresses: ten a day, the one above among them.
        for i in 0..12 {
            let body = subscribed("limits", &format!("Stranger {i}."), "Someone", &format!("stranger{i}@example.net"));
            assert_eq!(from("198.51.100.7", body).await.unwrap().status(), 201, "the comment itself is stored");
        }
        let strangers = "SELECT COUNT(*) AS n FROM mail_outbox WHERE kind = 'confirm' AND recipient LIKE 'stranger%'";
        assert_eq!(app.query_number(strangers), 10);
        let body = subscribed("limits", "From elsewhere.", "Someone", "stranger11@example.net");
        assert_eq!(from("203.0.113.5", body).await.unwrap().status(), 201);
        assert_eq!(app.query_number(strangers), 11, "another network is not held back");
        eventually("every e-mail to be sent", async || app.number_is(UNSENT, 0)).await;
        assert_eq!(smtp.messages().len(), 13);
    }

    async fn many_subscriptions_from_one_address_at_once_send_one_confirmation(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("HOLD_ALL", "false")]).await;
        app.open_post("burst");
        let app = &app;
        let answers = futures_util::future::join_all((0..30).map(|i| {
            let body = subscribed("burst", &format!("At once, {i}."), "Ada", "ada@example.com");
            async move { app.post_json(&body).await.status().as_u16() }
        }))
        .await;
        assert!(answers.iter().all(|status| *status == 201), "{answers:?}");
        assert_eq!(queued(app, "confirm", "ada@example.com"), 1);
        assert_eq!(all_mail_to(app, &smtp, "ada@example.com").await.len(), 1);
    }

    async fn one_confirmation_link_posted_fifty_times_at_once_confirms_once(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url())]).await;
        created(&app, &subscribed("race", "Racing.", "Ada", "ada@example.com")).await;
        let link = link_to(&confirmation_to(&smtp, "ada@example.com").await, &app, "confirm");
        let race = async || {
            let answers = futures_util::future::join_all((0..50).map(|_| async {
                let response = app.client.post(&link).send().await.unwrap();
                (response.status().as_u16(), response.text().await.unwrap())
            }))
            .await;
            assert!(answers.iter().all(|(status, _)| *status == 200), "{:?}", answers.iter().map(|a| a.0).collect::<Vec<_>>());
            let confirmed = answers.iter().filter(|(_, page)| page.contains("Address confirmed")).count();
            let already = answers.iter().filter(|(_, page)| page.contains("already confirmed")).count();
            assert_eq!((confirmed, already), (1, 49));
            assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM address_confirmations WHERE confirmed_at IS NOT NULL"), 1);
        };
        race().await;
        // The request gone meanwhile (it expired as the link was followed):
        // the link is still the address's own, and confirms it, once.
        app.execute_sql("DELETE FROM address_confirmations");
        race().await;
    }

    async fn an_unconfirmed_request_expires_with_its_subscriptions(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("HOLD_ALL", "false")]).await;
        let ada = created(&app, &subscribed("expiry", "Unconfirmed.", "Ada", "ada@example.com")).await;
        let grace = created(&app, &subscribed("expiry", "Confirmed long ago.", "Grace", "grace@example.org")).await;
        confirm_address(&app, &smtp, "grace@example.org").await;
        // Ada's and Grace's requests were mailed eight days ago; Lin's now.
        app.execute_sql("UPDATE address_confirmations SET mailed_at = '2020-01-01 00:00:00'");
        let lin = created(&app, &subscribed("expiry", "Asked just now.", "Lin", "lin@example.net")).await;
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM address_confirmations"), 3);

        // The sweep runs when an instance starts, then hourly.
        let _restarted = app.another_instance(&[("SMTP_URL", &smtp.url())]).await;
        eventually("the sweep to expire the old request", async || {
            app.number_is("SELECT COUNT(*) AS n FROM address_confirmations", 2)
        })
        .await;
        let subscribed_of = |id: i64| app.query_number(&format!("SELECT COUNT(*) AS n FROM comments WHERE id = {id} AND subscribed"));
        eventually("Ada's subscription to go", async || subscribed_of(ada) == 0).await;
        assert_eq!(subscribed_of(grace), 1, "a confirmed address never expires");
        assert_eq!(subscribed_of(lin), 1, "a recent request stays");
        assert_eq!(
            app.query_number("SELECT COUNT(*) AS n FROM address_confirmations WHERE ip IS NOT NULL"),
            1,
            "only the IP that still counts toward the limit is kept"
        );
    }

    async fn forgetting_an_address_forgets_its_confirmation(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("HOLD_ALL", "false")]).await;
        created(&app, &subscribed("forget", "Remember me.", "Ada", "ada@example.com")).await;
        confirm_address(&app, &smtp, "ada@example.com").await;
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM address_confirmations"), 1);
        let exported: Value = serde_json::from_str(&app.cli_ok(&["export-personal", "ada@example.com"])).unwrap();
        assert!(exported["confirmation"]["confirmed_at"].is_string(), "{exported}");
        let said = app.cli_ok(&["forget", "ADA@example.com"]);
        assert!(said.contains("and its confirmation"), "{said}");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM address_confirmations"), 0);
        let exported: Value = serde_json::from_str(&app.cli_ok(&["export-personal", "ada@example.com"])).unwrap();
        assert!(exported["confirmation"].is_null(), "{exported}");
        created(&app, &subscribed("forget", "Back again.", "Ada", "ada@example.com")).await;
        assert_eq!(queued(&app, "confirm", "ada@example.com"), 1, "asked again, as a stranger");
    }

    async fn trusting_returning_commenters_needs_a_confirmed_address_that_is_no_moderators(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("TRUST_RETURNING", "true")]).await;
        let status = async |body: &Value| app.post_json(body).await.json::<Value>().await.unwrap()["status"].clone();
        let approve = |id: i64| app.execute_sql(&format!("UPDATE comments SET status = 'approved' WHERE id = {id}"));

        let first = created(&app, &subscribed("trust", "First visit.", "Ada Lovelace", "ada@example.com")).await;
        approve(first);
        assert_eq!(status(&reply("trust", "Unconfirmed, so held.")).await, "pending");
        confirm_address(&app, &smtp, "ada@example.com").await;
        let mut again = reply("trust", "Confirmed, so trusted.");
        again["email"] = json!("ADA@example.com");
        assert_eq!(status(&again).await, "approved");
        // The same confirmed address under another name is not the
        // commenter the moderators approved.
        let mut renamed = reply("trust", "Same address, new name.");
        renamed["author"] = json!("Not Ada");
        assert_eq!(status(&renamed).await, "pending");

        // A moderator's address, approved before and confirmed by its owner:
        // typed by anyone, it earns no trust.
        app.add_moderator("Editor@Example.com");
        let impostor = created(&app, &subscribed("trust", "Moderator's words.", "The editor", "editor@example.com")).await;
        approve(impostor);
        confirm_address(&app, &smtp, "editor@example.com").await;
        let mut typed = reply("trust", "Trust me, I am the editor.");
        typed["author"] = json!("The editor");
        typed["email"] = json!("EDITOR@example.com");
        assert_eq!(status(&typed).await, "pending");
    }

    async fn the_self_service_page_lists_stops_one_stops_all_and_resends(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("HOLD_ALL", "false")]).await;
        let mut ids = Vec::new();
        for title in ["Alpha", "Beta", "Gamma"] {
            let mut body = subscribed(&title.to_lowercase(), "Tell me.", "Ada", "ada@example.com");
            body["post_title"] = json!(title);
            ids.push(created(&app, &body).await);
        }
        let mail = confirmation_to(&smtp, "ada@example.com").await;
        let page_link = link_to(&mail, &app, "subscriptions");
        let path = page_link.replace(&app.address, "");
        let shown = app.get(&path).await;
        assert_eq!(shown.status(), 200);
        let shown = shown.text().await.unwrap();
        for seen in ["Alpha", "Beta", "Gamma", "not confirmed", "Send the confirmation again", "Stop all", "Replies to 3 comments"] {
            assert!(shown.contains(seen), "{seen} missing from {shown}");
        }
        assert!(shown.contains(&format!("http://localhost:4000/alpha/#comment-{}", ids[0])), "{shown}");
        assert!(!shown.contains("ada@example.com"), "the page shows no address");
        let subscriptions = "SELECT COUNT(*) AS n FROM comments WHERE subscribed";
        assert_eq!(app.query_number(subscriptions), 3, "a GET changes nothing");

        let press = async |action: &str| {
            let response = app.client.post(format!("{page_link}/{action}")).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        };
        let (status, page) = press("resend").await;
        assert_eq!(status, 429);
        assert!(page.contains("less than 24 hours ago") && page.contains("only one is sent a day"), "{page}");
        assert_eq!(queued(&app, "confirm", "ada@example.com"), 1);
        app.execute_sql("UPDATE address_confirmations SET mailed_at = '2020-01-01 00:00:00'");
        let (status, page) = press("resend").await;
        assert_eq!(status, 200);
        assert!(page.contains("A new confirmation e-mail is on its way"), "{page}");
        assert_eq!(queued(&app, "confirm", "ada@example.com"), 2);

        let (status, page) = press(&format!("stop/{}", ids[0])).await;
        assert_eq!(status, 200);
        assert!(page.contains("Stopped: replies to that comment") && !page.contains("Alpha") && page.contains("Beta"), "{page}");
        let (status, page) = press(&format!("stop/{}", ids[0])).await;
        assert_eq!(status, 200);
        assert!(page.contains("Nothing to do"), "{page}");
        assert_eq!(app.query_number(subscriptions), 2);
        let (status, page) = press("stop-all").await;
        assert_eq!(status, 200);
        assert!(page.contains("Stopped: replies to 2 comments"), "{page}");
        assert!(page.contains("You are not subscribed to replies on any comment"), "{page}");
        assert_eq!(app.query_number(subscriptions), 0);

        // Asked again, a confirmation names the address's newest comment still
        // standing, even when the one the link names was found to be spam.
        app.execute_sql(&format!("UPDATE comments SET status = 'spam' WHERE id = {}", ids[0]));
        app.execute_sql("UPDATE address_confirmations SET mailed_at = '2020-01-01 00:00:00'");
        let (status, page) = press("resend").await;
        assert_eq!(status, 200, "{page}");
        let naming = |id: i64| app.query_number(&format!("SELECT COUNT(*) AS n FROM mail_outbox WHERE kind = 'confirm' AND comment_id = {id}"));
        assert_eq!((naming(ids[0]), naming(ids[2])), (1, 2));
        eventually("three confirmation e-mails", async || all_mail_to(&app, &smtp, "ada@example.com").await.len() == 3).await;

        confirm_address(&app, &smtp, "ada@example.com").await;
        let shown = app.get(&path).await.text().await.unwrap();
        assert!(shown.contains("Your address is confirmed") && !shown.contains("Send the confirmation again"), "{shown}");
        let (status, page) = press("resend").await;
        assert_eq!(status, 200);
        assert!(page.contains("already confirmed"), "{page}");
        assert_eq!(app.get(&format!("{path}/resend")).await.status(), 405, "buttons are POSTs only");
    }

    async fn a_self_service_link_acts_on_its_own_address_only(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("HOLD_ALL", "false")]).await;
        let ada = created(&app, &subscribed("mine", "Ada's.", "Ada", "ada@example.com")).await;
        let grace = created(&app, &subscribed("mine", "Grace's.", "Grace", "grace@example.org")).await;
        let page_link = link_to(&confirmation_to(&smtp, "ada@example.com").await, &app, "subscriptions");
        let subscribed_of = |id: i64| app.query_number(&format!("SELECT COUNT(*) AS n FROM comments WHERE id = {id} AND subscribed"));

        let shown = app.client.get(&page_link).send().await.unwrap().text().await.unwrap();
        assert!(!shown.contains("Grace's") && !shown.contains(&format!("stop/{grace}")), "{shown}");
        for target in [grace.to_string(), "999999".into(), "-1".into(), "abc".into(), "%00".into()] {
            let response = app.client.post(format!("{page_link}/stop/{target}")).send().await.unwrap();
            assert_eq!(response.status(), 404, "stop/{target}");
            assert!(response.text().await.unwrap().contains("There is no such comment of yours"), "stop/{target}");
        }
        assert_eq!(subscribed_of(grace), 1);
        // The token names Ada's comment; naming Grace's instead breaks its signature.
        let forged = page_link.replacen(&format!("/s.{ada}."), &format!("/s.{grace}."), 1);
        assert_ne!(forged, page_link);
        let response = app.client.post(format!("{forged}/stop-all")).send().await.unwrap();
        assert_eq!(response.status(), 400);
        assert!(response.text().await.unwrap().contains("This link is not valid"));
        let all = app.client.post(format!("{page_link}/stop-all")).send().await.unwrap();
        assert_eq!(all.status(), 200);
        assert_eq!((subscribed_of(ada), subscribed_of(grace)), (0, 1));
    }
}

#[tokio::test]
async fn bad_expired_and_foreign_links_get_a_worded_page() {
    use replydesk::domain::token::{self, Grant};

    let app = spawn_app(crate::helpers::Backend::Sqlite, &[("SECRET_KEY", SECRET)]).await;
    let id = created(
        &app,
        &subscribed("links", "Mine.", "Ada", "ada@example.com"),
    )
    .await;
    let now = chrono::Utc::now();
    let confirm = token::issue(SECRET.as_bytes(), Grant::Confirm { comment_id: id }, now);
    let list = token::issue(
        SECRET.as_bytes(),
        Grant::Subscriptions { comment_id: id },
        now,
    );
    let unsubscribe = token::issue(
        SECRET.as_bytes(),
        Grant::Unsubscribe { comment_id: id },
        now,
    );
    let long = "a".repeat(8 * 1024);
    let tampered = confirm.replacen(&format!("c.{id}."), &format!("c.{}.", id + 1), 1);
    let invalid = [
        ("GET", format!("/confirm/{tampered}")),
        ("POST", format!("/confirm/{tampered}")),
        ("POST", format!("/confirm/{unsubscribe}")),
        ("GET", format!("/confirm/{list}")),
        ("GET", "/confirm/%00".to_owned()),
        ("POST", format!("/confirm/{long}")),
        ("GET", format!("/subscriptions/{confirm}")),
        ("GET", "/subscriptions/%00%ff".to_owned()),
        ("GET", format!("/subscriptions/{long}")),
        ("POST", format!("/subscriptions/{long}/stop-all")),
        ("POST", format!("/subscriptions/{confirm}/resend")),
        ("POST", format!("/subscriptions/%00/stop/{id}")),
    ];
    for (method, path) in invalid {
        let request = match method {
            "GET" => app.client.get(app.url(&path)),
            _ => app.client.post(app.url(&path)),
        };
        let response = request.send().await.unwrap();
        let shown = &path[..path.len().min(60)];
        assert_eq!(response.status(), 400, "{method} {shown}");
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
                .contains("This link is not valid"),
            "{method} {shown}"
        );
    }

    let week_ago = now - chrono::TimeDelta::days(8);
    let old = token::issue(
        SECRET.as_bytes(),
        Grant::Confirm { comment_id: id },
        week_ago,
    );
    for request in [
        app.client.get(app.url(&format!("/confirm/{old}"))),
        app.client.post(app.url(&format!("/confirm/{old}"))),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 410);
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("This link has expired")
        );
    }
    let year_ago = now - chrono::TimeDelta::days(400);
    let old = token::issue(
        SECRET.as_bytes(),
        Grant::Subscriptions { comment_id: id },
        year_ago,
    );
    assert_eq!(
        app.get(&format!("/subscriptions/{old}")).await.status(),
        410
    );

    // A link to a comment that is gone.
    let gone = token::issue(
        SECRET.as_bytes(),
        Grant::Confirm {
            comment_id: id + 100,
        },
        now,
    );
    let response = app
        .client
        .post(app.url(&format!("/confirm/{gone}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("no longer exists"));
    let gone = token::issue(
        SECRET.as_bytes(),
        Grant::Subscriptions {
            comment_id: id + 100,
        },
        now,
    );
    assert_eq!(
        app.get(&format!("/subscriptions/{gone}")).await.status(),
        404
    );
    assert_eq!(
        app.client
            .delete(app.url(&format!("/confirm/{confirm}")))
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
}
