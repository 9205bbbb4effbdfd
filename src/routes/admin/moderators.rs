//! Adding and removing the people who work the queue.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;

use super::times::when;
use super::{Answer, Chrome, CsrfForm, Moderator, html, see_other};
use crate::db::moderators;
use crate::domain::email::EmailAddress;
use crate::domain::scope::Scope;
use crate::error::AppError;
use crate::password;
use crate::routes::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/moderators", web::get().to(show))
        .route("/moderators", web::post().to(add))
        .route("/moderators/{id}/remove", web::get().to(confirm_removal))
        .route("/moderators/{id}/remove", web::post().to(remove));
}

struct Listed {
    id: i64,
    email: String,
    added: String,
    last_login: String,
    is_you: bool,
}

#[derive(Template)]
#[template(path = "admin/moderators.html")]
struct ModeratorsPage {
    chrome: Chrome,
    moderators: Vec<Listed>,
    email: String,
    problems: Vec<(String, String)>,
    notice: Option<&'static str>,
}

async fn render(
    state: &AppState,
    moderator: &Moderator,
    email: String,
    problems: Vec<(String, String)>,
    notice: Option<&'static str>,
) -> Answer {
    let listed = state
        .core
        .db
        .read(|conn| Ok(moderators::all(conn)?))
        .await?;
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let template = ModeratorsPage {
        chrome: moderator.chrome(state, "moderators").await?,
        moderators: listed
            .into_iter()
            .map(|m| Listed {
                is_you: m.id == moderator.id,
                id: m.id,
                email: m.email,
                added: when(m.created_at),
                last_login: m.last_login_at.map(when).unwrap_or_else(|| "never".into()),
            })
            .collect(),
        email,
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
    let notice = match req.query_string() {
        "added" => Some("Moderator added. They can log in now."),
        "removed" => Some("Moderator removed; their sessions have ended."),
        _ => None,
    };
    render(&state, &moderator, String::new(), Vec::new(), notice).await
}

async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { moderator, form }: CsrfForm,
) -> Answer {
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
            .write(move |conn| Ok(moderators::add(conn, &address, &hash, &Scope::Owner)?))
            .await?;
        if added {
            return see_other("/admin/moderators?added");
        }
        problems.push((
            "email".to_owned(),
            "That address is a moderator already.".to_owned(),
        ));
    }
    render(&state, &moderator, email, problems, None).await
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
    remove_page(&state, &moderator, *id, None).await
}

async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    CsrfForm { moderator, form }: CsrfForm,
) -> Answer {
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

/// A moderator cannot remove themselves: someone must be left to log in.
fn not_yourself(moderator: &Moderator, id: i64) -> Result<(), AppError> {
    if id == moderator.id {
        return Err(AppError::Conflict(
            "You cannot remove yourself; ask another moderator to do it.".into(),
        ));
    }
    Ok(())
}
