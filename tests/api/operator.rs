//! What an operator hits following the README: exports that come back,
//! `forget` that reaches every copy it can, commands that refuse the wrong
//! database and say what they did in words, a database that is missing or
//! still starting, the home page, mail headers, and the files shipped beside
//! the binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{
    BINARY, Backend, TestApp, TestDatabase, cli, eventually, migrated, output_text, random_hex,
    reply, spawn_app,
};
use crate::on_both_backends;
use crate::smtp::SmtpServer;

/// The binary on `db` with extra environment, such as `RUST_LOG`.
fn cli_with(db: &TestDatabase, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BINARY);
    command
        .args(args)
        .env_clear()
        .env("REPLYDESK_DATABASE_URL", &db.url)
        .env("REPLYDESK_MAIL_FOLDER", db.mail_folder())
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A WordPress export of one post (WordPress id 4) with a comment, a reply to
/// it and a pingback.
const WORDPRESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><wp:wxr_version>1.2</wp:wxr_version>
<item><title>Hello world</title><link>https://blog.example/2014/01/hello-world/</link>
<wp:post_id>4</wp:post_id><wp:post_name>hello-world</wp:post_name><wp:post_type>post</wp:post_type><wp:status>publish</wp:status>
<wp:comment><wp:comment_id>10</wp:comment_id><wp:comment_author>Ada</wp:comment_author><wp:comment_author_email>ada@example.com</wp:comment_author_email>
<wp:comment_date_gmt>2024-01-02 10:00:00</wp:comment_date_gmt><wp:comment_content>First!</wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_type>comment</wp:comment_type><wp:comment_parent>0</wp:comment_parent></wp:comment>
<wp:comment><wp:comment_id>11</wp:comment_id><wp:comment_author>Grace</wp:comment_author><wp:comment_author_email>grace@example.com</wp:comment_author_email>
<wp:comment_date_gmt>2024-01-03 10:00:00</wp:comment_date_gmt><wp:comment_content>A reply.</wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_type></wp:comment_type><wp:comment_parent>10</wp:comment_parent></wp:comment>
<wp:comment><wp:comment_id>12</wp:comment_id><wp:comment_author>Another blog</wp:comment_author><wp:comment_author_url>https://other.example/post/</wp:comment_author_url>
<wp:comment_date_gmt>2024-01-04 10:00:00</wp:comment_date_gmt><wp:comment_content>[…] linked here […]</wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_type>pingback</wp:comment_type><wp:comment_parent>0</wp:comment_parent></wp:comment>
</item></channel></rss>
"#;

fn comments(app: &TestApp) -> i64 {
    app.query_number("SELECT COUNT(*) AS n FROM comments")
}

/// The text of every element `<tag>` in `xml`, in order.
fn all<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.match_indices(&open)
        .filter_map(|(at, _)| {
            let rest = &xml[at + open.len()..];
            let text = &rest[..rest.find(&close)?];
            Some(text.trim_start_matches("<![CDATA[").trim_end_matches("]]>"))
        })
        .collect()
}

// 1. A WXR export comes back as it went out.
on_both_backends! {
    async fn a_wxr_export_imported_back_adds_nothing_and_keeps_pingbacks_and_threads(backend: Backend) {
        let app = spawn_app(backend.clone(), &[("HOLD_ALL", "false")]).await;
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("wordpress.xml");
        std::fs::write(&original, WORDPRESS).unwrap();
        app.cli_ok(&["import", "wordpress", original.to_str().unwrap()]);
        // And two comments written here, one a reply.
        let mut body = reply("/2014/01/hello-world/", "Written on this blog.");
        body["post_url"] = "http://localhost:4000/2014/01/hello-world/".into();
        let native: Value = app.post_json(&body).await.json().await.unwrap();
        let mut answer = reply("/2014/01/hello-world/", "Answered here too.");
        answer["parent"] = native["id"].clone();
        assert_eq!(app.post_json(&answer).await.status(), 201);
        assert_eq!(comments(&app), 5);

        let out = dir.path().join("out.xml");
        app.cli_ok(&["export", "--format", "wxr", out.to_str().unwrap()]);
        let xml = std::fs::read_to_string(&out).unwrap();
        // WordPress's own rules for what it reads.
        for slug in all(&xml, "wp:post_name") {
            assert!(!slug.is_empty() && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{slug:?}");
        }
        assert_eq!(all(&xml, "wp:post_name"), ["hello-world"]);
        let kinds = all(&xml, "wp:comment_type");
        assert!(kinds.iter().all(|k| ["comment", "pingback", "trackback"].contains(k)), "{kinds:?}");
        assert_eq!(kinds.iter().filter(|k| **k == "pingback").count(), 1);
        for approved in all(&xml, "wp:comment_approved") {
            assert!(["0", "1", "spam", "trash"].contains(&approved), "{approved}");
        }
        let ids: Vec<&str> = all(&xml, "wp:comment_id");
        for parent in all(&xml, "wp:comment_parent") {
            assert!(parent == "0" || ids.contains(&parent), "{parent} names no comment of the file");
        }
        for date in all(&xml, "wp:comment_date_gmt") {
            assert!(chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%d %H:%M:%S").is_ok(), "{date}");
        }
        let sources = all(&xml, "replydesk:source_id");
        assert!(sources.contains(&"wordpress:4:10") && sources.contains(&"wordpress:4:12"), "{sources:?}");

        // Back into the same database: nothing is added.
        let again = app.cli_ok(&["import", "wordpress", out.to_str().unwrap()]);
        assert!(again.contains("Comments: 0 added"), "{again}");
        assert!(again.contains("skipped 5: already imported"), "{again}");
        assert_eq!(comments(&app), 5);

        // Into another database: the same comments, kinds and threads.
        let copy = spawn_app(backend, &[]).await;
        let said = copy.cli_ok(&["import", "wordpress", out.to_str().unwrap()]);
        assert!(said.contains("Comments: 5 added"), "{said}");
        assert_eq!(copy.query_number("SELECT COUNT(*) AS n FROM comments WHERE kind = 'pingback'"), 1);
        assert_eq!(copy.query_number("SELECT COUNT(*) AS n FROM comments WHERE parent_id IS NOT NULL"), 2);
        // And its own export back into the first: still nothing new.
        let second = dir.path().join("second.xml");
        copy.cli_ok(&["export", "--format", "wxr", second.to_str().unwrap()]);
        let back = app.cli_ok(&["import", "wordpress", second.to_str().unwrap()]);
        assert!(back.contains("Comments: 0 added"), "{back}");
        assert_eq!(comments(&app), 5);
    }
}

/// The `.eml` files in the test's mail folder that mention `text`.
fn mail_files_mentioning(app: &TestApp, text: &str) -> usize {
    std::fs::read_dir(&app.db.mail_folder)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| {
                    std::fs::read_to_string(e.path())
                        .is_ok_and(|body| body.replace("=\r\n", "").to_lowercase().contains(text))
                })
                .count()
        })
        .unwrap_or(0)
}

// 2. `forget` reaches the rules' reasons, the audit trail and the e-mail files.
on_both_backends! {
    async fn forget_takes_the_address_out_of_reasons_audit_and_mail_files(backend: Backend) {
        let address = "leak@example.com".to_owned();
        let key = address.to_uppercase();
        let app = spawn_app(backend, &[("MODERATION_KEYS", &key)]).await;
        app.add_moderator("moderator@example.com");
        let mut body = reply("forgotten", "Please hold me.");
        body["email"] = address.clone().into();
        let held: Value = app.post_json(&body).await.json().await.unwrap();
        let id = held["id"].as_i64().unwrap();
        let mentions = format!(
            "SELECT COUNT(*) AS n FROM comments WHERE LOWER(reasons) LIKE '%{address}%'"
        );
        assert_eq!(app.query_number(&mentions), 1, "the moderation key is quoted in the reason");
        // The moderator's e-mail about it, written as a file, names the address.
        eventually("an e-mail file naming the address", async || mail_files_mentioning(&app, &address) > 0).await;

        let without_purge = app.cli_ok(&["forget", &address]);
        assert!(without_purge.contains("Anonymized 1 comment;"), "{without_purge}");
        assert!(without_purge.contains("Out of reach: e-mails already sent"), "{without_purge}");
        assert!(without_purge.contains("--purge-outbox-files"), "{without_purge}");
        assert_eq!(app.query_number(&mentions), 0);
        let audit = format!(
            "SELECT COUNT(*) AS n FROM audit_log WHERE LOWER(reason) LIKE '%{address}%' OR LOWER(actor) LIKE '%{address}%'"
        );
        assert_eq!(app.query_number(&audit), 0);
        assert_eq!(
            app.query_number(&format!("SELECT COUNT(*) AS n FROM comments WHERE id = {id} AND reasons LIKE '%[a forgotten address]%'")),
            1
        );
        assert!(mail_files_mentioning(&app, &address) > 0, "files are left unless asked");

        let purged = app.cli_ok(&["forget", &address, "--purge-outbox-files"]);
        assert!(purged.contains("Deleted"), "{purged}");
        assert_eq!(mail_files_mentioning(&app, &address), 0);
    }
}

// 3. and 5. Commands log only what was committed, and say things the same way.
on_both_backends! {
    async fn a_command_that_rolled_back_logs_nothing_and_says_why_in_the_usual_words(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let id = app.comment("rollback", None, "Still pending.").await;
        let both = cli_with(&app.db, &["comment", "approve", &id.to_string(), "999999"], &[("RUST_LOG", "info")]);
        assert!(!both.status.success());
        let said = stderr(&both);
        assert!(!said.contains("comment moderated"), "a rolled-back move is not logged: {said}");
        assert!(said.contains("replydesk: there is no comment 999999"), "{said}");
        let shown = cli_with(&app.db, &["comment", "show", "999999"], &[]);
        assert_eq!(stderr(&shown).trim(), "replydesk: there is no comment 999999");
        assert_eq!(app.query_number(&format!("SELECT COUNT(*) AS n FROM comments WHERE id = {id} AND status = 'pending'")), 1);

        let quiet = cli_with(&app.db, &["comment", "approve", &id.to_string()], &[]);
        assert!(quiet.status.success());
        assert_eq!(stderr(&quiet), "", "a command's answer is its output, not log lines");
        let unapprove = cli_with(&app.db, &["comment", "unapprove", &id.to_string()], &[("RUST_LOG", "info")]);
        assert_eq!(stderr(&unapprove).matches("comment moderated").count(), 1, "{}", stderr(&unapprove));
    }

    async fn commands_list_show_and_reset_in_words(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let empty = app.cli_ok(&["comment", "list"]);
        assert_eq!(empty.trim(), "No pending comments.");
        let parent = app.comment("words", None, "The first.").await;
        app.cli_ok(&["comment", "approve", &parent.to_string()]);
        let mut subscribed = reply("words", "A reply, tell me more.");
        subscribed["parent"] = parent.into();
        subscribed["subscribe"] = true.into();
        let child: Value = app.post_json(&subscribed).await.json().await.unwrap();
        let listed = app.cli_ok(&["comment", "list"]);
        assert!(listed.starts_with("id\tstatus\tcreated"), "a header: {listed}");
        let shown = app.cli_ok(&["comment", "show", &child["id"].to_string()]);
        for line in [format!("in reply to: comment {parent}"), "e-mails replies: yes".into(), "imported from: (written here)".into()] {
            assert!(shown.contains(&line), "{line} in {shown}");
        }
        let bad_status = app.cli(&["comment", "list", "--status", "all"]);
        assert!(output_text(&bad_status).contains("the statuses are pending, approved, spam and trash"));
        let bad_name = app.cli(&["settings", "set", "nosuch", "1"]);
        assert!(output_text(&bad_name).contains("the rule settings are hold_all"), "{}", output_text(&bad_name));

        assert!(app.cli_ok(&["moderator", "list"]).contains("No moderators yet"));
        app.add_moderator("mod@example.com");
        let moderators = app.cli_ok(&["moderator", "list"]);
        assert!(moderators.contains("mod@example.com") && moderators.contains("never"), "{moderators}");

        app.cli_ok(&["settings", "set", "max_links", "7"]);
        assert!(app.cli_ok(&["settings", "show"]).contains("max_links = 7"));
        let reset = app.cli_ok(&["settings", "reset", "max_links"]);
        assert!(reset.contains("max_links = 2 again"), "{reset}");
        assert!(app.cli_ok(&["settings", "show"]).contains("max_links = 2"));
        let nothing = app.cli_ok(&["settings", "reset", "max_links"]);
        assert!(nothing.contains("nothing to reset"), "{nothing}");
    }
}

// 4. From another folder, a command refuses to make a new, empty database.
#[test]
fn a_command_run_from_another_folder_refuses_to_make_a_new_database() {
    let elsewhere = tempfile::tempdir().unwrap();
    let output = Command::new(BINARY)
        .args(["comment", "list"])
        .current_dir(elsewhere.path())
        .env_clear()
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = output_text(&output);
    let folder = elsewhere
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        said.contains(&format!("{folder}/replydesk.db")),
        "names the file it looked for: {said}"
    );
    assert!(
        said.contains("REPLYDESK_DATABASE_URL") && said.contains("replydesk migrate"),
        "{said}"
    );
    assert!(
        !elsewhere.path().join("replydesk.db").exists(),
        "no new database"
    );

    let migrated = Command::new(BINARY)
        .args(["-v", "migrate"])
        .current_dir(elsewhere.path())
        .env_clear()
        .output()
        .unwrap();
    assert!(migrated.status.success());
    let said = output_text(&migrated);
    assert!(said.contains("Using the SQLite file"), "{said}");
    assert!(
        said.contains("Applied") && said.contains("migrations to the SQLite file"),
        "{said}"
    );
    let again = Command::new(BINARY)
        .arg("migrate")
        .current_dir(elsewhere.path())
        .env_clear()
        .output()
        .unwrap();
    assert!(
        output_text(&again).contains("up to date: no migration to apply"),
        "{}",
        output_text(&again)
    );
    let listed = Command::new(BINARY)
        .args(["comment", "list"])
        .current_dir(elsewhere.path())
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(output_text(&listed).trim(), "No pending comments.");
}

#[test]
fn a_bad_value_in_a_config_file_names_the_file_and_the_key() {
    let db = migrated(&Backend::Sqlite);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("replydesk.toml");
    std::fs::write(&file, "flood_seconds = \"soon\"\n").unwrap();
    let output = cli_with(
        &db,
        &["--config", file.to_str().unwrap(), "settings", "show"],
        &[],
    );
    assert!(!output.status.success());
    let said = output_text(&output);
    assert!(
        said.contains(&format!("flood_seconds in {}", file.display()))
            && said.contains("whole number"),
        "{said}"
    );
    assert!(!said.contains("REPLYDESK_FLOOD_SECONDS"), "{said}");
}

#[test]
fn an_import_off_a_terminal_prints_its_summary_and_no_progress() {
    let db = migrated(&Backend::Sqlite);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wordpress.xml");
    std::fs::write(&file, WORDPRESS).unwrap();
    let output = cli_with(&db, &["import", "wordpress", file.to_str().unwrap()], &[]);
    assert!(output.status.success(), "{}", output_text(&output));
    assert_eq!(stderr(&output), "", "no progress lines in a file or a pipe");
    assert!(String::from_utf8_lossy(&output.stdout).contains("Read 1 post and 3 comments."));
}

// 7. and 8. A PostgreSQL database that is missing, or not up yet.
#[test]
fn a_missing_postgresql_database_is_said_once_with_how_to_create_it() {
    let Some(Backend::Postgres(server)) = Backend::postgres() else {
        return;
    };
    let mut url = url::Url::parse(&server).unwrap();
    url.set_path(&format!("/replydesk_missing_{}", random_hex()));
    let output = Command::new(BINARY)
        .arg("migrate")
        .env_clear()
        .env("REPLYDESK_DATABASE_URL", url.as_str())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = output_text(&output);
    assert_eq!(said.lines().count(), 1, "one line: {said}");
    assert!(
        said.contains("does not exist") && said.contains("createdb"),
        "{said}"
    );
}

#[tokio::test]
async fn the_server_waits_for_a_database_that_is_still_starting() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let db = TestDatabase::new(&backend);
    let real = url::Url::parse(&db.url).unwrap();
    let target = format!(
        "{}:{}",
        real.host_str().unwrap(),
        real.port().unwrap_or(5432)
    );
    // A port where nothing answers yet; the database "starts" there later.
    let late = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = late.local_addr().unwrap().port();
    drop(late);
    let mut through = real.clone();
    through.set_host(Some("127.0.0.1")).unwrap();
    through.set_port(Some(port)).unwrap();
    let bind = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let web_port = bind.local_addr().unwrap().port();
    drop(bind);
    let mut child = Command::new(BINARY)
        .arg("serve")
        .current_dir(std::env::temp_dir())
        .env_clear()
        .env("REPLYDESK_DATABASE_URL", through.as_str())
        .env("REPLYDESK_MAIL_FOLDER", db.mail_folder())
        .env("REPLYDESK_BIND", format!("127.0.0.1:{web_port}"))
        .env("REPLYDESK_DATABASE_WAIT_SECONDS", "30")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read stderr for the child's whole life: a pipe closed early would make
    // its later log lines fail.
    let errors = child.stderr.take().unwrap();
    let (said, hear) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(errors).lines().map_while(Result::ok) {
            if said.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    fn next_line(hear: &std::sync::mpsc::Receiver<String>, seen: &mut Vec<String>) -> String {
        let line = hear
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the server went quiet: {seen:#?}"));
        seen.push(line.clone());
        line
    }
    // The database "starts" only once the server has said it waits for it.
    while !next_line(&hear, &mut seen).contains("does not answer yet") {}
    tokio::time::sleep(Duration::from_millis(500)).await;
    let proxy = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let forwarding = tokio::spawn(async move {
        while let Ok((mut inbound, _)) = proxy.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    let listening = tokio::task::spawn_blocking(move || {
        while !next_line(&hear, &mut seen).contains("is listening") {}
        (seen, hear)
    });
    let (seen, _hear) = listening.await.unwrap();
    let ready = reqwest::get(format!("http://127.0.0.1:{web_port}/readyz"))
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    forwarding.abort();
    assert_eq!(ready.status(), 200);
    let waiting: Vec<&String> = seen
        .iter()
        .filter(|l| l.contains("does not answer yet"))
        .collect();
    assert_eq!(waiting.len(), 1, "said once: {seen:#?}");
    assert!(!seen.iter().any(|l| l.contains("r2d2")), "{seen:#?}");
}

#[tokio::test]
async fn the_server_keeps_serving_when_its_log_reader_goes_away() {
    let db = migrated(&Backend::Sqlite);
    let bind = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = bind.local_addr().unwrap().port();
    drop(bind);
    let mut child = Command::new(BINARY)
        .arg("serve")
        .env_clear()
        .env("REPLYDESK_DATABASE_URL", &db.url)
        .env("REPLYDESK_MAIL_FOLDER", db.mail_folder())
        .env("REPLYDESK_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A log shipper that reads the first lines and then exits.
    let errors = BufReader::new(child.stderr.take().unwrap());
    tokio::task::spawn_blocking(move || {
        errors
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains("is listening"))
    })
    .await
    .unwrap();
    let client = reqwest::Client::new();
    // Each of these logs a line, which now cannot be written.
    for _ in 0..3 {
        let missing = client
            .get(format!("http://127.0.0.1:{port}/api/nothing-here"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
    }
    let ready = client
        .get(format!("http://127.0.0.1:{port}/readyz"))
        .send()
        .await;
    let alive = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(ready.unwrap().status(), 200);
    assert!(alive, "the server is still running");
}

#[test]
fn the_compose_file_checks_the_database_over_tcp_and_the_image_builds_sqlite_as_benchmarked() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let compose = std::fs::read_to_string(root.join("docker-compose.yml")).unwrap();
    assert!(compose.contains("pg_isready -h 127.0.0.1"), "{compose}");
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert!(root.join(".cargo/config.toml").is_file());
    let copied = dockerfile
        .find("COPY .cargo")
        .expect("the image copies .cargo/config.toml");
    let first_build = dockerfile.find("cargo build").unwrap();
    assert!(
        copied < first_build,
        "before the first build, which compiles SQLite"
    );
}

// 10. The server's address in a browser.
on_both_backends! {
    async fn the_home_page_says_what_this_server_is(backend: Backend) {
        let app = spawn_app(backend, &[("PUBLIC_URL", "https://comments.example")]).await;
        let home = app.get("/").await;
        assert_eq!(home.status(), 200);
        assert!(home.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(home.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        assert_eq!(home.headers()["x-content-type-options"], "nosniff");
        let page = home.text().await.unwrap();
        for shown in ["href=\"/admin\"", "href=\"/api/openapi.json\"", "https://comments.example/embed.js", "data-post="] {
            assert!(page.contains(shown), "{shown} in {page}");
        }
    }
}

// 11. Mail headers a mail filter and a vacation responder expect.
on_both_backends! {
    async fn e_mails_carry_a_message_id_in_the_senders_domain_and_auto_submitted(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app(backend, &[("SMTP_URL", &smtp.url()), ("MAIL_FROM", "Blog <noreply@blog.example>")]).await;
        app.add_moderator("moderator@example.com");
        app.comment("headers", None, "Mail me.").await;
        let mail = smtp.wait_for(1).await.remove(0);
        let id = mail.header("Message-ID").expect("a Message-ID");
        assert!(id.starts_with('<') && id.ends_with("@blog.example>"), "{id}");
        assert_eq!(mail.header("Auto-Submitted").as_deref(), Some("auto-generated"));
        eventually("the e-mail to be recorded as sent", async || app.number_is("SELECT COUNT(*) AS n FROM mail_outbox WHERE sent_at IS NULL", 0)).await;
    }
}

#[test]
fn a_command_on_a_database_file_that_was_never_made_is_refused() {
    let db = TestDatabase::new(&Backend::Sqlite);
    let refused = cli(&db, &["moderator", "list"], "");
    assert!(!refused.status.success());
    assert!(
        output_text(&refused).contains("there is no database at"),
        "{}",
        output_text(&refused)
    );
}

// 12. The widget is as small as the README says.
#[tokio::test]
async fn the_widget_is_sent_compressed_at_the_best_levels() {
    use std::io::{Read, Write};
    let app = spawn_app(Backend::Sqlite, &[]).await;
    for path in ["/embed.js", "/embed.css"] {
        let fetch = |encoding: &'static str| {
            app.client
                .get(app.url(path))
                .header("Accept-Encoding", encoding)
                .send()
        };
        let plain = fetch("identity").await.unwrap();
        assert!(!plain.headers().contains_key("content-encoding"));
        let plain = plain.bytes().await.unwrap();

        let gzip = fetch("gzip").await.unwrap();
        assert_eq!(gzip.headers()["content-encoding"], "gzip");
        assert!(
            gzip.headers()["vary"]
                .to_str()
                .unwrap()
                .contains("Accept-Encoding")
        );
        let gzip = gzip.bytes().await.unwrap();
        let mut best = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        best.write_all(&plain).unwrap();
        assert_eq!(
            gzip.len(),
            best.finish().unwrap().len(),
            "{path}: gzip at its best level"
        );
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&gzip[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, plain);

        let br = fetch("gzip, deflate, br").await.unwrap();
        assert_eq!(br.headers()["content-encoding"], "br");
        let br = br.bytes().await.unwrap();
        assert!(br.len() < gzip.len(), "{path}: brotli is smaller still");
        let mut unbrotlied = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut unbrotlied)
            .unwrap();
        assert_eq!(unbrotlied, plain);
    }
}
