//! The queue: comments by status with counts, filtered by post, searched,
//! paged, and moderated one at a time or in bulk.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

use super::times::when;
use super::{Answer, Chrome, CsrfForm, Form, Moderator, html, page, see_other};
use crate::db::{admin_list, audit, comment_versions, stats};
use crate::domain::moderation::Action;
use crate::domain::queue_link;
use crate::domain::status::Status;
use crate::error::AppError;
use crate::moderation;
use crate::routes::state::AppState;
use crate::spam::LIKELY_SPAM;

const PER_PAGE: i64 = 20;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(queue_page))
        .route("/", web::get().to(queue_page))
        .route("/comments", web::post().to(act));
}

/// The buttons a comment in each status gets, as in WordPress.
fn actions_for(status: Status) -> &'static [Action] {
    match status {
        Status::Pending => &[Action::Approve, Action::Spam, Action::Trash],
        Status::Approved => &[Action::Unapprove, Action::Spam, Action::Trash],
        Status::Spam => &[Action::NotSpam, Action::Delete],
        Status::Trash => &[Action::Restore, Action::Delete],
    }
}

/// What the address bar says about the queue; kept across actions.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct View {
    status: Option<String>,
    post: Option<i64>,
    q: Option<String>,
    page: Option<i64>,
    done: Option<String>,
    n: Option<usize>,
    /// `score`: the highest spam score first.
    sort: Option<String>,
    /// `1`: only pending comments the spam filter finds likely spam.
    likely: Option<String>,
    /// The comments a moderation digest listed, as `queue_link` writes
    /// them, and their signature; kept across tabs, pages and actions.
    ids: Option<String>,
    sig: Option<String>,
}

impl View {
    fn status(&self) -> Status {
        self.status
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(Status::Pending)
    }

    fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }

    fn search(&self) -> &str {
        self.q.as_deref().map(str::trim).unwrap_or_default()
    }

    fn by_score(&self) -> bool {
        self.sort.as_deref() == Some("score")
    }

    fn likely_spam(&self) -> bool {
        self.likely.as_deref() == Some("1") && self.status() == Status::Pending
    }

    /// The query string for this view on another page (or another status).
    fn link(&self, status: Status, page: i64) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("status", status.as_str());
        if let Some(post) = self.post {
            query.append_pair("post", &post.to_string());
        }
        if !self.search().is_empty() {
            query.append_pair("q", self.search());
        }
        if self.by_score() {
            query.append_pair("sort", "score");
        }
        if self.likely_spam() && status == Status::Pending {
            query.append_pair("likely", "1");
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        if let (Some(ids), Some(sig)) = (&self.ids, &self.sig) {
            query.append_pair("ids", ids);
            query.append_pair("sig", sig);
        }
        format!("/admin?{}", query.finish())
    }
}

struct Tab {
    label: &'static str,
    count: i64,
    href: String,
    current: bool,
}

struct Trail {
    when: String,
    actor: String,
    change: String,
    reason: String,
}

struct Item {
    id: i64,
    post_title: String,
    post_url: String,
    author: String,
    email: String,
    url: String,
    ip: String,
    when: String,
    body: String,
    parent_id: Option<i64>,
    reasons: Vec<String>,
    /// The spam score to three places, if the filter read the comment.
    score: Option<String>,
    likely_spam: bool,
    /// The filter's strongest clues in words.
    clues: String,
    trail: Vec<Trail>,
    /// The texts the commenter's own edits replaced, oldest first.
    versions: Vec<(String, String)>,
    actions: Vec<(String, &'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "admin/queue.html")]
struct QueuePage {
    chrome: Chrome,
    status: &'static str,
    status_label: &'static str,
    tabs: Vec<Tab>,
    by_score: bool,
    likely: bool,
    /// The same view sorted the other way.
    sort_href: String,
    posts: Vec<(i64, String)>,
    post: Option<i64>,
    q: String,
    items: Vec<Item>,
    total: i64,
    page: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
    back: String,
    bulk: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    /// Whether the page shows only a digest's comments, and the link that
    /// shows them all.
    digest: bool,
    everything: String,
}

fn label(status: Status) -> &'static str {
    match status {
        Status::Pending => "Pending",
        Status::Approved => "Approved",
        Status::Spam => "Spam",
        Status::Trash => "Trash",
    }
}

fn notice(view: &View) -> Option<String> {
    let action: Action = view.done.as_deref()?.parse().ok()?;
    let n = view.n.unwrap_or(1);
    let comments = if n == 1 { "comment" } else { "comments" };
    let done = match action {
        Action::Approve => "approved",
        Action::Unapprove => "moved back to pending",
        Action::Spam => "marked as spam",
        Action::NotSpam => "taken out of spam",
        Action::Trash => "moved to the trash",
        Action::Restore => "restored",
        Action::Delete => "deleted for ever",
    };
    Some(format!("{n} {comments} {done}."))
}

/// What the database holds for one view of the queue.
struct Found {
    counts: Vec<(Status, i64)>,
    /// Pending comments the filter finds likely spam.
    likely: i64,
    total: i64,
    rows: Vec<admin_list::Row>,
    trails: Vec<audit::Entry>,
    versions: Vec<comment_versions::Version>,
    posts: Vec<(i64, String, String)>,
}

impl View {
    /// The view's filter, refused if its search holds a NUL (nothing stored can).
    /// A digest's link that was changed (or cut short) is refused rather
    /// than shown as some other list.
    fn filter(
        &self,
        sites: Option<Vec<i64>>,
        secret: &[u8],
    ) -> Result<admin_list::Filter, AppError> {
        if self.search().contains('\0') {
            return Err(AppError::Malformed(
                "The search contains a NUL character, which no comment can hold.".into(),
            ));
        }
        let ids = match (&self.ids, &self.sig) {
            (None, None) => None,
            (Some(ids), Some(sig)) => Some(queue_link::check(secret, ids, sig).map_err(|_| {
                AppError::Malformed(
                    "This link to the queue is not valid: it may have been cut short or changed. \
                     Open the queue from the menu instead."
                        .into(),
                )
            })?),
            _ => {
                return Err(AppError::Malformed(
                    "This link to the queue is incomplete: it needs both its list and its signature. \
                     Open the queue from the menu instead."
                        .into(),
                ));
            }
        };
        Ok(admin_list::Filter {
            status: self.status(),
            sites,
            post_id: self.post,
            search: Some(self.search().to_owned()).filter(|s| !s.is_empty()),
            likely_spam: self.likely_spam(),
            by_score: self.by_score(),
            ids,
        })
    }
}

/// Reads one page of the queue and what the page shows around it.
async fn find(state: &AppState, filter: admin_list::Filter, page: i64) -> Result<Found, AppError> {
    let offset = (page - 1).saturating_mul(PER_PAGE);
    state
        .core
        .db
        .read(move |conn| {
            let counts = stats::comments_by_status(conn, filter.sites.as_deref())?;
            let likely = admin_list::count(
                conn,
                &admin_list::Filter {
                    status: Status::Pending,
                    sites: filter.sites.clone(),
                    post_id: None,
                    search: None,
                    likely_spam: true,
                    by_score: false,
                    ids: None,
                },
            )?;
            let total = admin_list::count(conn, &filter)?;
            let rows = admin_list::page(conn, &filter, offset, PER_PAGE)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.comment.id).collect();
            let trails = audit::for_comments(conn, &ids)?;
            let versions = comment_versions::for_comments(conn, &ids)?;
            let posts = admin_list::posts_with_comments(conn, filter.sites.as_deref(), 200)?;
            Ok(Found {
                counts,
                likely,
                total,
                rows,
                trails,
                versions,
                posts,
            })
        })
        .await
}

async fn queue_page(
    state: web::Data<AppState>,
    moderator: Moderator,
    view: web::Query<View>,
) -> Answer {
    let view = view.into_inner();
    let filter = view.filter(moderator.site_ids(), state.core.secret.expose())?;
    let found = find(&state, filter, view.page()).await?;
    let chrome = moderator.chrome(&state, "queue").await?;
    page(&present(chrome, &view, found))
}

/// The page for one view of the queue: its tabs, comments, paging and bulk bar.
fn present(chrome: Chrome, view: &View, found: Found) -> QueuePage {
    let status = view.status();
    let Found {
        counts,
        likely,
        total,
        rows,
        trails,
        versions,
        posts,
    } = found;
    let count_of = |s: Status| {
        counts
            .iter()
            .find(|(name, _)| *name == s)
            .map_or(0, |(_, n)| *n)
    };
    let mut tabs: Vec<Tab> = Status::ALL
        .into_iter()
        .map(|s| Tab {
            label: label(s),
            count: count_of(s),
            href: view.link(s, 1),
            current: s == status && !view.likely_spam(),
        })
        .collect();
    let likely_view = View {
        likely: Some("1".into()),
        ..view.clone()
    };
    tabs.insert(
        1,
        Tab {
            label: "Likely spam",
            count: likely,
            href: likely_view.link(Status::Pending, 1),
            current: view.likely_spam(),
        },
    );
    let sorted = View {
        sort: (!view.by_score()).then(|| "score".to_owned()),
        ..view.clone()
    };
    let items = rows
        .into_iter()
        .map(|row| item(row, &trails, &versions))
        .collect();
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let current_page = view.page();
    QueuePage {
        chrome,
        status: status.as_str(),
        status_label: if view.likely_spam() {
            "Likely spam"
        } else {
            label(status)
        },
        tabs,
        by_score: view.by_score(),
        likely: view.likely_spam(),
        sort_href: sorted.link(status, 1),
        posts: posts
            .into_iter()
            .map(|(id, key, title)| (id, if title.is_empty() { key } else { title }))
            .collect(),
        post: view.post,
        q: view.search().to_owned(),
        items,
        total,
        page: current_page,
        pages,
        previous: (current_page > 1).then(|| view.link(status, current_page - 1)),
        next: (current_page < pages).then(|| view.link(status, current_page + 1)),
        back: view
            .link(status, current_page)
            .trim_start_matches("/admin?")
            .to_owned(),
        bulk: actions_for(status)
            .iter()
            .map(|a| (a.as_str(), a.label()))
            .collect(),
        notice: notice(view),
        digest: view.ids.is_some(),
        everything: View {
            ids: None,
            sig: None,
            ..view.clone()
        }
        .link(status, 1),
    }
}

/// One comment as the queue lists it, with its audit trail and the buttons
/// of its own status (the tab's, should the stored one not parse).
fn item(
    row: admin_list::Row,
    trails: &[audit::Entry],
    versions: &[comment_versions::Version],
) -> Item {
    let c = row.comment;
    let versions = versions
        .iter()
        .filter(|v| v.comment_id == c.id)
        .map(|v| (when(v.replaced_at), v.body.clone()))
        .collect();
    let trail = trails
        .iter()
        .filter(|e| e.comment_id == Some(c.id))
        .map(|e| Trail {
            when: when(e.created_at),
            actor: e.actor.clone(),
            change: match &e.from_status {
                Some(from) if *from != e.to_status => format!("{from} → {}", e.to_status),
                Some(_) => e.to_status.clone(),
                None => format!("stored as {}", e.to_status),
            },
            reason: e.reason.replace('\n', "; "),
        })
        .collect();
    let current = c.status;
    Item {
        id: c.id,
        post_title: if row.post_title.is_empty() {
            row.post_key
        } else {
            row.post_title
        },
        post_url: row.post_url,
        author: c.author,
        email: c.email,
        url: c.url,
        ip: c.ip.unwrap_or_default(),
        when: when(c.created_at),
        body: c.body,
        parent_id: c.parent_id,
        reasons: c
            .reasons
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        score: row.spam_score.map(|s| format!("{s:.3}")),
        likely_spam: row.spam_score.is_some_and(|s| s >= LIKELY_SPAM),
        clues: row.spam_reasons.replace('\n', "; "),
        trail,
        versions,
        actions: actions_for(current)
            .iter()
            .map(|a| (format!("{}:{}", a.as_str(), c.id), a.label(), a.as_str()))
            .collect(),
    }
}

/// Where to go after an action: the same view, rebuilt from known fields only,
/// so a posted form cannot send the moderator anywhere else.
fn back_to(form: &Form) -> View {
    let back = form.get("back").unwrap_or_default();
    let mut view = View::default();
    for (key, value) in url::form_urlencoded::parse(back.as_bytes()) {
        match key.as_ref() {
            "status" => view.status = Some(value.into_owned()),
            "post" => view.post = value.parse().ok(),
            "q" => view.q = Some(value.into_owned()),
            "page" => view.page = value.parse().ok(),
            "sort" => view.sort = Some(value.into_owned()),
            "likely" => view.likely = Some(value.into_owned()),
            "ids" => view.ids = Some(value.into_owned()),
            "sig" => view.sig = Some(value.into_owned()),
            _ => {}
        }
    }
    view
}

#[derive(Template)]
#[template(path = "admin/confirm_delete.html")]
struct ConfirmDelete {
    chrome: Chrome,
    ids: Vec<i64>,
    back: String,
}

/// The chosen action and comments: one button (`act=approve:12`) or the bulk
/// bar (`action=spam` with checked `id`s).
fn chosen(form: &Form) -> Result<(Action, Vec<i64>), AppError> {
    if let Some(single) = form.get("act") {
        let (action, id) = single
            .split_once(':')
            .ok_or_else(|| AppError::Malformed("That button is not understood.".into()))?;
        let action = action
            .parse()
            .map_err(|e: crate::domain::moderation::UnknownAction| {
                AppError::Malformed(e.to_string())
            })?;
        let id = id
            .parse()
            .map_err(|_| AppError::Malformed("That button names no comment.".into()))?;
        return Ok((action, vec![id]));
    }
    let action = form
        .get("action")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| AppError::Malformed("Choose an action for the selected comments.".into()))?
        .parse()
        .map_err(|e: crate::domain::moderation::UnknownAction| {
            AppError::Malformed(e.to_string())
        })?;
    let ids: Vec<i64> = form.all("id").filter_map(|id| id.parse().ok()).collect();
    if ids.is_empty() {
        return Err(AppError::Malformed(
            "Select at least one comment first.".into(),
        ));
    }
    Ok((action, ids))
}

async fn act(state: web::Data<AppState>, CsrfForm { moderator, form }: CsrfForm) -> Answer {
    let (action, ids) = chosen(&form)?;
    let view = back_to(&form);
    if action == Action::Delete && form.get("confirmed") != Some("yes") {
        let template = ConfirmDelete {
            chrome: moderator.chrome(&state, "queue").await?,
            ids,
            back: form.text("back"),
        };
        return Ok(html(StatusCode::OK, template.render()));
    }
    let many = moderation::Many {
        sites: Arc::clone(&state.core.sites),
        ids,
        action,
        actor: moderator.actor(),
        scope: moderator.scope.clone(),
        reason: "admin page",
    };
    let applied = moderation::moderate(&state.core, many).await?;
    let location = format!(
        "{}&done={}&n={}",
        view.link(view.status(), view.page()),
        action.as_str(),
        applied.len()
    );
    see_other(&location)
}
