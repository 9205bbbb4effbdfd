//! Logging in and out, and changing one's own password.

use actix_web::cookie::{SameSite, time::Duration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use chrono::Utc;

use super::session::{DEVICE, LOGIN, SESSION, check_password, session_cookie};
use super::{Answer, Chrome, CsrfForm, LoginForm, Moderator, html, page};
use crate::db::sessions;
use crate::error::AppError;
use crate::login::{self, Device, LoginRefused};
use crate::password;
use crate::routes::client::{burst, burst_message};
use crate::routes::state::AppState;

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
    state: &AppState,
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
    let cookie = LOGIN
        .build(state, csrf)
        .same_site(SameSite::Strict)
        .finish();
    if response.add_cookie(&cookie).is_err() {
        return AppError::internal("setting the login cookie", "invalid cookie").error_response();
    }
    response
}

/// The login page again, saying why the attempt was refused.
fn refused_page(
    state: &AppState,
    email: &str,
    message: String,
    retry_after: Option<i64>,
) -> HttpResponse {
    let status = if retry_after.is_some() {
        StatusCode::TOO_MANY_REQUESTS
    } else {
        StatusCode::UNAUTHORIZED
    };
    let mut response = login_page(state, status, email, Some(message), false);
    if let Some(seconds) = retry_after
        && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

async fn login_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    login_page(
        &state,
        StatusCode::OK,
        "",
        None,
        req.query_string() == "out",
    )
}

async fn log_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    LoginForm(form): LoginForm,
) -> Answer {
    let email = form.text("email");
    if let Err(seconds) = burst(&req, &state) {
        let wait = i64::try_from(seconds).unwrap_or(i64::MAX);
        return Ok(refused_page(
            &state,
            &email,
            burst_message(seconds),
            Some(wait),
        ));
    }
    let (admitted, moderator_id) =
        match check_password(&state, &req, &email, form.text("password")).await? {
            Ok(admitted) => admitted,
            Err(refused) => {
                if refused == LoginRefused::Wrong {
                    tracing::info!("admin login refused");
                }
                let page = refused_page(&state, &email, refused.to_string(), refused.retry_after());
                return Ok(page);
            }
        };
    let replacing = SESSION.read(&req, &state);
    let shared = state.clone();
    let opened = state
        .core
        .db
        .write(move |conn| login::succeed(conn, &shared.settings, &admitted, replacing.as_deref()))
        .await?;
    tracing::info!(moderator.id = moderator_id, "admin login");
    let device = DEVICE
        .build(
            &state,
            Device::issue(state.core.secret.expose(), moderator_id, Utc::now()),
        )
        .same_site(SameSite::Strict)
        .max_age(Duration::seconds(login::DEVICE_LIFETIME.num_seconds()))
        .finish();
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin"))
        .finish();
    response
        .add_cookie(&session_cookie(&state, opened.cookie))
        .and_then(|()| response.add_cookie(&LOGIN.removal(&state)))
        .and_then(|()| response.add_cookie(&device))
        .map_err(|e| AppError::internal("setting the session cookie", e))?;
    Ok(response)
}

async fn log_out(req: HttpRequest, state: web::Data<AppState>, _: CsrfForm) -> Answer {
    if let Some(cookie) = SESSION.read(&req, &state) {
        let key = login::session_key(&cookie);
        state
            .core
            .db
            .write(move |conn| Ok(sessions::delete(conn, &key)?))
            .await?;
    }
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/login?out"))
        .finish();
    response
        .add_cookie(&SESSION.removal(&state))
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
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm { moderator, form }: CsrfForm,
) -> Answer {
    let mut problems = Vec::new();
    if let Err(problem) = moderator.prove(&state, &req, form.text("current")).await? {
        problems.push(("current".to_owned(), problem));
    }
    let new = form.text("new");
    if let Err(problem) = password::long_enough(&new) {
        problems.push(("new".to_owned(), problem));
    }
    if new != form.text("repeat") {
        problems.push((
            "repeat".to_owned(),
            "The two new passwords are not the same.".to_owned(),
        ));
    }
    if !problems.is_empty() {
        let template = PasswordPage {
            chrome: moderator.chrome(&state, "password").await?,
            problems,
            done: false,
        };
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, template.render()));
    }
    let hash = state
        .passwords
        .hash(new)
        .await
        .map_err(|e| AppError::internal("hashing a password", e))?;
    let shared = state.clone();
    let (id, email) = (moderator.id, moderator.email.clone());
    // Every session ends, this one too; this browser gets a new one.
    let opened = state
        .core
        .db
        .write(move |conn| {
            login::reset_password(conn, &email, &hash)?;
            login::open(conn, id, &shared.settings)
        })
        .await?;
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/password?changed"))
        .finish();
    response
        .add_cookie(&session_cookie(&state, opened.cookie))
        .map_err(|e| AppError::internal("setting the session cookie", e))?;
    Ok(response)
}
