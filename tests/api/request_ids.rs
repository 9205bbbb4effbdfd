//! Every answer carries its request's id, and the server's log lines for that
//! request name it, without the query string or the client's address.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::helpers::{BINARY, Backend, TestDatabase, spawn_app};

fn request_id(response: &reqwest::Response) -> String {
    let id = response
        .headers()
        .get("x-request-id")
        .unwrap_or_else(|| panic!("no X-Request-Id on {}", response.url()))
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    id
}

#[tokio::test]
async fn every_answer_carries_a_request_id_of_its_own() {
    let app = spawn_app(Backend::Sqlite, &[]).await;
    let first = request_id(&app.get("/healthz").await);
    let second = request_id(&app.get("/healthz").await);
    assert_ne!(first, second);
    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status(), 404);
    let third = request_id(&missing);
    assert!(third != first && third != second);
    let admin = app.get("/admin/login").await;
    assert_eq!(admin.status(), 200);
    request_id(&admin);
}

#[tokio::test]
async fn the_log_line_of_a_refused_request_names_its_id_and_nothing_personal() {
    let db = TestDatabase::new(&Backend::Sqlite);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(BINARY)
        .arg("serve")
        .env_clear()
        .env("RUST_LOG", "info")
        .env("REPLYDESK_DATABASE_URL", &db.url)
        .env("REPLYDESK_MAIL_FOLDER", db.mail_folder())
        .env("REPLYDESK_BIND", format!("127.0.0.1:{port}"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(server.stderr.take().unwrap());
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });

    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..200 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let refused = client
        .get(format!(
            "{base}/api/posts/%00/comments?email=ada@example.com"
        ))
        .send()
        .await;
    let _ = server.kill();
    let _ = server.wait();
    assert!(up, "the server did not start");
    let refused = refused.unwrap();
    assert_eq!(refused.status(), 400);
    let id = request_id(&refused);

    let read: Vec<String> = lines.iter().collect();
    let line = read
        .iter()
        .find(|line| line.contains(&id))
        .unwrap_or_else(|| panic!("no line names {id}: {read:#?}"));
    assert!(line.contains("INFO"), "{line}");
    assert!(line.contains("http.status=400"), "{line}");
    assert!(
        line.contains("http.route=/api/posts/{post}/comments"),
        "{line}"
    );
    assert!(!line.contains("ada@example.com"), "no query string: {line}");
    assert!(!line.contains("127.0.0.1"), "no client address: {line}");
    let healthy: Vec<&String> = read.iter().filter(|l| l.contains("/healthz")).collect();
    assert!(
        healthy.is_empty(),
        "successes are logged at debug only: {healthy:#?}"
    );
}
