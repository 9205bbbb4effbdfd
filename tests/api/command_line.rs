//! The `replydesk` binary as an operator runs it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{
    BINARY, Backend, TestDatabase, cli as replydesk, eventually, migrated, output_text as text,
    reply,
};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process on its own port, killed when dropped; then, as every
/// test server, it checks that no e-mail was left dead in the outbox.
struct Server<'a> {
    child: Child,
    address: String,
    db: &'a TestDatabase,
}

impl<'a> Server<'a> {
    /// Starts the binary on `db`, writing e-mail files to the test's mail folder.
    async fn start(db: &'a TestDatabase, extra: &[(&str, &str)]) -> Server<'a> {
        let mut with_folder = vec![("REPLYDESK_MAIL_FOLDER", db.mail_folder())];
        with_folder.extend_from_slice(extra);
        Server::start_in(db, &with_folder, &std::env::temp_dir()).await
    }

    /// Starts the binary with `cwd` as its working directory, and only the
    /// settings given beyond the database, address and origin: for tests of
    /// what the server does with its defaults.
    async fn start_in(
        db: &'a TestDatabase,
        extra: &[(&str, &str)],
        cwd: &std::path::Path,
    ) -> Server<'a> {
        let port = free_port();
        let mut command = Command::new(BINARY);
        command
            .current_dir(cwd)
            .env_clear()
            .env("REPLYDESK_DATABASE_URL", &db.url)
            .env("REPLYDESK_BIND", format!("127.0.0.1:{port}"))
            .env("REPLYDESK_ALLOWED_ORIGINS", "http://localhost")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in extra {
            command.env(key, value);
        }
        let child = command.spawn().expect("serve starts");
        let server = Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
            db,
        };
        server.wait_until_up().await;
        server
    }

    async fn wait_until_up(&self) {
        let address = self.address.trim_start_matches("http://");
        eventually(format!("the server to listen on {address}"), async || {
            std::net::TcpStream::connect(address).map(drop)
        })
        .await
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([name, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Server<'_> {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            self.db.assert_no_dead_mail();
        }
    }
}

#[test]
fn moderators_are_added_changed_and_removed_from_the_command_line() {
    let db = migrated(&Backend::Sqlite);
    let added = replydesk(
        &db,
        &["moderator", "add", "Mod@Example.com"],
        "a long passphrase\na long passphrase\n",
    );
    assert!(added.status.success(), "{}", text(&added));
    assert!(text(&added).contains("mod@example.com created"));

    let again = replydesk(
        &db,
        &["moderator", "add", "mod@example.com"],
        "another one!\nanother one!\n",
    );
    assert!(!again.status.success());
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    let mismatch = replydesk(
        &db,
        &["moderator", "add", "two@example.com"],
        "first password\nsecond password\n",
    );
    assert!(!mismatch.status.success());
    assert!(text(&mismatch).contains("differ"));

    let short = replydesk(
        &db,
        &["moderator", "add", "two@example.com"],
        "short\nshort\n",
    );
    assert!(text(&short).contains("at least 8"), "{}", text(&short));

    let not_email = replydesk(
        &db,
        &["moderator", "add", "nobody"],
        "a long passphrase\na long passphrase\n",
    );
    assert!(text(&not_email).contains("not an email address"));

    let passwd = replydesk(
        &db,
        &["moderator", "passwd", "mod@example.com"],
        "a newer passphrase\na newer passphrase\n",
    );
    assert!(passwd.status.success(), "{}", text(&passwd));

    let removed = replydesk(&db, &["moderator", "remove", "mod@example.com"], "");
    assert!(removed.status.success());
    let gone = replydesk(&db, &["moderator", "remove", "mod@example.com"], "");
    assert!(!gone.status.success());
    assert!(text(&gone).contains("no moderator"));
}

#[test]
fn migrate_brings_a_new_database_up_to_date() {
    let db = TestDatabase::new(&Backend::Sqlite);
    let output = replydesk(&db, &["migrate"], "");
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("up to date"));
}

#[test]
fn a_bad_setting_stops_start_up_naming_it() {
    let db = TestDatabase::new(&Backend::Sqlite);
    for (name, value, words) in [
        ("REPLYDESK_FLOOD_SECONDS", "soon", "whole number"),
        ("REPLYDESK_HOLD_ALL", "maybe", "true or false"),
        (
            "REPLYDESK_DATABASE_URL",
            "mysql://root:pw@db/x",
            "sqlite://",
        ),
        ("REPLYDESK_BIND", "everywhere", "address"),
        ("REPLYDESK_ALLOWED_ORIGINS", "blog.example.com", "origin"),
        ("REPLYDESK_SMTP_URL", "mail.example.com", "smtp://"),
    ] {
        let output = Command::new(BINARY)
            .env_clear()
            .env("REPLYDESK_DATABASE_URL", &db.url)
            .env(name, value)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{name}={value} was accepted");
        let said = text(&output);
        assert!(
            said.contains(name) && said.contains(words),
            "{name}: {said}"
        );
        assert_eq!(said.lines().count(), 1, "one line: {said}");
    }
}

#[test]
fn a_sqlite_url_into_a_missing_folder_is_refused() {
    let output = Command::new(BINARY)
        .env_clear()
        .env(
            "REPLYDESK_DATABASE_URL",
            "sqlite:///no/such/folder/replydesk.db",
        )
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output).contains("/no/such/folder does not exist"),
        "{}",
        text(&output)
    );
}

#[test]
fn a_config_file_is_read_and_unknown_keys_are_refused() {
    let db = TestDatabase::new(&Backend::Sqlite);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "hold_al = false\n").unwrap();
    let output = Command::new(BINARY)
        .env_clear()
        .env("REPLYDESK_DATABASE_URL", &db.url)
        .args(["--config", bad.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(text(&output).contains("hold_al"), "{}", text(&output));
}

async fn post(server: &Server<'_>, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/comments", server.address))
        .header("Origin", crate::helpers::BLOG)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_acknowledged_comment_survives_kill_9() {
    // SQLite with `normal` sync too: it risks the last comments on a power
    // cut, never on a crash of the process, whose writes the kernel holds.
    let cases = [
        (Some(Backend::Sqlite), "full"),
        (Some(Backend::Sqlite), "normal"),
        (Backend::postgres(), "full"),
    ];
    for (backend, sync) in cases
        .into_iter()
        .filter_map(|(backend, sync)| Some((backend?, sync)))
    {
        let db = TestDatabase::new(&backend);
        let settings = [
            ("REPLYDESK_HOLD_ALL", "false"),
            ("REPLYDESK_FLOOD_SECONDS", "0"),
            ("REPLYDESK_SQLITE_SYNC", sync),
        ];
        let mut server = Server::start(&db, &settings).await;
        let mut acknowledged = Vec::new();
        for i in 0..20 {
            let response = post(
                &server,
                &reply("durable", &format!("Comment {i} must survive.")),
            )
            .await;
            assert_eq!(response.status(), 201);
            acknowledged.push(
                response.json::<Value>().await.unwrap()["id"]
                    .as_i64()
                    .unwrap(),
            );
        }
        server.child.kill().unwrap(); // SIGKILL: no chance to flush anything
        server.child.wait().unwrap();

        let server = Server::start(&db, &settings).await;
        let thread: Value = reqwest::get(format!("{}/api/posts/durable/comments", server.address))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let stored: Vec<i64> = thread["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert_eq!(stored, acknowledged, "{backend:?}, sync {sync}");
    }
}

#[tokio::test]
async fn sigterm_lets_the_server_finish_and_exit_cleanly() {
    let db = TestDatabase::new(&Backend::Sqlite);
    let mut server = Server::start(&db, &[]).await;
    let health = reqwest::get(format!("{}/healthz", server.address))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    server.signal("-TERM");
    let status = eventually("the server to stop after SIGTERM", async || {
        server.child.try_wait().unwrap()
    })
    .await;
    assert!(status.success(), "exit status {status}");
}

#[tokio::test]
async fn the_first_start_says_where_it_listens_and_how_to_add_a_moderator() {
    let db = TestDatabase::new(&Backend::Sqlite);
    let port = free_port();
    let mut child = Command::new(BINARY)
        .env_clear()
        .env("REPLYDESK_DATABASE_URL", &db.url)
        .env("REPLYDESK_MAIL_FOLDER", db.mail_folder())
        .env("REPLYDESK_BIND", format!("127.0.0.1:{port}"))
        .env("REPLYDESK_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let lines = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut seen = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            seen.push_str(&line);
            seen.push('\n');
            if line.contains("moderator add") {
                break;
            }
        }
        seen
    });
    let seen = lines.join().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.contains(&format!("http://127.0.0.1:{port}")), "{seen}");
    assert!(seen.contains("replydesk moderator add"), "{seen}");
}

#[tokio::test]
async fn without_an_smtp_server_e_mails_are_written_as_files() {
    let db = migrated(&Backend::Sqlite);
    add_moderator(&db);
    let cwd = tempfile::tempdir().unwrap();
    let server = Server::start_in(&db, &[], cwd.path()).await;
    assert_eq!(
        post(&server, &reply("files", "Mail me as a file."))
            .await
            .status(),
        201
    );
    let written = files_written(&cwd.path().join("mail-outbox")).await;
    drop(server);
    assert_eq!(written.len(), 1, "one .eml file in ./mail-outbox/");
    assert_eq!(written[0].extension().and_then(|e| e.to_str()), Some("eml"));
    let message = std::fs::read_to_string(&written[0]).unwrap();
    assert!(
        message.contains("Subject: Please moderate: Hello world"),
        "{message}"
    );
    assert!(message.contains("To: mod@example.com"), "{message}");
}

/// The files in `folder`, once there is at least one.
async fn files_written(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
    eventually(format!("a file in {}", folder.display()), async || {
        let files: Vec<_> = std::fs::read_dir(folder)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        (!files.is_empty()).then_some(files)
    })
    .await
}

#[tokio::test]
async fn e_mail_files_go_to_the_folder_the_setting_names() {
    let db = migrated(&Backend::Sqlite);
    add_moderator(&db);
    let cwd = tempfile::tempdir().unwrap();
    // Relative, so under the working directory; made with its parents.
    let setting = [("REPLYDESK_MAIL_FOLDER", "spool/replydesk")];
    let server = Server::start_in(&db, &setting, cwd.path()).await;
    let held = post(&server, &reply("elsewhere", "Mail me elsewhere.")).await;
    assert_eq!(held.status(), 201);
    let written = files_written(&cwd.path().join("spool/replydesk")).await;
    drop(server);
    assert_eq!(written.len(), 1, "{written:?}");
    let message = std::fs::read_to_string(&written[0]).unwrap();
    assert!(message.contains("Mail me elsewhere."), "{message}");
    assert!(
        !cwd.path().join("mail-outbox").exists(),
        "nothing in the default folder"
    );

    // `forget --purge-outbox-files` clears the same folder.
    let forget = Command::new(BINARY)
        .args(["forget", "ada@example.com", "--purge-outbox-files"])
        .current_dir(cwd.path())
        .env_clear()
        .env("REPLYDESK_DATABASE_URL", &db.url)
        .env("REPLYDESK_MAIL_FOLDER", "spool/replydesk")
        .output()
        .unwrap();
    assert!(forget.status.success(), "{}", text(&forget));
    assert!(
        text(&forget).contains("Deleted 1 e-mail file"),
        "{}",
        text(&forget)
    );
    assert!(!written[0].exists());
}

/// Rows in the outbox that are marked sent, read straight from a SQLite file.
fn sent_rows(db: &TestDatabase) -> i64 {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let path = db
        .url
        .strip_prefix("sqlite://")
        .expect("a SQLite test database");
    let mut conn = diesel::SqliteConnection::establish(path).expect("sqlite");
    diesel::sql_query("SELECT COUNT(*) AS n FROM mail_outbox WHERE sent_at IS NOT NULL")
        .get_result::<Count>(&mut conn)
        .expect("count")
        .n
}

#[tokio::test]
async fn on_sigterm_the_mail_worker_finishes_the_message_in_hand() {
    let db = migrated(&Backend::Sqlite);
    add_moderator(&db);
    let smtp = crate::smtp::SmtpServer::start_gated().await;
    let port = free_port();
    let child = Command::new(BINARY)
        .current_dir(std::env::temp_dir())
        .env_clear()
        .env("REPLYDESK_DATABASE_URL", &db.url)
        .env("REPLYDESK_BIND", format!("127.0.0.1:{port}"))
        .env("REPLYDESK_ALLOWED_ORIGINS", "http://localhost")
        .env("REPLYDESK_SMTP_URL", smtp.url())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server {
        child,
        address: format!("http://127.0.0.1:{port}"),
        db: &db,
    };
    let stderr = server.child.stderr.take().unwrap();
    let (lines, log) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines.send(line);
        }
    });
    server.wait_until_up().await;
    assert_eq!(post(&server, &reply("bye", "Held.")).await.status(), 201);
    // The message is on the wire; the mail server has not acknowledged it yet.
    smtp.wait_for(1).await;

    server.signal("-TERM");
    // A bound on a hang, not a timing assertion: the line comes or the log ends.
    let stopping = std::iter::from_fn(|| log.recv_timeout(Duration::from_secs(30)).ok())
        .any(|line| line.contains("mail worker stopping"));
    assert!(
        stopping,
        "the server stops serving and then waits for the mail worker"
    );
    assert_eq!(sent_rows(&db), 0, "still in hand while the server stops");
    smtp.release();

    let status = eventually("the server to exit once the message is sent", async || {
        server.child.try_wait().unwrap()
    })
    .await;
    assert!(status.success(), "exit status {status}");
    assert_eq!(
        sent_rows(&db),
        1,
        "the message in hand was sent and recorded"
    );
    assert_eq!(smtp.messages().len(), 1);
}

/// The CPU time a process has used, in clock ticks (user and system).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command name, which is in parentheses.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[tokio::test]
async fn a_server_with_nothing_to_do_uses_no_cpu() {
    let db = migrated(&Backend::Sqlite);
    add_moderator(&db);
    let server = Server::start(&db, &[]).await;
    // One comment queues one e-mail, which the mail worker sends and records.
    let posted = post(&server, &reply("idle", "Queued one e-mail.")).await;
    assert_eq!(posted.status(), 201);
    eventually("the moderator e-mail to be written", async || {
        let written = std::fs::read_dir(db.mail_folder())
            .map(|files| files.count())
            .unwrap_or(0);
        (written > 0).then_some(()).ok_or(written)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = cpu_ticks(server.child.id());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let used = cpu_ticks(server.child.id()) - before;
    // Clock ticks are hundredths of a second: an idle server polls the outbox
    // once a second, which takes next to nothing. A worker that woke itself
    // with its own writes used a whole core, some 200 ticks here.
    assert!(used < 40, "an idle server used {used} ticks in 2 s");
}

/// Adds the moderator `mod@example.com`, to whom moderation e-mails go.
fn add_moderator(db: &TestDatabase) {
    let added = replydesk(
        db,
        &["moderator", "add", "mod@example.com"],
        "a long passphrase\na long passphrase\n",
    );
    assert!(added.status.success(), "{}", text(&added));
}
