//! E-mails given up on, a way to send them again, and a test message.

use actix_web::web;
use askama::Template;

use super::times::when;
use super::{Answer, Chrome, CsrfForm, Moderator, page, see_other};
use crate::db::{outbox, stats};
use crate::domain::mail_kind::MailKind;
use crate::error::AppError;
use crate::routes::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/mail", web::get().to(show))
        .route("/mail/test", web::post().to(send_test))
        .route("/mail/{id}/retry", web::post().to(retry));
}

struct DeadRow {
    id: i64,
    kind: String,
    recipient: String,
    comment_id: Option<i64>,
    attempts: i32,
    error: String,
    queued: String,
}

#[derive(Template)]
#[template(path = "admin/mail.html")]
struct MailPage {
    chrome: Chrome,
    dead: Vec<DeadRow>,
    waiting: i64,
    notice: Option<&'static str>,
    mode: String,
}

async fn show(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    moderator: Moderator,
) -> Answer {
    moderator.owner_only()?;
    let (dead, (waiting, _)) = state
        .core
        .db
        .read(|conn| Ok((outbox::dead(conn, 200)?, stats::outbox_depth(conn)?)))
        .await?;
    let notice = match req.query_string() {
        "queued" => Some("A test e-mail to you is queued; it goes out within seconds."),
        "retried" => Some("The e-mail is queued again."),
        _ => None,
    };
    page(&MailPage {
        chrome: moderator.chrome(&state, "mail").await?,
        dead: dead
            .into_iter()
            .map(|row| DeadRow {
                id: row.id,
                kind: row.kind.map_or("", MailKind::as_str).to_owned(),
                recipient: row.recipient,
                comment_id: row.comment_id,
                attempts: row.attempts,
                error: row.last_error.unwrap_or_default(),
                queued: when(row.created_at),
            })
            .collect(),
        waiting,
        notice,
        mode: if state.settings.smtp_url.is_some() {
            "SMTP".to_owned()
        } else {
            let folder = &state.settings.mail_folder;
            let full = std::path::absolute(folder).unwrap_or_else(|_| folder.clone());
            format!(
                "files in {} (REPLYDESK_SMTP_URL is not set; REPLYDESK_MAIL_FOLDER names the folder)",
                full.display()
            )
        },
    })
}

async fn send_test(state: web::Data<AppState>, CsrfForm { moderator, .. }: CsrfForm) -> Answer {
    moderator.owner_only()?;
    let to = moderator.email;
    state
        .core
        .db
        .write(move |conn| Ok(outbox::enqueue(conn, MailKind::Test, None, &to)?))
        .await?;
    see_other("/admin/mail?queued")
}

async fn retry(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    CsrfForm { moderator, .. }: CsrfForm,
) -> Answer {
    moderator.owner_only()?;
    let id = *id;
    let revived = state
        .core
        .db
        .write(move |conn| Ok(outbox::retry(conn, id)?))
        .await?;
    if !revived {
        return Err(AppError::Conflict(
            "That e-mail is not waiting for a retry: it was sent or retried already.".into(),
        )
        .into());
    }
    see_other("/admin/mail?retried")
}
