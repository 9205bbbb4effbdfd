//! The sites one instance serves, for owners: list, add, edit and remove
//! them; and the switcher that narrows every page to one site.

use std::sync::Arc;

use actix_web::cookie::SameSite;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::session::SITE;
use super::{Answer, Chrome, CsrfForm, Form, Moderator, html, see_other};
use crate::db::sites as stored;
use crate::domain::origin::OriginPolicy;
use crate::domain::words::count_of;
use crate::error::AppError;
use crate::routes::state::AppState;
use crate::sites::{DEFAULT_NAME, DEFAULT_STAYS, Site};

/// The switcher's route and the owners' Sites page, under `/admin`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/site", web::get().to(switch))
        .route("/sites", web::get().to(show))
        .route("/sites", web::post().to(add))
        .route("/sites/{name}", web::post().to(edit))
        .route("/sites/{name}/remove", web::post().to(remove));
}

/// The switcher's choice: a site's name, or empty for every site.
#[derive(Debug, Deserialize)]
struct Choice {
    site: Option<String>,
}

/// Remembers the site the switcher chose (or forgets it, for every site) in
/// a cookie, so each page shows that site until another is chosen; a GET
/// form, so it works without JavaScript. A site the moderator does not have
/// is as missing as one that does not exist.
async fn switch(
    state: web::Data<AppState>,
    moderator: Moderator,
    choice: web::Query<Choice>,
) -> Answer {
    let name = choice.site.as_deref().map(str::trim).unwrap_or_default();
    let cookie = if name.is_empty() {
        SITE.removal(&state)
    } else {
        let site = moderator
            .site_named(name)
            .ok_or_else(|| AppError::Missing(format!("You have no site named {name:?}.")))?;
        SITE.build(&state, site.name.clone())
            .same_site(SameSite::Lax)
            .finish()
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin"))
        .cookie(cookie)
        .finish())
}

/// One site as the page lists it, with its edit form's values and problems.
struct Row {
    name: String,
    title: String,
    label: String,
    /// One origin a line, as the edit form takes them.
    origins: String,
    from_configuration: bool,
    comments: i64,
    removable: bool,
    problems: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "admin/sites.html")]
struct SitesPage {
    chrome: Chrome,
    rows: Vec<Row>,
    /// The add form's values and problems.
    name: String,
    title: String,
    origins: String,
    problems: Vec<(String, String)>,
    notice: Option<String>,
}

/// The add form as typed, shown again with its problems.
#[derive(Default)]
struct Typed {
    name: String,
    title: String,
    origins: String,
    problems: Vec<(String, String)>,
}

/// An edit form as typed for one site, shown again with its problems.
struct Edited {
    site: String,
    title: String,
    origins: String,
    problems: Vec<(String, String)>,
}

/// What the address says happened, after a change redirected here.
#[derive(Debug, Default, Deserialize)]
struct Done {
    added: Option<String>,
    saved: Option<String>,
    removed: Option<String>,
    n: Option<usize>,
}

impl Done {
    fn notice(&self) -> Option<String> {
        if let Some(name) = &self.added {
            return Some(format!(
                "Site {name:?} added. Its pages can send comments now."
            ));
        }
        if let Some(name) = &self.saved {
            return Some(format!("Site {name:?} saved."));
        }
        self.removed.as_ref().map(|name| {
            format!(
                "Site {name:?} removed with its posts and {}.",
                count_of(self.n.unwrap_or(0), "comment", "comments")
            )
        })
    }
}

fn one_a_line(origins: &OriginPolicy) -> String {
    origins
        .origins()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The sites page with every site as stored now; `typed` and `edited` keep
/// what a refused form held, and make the answer a 422.
async fn render(
    state: &AppState,
    moderator: &Moderator,
    typed: Typed,
    edited: Option<Edited>,
    notice: Option<String>,
) -> Answer {
    let sites = Arc::clone(&state.core.sites);
    let listed = state
        .core
        .db
        .read(move |conn| {
            let directory = sites.current(conn)?;
            let mut listed = Vec::new();
            for site in directory.all() {
                listed.push((Arc::clone(site), stored::comment_count(conn, site.id)?));
            }
            Ok(listed)
        })
        .await?;
    let refused = !typed.problems.is_empty() || edited.is_some();
    let mut edited = edited;
    let rows = listed
        .into_iter()
        .map(|(site, comments)| {
            let mut row = Row {
                name: site.name.clone(),
                title: site.title.clone(),
                label: site.label().to_owned(),
                origins: one_a_line(&site.origins),
                from_configuration: site.origins_from_configuration,
                comments,
                removable: site.name != DEFAULT_NAME,
                problems: Vec::new(),
            };
            if let Some(typed) = edited.take_if(|e| e.site == site.name) {
                row.title = typed.title;
                row.origins = typed.origins;
                row.problems = typed.problems;
            }
            row
        })
        .collect();
    let template = SitesPage {
        chrome: moderator.chrome(state, "sites").await?,
        rows,
        name: typed.name,
        title: typed.title,
        origins: typed.origins,
        problems: typed.problems,
        notice,
    };
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(html(status, template.render()))
}

async fn show(state: web::Data<AppState>, moderator: Moderator, done: web::Query<Done>) -> Answer {
    moderator.owner_only()?;
    render(&state, &moderator, Typed::default(), None, done.notice()).await
}

/// A refusal's problems, in words, for the form to show again; anything
/// other than a refusal of the fields is answered as an error page.
fn problems_of(error: AppError) -> Result<Vec<(String, String)>, AppError> {
    match error {
        AppError::Invalid(fields) => Ok(fields
            .iter()
            .map(|(field, problem)| (field.clone(), problem.clone()))
            .collect()),
        other => Err(other),
    }
}

async fn add(state: web::Data<AppState>, CsrfForm { moderator, form }: CsrfForm) -> Answer {
    moderator.owner_only()?;
    let typed = Typed {
        name: form.text("name").trim().to_owned(),
        title: form.text("title"),
        origins: form.text("origins"),
        problems: Vec::new(),
    };
    let sites = Arc::clone(&state.core.sites);
    let (name, title, origins) = (
        typed.name.clone(),
        typed.title.clone(),
        typed.origins.clone(),
    );
    let added = state
        .core
        .db
        .write(move |conn| sites.add(conn, &name, &title, &origins))
        .await;
    match added {
        Ok(_) => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("added", &typed.name)
                .finish();
            see_other(&format!("/admin/sites?{query}"))
        }
        Err(error) => {
            let problems = problems_of(error)?;
            render(&state, &moderator, Typed { problems, ..typed }, None, None).await
        }
    }
}

/// Saves a site's title and origins; each is written only when it changed,
/// so saving the title of a site that takes its origins from
/// `REPLYDESK_ALLOWED_ORIGINS` leaves them following the configuration.
async fn edit(
    state: web::Data<AppState>,
    name: web::Path<String>,
    CsrfForm { moderator, form }: CsrfForm,
) -> Answer {
    moderator.owner_only()?;
    let site = moderator.site(&name)?;
    let title = form.text("title");
    let origins = form.text("origins");
    let title_changed = title.trim() != site.title;
    let origins_changed = OriginPolicy::parse_list(&origins)
        .map_or(true, |typed| typed.to_string() != site.origins.to_string());
    let sites = Arc::clone(&state.core.sites);
    let (changed, new_title, new_origins) = (Arc::clone(&site), title.clone(), origins.clone());
    let saved = state
        .core
        .db
        .write(move |conn| {
            if title_changed {
                sites.set_title(conn, &changed, &new_title)?;
            }
            if origins_changed {
                sites.set_origins(conn, &changed, &new_origins)?;
            }
            Ok(())
        })
        .await;
    match saved {
        Ok(()) => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("saved", &site.name)
                .finish();
            see_other(&format!("/admin/sites?{query}"))
        }
        Err(error) => {
            let edited = Edited {
                site: site.name.clone(),
                title,
                origins,
                problems: problems_of(error)?,
            };
            render(&state, &moderator, Typed::default(), Some(edited), None).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/remove_site.html")]
struct RemovePage {
    chrome: Chrome,
    name: String,
    label: String,
    comments: i64,
    /// What went wrong with the last try, in words.
    problem: Option<String>,
}

async fn remove_page(
    state: &AppState,
    moderator: &Moderator,
    site: &Site,
    comments: i64,
    problem: Option<String>,
    status: StatusCode,
) -> Answer {
    let template = RemovePage {
        chrome: moderator.chrome(state, "sites").await?,
        name: site.name.clone(),
        label: site.label().to_owned(),
        comments,
        problem,
    };
    Ok(html(status, template.render()))
}

/// Whether the form names the site to remove, as a site with comments needs.
fn names(form: &Form, site: &Site) -> bool {
    form.text("confirm_name").trim() == site.name
}

/// Removes a site with its posts and comments, in two steps: the first post
/// shows what will go, the second (`confirmed=yes`) removes it. A site with
/// comments must have its name typed, counted again in the write, so comments
/// that arrived meanwhile are not removed unasked.
async fn remove(
    state: web::Data<AppState>,
    name: web::Path<String>,
    CsrfForm { moderator, form }: CsrfForm,
) -> Answer {
    moderator.owner_only()?;
    let site = moderator.site(&name)?;
    let id = site.id;
    if site.name == DEFAULT_NAME {
        let problem = DEFAULT_STAYS.to_owned();
        return remove_page(
            &state,
            &moderator,
            &site,
            0,
            Some(problem),
            StatusCode::CONFLICT,
        )
        .await;
    }
    let comments = state
        .core
        .db
        .read(move |conn| Ok(stored::comment_count(conn, id)?))
        .await?;
    if form.get("confirmed") != Some("yes") {
        return remove_page(&state, &moderator, &site, comments, None, StatusCode::OK).await;
    }
    let typed = names(&form, &site);
    if comments > 0 && !typed {
        let problem = format!(
            "Type the site's name, {}, to confirm that it goes with its {}.",
            site.name,
            count_of(
                usize::try_from(comments).unwrap_or(usize::MAX),
                "comment",
                "comments"
            )
        );
        return remove_page(
            &state,
            &moderator,
            &site,
            comments,
            Some(problem),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let sites = Arc::clone(&state.core.sites);
    let actor = moderator.actor();
    let gone = Arc::clone(&site);
    let removed = state
        .core
        .db
        .write(move |conn| {
            if !typed && stored::comment_count(conn, gone.id)? > 0 {
                return Err(AppError::field(
                    "confirm_name",
                    "Comments arrived since the page was shown; type the site's name to \
                     remove them with it.",
                ));
            }
            sites.remove(conn, &gone, &actor)
        })
        .await;
    match removed {
        Ok(count) => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("removed", &site.name)
                .append_pair("n", &count.to_string())
                .finish();
            see_other(&format!("/admin/sites?{query}"))
        }
        Err(error) => {
            let problem = problems_of(error)?
                .into_iter()
                .map(|(_, problem)| problem)
                .collect::<Vec<_>>()
                .join(" ");
            let comments = state
                .core
                .db
                .read(move |conn| Ok(stored::comment_count(conn, id)?))
                .await?;
            remove_page(
                &state,
                &moderator,
                &site,
                comments,
                Some(problem),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
