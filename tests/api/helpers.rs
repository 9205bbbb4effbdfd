//! One way to start the real server for a test: a random port, a fresh database
//! (a new SQLite file, or a new PostgreSQL database), a folder of its own for
//! e-mail files, and an HTTP client.

use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use replydesk::configuration::Settings;
use replydesk::startup::Application;
use std::fmt::Display;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Runs a scenario once on SQLite and once on PostgreSQL, as `NAME::sqlite` and
/// `NAME::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($(async fn $name:ident($backend:ident: Backend) $body:block)+) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::helpers::Backend;

            async fn scenario($backend: Backend) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                scenario(Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(backend) = Backend::postgres() {
                    scenario(backend).await
                }
            }
        }
    )+};
}

/// Which database a test runs against.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    /// The server URL, e.g. `postgres://postgres@127.0.0.1/test`; each test makes its own database.
    Postgres(String),
}

impl Backend {
    /// PostgreSQL, when `REPLYDESK_TEST_POSTGRES_URL` names a server; else
    /// `None`, having said that the test (or its PostgreSQL half) is skipped,
    /// or failed the test when extras are required.
    pub fn postgres() -> Option<Backend> {
        let url = std::env::var("REPLYDESK_TEST_POSTGRES_URL")
            .ok()
            .filter(|url| !url.is_empty());
        if url.is_none() {
            crate::extras::missing(
                "REPLYDESK_TEST_POSTGRES_URL",
                "set it to a PostgreSQL server the tests may create databases on, \
                 e.g. postgres://postgres@127.0.0.1/test, to run the PostgreSQL tests",
            );
        }
        url.map(Backend::Postgres)
    }
}

/// A fresh database that removes itself when the test ends, and the folder
/// where the servers and commands on it keep e-mail files
/// (`REPLYDESK_MAIL_FOLDER`): a test's mail stays apart from every other
/// test's, and out of the checkout.
pub struct TestDatabase {
    pub url: String,
    pub mail_folder: PathBuf,
    /// Set by a test that means to leave e-mail dead in the outbox.
    dead_mail_expected: AtomicBool,
    /// Holds the SQLite file (if any) and the mail folder.
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub fn new(backend: &Backend) -> TestDatabase {
        let dir = tempfile::tempdir().expect("temp dir");
        let mail_folder = dir.path().join("mail-outbox");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("replydesk.db").display());
                TestDatabase {
                    url,
                    mail_folder,
                    dead_mail_expected: AtomicBool::new(false),
                    _dir: dir,
                    postgres: None,
                }
            }
            Backend::Postgres(server) => {
                let name = format!("replydesk_test_{}", random_hex());
                let mut admin = PgConnection::establish(server).unwrap_or_else(|e| {
                    panic!("REPLYDESK_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {e}")
                });
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create database");
                let url = with_database(server, &name);
                TestDatabase {
                    url,
                    mail_folder,
                    dead_mail_expected: AtomicBool::new(false),
                    _dir: dir,
                    postgres: Some((server.clone(), name)),
                }
            }
        }
    }
}

impl TestDatabase {
    /// The `REPLYDESK_MAIL_FOLDER` value for the servers and commands on this database.
    pub fn mail_folder(&self) -> &str {
        self.mail_folder
            .to_str()
            .expect("a temporary path is UTF-8")
    }

    /// Fails the test if e-mail was given up on (marked dead in the outbox)
    /// while the test did not say it expected that: a failure of the mail
    /// worker must not hide behind a test that only looked at comments. Run
    /// when a test server goes away; a blocking query, so it runs in `Drop`.
    pub fn assert_no_dead_mail(&self) {
        if self.dead_mail_expected.load(Ordering::SeqCst) {
            return;
        }
        #[derive(diesel::QueryableByName)]
        struct Dead {
            #[diesel(sql_type = diesel::sql_types::Text)]
            kind: String,
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            last_error: Option<String>,
        }
        let sql = "SELECT kind, last_error FROM mail_outbox WHERE dead = TRUE";
        let dead: Vec<Dead> = match self.url.strip_prefix("sqlite://") {
            Some(path) => diesel::sql_query(sql).load(&mut sqlite(path)),
            None => diesel::sql_query(sql)
                .load(&mut PgConnection::establish(&self.url).expect("postgres")),
        }
        .unwrap_or_else(|e| panic!("cannot look for dead mail ({sql}): {e}"));
        let dead: Vec<String> = dead
            .into_iter()
            .map(|row| format!("{}: {}", row.kind, row.last_error.unwrap_or_default()))
            .collect();
        assert!(
            dead.is_empty(),
            "the test left e-mail dead in the outbox (call expect_dead_mail() if it means to): {dead:?}"
        );
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.postgres
            && let Ok(mut admin) = PgConnection::establish(server)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

fn with_database(server: &str, name: &str) -> String {
    let mut url = url::Url::parse(server).expect("REPLYDESK_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

pub fn random_hex() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Arc<TestDatabase>,
}

/// The origin test blog pages live on; allowed by default.
pub const BLOG: &str = "http://localhost:4000";

/// Starts the server with the given settings over test defaults (the flood
/// rule and the burst limiter off, so that tests may post quickly unless they
/// test flooding).
pub async fn spawn_app(backend: Backend, overrides: &[(&str, &str)]) -> TestApp {
    start(Arc::new(TestDatabase::new(&backend)), overrides).await
}

async fn start(db: Arc<TestDatabase>, overrides: &[(&str, &str)]) -> TestApp {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("DATABASE_URL", &db.url),
        ("MAIL_FOLDER", db.mail_folder()),
        ("BIND", "127.0.0.1:0"),
        ("FLOOD_SECONDS", "0"),
        ("BURST_LIMIT", "0"),
        ("ALLOWED_ORIGINS", "http://localhost"),
    ];
    pairs.retain(|(key, _)| !overrides.iter().any(|(k, _)| k == key));
    pairs.extend_from_slice(overrides);
    let settings = Settings::from_pairs(&pairs).expect("test settings are valid");
    let app = Application::build(settings)
        .await
        .expect("the server starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        address,
        client,
        db,
    }
}

/// When a test ends well, its servers must have left no dead mail behind.
/// (When it fails, that failure is the one to read.)
impl Drop for TestApp {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.db.assert_no_dead_mail();
        }
    }
}

impl TestApp {
    /// Says that this test means to leave e-mail dead in the outbox, so
    /// that the check when its servers go away allows it.
    pub fn expect_dead_mail(&self) {
        self.db.dead_mail_expected.store(true, Ordering::SeqCst);
    }

    /// A second server on the same database, as behind a load balancer.
    pub async fn another_instance(&self, overrides: &[(&str, &str)]) -> TestApp {
        start(Arc::clone(&self.db), overrides).await
    }

    /// Runs the `replydesk` binary against this test's database.
    pub fn cli(&self, args: &[&str]) -> Output {
        cli(&self.db, args, "")
    }

    /// Like `cli`, expecting success and returning what it printed.
    pub fn cli_ok(&self, args: &[&str]) -> String {
        let output = self.cli(args);
        let text = output_text(&output);
        assert!(
            output.status.success(),
            "replydesk {args:?} ({}): {text}",
            output.status
        );
        text
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// Posts JSON as a page of the test blog would.
    pub async fn post_json(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/comments"))
            .header("Origin", BLOG)
            .json(body)
            .send()
            .await
            .expect("POST /api/comments")
    }

    /// A reply to `post` as a page of the blog at `origin` sends it: its
    /// `Origin` routes it to the site that lists that origin.
    pub async fn post_from(&self, origin: &str, post: &str, text: &str) -> reqwest::Response {
        let mut body = reply(post, text);
        body["post_url"] = json!(format!("{origin}/{post}/"));
        self.client
            .post(self.url("/api/comments"))
            .header("Origin", origin)
            .json(&body)
            .send()
            .await
            .expect("POST /api/comments")
    }

    /// Posts a plain HTML form to `path` as a page of the test blog would.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("Origin", BLOG)
            .form(fields)
            .send()
            .await
            .expect("POST form")
    }

    /// Posts a valid comment and returns its id.
    pub async fn comment(&self, post: &str, parent: Option<i64>, text: &str) -> i64 {
        let mut body = reply(post, text);
        if let Some(parent) = parent {
            body["parent"] = json!(parent);
        }
        let response = self.post_json(&body).await;
        assert_eq!(response.status(), 201, "comment accepted");
        let created: Value = response.json().await.expect("json");
        created["id"].as_i64().expect("id")
    }

    /// Arranges state that no public route can (a closed post, an old post) by
    /// writing to the test's own database directly.
    pub fn execute_sql(&self, sql: &str) {
        let done = match self.db.url.strip_prefix("sqlite://") {
            Some(path) => diesel::sql_query(sql).execute(&mut sqlite(path)),
            None => diesel::sql_query(sql)
                .execute(&mut PgConnection::establish(&self.db.url).expect("postgres")),
        };
        done.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Runs a script of several statements, such as a migration's `down.sql`,
    /// on one connection; on SQLite with foreign keys off, as migrations run,
    /// so that a rebuilt table's rows are not deleted with the old table.
    pub fn execute_script(&self, script: &str) {
        use diesel::connection::SimpleConnection;
        let done = match self.db.url.strip_prefix("sqlite://") {
            Some(path) => {
                let mut conn = sqlite(path);
                conn.batch_execute("PRAGMA foreign_keys = OFF")
                    .and_then(|()| conn.batch_execute(script))
            }
            None => PgConnection::establish(&self.db.url)
                .expect("postgres")
                .batch_execute(script),
        };
        done.unwrap_or_else(|e| panic!("{script}: {e}"));
    }

    /// A post that already has a thread, as most posts spam lands on do (spam
    /// cannot open a post of its own).
    pub fn open_post(&self, key: &str) {
        self.execute_sql(&format!(
            "INSERT INTO posts (post_key, title, url, created_at) \
             VALUES ('{key}', 'Hello world', '{BLOG}/{key}/', '2026-01-01 00:00:00')"
        ));
    }

    /// A number read straight from the test's database (`SELECT … AS n`).
    pub fn query_number(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Number {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let row: Number = match self.db.url.strip_prefix("sqlite://") {
            Some(path) => diesel::sql_query(sql).get_result(&mut sqlite(path)),
            None => diesel::sql_query(sql)
                .get_result(&mut PgConnection::establish(&self.db.url).expect("postgres")),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
        row.n
    }

    /// Creates a moderator through the command line.
    pub fn add_moderator(&self, email: &str) {
        let output = cli(
            &self.db,
            &["moderator", "add", email],
            "a long passphrase\na long passphrase\n",
        );
        assert!(output.status.success(), "{}", output_text(&output));
    }

    /// Whether a number read from the test's database (`SELECT … AS n`) is
    /// `expected`, and what it is if not: a check for [`eventually`].
    pub fn number_is(&self, sql: &str, expected: i64) -> Result<(), String> {
        match self.query_number(sql) {
            n if n == expected => Ok(()),
            n => Err(format!("{sql} gives {n}")),
        }
    }

    pub async fn thread(&self, post: &str) -> Value {
        let response = self.get(&format!("/api/posts/{post}/comments")).await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("json")
    }
}

/// How long [`eventually`] waits. A bound on a hang, not a timing
/// assertion: far more than anything takes, even on a busy two-core machine
/// (a server's graceful stop alone may take 30 s).
const PATIENCE: Duration = Duration::from_secs(60);

/// How often [`eventually`] looks again.
const POLL: Duration = Duration::from_millis(50);

/// What a check given to [`eventually`] answers: done, with a value, or not
/// yet, with what it saw for the failure message.
pub trait Outcome {
    type Value;
    fn done(self) -> Result<Self::Value, String>;
}

impl Outcome for bool {
    type Value = ();
    fn done(self) -> Result<(), String> {
        if self { Ok(()) } else { Err("false".into()) }
    }
}

impl<T> Outcome for Option<T> {
    type Value = T;
    fn done(self) -> Result<T, String> {
        self.ok_or_else(|| "nothing yet".into())
    }
}

impl<T, E: Display> Outcome for Result<T, E> {
    type Value = T;
    fn done(self) -> Result<T, String> {
        self.map_err(|seen| seen.to_string())
    }
}

/// Runs `check` until it is done and returns what it gave: for what happens
/// in the background (the mail worker, a sweep, a page's script, a process
/// stopping). Fails the test after a minute, saying what was awaited and
/// what the last check saw. The one way tests wait: no test sleeps in a loop
/// of its own.
pub async fn eventually<O: Outcome>(
    what: impl Display,
    mut check: impl AsyncFnMut() -> O,
) -> O::Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let seen = match check().await.done() {
            Ok(value) => return value,
            Err(seen) => seen,
        };
        assert!(
            Instant::now() < deadline,
            "waited {} s for {what}; the last check saw: {seen}",
            PATIENCE.as_secs()
        );
        tokio::time::sleep(POLL).await;
    }
}

/// A complete, valid reply to `post` from the test blog.
pub fn reply(post: &str, text: &str) -> Value {
    json!({
        "post": post,
        "post_title": "Hello world",
        "post_url": format!("{BLOG}/{post}/"),
        "author": "Ada Lovelace",
        "email": "ada@example.com",
        "comment": text,
    })
}

pub const BINARY: &str = env!("CARGO_BIN_EXE_replydesk");

/// A fresh database made as an operator makes one, with `replydesk migrate`:
/// commands other than `serve` and `migrate` will not create one.
pub fn migrated(backend: &Backend) -> TestDatabase {
    let db = TestDatabase::new(backend);
    let output = cli(&db, &["migrate"], "");
    assert!(output.status.success(), "{}", output_text(&output));
    db
}

/// Runs the binary with only the database (and its mail folder) set, feeding `stdin`.
pub fn cli(db: &TestDatabase, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(BINARY)
        .args(args)
        .env_clear()
        .env("REPLYDESK_DATABASE_URL", &db.url)
        .env("REPLYDESK_MAIL_FOLDER", db.mail_folder())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("the binary finishes")
}

pub fn output_text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The ids of a JSON array of comments, in order.
pub fn ids(comments: &Value) -> Vec<i64> {
    comments
        .as_array()
        .expect("an array of comments")
        .iter()
        .map(|c| c["id"].as_i64().expect("an id"))
        .collect()
}

/// A connection of the test's own to a server's SQLite file. The server's
/// writer and checkpoint threads hold the file's locks for moments at a time;
/// it waits for them as the server's own connections do.
fn sqlite(path: &str) -> SqliteConnection {
    let mut conn = SqliteConnection::establish(path).expect("sqlite");
    diesel::sql_query("PRAGMA busy_timeout = 5000")
        .execute(&mut conn)
        .expect("busy timeout");
    conn
}
