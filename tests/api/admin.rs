//! The admin page over HTTP: logins, throttling, CSRF, sessions, the queue's
//! actions, search and filters, editing, replying, settings, moderators, mail
//! and personal data, on SQLite and PostgreSQL.

use std::time::Duration;

use reqwest::header::{LOCATION, RETRY_AFTER, SET_COOKIE};
use scraper::{Html, Selector};
use serde_json::Value;

use crate::helpers::{TestApp, eventually, reply, spawn_app};
use crate::on_both_backends;
use crate::smtp::SmtpServer;

pub const PASSWORD: &str = "a long passphrase";

/// A browser-like client: it keeps cookies and does not follow redirects.
pub struct Desk {
    pub client: reqwest::Client,
    pub base: String,
}

impl Desk {
    pub fn new(app: &TestApp) -> Desk {
        Desk {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.address.clone(),
        }
    }

    /// Opens the login page (which sets its CSRF cookie) and posts the form.
    pub async fn try_login(&self, email: &str, password: &str) -> reqwest::Response {
        let page = self.text("/admin/login").await;
        let csrf = field(&page, "csrf");
        self.client
            .post(format!("{}/admin/login", self.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, email: &str) -> Desk {
        let response = self.try_login(email, PASSWORD).await;
        assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
        assert_eq!(response.headers()[LOCATION], "/admin");
        Desk {
            client: self.client.clone(),
            base: self.base.clone(),
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn text(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }

    /// The CSRF token of the logged-in session, read from a page as a browser would.
    pub async fn csrf(&self) -> String {
        field(&self.text("/admin/settings").await, "csrf")
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf().await;
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap()
    }
}

/// The value of the first input named `name` on a page.
pub fn field(page: &str, name: &str) -> String {
    let html = Html::parse_document(page);
    let selector = Selector::parse(&format!("input[name=\"{name}\"]")).unwrap();
    html.select(&selector)
        .next()
        .and_then(|input| input.value().attr("value"))
        .unwrap_or_else(|| panic!("no input {name} in {page}"))
        .to_owned()
}

pub fn texts(page: &str, css: &str) -> Vec<String> {
    let html = Html::parse_document(page);
    let selector = Selector::parse(css).unwrap();
    html.select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

pub fn status_of(app: &TestApp, id: i64) -> &'static str {
    ["pending", "approved", "spam", "trash"]
        .into_iter()
        .find(|status| {
            app.query_number(&format!(
                "SELECT COUNT(*) AS n FROM comments WHERE id = {id} AND status = '{status}'"
            )) == 1
        })
        .unwrap_or("gone")
}

fn exists(app: &TestApp, id: i64) -> bool {
    app.query_number(&format!(
        "SELECT COUNT(*) AS n FROM comments WHERE id = {id}"
    )) == 1
}

async fn ready(backend: crate::helpers::Backend, overrides: &[(&str, &str)]) -> (TestApp, Desk) {
    let app = spawn_app(backend, overrides).await;
    app.add_moderator("admin@example.com");
    let desk = Desk::new(&app).login("admin@example.com").await;
    (app, desk)
}

on_both_backends! {
    async fn a_login_opens_a_session_that_logout_and_expiry_end(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        app.add_moderator("admin@example.com");
        let desk = Desk::new(&app);

        let away = desk.get("/admin").await;
        assert_eq!(away.status(), 303);
        assert_eq!(away.headers()[LOCATION], "/admin/login");

        let wrong_password = desk.try_login("admin@example.com", "not the passphrase").await;
        assert_eq!(wrong_password.status(), 401);
        let wrong_page = wrong_password.text().await.unwrap();
        let unknown = desk.try_login("nobody@example.com", PASSWORD).await;
        assert_eq!(unknown.status(), 401);
        let unknown_page = unknown.text().await.unwrap();
        let message = |page: &str| texts(page, "[role=alert]");
        assert_eq!(message(&wrong_page), message(&unknown_page), "no hint of which accounts exist");
        assert_eq!(message(&wrong_page), ["That email and password do not match a moderator."]);

        let first = desk.try_login("Admin@Example.com", PASSWORD).await;
        assert_eq!(first.status(), 303);
        let cookie = first.headers().get_all(SET_COOKIE).iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("replydesk_admin="))
            .expect("a session cookie");
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/admin", "Max-Age=43200"] {
            assert!(cookie.contains(attribute), "{attribute} missing from {cookie}");
        }
        assert!(!cookie.contains("Secure"), "plain http here: {cookie}");
        let first_value = cookie.split(';').next().unwrap().to_owned();
        let queue = desk.text("/admin").await;
        assert!(queue.contains("admin@example.com"), "{queue}");

        // Logging in again rotates the session: the old cookie opens nothing.
        let second = desk.try_login("admin@example.com", PASSWORD).await;
        assert_eq!(second.status(), 303);
        let stale = app.client.get(app.url("/admin")).header("Cookie", &first_value).send().await.unwrap();
        assert_eq!(stale.status(), 303, "the session before the login is gone");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM sessions"), 1);
        assert_eq!(desk.get("/admin").await.status(), 200);

        // The database holds a hash of the cookie, never the cookie.
        let raw = first_value.trim_start_matches("replydesk_admin=");
        assert_eq!(app.query_number(&format!("SELECT COUNT(*) AS n FROM sessions WHERE id = '{raw}'")), 0);

        // Another instance on the same database serves the same session.
        let other = app.another_instance(&[]).await;
        let cookie_now = format!("replydesk_admin={}", desk_cookie(&desk).await);
        let elsewhere = other.client.get(other.url("/admin")).header("Cookie", &cookie_now).send().await.unwrap();
        assert_eq!(elsewhere.status(), 200);

        // Expiry: a session past its time is refused.
        app.execute_sql("UPDATE sessions SET expires_at = '2000-01-01 00:00:00'");
        let expired = desk.get("/admin").await;
        assert_eq!(expired.status(), 303);
        assert_eq!(expired.headers()[LOCATION], "/admin/login");

        // Logout ends the session in the database.
        let desk = desk.login("admin@example.com").await;
        let out = desk.post("/admin/logout", &[]).await;
        assert_eq!(out.status(), 303);
        assert_eq!(out.headers()[LOCATION], "/admin/login?out");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM sessions WHERE expires_at > '2001-01-01'"), 0);
        assert_eq!(desk.get("/admin").await.status(), 303);
    }

    async fn wrong_passwords_slow_down_then_lock_the_account(backend: Backend) {
        let app = spawn_app(backend, &[("LOGIN_LOCK_AFTER", "4")]).await;
        app.add_moderator("admin@example.com");
        app.add_moderator("other@example.com");
        let desk = Desk::new(&app);
        for _ in 0..3 {
            assert_eq!(desk.try_login("admin@example.com", "guess").await.status(), 401);
        }
        let hurried = desk.try_login("admin@example.com", "guess").await;
        assert_eq!(hurried.status(), 429);
        assert!(hurried.headers().contains_key(RETRY_AFTER));
        let page = hurried.text().await.unwrap();
        assert!(page.contains("Too many failed logins. Wait 1 second and"), "{page}");

        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(desk.try_login("admin@example.com", "guess").await.status(), 401);
        let locked = desk.try_login("admin@example.com", PASSWORD).await;
        assert_eq!(locked.status(), 429, "even the right password waits out the lock");
        let page = locked.text().await.unwrap();
        assert!(page.contains("logins are locked. Try again in 15 minutes."), "{page}");

        // The lock is per account: another moderator on the same address gets in.
        assert_eq!(desk.try_login("other@example.com", PASSWORD).await.status(), 303);

        // The lock holds on every instance, and lifts when its time is over.
        let other = app.another_instance(&[("LOGIN_LOCK_AFTER", "4")]).await;
        assert_eq!(Desk::new(&other).try_login("admin@example.com", PASSWORD).await.status(), 429);
        app.execute_sql("UPDATE login_throttle SET locked_until = '2000-01-01 00:00:00', last_failure_at = '2000-01-01 00:00:00'");
        assert_eq!(desk.try_login("admin@example.com", PASSWORD).await.status(), 303);
    }

    async fn forms_without_the_session_token_are_refused(backend: Backend) {
        let (app, desk) = ready(backend, &[]).await;
        let id = app.comment("csrf", None, "Held for a moderator.").await;
        let act = format!("approve:{id}");

        let missing = desk.post_raw("/admin/comments", &[("act", act.as_str())]).await;
        assert_eq!(missing.status(), 403);
        let page = missing.text().await.unwrap();
        assert!(page.contains("did not come from this site"), "{page}");
        let forged = desk.post_raw("/admin/comments", &[("csrf", "0000"), ("act", act.as_str())]).await;
        assert_eq!(forged.status(), 403);
        for path in ["/admin/settings", "/admin/moderators", "/admin/mail/test", "/admin/logout", "/admin/password"] {
            assert_eq!(desk.post_raw(path, &[("csrf", "bad")]).await.status(), 403, "{path}");
        }
        assert_eq!(status_of(&app, id), "pending");

        // The login form has its own token, kept in a cookie until a session exists.
        let bare = app.client.post(app.url("/admin/login"))
            .form(&[("csrf", "x"), ("email", "admin@example.com"), ("password", PASSWORD)])
            .send().await.unwrap();
        assert_eq!(bare.status(), 403);

        let done = desk.post("/admin/comments", &[("act", act.as_str()), ("back", "status=pending")]).await;
        assert_eq!(done.status(), 303);
        assert_eq!(status_of(&app, id), "approved");
    }

    async fn every_admin_post_route_refuses_a_form_without_the_session_token(backend: Backend) {
        let (app, desk) = ready(backend, &[]).await;
        app.add_moderator("other@example.com");
        let comment = app.comment("csrf-everywhere", None, "Held for a moderator.").await;
        let other = app.query_number("SELECT id AS n FROM moderators WHERE email = 'other@example.com'");
        let settings_before = app.cli_ok(&["settings", "show"]);
        let act = format!("approve:{comment}");
        let ids = comment.to_string();
        // Everything any admin form takes, so that a route that forgot the
        // check would do something here.
        let fields = [
            ("act", act.as_str()), ("action", "delete"), ("id", ids.as_str()), ("confirmed", "yes"),
            ("back", "status=pending"), ("email", "other@example.com"), ("password", PASSWORD),
            ("your_password", PASSWORD), ("current", PASSWORD), ("new", "a newer passphrase"),
            ("repeat", "a newer passphrase"), ("sure", "1"), ("author", "Mallory"), ("comment", "Forged."),
        ];
        let with_token = |token: &'static str| {
            let mut all = vec![("csrf", token)];
            all.extend_from_slice(&fields);
            all
        };
        let stranger = Desk::new(&app);

        let routes = admin_post_routes();
        assert!(routes.len() >= 13, "{routes:?}");
        for route in &routes {
            let target = if route.starts_with("/admin/moderators/") { other } else { comment };
            let path = route.replace("{id}", &target.to_string());
            for (how, form) in [("no token", fields.to_vec()), ("a wrong token", with_token("0000")), ("an empty token", with_token(""))] {
                let refused = desk.post_raw(&path, &form).await;
                assert_eq!(refused.status(), 403, "POST {path} with {how}");
                let page = refused.text().await.unwrap();
                assert!(page.contains("did not come from this site"), "POST {path} with {how}: {page}");
            }
            let anonymous = stranger.post_raw(&path, &fields).await;
            if path == "/admin/login" {
                assert_eq!(anonymous.status(), 403, "the login form's own token is missing");
            } else {
                assert_eq!(anonymous.status(), 303, "POST {path} without a session");
                assert_eq!(anonymous.headers()[LOCATION], "/admin/login", "POST {path}");
            }
        }

        assert_eq!(status_of(&app, comment), "pending");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM moderators"), 2);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM mail_outbox WHERE kind = 'test'"), 0);
        assert_eq!(app.cli_ok(&["settings", "show"]), settings_before);
        assert_eq!(desk.get("/admin").await.status(), 200, "the session was not logged out");
        assert_eq!(Desk::new(&app).try_login("admin@example.com", PASSWORD).await.status(), 303, "the password is unchanged");
    }

    async fn every_action_moves_comments_and_leaves_a_trail(backend: Backend) {
        let (app, desk) = ready(backend, &[]).await;
        let id = app.comment("acts", None, "One comment, many fates.").await;
        let steps = [
            ("approve", "approved"), ("unapprove", "pending"), ("spam", "spam"),
            ("not-spam", "pending"), ("trash", "trash"), ("restore", "pending"),
            ("approve", "approved"),
        ];
        for (action, expected) in steps {
            let act = format!("{action}:{id}");
            let response = desk.post("/admin/comments", &[("act", act.as_str()), ("back", "status=pending")]).await;
            assert_eq!(response.status(), 303, "{action}");
            let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
            assert!(location.starts_with("/admin?status=pending"), "{location}");
            assert_eq!(status_of(&app, id), expected, "after {action}");
            let page = desk.text(&location).await;
            assert!(texts(&page, "[role=status]").iter().any(|t| t.starts_with("1 comment")), "{page}");
        }
        assert_eq!(app.thread("acts").await["total"], 1, "approved comments are public");

        let page = desk.text("/admin?status=approved").await;
        let trail = texts(&page, ".trail li").join("\n");
        assert!(trail.contains("stored as pending"), "{trail}");
        assert!(trail.contains("moderator admin@example.com: spam → pending"), "{trail}");
        assert_eq!(texts(&page, ".trail li").len(), 8, "{trail}");
        assert!(texts(&page, ".reasons li").iter().any(|r| r.contains("held")), "{page}");

        // Deleting asks first, and only the confirmed post deletes.
        let delete = format!("delete:{id}");
        let asked = desk.post("/admin/comments", &[("act", delete.as_str()), ("back", "status=approved")]).await;
        assert_eq!(asked.status(), 200);
        let page = asked.text().await.unwrap();
        assert!(page.contains("Delete for ever?"), "{page}");
        assert!(exists(&app, id));
        let confirmed = desk.post("/admin/comments", &[
            ("action", "delete"), ("id", &id.to_string()), ("confirmed", "yes"), ("back", "status=approved"),
        ]).await;
        assert_eq!(confirmed.status(), 303);
        assert!(!exists(&app, id));
        assert_eq!(app.thread("acts").await["total"], 0);

        // An action that does not apply is refused in words and changes nothing.
        let other = app.comment("acts", None, "Still pending.").await;
        let unapprove = format!("unapprove:{other}");
        let trash = format!("trash:{other}");
        desk.post("/admin/comments", &[("act", trash.as_str())]).await;
        let refused = desk.post("/admin/comments", &[("act", unapprove.as_str())]).await;
        assert_eq!(refused.status(), 409);
        assert!(refused.text().await.unwrap().contains("cannot be given"));
        assert_eq!(status_of(&app, other), "trash");
    }

    async fn bulk_actions_change_all_the_selected_comments_at_once(backend: Backend) {
        let (app, desk) = ready(backend, &[]).await;
        let ids: Vec<i64> = futures_ids(&app, "bulk", 4).await;
        let (a, b, c, d) = (ids[0].to_string(), ids[1].to_string(), ids[2].to_string(), ids[3].to_string());
        let response = desk.post("/admin/comments", &[
            ("action", "spam"), ("id", &a), ("id", &b), ("back", "status=pending"),
        ]).await;
        assert_eq!(response.status(), 303);
        let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(location.ends_with("done=spam&n=2"), "{location}");
        assert!(desk.text(&location).await.contains("2 comments marked as spam."));
        assert_eq!([status_of(&app, ids[0]), status_of(&app, ids[1]), status_of(&app, ids[2])], ["spam", "spam", "pending"]);

        desk.post("/admin/comments", &[("action", "approve"), ("id", &c), ("id", &d)]).await;
        assert_eq!(app.thread("bulk").await["total"], 2);

        // All or nothing: one comment the action does not fit stops the batch.
        let mixed = desk.post("/admin/comments", &[("action", "unapprove"), ("id", &c), ("id", &a)]).await;
        assert_eq!(mixed.status(), 409);
        assert_eq!(status_of(&app, ids[2]), "approved", "rolled back");

        let none = desk.post("/admin/comments", &[("action", "spam")]).await;
        assert_eq!(none.status(), 400);
        assert!(none.text().await.unwrap().contains("Select at least one comment"));
        let unknown = desk.post("/admin/comments", &[("action", "launch"), ("id", &a)]).await;
        assert_eq!(unknown.status(), 400);
    }

    async fn the_queue_is_searched_filtered_counted_and_paged(backend: Backend) {
        let (app, desk) = ready(backend, &[]).await;
        for i in 0..23 {
            app.comment("busy", None, &format!("Routine comment number {i}.")).await;
        }
        let mut grace = reply("quiet", "Ünïcödé 100% about_Compilers");
        grace["author"] = "Grace Hopper".into();
        grace["email"] = "Grace@Navy.example".into();
        let created: Value = app.post_json(&grace).await.json().await.unwrap();
        let grace_id = created["id"].as_i64().unwrap();
        desk.post("/admin/comments", &[("act", &format!("spam:{}", grace_id - 1))]).await;

        let page = desk.text("/admin").await;
        let tabs = texts(&page, ".tabs a");
        assert_eq!(tabs, ["Pending 23", "Likely spam 0", "Approved 0", "Spam 1", "Trash 0"]);
        assert!(texts(&page, "title")[0].starts_with("(23) Pending comments"), "{:?}", texts(&page, "title"));
        assert_eq!(texts(&page, ".comment").len(), 20);
        assert!(page.contains("page 1 of 2"));
        let second = desk.text("/admin?status=pending&page=2").await;
        assert_eq!(texts(&second, ".comment").len(), 3);

        for query in ["hopper", "navy.example", "%C3%9Cn%C3%AFc%C3%B6d%C3%A9", "100%25", "about_compilers"] {
            let found = desk.text(&format!("/admin?status=pending&q={query}")).await;
            assert_eq!(texts(&found, ".comment .author"), ["Grace Hopper"], "search {query}");
        }
        let nothing = desk.text("/admin?status=pending&q=zzz").await;
        assert_eq!(texts(&nothing, ".comment").len(), 0);
        assert!(nothing.contains("No pending comments match"));
        let by_ip = desk.text("/admin?status=pending&q=127.0.0.1").await;
        assert_eq!(texts(&by_ip, ".comment").len(), 20);

        let post_id = app.query_number("SELECT id AS n FROM posts WHERE post_key = 'quiet'");
        let filtered = desk.text(&format!("/admin?status=pending&post={post_id}")).await;
        assert_eq!(texts(&filtered, ".comment .author"), ["Grace Hopper"]);
        let spam = desk.text("/admin?status=spam").await;
        assert_eq!(texts(&spam, ".comment").len(), 1);
        for shown in ["ada@example.com", "127.0.0.1", "Hello world", "Routine comment number 22."] {
            assert!(spam.contains(shown), "{shown} missing");
        }

        // Nonsense in the address bar is read as the default view, never an error.
        assert_eq!(desk.get("/admin?status=bogus&page=-4").await.status(), 200);
        assert_eq!(desk.get("/admin?page=99999999999999").await.status(), 200);
        assert_eq!(desk.get("/admin?post=abc").await.status(), 400);
    }

    async fn moderators_edit_comments_and_reply_in_the_thread(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let (app, desk) = ready(backend, &[("SMTP_URL", &smtp.url())]).await;
        let mut asking = reply("edits", "Is this thing on?");
        asking["subscribe"] = true.into();
        let created: Value = app.post_json(&asking).await.json().await.unwrap();
        let id = created["id"].as_i64().unwrap();
        // Replies are mailed only to a confirmed address.
        crate::confirm::confirm_address(&app, &smtp, "ada@example.com").await;

        let form = desk.text(&format!("/admin/comments/{id}/edit")).await;
        assert!(form.contains("Is this thing on?"));
        let bad = desk.post(&format!("/admin/comments/{id}/edit"), &[
            ("author", "Ada"), ("email", "not an address"), ("url", ""), ("comment", "Fixed."),
        ]).await;
        assert_eq!(bad.status(), 422);
        let page = bad.text().await.unwrap();
        assert!(page.contains("Email") && page.contains("Fixed."), "{page}");

        // Replying to a held comment approves it and publishes the reply.
        let replied = desk.post(&format!("/admin/comments/{id}/reply"), &[
            ("author", "The editor"), ("comment", "Loud and clear."),
        ]).await;
        assert_eq!(replied.status(), 303);
        let thread = app.thread("edits").await;
        assert_eq!(thread["total"], 2);
        let answer = &thread["comments"][0]["replies"][0];
        assert_eq!(answer["author"], "The editor");
        assert!(answer["html"].as_str().unwrap().contains("Loud and clear."));
        assert!(!thread.to_string().contains("admin@example.com"), "never the moderator's address");

        let edited = desk.post(&format!("/admin/comments/{id}/edit"), &[
            ("author", "Ada L."), ("email", "ada@example.com"), ("url", "https://ada.example/"), ("comment", "Is this thing on? (edited)"),
        ]).await;
        assert_eq!(edited.status(), 303);
        let thread = app.thread("edits").await;
        assert_eq!(thread["comments"][0]["author"], "Ada L.");
        assert!(thread["comments"][0]["html"].as_str().unwrap().contains("(edited)"));

        // The subscriber hears of the moderator's reply. (The moderators' own
        // e-mail about the held comment is rightly dropped if the reply had
        // approved the comment before the worker reached it, as under load.)
        let to_ada = eventually("the reply to reach Ada", async || {
            let to_ada: Vec<_> = smtp.messages().into_iter().filter(|m| m.to == ["ada@example.com"]).collect();
            if to_ada.len() >= 2 { Ok(to_ada) } else { Err(format!("{} e-mails", to_ada.len())) }
        })
        .await;
        assert_eq!(to_ada.len(), 2, "the confirmation, then the reply: {to_ada:?}");
        assert!(to_ada[1].data.contains("Loud and clear."));

        let empty = desk.post(&format!("/admin/comments/{id}/reply"), &[("author", "The editor"), ("comment", "  ")]).await;
        assert_eq!(empty.status(), 422);
        assert_eq!(desk.get("/admin/comments/999999/edit").await.status(), 404);
    }

    async fn settings_change_the_rules_for_the_next_comment(backend: Backend) {
        let (app, desk) = ready(backend, &[]).await;
        let page = desk.text("/admin/settings").await;
        assert!(page.contains("Hold every comment for moderation"));

        let mut form: Vec<(&str, &str)> = vec![
            ("trust_returning", "true"), ("flood_seconds", "0"), ("max_links", "2"), ("max_depth", "5"),
            ("close_after_days", "0"), ("purge_pending_days", "0"), ("moderation_keys", ""),
            ("disallowed_keys", "casino\nbad.example"), ("disallowed_action", "trash"),
        ];
        let saved = desk.post("/admin/settings", &form).await;
        assert_eq!(saved.status(), 303);
        assert_eq!(app.post_json(&reply("rules", "Straight through.")).await.json::<Value>().await.unwrap()["status"], "approved");
        let created: Value = app.post_json(&reply("rules", "Best casino in town")).await.json().await.unwrap();
        let id = created["id"].as_i64().unwrap();
        assert_eq!(status_of(&app, id), "trash");
        let page = desk.text("/admin/settings?saved").await;
        assert!(page.contains("Settings saved."));
        assert!(page.contains("casino\nbad.example"), "{page}");

        form.retain(|(name, _)| *name != "max_depth");
        form.push(("max_depth", "lots"));
        let refused = desk.post("/admin/settings", &form).await;
        assert_eq!(refused.status(), 422);
        let page = refused.text().await.unwrap();
        assert!(page.contains("expected a whole number of reply levels"), "{page}");
        assert!(app.cli_ok(&["settings", "show"]).contains("max_depth = 5"));
    }

    async fn moderators_are_added_and_removed_from_the_page(backend: Backend) {
        let (app, desk) = ready(backend, &[]).await;
        let added = desk.post("/admin/moderators", &[("email", "New@Example.com"), ("password", PASSWORD), ("your_password", PASSWORD)]).await;
        assert_eq!(added.status(), 303);
        let newcomer = Desk::new(&app).login("new@example.com").await;
        assert!(desk.text("/admin/moderators").await.contains("new@example.com"));

        let again = desk.post("/admin/moderators", &[("email", "new@example.com"), ("password", PASSWORD), ("your_password", PASSWORD)]).await;
        assert_eq!(again.status(), 422);
        let short = desk.post("/admin/moderators", &[("email", "x@example.com"), ("password", "short"), ("your_password", PASSWORD)]).await;
        assert_eq!(short.status(), 422);
        assert!(short.text().await.unwrap().contains("at least 8 characters"));

        let new_id = app.query_number("SELECT id AS n FROM moderators WHERE email = 'new@example.com'");
        let own_id = app.query_number("SELECT id AS n FROM moderators WHERE email = 'admin@example.com'");
        assert_eq!(desk.post(&format!("/admin/moderators/{own_id}/remove"), &[]).await.status(), 409);
        assert_eq!(desk.post(&format!("/admin/moderators/{new_id}/remove"), &[("your_password", PASSWORD)]).await.status(), 303);
        assert_eq!(newcomer.get("/admin").await.status(), 303, "a removed moderator's session ends");
    }

    async fn a_moderator_changes_their_own_password(backend: Backend) {
        let (app, desk) = ready(backend, &[]).await;
        let elsewhere = Desk::new(&app).login("admin@example.com").await;
        let wrong = desk.post("/admin/password", &[("current", "nope"), ("new", "a newer passphrase"), ("repeat", "a newer passphrase")]).await;
        assert_eq!(wrong.status(), 422);
        let mismatch = desk.post("/admin/password", &[("current", PASSWORD), ("new", "a newer passphrase"), ("repeat", "a newer passphrase!")]).await;
        assert_eq!(mismatch.status(), 422);
        let changed = desk.post("/admin/password", &[("current", PASSWORD), ("new", "a newer passphrase"), ("repeat", "a newer passphrase")]).await;
        assert_eq!(changed.status(), 303);
        assert_eq!(desk.get("/admin").await.status(), 200, "this browser stays logged in");
        assert_eq!(elsewhere.get("/admin").await.status(), 303, "other sessions end");
        assert_eq!(Desk::new(&app).try_login("admin@example.com", PASSWORD).await.status(), 401);
        assert_eq!(Desk::new(&app).try_login("admin@example.com", "a newer passphrase").await.status(), 303);
    }

    async fn the_mail_page_retries_dead_mail_and_sends_a_test(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let (app, desk) = ready(backend, &[("SMTP_URL", &smtp.url())]).await;
        let queued = desk.post("/admin/mail/test", &[]).await;
        assert_eq!(queued.status(), 303);
        let mails = smtp.wait_for(1).await;
        assert_eq!(mails[0].to, ["admin@example.com"]);
        assert_eq!(mails[0].header("Subject").as_deref(), Some("Replydesk test e-mail"));

        app.execute_sql("INSERT INTO mail_outbox (recipient, headers, attempts, next_attempt_at, last_error, dead, created_at, kind) \
            VALUES ('lost@example.com', '', 8, '2026-01-01 00:00:00', 'connection refused', TRUE, '2026-01-01 00:00:00', 'test')");
        let page = desk.text("/admin/mail").await;
        assert!(page.contains("lost@example.com") && page.contains("connection refused"), "{page}");
        let id = app.query_number("SELECT id AS n FROM mail_outbox WHERE recipient = 'lost@example.com'");
        let retried = desk.post(&format!("/admin/mail/{id}/retry"), &[]).await;
        assert_eq!(retried.status(), 303);
        let mails = smtp.wait_for(2).await;
        assert!(mails.iter().any(|m| m.to == ["lost@example.com"]));
        assert_eq!(desk.post(&format!("/admin/mail/{id}/retry"), &[]).await.status(), 409);
        assert!(desk.text("/admin/mail").await.contains("No e-mail has failed for good."));
    }

    async fn the_mail_page_names_the_folder_e_mails_are_written_to(backend: Backend) {
        let (app, desk) = ready(backend, &[]).await;
        let page = desk.text("/admin/mail").await;
        let folder = app.db.mail_folder();
        assert!(page.contains(&format!("Mail goes out as files in {folder} (")), "{page}");
        assert!(page.contains("REPLYDESK_MAIL_FOLDER"), "{page}");
    }

    async fn personal_data_is_exported_and_erased_from_the_page(backend: Backend) {
        let (app, desk) = ready(backend, &[]).await;
        let id = app.comment("mine", None, "Remember me?").await;
        let export = desk.post("/admin/personal/export", &[("email", "ada@example.com")]).await;
        assert_eq!(export.status(), 200);
        assert!(export.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
        let data: Value = export.json().await.unwrap();
        assert_eq!(data["comments"][0]["id"], id);
        assert_eq!(data["comments"][0]["ip"], "127.0.0.1");

        let unsure = desk.post("/admin/personal/forget", &[("email", "ada@example.com")]).await;
        assert_eq!(unsure.status(), 422);
        let erased = desk.post("/admin/personal/forget", &[("email", "ada@example.com"), ("sure", "1")]).await;
        assert_eq!(erased.status(), 200);
        assert!(erased.text().await.unwrap().contains("Anonymized 1 comment;"));
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comments WHERE email = 'ada@example.com'"), 0);
    }
}

/// Every POST route of the admin page, read from the routes' source (each
/// `.route("…", web::post()…)` line), so a route added later is tested
/// without anyone remembering to list it.
fn admin_post_routes() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes/admin");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in source.lines().filter(|line| line.contains("web::post()")) {
            let path = line
                .split('"')
                .nth(1)
                .unwrap_or_else(|| panic!("no route path on the line {line:?}"));
            routes.push(format!("/admin{path}"));
        }
    }
    routes.sort();
    routes
}

/// Logs the desk in again and returns the new session cookie's value.
async fn desk_cookie(desk: &Desk) -> String {
    let response = desk.try_login("admin@example.com", PASSWORD).await;
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find_map(|c| {
            c.strip_prefix("replydesk_admin=")
                .map(|rest| rest.split(';').next().unwrap().to_owned())
        })
        .expect("a session cookie")
}

async fn futures_ids(app: &TestApp, post: &str, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(app.comment(post, None, &format!("Bulk comment {i}.")).await);
    }
    ids
}

#[tokio::test]
async fn a_secure_cookie_when_the_public_address_is_https() {
    let app = spawn_app(
        crate::helpers::Backend::Sqlite,
        &[("PUBLIC_URL", "https://comments.example")],
    )
    .await;
    app.add_moderator("admin@example.com");
    let response = Desk::new(&app)
        .try_login("admin@example.com", PASSWORD)
        .await;
    let cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-replydesk_admin="))
        .expect("a session cookie, with the __Host- prefix");
    let attributes: Vec<&str> = cookie.split("; ").collect();
    assert!(
        attributes.contains(&"Secure") && attributes.contains(&"Path=/"),
        "{cookie}"
    );
}

#[tokio::test]
async fn admin_pages_forbid_framing_and_caching_and_load_nothing_from_elsewhere() {
    let app = spawn_app(crate::helpers::Backend::Sqlite, &[]).await;
    let page = app.get("/admin/login").await;
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let html = page.text().await.unwrap();
    for tag in ["src=\"http", "href=\"http"] {
        assert!(!html.contains(tag), "an outside resource: {html}");
    }
    for asset in ["/admin/assets/admin.css", "/admin/assets/admin.js"] {
        let response = app.get(asset).await;
        assert_eq!(response.status(), 200, "{asset}");
        let etag = response.headers()["etag"].clone();
        let again = app
            .client
            .get(app.url(asset))
            .header("If-None-Match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
    }
}
