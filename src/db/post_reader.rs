//! Page views' reads of posts, taken together. Every page view and
//! revalidation reads its post's version, and counts read their posts' counts,
//! so that no instance serves what another has changed. On PostgreSQL one
//! round trip each held page views near 13,000/s on two cores, most of it
//! spent switching between processes; on SQLite each read was cheap but took
//! a pooled connection of its own (docs/performance.md, "Reading posts together"). Here one thread
//! reads the posts for every request that arrived while its previous read was
//! out, in one statement: each answer still comes from a read that began
//! after its request arrived, so it is as fresh as a read of its own.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::mpsc;
use std::thread;

use tokio::sync::oneshot;

use super::posts::{self, Post};
use super::{Pool, run_on};
use crate::error::AppError;

/// The most post keys one read asks for; a request names at most 200.
const MAX_KEYS: usize = 2_000;

type Answer = oneshot::Sender<Result<Vec<Post>, AppError>>;

/// One request's question: these keys of this site.
struct Ask {
    site: i64,
    keys: Vec<String>,
    answer: Answer,
}

/// The sending side of the reading thread's queue.
#[derive(Clone)]
pub struct PostReader {
    queue: mpsc::Sender<Ask>,
}

impl PostReader {
    /// Starts the reading thread, which takes a pooled connection for each read.
    pub fn start(pool: Pool) -> Result<Self, String> {
        let (queue, asks) = mpsc::channel::<Ask>();
        thread::Builder::new()
            .name("replydesk-reader".into())
            .spawn(move || {
                while let Ok(first) = asks.recv() {
                    let mut keys = first.keys.len();
                    let mut batch = vec![first];
                    while keys < MAX_KEYS {
                        match asks.try_recv() {
                            Ok(ask) => {
                                keys += ask.keys.len();
                                batch.push(ask);
                            }
                            Err(_) => break,
                        }
                    }
                    answer(&pool, batch);
                }
            })
            .map_err(|e| e.to_string())?;
        Ok(Self { queue })
    }

    /// The posts of `site` that exist among `keys`, as read after this call began.
    pub async fn posts(&self, site: i64, keys: Vec<String>) -> Result<Vec<Post>, AppError> {
        let (answer, answered) = oneshot::channel();
        self.queue
            .send(Ask { site, keys, answer })
            .map_err(|_| AppError::Busy)?;
        answered.await.map_err(|_| AppError::Busy)?
    }
}

/// The same failure again, for each request that waited on the read. An
/// error is not `Clone`; its kind and its cause are all the answer needs.
fn again(error: &AppError) -> AppError {
    match error {
        AppError::Busy => AppError::Busy,
        AppError::Internal(cause) => AppError::internal("reading posts", cause),
        other => AppError::internal("reading posts", other),
    }
}

fn answer(pool: &Pool, batch: Vec<Ask>) {
    let mut wanted: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for ask in &batch {
        wanted
            .entry(ask.site)
            .or_default()
            .extend(ask.keys.iter().cloned());
    }
    match read(pool, wanted) {
        Ok(found) => {
            let by_key: HashMap<(i64, &str), &Post> = found
                .iter()
                .map(|p| ((p.site_id, p.post_key.as_str()), p))
                .collect();
            for ask in batch {
                let posts = ask
                    .keys
                    .iter()
                    .filter_map(|key| {
                        by_key
                            .get(&(ask.site, key.as_str()))
                            .map(|&post| post.clone())
                    })
                    .collect();
                let _ = ask.answer.send(Ok(posts));
            }
        }
        Err(error) => {
            for ask in batch {
                let _ = ask.answer.send(Err(again(&error)));
            }
        }
    }
}

/// One read per site asked about (almost always one for the whole batch),
/// each a probe of `posts_site_key`; a lost connection is told apart as
/// `From<diesel::result::Error>` tells it for every other query.
fn read(pool: &Pool, wanted: BTreeMap<i64, BTreeSet<String>>) -> Result<Vec<Post>, AppError> {
    let mut conn = pool.get().map_err(|_| AppError::Busy)?;
    run_on(&mut conn, |c| {
        let mut found = Vec::new();
        for (site, keys) in &wanted {
            let keys: Vec<String> = keys.iter().cloned().collect();
            found.extend(posts::by_keys(c, *site, &keys)?);
        }
        Ok(found)
    })
}
