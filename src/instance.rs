//! What the services need from the running instance, and nothing of the web:
//! the submission path, the moderation links and the retention sweep take
//! this, while the HTTP side keeps its own state around it.

use std::sync::Arc;

use crate::configuration::Secret;
use crate::db::Database;
use crate::sites::Sites;

#[derive(Clone)]
pub struct Instance {
    pub db: Database,
    /// The sites served, with their origins and rule settings in force,
    /// followed across instances.
    pub sites: Arc<Sites>,
    /// Keys avatar HMACs and every signed token (forms, links, logins).
    pub secret: Secret<Vec<u8>>,
}
