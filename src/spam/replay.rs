//! `replydesk rules test`: today's rules and spam filter replayed on the
//! comments already stored, to see what tightening a rule would change
//! before it changes anything.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDateTime;

use super::clues::Evidence;
use super::{Filter, place};
use crate::db::AnyConnection;
use crate::db::{audit, spam as store};
use crate::domain::draft::CommentDraft;
use crate::domain::proof::{PowMode, Proof};
use crate::domain::rules::{self, Facts};
use crate::error::AppError;
use crate::sites::Directory;

/// How many changed comments a replay lists one by one.
pub const LISTED: usize = 20;

/// What a replay found.
#[derive(Debug, Default)]
pub struct Replay {
    pub replayed: u64,
    /// How many comments would land elsewhere, by where the rules put them
    /// on arrival and where they would put them today.
    pub moves: BTreeMap<(String, &'static str), u64>,
    /// The first [`LISTED`] that would move.
    pub first: Vec<Change>,
}

/// One comment that would land elsewhere today.
#[derive(Debug)]
pub struct Change {
    pub id: i64,
    pub post: String,
    pub author: String,
    /// Where the rules put it when it arrived.
    pub then: String,
    /// Where it is now, moderators' decisions included.
    pub now: &'static str,
    pub would_be: &'static str,
    pub reasons: Vec<String>,
}

/// Judges every comment readers sent since `since` (on `site`, or every
/// site) as if it arrived today, under each site's rules in `directory`
/// with the `proposed` settings laid over them, and the filter as it
/// stands; reads only. What a replay cannot know is left
/// out: the flood and duplicate checks, the time trap and the proof of work
/// (nothing of the moment of sending is kept), and a post closed since.
pub fn replay(
    conn: &mut AnyConnection,
    directory: &Directory,
    proposed: &[(String, String)],
    filter: &Filter,
    since: NaiveDateTime,
    site: Option<i64>,
) -> Result<Replay, AppError> {
    let mut found = Replay::default();
    let mut after = 0;
    loop {
        let page = store::stored_since(conn, since, after, site)?;
        let Some((last, _)) = page.last() else {
            return Ok(found);
        };
        after = last.id;
        let ids: Vec<i64> = page.iter().map(|(c, _)| c.id).collect();
        let arrivals = audit::for_comments(conn, &ids)?;
        for (comment, post) in page {
            let Some(mut settings) = directory.rules_of(post.site_id) else {
                continue;
            };
            if !proposed.is_empty() {
                let changed = Arc::make_mut(&mut settings);
                for (name, value) in proposed {
                    changed
                        .set(name, value)
                        .map_err(|problem| AppError::Malformed(format!("{name}: {problem}")))?;
                }
            }
            found.replayed += 1;
            let draft = CommentDraft {
                post_key: post.post_key.clone(),
                post_title: post.title.clone(),
                post_url: None,
                parent_id: comment.parent_id,
                author: comment.author.clone(),
                author_given: true,
                email: comment.email.clone(),
                url: comment.url.clone(),
                body: comment.body.clone(),
                subscribe: false,
                honeypot_filled: false,
                form_token: None,
                altcha: None,
            };
            let facts = Facts {
                now: comment.created_at,
                post_created_at: post.created_at,
                post_comments_open: true,
                post_closes_at: None,
                duplicate: false,
                last_from_same_sender: None,
                author_has_approved: settings.trust_returning
                    && store::approved_before(conn, &comment.author, &comment.email, comment.id)?,
                ip: comment.ip.as_deref().and_then(|ip| ip.parse().ok()),
                user_agent: comment.user_agent.clone(),
                form_rendered_at: None,
                proof: Proof::Missing,
                pow: PowMode::Off,
            };
            let judged = filter.judge(
                post.site_id,
                &Evidence {
                    author: &comment.author,
                    email: &comment.email,
                    url: &comment.url,
                    body: &comment.body,
                    took_seconds: None,
                    proof: None,
                },
            );
            let (would_be, reasons) = match rules::judge(&draft, &facts, &settings) {
                Ok(placed) => {
                    let placed = place(placed, &judged, filter.thresholds, settings.hold_all);
                    (placed.status.as_str(), placed.reasons)
                }
                Err(refusal) => ("refused", vec![format!("the {} rule", refusal.rule())]),
            };
            let now = comment.status.as_str();
            // Compared with the rules' own verdict on arrival, not with a
            // moderator's later decision; imported comments have none.
            let then = arrivals
                .iter()
                .find(|e| e.comment_id == Some(comment.id) && e.from_status.is_none())
                .map_or_else(|| now.to_owned(), |e| e.to_status.clone());
            if then == would_be {
                continue;
            }
            *found.moves.entry((then.clone(), would_be)).or_default() += 1;
            if found.first.len() < LISTED {
                found.first.push(Change {
                    id: comment.id,
                    post: if post.title.is_empty() {
                        post.post_key
                    } else {
                        post.title
                    },
                    author: comment.author,
                    then,
                    now,
                    would_be,
                    reasons,
                });
            }
        }
    }
}
