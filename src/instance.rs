//! What the services need from the running instance, and nothing of the web:
//! the submission path, the moderation links and the retention sweep take
//! this, while the HTTP side keeps its own state around it.

use std::sync::Arc;

use crate::configuration::Secret;
use crate::db::Database;
use crate::error::AppError;
use crate::pow::PowSettings;
use crate::sites::{Directory, Site, Sites};
use crate::spam::Filter;

#[derive(Clone)]
pub struct Instance {
    pub db: Database,
    /// The sites served, with their origins and rule settings in force,
    /// followed across instances.
    pub sites: Arc<Sites>,
    /// Keys avatar HMACs and every signed token (forms, links, logins).
    pub secret: Secret<Vec<u8>>,
    /// Every site's spam filter, as this instance last read it.
    pub spam: Arc<Filter>,
    /// Whether submissions are asked for proof of work, and how much.
    pub pow: PowSettings,
}

impl Instance {
    /// The site `find` picks from the directory in memory; should it find
    /// none, perhaps the site is new (added on another instance or from the
    /// command line), so the directory is brought up to date, one indexed
    /// read of the settings version, and asked once more.
    pub async fn site(
        &self,
        find: impl Fn(&Directory) -> Result<Arc<Site>, AppError>,
    ) -> Result<Arc<Site>, AppError> {
        let found = find(&self.sites.cached());
        if found.is_ok() {
            return found;
        }
        let sites = Arc::clone(&self.sites);
        let directory = self.db.read(move |conn| sites.current(conn)).await?;
        find(&directory)
    }
}
