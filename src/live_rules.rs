//! The rule settings in force: configuration overlaid with what moderators
//! changed at run time, cached per instance and re-read as soon as the stored
//! version moves, whichever instance made the change.

use std::sync::{Arc, RwLock};

use crate::db::{AnyConnection, stored_settings};
use crate::domain::rules::RuleSettings;
use crate::error::AppError;

struct Cached {
    version: i64,
    rules: Arc<RuleSettings>,
}

pub struct LiveRules {
    base: RuleSettings,
    cache: RwLock<Option<Cached>>,
}

impl LiveRules {
    pub fn new(base: RuleSettings) -> Self {
        Self {
            base,
            cache: RwLock::new(None),
        }
    }

    /// The rules as of now: one indexed read of the version, and a reload only
    /// when it moved.
    pub fn current(&self, conn: &mut AnyConnection) -> Result<Arc<RuleSettings>, AppError> {
        let version = stored_settings::rules_version(conn)?;
        self.at_version(conn, version)
    }

    /// The rules as of a version just read from the database, for callers
    /// that read it along with something else.
    pub fn at_version(
        &self,
        conn: &mut AnyConnection,
        version: i64,
    ) -> Result<Arc<RuleSettings>, AppError> {
        if let Ok(cache) = self.cache.read()
            && let Some(cached) = cache.as_ref()
            && cached.version == version
        {
            return Ok(Arc::clone(&cached.rules));
        }
        let mut rules = self.base.clone();
        for (name, value) in stored_settings::rule_overrides(conn)? {
            if let Err(problem) = rules.set(&name, &value) {
                tracing::warn!(setting = %name, %problem, "ignoring a stored rule setting");
            }
        }
        let rules = Arc::new(rules);
        if let Ok(mut cache) = self.cache.write() {
            *cache = Some(Cached {
                version,
                rules: Arc::clone(&rules),
            });
        }
        Ok(rules)
    }

    /// The rules as last read on this instance, without asking the database:
    /// a hint for parsing, never the rules that judge.
    pub fn cached(&self) -> Arc<RuleSettings> {
        self.cache
            .read()
            .ok()
            .and_then(|cache| cache.as_ref().map(|cached| Arc::clone(&cached.rules)))
            .unwrap_or_else(|| Arc::new(self.base.clone()))
    }

    /// Forgets what was set at run time for one rule, for every instance, so
    /// the environment, the file or the default decides it again; says
    /// whether anything had been set. Runs in the caller's write.
    pub fn reset(&self, conn: &mut AnyConnection, name: &str) -> Result<bool, AppError> {
        if !RuleSettings::NAMES.contains(&name) {
            return Err(AppError::field(
                name,
                format!(
                    "{name:?} is not a rule setting; the rule settings are {}",
                    RuleSettings::NAMES.join(", ")
                ),
            ));
        }
        Ok(stored_settings::reset_rule(conn, name)?)
    }

    /// Changes one rule for every instance; the value is checked first and a
    /// bad one is refused with the reason. Runs in the caller's write.
    pub fn change(
        &self,
        conn: &mut AnyConnection,
        name: &str,
        value: &str,
    ) -> Result<(), AppError> {
        let mut check = RuleSettings::default();
        check
            .set(name, value)
            .map_err(|problem| AppError::field(name, problem))?;
        stored_settings::set_rule(conn, name, value.trim())?;
        Ok(())
    }
}
