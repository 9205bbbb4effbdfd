//! Many submissions at once, as a spam wave or a popular post brings them:
//! whichever of them share a transaction (SQLite's writer, PostgreSQL's batch
//! writer), each is judged as if it ran alone after the ones before it, and
//! one that fails fails alone.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::abuse::{BEHIND_PROXY, post_json_from};
use crate::helpers::{TestApp, reply, spawn_app};
use crate::on_both_backends;

/// Sends a reply from `ip` (the server trusts the loopback proxy); gives the
/// status and, if it was stored, the comment's id.
async fn send(app: &TestApp, ip: &str, body: &Value) -> (u16, Option<i64>) {
    let response = post_json_from(app, ip, body).await;
    let status = response.status().as_u16();
    let created: Value = response.json().await.unwrap_or(Value::Null);
    (status, created["id"].as_i64().filter(|_| status == 201))
}

/// A reply of its own from a sender of its own.
fn from_someone(post: &str, n: usize, text: &str) -> Value {
    let mut body = reply(post, text);
    body["email"] = json!(format!("reader{n}@example.com"));
    body["author"] = json!(format!("Reader {n}"));
    body
}

/// How many of `ids` are stored.
fn stored(app: &TestApp, ids: &[i64]) -> i64 {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    app.query_number(&format!(
        "SELECT COUNT(*) AS n FROM comments WHERE id IN ({})",
        list.join(", ")
    ))
}

fn comments_on(app: &TestApp, post: &str) -> i64 {
    app.query_number(&format!(
        "SELECT COUNT(*) AS n FROM comments JOIN posts ON posts.id = comments.post_id \
         WHERE posts.post_key = '{post}'"
    ))
}

/// Sends the same words fifty times at once, spread over `apps`, and checks
/// that exactly one is stored and the rest are refused as duplicates.
async fn fifty_times(apps: &[&TestApp], post: &str) {
    let words = reply(post, "The same words, fifty times at once.");
    let sends = (0..50).map(|n| send(apps[n % apps.len()], "198.51.100.7", &words));
    let statuses: Vec<u16> = join_all(sends).await.into_iter().map(|(s, _)| s).collect();
    let count = |status| statuses.iter().filter(|&&s| s == status).count();
    assert_eq!(
        (count(201), count(409)),
        (1, 49),
        "one stored, the rest duplicates: {statuses:?}"
    );
    assert_eq!(comments_on(apps[0], post), 1, "one of the fifty is stored");
}

on_both_backends! {
    async fn fifty_identical_submissions_at_once_store_exactly_one(backend: Backend) {
        let app = spawn_app(backend, &[BEHIND_PROXY]).await;
        fifty_times(&[&app], "echo").await;
    }

    async fn fifty_identical_submissions_to_two_instances_store_exactly_one(backend: Backend) {
        let first = spawn_app(backend, &[BEHIND_PROXY]).await;
        let second = first.another_instance(&[BEHIND_PROXY]).await;
        fifty_times(&[&first, &second], "echo").await;
    }

    async fn a_submission_that_fails_in_the_database_fails_alone(backend: Backend) {
        let first = spawn_app(backend.clone(), &[BEHIND_PROXY]).await;
        let second = first.another_instance(&[BEHIND_PROXY]).await;
        // The database itself refuses one comment, after the rules let it
        // through: nothing the rules could have foreseen.
        match backend {
            Backend::Sqlite => first.execute_sql(
                "CREATE TRIGGER poison BEFORE INSERT ON comments WHEN NEW.body LIKE '%poison%' \
                 BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
            ),
            Backend::Postgres(_) => {
                first.execute_sql(
                    "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     IF NEW.body LIKE '%poison%' THEN RAISE EXCEPTION 'poisoned'; END IF; \
                     RETURN NEW; END $$",
                );
                first.execute_sql(
                    "CREATE TRIGGER poison BEFORE INSERT ON comments \
                     FOR EACH ROW EXECUTE FUNCTION poison()",
                );
            }
        }
        first.open_post("busy");
        let mut acknowledged = Vec::new();
        for round in 0..4 {
            let sends = (0..24).map(|n| {
                let app = if n % 2 == 0 { &first } else { &second };
                let post = if n % 3 == 0 { format!("fresh-{round}") } else { "busy".into() };
                let text = if n == 11 { "A poison pill." } else { "Ordinary words." };
                let body = from_someone(&post, round * 100 + n, &format!("{text} {round}-{n}"));
                async move { (n, send(app, &format!("203.0.113.{n}"), &body).await) }
            });
            for (n, (status, id)) in join_all(sends).await {
                if n == 11 {
                    assert_eq!(status, 500, "round {round}: the poisoned comment fails");
                } else {
                    assert_eq!(status, 201, "round {round}, comment {n}: stored beside the failure");
                    acknowledged.extend(id);
                }
            }
        }
        assert_eq!(acknowledged.len(), 4 * 23);
        assert_eq!(stored(&first, &acknowledged), 4 * 23, "every comment answered 201 is stored");
        assert_eq!(first.query_number("SELECT COUNT(*) AS n FROM comments WHERE body LIKE '%poison%'"), 0);
    }

    async fn first_comments_opening_one_post_on_two_instances_are_all_stored(backend: Backend) {
        let first = spawn_app(backend, &[BEHIND_PROXY]).await;
        let second = first.another_instance(&[BEHIND_PROXY]).await;
        let mut acknowledged = Vec::new();
        for round in 0..8 {
            let post = format!("brand-new-{round}");
            let sends = (0..8).map(|n| {
                let app = if n % 2 == 0 { &first } else { &second };
                let body = from_someone(&post, round * 100 + n, &format!("First! {round}-{n}"));
                async move { send(app, &format!("192.0.2.{n}"), &body).await }
            });
            for (status, id) in join_all(sends).await {
                assert_eq!(status, 201, "round {round}");
                acknowledged.extend(id);
            }
            let posts = first.query_number(&format!("SELECT COUNT(*) AS n FROM posts WHERE post_key = '{post}'"));
            assert_eq!(posts, 1, "round {round}: the post is opened once");
            assert_eq!(comments_on(&first, &post), 8, "round {round}");
        }
        assert_eq!(stored(&first, &acknowledged), 8 * 8);
    }

    async fn a_first_comment_refused_beside_others_opens_no_post(backend: Backend) {
        let app = spawn_app(backend, &[BEHIND_PROXY, ("FLOOD_SECONDS", "60")]).await;
        let flooder = "198.51.100.99";
        assert_eq!(send(&app, flooder, &reply("earlier", "A first word.")).await.0, 201);
        // Refused as a flood only once the post it names has been opened for
        // it, in the same moment as others' comments that are stored.
        let flood = reply("never-opened", "And another, too soon.");
        let app = &app;
        let others = (0..12).map(|n| {
            let body = from_someone("crowded", n, &format!("Meanwhile {n}."));
            async move { send(app, &format!("203.0.113.{n}"), &body).await }
        });
        let ((refused, _), others) = tokio::join!(send(app, flooder, &flood), join_all(others));
        assert_eq!(refused, 429);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM posts WHERE post_key = 'never-opened'"), 0);
        let ids: Vec<i64> = others.into_iter().filter_map(|(status, id)| id.filter(|_| status == 201)).collect();
        assert_eq!(ids.len(), 12, "the others are all stored");
        assert_eq!(stored(app, &ids), 12);
    }
}
