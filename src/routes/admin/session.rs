//! Who is logged in: the session cookie, checked against the database on
//! every request, and the CSRF token every state-changing form must carry.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::{FromRequest, HttpRequest, web};

use super::{AdminError, Chrome, Form};
use crate::db::{self, sessions, stats};
use crate::login;
use crate::startup::AppState;

pub const SESSION_COOKIE: &str = "replydesk_admin";

/// A logged-in moderator; taking this as an argument makes a handler private.
#[derive(Debug, Clone)]
pub struct Moderator {
    pub id: i64,
    pub email: String,
    pub csrf: String,
}

impl Moderator {
    /// Refuses a form that does not carry this session's token.
    pub fn check(&self, form: &Form) -> Result<(), AdminError> {
        if login::same_token(form.get("csrf").unwrap_or_default(), &self.csrf) {
            Ok(())
        } else {
            Err(AdminError::Csrf)
        }
    }

    /// The frame of a page, with the pending count read now.
    pub async fn chrome(
        &self,
        state: &AppState,
        section: &'static str,
    ) -> Result<Chrome, AdminError> {
        let pending = state
            .db
            .run(|conn| {
                Ok(stats::comments_by_status(conn)?
                    .into_iter()
                    .find(|(status, _)| status == "pending")
                    .map_or(0, |(_, n)| n))
            })
            .await?;
        Ok(Chrome {
            email: self.email.clone(),
            csrf: self.csrf.clone(),
            pending,
            section,
        })
    }

    /// How the audit log names this moderator.
    pub fn actor(&self) -> String {
        format!("moderator {}", self.email)
    }
}

impl FromRequest for Moderator {
    type Error = AdminError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(cookie), Some(state)) = (cookie, state) else {
                return Err(AdminError::LoginNeeded);
            };
            let key = login::session_key(&cookie);
            let live = state
                .db
                .run(move |conn| Ok(sessions::find(conn, &key, db::now())?))
                .await?;
            let live = live.ok_or(AdminError::LoginNeeded)?;
            Ok(Moderator {
                id: live.moderator_id,
                email: live.email,
                csrf: live.csrf_token,
            })
        })
    }
}

/// The session cookie: unreadable by scripts, not sent on cross-site posts,
/// only over TLS when the public address is https.
pub fn session_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.public_url.scheme() == "https")
        .max_age(Duration::hours(i64::from(state.settings.session_hours)))
        .finish()
}

/// Tells the browser to forget the session.
pub fn expired_cookie(state: &AppState) -> Cookie<'static> {
    let mut cookie = session_cookie(state, String::new());
    cookie.make_removal();
    cookie
}
