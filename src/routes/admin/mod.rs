//! The moderators' admin page: server-rendered HTML that works without
//! JavaScript, behind a database session and a CSRF token on every form.

mod assets;
mod csrf;
mod login;
mod mail;
mod moderators;
mod personal;
mod queue;
mod session;
mod settings;
mod sites;
mod times;
mod writing;
mod your_mail;

use actix_web::http::{StatusCode, header};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpResponse, ResponseError, web};
use askama::Template;

use crate::error::AppError;

pub use csrf::{CsrfForm, Form, LoginForm};
pub use session::Moderator;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(
                DefaultHeaders::new()
                    .add((header::CACHE_CONTROL, "no-store"))
                    .add((
                        header::CONTENT_SECURITY_POLICY,
                        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                    ))
                    .add((header::X_FRAME_OPTIONS, "DENY"))
                    .add((header::REFERRER_POLICY, "same-origin"))
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")),
            )
            .configure(assets::configure)
            .configure(login::configure)
            .configure(queue::configure)
            .configure(writing::configure)
            .configure(settings::configure)
            .configure(moderators::configure)
            .configure(your_mail::configure)
            .configure(mail::configure)
            .configure(personal::configure)
            .configure(sites::configure),
    );
}

/// What every page around the content shows: who is logged in, the pending
/// count for the title, and the token the logout form carries.
pub struct Chrome {
    pub email: String,
    pub csrf: String,
    pub pending: i64,
    pub section: &'static str,
    /// Whether the pages only owners open are shown.
    pub owner: bool,
    /// The switcher's choices, and the one chosen.
    pub sites: Vec<SiteChoice>,
    pub site: Option<String>,
}

/// One site in the switcher, with its own pending count.
pub struct SiteChoice {
    pub name: String,
    pub label: String,
    pub pending: i64,
}

impl Chrome {
    /// The label of the site the switcher chose, so a page can say whose
    /// comments it shows; `None` when it shows every site the moderator has.
    pub fn site_label(&self) -> Option<&str> {
        let chosen = self.site.as_deref()?;
        self.sites
            .iter()
            .find(|site| site.name == chosen)
            .map(|site| site.label.as_str())
    }

    /// Whether the switcher chose this site, to mark it selected.
    pub fn is_chosen(&self, name: &str) -> bool {
        self.site.as_deref() == Some(name)
    }
}

/// Why an admin request was not served, answered as a page (or a redirect).
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("Please log in.")]
    LoginNeeded,
    #[error(
        "This form has expired or did not come from this site. Go back, reload the page and try again."
    )]
    Csrf,
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<crate::db::StorageError> for AdminError {
    fn from(e: crate::db::StorageError) -> Self {
        AdminError::App(e.into())
    }
}

#[derive(Template)]
#[template(path = "admin/error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
    problems: Vec<(String, String)>,
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        match self {
            AdminError::LoginNeeded => StatusCode::SEE_OTHER,
            AdminError::Csrf => StatusCode::FORBIDDEN,
            AdminError::App(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AdminError::LoginNeeded = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/admin/login"))
                .finish();
        }
        let message = self.to_string();
        let problems = match self {
            AdminError::App(e) => {
                e.log_if_internal();
                e.fields()
                    .map(|fields| fields.iter().map(|(f, m)| (f.clone(), m.clone())).collect())
                    .unwrap_or_default()
            }
            _ => Vec::new(),
        };
        let status = self.status_code();
        html(
            status,
            ErrorPage {
                status: status.as_u16(),
                message: &message,
                problems,
            }
            .render(),
        )
    }
}

pub type Answer = Result<HttpResponse, AdminError>;

fn html(status: StatusCode, rendered: Result<String, askama::Error>) -> HttpResponse {
    match rendered {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => AppError::internal("rendering an admin page", e).error_response(),
    }
}

fn page(template: &impl Template) -> Answer {
    Ok(html(StatusCode::OK, template.render()))
}

fn see_other(location: &str) -> Answer {
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish())
}
