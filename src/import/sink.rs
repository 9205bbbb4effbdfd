//! Where every importer's posts and comments are written: posts found or
//! created by key, comments placed under their parents (which may come later
//! in the file), re-imports skipped by source id, and the posts' counts and
//! versions brought up to date.

use std::collections::{BTreeSet, HashMap, HashSet};

use url::Url;

use super::{Comment, ImportError, Post, Summary};
use crate::db::{self, AnyConnection, Steps, imported, moderators, posts};
use crate::domain::draft::without_hidden_marks;
use crate::domain::status::Status;
use crate::domain::text_hash;
use crate::error::AppError;

/// How many placed comments are remembered (within one thread, or a whole
/// Disqus file) before the memory is cleared; past that a parent is looked up
/// in the database (one indexed read), so memory stays bounded.
const REMEMBERED: usize = 100_000;

/// The stored row a source id became: `(id, post id, depth)`.
type Placed = (i64, i64, i32);

/// A reply whose parent has not been read yet.
struct Waiting {
    post_id: i64,
    comment: Comment,
}

/// How many rows one step of taking back a failed import deletes.
const UNDO_CHUNK: usize = 500;

/// Writes one import, in steps (see `Steps`), and remembers what it added,
/// so that an import that fails part way takes it all back.
pub struct Sink<'c> {
    steps: &'c mut Steps,
    added: Added,
    summary: Summary,
    placed: HashMap<String, Placed>,
    waiting: HashMap<String, Vec<Waiting>>,
    touched: BTreeSet<i64>,
    now: chrono::NaiveDateTime,
    /// How this database's own exports name a comment written here (see
    /// `stored_settings::local_source_prefix`), then its id.
    own_prefix: String,
    /// Which site each post goes to.
    placing: Placing,
}

/// Which site an import's posts go to.
pub enum Placing {
    /// Every post to this one, as `--site` names it.
    OneSite(i64),
    /// Each to the site its file names, by name (the sites of this
    /// database), and a post the file names none for to `fallback`.
    AsWritten {
        fallback: i64,
        sites: HashMap<String, i64>,
    },
}

impl Placing {
    /// `OneSite` for a site named on the command line; otherwise the sites
    /// this database has, with the default site for posts that name none.
    pub fn new(conn: &mut AnyConnection, site: Option<i64>) -> Result<Self, AppError> {
        if let Some(site) = site {
            return Ok(Placing::OneSite(site));
        }
        let sites: HashMap<String, i64> = crate::db::sites::all(conn)?
            .into_iter()
            .map(|site| (site.name, site.id))
            .collect();
        let fallback = *sites
            .get(crate::db::sites::DEFAULT_NAME)
            .ok_or_else(|| AppError::Missing("There is no default site to import into.".into()))?;
        Ok(Placing::AsWritten { fallback, sites })
    }

    fn site_of(&self, post: &Post) -> Result<i64, ImportError> {
        match (self, post.site.as_deref()) {
            (Placing::OneSite(site), _) => Ok(*site),
            (Placing::AsWritten { fallback, .. }, None) => Ok(*fallback),
            (Placing::AsWritten { sites, .. }, Some(name)) => {
                sites.get(name).copied().ok_or_else(|| {
                    ImportError::Format(format!(
                        "the file puts posts on the site {name:?}, which this database does not \
                         have; add it first (replydesk site add {name} --origin …), or import \
                         everything into one site with --site NAME"
                    ))
                })
            }
        }
    }
}

/// The rows an import added, in the order it added them, and every post
/// whose comments it added to.
#[derive(Default)]
struct Added {
    comments: Vec<i64>,
    posts: Vec<i64>,
    moderators: Vec<i64>,
    commented_posts: BTreeSet<i64>,
}

impl<'c> Sink<'c> {
    /// A sink writing into the database whose exports name their own
    /// comments `own_prefix` and an id.
    pub fn new(steps: &'c mut Steps, own_prefix: String, placing: Placing) -> Self {
        Sink {
            steps,
            added: Added::default(),
            summary: Summary::default(),
            placed: HashMap::new(),
            waiting: HashMap::new(),
            touched: BTreeSet::new(),
            now: db::now(),
            own_prefix,
            placing,
        }
    }

    /// The connection, for an importer that must look something up itself.
    pub fn conn(&mut self) -> &mut AnyConnection {
        self.steps.conn()
    }

    /// Comments read so far, for the progress report.
    pub fn comments_read(&self) -> u64 {
        self.summary.comments_read
    }

    /// When the import started: the date of anything the file gives none.
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.now
    }

    /// The id of the post with this key: the existing one (left as it is, so a
    /// merge never overwrites what the blog has since changed) or a new one.
    pub fn post(&mut self, post: &Post) -> Result<i64, ImportError> {
        self.summary.posts_read += 1;
        let site = self.placing.site_of(post)?;
        if let Some(existing) = posts::find_by_key(self.steps.conn(), site, &post.key)? {
            return Ok(existing.id);
        }
        self.summary.posts_added += 1;
        let id = posts::insert_imported(
            self.steps.conn(),
            &posts::ImportedPost {
                site_id: site,
                post_key: &post.key,
                title: &post.title,
                url: &post.url,
                comments_open: post.comments_open,
                closes_at: post.closes_at,
                created_at: post.created_at.unwrap_or(self.now),
            },
        )?;
        self.added.posts.push(id);
        Ok(id)
    }

    /// Counts a comment that is not imported, and why.
    pub fn skip(&mut self, reason: &'static str, at: Option<u64>) {
        self.summary.comments_read += 1;
        self.summary.skipped.entry(reason).or_default().add(at);
    }

    /// Counts a comment imported with a change, and which.
    pub fn adjust(&mut self, change: &'static str, at: Option<u64>) {
        self.summary.adjusted.entry(change).or_default().add(at);
    }

    /// Counts a moderator added by a Replydesk import.
    pub fn moderator_added(&mut self, id: i64) {
        self.summary.moderators_added += 1;
        self.added.moderators.push(id);
    }

    /// Places a comment of the post `post_id`: under its parent if that is
    /// already stored, or waiting for the parent to be read.
    pub fn comment(&mut self, post_id: i64, comment: Comment) -> Result<(), ImportError> {
        self.summary.comments_read += 1;
        let parent = match &comment.parent {
            None => None,
            Some(parent) => match self.find(parent)? {
                Some(found) => Some(found),
                None => {
                    self.waiting
                        .entry(parent.clone())
                        .or_default()
                        .push(Waiting { post_id, comment });
                    return Ok(());
                }
            },
        };
        self.place(post_id, comment, parent)
    }

    /// Ends a thread (a WordPress item, or the whole file): replies whose parent
    /// never came are kept as top-level comments, and the touched posts' counts
    /// and versions are brought up to date.
    pub fn settle(&mut self) -> Result<(), ImportError> {
        while !self.waiting.is_empty() {
            let waiting_ids: HashSet<&str> = self
                .waiting
                .values()
                .flatten()
                .map(|w| w.comment.source_id.as_str())
                .collect();
            // A group whose parent is not itself waiting starts a thread of its
            // own; if every parent is waiting, the replies form a loop, which
            // any one of them breaks.
            let key = self
                .waiting
                .keys()
                .find(|k| !waiting_ids.contains(k.as_str()))
                .or_else(|| self.waiting.keys().next())
                .cloned();
            let Some(key) = key else { break };
            for orphan in self.waiting.remove(&key).unwrap_or_default() {
                self.adjust(
                    "a reply to a comment that is not in the file, kept as a top-level comment",
                    orphan.comment.at,
                );
                self.place(orphan.post_id, orphan.comment, None)?;
            }
        }
        for post_id in std::mem::take(&mut self.touched) {
            posts::bump_version(self.steps.conn(), post_id)?;
        }
        // A thread is done: its replies are all placed, so memory starts afresh.
        self.placed.clear();
        Ok(())
    }

    /// The counts, once the last thread is settled.
    pub fn finish(self) -> Summary {
        self.summary
    }

    /// Takes back everything this import added, after it failed: what the
    /// failing step wrote is rolled back, and what earlier steps committed is
    /// deleted, in steps too. A post the import opened is kept if a comment
    /// arrived on it meanwhile; every post kept is counted again.
    pub fn undo(self) -> Result<(), ImportError> {
        let Sink { steps, added, .. } = self;
        steps.roll_back_step()?;
        for chunk in added.comments.rchunks(UNDO_CHUNK) {
            imported::delete(steps.conn(), chunk)?;
            steps.step_if_due()?;
        }
        let mut recount = added.commented_posts;
        for post_id in added.posts.iter().rev() {
            if posts::delete_if_empty(steps.conn(), *post_id)? {
                recount.remove(post_id);
            }
            steps.step_if_due()?;
        }
        // Posts that stay (they were there before, or a comment arrived on
        // them meanwhile) lose the imported comments from their counts.
        for post_id in recount {
            posts::bump_version(steps.conn(), post_id)?;
            steps.step_if_due()?;
        }
        for id in added.moderators.iter().rev() {
            moderators::delete_by_id(steps.conn(), *id)?;
        }
        Ok(())
    }

    fn find(&mut self, source_id: &str) -> Result<Option<Placed>, ImportError> {
        if let Some(found) = self.placed.get(source_id) {
            return Ok(Some(*found));
        }
        self.stored(source_id)
    }

    /// The stored comment a source id names: one imported from there before,
    /// or, for this database's own export, the comment written here.
    fn stored(&mut self, source_id: &str) -> Result<Option<Placed>, ImportError> {
        if let Some(id) = source_id
            .strip_prefix(&self.own_prefix)
            .and_then(|id| id.parse::<i64>().ok())
            && let Some(here) = imported::find_placed(self.steps.conn(), id)?
        {
            return Ok(Some(here));
        }
        Ok(imported::find_by_source(self.steps.conn(), source_id)?)
    }

    /// Stores a comment (unless it was imported before) and then every reply
    /// that was waiting for it, depth first.
    fn place(
        &mut self,
        post_id: i64,
        comment: Comment,
        parent: Option<Placed>,
    ) -> Result<(), ImportError> {
        let mut work = vec![(post_id, comment, parent)];
        while let Some((post_id, comment, parent)) = work.pop() {
            let placed = self.store(post_id, &comment, parent)?;
            for child in self.waiting.remove(&comment.source_id).unwrap_or_default() {
                work.push((child.post_id, child.comment, Some(placed)));
            }
        }
        Ok(())
    }

    fn store(
        &mut self,
        post_id: i64,
        comment: &Comment,
        parent: Option<Placed>,
    ) -> Result<Placed, ImportError> {
        if let Some(existing) = self.stored(&comment.source_id)? {
            self.summary
                .skipped
                .entry("already imported")
                .or_default()
                .add(comment.at);
            self.remember(&comment.source_id, existing);
            return Ok(existing);
        }
        let parent = match parent {
            Some((_, parent_post, _)) if parent_post != post_id => {
                self.adjust(
                    "a reply to a comment on another post, kept as a top-level comment",
                    comment.at,
                );
                None
            }
            other => other,
        };
        let depth = parent.map_or(0, |(_, _, depth)| depth.saturating_add(1));
        let extra = &comment.extra;
        let url = website(&comment.url);
        if url.is_none() {
            self.adjust(
                "a website that is not an http(s) address (such as javascript:), dropped",
                comment.at,
            );
        }
        let author = without_hidden_marks(&comment.author);
        if author != comment.author {
            self.adjust(
                "a name with invisible characters that reverse or hide text, cleaned",
                comment.at,
            );
        }
        let id = imported::insert(
            self.steps.conn(),
            &imported::ImportedComment {
                post_id,
                parent_id: parent.map(|(id, _, _)| id),
                depth,
                author: &author,
                email: &comment.email,
                url: url.as_deref().unwrap_or_default(),
                body: &comment.body,
                body_hash: text_hash::of(&comment.body),
                status: comment.status,
                previous_status: extra.previous_status,
                reasons: &extra.reasons,
                ip: comment.ip.as_deref(),
                user_agent: &extra.user_agent,
                subscribed: extra.subscribed,
                moderator_id: extra.moderator_id,
                source_id: &comment.source_id,
                created_at: comment.created_at,
                updated_at: extra
                    .updated_at
                    .unwrap_or_else(|| changed_at(comment, self.now)),
                kind: comment.kind,
            },
        )?;
        *self
            .summary
            .added_by_status
            .entry(comment.status.as_str())
            .or_default() += 1;
        self.touched.insert(post_id);
        self.added.comments.push(id);
        self.added.commented_posts.insert(post_id);
        // Committed between comments, so live submissions get in; a reply
        // committed before its thread's counts are settled shows a moment late.
        self.steps.step_if_due()?;
        let placed = (id, post_id, depth);
        self.remember(&comment.source_id, placed);
        Ok(placed)
    }

    fn remember(&mut self, source_id: &str, placed: Placed) {
        if self.placed.len() >= REMEMBERED {
            self.placed.clear();
        }
        self.placed.insert(source_id.to_owned(), placed);
    }
}

/// When a comment from another system last changed, as far as Replydesk can
/// tell. Spam and trash are emptied by how long they have been there, which
/// no other system's export says; their clock starts at the import, so the
/// spam folder an import brings (to learn from, say) is not deleted at the
/// next sweep. (WordPress's own importer brings no trash time either, and its
/// trash is never emptied.) Anything else last changed when it was written.
fn changed_at(comment: &Comment, imported_at: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    match comment.status {
        Status::Spam | Status::Trash => imported_at,
        _ => comment.created_at,
    }
}

/// A commenter's website as it may be linked: an http(s) address, with
/// `http://` added where the export has none (as WordPress's `esc_url` does);
/// `Some("")` for none given, and `None` for anything else, such as a
/// `javascript:` address that would run in readers' browsers.
fn website(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return Some(String::new());
    }
    let web = |text: &str| {
        Url::parse(text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
    };
    match Url::parse(url) {
        Ok(_) => web(url).map(|_| url.to_owned()),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let guessed = format!("http://{url}");
            web(&guessed).map(|_| guessed)
        }
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::website;

    #[test]
    fn only_web_addresses_are_kept_as_websites() {
        assert_eq!(
            website("https://ada.example/").as_deref(),
            Some("https://ada.example/")
        );
        assert_eq!(
            website("ada.example").as_deref(),
            Some("http://ada.example")
        );
        assert_eq!(website("").as_deref(), Some(""));
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "mailto:a@b.c",
            "http://",
        ] {
            assert_eq!(website(bad), None, "{bad}");
        }
    }
}
