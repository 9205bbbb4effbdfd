//! What every handler shares: the services' instance, and what only the web
//! side needs around it.

use std::sync::Arc;

use url::Url;

use crate::burst::BurstLimiter;
use crate::configuration::Settings;
use crate::instance::Instance;
use crate::password::Hashing;
use crate::routes::metrics::Metrics;
use crate::routes::public::cache::PageCache;

/// What every handler shares.
pub struct AppState {
    pub core: Instance,
    pub settings: Settings,
    /// The base of every absolute link we hand out (avatars, e-mails).
    pub public_url: Url,
    pub metrics: Metrics,
    /// Rendered comment pages by post version.
    pub pages: PageCache,
    /// Counts public POSTs and logins per address, in this instance's memory.
    pub burst: Arc<BurstLimiter>,
    /// Checks and hashes passwords a few at a time.
    pub passwords: Hashing,
}
