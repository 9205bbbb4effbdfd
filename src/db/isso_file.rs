//! Another program's database: Isso's SQLite file (`threads`, `comments`),
//! opened read-only for `replydesk import isso`.

use std::path::Path;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text};

/// An Isso database, opened so that nothing can be written to it.
pub struct IssoFile {
    conn: SqliteConnection,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// One Isso thread: a page.
#[derive(QueryableByName)]
pub struct Thread {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub uri: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub title: Option<String>,
}

/// One Isso comment, as stored.
#[derive(QueryableByName)]
pub struct Row {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub parent: Option<i64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub created: Option<f64>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub mode: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub remote_addr: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub text: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub author: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub website: Option<String>,
}

impl IssoFile {
    /// Opens the file read-only; SQLite would create a missing file, so the
    /// caller checks that it exists first.
    pub fn open(path: &Path) -> Result<Self, ConnectionError> {
        let url = format!("file:{}?mode=ro", path.display());
        Ok(Self {
            conn: SqliteConnection::establish(&url)?,
        })
    }

    /// How many comments the file holds, for the progress report.
    pub fn count(&mut self) -> QueryResult<u64> {
        let n = diesel::sql_query("SELECT COUNT(*) AS n FROM comments")
            .get_result::<Count>(&mut self.conn)?
            .n;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub fn threads(&mut self) -> QueryResult<Vec<Thread>> {
        diesel::sql_query("SELECT id, uri, title FROM threads ORDER BY id").load(&mut self.conn)
    }

    /// A thread's comments, oldest first.
    pub fn comments_of(&mut self, thread: i64) -> QueryResult<Vec<Row>> {
        diesel::sql_query(
            "SELECT id, parent, created, mode, remote_addr, text, author, email, website \
             FROM comments WHERE tid = ? ORDER BY id",
        )
        .bind::<BigInt, _>(thread)
        .load(&mut self.conn)
    }
}
