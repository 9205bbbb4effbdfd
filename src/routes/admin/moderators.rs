//! Adding and removing the people who work the queue.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;

use super::times::when;
use super::{Answer, Chrome, CsrfForm, Moderator, html, see_other};
use crate::db::moderators;
use crate::domain::email::EmailAddress;
use crate::domain::moderation_mail::ModerationMail;
use crate::domain::scope::Scope;
use crate::error::AppError;
use crate::password;
use crate::routes::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/moderators", web::get().to(show))
        .route("/moderators", web::post().to(add))
        .route("/moderators/{id}/remove", web::get().to(confirm_removal))
        .route("/moderators/{id}/remove", web::post().to(remove))
        .route("/moderators/{id}/sites", web::get().to(sites_form))
        .route("/moderators/{id}/sites", web::post().to(change_sites));
}

struct Listed {
    id: i64,
    email: String,
    /// "owner", or the names of the sites they moderate.
    scope: String,
    added: String,
    last_login: String,
    is_you: bool,
    /// How moderation mail reaches them: each, digest or off.
    mail: &'static str,
}

#[derive(Template)]
#[template(path = "admin/moderators.html")]
struct ModeratorsPage {
    chrome: Chrome,
    /// The moderation mail modes, for each row's menu.
    modes: [&'static str; 3],
    moderators: Vec<Listed>,
    email: String,
    /// The sites ticked on the add form, kept when it is shown again.
    ticked: Vec<String>,
    problems: Vec<(String, String)>,
    notice: Option<&'static str>,
}

impl ModeratorsPage {
    fn is_ticked(&self, name: &str) -> bool {
        self.ticked.iter().any(|ticked| ticked == name)
    }
}

/// How the list names a moderator's scope: "owner", or their sites.
fn scope_words(owner: bool, sites: &[String]) -> String {
    if owner {
        "owner".to_owned()
    } else if sites.is_empty() {
        "no site".to_owned()
    } else {
        sites.join(", ")
    }
}

async fn render(
    state: &AppState,
    moderator: &Moderator,
    email: String,
    ticked: Vec<String>,
    problems: Vec<(String, String)>,
    notice: Option<&'static str>,
) -> Answer {
    let listed = state
        .core
        .db
        .read(|conn| {
            let mut listed = Vec::new();
            for m in moderators::all(conn)? {
                let sites = if m.owner {
                    Vec::new()
                } else {
                    moderators::site_names_of(conn, m.id)?
                };
                listed.push((m, sites));
            }
            Ok(listed)
        })
        .await?;
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let template = ModeratorsPage {
        chrome: moderator.chrome(state, "moderators").await?,
        modes: ModerationMail::ALL.map(ModerationMail::as_str),
        moderators: listed
            .into_iter()
            .map(|(m, sites)| Listed {
                is_you: m.id == moderator.id,
                id: m.id,
                scope: scope_words(m.owner, &sites),
                email: m.email,
                added: when(m.created_at),
                last_login: m.last_login_at.map(when).unwrap_or_else(|| "never".into()),
                mail: m.moderation_mail.as_str(),
            })
            .collect(),
        email,
        ticked,
        problems,
        notice,
    };
    Ok(html(status, template.render()))
}

async fn show(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    moderator: Moderator,
) -> Answer {
    moderator.owner_only()?;
    let notice = match req.query_string() {
        "added" => Some("Moderator added. They can log in now."),
        "removed" => Some("Moderator removed; their sessions have ended."),
        "sites" => Some("Their sites are changed; their next page shows them."),
        "mail" => Some("Their moderation mail is changed, for the e-mails already queued too."),
        _ => None,
    };
    render(
        &state,
        &moderator,
        String::new(),
        Vec::new(),
        Vec::new(),
        notice,
    )
    .await
}

async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { moderator, form }: CsrfForm,
) -> Answer {
    moderator.owner_only()?;
    let typed = form.text("email");
    let email = EmailAddress::as_given(&typed).into_string();
    let password_given = form.text("password");
    let mut problems = Vec::new();
    if EmailAddress::parse(&typed).is_err() {
        problems.push((
            "email".to_owned(),
            "Enter the new moderator's email address.".to_owned(),
        ));
    }
    if let Err(problem) = password::long_enough(&password_given) {
        problems.push(("password".to_owned(), problem));
    }
    let ticked: Vec<String> = form.all("site").map(str::to_owned).collect();
    let scope = match scope_of_ticked(&moderator, &ticked) {
        Ok(scope) => scope,
        Err(problem) => {
            problems.push(("site".to_owned(), problem));
            Scope::Owner
        }
    };
    if problems.is_empty()
        && let Err(problem) = moderator
            .prove(&state, &req, form.text("your_password"))
            .await?
    {
        problems.push(("your_password".to_owned(), problem));
    }
    if problems.is_empty() {
        let hash = state
            .passwords
            .hash(password_given)
            .await
            .map_err(|e| AppError::internal("hashing a password", e))?;
        let address = email.clone();
        let added = state
            .core
            .db
            .write(move |conn| Ok(moderators::add(conn, &address, &hash, &scope)?))
            .await?;
        if added {
            return see_other("/admin/moderators?added");
        }
        problems.push((
            "email".to_owned(),
            "That address is a moderator already.".to_owned(),
        ));
    }
    render(&state, &moderator, email, ticked, problems, None).await
}

/// The scope the add form asks for: the ticked sites, or an owner when none
/// is ticked. A name that is no site (removed since the form was shown) is
/// refused in words rather than dropped, so nobody becomes an owner by it.
fn scope_of_ticked(moderator: &Moderator, ticked: &[String]) -> Result<Scope, String> {
    if ticked.is_empty() {
        return Ok(Scope::Owner);
    }
    let mut ids = Vec::new();
    for name in ticked {
        let site = moderator
            .site_named(name)
            .ok_or_else(|| format!("There is no site named {name:?} any more; reload the page."))?;
        if !ids.contains(&site.id) {
            ids.push(site.id);
        }
    }
    Ok(Scope::Sites(ids))
}

#[derive(Template)]
#[template(path = "admin/remove_moderator.html")]
struct RemovePage {
    chrome: Chrome,
    id: i64,
    email: String,
    problem: Option<String>,
}

/// The page that asks for the acting moderator's password before a removal.
async fn remove_page(
    state: &AppState,
    moderator: &Moderator,
    id: i64,
    problem: Option<String>,
) -> Answer {
    not_yourself(moderator, id)?;
    let email = state
        .core
        .db
        .read(move |conn| Ok(moderators::email_of(conn, id)?))
        .await?
        .ok_or_else(|| AppError::Missing("That moderator was removed already.".into()))?;
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let template = RemovePage {
        chrome: moderator.chrome(state, "moderators").await?,
        id,
        email,
        problem,
    };
    Ok(html(status, template.render()))
}

async fn confirm_removal(
    state: web::Data<AppState>,
    moderator: Moderator,
    id: web::Path<i64>,
) -> Answer {
    moderator.owner_only()?;
    remove_page(&state, &moderator, *id, None).await
}

async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    CsrfForm { moderator, form }: CsrfForm,
) -> Answer {
    moderator.owner_only()?;
    let id = *id;
    not_yourself(&moderator, id)?;
    if let Err(problem) = moderator
        .prove(&state, &req, form.text("your_password"))
        .await?
    {
        return remove_page(&state, &moderator, id, Some(problem)).await;
    }
    let removed = state
        .core
        .db
        .write(move |conn| Ok(moderators::delete_by_id(conn, id)?))
        .await?;
    if !removed {
        return Err(AppError::Missing("That moderator was removed already.".into()).into());
    }
    see_other("/admin/moderators?removed")
}

#[derive(Template)]
#[template(path = "admin/moderator_sites.html")]
struct SitesPage {
    chrome: Chrome,
    id: i64,
    email: String,
    /// The sites ticked: the moderator's own, or as the form was sent back.
    ticked: Vec<String>,
    problems: Vec<(String, String)>,
}

impl SitesPage {
    fn is_ticked(&self, name: &str) -> bool {
        self.ticked.iter().any(|ticked| ticked == name)
    }
}

/// The page that changes which sites another moderator works on; `ticked`
/// is what to show ticked, or `None` for their sites as stored.
async fn sites_page(
    state: &AppState,
    moderator: &Moderator,
    id: i64,
    ticked: Option<Vec<String>>,
    problems: Vec<(String, String)>,
) -> Answer {
    not_your_own_sites(moderator, id)?;
    let (email, owner, names) = state
        .core
        .db
        .read(move |conn| {
            let email = moderators::email_of(conn, id)?
                .ok_or_else(|| AppError::Missing("That moderator was removed already.".into()))?;
            let owner = moderators::scope_of(conn, id)?.is_owner();
            Ok((email, owner, moderators::site_names_of(conn, id)?))
        })
        .await?;
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let template = SitesPage {
        chrome: moderator.chrome(state, "moderators").await?,
        id,
        email,
        ticked: ticked.unwrap_or(if owner { Vec::new() } else { names }),
        problems,
    };
    Ok(html(status, template.render()))
}

async fn sites_form(
    state: web::Data<AppState>,
    moderator: Moderator,
    id: web::Path<i64>,
) -> Answer {
    moderator.owner_only()?;
    sites_page(&state, &moderator, *id, None, Vec::new()).await
}

/// Makes another moderator an owner (no site ticked) or gives them the
/// ticked sites, after the acting owner's password: it can give someone
/// every site. It takes effect at their next page, which reads their sites.
async fn change_sites(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    CsrfForm { moderator, form }: CsrfForm,
) -> Answer {
    moderator.owner_only()?;
    let id = *id;
    let ticked: Vec<String> = form.all("site").map(str::to_owned).collect();
    let scope = match scope_of_ticked(&moderator, &ticked) {
        Ok(scope) => scope,
        Err(problem) => {
            let problems = vec![("site".to_owned(), problem)];
            return sites_page(&state, &moderator, id, Some(ticked), problems).await;
        }
    };
    not_your_own_sites(&moderator, id)?;
    if let Err(problem) = moderator
        .prove(&state, &req, form.text("your_password"))
        .await?
    {
        let problems = vec![("your_password".to_owned(), problem)];
        return sites_page(&state, &moderator, id, Some(ticked), problems).await;
    }
    state
        .core
        .db
        .write(move |conn| {
            if moderators::email_of(conn, id)?.is_none() {
                return Err(AppError::Missing(
                    "That moderator was removed already.".into(),
                ));
            }
            moderators::change_scope(conn, id, &scope)
        })
        .await?;
    see_other("/admin/moderators?sites")
}

/// An owner cannot change their own sites: one who scoped themselves to a
/// site could not undo it.
fn not_your_own_sites(moderator: &Moderator, id: i64) -> Result<(), AppError> {
    if id == moderator.id {
        return Err(AppError::Conflict(
            "You cannot change your own sites; ask another owner to do it.".into(),
        ));
    }
    Ok(())
}

/// A moderator cannot remove themselves: someone must be left to log in.
fn not_yourself(moderator: &Moderator, id: i64) -> Result<(), AppError> {
    if id == moderator.id {
        return Err(AppError::Conflict(
            "You cannot remove yourself; ask another moderator to do it.".into(),
        ));
    }
    Ok(())
}
