//! Akismet, the optional spam check, against a stand-in Akismet on a local
//! port that speaks its documented API: form POSTs to `/1.1/comment-check`,
//! `/1.1/submit-spam` and `/1.1/submit-ham`, answered in a word, `invalid`
//! with `X-akismet-debug-help` for a key it does not know, and
//! `comment_author=akismet-guaranteed-spam` as its documented spam trigger.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::admin::{Desk, status_of};
use crate::helpers::{BLOG, Backend, TestApp, eventually, reply, spawn_app};
use crate::on_both_backends;

/// The key the stand-in knows.
const KEY: &str = "123456789abc";
/// Akismet's documented way to be told "spam" on purpose.
const SPAMMER: &str = "akismet-guaranteed-spam";
const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0";
const EMAIL: &str = "ada@example.com";
const MODERATOR: &str = "mod@example.com";

/// How the stand-in answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// As Akismet does.
    Working,
    /// `500 Internal Server Error` to everything, as in an outage.
    Failing,
}

/// One request the stand-in received: the method's name and the form fields.
#[derive(Clone, Debug)]
struct Call {
    method: String,
    fields: HashMap<String, String>,
}

/// A stand-in Akismet on a local port, recording every call.
#[derive(Clone)]
struct StandIn {
    url: String,
    mode: Arc<Mutex<Mode>>,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl StandIn {
    async fn start() -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        StandIn::serve(listener)
    }

    /// On a port chosen earlier, as an Akismet that comes back up.
    async fn start_on(port: u16) -> StandIn {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        StandIn::serve(listener)
    }

    fn serve(listener: TcpListener) -> StandIn {
        let port = listener.local_addr().unwrap().port();
        let stand_in = StandIn {
            url: format!("http://127.0.0.1:{port}"),
            mode: Arc::new(Mutex::new(Mode::Working)),
            calls: Arc::new(Mutex::new(Vec::new())),
        };
        let serving = stand_in.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let serving = serving.clone();
                tokio::spawn(async move { serving.answer(stream).await });
            }
        });
        stand_in
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// The calls of one method (`comment-check`, `submit-spam`, `submit-ham`).
    fn calls(&self, method: &str) -> Vec<Call> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|call| call.method == method)
            .cloned()
            .collect()
    }

    fn all_calls(&self) -> usize {
        self.calls.lock().unwrap().len()
    }

    /// One HTTP/1.1 request, one answer, then the connection closes.
    async fn answer(&self, mut stream: TcpStream) {
        let Some((path, body)) = read_request(&mut stream).await else {
            return;
        };
        let fields: HashMap<String, String> =
            url::form_urlencoded::parse(&body).into_owned().collect();
        let method = path.strip_prefix("/1.1/").unwrap_or(&path).to_owned();
        self.calls.lock().unwrap().push(Call {
            method: method.clone(),
            fields: fields.clone(),
        });
        let mode = *self.mode.lock().unwrap();
        let (status, headers, text) = if mode == Mode::Failing {
            (
                "500 Internal Server Error",
                "",
                "Akismet is having a bad day",
            )
        } else if fields.get("api_key").map(String::as_str) != Some(KEY) {
            (
                "200 OK",
                "X-akismet-debug-help: We were unable to authenticate your API key.\r\n",
                "invalid",
            )
        } else {
            match method.as_str() {
                "comment-check"
                    if fields.get("comment_author").map(String::as_str) == Some(SPAMMER) =>
                {
                    ("200 OK", "", "true")
                }
                "comment-check" => ("200 OK", "", "false"),
                "submit-spam" | "submit-ham" => {
                    ("200 OK", "", "Thanks for making the web a better place.")
                }
                _ => ("404 Not Found", "", "no such method"),
            }
        };
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n{headers}\
             Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
            text.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    }
}

/// The path and body of a request with a `Content-Length`.
async fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        bytes.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let path = head.split_whitespace().nth(1)?.to_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while bytes.len() < head_end + length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        bytes.extend_from_slice(&chunk[..read]);
    }
    Some((path, bytes[head_end..head_end + length].to_vec()))
}

/// A server with Akismet on, asking `url` with `key`, retrying after a second.
async fn with_akismet(backend: Backend, url: &str, key: &str) -> TestApp {
    spawn_app(
        backend,
        &[
            ("AKISMET_KEY", key),
            ("AKISMET_URL", url),
            ("AKISMET_RETRY_SECONDS", "1"),
        ],
    )
    .await
}

/// Posts a reply by `author` from a browser, as the blog's page would; it is held.
async fn held_comment(app: &TestApp, author: &str, text: &str) -> i64 {
    let mut body = reply("akismet", text);
    body["author"] = Value::from(author);
    let response = app
        .client
        .post(app.url("/api/comments"))
        .header("Origin", BLOG)
        .header("User-Agent", BROWSER)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        created["status"], "pending",
        "every comment is held by default"
    );
    created["id"].as_i64().unwrap()
}

fn verdict_is(app: &TestApp, id: i64, verdict: &str) -> Result<(), String> {
    app.number_is(
        &format!(
            "SELECT COUNT(*) AS n FROM comments WHERE id = {id} AND akismet_verdict = '{verdict}'"
        ),
        1,
    )
}

/// The attempts made so far on comment `id`'s queued check.
fn attempts_on(app: &TestApp, id: i64) -> i64 {
    app.query_number(&format!(
        "SELECT CAST(COALESCE(MAX(attempts), 0) AS BIGINT) AS n FROM akismet_queue WHERE comment_id = {id}"
    ))
}

/// Asserts that Akismet was told what its documentation lists about the comment.
fn assert_told_about(call: &Call, author: &str, text: &str) {
    let field = |name: &str| call.fields.get(name).map(String::as_str);
    assert_eq!(field("api_key"), Some(KEY));
    assert_eq!(field("user_ip"), Some("127.0.0.1"));
    assert_eq!(field("user_agent"), Some(BROWSER));
    assert_eq!(field("comment_author"), Some(author));
    assert_eq!(field("comment_author_email"), Some(EMAIL));
    assert_eq!(field("comment_content"), Some(text));
    assert_eq!(field("comment_type"), Some("comment"));
    assert_eq!(
        field("permalink"),
        Some(format!("{BLOG}/akismet/").as_str())
    );
    assert_eq!(
        field("blog"),
        Some("http://localhost"),
        "the site's own origin"
    );
    assert_eq!(field("blog_charset"), Some("UTF-8"));
    assert!(
        field("comment_date_gmt").is_some_and(|date| date.ends_with('Z') && date.contains('T')),
        "an ISO 8601 UTC date: {:?}",
        field("comment_date_gmt")
    );
}

/// A moderator's action on one comment from the admin page.
async fn moderate(desk: &Desk, action: &str, id: i64) {
    let act = format!("{action}:{id}");
    let response = desk
        .post(
            "/admin/comments",
            &[("act", act.as_str()), ("back", "status=pending")],
        )
        .await;
    assert_eq!(response.status(), 303, "{action}");
}

on_both_backends! {
    async fn a_spam_verdict_moves_a_held_comment_to_spam_with_an_audit_entry(backend: Backend) {
        let akismet = StandIn::start().await;
        let app = with_akismet(backend, &akismet.url, KEY).await;
        let text = "Cheap watches, best prices, click now!";

        let id = held_comment(&app, SPAMMER, text).await;

        eventually("Akismet's verdict to move the comment", async || status_of(&app, id) == "spam").await;
        verdict_is(&app, id, "spam").unwrap();
        app.number_is(
            &format!(
                "SELECT COUNT(*) AS n FROM audit_log WHERE comment_id = {id} AND actor = 'Akismet' \
                 AND from_status = 'pending' AND to_status = 'spam' AND reason LIKE '%Akismet%'"
            ),
            1,
        )
        .unwrap();
        let checks = akismet.calls("comment-check");
        assert_eq!(checks.len(), 1, "asked once");
        assert_told_about(&checks[0], SPAMMER, text);
        // Akismet's own move is not reported back to it.
        app.number_is("SELECT COUNT(*) AS n FROM akismet_queue", 0).unwrap();
        assert!(akismet.calls("submit-spam").is_empty());
    }

    async fn a_ham_verdict_leaves_the_comment_held_for_a_moderator(backend: Backend) {
        let akismet = StandIn::start().await;
        let app = with_akismet(backend, &akismet.url, KEY).await;

        let id = held_comment(&app, "Ada Lovelace", "A thoughtful remark.").await;

        eventually("Akismet's verdict", async || verdict_is(&app, id, "ham")).await;
        assert_eq!(status_of(&app, id), "pending", "Akismet never publishes");
        app.number_is("SELECT COUNT(*) AS n FROM akismet_queue", 0).unwrap();
        assert_told_about(&akismet.calls("comment-check")[0], "Ada Lovelace", "A thoughtful remark.");
    }

    async fn an_outage_keeps_the_comment_held_and_it_is_checked_again_once_akismet_is_back(backend: Backend) {
        let akismet = StandIn::start().await;
        akismet.set(Mode::Failing);
        let app = with_akismet(backend, &akismet.url, KEY).await;

        let id = held_comment(&app, SPAMMER, "Spam during an outage.").await;

        eventually("a failed check to be recorded", async || attempts_on(&app, id) >= 1).await;
        assert_eq!(status_of(&app, id), "pending", "held, not lost, not published");
        app.number_is(
            &format!("SELECT COUNT(*) AS n FROM comments WHERE id = {id} AND akismet_verdict IS NULL"),
            1,
        )
        .unwrap();

        akismet.set(Mode::Working);
        eventually("the check to be retried", async || status_of(&app, id) == "spam").await;
        assert!(akismet.calls("comment-check").len() >= 2);
    }

    async fn an_akismet_that_is_down_is_asked_again_once_it_is_up(backend: Backend) {
        // A port nothing listens on, until the stand-in takes it.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let app = with_akismet(backend, &format!("http://127.0.0.1:{port}"), KEY).await;

        let id = held_comment(&app, "Ada Lovelace", "Posted while Akismet is down.").await;

        eventually("a failed check to be recorded", async || attempts_on(&app, id) >= 1).await;
        assert_eq!(status_of(&app, id), "pending");

        let akismet = StandIn::start_on(port).await;
        eventually("the check to be retried", async || verdict_is(&app, id, "ham")).await;
        assert_eq!(status_of(&app, id), "pending");
        assert_eq!(akismet.calls("comment-check").len(), 1);
    }

    async fn a_refused_key_keeps_the_comment_held(backend: Backend) {
        let akismet = StandIn::start().await;
        let app = with_akismet(backend, &akismet.url, "notthekey1").await;

        let id = held_comment(&app, SPAMMER, "Spam sent while the key is wrong.").await;

        eventually("the refusal to be recorded", async || {
            app.number_is(
                &format!(
                    "SELECT COUNT(*) AS n FROM akismet_queue WHERE comment_id = {id} \
                     AND attempts >= 1 AND NOT dead AND last_error LIKE '%invalid%'"
                ),
                1,
            )
        })
        .await;
        assert_eq!(status_of(&app, id), "pending", "held for a moderator");
        app.number_is(
            &format!("SELECT COUNT(*) AS n FROM comments WHERE id = {id} AND akismet_verdict IS NULL"),
            1,
        )
        .unwrap();
    }

    async fn a_moderator_s_decisions_reach_akismet_as_reports(backend: Backend) {
        let akismet = StandIn::start().await;
        let app = with_akismet(backend, &akismet.url, KEY).await;
        app.add_moderator(MODERATOR);
        let desk = Desk::new(&app).login(MODERATOR).await;

        // Akismet missed this one; the moderator marks it spam.
        let missed = held_comment(&app, "Ada Lovelace", "Subtle spam Akismet let through.").await;
        eventually("Akismet's verdict", async || verdict_is(&app, missed, "ham")).await;
        moderate(&desk, "spam", missed).await;
        let reported = eventually("submit-spam", async || akismet.calls("submit-spam").pop()).await;
        assert_told_about(&reported, "Ada Lovelace", "Subtle spam Akismet let through.");

        // Akismet called this one spam wrongly; the moderator says "not spam".
        let wronged = held_comment(&app, SPAMMER, "A real reader with an odd name.").await;
        eventually("Akismet's move", async || status_of(&app, wronged) == "spam").await;
        moderate(&desk, "not-spam", wronged).await;
        let reported = eventually("submit-ham", async || akismet.calls("submit-ham").pop()).await;
        assert_told_about(&reported, SPAMMER, "A real reader with an odd name.");
        assert_eq!(status_of(&app, wronged), "pending");

        // Approving it now is no news to Akismet: it was told already.
        eventually("the queue to empty", async || app.number_is("SELECT COUNT(*) AS n FROM akismet_queue", 0)).await;
        moderate(&desk, "approve", wronged).await;
        app.number_is("SELECT COUNT(*) AS n FROM akismet_queue", 0).unwrap();
        assert_eq!(akismet.calls("submit-spam").len(), 1);
        assert_eq!(akismet.calls("submit-ham").len(), 1);
    }

    async fn with_akismet_off_nothing_is_queued_or_sent(backend: Backend) {
        let akismet = StandIn::start().await;
        let app = spawn_app(backend, &[("AKISMET_URL", &akismet.url)]).await;
        app.add_moderator(MODERATOR);
        let desk = Desk::new(&app).login(MODERATOR).await;

        let id = held_comment(&app, SPAMMER, "Spam nobody asks Akismet about.").await;
        moderate(&desk, "spam", id).await;

        // Both are queued in the transaction of the change, if at all.
        app.number_is("SELECT COUNT(*) AS n FROM akismet_queue", 0).unwrap();
        app.number_is("SELECT COUNT(*) AS n FROM comments WHERE akismet_verdict IS NOT NULL", 0).unwrap();
        assert_eq!(akismet.all_calls(), 0);
    }
}
