//! The one path every reply takes, whichever form it arrived in: the origin
//! checks, the reply rules, the moderation rules, and storage in one transaction.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::TimeDelta;
use url::Url;

use crate::confirmation::{self, Request};
use crate::db::comments::{self, NewComment, Scored};
use crate::db::history::{self, Arriving, Probe};
use crate::db::posts::{self, NewPost, Post};
use crate::db::{self, AnyConnection, akismet_queue, arrival};
use crate::domain::address::AddressKeys;
use crate::domain::akismet::Job;
use crate::domain::draft::CommentDraft;
use crate::domain::form_token;
use crate::domain::proof::{PowMode, Proof};
use crate::domain::rules::{self, Facts, Refusal, RuleSettings, Verdict};
use crate::domain::status::Status;
use crate::domain::words::count;
use crate::error::AppError;
use crate::instance::Instance;
use crate::notifications;
use crate::pow;
use crate::sites::{self, Directory, Site, Sites};
use crate::spam::clues::{Evidence, ProofSeen};
use crate::spam::{self, Judgement, Thresholds};

/// Who sent the reply, as far as the request tells.
#[derive(Debug, Clone)]
pub struct Sender {
    pub ip: Option<IpAddr>,
    pub user_agent: String,
    /// The page the request came from (`Origin`, else `Referer`), if the browser said.
    pub page: Option<String>,
    pub channel: Channel,
}

/// How a reply arrived, which decides what a missing proof of work costs it
/// under `REPLYDESK_POW=require`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A plain HTML form (ours or WordPress's): it may come from a reader
    /// without JavaScript, who cannot solve a challenge, so it is held.
    Form,
    /// JSON from a script, such as `/embed.js`: it can solve one, so it is
    /// refused without a solution.
    Script,
}

/// A stored reply, with what the answer to the client needs.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub comment: comments::PublicRow,
    pub status: Status,
    pub post_url: String,
    /// The site the reply was for, whose origins a redirect may go to.
    pub site: Arc<Site>,
    /// `false` for spam that named a post with no comments yet: it is answered
    /// like any held comment, but neither it nor the post is stored.
    pub stored: bool,
    /// What each rule (and the filter) said, for the metrics.
    pub verdicts: Vec<Verdict>,
    /// The spam filter's score.
    pub score: f64,
}

/// Checks, judges and stores a reply, under the rules in force when it is stored.
pub async fn submit(
    core: &Instance,
    draft: CommentDraft,
    sender: Sender,
) -> Result<Accepted, AppError> {
    let site = route(core, &draft, &sender).await?;
    let proof = pow::prove(core, draft.altcha.as_deref()).await?;
    if core.pow.mode == PowMode::Require && sender.channel == Channel::Script {
        required(&proof)?;
    }
    let page_allowed = sender.page.is_some() || draft.post_url.is_some();
    let rendered_at = draft
        .form_token
        .as_deref()
        .and_then(|token| form_token::rendered_at(core.secret.expose(), token, chrono::Utc::now()))
        .map(|at| at.naive_utc());
    // Scored from the counts in memory, before the write: no read, and
    // nothing added to the time the writer is held.
    let judged = core.spam.judge(
        site.id,
        &Evidence {
            author: &draft.author,
            email: &draft.email,
            url: &draft.url,
            body: &draft.body,
            took_seconds: rendered_at.map(|at| (db::now() - at).num_seconds()),
            proof: (core.pow.mode != PowMode::Off).then_some(match &proof {
                Proof::Solved => ProofSeen::Solved,
                Proof::Missing => ProofSeen::Missing,
                Proof::Invalid(_) => ProofSeen::Invalid,
            }),
        },
    );
    let thresholds = core.spam.thresholds;
    let live = Arc::clone(&core.sites);
    let akismet = live.akismet();
    let pow_mode = core.pow.mode;
    let ip = sender.ip.map(|ip| ip.to_string());
    let senders = vec![ip.clone().unwrap_or_default(), draft.email.clone()];
    let accepted = core
        .db
        .write_batched(senders, move |conn| {
            let now = db::now();
            let ip = ip.as_deref();
            let (rules, found, opened) =
                arriving(conn, &live, site.id, &draft, ip, page_allowed, now)?;
            let keys = live.address_keys();
            let post_id = found.post.id;
            let arrival = Arrival {
                site: &site,
                draft: &draft,
                sender: &sender,
                now,
                form_rendered_at: rendered_at,
                opened_post: opened,
                judged: &judged,
                thresholds,
                akismet,
                proof: &proof,
                pow: pow_mode,
                keys,
            };
            store(conn, &arrival, &rules, found).or_else(|e| {
                // A refusal (a flood from this sender, a bad parent) after this
                // submission opened the post: the post goes again, since a
                // refusal does not roll back the batch it is in.
                if opened && e.is_refusal() {
                    posts::delete(conn, post_id)?;
                }
                Err(e)
            })
        })
        .await?;
    // Logged here rather than in the write, which runs on SQLite's one writer thread.
    if accepted.stored {
        tracing::info!(comment.id = accepted.comment.id, post = %accepted.post_url, status = %accepted.status, "comment stored");
    } else {
        tracing::info!(status = %accepted.status, "spam for a post with no comments discarded unstored");
    }
    Ok(accepted)
}

/// The site a reply is for: its page's (`Origin`, else `Referer`), else its
/// `post_url`'s, else the default site for a request that names no page.
/// A page or a post URL that belongs to no site is refused outright; so is a
/// post URL on another site than the page.
async fn route(
    core: &Instance,
    draft: &CommentDraft,
    sender: &Sender,
) -> Result<Arc<Site>, AppError> {
    core.site(|directory| routed(directory, draft, sender))
        .await
}

fn routed(
    directory: &Directory,
    draft: &CommentDraft,
    sender: &Sender,
) -> Result<Arc<Site>, AppError> {
    let by_page = match sender.page.as_deref() {
        Some(page) => Some(directory.for_header(page).ok_or_else(|| {
            AppError::NotAllowed(
                "Comments are accepted only from the blog's own pages, and this request came from elsewhere."
                    .into(),
            )
        })?),
        None => None,
    };
    let by_url = match &draft.post_url {
        Some(url) => {
            let foreign = || {
                AppError::NotAllowed(
                    "The post URL is not on this blog, so comments for it are not accepted here."
                        .into(),
                )
            };
            let site = directory.for_url(url).ok_or_else(foreign)?;
            if by_page.is_some_and(|page| page.id != site.id) {
                return Err(foreign());
            }
            Some(site)
        }
        None => None,
    };
    by_page
        .or(by_url)
        .or_else(|| directory.named(sites::DEFAULT_NAME))
        .cloned()
        .ok_or_else(|| {
            AppError::NotAllowed(
                "This request names no page of a blog served here (no Origin, Referer or post_url)."
                    .into(),
            )
        })
}

/// The post (opened if this is its first comment, and then `true`), the
/// rules in force and the sender's history, read in one statement when the
/// post exists and the rules are as this instance last saw them.
fn arriving(
    conn: &mut AnyConnection,
    live: &Sites,
    site_id: i64,
    draft: &CommentDraft,
    ip: Option<&str>,
    page_allowed: bool,
    now: chrono::NaiveDateTime,
) -> Result<(Arc<RuleSettings>, Arriving, bool), AppError> {
    let address_key = live.address_keys().of(&draft.email);
    let probe = |rules: &RuleSettings| Probe {
        site_id,
        post_key: &draft.post_key,
        parent_id: draft.parent_id,
        author: &draft.author,
        email: &draft.email,
        body: &draft.body,
        ip,
        since: (rules.flood_seconds > 0)
            .then(|| now - TimeDelta::seconds(i64::from(rules.flood_seconds))),
        trust_returning: rules.trust_returning,
        address_key: address_key.as_deref(),
    };
    // The checks are asked under the rules this instance last saw, in the
    // statement that reads the rules' version; only if that version brought
    // other check settings are they asked again.
    let gone = || AppError::NotAllowed("This blog is no longer served here.".into());
    let guess = live.cached().rules_of(site_id).ok_or_else(gone)?;
    let mut found = history::arriving(conn, &probe(&guess))?;
    let directory = match &found {
        Some(found) => live.at_version(conn, found.rules_version)?,
        None => live.current(conn)?,
    };
    let rules = directory.rules_of(site_id).ok_or_else(gone)?;
    if found.is_some()
        && (rules.flood_seconds, rules.trust_returning)
            != (guess.flood_seconds, guess.trust_returning)
    {
        found = history::arriving(conn, &probe(&rules))?;
    }
    // Whether a name and email are required is judged here, under the rules
    // just read, so a moderator's change applies to the very next comment.
    let missing = draft.identity_problems(rules.require_name_email);
    if !missing.is_empty() {
        return Err(AppError::Invalid(missing));
    }
    let (found, opened) = match found {
        Some(found) => (found, false),
        None => {
            let opened = create_post(conn, site_id, draft, page_allowed, now)?;
            let found =
                history::arriving(conn, &probe(&rules))?.ok_or(db::StorageError::NotFound)?;
            (found, opened)
        }
    };
    Ok((rules, found, opened))
}

/// What the request brought, beside what the database knows.
struct Arrival<'a> {
    site: &'a Arc<Site>,
    draft: &'a CommentDraft,
    sender: &'a Sender,
    now: chrono::NaiveDateTime,
    form_rendered_at: Option<chrono::NaiveDateTime>,
    /// This submission opened the post.
    opened_post: bool,
    judged: &'a Judgement,
    thresholds: Thresholds,
    /// A held comment is to be checked with Akismet.
    akismet: bool,
    proof: &'a Proof,
    pow: PowMode,
    /// How addresses are keyed, for the confirmation a subscription asks for.
    keys: &'a AddressKeys,
}

fn store(
    conn: &mut AnyConnection,
    arrival: &Arrival<'_>,
    settings: &RuleSettings,
    Arriving { post, history, .. }: Arriving,
) -> Result<Accepted, AppError> {
    let Arrival {
        site,
        draft,
        sender,
        now,
        form_rendered_at,
        opened_post,
        judged,
        thresholds,
        akismet,
        proof,
        pow,
        keys,
    } = *arrival;
    let depth = reply_depth(conn, draft.parent_id, &post, settings)?;
    let facts = Facts {
        now,
        post_created_at: post.created_at,
        post_comments_open: post.comments_open,
        post_closes_at: post.closes_at,
        duplicate: history.duplicate,
        last_from_same_sender: history.last_in_window,
        author_has_approved: history.has_approved,
        ip: sender.ip,
        user_agent: sender.user_agent.clone(),
        form_rendered_at,
        proof: proof.clone(),
        pow,
    };
    let verdict = spam::place(
        rules::judge(draft, &facts, settings).map_err(refusal_error)?,
        judged,
        thresholds,
        settings.hold_all,
    );
    let public = |id| comments::PublicRow {
        id,
        parent_id: draft.parent_id,
        author: draft.author.clone(),
        email: draft.email.clone(),
        url: draft.url.clone(),
        body: draft.body.clone(),
        created_at: now,
    };
    if opened_post && matches!(verdict.status, Status::Spam | Status::Trash) {
        // Spam may not open posts: a robot naming a new post each time would
        // fill the posts table. The post opened for it goes again, and the
        // answer is the one any held comment gets.
        posts::delete(conn, post.id)?;
        return Ok(Accepted {
            comment: public(comments::reserve_id(conn)?),
            status: verdict.status,
            post_url: post.url,
            site: Arc::clone(site),
            stored: false,
            verdicts: verdict.verdicts,
            score: judged.score,
        });
    }
    let reasons = verdict.reasons.join("\n");
    let spam_reasons = judged.reasons.join("\n");
    let ip = sender.ip.map(|ip| ip.to_string());
    let id = arrival::insert(
        conn,
        &NewComment {
            post_id: post.id,
            parent_id: draft.parent_id,
            depth,
            author: &draft.author,
            email: &draft.email,
            url: &draft.url,
            body: &draft.body,
            status: verdict.status,
            reasons: &reasons,
            ip: ip.as_deref(),
            user_agent: &sender.user_agent,
            subscribed: draft.subscribe,
            created_at: now,
            updated_at: now,
            spam: Some(Scored {
                score: judged.score,
                reasons: &spam_reasons,
                clues: &judged.clues,
            }),
        },
        post.site_id,
        verdict.status == Status::Pending,
    )?;
    // Asked later, off the request path, so a slow Akismet never slows a
    // submission; queued here, so a crash between the two loses no check.
    if akismet && verdict.status == Status::Pending {
        akismet_queue::enqueue(conn, id, Job::Check)?;
    }
    // Asking for mail (replies, or the notice of publication) asks first
    // for the address to be confirmed; spam and trash ask for nothing.
    if !matches!(verdict.status, Status::Spam | Status::Trash)
        && !draft.email.is_empty()
        && (draft.subscribe || settings.notify_approved)
    {
        let request = Request {
            comment_id: id,
            email: &draft.email,
            ip: ip.as_deref(),
            now,
        };
        confirmation::ask(conn, keys, request)?;
    }
    if verdict.status == Status::Approved {
        posts::bump_version(conn, post.id)?;
        notifications::comment_published(conn, keys, id, settings.notify_approved)?;
    }
    Ok(Accepted {
        comment: public(id),
        status: verdict.status,
        post_url: post.url,
        site: Arc::clone(site),
        stored: true,
        verdicts: verdict.verdicts,
        score: judged.score,
    })
}

/// Opens the post a first comment is for, unless another submission just
/// did; says whether this one opened it.
fn create_post(
    conn: &mut AnyConnection,
    site_id: i64,
    draft: &CommentDraft,
    page_allowed: bool,
    now: chrono::NaiveDateTime,
) -> Result<bool, AppError> {
    if !page_allowed {
        return Err(AppError::NotAllowed(
            "This post has no comments yet. Its first comment must come from the blog's own page \
             (with an Origin header or a post_url on the blog)."
                .into(),
        ));
    }
    let new = NewPost {
        site_id,
        post_key: &draft.post_key,
        title: &draft.post_title,
        url: draft.post_url.as_ref().map_or("", Url::as_str),
        created_at: now,
    };
    Ok(posts::insert_unless_taken(conn, &new)?)
}

/// The depth of a new comment, once its parent passes the reply rules.
fn reply_depth(
    conn: &mut AnyConnection,
    parent_id: Option<i64>,
    post: &Post,
    settings: &RuleSettings,
) -> Result<i32, AppError> {
    let Some(parent_id) = parent_id else {
        return Ok(0);
    };
    let Some((parent_post, parent_status, parent_depth)) = comments::find_parent(conn, parent_id)?
    else {
        return Err(AppError::field(
            "parent",
            "The comment you are replying to does not exist.",
        ));
    };
    if parent_post != post.id {
        return Err(AppError::field(
            "parent",
            "The comment you are replying to belongs to another post.",
        ));
    }
    if parent_status != Status::Approved {
        return Err(AppError::field(
            "parent",
            "The comment you are replying to is not published.",
        ));
    }
    let depth = parent_depth + 1;
    if u32::try_from(depth).unwrap_or(u32::MAX) >= settings.max_depth {
        return Err(AppError::field(
            "parent",
            format!(
                "Replies can be nested at most {} deep.",
                count(settings.max_depth, "level", "levels")
            ),
        ));
    }
    Ok(depth)
}

/// Refuses a script's submission whose proof of work is missing or bad, in
/// words that say which, on the `altcha` field.
fn required(proof: &Proof) -> Result<(), AppError> {
    match proof {
        Proof::Solved => Ok(()),
        Proof::Missing => Err(AppError::field(
            "altcha",
            "A proof of work is required: fetch a challenge from /api/altcha, solve it, and send \
             the solution as the altcha field.",
        )),
        Proof::Invalid(flaw) => Err(AppError::field("altcha", flaw.to_string())),
    }
}

fn refusal_error(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::Closed => AppError::NotAllowed("Comments are closed on this post.".into()),
        Refusal::Duplicate => AppError::Conflict(
            "Duplicate comment detected; it looks as though you've already said that!".into(),
        ),
        Refusal::TooFast {
            retry_after_seconds,
        } => AppError::TooFast {
            retry_after_seconds,
        },
    }
}
