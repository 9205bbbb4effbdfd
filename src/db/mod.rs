//! Storage: the only place that names diesel or SQL. One set of queries runs on
//! SQLite and PostgreSQL through diesel's `MultiConnection`.
//!
//! Single-row reads use `get_result` on a unique key, `exists` or `max`, never
//! `first`: `first` binds its `LIMIT` as a parameter, and SQLite re-prepares a
//! statement whose `LIMIT` is bound every time it runs, which cost the writer
//! thread 15 % of its time on the submission path.
//!
//! The statements every submission or page view runs go through [`native!`].

/// Runs one diesel query on the backend's own connection, written once and
/// compiled for each backend. Through `MultiConnection`, diesel renders a
/// statement's SQL afresh on every run, even when the prepared statement is
/// cached: on the submission path that was a tenth of the writer's time. On
/// the backend's own connection a cached statement is only bound and run.
macro_rules! native {
    ($conn:expr, $c:ident => $query:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $query,
            $crate::db::AnyConnection::Postgresql($c) => $query,
        }
    };
}

/// `INSERT INTO table (columns) SELECT values` for one row of bound values,
/// each written beside its column and bound as that column's SQL type, so the
/// two lists cannot drift apart. diesel caches a statement by its type only
/// when every part of it is fixed: the values of `insert_into(..).values(..)`
/// never are, and their SQL was rendered again on every run (a tenth of the
/// group-commit writer's time), while a `SELECT` of bound values is.
macro_rules! insert_bound {
    ($table:expr, { $($column:path => $value:expr),+ $(,)? }) => {
        diesel::insert_into($table)
            .values(diesel::select(($(
                diesel::expression::IntoSql::into_sql::<diesel::dsl::SqlTypeOf<$column>>($value),
            )+)))
            .into_columns(($($column,)+))
    };
}

pub mod admin_list;
pub mod akismet_queue;
pub mod arrival;
pub mod audit;
mod checkpoint;
pub mod comment_versions;
pub mod comments;
pub mod confirmations;
mod connection;
pub mod digest;
mod errors;
pub mod history;
pub mod imported;
pub mod isso_file;
mod locks;
pub mod moderators;
pub mod outbox;
mod pg_writer;
pub mod post_reader;
pub mod posts;
pub mod schema;
pub mod sessions;
pub mod sites;
pub mod spam;
pub mod spent_challenges;
pub mod stats;
mod steps;
pub mod stored_settings;
pub mod subscriptions;
mod syncer;
pub mod thread_page;
pub mod throttle;
pub mod types;
pub mod writer;

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, R2D2Connection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use tokio::sync::Notify;

use crate::configuration::{DatabaseUrl, SqliteSync};
use crate::error::AppError;
use posts::Post;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

pub use connection::{AnyConnection, Manager, Pool, Pooled};
pub use steps::Steps;

/// A storage failure, as the services see it.
pub use diesel::result::Error as StorageError;
/// The result of a storage call.
pub use diesel::result::QueryResult;

/// A shared handle on the pool; cheap to clone into every handler.
#[derive(Clone)]
pub struct Database {
    url: DatabaseUrl,
    pool: Pool,
    /// SQLite's group-commit writer; PostgreSQL takes concurrent writers as they come.
    writer: Option<writer::Writer>,
    /// PostgreSQL's writers of batched submissions (see `write_batched`).
    batches: Option<pg_writer::PgWriter>,
    /// Page views and counts read their posts together.
    reader: post_reader::PostReader,
    /// Rung after every write, so that whatever it queued for the mail
    /// worker goes out now rather than at the worker's next look.
    written: Arc<Notify>,
    /// Whether this handle's writes ring `written`. The mail worker's own do
    /// not: its claims are writes, and each woke it to claim again, at once,
    /// for ever, which took a fifth of the throughput of every route.
    rings: bool,
}

/// Why the database could not be opened, in words for an operator.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "REPLYDESK_DATABASE_URL: the folder {0} does not exist, so the SQLite file cannot be created there"
    )]
    MissingFolder(String),
    #[error(
        "REPLYDESK_DATABASE_URL: there is no database at {0}. Run this where the server runs, \
         point REPLYDESK_DATABASE_URL at its file (sqlite:///full/path/replydesk.db), \
         or create a new database with `replydesk migrate`"
    )]
    MissingFile(String),
    #[error(
        "REPLYDESK_DATABASE_URL: {0} does not exist; create it first, e.g. with `createdb` \
         or CREATE DATABASE, then start again"
    )]
    MissingDatabase(String),
    #[error("REPLYDESK_DATABASE_URL: cannot connect: {0}")]
    Connect(String),
    #[error("cannot apply the database migrations: {0}")]
    Migrate(String),
}

/// How a database is opened.
#[derive(Clone, Copy, Debug)]
pub struct Opening {
    /// Whether a SQLite file that is not there yet may be created: only for
    /// the server and `migrate`, so that a command run from the wrong folder
    /// says so instead of working on a new, empty database.
    pub create: bool,
    /// How long to wait for a database server that does not answer yet (one
    /// starting beside this one, as under Docker Compose).
    pub wait: Duration,
    /// When SQLite's writer answers; PostgreSQL's own settings decide there.
    pub sqlite_sync: SqliteSync,
}

impl Default for Opening {
    fn default() -> Self {
        Self {
            create: true,
            wait: Duration::ZERO,
            sqlite_sync: SqliteSync::Full,
        }
    }
}

impl Database {
    /// Opens the pool and brings the schema up to date.
    pub fn open(url: &DatabaseUrl) -> Result<Self, OpenError> {
        Self::open_with(url, Opening::default()).map(|(db, _)| db)
    }

    /// The same, as `opening` says; also gives how many migrations it applied.
    pub fn open_with(url: &DatabaseUrl, opening: Opening) -> Result<(Self, usize), OpenError> {
        if let DatabaseUrl::Sqlite(path) = url {
            if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty())
                && !folder.is_dir()
            {
                return Err(OpenError::MissingFolder(folder.display().to_string()));
            }
            if !opening.create && !path.exists() {
                return Err(OpenError::MissingFile(url.describe()));
            }
        }
        // Its own connection, not the pool's, which read only: on PostgreSQL the
        // first, made so as to say in words why there is none.
        let mut conn = first_connection(url, opening.wait)?;
        let size = match url {
            DatabaseUrl::Sqlite(_) => 8,
            DatabaseUrl::Postgres(_) => 16,
        };
        let pool = r2d2::Pool::builder()
            .max_size(size)
            // No connections opened in the background: a command-line run that
            // exits while the pool's thread is inside libpq's TLS setup crashes.
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(5))
            // A SQLite file does not go away between checkouts; a server might.
            .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
            .build(Manager::new(url.clone()))
            .map_err(|e| OpenError::Connect(e.to_string()))?;
        let writer = match url {
            DatabaseUrl::Sqlite(_) => Some(
                writer::Writer::start(&Manager::new(url.clone()), opening.sqlite_sync)
                    .map_err(OpenError::Connect)?,
            ),
            DatabaseUrl::Postgres(_) => None,
        };
        let batches = match url {
            DatabaseUrl::Sqlite(_) => None,
            DatabaseUrl::Postgres(_) => {
                Some(pg_writer::PgWriter::start(&pool).map_err(OpenError::Connect)?)
            }
        };
        let reader = post_reader::PostReader::start(pool.clone()).map_err(OpenError::Connect)?;
        let db = Self {
            url: url.clone(),
            pool,
            writer,
            batches,
            reader,
            written: Arc::new(Notify::new()),
            rings: true,
        };
        let applied = migrate(&mut conn).map_err(OpenError::Migrate)?;
        // Made here, once, so that reading them later never writes.
        stored_settings::secret_key(&mut conn)
            .and_then(|_| stored_settings::local_source_prefix(&mut conn))
            .map_err(|e| OpenError::Migrate(e.to_string()))?;
        drop(conn);
        Ok((db, applied))
    }

    /// Reads, on a blocking thread so no async worker ever waits on I/O.
    /// These connections cannot write (see `Manager::connect`): every write
    /// goes through `write`, the one path that commits.
    pub async fn read<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(|_| AppError::Busy)?;
            run_on(&mut conn, work)
        })
        .await
        .map_err(|e| AppError::internal("database task failed", e))?
    }

    /// A post by its key, for a page view, as it is when this is called.
    pub async fn post(&self, site: i64, key: String) -> Result<Option<Post>, AppError> {
        Ok(self.reader.posts(site, vec![key]).await?.pop())
    }

    /// The posts of `site` that exist among `keys`, as they are when this is called.
    pub async fn posts(&self, site: i64, keys: Vec<String>) -> Result<Vec<Post>, AppError> {
        self.reader.posts(site, keys).await
    }

    /// Runs write work in a transaction of its own (PostgreSQL) or in the next
    /// group commit (SQLite); either way it is durable when this returns `Ok`.
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.write_as(Vec::new(), work).await
    }

    /// The same, for work that must not run beside other work from the same
    /// senders (an IP, an email), whichever instance runs it: on PostgreSQL the
    /// transaction locks their keys as it begins; on SQLite the one writer
    /// already runs all work one piece at a time.
    pub async fn write_as<T, F>(&self, senders: Vec<String>, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let written = match &self.writer {
            Some(writer) => writer.write(work).await,
            None => {
                let pool = self.pool.clone();
                tokio::task::spawn_blocking(move || {
                    let senders: Vec<&str> = senders.iter().map(String::as_str).collect();
                    write_pooled(&pool, &senders, work)
                })
                .await
                .map_err(|e| AppError::internal("database task failed", e))?
            }
        };
        if written.is_ok() {
            self.ring();
        }
        written
    }

    /// The same, for the work of a submission, which comes in bursts: on
    /// PostgreSQL it joins the next batch of submissions, committed in one
    /// transaction (see `pg_writer`). It is `Fn` because a batch that fails is
    /// run again a piece at a time, and it must refuse (`AppError::is_refusal`)
    /// only before it writes, or undo what it wrote first: a refusal does not
    /// roll back the batch it is in.
    pub async fn write_batched<T, F>(&self, senders: Vec<String>, work: F) -> Result<T, AppError>
    where
        F: Fn(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let Some(batches) = &self.batches else {
            return self.write_as(senders, work).await;
        };
        let written = batches.write(&senders, work).await;
        if written.is_ok() {
            self.ring();
        }
        written
    }

    /// Tells the mail worker that a write went through, unless this is the
    /// worker's own handle.
    fn ring(&self) {
        if self.rings {
            self.written.notify_one();
        }
    }

    /// What the mail worker waits on between looks at the outbox: every
    /// write through this handle rings it.
    pub fn written(&self) -> Arc<Notify> {
        Arc::clone(&self.written)
    }

    /// The same database, for the mail worker: its writes do not ring
    /// `written`, which would only wake the worker itself.
    pub fn for_mail_worker(&self) -> Database {
        Database {
            rings: false,
            ..self.clone()
        }
    }

    /// Reads on the caller's thread, for the command-line tools.
    pub fn read_here<T>(
        &self,
        work: impl FnOnce(&mut AnyConnection) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut conn = self.pool.get().map_err(|_| AppError::Busy)?;
        run_on(&mut conn, work)
    }

    /// Reads everything from one snapshot, on the caller's thread (an
    /// export): a read transaction, which does not hold back the server's
    /// writes the way a write lock would.
    pub fn snapshot_here<T>(
        &self,
        work: impl FnOnce(&mut AnyConnection) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        self.read_here(|conn| conn.transaction(work))
    }

    /// Writes on the caller's thread, for the command-line tools: through the
    /// same writer as `write`, and durable when this returns `Ok`.
    pub fn write_here<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        match &self.writer {
            Some(writer) => writer.write_blocking(work),
            None => write_pooled(&self.pool, &[], work),
        }
    }
}

/// Connects once before the pool does, for the migrations. On PostgreSQL, a
/// database that does not exist is said once, in words, rather than as the
/// pool's retries for five seconds, and a server still starting is waited
/// for, up to `wait`.
fn first_connection(url: &DatabaseUrl, wait: Duration) -> Result<AnyConnection, OpenError> {
    let manager = Manager::new(url.clone());
    if let DatabaseUrl::Sqlite(_) = url {
        return manager
            .open()
            .map_err(|e| OpenError::Connect(e.to_string()));
    }
    let deadline = Instant::now() + wait;
    let mut waiting = false;
    loop {
        let problem = match manager.open() {
            Ok(conn) => return Ok(conn),
            Err(e) => e.to_string(),
        };
        if problem.contains("does not exist") {
            return Err(OpenError::MissingDatabase(url.describe()));
        }
        // Wrong credentials will not come right by waiting.
        let hopeless = problem.contains("authentication") || problem.contains("password");
        if hopeless || Instant::now() >= deadline {
            return Err(OpenError::Connect(problem));
        }
        if !waiting {
            tracing::warn!(
                "{} does not answer yet; waiting up to {} s for it (REPLYDESK_DATABASE_WAIT_SECONDS)",
                url.describe(),
                wait.as_secs()
            );
            waiting = true;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Writes in a transaction of its own on a pooled connection, holding the
/// senders' locks: PostgreSQL's way to write, where SQLite has its writer.
fn write_pooled<T>(
    pool: &Pool,
    senders: &[&str],
    work: impl FnOnce(&mut AnyConnection) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut conn = pool.get().map_err(|_| AppError::Busy)?;
    run_on(&mut conn, |conn| {
        transaction_holding(conn, &locks::lock_ids(senders), work)
    })
}

/// Runs work on a pooled connection, and notes whether the connection is
/// known to be alive: it is if the work went through; if not, it may have
/// failed because the connection was lost, and the next checkout asks.
fn run_on<T>(
    pooled: &mut Pooled,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let outcome = work(&mut pooled.conn);
    match &outcome {
        Ok(_) => pooled.answered = Some(Instant::now()),
        // What a closed connection reads as (see `errors`).
        Err(AppError::Busy) => pooled.found_closed(),
        Err(_) => pooled.answered = None,
    }
    outcome
}

diesel::define_sql_function!(
    /// `domain::text_hash::of`, for SQLite's migrations.
    fn replydesk_text_hash(text: diesel::sql_types::Text) -> diesel::sql_types::BigInt
);

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Applies the pending migrations of the connection's backend. On PostgreSQL an
/// advisory lock keeps several instances starting at once from racing.
pub fn migrate(conn: &mut AnyConnection) -> Result<usize, String> {
    match conn {
        AnyConnection::Sqlite(c) => {
            // SQLite has no SHA-256 of its own; a migration fills the text
            // hashes of the comments stored before it with this one.
            replydesk_text_hash_utils::register_impl(c, |text: String| {
                crate::domain::text_hash::of(&text)
            })
            .map_err(|e| e.to_string())?;
            // A migration that rebuilds a table (SQLite cannot drop a column's
            // UNIQUE in place) drops the old one, which with foreign keys on
            // would delete every row that refers to it. They are off while
            // migrations run, as SQLite's documentation prescribes, and any
            // dangling reference is refused before they are back on.
            c.batch_execute("PRAGMA foreign_keys = OFF")
                .map_err(|e| e.to_string())?;
            let applied = c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|applied| applied.len())
                .map_err(|e| e.to_string());
            let dangling = diesel::sql_query("SELECT COUNT(*) AS n FROM pragma_foreign_key_check")
                .get_result::<Counted>(c)
                .map(|counted| counted.n)
                .map_err(|e| e.to_string());
            c.batch_execute("PRAGMA foreign_keys = ON")
                .map_err(|e| e.to_string())?;
            match dangling? {
                0 => applied,
                n => Err(format!("the migrated database has {n} dangling references")),
            }
        }
        AnyConnection::Postgresql(c) => {
            const LOCK: &str = "7265706c79"; // "reply" in hex, any constant will do
            c.batch_execute(&format!("SELECT pg_advisory_lock(x'{LOCK}'::bigint)"))
                .map_err(|e| e.to_string())?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|applied| applied.len())
                .map_err(|e| e.to_string());
            c.batch_execute(&format!("SELECT pg_advisory_unlock(x'{LOCK}'::bigint)"))
                .map_err(|e| e.to_string())?;
            result
        }
    }
}

/// Begins a transaction for work that writes. SQLite takes its write lock up
/// front (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes
/// can fail with "database is locked" when another writer got in between.
/// PostgreSQL takes the senders' locks in the same round trip (see `locks`).
fn begin_write(conn: &mut AnyConnection, locks: &[i64]) -> QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        // Should the locks fail after `BEGIN` has run, the connection is left
        // in an aborted transaction; the failed work marks it unproven, so its
        // next checkout asks it (see `Pooled`) and the pool replaces it.
        AnyConnection::Postgresql(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, &locks::begin_holding(locks))
        }
    }
}

/// A transaction for work that writes (see `begin_write`), holding the
/// sender locks `locks` on PostgreSQL: committed if the work succeeds,
/// rolled back if it fails.
fn transaction_holding<T, E>(
    conn: &mut AnyConnection,
    locks: &[i64],
    work: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    begin_write(conn, locks)?;
    match work(conn) {
        Ok(value) => {
            <AnyConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            <AnyConnection as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Runs an insert in a savepoint and answers `None` if a unique key was
/// taken, as when two instances (or two owners) create the same thing at
/// once: on PostgreSQL the loser's transaction stays usable to say so.
pub fn unless_taken<T>(
    conn: &mut AnyConnection,
    insert: impl FnOnce(&mut AnyConnection) -> QueryResult<T>,
) -> QueryResult<Option<T>> {
    match conn.transaction(insert) {
        Ok(value) => Ok(Some(value)),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether the database answers, for the readiness probe.
pub fn ping(conn: &mut AnyConnection) -> QueryResult<()> {
    conn.ping()
}

/// The current time as stored: UTC without an offset, portable to both backends.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
