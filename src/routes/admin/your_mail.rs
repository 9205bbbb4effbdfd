//! "Your e-mail": how moderation mail reaches the moderator logged in (one
//! e-mail per held comment, a digest, or none); owners set it for others
//! from the Moderators page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;

use super::{Answer, Chrome, CsrfForm, Moderator, html, see_other};
use crate::db::moderators;
use crate::domain::moderation_mail::{ModerationMail, UnknownModerationMail};
use crate::error::AppError;
use crate::routes::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/your-mail", web::get().to(show))
        .route("/your-mail", web::post().to(change_yours))
        .route("/moderators/{id}/mail", web::post().to(change_theirs));
}

/// One choice on the form.
struct Choice {
    value: &'static str,
    label: &'static str,
    chosen: bool,
}

#[derive(Template)]
#[template(path = "admin/your_mail.html")]
struct YourMailPage {
    chrome: Chrome,
    choices: Vec<Choice>,
    digest_minutes: u32,
    problem: Option<String>,
    done: bool,
}

async fn render(
    state: &AppState,
    moderator: &Moderator,
    problem: Option<String>,
    done: bool,
) -> Answer {
    let id = moderator.id;
    let current = state
        .core
        .db
        .read(move |conn| Ok(moderators::moderation_mail_of(conn, id)?))
        .await?
        .unwrap_or_default();
    let template = YourMailPage {
        chrome: moderator.chrome(state, "your-mail").await?,
        choices: ModerationMail::ALL
            .into_iter()
            .map(|mode| Choice {
                value: mode.as_str(),
                label: mode.describe(),
                chosen: mode == current,
            })
            .collect(),
        digest_minutes: state.settings.digest_minutes,
        problem,
        done,
    };
    let status = if template.problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(html(status, template.render()))
}

async fn show(req: HttpRequest, state: web::Data<AppState>, moderator: Moderator) -> Answer {
    render(&state, &moderator, None, req.query_string() == "changed").await
}

/// The mode a form asks for, or the words that say why it is none.
fn chosen(form: &super::Form) -> Result<ModerationMail, String> {
    match form.get("mail") {
        None | Some("") => Err("Choose each, digest or off.".to_owned()),
        Some(text) => text
            .parse()
            .map_err(|e: UnknownModerationMail| e.to_string()),
    }
}

async fn change_yours(
    state: web::Data<AppState>,
    CsrfForm { moderator, form }: CsrfForm,
) -> Answer {
    let mode = match chosen(&form) {
        Ok(mode) => mode,
        Err(problem) => return render(&state, &moderator, Some(problem), false).await,
    };
    set(&state, moderator.email.clone(), mode).await?;
    see_other("/admin/your-mail?changed")
}

/// An owner sets another moderator's mode (a shared inbox that should not
/// get mail, say). No password is asked: it cannot widen anyone's access.
async fn change_theirs(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    CsrfForm { moderator, form }: CsrfForm,
) -> Answer {
    moderator.owner_only()?;
    let mode = chosen(&form).map_err(|problem| AppError::field("mail", problem))?;
    let id = *id;
    let email = state
        .core
        .db
        .read(move |conn| Ok(moderators::email_of(conn, id)?))
        .await?
        .ok_or_else(|| AppError::Missing("That moderator was removed already.".into()))?;
    set(&state, email, mode).await?;
    see_other("/admin/moderators?mail")
}

async fn set(state: &AppState, email: String, mode: ModerationMail) -> Result<(), AppError> {
    let found = state
        .core
        .db
        .write(move |conn| Ok(moderators::set_moderation_mail(conn, &email, mode)?))
        .await?;
    if found {
        Ok(())
    } else {
        Err(AppError::Missing(
            "That moderator was removed already.".into(),
        ))
    }
}
