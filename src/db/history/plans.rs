//! The plans of the sender checks for addresses with 20,000 stored comments,
//! on SQLite always and on PostgreSQL when `REPLYDESK_TEST_POSTGRES_URL` names
//! a server: each check must be a probe of an index that holds all of its
//! keys, never a walk through that sender's comments. The statement explained
//! is the one `arriving` runs, built by the same macro.

use diesel::backend::Backend;
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Text, Untyped};
use diesel::sqlite::{Sqlite, SqliteConnection};

use super::*;
use crate::configuration::{DatabaseUrl, Secret};
use crate::db::Database;
use crate::error::AppError;

/// How many comments each of the two long histories holds.
const HISTORY: i64 = 20_000;
/// A regular commenter: a third of their comments approved.
const REGULAR: (&str, &str, &str) = ("Prolific", "prolific@example.com", "203.0.113.9");
/// A spammer: every comment spam, none ever approved, among many approved
/// comments by others, the case that tempts a planner to scan for one.
const SPAMMER: (&str, &str, &str) = ("Cheap Pills", "offers@spam.example", "198.51.100.7");

/// A statement with `EXPLAIN …` before it, bound as the server binds it.
struct Explain<Q> {
    how: &'static str,
    query: Q,
}

impl<Q> QueryId for Explain<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> Query for Explain<Q> {
    type SqlType = Untyped;
}

impl<Q, C> RunQueryDsl<C> for Explain<Q> {}

impl<Q: QueryFragment<DB>, DB: Backend> QueryFragment<DB> for Explain<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.how);
        self.query.walk_ast(out.reborrow())
    }
}

#[derive(QueryableByName)]
struct SqliteStep {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PgLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

/// The plan of a statement, a line per step, as each backend tells it.
trait Explains<Q> {
    fn explain(&mut self, query: Q) -> QueryResult<Vec<String>>;
}

impl<Q: QueryFragment<Sqlite>> Explains<Q> for SqliteConnection {
    fn explain(&mut self, query: Q) -> QueryResult<Vec<String>> {
        let how = "EXPLAIN QUERY PLAN ";
        let steps: Vec<SqliteStep> = Explain { how, query }.load(self)?;
        Ok(steps.into_iter().map(|s| s.detail).collect())
    }
}

impl<Q: QueryFragment<Pg>> Explains<Q> for PgConnection {
    fn explain(&mut self, query: Q) -> QueryResult<Vec<String>> {
        let how = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ";
        let lines: Vec<PgLine> = Explain { how, query }.load(self)?;
        Ok(lines.into_iter().map(|l| l.line).collect())
    }
}

/// Stores a post with `HISTORY` comments from the regular commenter (in every
/// status), as many from the spammer, and as many approved ones from others.
fn seed(db: &Database) {
    db.write_here(|conn| {
        diesel::sql_query(
            "INSERT INTO posts (post_key, title, url, comments_open, version, created_at, \
             approved_count) VALUES ('hot', 'Hot', 'http://localhost/hot', true, 1, \
             '2026-01-01 00:00:00', 0)",
        )
        .execute(conn)?;
        let post: i64 = posts::table.select(posts::id).first(conn)?;
        let senders = [
            (REGULAR, "CASE i % 3 WHEN 0 THEN 'approved' WHEN 1 THEN 'spam' ELSE 'pending' END"),
            (SPAMMER, "'spam'"),
            (("Reader", "", "192.0.2.1"), "'approved'"),
        ];
        for ((author, email, ip), status) in senders {
            let email = match email {
                "" => "'reader' || i || '@example.com'".to_owned(),
                email => format!("'{email}'"),
            };
            diesel::sql_query(format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {HISTORY}) \
                 INSERT INTO comments (post_id, depth, author, email, url, body, body_hash, \
                 status, reasons, ip, user_agent, subscribed, created_at, updated_at, kind) \
                 SELECT {post}, 0, '{author}', {email}, '', 'Comment number ' || i, i, {status}, \
                 '', '{ip}', '', false, '2026-01-01 00:00:00', '2026-01-01 00:00:00', \
                 'comment' FROM n"
            ))
            .execute(conn)?;
        }
        Ok::<_, AppError>(())
    })
    .expect("seeding the long histories");
}

/// The plan of the checks for a sender's next comment, with every check
/// asked (flood window, trusted returning commenters).
fn plan(db: &Database, sender: (&'static str, &'static str, &'static str)) -> Vec<String> {
    let probe = probe(sender);
    db.read_here(|conn| Ok(checks!(conn, &probe, |c, statement| c.explain(statement))?))
        .expect("explaining the checks")
}

/// The next comment from `sender`, asking every check.
fn probe((author, email, ip): (&'static str, &'static str, &'static str)) -> Probe<'static> {
    Probe {
        site_id: 1,
        post_key: "hot",
        parent_id: None,
        author,
        email,
        body: "Comment number 7",
        ip: Some(ip),
        since: Some(chrono::NaiveDate::MIN.and_time(chrono::NaiveTime::MIN)),
        trust_returning: true,
        address_key: Some("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
    }
}

/// The steps SQLite may take on `comments`: each a search on all the keys of
/// an index made for it. SQLite writes a `max` the same way whether it walks
/// the key or, as it does, reads the key's last entry only.
const SQLITE_COMMENT_STEPS: [&str; 5] = [
    "SEARCH comments USING INDEX comments_email_status_text (email=? AND status=? AND body_hash=? AND post_id=?)",
    "SEARCH comments USING INDEX comments_post_author_text (post_id=? AND author=? AND body_hash=?)",
    "SEARCH comments USING COVERING INDEX comments_ip_created (ip=?)",
    "SEARCH comments USING COVERING INDEX comments_email_created (email=?)",
    "SEARCH comments USING COVERING INDEX comments_approved_email_author (email=? AND author=?)",
];

#[test]
fn sqlite_probes_one_index_entry_per_check_for_a_sender_with_a_long_history() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let url = DatabaseUrl::Sqlite(folder.path().join("plans.db"));
    let db = Database::open(&url).expect("opening SQLite");
    seed(&db);
    // A new file has no statistics; an analysed one has. Both must probe.
    for analysed in [false, true] {
        if analysed {
            db.write_here(|conn| Ok::<_, AppError>(diesel::sql_query("ANALYZE").execute(conn)?))
                .expect("analysing");
        }
        for sender in [REGULAR, SPAMMER] {
            let plan = plan(&db, sender);
            let on_comments: Vec<&String> =
                plan.iter().filter(|s| s.contains("comments")).collect();
            assert_eq!(
                on_comments.len(),
                7,
                "one step per check and status: {plan:#?}"
            );
            for step in on_comments {
                assert!(
                    SQLITE_COMMENT_STEPS.contains(&step.as_str()),
                    "analysed: {analysed}: a step that is not a probe of all its keys: {step}\n{plan:#?}"
                );
            }
            assert!(!plan.iter().any(|s| s.contains("TEMP B-TREE")), "{plan:#?}");
        }
    }
}

/// The most rows any step of PostgreSQL's plan may touch: a sender's 20,000
/// comments, or the 40,000 approved ones, are far beyond it.
const MOST_ROWS: i64 = 5;

#[test]
fn postgres_probes_one_index_entry_per_check_for_a_sender_with_a_long_history() {
    let Some(server) = std::env::var("REPLYDESK_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        assert!(
            std::env::var("REPLYDESK_REQUIRE_EXTRAS").as_deref() != Ok("1"),
            "REPLYDESK_REQUIRE_EXTRAS=1 but REPLYDESK_TEST_POSTGRES_URL is not set"
        );
        eprintln!("skipped: REPLYDESK_TEST_POSTGRES_URL is not set");
        return;
    };
    let name = format!("replydesk_plans_{}", std::process::id());
    let mut admin = PgConnection::establish(&server).expect("connecting to PostgreSQL");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("creating a database");
    let mut url = url::Url::parse(&server).expect("a URL");
    url.set_path(&format!("/{name}"));
    let outcome = std::panic::catch_unwind(|| {
        let db =
            Database::open(&DatabaseUrl::Postgres(Secret::new(url.to_string()))).expect("opening");
        seed(&db);
        db.write_here(|conn| Ok::<_, AppError>(diesel::sql_query("ANALYZE").execute(conn)?))
            .expect("analysing");
        generic_plans_read_few_entries(url.as_str());
        for sender in [REGULAR, SPAMMER] {
            let plan = plan(&db, sender);
            let seq_scan = plan.iter().any(|l| l.contains("Seq Scan on comments"));
            assert!(!seq_scan, "{plan:#?}");
            for line in &plan {
                for label in ["rows=", "Rows Removed by Filter: "] {
                    let Some(at) = line.find(label) else { continue };
                    let digits: String = line[at + label.len()..]
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .collect();
                    let rows: i64 = digits.parse().expect("a row count");
                    assert!(rows <= MOST_ROWS, "{rows} rows: {line}\n{plan:#?}");
                }
            }
        }
    });
    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// The server prepares its statements once, and after five runs PostgreSQL
/// may plan them without their values (a generic plan), which `EXPLAIN` with
/// bound values never shows. So the statement runs here as the server runs
/// it, forced to its generic plan, and PostgreSQL's own count of the index
/// entries read from `comments` says whether it walked a sender's comments.
fn generic_plans_read_few_entries(url: &str) {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let read_so_far = |conn: &mut AnyConnection| -> i64 {
        // Flushes this session's counts, then reads them afresh.
        diesel::sql_query("SELECT pg_stat_force_next_flush()")
            .execute(conn)
            .expect("flushing the statistics");
        diesel::sql_query("SELECT pg_stat_clear_snapshot()")
            .execute(conn)
            .expect("clearing the statistics snapshot");
        let count: Count = diesel::sql_query(
            "SELECT coalesce(sum(idx_tup_read), 0)::bigint AS n \
             FROM pg_stat_user_indexes WHERE relname = 'comments'",
        )
        .get_result(conn)
        .expect("reading the statistics");
        count.n
    };
    let mut conn = AnyConnection::Postgresql(PgConnection::establish(url).expect("connecting"));
    diesel::sql_query("SET plan_cache_mode = force_generic_plan")
        .execute(&mut conn)
        .expect("forcing generic plans");
    for sender in [REGULAR, SPAMMER] {
        let probe = probe(sender);
        let before = read_so_far(&mut conn);
        for _ in 0..3 {
            checks!(&mut conn, &probe, |c, statement| statement
                .get_result::<Row>(c)
                .optional())
            .expect("running the checks");
        }
        let read = read_so_far(&mut conn) - before;
        assert!(
            read <= 3 * 2 * MOST_ROWS,
            "{}: {read} index entries read",
            sender.1
        );
    }
}
