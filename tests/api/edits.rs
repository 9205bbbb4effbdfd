//! A commenter's own edits and deletes within `REPLYDESK_EDIT_MINUTES`:
//! with the token of the JSON answer, and with the plain form's cookie.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::helpers::{BLOG, TestApp, eventually, reply, spawn_app};
use crate::on_both_backends;
use crate::smtp::SmtpServer;

/// Posts `body` and returns the 201 answer.
async fn created(app: &TestApp, body: &Value) -> Value {
    let response = app.post_json(body).await;
    assert_eq!(response.status(), 201, "comment accepted");
    response.json().await.unwrap()
}

fn token_of(created: &Value) -> String {
    created["edit_token"]
        .as_str()
        .expect("an edit token")
        .to_owned()
}

async fn put(app: &TestApp, id: &Value, token: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = app
        .client
        .put(app.url(&format!("/api/comments/{id}")))
        .header("Origin", BLOG)
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn delete(app: &TestApp, id: &Value, token: &str) -> reqwest::Response {
    app.client
        .delete(app.url(&format!("/api/comments/{id}")))
        .header("Origin", BLOG)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The error's words of a refusal with `status`.
async fn refused(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    body["error"].as_str().expect("words").to_owned()
}

const MODERATED: &str = "This comment can no longer be edited or deleted";

on_both_backends! {
    async fn a_commenter_edits_and_deletes_inside_the_window_and_a_moderator_restores(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let mine = created(&app, &reply("edit", "Teh first version.")).await;
        assert_eq!(mine["status"], "approved");
        let until: DateTime<Utc> = mine["editable_until"].as_str().unwrap().parse().unwrap();
        let left = until - Utc::now();
        assert!(left > chrono::TimeDelta::minutes(14) && left <= chrono::TimeDelta::minutes(15), "{left}");
        let token = token_of(&mine);

        let edited = put(&app, &mine["id"], Some(&token), &json!({"comment": "The first version."})).await;
        assert_eq!(edited.status(), 200);
        let edited: Value = edited.json().await.unwrap();
        assert_eq!(edited["status"], "approved");
        assert_eq!(edited["html"], "<p>The first version.</p>");
        assert_eq!(edited["editable_until"], mine["editable_until"]);
        let thread = app.thread("edit").await;
        assert_eq!(thread["comments"][0]["html"], "<p>The first version.</p>");

        let id = mine["id"].as_i64().unwrap();
        assert_eq!(app.query_number(&format!(
            "SELECT COUNT(*) AS n FROM comment_versions WHERE comment_id = {id} AND body = 'Teh first version.'")), 1);
        let shown = app.cli_ok(&["comment", "show", &id.to_string()]);
        assert!(shown.contains("commenter approved -> approved edited by the commenter"), "{shown}");

        assert_eq!(delete(&app, &mine["id"], &token).await.status(), 204);
        assert_eq!(app.thread("edit").await["total"], 0, "gone from the thread");
        assert_eq!(app.query_number(&format!(
            "SELECT COUNT(*) AS n FROM comments WHERE id = {id} AND status = 'trash'")), 1);
        let shown = app.cli_ok(&["comment", "show", &id.to_string()]);
        assert!(shown.contains("commenter approved -> trash deleted by the commenter"), "{shown}");
        let again = refused(delete(&app, &mine["id"], &token).await, 403).await;
        assert!(again.starts_with(MODERATED), "{again}");

        assert!(app.cli_ok(&["comment", "restore", &id.to_string()]).contains("trash -> approved"));
        assert_eq!(app.thread("edit").await["comments"][0]["html"], "<p>The first version.</p>");
        let after = refused(put(&app, &mine["id"], Some(&token), &json!({"comment": "Mine again"})).await, 403).await;
        assert!(after.starts_with(MODERATED), "a moderator acted: {after}");
    }

    async fn edits_are_refused_outside_the_window_and_once_a_moderator_acted(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let text = json!({"comment": "Changed"});

        let late = created(&app, &reply("late", "Written long ago")).await;
        let id = late["id"].as_i64().unwrap();
        app.execute_sql(&format!("UPDATE comments SET created_at = {} WHERE id = {id}", minus_16_minutes(&app)));
        let closed = refused(put(&app, &late["id"], Some(&token_of(&late)), &text).await, 403).await;
        assert!(closed.contains("run out") && closed.contains("15 minutes"), "{closed}");
        let closed = refused(delete(&app, &late["id"], &token_of(&late)).await, 403).await;
        assert!(closed.contains("run out"), "{closed}");

        for action in ["approve", "spam", "trash"] {
            let held = created(&app, &reply("acted", &format!("Before {action}"))).await;
            assert_eq!(held["status"], "pending");
            app.cli_ok(&["comment", action, &held["id"].to_string()]);
            let words = refused(put(&app, &held["id"], Some(&token_of(&held)), &text).await, 403).await;
            assert!(words.starts_with(MODERATED), "{action}: {words}");
            let words = refused(delete(&app, &held["id"], &token_of(&held)).await, 403).await;
            assert!(words.starts_with(MODERATED), "{action}: {words}");
        }

        // Spam the rules filed, stored or not, is told exactly what a
        // moderated comment is told: nothing to learn about the filter.
        app.open_post("robots");
        let mut stored = reply("robots", "Robot words");
        stored["hp"] = json!("http://spam.example");
        let mut unstored = reply("brand-new", "Robot words");
        unstored["hp"] = json!("http://spam.example");
        let held = created(&app, &reply("robots", "A held one")).await;
        app.cli_ok(&["comment", "approve", &held["id"].to_string()]);
        let moderated = refused(put(&app, &held["id"], Some(&token_of(&held)), &text).await, 403).await;
        for spam in [stored, unstored] {
            let answer = created(&app, &spam).await;
            assert_eq!(answer["status"], "pending");
            let words = refused(put(&app, &answer["id"], Some(&token_of(&answer)), &text).await, 403).await;
            assert_eq!(words, moderated);
            let words = refused(delete(&app, &answer["id"], &token_of(&answer)).await, 403).await;
            assert_eq!(words, moderated);
        }
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comment_versions"), 0);
    }

    async fn only_the_comments_own_token_opens_it(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let mine = created(&app, &reply("tokens", "Mine")).await;
        let theirs = created(&app, &reply("tokens", "Theirs")).await;
        let text = json!({"comment": "Changed"});

        let none = put(&app, &mine["id"], None, &text).await;
        assert_eq!(none.headers()["www-authenticate"].to_str().unwrap().split(' ').next(), Some("Bearer"));
        assert!(refused(none, 401).await.contains("Authorization: Bearer"));
        for header in ["Basic YWRhOnB3", "Bearer not-a-token", "Bearer ", &format!("Bearer {}", "a".repeat(8 * 1024))] {
            let response = app.client.put(app.url(&format!("/api/comments/{}", mine["id"])))
                .header("Authorization", header).json(&text).send().await.unwrap();
            assert_eq!(response.headers()["www-authenticate"].to_str().unwrap().split(' ').next(), Some("Bearer"));
            assert!(!refused(response, 401).await.is_empty(), "{header:.30}");
        }
        let other = refused(put(&app, &mine["id"], Some(&token_of(&theirs)), &text).await, 403).await;
        assert_eq!(other, "This edit token is not for this comment.");
        let mut tampered = token_of(&mine);
        let last = if tampered.ends_with('0') { "1" } else { "0" };
        tampered.replace_range(tampered.len() - 1.., last);
        let words = refused(put(&app, &mine["id"], Some(&tampered), &text).await, 403).await;
        assert_eq!(words, "This edit token is not for this comment.");
        let forged_id = token_of(&mine).replacen(&format!("{}.", mine["id"]), &format!("{}.", theirs["id"]), 1);
        let words = refused(put(&app, &theirs["id"], Some(&forged_id), &text).await, 403).await;
        assert_eq!(words, "This edit token is not for this comment.");
        assert_eq!(refused(put(&app, &json!("abc"), Some(&token_of(&mine)), &text).await, 404).await, "There is no such comment.");

        let token = token_of(&mine);
        for (body, problem) in [
            (json!({"comment": "Nul \u{0} byte"}), "control characters"),
            (json!({"comment": "   "}), "Please type your comment."),
            (json!({}), "Please type your comment."),
            (json!({"comment": 7}), "must be text"),
            (json!({"comment": "x".repeat(65_526)}), "too long"),
        ] {
            let response = put(&app, &mine["id"], Some(&token), &body).await;
            assert_eq!(response.status(), 422, "{problem}");
            let answer: Value = response.json().await.unwrap();
            assert!(answer["fields"]["comment"].as_str().unwrap().contains(problem), "{answer}");
        }
        let not_json = app.client.put(app.url(&format!("/api/comments/{}", mine["id"])))
            .bearer_auth(&token).body("comment=x").send().await.unwrap();
        assert_eq!(not_json.status(), 415);
        let long = "Eight kilobytes of words. ".repeat(320);
        let edited = put(&app, &mine["id"], Some(&token), &json!({"comment": long})).await;
        assert_eq!(edited.status(), 200, "an 8 KB text is a text like any other");
        let preflight = app.client.request(reqwest::Method::OPTIONS, app.url(&format!("/api/comments/{}", mine["id"])))
            .header("Origin", BLOG)
            .header("Access-Control-Request-Method", "PUT")
            .header("Access-Control-Request-Headers", "authorization, content-type")
            .send().await.unwrap();
        assert_eq!(preflight.headers()["access-control-allow-origin"], BLOG);
        assert!(preflight.headers()["access-control-allow-methods"].to_str().unwrap().contains("DELETE"));
    }

    async fn editing_can_be_turned_off(backend: Backend) {
        let app = spawn_app(backend, &[("EDIT_MINUTES", "0")]).await;
        let mine = created(&app, &reply("off", "Final words")).await;
        assert_eq!(mine.get("edit_token"), None);
        assert_eq!(mine.get("editable_until"), None);
        let words = refused(put(&app, &mine["id"], Some("1.2.x"), &json!({"comment": "x"})).await, 403).await;
        assert_eq!(words, "Comments cannot be edited or deleted on this server.");
    }

    async fn fifty_identical_edits_at_once_keep_one_version(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let mine = created(&app, &reply("race", "Before the race")).await;
        let token = token_of(&mine);
        let body = json!({"comment": "After the race"});
        let answers = futures_util::future::join_all((0..50).map(|_| put(&app, &mine["id"], Some(&token), &body))).await;
        let mut statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
        statuses.sort_unstable();
        statuses.dedup();
        assert!(statuses.iter().all(|s| [200, 409].contains(s)), "{statuses:?}");
        assert!(statuses.contains(&200), "{statuses:?}");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comment_versions"), 1);
        assert_eq!(app.query_number(
            "SELECT COUNT(*) AS n FROM audit_log WHERE actor = 'commenter'"), 1);
        assert_eq!(app.thread("race").await["comments"][0]["html"], "<p>After the race</p>");
    }

    async fn an_edit_that_adds_a_link_goes_back_to_the_moderators_and_mails_only_them(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("HOLD_ALL", "false")]).await;
        app.add_moderator("mod@example.com");
        app.cli_ok(&["moderator", "set", "mod@example.com", "mail", "each"]);
        let mut parent = reply("links", "Tell me about replies.");
        parent["subscribe"] = json!(true);
        let parent = created(&app, &parent).await;
        let mut answer = reply("links", "A harmless reply.");
        answer["parent"] = parent["id"].clone();
        answer["author"] = json!("Grace");
        answer["email"] = json!("grace@example.org");
        let answer = created(&app, &answer).await;
        assert_eq!(answer["status"], "approved");
        let first = smtp.wait_for_mail_to("ada@example.com").await;
        assert_eq!(first.len(), 1, "the subscriber hears of the reply once");

        let edited = put(&app, &answer["id"], Some(&token_of(&answer)),
            &json!({"comment": "A harmless reply. Now see https://pills.example"})).await;
        assert_eq!(edited.status(), 200);
        let edited: Value = edited.json().await.unwrap();
        assert_eq!(edited["status"], "pending");
        assert_eq!(edited.get("avatar"), None, "told as a held comment is");
        assert_eq!(app.thread("links").await["total"], 1, "no longer published");
        let id = answer["id"].as_i64().unwrap();
        let shown = app.cli_ok(&["comment", "show", &id.to_string()]);
        assert!(shown.contains("edited: it adds 1 link (1 link in all)"), "{shown}");
        assert!(shown.contains("commenter approved -> pending"), "{shown}");

        let mail = smtp.wait_for_mail_to("mod@example.com").await.remove(0);
        assert_eq!(mail.header("Subject").as_deref(), Some("Please moderate: Hello world"));
        assert!(mail.data.contains("https://pills.example") && mail.data.contains("edited: it adds 1 link"), "{}", mail.data);
        let desk = crate::admin::Desk::new(&app).login("mod@example.com").await;
        let queue = desk.text("/admin").await;
        assert!(queue.contains("Earlier versions (1)"), "{queue}");
        assert!(queue.contains("pre-wrap\">A harmless reply.</blockquote>"), "{queue}");
        let approve = mail.link(&format!("{}/moderate/", app.address)).expect("an approve link");
        assert_eq!(app.client.post(&approve).send().await.unwrap().status(), 200);
        eventually("the approved edit to be published", async || app.thread("links").await["total"] == 2).await;
        eventually("every e-mail to be sent", async || {
            app.number_is("SELECT COUNT(*) AS n FROM mail_outbox WHERE sent_at IS NULL", 0)
        }).await;
        assert_eq!(app.query_number(
            "SELECT COUNT(*) AS n FROM mail_outbox WHERE recipient = 'ada@example.com'"), 1);
        assert_eq!(smtp.messages().iter().filter(|m| m.to == ["ada@example.com"]).count(), 1,
            "the subscriber is not mailed again for an edit");
        assert_eq!(app.query_number(&format!(
            "SELECT COUNT(*) AS n FROM comment_versions WHERE comment_id = {id} AND body = 'A harmless reply.'")), 1);
    }

    async fn a_disallowed_key_sends_the_edit_to_spam(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false"), ("DISALLOWED_KEYS", "casino")]).await;
        let mine = created(&app, &reply("bad", "Nice post")).await;
        let edited = put(&app, &mine["id"], Some(&token_of(&mine)), &json!({"comment": "Best casino"})).await;
        assert_eq!(edited.status(), 200);
        let edited: Value = edited.json().await.unwrap();
        assert_eq!(edited["status"], "pending", "spam is told as held");
        assert_eq!(app.thread("bad").await["total"], 0);
        assert_eq!(app.query_number(&format!(
            "SELECT COUNT(*) AS n FROM comments WHERE id = {} AND status = 'spam'", mine["id"])), 1);
    }

    async fn the_plain_form_gets_a_cookie_and_an_edit_page(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let thanks = app.post_form("/comments", &[
            ("post", "plain"), ("author", "Ada"), ("email", "ada@example.com"), ("comment", "Plain words"),
        ]).await;
        assert_eq!(thanks.status(), 200);
        let id = app.query_number("SELECT MAX(id) AS n FROM comments");
        let path = format!("/comments/{id}/edit");
        let cookie = thanks.headers()["set-cookie"].to_str().unwrap().to_owned();
        for part in ["replydesk_edit=", "HttpOnly", "SameSite=Lax", &format!("Path={path}"), "Max-Age=900"] {
            assert!(cookie.contains(part), "{part} in {cookie}");
        }
        assert!(!cookie.contains("Secure"), "{cookie}");
        let page = thanks.text().await.unwrap();
        assert!(page.contains(&format!("{}{path}", app.address)), "{page}");
        let jar = cookie.split(';').next().unwrap().to_owned();

        let redirected = app.client.post(app.url("/comments")).header("Origin", BLOG)
            .header("X-Forwarded-Proto", "https")
            .form(&[("post", "plain"), ("redirect_to", "http://localhost:4000/plain/"), ("author", "Ada"),
                ("email", "ada@example.com"), ("comment", "Second words")])
            .send().await.unwrap();
        assert_eq!(redirected.status(), 303);
        let secure = redirected.headers()["set-cookie"].to_str().unwrap();
        assert!(secure.contains("Secure") && secure.contains("replydesk_edit="), "{secure}");

        let nobody = app.get(&path).await;
        assert_eq!(nobody.status(), 403);
        assert!(nobody.text().await.unwrap().contains("holds no key for this comment"));
        let shown = app.client.get(app.url(&path)).header("Cookie", &jar).send().await.unwrap();
        assert_eq!(shown.status(), 200);
        let shown = shown.text().await.unwrap();
        assert!(shown.contains(">Plain words</textarea>") && shown.contains("Delete this comment"), "{shown}");

        let save = [("action", "save"), ("comment", "Plainer words")];
        let foreign = app.client.post(app.url(&path)).header("Cookie", &jar)
            .header("Origin", "https://evil.example").form(&save).send().await.unwrap();
        assert_eq!(foreign.status(), 403);
        let no_origin = app.client.post(app.url(&path)).header("Cookie", &jar).form(&save).send().await.unwrap();
        assert_eq!(no_origin.status(), 403);
        let nul = app.client.post(app.url(&path)).header("Cookie", &jar).header("Origin", &app.address)
            .form(&[("action", "save"), ("comment", "nul \u{0}")]).send().await.unwrap();
        assert_eq!(nul.status(), 422);
        assert!(nul.text().await.unwrap().contains("control characters"));
        let saved = app.client.post(app.url(&path)).header("Cookie", &jar)
            .header("Origin", &app.address).form(&save).send().await.unwrap();
        assert_eq!(saved.status(), 200);
        assert!(saved.text().await.unwrap().contains("Saved."));
        assert_eq!(app.thread("plain").await["comments"][0]["html"], "<p>Plainer words</p>");

        let deleted = app.client.post(app.url(&path)).header("Cookie", &jar)
            .header("Origin", &app.address).form(&[("action", "delete")]).send().await.unwrap();
        assert_eq!(deleted.status(), 200);
        assert!(deleted.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        assert!(deleted.text().await.unwrap().contains("Your comment is deleted"));
        assert_eq!(app.thread("plain").await["total"], 1, "only the second one is left");
        let gone = app.client.get(app.url(&path)).header("Cookie", &jar).send().await.unwrap();
        assert_eq!(gone.status(), 403);
    }

    async fn forgetting_with_the_text_forgets_the_replaced_texts_too(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let mine = created(&app, &reply("forget-edits", "My secret first draft")).await;
        let mut theirs = reply("forget-edits", "Grace's first draft");
        theirs["email"] = json!("grace@example.org");
        let theirs = created(&app, &theirs).await;
        for answer in [&mine, &theirs] {
            let edited = put(&app, &answer["id"], Some(&token_of(answer)), &json!({"comment": "A second draft"})).await;
            assert_eq!(edited.status(), 200);
        }
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comment_versions"), 2);
        let exported: Value = serde_json::from_str(&app.cli_ok(&["export-personal", "ada@example.com"])).unwrap();
        assert_eq!(exported["comments"][0]["earlier_texts"], json!(["My secret first draft"]));
        assert_eq!(exported["comments"][0]["text"], "A second draft");
        app.cli_ok(&["forget", "grace@example.org"]);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comment_versions"), 2, "kept without --delete-text");
        app.cli_ok(&["forget", "ada@example.com", "--delete-text"]);
        assert_eq!(app.query_number(&format!(
            "SELECT COUNT(*) AS n FROM comment_versions WHERE comment_id = {}", mine["id"])), 0);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comment_versions"), 1);
    }
}

/// `created_at` sixteen minutes earlier, in this backend's SQL.
fn minus_16_minutes(app: &TestApp) -> String {
    if app.db.url.starts_with("sqlite://") {
        "datetime(created_at, '-16 minutes')".to_owned()
    } else {
        "created_at - INTERVAL '16 minutes'".to_owned()
    }
}
