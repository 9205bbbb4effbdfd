//! Logging in and out, and changing one's own password.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;

use super::session::{SESSION_COOKIE, expired_cookie, session_cookie};
use super::{AdminError, Answer, Chrome, Form, Moderator, html, page};
use crate::db::sessions;
use crate::error::AppError;
use crate::login::{self, Refused};
use crate::routes::public::client_ip;
use crate::startup::AppState;

/// The login form's own CSRF token lives in a cookie until the session exists.
const LOGIN_COOKIE: &str = "replydesk_login";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_form))
        .route("/login", web::post().to(log_in))
        .route("/logout", web::post().to(log_out))
        .route("/password", web::get().to(password_form))
        .route("/password", web::post().to(change_password));
}

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage<'a> {
    csrf: &'a str,
    email: &'a str,
    message: Option<String>,
    logged_out: bool,
}

fn login_page(
    status: StatusCode,
    email: &str,
    message: Option<String>,
    logged_out: bool,
) -> HttpResponse {
    let csrf = login::random_token();
    let mut response = html(
        status,
        LoginPage {
            csrf: &csrf,
            email,
            message,
            logged_out,
        }
        .render(),
    );
    let cookie = Cookie::build(LOGIN_COOKIE, csrf)
        .path("/admin/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    if response.add_cookie(&cookie).is_err() {
        return AppError::internal("setting the login cookie", "invalid cookie").error_response();
    }
    response
}

async fn login_form(req: HttpRequest) -> HttpResponse {
    login_page(StatusCode::OK, "", None, req.query_string() == "out")
}

async fn log_in(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> Answer {
    let form = Form::parse(&body)?;
    let expected = req
        .cookie(LOGIN_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if !login::same_token(form.get("csrf").unwrap_or_default(), &expected) {
        return Err(AdminError::Csrf);
    }
    let email = form.text("email");
    let password = form.text("password");
    let ip = client_ip(&req, &state.settings).map(|ip| ip.to_string());
    let replacing = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
    let shared = state.clone();
    let typed = email.clone();
    let outcome = state
        .db
        .run(move |conn| {
            login::log_in(
                conn,
                &shared.settings,
                &typed,
                &password,
                ip.as_deref(),
                replacing.as_deref(),
            )
        })
        .await?;
    match outcome {
        Ok(opened) => {
            let mut response = HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/admin"))
                .finish();
            let mut spent = Cookie::build(LOGIN_COOKIE, "")
                .path("/admin/login")
                .finish();
            spent.make_removal();
            response
                .add_cookie(&session_cookie(&state, opened.cookie))
                .and_then(|()| response.add_cookie(&spent))
                .map_err(|e| AppError::internal("setting the session cookie", e))?;
            Ok(response)
        }
        Err(refused) => {
            let status = match refused {
                Refused::Wrong => StatusCode::UNAUTHORIZED,
                Refused::SlowDown(_) | Refused::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
            };
            let mut response = login_page(status, &email, Some(refused.to_string()), false);
            if let Some(seconds) = refused.retry_after()
                && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
    }
}

async fn log_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    moderator: Moderator,
    body: web::Bytes,
) -> Answer {
    moderator.check(&Form::parse(&body)?)?;
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        let key = login::session_key(cookie.value());
        state
            .db
            .run(move |conn| Ok(sessions::delete(conn, &key)?))
            .await?;
    }
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/login?out"))
        .finish();
    response
        .add_cookie(&expired_cookie(&state))
        .map_err(|e| AppError::internal("clearing the session cookie", e))?;
    Ok(response)
}

#[derive(Template)]
#[template(path = "admin/password.html")]
struct PasswordPage {
    chrome: Chrome,
    problems: Vec<(String, String)>,
    done: bool,
}

async fn password_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    moderator: Moderator,
) -> Answer {
    page(&PasswordPage {
        chrome: moderator.chrome(&state, "password").await?,
        problems: Vec::new(),
        done: req.query_string() == "changed",
    })
}

async fn change_password(
    state: web::Data<AppState>,
    moderator: Moderator,
    body: web::Bytes,
) -> Answer {
    let form = Form::parse(&body)?;
    moderator.check(&form)?;
    let shared = state.clone();
    let id = moderator.id;
    let changed = state
        .db
        .run(move |conn| {
            login::change_password(
                conn,
                &shared.settings,
                id,
                &form.text("current"),
                &form.text("new"),
                &form.text("repeat"),
            )
        })
        .await;
    match changed {
        Ok(opened) => {
            let mut response = HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/admin/password?changed"))
                .finish();
            response
                .add_cookie(&session_cookie(&state, opened.cookie))
                .map_err(|e| AppError::internal("setting the session cookie", e))?;
            Ok(response)
        }
        Err(AppError::Invalid(fields)) => {
            let template = PasswordPage {
                chrome: moderator.chrome(&state, "password").await?,
                problems: fields.into_iter().collect(),
                done: false,
            };
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, template.render()))
        }
        Err(other) => Err(other.into()),
    }
}
