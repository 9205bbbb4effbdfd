//! Editing a comment and replying to one as a moderator.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

use super::{Answer, Chrome, CsrfForm, Moderator, html, page, see_other};
use crate::db::comments::Comment;
use crate::domain::status::Status;
use crate::error::AppError;
use crate::moderation::{self, Acting};
use crate::moderator_writing::{self, Correction, Replier};
use crate::routes::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/comments/{id}/edit", web::get().to(edit_form))
        .route("/comments/{id}/edit", web::post().to(save_edit))
        .route("/comments/{id}/reply", web::get().to(reply_form))
        .route("/comments/{id}/reply", web::post().to(send_reply));
}

/// A comment on one of the moderator's sites; any other is as missing as a
/// comment that never existed.
async fn load(state: &AppState, moderator: &Moderator, id: i64) -> Result<Comment, AppError> {
    let scope = moderator.scope.clone();
    state
        .core
        .db
        .read(move |conn| Ok(moderation::find_in_scope(conn, id, &scope)?.0))
        .await
}

#[derive(Template)]
#[template(path = "admin/edit.html")]
struct EditPage {
    chrome: Chrome,
    id: i64,
    status: String,
    fields: Correction,
    problems: Vec<(String, String)>,
}

async fn edit_form(state: web::Data<AppState>, moderator: Moderator, id: web::Path<i64>) -> Answer {
    let comment = load(&state, &moderator, *id).await?;
    page(&EditPage {
        chrome: moderator.chrome(&state, "queue").await?,
        id: comment.id,
        status: comment.status.to_string(),
        fields: Correction {
            author: comment.author,
            email: comment.email,
            url: comment.url,
            body: comment.body,
        },
        problems: Vec::new(),
    })
}

async fn save_edit(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    CsrfForm { moderator, form }: CsrfForm,
) -> Answer {
    let id = *id;
    let fields = Correction {
        author: form.text("author"),
        email: form.text("email"),
        url: form.text("url"),
        body: form.text("comment"),
    };
    let actor = moderator.actor();
    let scope = moderator.scope.clone();
    let typed = fields.clone();
    let saved = state
        .core
        .db
        .write(move |conn| {
            let acting = Acting {
                actor: &actor,
                scope: &scope,
                decides: true,
            };
            moderator_writing::edit(conn, id, &typed, acting)
        })
        .await;
    match saved {
        Ok(()) => {
            let comment = load(&state, &moderator, id).await?;
            see_other(&format!("/admin?status={}#c{id}", comment.status))
        }
        Err(AppError::Invalid(problems)) => {
            let comment = load(&state, &moderator, id).await?;
            let template = EditPage {
                chrome: moderator.chrome(&state, "queue").await?,
                id,
                status: comment.status.to_string(),
                fields,
                problems: problems.into_iter().collect(),
            };
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, template.render()))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "admin/reply.html")]
struct ReplyPage {
    chrome: Chrome,
    parent: Comment,
    name: String,
    text: String,
    problems: Vec<(String, String)>,
}

/// A moderator's name until they type another: the part of their address
/// before the @.
fn default_name(email: &str) -> String {
    email.split('@').next().unwrap_or(email).to_owned()
}

async fn reply_form(
    state: web::Data<AppState>,
    moderator: Moderator,
    id: web::Path<i64>,
) -> Answer {
    let parent = load(&state, &moderator, *id).await?;
    page(&ReplyPage {
        chrome: moderator.chrome(&state, "queue").await?,
        parent,
        name: default_name(&moderator.email),
        text: String::new(),
        problems: Vec::new(),
    })
}

async fn send_reply(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    CsrfForm { moderator, form }: CsrfForm,
) -> Answer {
    let parent_id = *id;
    let name = form.text("author");
    let text = form.text("comment");
    let (email, moderator_id) = (moderator.email.clone(), moderator.id);
    let sites = state.core.sites.clone();
    let scope = moderator.scope.clone();
    let (typed_name, typed_text) = (name.clone(), text.clone());
    let sent = state
        .core
        .db
        .write(move |conn| {
            let sites = sites.current(conn)?;
            moderator_writing::reply(
                conn,
                parent_id,
                &Replier {
                    moderator_id,
                    email: &email,
                    name: &typed_name,
                    scope: &scope,
                },
                &typed_text,
                &sites,
            )
        })
        .await;
    match sent {
        Ok(reply_id) => see_other(&format!("/admin?status=approved#c{reply_id}")),
        Err(AppError::Invalid(problems)) => {
            let template = ReplyPage {
                chrome: moderator.chrome(&state, "queue").await?,
                parent: load(&state, &moderator, parent_id).await?,
                name,
                text,
                problems: problems.into_iter().collect(),
            };
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, template.render()))
        }
        Err(other) => Err(other.into()),
    }
}
