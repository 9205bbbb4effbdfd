//! Connections: one type for both backends, how each is opened, and how the
//! pool decides that a pooled one is still alive.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};

use crate::configuration::DatabaseUrl;

/// One connection to whichever backend the URL named. SQLite is listed last, as
/// diesel asks, so that its lenient `establish` is never tried on a PostgreSQL URL.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Opens connections for the pool and gives each SQLite connection its pragmas.
#[derive(Debug)]
pub struct Manager {
    pub(super) url: DatabaseUrl,
    /// When work on one of the pool's connections last found it closed.
    lost: Lost,
}

/// When a pooled connection was last found closed. A database restart closes
/// them all at once, so from then on none counts as proven by having answered
/// before: each is asked at its next checkout. Trusting them one by one made
/// every connection that had answered within `PROVEN_FOR` fail a request of
/// its own (five 503s in a row, under load).
#[derive(Clone, Debug, Default)]
pub(super) struct Lost(Arc<Mutex<Option<Instant>>>);

impl Lost {
    fn since(&self) -> Option<Instant> {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
    }
}

/// How long a pooled connection that just answered counts as alive without
/// asking again. Checking every connection out with a `SELECT 1` made each
/// PostgreSQL page view two round trips (docs/performance.md, "PostgreSQL connection checks"). A connection
/// that a database restart closed within this window fails one request, with
/// a 503, and is checked, found dead and replaced at its next checkout.
const PROVEN_FOR: Duration = Duration::from_secs(1);

/// A pooled connection, and when it last answered; `None` once work on it
/// failed, so that its next checkout asks whether it is still alive.
pub struct Pooled {
    pub(super) conn: AnyConnection,
    pub(super) answered: Option<Instant>,
    lost: Lost,
}

impl Pooled {
    /// Says that work found this connection closed, as a restart closes all.
    pub(super) fn found_closed(&mut self) {
        self.answered = None;
        self.lost.now();
    }
}

impl Deref for Pooled {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl Manager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            lost: Lost::default(),
        }
    }

    /// A new connection with its pragmas: the pool's connections wrap one, and
    /// the SQLite writer's threads each keep one outside the pool.
    pub fn open(&self) -> Result<AnyConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(r2d2::Error::ConnectionError)?;
                // A new file gets 1 KiB pages (SQLite's default is 4 KiB; an existing
                // file keeps its own): each comment lands on a handful of index
                // pages at random places, and every page a commit touches is
                // written whole to the log. Smaller pages cut the log's bytes per
                // comment almost threefold and the writer's CPU per comment by about
                // a tenth (docs/performance.md, "SQLite page size").
                // WAL lets readers run beside the writer; FULL syncs each commit so an
                // acknowledged comment survives a crash; the busy timeout queues writers.
                // Savepoint journals stay in memory: the group-commit writer opens a
                // savepoint per submission, and a temporary file for each cost it
                // 10 % of its time in writes.
                conn.batch_execute(
                    "PRAGMA page_size = 1024; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
                     PRAGMA temp_store = MEMORY;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(AnyConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => PgConnection::establish(url.expose())
                .map(AnyConnection::Postgresql)
                .map_err(r2d2::Error::ConnectionError),
        }
    }
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    /// A pooled connection reads only: writes go through `Database::write`,
    /// whose transactions ask for writing (`BEGIN READ WRITE` on PostgreSQL;
    /// on SQLite the writer keeps a connection of its own), so a write that
    /// strays onto the read path fails in every test instead of racing the
    /// writer.
    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        let mut conn = self.open()?;
        let read_only = match &conn {
            AnyConnection::Sqlite(_) => "PRAGMA query_only = ON",
            AnyConnection::Postgresql(_) => "SET default_transaction_read_only = on",
        };
        conn.batch_execute(read_only)
            .map_err(r2d2::Error::QueryError)?;
        Ok(Pooled {
            conn,
            answered: Some(Instant::now()),
            lost: self.lost.clone(),
        })
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), r2d2::Error> {
        let lost = self.lost.since();
        if pooled
            .answered
            .is_some_and(|at| at.elapsed() < PROVEN_FOR && lost.is_none_or(|lost| at > lost))
        {
            return Ok(());
        }
        pooled.conn.ping().map_err(r2d2::Error::QueryError)?;
        pooled.answered = Some(Instant::now());
        Ok(())
    }

    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        pooled.conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<Manager>;
