//! A commenter's right to see and erase what is stored about them: the same
//! export and eraser as `replydesk export-personal` and `replydesk forget`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{Answer, Chrome, CsrfForm, Form, Moderator, page};
use crate::domain::words::count_of;
use crate::error::AppError;
use crate::personal;
use crate::routes::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/personal", web::get().to(show))
        .route("/personal/export", web::post().to(export))
        .route("/personal/forget", web::post().to(forget));
}

#[derive(Template)]
#[template(path = "admin/personal.html")]
struct PersonalPage {
    chrome: Chrome,
    notice: Option<String>,
}

async fn show(state: web::Data<AppState>, moderator: Moderator) -> Answer {
    moderator.owner_only()?;
    page(&PersonalPage {
        chrome: moderator.chrome(&state, "personal").await?,
        notice: None,
    })
}

fn address(form: &Form) -> Result<String, AppError> {
    let email = form.text("email").trim().to_owned();
    if email.is_empty() {
        return Err(AppError::field(
            "email",
            "Enter the commenter's email address.",
        ));
    }
    Ok(email)
}

async fn export(state: web::Data<AppState>, CsrfForm { moderator, form }: CsrfForm) -> Answer {
    moderator.owner_only()?;
    let email = address(&form)?;
    let keys = state.core.sites.address_keys().clone();
    let found = state
        .core
        .db
        .read(move |conn| personal::export(conn, &keys, &email))
        .await?;
    let json = serde_json::to_vec_pretty(&found)
        .map_err(|e| AppError::internal("writing the export", e))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"personal-data.json\"",
        ))
        .body(json))
}

async fn forget(state: web::Data<AppState>, CsrfForm { moderator, form }: CsrfForm) -> Answer {
    moderator.owner_only()?;
    let email = address(&form)?;
    if !form.checked("sure") {
        return Err(AppError::field(
            "sure",
            "Tick the box to confirm: anonymizing cannot be undone.",
        )
        .into());
    }
    let delete_text = form.checked("delete_text");
    let keys = state.core.sites.address_keys().clone();
    let forgotten = state
        .core
        .db
        .write(move |conn| personal::forget(conn, &keys, &email, delete_text))
        .await?;
    page(&PersonalPage {
        chrome: moderator.chrome(&state, "personal").await?,
        notice: Some(format!(
            "Anonymized {}; the e-mails queued to that address are deleted, and the address \
             is gone from the rules' reasons and the audit trail. E-mails already sent are \
             out of reach.",
            count_of(forgotten.comments.len(), "comment", "comments")
        )),
    })
}
