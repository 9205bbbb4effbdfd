//! HTML answers for people posting a plain form: what went wrong, or thanks.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::error::AppError;

pub struct Problem {
    pub label: &'static str,
    pub message: String,
}

#[derive(Template)]
#[template(path = "public/form_error.html")]
struct FormErrorPage<'a> {
    message: String,
    problems: Vec<Problem>,
    comment: Option<&'a str>,
    back: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "public/received.html")]
struct ReceivedPage<'a> {
    published: bool,
    back: Option<&'a str>,
    edit: Option<&'a EditLink>,
}

/// Where a plain form's commenter can change their comment, and until when.
pub struct EditLink {
    pub href: String,
    pub until: String,
}

#[derive(Template)]
#[template(path = "public/not_found.html")]
struct NotFoundPage;

#[derive(Template)]
#[template(path = "public/message.html")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
    back: Option<&'a str>,
}

/// The comment a confirmation page shows, so the moderator knows what they act on.
pub struct Shown {
    pub author: String,
    pub post_title: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "public/confirm.html")]
struct ConfirmPage<'a> {
    title: &'a str,
    question: &'a str,
    button: &'a str,
    comment: Option<Shown>,
}

fn label(field: &str) -> &'static str {
    match field {
        "author" => "Name",
        "email" => "Email",
        "url" => "Website",
        "comment" => "Comment",
        "parent" => "Reply to",
        "post" => "Post",
        "post_title" => "Post title",
        "post_url" => "Post URL",
        "altcha" => "Proof of work (altcha)",
        _ => "Form",
    }
}

/// A rendered page, or the opaque 500 if it could not be rendered.
pub fn html(status: StatusCode, rendered: Result<String, askama::Error>) -> HttpResponse {
    match rendered {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => AppError::internal("rendering a page", e).error_response(),
    }
}

/// The page a form post gets when it is refused: the reason in words, each
/// field's problem, the text the commenter typed, and a way back.
pub fn form_error(error: &AppError, comment: Option<&str>, back: Option<&str>) -> HttpResponse {
    error.log_if_internal();
    let problems = error
        .fields()
        .map(|fields| {
            fields
                .iter()
                .map(|(field, message)| Problem {
                    label: label(field),
                    message: message.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let page = FormErrorPage {
        message: error.to_string(),
        problems,
        comment: comment.filter(|c| !c.trim().is_empty()),
        back,
    };
    let mut response = html(error.status_code(), page.render());
    crate::routes::errors::decorate(error, &mut response);
    response
}

/// Shown after a form post when there is no blog page to send the commenter back to.
pub fn received(published: bool, back: Option<&str>, edit: Option<&EditLink>) -> HttpResponse {
    html(
        StatusCode::OK,
        ReceivedPage {
            published,
            back,
            edit,
        }
        .render(),
    )
}

/// A page that says one thing, such as the result of a one-click link.
pub fn message(status: StatusCode, title: &str, message: &str, back: Option<&str>) -> HttpResponse {
    html(
        status,
        MessagePage {
            title,
            message,
            back,
        }
        .render(),
    )
}

/// A page that asks before acting: mail scanners follow links, people press buttons.
pub fn confirm(title: &str, question: &str, button: &str, comment: Option<Shown>) -> HttpResponse {
    html(
        StatusCode::OK,
        ConfirmPage {
            title,
            question,
            button,
            comment,
        }
        .render(),
    )
}

pub fn not_found() -> HttpResponse {
    html(StatusCode::NOT_FOUND, NotFoundPage.render())
}
