//! Posted forms, which a handler can only get with their CSRF token checked:
//! `CsrfForm` against the session's token, `LoginForm` against the login
//! page's own. `Form::parse` is private to this module, so no handler can
//! read a posted form and forget the check.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use super::AdminError;
use super::session::{LOGIN, Moderator};
use crate::error::AppError;
use crate::login;
use crate::routes::state::AppState;

/// A posted form: repeated names (the queue's checkboxes) are kept, in order.
pub struct Form(Vec<(String, String)>);

impl Form {
    /// Reads a posted form; one carrying a NUL character is refused whole, as
    /// nothing a moderator types can hold one and PostgreSQL cannot store it.
    fn parse(body: &[u8]) -> Result<Form, AdminError> {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if pairs
            .iter()
            .any(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(AppError::Malformed(
                "The form contains a NUL character, which no field can hold.".into(),
            )
            .into());
        }
        Ok(Form(pairs))
    }

    /// Refuses the form unless it carries `expected` as its token.
    fn carries(self, expected: &str) -> Result<Form, AdminError> {
        if login::same_token(self.get("csrf").unwrap_or_default(), expected) {
            Ok(self)
        } else {
            Err(AdminError::Csrf)
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| !v.is_empty())
    }
}

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

/// A form posted by a logged-in moderator, carrying their session's CSRF
/// token. Without a session it answers as `Moderator` does (to the login
/// page); with a wrong or missing token, 403 (`AdminError::Csrf`).
pub struct CsrfForm {
    pub moderator: Moderator,
    pub form: Form,
}

impl FromRequest for CsrfForm {
    // actix's own error, so a body that is too large or cut off is answered
    // as it was when handlers read `web::Bytes` themselves.
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let moderator = Moderator::from_request(req, payload);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let moderator = moderator.await?;
            let form = Form::parse(&body.await?)?.carries(&moderator.csrf)?;
            Ok(CsrfForm { moderator, form })
        })
    }
}

/// The login form, carrying the token its page set in the login cookie (there
/// is no session yet to hold one).
pub struct LoginForm(pub Form);

impl FromRequest for LoginForm {
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let expected = req
            .app_data::<web::Data<AppState>>()
            .and_then(|state| LOGIN.read(req, state))
            .unwrap_or_default();
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let form = Form::parse(&body.await?)?.carries(&expected)?;
            Ok(LoginForm(form))
        })
    }
}
