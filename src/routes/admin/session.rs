//! Who is logged in: the session cookie, checked against the database on
//! every request, with the CSRF token its forms carry (checked in `csrf`).

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, CookieBuilder, SameSite, time::Duration};
use actix_web::{FromRequest, HttpRequest, web};
use chrono::Utc;

use super::{AdminError, Chrome, SiteChoice};
use std::sync::Arc;

use crate::db::{self, moderators, sessions, stats};
use crate::domain::scope::Scope;
use crate::error::AppError;
use crate::login::{self, Admitted, Attempt, Device, LoginRefused};
use crate::routes::client::client_ip;
use crate::routes::state::AppState;
use crate::sites::Site;

/// One of the admin page's cookies. Behind https each takes the `__Host-`
/// prefix, which makes the browser keep it only if it came over TLS from this
/// very host for every path, so no sibling subdomain can set or overwrite it;
/// the prefix demands the path `/`.
pub struct AdminCookie {
    name: &'static str,
    path: &'static str,
}

/// The session of a logged-in moderator.
pub const SESSION: AdminCookie = AdminCookie {
    name: "replydesk_admin",
    path: "/admin",
};
/// The login form's own CSRF token, until the session exists.
pub const LOGIN: AdminCookie = AdminCookie {
    name: "replydesk_login",
    path: "/admin/login",
};
/// The site the switcher chose; none means every site the moderator has.
pub const SITE: AdminCookie = AdminCookie {
    name: "replydesk_site",
    path: "/admin",
};
/// A browser that logged in before (see `login::Device`).
pub const DEVICE: AdminCookie = AdminCookie {
    name: "replydesk_device",
    path: "/admin/login",
};

impl AdminCookie {
    fn https(state: &AppState) -> bool {
        state.public_url.scheme() == "https"
    }

    pub fn name(&self, state: &AppState) -> String {
        if Self::https(state) {
            format!("__Host-{}", self.name)
        } else {
            self.name.to_owned()
        }
    }

    /// The value the browser sent, if any.
    pub fn read(&self, req: &HttpRequest, state: &AppState) -> Option<String> {
        req.cookie(&self.name(state)).map(|c| c.value().to_owned())
    }

    /// The cookie with its name, path and flags set: never readable by
    /// scripts, sent over TLS only when the public address is https.
    pub fn build(&self, state: &AppState, value: String) -> CookieBuilder<'static> {
        let https = Self::https(state);
        Cookie::build(self.name(state), value)
            .path(if https { "/" } else { self.path })
            .http_only(true)
            .secure(https)
    }

    /// Tells the browser to forget this cookie.
    pub fn removal(&self, state: &AppState) -> Cookie<'static> {
        let mut cookie = self.build(state, String::new()).finish();
        cookie.make_removal();
        cookie
    }
}

/// A logged-in moderator; taking this as an argument makes a handler private.
#[derive(Debug, Clone)]
pub struct Moderator {
    pub id: i64,
    pub email: String,
    pub csrf: String,
    /// The sites they work on.
    pub scope: Scope,
    /// The sites they may see, as of this request.
    pub sites: Vec<Arc<Site>>,
    /// The one the switcher chose, if any (else every one of `sites`).
    pub site: Option<Arc<Site>>,
}

impl Moderator {
    /// The frame of a page, with the pending counts read now: each site's
    /// for the switcher, and their sum over the site chosen or every site the
    /// moderator has for the badge, from the one statement.
    pub async fn chrome(
        &self,
        state: &AppState,
        section: &'static str,
    ) -> Result<Chrome, AdminError> {
        let by_site = state
            .core
            .db
            .read(|conn| Ok(stats::pending_by_site(conn)?))
            .await?;
        let shown = self.site_ids();
        let pending = by_site
            .iter()
            .filter(|(id, _)| shown.as_ref().is_none_or(|ids| ids.contains(id)))
            .map(|(_, n)| n)
            .sum();
        Ok(Chrome {
            email: self.email.clone(),
            csrf: self.csrf.clone(),
            pending,
            section,
            owner: self.scope.is_owner(),
            sites: self
                .sites
                .iter()
                .map(|site| SiteChoice {
                    name: site.name.clone(),
                    label: site.label().to_owned(),
                    pending: by_site
                        .iter()
                        .find(|(id, _)| *id == site.id)
                        .map_or(0, |(_, n)| *n),
                })
                .collect(),
            site: self.site.as_ref().map(|site| site.name.clone()),
        })
    }

    /// The sites whose comments a page shows: the one chosen, else every one
    /// the moderator has (`None`: every site there is, for an owner).
    pub fn site_ids(&self) -> Option<Vec<i64>> {
        match (&self.site, &self.scope) {
            (Some(site), _) => Some(vec![site.id]),
            (None, Scope::Owner) => None,
            (None, Scope::Sites(ids)) => Some(ids.clone()),
        }
    }

    /// One of the moderator's sites by name; any other is as missing as a
    /// site that does not exist.
    pub fn site_named(&self, name: &str) -> Option<&Arc<Site>> {
        self.sites.iter().find(|site| site.name == name)
    }

    /// The same, refused in words when it is not one of theirs.
    pub fn site(&self, name: &str) -> Result<Arc<Site>, AppError> {
        self.site_named(name)
            .cloned()
            .ok_or_else(|| AppError::Missing(format!("There is no site named {name:?}.")))
    }

    /// The site whose settings the settings page shows: the one chosen, else
    /// the default site, else the first the moderator has.
    pub fn settings_site(&self) -> Result<Arc<Site>, AdminError> {
        self.site
            .clone()
            .or_else(|| {
                self.site_named(crate::sites::DEFAULT_NAME)
                    .or_else(|| self.sites.first())
                    .cloned()
            })
            .ok_or_else(|| {
                AdminError::App(AppError::Missing(
                    "You moderate no site yet; ask an owner to give you one.".into(),
                ))
            })
    }

    /// Refuses a page that is the owners' alone (sites, moderators, mail,
    /// personal data), saying why.
    pub fn owner_only(&self) -> Result<(), AdminError> {
        if self.scope.is_owner() {
            return Ok(());
        }
        Err(AdminError::App(AppError::NotAllowed(
            "Only an owner may open this page; you moderate the comments of your sites.".into(),
        )))
    }

    /// How the audit log names this moderator.
    pub fn actor(&self) -> String {
        format!("moderator {}", self.email)
    }

    /// Asks for this moderator's password again before a change that matters
    /// (a new password, adding or removing a moderator), so that a session
    /// left open is not enough. A wrong answer counts against the login
    /// throttle like a wrong login; `Err` holds what to tell the moderator.
    pub async fn prove(
        &self,
        state: &web::Data<AppState>,
        req: &HttpRequest,
        password: String,
    ) -> Result<Result<(), String>, AdminError> {
        match check_password(state, req, &self.email, password).await? {
            Ok((admitted, id)) if id == self.id => {
                state
                    .core
                    .db
                    .write(move |conn| login::settle(conn, &admitted))
                    .await?;
                Ok(Ok(()))
            }
            Ok(_) | Err(LoginRefused::Wrong) => {
                Ok(Err("That is not your current password.".into()))
            }
            Err(refused) => Ok(Err(refused.to_string())),
        }
    }
}

/// Checks a password for `email` as a login does: the attempt is judged and
/// counted first, under the throttle (the browser's device cookie, else the
/// account and the address), then argon2 runs, holding no connection. A right
/// password gives the admitted attempt, still to be settled, and whose it is.
pub async fn check_password(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    email: &str,
    password: String,
) -> Result<Result<(Admitted, i64), LoginRefused>, AdminError> {
    let device = DEVICE
        .read(req, state)
        .and_then(|cookie| Device::read(state.core.secret.expose(), &cookie, Utc::now()));
    let ip = client_ip(req, &state.settings).map(|ip| ip.to_string());
    let attempt = Attempt::new(email, ip, device);
    let shared = state.clone();
    let counted = attempt.clone();
    let admitted = state
        .core
        .db
        .write_as(attempt.lock_keys(), move |conn| {
            login::admit(conn, &shared.settings, &counted)
        })
        .await?;
    let admitted = match admitted {
        Ok(admitted) => admitted,
        Err(refused) => return Ok(Err(refused)),
    };
    let right = state
        .passwords
        .verify(admitted.password_hash(), password)
        .await
        .map_err(|e| AppError::internal("checking a password", e))?;
    Ok(match admitted.moderator_id().filter(|_| right) {
        Some(id) => Ok((admitted, id)),
        None => Err(LoginRefused::Wrong),
    })
}

impl FromRequest for Moderator {
    type Error = AdminError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let cookie = state.as_ref().and_then(|state| SESSION.read(req, state));
        let chosen = state.as_ref().and_then(|state| SITE.read(req, state));
        Box::pin(async move {
            let (Some(cookie), Some(state)) = (cookie, state) else {
                return Err(AdminError::LoginNeeded);
            };
            let key = login::session_key(&cookie);
            let sites = Arc::clone(&state.core.sites);
            let found = state
                .core
                .db
                .read(move |conn| {
                    let Some(live) = sessions::find(conn, &key, db::now())? else {
                        return Ok(None);
                    };
                    let scope = moderators::scope_of(conn, live.moderator_id)?;
                    Ok(Some((live, scope, sites.current(conn)?)))
                })
                .await?;
            let (live, scope, directory) = found.ok_or(AdminError::LoginNeeded)?;
            let sites: Vec<Arc<Site>> = directory
                .all()
                .iter()
                .filter(|site| scope.covers(site.id))
                .cloned()
                .collect();
            // A chosen site the moderator lost (or never had) chooses nothing.
            let site = chosen.and_then(|name| sites.iter().find(|s| s.name == name).cloned());
            Ok(Moderator {
                id: live.moderator_id,
                email: live.email,
                csrf: live.csrf_token,
                scope,
                sites,
                site,
            })
        })
    }
}

/// The session cookie: not sent on cross-site posts, gone when the session is.
pub fn session_cookie(state: &AppState, value: String) -> Cookie<'static> {
    SESSION
        .build(state, value)
        .same_site(SameSite::Lax)
        .max_age(Duration::hours(i64::from(state.settings.session_hours)))
        .finish()
}
