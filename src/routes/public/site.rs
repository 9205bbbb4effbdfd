//! Which site a read is for: the blog page's `Origin`, else the `site` query
//! parameter of a server-side fetch that sends none, else the default site.
//! Answered from the in-memory directory of sites, without a database read,
//! unless the site is not there: then the directory is brought up to date
//! first (one indexed read of the settings version), so a site just added on
//! another instance or from the command line is served at once.

use std::sync::Arc;

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::AppError;
use crate::routes::state::AppState;
use crate::sites::{DEFAULT_NAME, Directory, Site};

/// The site a read asks about; an origin no site lists gets the 403 a
/// submission from it would, and an unknown `site` a 404 that says so.
pub async fn for_read(
    req: &HttpRequest,
    state: &AppState,
    named: Option<&str>,
) -> Result<Arc<Site>, AppError> {
    state
        .core
        .site(|directory| find(directory, req, named))
        .await
}

fn find(
    directory: &Directory,
    req: &HttpRequest,
    named: Option<&str>,
) -> Result<Arc<Site>, AppError> {
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let text = origin.to_str().unwrap_or_default();
        return directory.for_header(text).cloned().ok_or_else(|| {
            AppError::NotAllowed(
                "Comments are served only to the blogs' own pages, and this request came from \
                 elsewhere."
                    .into(),
            )
        });
    }
    let name = named.unwrap_or(DEFAULT_NAME);
    directory.named(name).cloned().ok_or_else(|| {
        AppError::Missing(format!(
            "There is no site named {name:?}; name one of the sites served here with ?site=NAME."
        ))
    })
}
