//! The side doors, tried as an attacker would: made-up methods, spam at full
//! speed, an e-mail oracle, racing and locking logins, replayed links, missing
//! security headers, NUL bytes, stale tokens and unguarded metrics. Each on
//! SQLite and PostgreSQL, over HTTP and the command line.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::{COOKIE, LOCATION, RETRY_AFTER, SET_COOKIE};
use serde_json::{Value, json};

use crate::admin::{Desk, PASSWORD, field};
use crate::helpers::{BLOG, TestApp, eventually, output_text, reply, spawn_app};
use crate::mail::moderation_links;
use crate::on_both_backends;
use crate::smtp::SmtpServer;

/// Settings under which requests from the test client may speak for any
/// address through `X-Forwarded-For`, as a proxy's clients would.
pub const BEHIND_PROXY: (&str, &str) = ("TRUSTED_PROXIES", "127.0.0.1");

pub async fn post_json_from(app: &TestApp, ip: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/comments"))
        .header("Origin", BLOG)
        .header("X-Forwarded-For", ip)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn honeypot(post: &str, text: &str) -> Value {
    let mut body = reply(post, text);
    body["hp"] = json!("http://spam.example");
    body
}

// 1. Made-up methods never reach the metrics.
on_both_backends! {
    async fn made_up_methods_are_refused_before_they_become_metric_labels(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let before = app.get("/metrics").await.text().await.unwrap();
        for letter in ["A", "B", "C", "D"] {
            let method = Method::from_bytes(letter.repeat(8_000).as_bytes()).unwrap();
            let response = app.client.request(method, app.url("/healthz")).send().await.unwrap();
            assert_eq!(response.status(), 405);
            assert!(response.headers()["allow"].to_str().unwrap().contains("GET"));
            let body: Value = response.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().contains("does not answer that method"), "{body}");
        }
        let patch = app.client.patch(app.url("/api/comments")).send().await.unwrap();
        assert_eq!(patch.status(), 405);
        let after = app.get("/metrics").await.text().await.unwrap();
        assert!(!after.contains("AAAA") && !after.contains("PATCH"), "no label for a made-up method");
        assert!(after.len() < before.len() + 4_000, "{} → {} bytes", before.len(), after.len());
    }
}

// 2. The spam path counts, is throttled and opens no posts.
on_both_backends! {
    async fn spam_naming_new_posts_opens_none_and_meets_the_burst_limit(backend: Backend) {
        let app = spawn_app(backend, &[BEHIND_PROXY, ("BURST_LIMIT", "5")]).await;
        let mut answers = Vec::new();
        for n in 0..8 {
            let response = post_json_from(&app, "198.51.100.7", &honeypot(&format!("new-{n}"), "Buy now")).await;
            answers.push(response.status().as_u16());
            if response.status() == 201 {
                let told: Value = response.json().await.unwrap();
                assert_eq!(told["status"], "pending", "answered as if held");
                assert!(told["id"].as_i64().unwrap() > 0, "{told}");
            } else {
                assert!(response.headers().contains_key(RETRY_AFTER));
                let body: Value = response.json().await.unwrap();
                assert!(body["error"].as_str().unwrap().contains("wait"), "{body}");
            }
        }
        assert_eq!(answers, [201, 201, 201, 201, 201, 429, 429, 429]);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM posts"), 0, "spam opens no post");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comments"), 0);
        // Another address is not held back by the first one's burst.
        let other = post_json_from(&app, "198.51.100.8", &reply("real", "A real comment.")).await;
        assert_eq!(other.status(), 201);
        let real: Value = other.json().await.unwrap();
        // The ids given to the discarded spam were never any stored comment's.
        assert!(real["id"].as_i64().unwrap() > 5, "{real}");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM posts"), 1);
    }

    async fn spam_inside_the_flood_window_is_refused_like_a_comment(backend: Backend) {
        let app = spawn_app(backend, &[BEHIND_PROXY, ("FLOOD_SECONDS", "15"), ("DISALLOWED_KEYS", "casino")]).await;
        let first = post_json_from(&app, "198.51.100.9", &reply("flood", "A first comment.")).await;
        assert_eq!(first.status(), 201);
        for body in [honeypot("flood", "Robot words"), reply("flood", "The best casino in town")] {
            let response = post_json_from(&app, "198.51.100.9", &body).await;
            assert_eq!(response.status(), 429, "{}", response.text().await.unwrap());
        }
        let mut quick = reply("flood", "Filled in by a program");
        quick["form_token"] = app.get("/api/form-token").await.json::<Value>().await.unwrap()["token"].clone();
        assert_eq!(post_json_from(&app, "198.51.100.9", &quick).await.status(), 429);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comments"), 1);
    }

    async fn every_public_post_and_the_login_count_against_one_burst(backend: Backend) {
        let app = spawn_app(backend, &[BEHIND_PROXY, ("BURST_LIMIT", "3")]).await;
        let login = app.get("/admin/login").await.text().await.unwrap();
        let csrf = field(&login, "csrf");
        let openapi: Value = app.get("/api/openapi.json").await.json().await.unwrap();
        let mut posts: Vec<String> = openapi["paths"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, operations)| operations.get("post").is_some())
            .map(|(path, _)| path.replace("{token}", "not-a-token"))
            .collect();
        posts.push("/admin/login".into());
        assert!(posts.len() >= 6, "{posts:?}");
        for (n, path) in posts.iter().enumerate() {
            let ip = format!("203.0.113.{}", n + 1);
            // Each request differs (another comment, another account), so
            // only the burst can refuse the fourth.
            let send = |k: usize| {
                let request = app.client.post(app.url(path)).header("X-Forwarded-For", &ip).header("Origin", BLOG);
                let words = format!("Words {n} {k}");
                let email = format!("nobody{k}@example.com");
                match path.as_str() {
                    "/api/comments" => request.json(&reply("burst", &words)),
                    "/api/preview" => request.json(&serde_json::json!({ "comment": words })),
                    "/admin/login" => request
                        .header(COOKIE, format!("replydesk_login={csrf}"))
                        .form(&[("csrf", csrf.as_str()), ("email", email.as_str()), ("password", "wrong one")]),
                    _ => request.form(&[("post", "burst"), ("author", "A"), ("email", "a@example.com"), ("comment", words.as_str())]),
                }
                .send()
            };
            for k in 0..3 {
                assert_ne!(send(k).await.unwrap().status(), 429, "{path} within the burst");
            }
            let refused = send(3).await.unwrap();
            assert_eq!(refused.status(), 429, "{path}");
            assert!(refused.headers().contains_key(RETRY_AFTER), "{path}");
            let text = refused.text().await.unwrap();
            assert!(text.contains("wait") || text.contains("Wait"), "{path}: {text}");
        }
        // IPv6 clients count by their /64.
        for (ip, status) in [
            ("2001:db8:1:2::1", 201),
            ("2001:db8:1:2::2", 201),
            ("2001:db8:1:2:ffff::3", 201),
            ("2001:db8:1:2::99", 429),
            ("2001:db8:1:3::1", 201),
        ] {
            assert_eq!(post_json_from(&app, ip, &reply("v6", ip)).await.status(), status, "{ip}");
        }
    }

    async fn spam_and_trash_are_emptied_after_their_days_with_an_audit_entry(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let old_spam = app.comment("emptied", None, "Old spam").await;
        let old_trash = app.comment("emptied", None, "Old trash").await;
        let new_spam = app.comment("emptied", None, "New spam").await;
        let kept = app.comment("emptied", None, "Pending and old").await;
        app.cli_ok(&["comment", "spam", &old_spam.to_string(), &new_spam.to_string()]);
        app.cli_ok(&["comment", "trash", &old_trash.to_string()]);
        app.execute_sql(&format!(
            "UPDATE comments SET updated_at = '2000-01-01 00:00:00', created_at = '2000-01-01 00:00:00' \
             WHERE id IN ({old_spam}, {old_trash}, {kept})"
        ));
        // Spam brought by an import, written years ago, has been in this
        // instance's spam folder only since the import.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("spam.xml");
        std::fs::write(&file, wxr_of(&[("1", "Imported spammer", "", "spam")])).unwrap();
        app.cli_ok(&["import", "wordpress", file.to_str().unwrap()]);
        // The sweep runs when an instance starts.
        let _second = app.another_instance(&[("EMPTY_SPAM_DAYS", "30")]).await;
        let old = format!("SELECT COUNT(*) AS n FROM comments WHERE id IN ({old_spam}, {old_trash})");
        eventually("the sweep to delete the old spam and trash", async || app.number_is(&old, 0)).await;
        assert_eq!(app.query_number(&format!("SELECT COUNT(*) AS n FROM comments WHERE id IN ({new_spam}, {kept})")), 2);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comments WHERE author = 'Imported spammer'"), 1);
        assert_eq!(
            app.query_number(&format!(
                "SELECT COUNT(*) AS n FROM audit_log WHERE comment_id IN ({old_spam}, {old_trash}) \
                 AND actor = 'retention' AND to_status = 'deleted' AND reason LIKE '%EMPTY_SPAM_DAYS%'"
            )),
            2
        );
    }
}

// 3. The answer to a held comment is no e-mail oracle.
on_both_backends! {
    async fn only_a_published_comment_carries_an_avatar_key(backend: Backend) {
        let held = spawn_app(backend.clone(), &[]).await;
        let answer: Value = held.post_json(&reply("oracle", "Guessing an address")).await.json().await.unwrap();
        assert_eq!(answer["status"], "pending");
        assert!(answer.get("avatar").is_none(), "{answer}");
        let mut guess = honeypot("oracle", "Guessing again");
        guess["email"] = json!("victim@example.com");
        let spam: Value = held.post_json(&guess).await.json().await.unwrap();
        assert!(spam.get("avatar").is_none(), "{spam}");

        let open = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        let published: Value = open.post_json(&reply("oracle", "Published at once")).await.json().await.unwrap();
        assert_eq!(published["status"], "approved");
        let avatar = published["avatar"].as_str().unwrap();
        assert_eq!(open.thread("oracle").await["comments"][0]["avatar"], avatar);
    }
}

/// A login request as one browser among many would send it: its own
/// address, the login form's token, and the cookies it holds.
async fn login_from(
    app: &TestApp,
    ip: &str,
    email: &str,
    password: &str,
    cookies: &str,
) -> reqwest::Response {
    let page = app
        .client
        .get(app.url("/admin/login"))
        .header("X-Forwarded-For", ip)
        .send()
        .await
        .unwrap();
    let token = page
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .find_map(|c| {
            c.to_str()
                .ok()?
                .strip_prefix("replydesk_login=")?
                .split(';')
                .next()
                .map(str::to_owned)
        })
        .unwrap();
    let cookies = match cookies {
        "" => format!("replydesk_login={token}"),
        more => format!("replydesk_login={token}; {more}"),
    };
    app.client
        .post(app.url("/admin/login"))
        .header("X-Forwarded-For", ip)
        .header(COOKIE, cookies)
        .form(&[
            ("csrf", token.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// The `name=value` of a cookie an answer sets.
fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

// 4. and 5. Logins: counted before they are checked, and no lockout by strangers.
on_both_backends! {
    async fn parallel_wrong_passwords_meet_the_throttle_one_after_another(backend: Backend) {
        let app = spawn_app(backend, &[BEHIND_PROXY]).await;
        app.add_moderator("admin@example.com");
        let attempts = (0..24).map(|n| {
            let app = &app;
            async move { login_from(app, &format!("192.0.2.{}", n + 1), "admin@example.com", "not the password", "").await.status().as_u16() }
        });
        let statuses = futures_util::future::join_all(attempts).await;
        let checked = statuses.iter().filter(|s| **s == 401).count();
        let throttled = statuses.iter().filter(|s| **s == 429).count();
        assert_eq!(checked + throttled, 24, "{statuses:?}");
        assert!(checked <= 3, "only the three free tries are checked: {statuses:?}");
    }

    async fn a_flood_of_logins_leaves_the_comments_readable(backend: Backend) {
        let app = spawn_app(backend, &[BEHIND_PROXY, ("HOLD_ALL", "false")]).await;
        app.comment("readable", None, "Still here").await;
        let logins = (0..50).map(|n| {
            let app = &app;
            async move {
                login_from(app, &format!("10.0.{}.{}", n / 200, n % 200 + 1), &format!("guess{n}@example.com"), "a wrong guess", "").await.status().as_u16()
            }
        });
        let reads = async {
            let mut statuses = Vec::new();
            for _ in 0..40 {
                statuses.push(app.get("/api/posts/readable/comments").await.status().as_u16());
            }
            statuses
        };
        let (logins, reads) = tokio::join!(futures_util::future::join_all(logins), reads);
        assert!(logins.iter().all(|s| *s == 401), "{logins:?}");
        assert!(reads.iter().all(|s| *s == 200), "{reads:?}");
    }

    async fn a_browser_that_logged_in_before_gets_past_a_strangers_lockout(backend: Backend) {
        let app = spawn_app(backend, &[BEHIND_PROXY, ("LOGIN_LOCK_AFTER", "4")]).await;
        app.add_moderator("admin@example.com");
        let first = login_from(&app, "192.0.2.50", "admin@example.com", PASSWORD, "").await;
        assert_eq!(first.status(), 303);
        let device = cookie(&first, "replydesk_device").expect("a device cookie");
        // A stranger locks the account from many addresses: three free
        // guesses, a second's wait, and the fourth locks it.
        for n in 0..4 {
            if n == 3 {
                tokio::time::sleep(Duration::from_millis(1_100)).await;
            }
            let guess = login_from(&app, &format!("198.51.100.{}", n + 1), "admin@example.com", "guess", "").await;
            assert_eq!(guess.status(), 401);
        }
        let stranger = login_from(&app, "198.51.100.99", "admin@example.com", PASSWORD, "").await;
        assert_eq!(stranger.status(), 429, "locked for browsers without the cookie");
        assert!(stranger.text().await.unwrap().contains("locked"));

        let known = login_from(&app, "192.0.2.50", "admin@example.com", PASSWORD, &device).await;
        assert_eq!(known.status(), 303, "the moderator's own browser still gets in");
        assert!(cookie(&known, "replydesk_admin").is_some());

        // The device has a throttle of its own: guessing with a stolen cookie locks that cookie.
        for n in 0..4 {
            if n == 3 {
                tokio::time::sleep(Duration::from_millis(1_100)).await;
            }
            let guess = login_from(&app, "192.0.2.51", "admin@example.com", "guess", &device).await;
            assert_eq!(guess.status(), 401);
        }
        let locked_device = login_from(&app, "192.0.2.50", "admin@example.com", PASSWORD, &device).await;
        assert_eq!(locked_device.status(), 429);
        // A forged or foreign device cookie is no device at all.
        let forged = login_from(&app, "192.0.2.52", "admin@example.com", PASSWORD, "replydesk_device=d.1.00.9999999999.ab").await;
        assert_eq!(forged.status(), 429);
    }
}

// 6. Passwords: a reset from the command line ends sessions; adding and
// removing moderators asks for the acting moderator's password.
on_both_backends! {
    async fn a_password_reset_from_the_command_line_ends_every_session(backend: Backend) {
        let app = spawn_app(backend, &[("LOGIN_LOCK_AFTER", "3")]).await;
        app.add_moderator("admin@example.com");
        let desk = Desk::new(&app).login("admin@example.com").await;
        assert_eq!(desk.get("/admin").await.status(), 200);
        for _ in 0..3 {
            assert_eq!(Desk::new(&app).try_login("admin@example.com", "wrong guess").await.status(), 401);
        }
        assert_eq!(Desk::new(&app).try_login("admin@example.com", PASSWORD).await.status(), 429);

        let output = crate::helpers::cli(&app.db, &["moderator", "passwd", "admin@example.com"], "another passphrase\nanother passphrase\n");
        assert!(output.status.success(), "{}", output_text(&output));
        assert!(output_text(&output).contains("sessions have ended"));
        let old = desk.get("/admin").await;
        assert_eq!(old.status(), 303, "the old session no longer opens the queue");
        assert_eq!(old.headers()[LOCATION], "/admin/login");
        assert_eq!(
            app.query_number("SELECT COUNT(*) AS n FROM login_throttle WHERE key LIKE 'account:%'"),
            0,
            "the failed logins are forgotten"
        );
        assert_eq!(Desk::new(&app).try_login("admin@example.com", "another passphrase").await.status(), 303);
    }

    async fn adding_or_removing_a_moderator_asks_for_your_password(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        app.add_moderator("admin@example.com");
        let desk = Desk::new(&app).login("admin@example.com").await;
        let add = |mine: &'static str| {
            let desk = &desk;
            async move {
                desk.post("/admin/moderators", &[("email", "new@example.com"), ("password", PASSWORD), ("your_password", mine)]).await
            }
        };
        for wrong in ["", "not my password"] {
            let refused = add(wrong).await;
            assert_eq!(refused.status(), 422);
            assert!(refused.text().await.unwrap().contains("not your current password"));
        }
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM moderators"), 1);
        assert_eq!(add(PASSWORD).await.status(), 303);
        let new_id = app.query_number("SELECT id AS n FROM moderators WHERE email = 'new@example.com'");

        let confirm = desk.text(&format!("/admin/moderators/{new_id}/remove")).await;
        assert!(confirm.contains("new@example.com") && confirm.contains("your_password"), "{confirm}");
        let path = format!("/admin/moderators/{new_id}/remove");
        let refused = desk.post(&path, &[("your_password", "wrong")]).await;
        assert_eq!(refused.status(), 422);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM moderators"), 2);
        assert_eq!(desk.post(&path, &[("your_password", PASSWORD)]).await.status(), 303);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM moderators"), 1);
    }
}

/// Every moderation link in a message, by the action its token names.
fn links_in(
    mail: &crate::smtp::Received,
    app: &TestApp,
) -> std::collections::BTreeMap<String, String> {
    moderation_links(mail, app).into_iter().collect()
}

// 7. E-mailed links act once, on what the e-mail showed, for its moderator only.
on_both_backends! {
    async fn an_approve_link_cannot_publish_a_comment_again_after_it_changed(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url())]).await;
        app.add_moderator("admin@example.com");
        let id = app.comment("replay", None, "Approve me once").await;
        let mail = smtp.wait_for(1).await.remove(0);
        let links = links_in(&mail, &app);
        let approve = &links["approve"];
        let done = app.client.post(approve).send().await.unwrap();
        assert_eq!(done.status(), 200);
        assert!(done.text().await.unwrap().contains("now approved"));
        let twice = app.client.post(approve).send().await.unwrap();
        assert_eq!(twice.status(), 200);
        assert!(twice.text().await.unwrap().contains("already approved"));

        app.cli_ok(&["comment", "trash", &id.to_string()]);
        for replay in [app.client.get(approve), app.client.post(approve)] {
            let refused = replay.send().await.unwrap();
            assert_eq!(refused.status(), 409);
            let page = refused.text().await.unwrap();
            assert!(page.contains("changed since this e-mail was written") && page.contains("trash"), "{page}");
        }
        assert_eq!(app.thread("replay").await["total"], 0, "still in the trash");
        // The spam link of the same e-mail is just as stale.
        assert_eq!(app.client.post(&links["spam"]).send().await.unwrap().status(), 409);
    }

    async fn a_removed_moderators_links_act_on_nothing(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url())]).await;
        app.add_moderator("leaving@example.com");
        app.comment("removed", None, "Moderate me").await;
        let mail = smtp.wait_for(1).await.remove(0);
        let approve = links_in(&mail, &app)["approve"].clone();
        app.cli_ok(&["moderator", "remove", "leaving@example.com"]);
        for request in [app.client.get(&approve), app.client.post(&approve)] {
            let refused = request.send().await.unwrap();
            assert_eq!(refused.status(), 403);
            assert!(refused.text().await.unwrap().contains("moderator who has since been removed"));
        }
        assert_eq!(app.thread("removed").await["total"], 0);
    }
}

// 8. Every HTML answer carries the security headers.
fn assert_page_headers(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert!(headers.contains_key("referrer-policy"), "{what}");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("frame-ancestors 'none'"),
        "{what}: {policy}"
    );
}

on_both_backends! {
    async fn every_html_answer_sends_nosniff_a_referrer_policy_and_frame_ancestors(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("DEMO", "true")]).await;
        app.add_moderator("admin@example.com");
        let form_error = app.post_form("/comments", &[("post", "headers")]).await;
        assert_eq!(form_error.status(), 422);
        assert_page_headers(&form_error, "the form error page");
        // From the blog's origin, naming no page to go back to: the thank-you page.
        let thanks = app
            .post_form("/comments", &[("post", "headers"), ("author", "Ada"), ("email", "ada@example.com"), ("comment", "Thanks page")])
            .await;
        assert_eq!(thanks.status(), 200);
        assert_page_headers(&thanks, "the thank-you page");
        let mail = smtp.wait_for(1).await.remove(0);
        let approve = links_in(&mail, &app)["approve"].clone();
        let confirm = app.client.get(&approve).send().await.unwrap();
        assert_eq!(confirm.status(), 200);
        assert_page_headers(&confirm, "the moderate page");
        assert_eq!(confirm.headers()["referrer-policy"], "no-referrer", "the token stays in the address bar");
        let unsubscribe = app.get("/unsubscribe/not-a-token").await;
        assert_page_headers(&unsubscribe, "the unsubscribe page");
        let demo = app.get("/demo/").await;
        assert_eq!(demo.status(), 200);
        assert_page_headers(&demo, "the demo blog");
        let missing = app.client.get(app.url("/nowhere")).header("Accept", "text/html").send().await.unwrap();
        assert_page_headers(&missing, "the 404 page");
        let script = app.get("/embed.js").await;
        assert_eq!(script.headers()["x-content-type-options"], "nosniff");
        assert!(!script.headers().contains_key("content-security-policy"), "the widget runs in the blog's page");
        assert!(!script.headers().contains_key("strict-transport-security"), "plain http is not pinned");
    }

    async fn behind_https_pages_send_hsts_and_cookies_take_the_host_prefix(backend: Backend) {
        let app = spawn_app(backend, &[("PUBLIC_URL", "https://comments.example")]).await;
        let login = app.get("/admin/login").await;
        assert_eq!(login.headers()["strict-transport-security"], "max-age=63072000");
        let set = login.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        assert!(set.starts_with("__Host-replydesk_login="), "{set}");
        let attributes: Vec<&str> = set.split("; ").skip(1).collect();
        assert!(attributes.contains(&"Secure") && attributes.contains(&"Path=/"), "{set}");
        assert!(!set.contains("Domain"), "{set}");
        assert_eq!(app.get("/api/posts/p/comments").await.headers()["strict-transport-security"], "max-age=63072000");
    }
}

#[test]
fn start_up_warns_when_smtp_credentials_would_travel_in_clear() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let mut server = Command::new(crate::helpers::BINARY)
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env(
            "REPLYDESK_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("r.db").display()),
        )
        .env("REPLYDESK_BIND", "127.0.0.1:0")
        .env("REPLYDESK_SMTP_URL", "smtp://user:hunter2@127.0.0.1:1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(server.stderr.take().unwrap());
    let (lines, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut read = Vec::new();
    while let Ok(line) = seen.recv_timeout(Duration::from_secs(30)) {
        let warned = line.contains("without TLS");
        read.push(line);
        if warned {
            break;
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    let warning = read
        .iter()
        .find(|l| l.contains("without TLS"))
        .unwrap_or_else(|| panic!("{read:#?}"));
    assert!(
        warning.contains("WARN") && !warning.contains("hunter2"),
        "{warning}"
    );
}

// 9. Path and query inputs are checked like body fields.
on_both_backends! {
    async fn nul_bytes_and_pages_past_the_last_get_a_worded_4xx(backend: Backend) {
        let app = spawn_app(backend, &[("HOLD_ALL", "false")]).await;
        app.comment("paged", None, "One thread").await;
        for path in ["/api/posts/%00/comments", "/api/posts/a%00b/comments", "/api/posts/%01/comments"] {
            let response = app.get(path).await;
            assert_eq!(response.status(), 400, "{path}");
            let body: Value = response.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().contains("control"), "{path}: {body}");
        }
        let long = format!("/api/posts/{}/comments", "k".repeat(300));
        assert_eq!(app.get(&long).await.status(), 400);
        let counts = app.get("/api/counts?post=ok&post=%00").await;
        assert_eq!(counts.status(), 422);
        let body: Value = counts.json().await.unwrap();
        assert!(body["fields"]["post"].as_str().is_some(), "{body}");
        for path in ["/api/posts/paged/comments?page=2", "/api/posts/paged/comments?page=999999", "/api/posts/nothing/comments?page=2"] {
            let response = app.get(path).await;
            assert_eq!(response.status(), 404, "{path}");
            let body: Value = response.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().contains("There is no page"), "{path}: {body}");
        }
        assert_eq!(app.get("/api/posts/paged/comments?page=1").await.status(), 200);
        assert_eq!(app.get("/api/posts/nothing/comments").await.status(), 200);

        // The admin side: a NUL in a login, a search or a form is refused, not a 500.
        app.add_moderator("admin@example.com");
        let desk = Desk::new(&app);
        assert_eq!(desk.try_login("admin\0@example.com", "x\0y").await.status(), 400);
        let desk = desk.login("admin@example.com").await;
        assert_eq!(desk.get("/admin?q=%00").await.status(), 400);
        assert_eq!(desk.post("/admin/settings", &[("moderation_keys", "a\0b")]).await.status(), 400);
    }
}

// 10. The smaller doors.
on_both_backends! {
    async fn names_that_reverse_or_hide_text_are_refused(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        for name in ["Eve \u{202e}gnp.exe", "Zero\u{200b}Width", "\u{2066}Isolated"] {
            let mut body = reply("bidi", "Hello");
            body["author"] = json!(name);
            let response = app.post_json(&body).await;
            assert_eq!(response.status(), 422, "{name:?}");
            let errors: Value = response.json().await.unwrap();
            assert!(errors["fields"]["author"].as_str().unwrap().contains("invisible"), "{errors}");
        }
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comments"), 0);
    }

    async fn imported_javascript_websites_and_hidden_marks_are_dropped_and_reported(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("export.xml");
        std::fs::write(&file, wxr_with(&[
            ("1", "Mallory", "javascript:alert(document.cookie)"),
            ("2", "Eve \u{202e}gnp.exe", "ada.example"),
            ("3", "Ada", "https://ada.example/"),
        ])).unwrap();
        let said = app.cli_ok(&["import", "wordpress", file.to_str().unwrap()]);
        assert!(said.contains("not an http(s) address"), "{said}");
        assert!(said.contains("invisible characters"), "{said}");
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comments WHERE url LIKE 'javascript:%'"), 0);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comments WHERE url = 'http://ada.example'"), 1);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM comments WHERE author = 'Eve gnp.exe'"), 1);
        let thread = app.thread("%2Fhello%2F").await;
        assert_eq!(thread["total"], 3, "{thread}");
        let shown = thread.to_string();
        assert!(!shown.contains("javascript:"), "{shown}");
    }

    async fn old_login_throttle_rows_are_swept_with_their_addresses(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        app.execute_sql(
            "INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES \
             ('ip:192.0.2.1', 2, '2000-01-01 00:00:00', NULL), \
             ('account:old@example.com', 12, '2000-01-01 00:00:00', '2000-01-01 00:15:00'), \
             ('account:locked@example.com', 12, '2000-01-01 00:00:00', '2999-01-01 00:00:00')",
        );
        let _second = app.another_instance(&[]).await;
        eventually("the sweep to leave only the lock still running", async || app.number_is("SELECT COUNT(*) AS n FROM login_throttle", 1)).await;
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM login_throttle WHERE key = 'account:locked@example.com'"), 1, "a lock still running stays");
        // And what a typed address can leave behind is short.
        let long = format!("{}@example.com", "a".repeat(8_000));
        Desk::new(&app).try_login(&long, "wrong").await;
        assert!(app.query_number("SELECT CAST(MAX(LENGTH(key)) AS BIGINT) AS n FROM login_throttle") <= 300);
    }

    async fn an_imported_moderator_without_a_password_gets_the_same_answer(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        app.execute_sql(
            "INSERT INTO moderators (email, password_hash, created_at) \
             VALUES ('imported@example.com', '!imported without a password', '2020-01-01 00:00:00')",
        );
        // Both are checked against a hash (the stand-in's), so neither the
        // answer nor its cost tells an imported account from no account.
        for email in ["imported@example.com", "nobody@example.com"] {
            let refused = Desk::new(&app).try_login(email, "anything").await;
            assert_eq!(refused.status(), 401, "{email}");
            assert!(refused.text().await.unwrap().contains("That email and password do not match a moderator."));
        }
    }
}

/// A small WordPress export with one post and the given approved comments
/// (`(id, author, website)`).
fn wxr_with(comments: &[(&str, &str, &str)]) -> String {
    wxr_of(
        &comments
            .iter()
            .map(|(id, author, url)| (*id, *author, *url, "1"))
            .collect::<Vec<_>>(),
    )
}

/// The same with each comment's `wp:comment_approved` (`1`, `0`, `spam`, `trash`).
fn wxr_of(comments: &[(&str, &str, &str, &str)]) -> String {
    let comments: String = comments
        .iter()
        .map(|(id, author, url, approved)| {
            format!(
                "<wp:comment><wp:comment_id>{id}</wp:comment_id><wp:comment_author><![CDATA[{author}]]></wp:comment_author>\
                 <wp:comment_author_email>c{id}@example.com</wp:comment_author_email><wp:comment_author_url>{url}</wp:comment_author_url>\
                 <wp:comment_date_gmt>2024-01-0{id} 10:00:00</wp:comment_date_gmt><wp:comment_content><![CDATA[Comment {id}]]></wp:comment_content>\
                 <wp:comment_approved>{approved}</wp:comment_approved><wp:comment_type>comment</wp:comment_type><wp:comment_parent>0</wp:comment_parent></wp:comment>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel><wp:wxr_version>1.2</wp:wxr_version><item><title>Hello</title>\
         <link>https://blog.example/hello/</link><wp:post_id>7</wp:post_id><wp:post_type>post</wp:post_type><wp:status>publish</wp:status>\
         <wp:comment_status>open</wp:comment_status>{comments}</item></channel></rss>\n"
    )
}

// 11. Metrics can be guarded and do not count every comment on every scrape.
on_both_backends! {
    async fn metrics_ask_for_their_token_and_count_comments_at_most_once_a_minute(backend: Backend) {
        let token = "a-metrics-token-of-some-length";
        let app = spawn_app(backend, &[("METRICS_TOKEN", token)]).await;
        let bare = app.get("/metrics").await;
        assert_eq!(bare.status(), 401);
        assert!(bare.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
        let body: Value = bare.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("REPLYDESK_METRICS_TOKEN"), "{body}");
        let wrong = app.client.get(app.url("/metrics")).bearer_auth("a-wrong-token-of-some-length").send().await.unwrap();
        assert_eq!(wrong.status(), 401);
        let scrape = || async { app.client.get(app.url("/metrics")).bearer_auth(token).send().await.unwrap() };
        app.comment("metered", None, "first").await;
        let first = scrape().await;
        assert_eq!(first.status(), 200);
        assert!(first.text().await.unwrap().contains("replydesk_comments{site=\"default\",status=\"pending\"} 1"));
        app.comment("metered", None, "second").await;
        let second = scrape().await.text().await.unwrap();
        assert!(second.contains("replydesk_comments{site=\"default\",status=\"pending\"} 1"), "the count of a minute ago: {second}");
    }
}

#[test]
fn the_compose_file_pins_its_images_and_keeps_mailpit_on_loopback() {
    let compose =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docker-compose.yml"))
            .unwrap();
    let images: Vec<&str> = compose
        .lines()
        .filter_map(|l| l.trim().strip_prefix("image:"))
        .map(str::trim)
        .collect();
    assert!(!images.is_empty());
    for image in images {
        let tag = image
            .rsplit_once(':')
            .map(|(_, tag)| tag)
            .unwrap_or_default();
        assert!(
            tag.chars().any(|c| c.is_ascii_digit()) && tag.contains('.') && tag != "latest",
            "{image}"
        );
    }
    let mailpit = &compose[compose.find("\n  mailpit:\n").unwrap()..];
    let ports: Vec<&str> = mailpit
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("ports:"))
        .skip(1)
        .take_while(|l| l.trim_start().starts_with('-'))
        .collect();
    assert_eq!(ports.len(), 2, "{mailpit}");
    assert!(
        ports.iter().all(|p| p.contains("\"127.0.0.1:")),
        "{ports:?}"
    );
}
