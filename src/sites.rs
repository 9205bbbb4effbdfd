//! The sites this instance serves, each with its origins and its rule
//! settings in force: configuration overlaid with what was changed at run
//! time. Kept in memory as one directory, so routing a request to its site
//! costs no database read, and re-read as soon as the stored version moves,
//! whichever instance made the change.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use url::Url;

use crate::db::{AnyConnection, sites as stored, stored_settings};
use crate::domain::address::AddressKeys;
use crate::domain::origin::{AllowedOrigin, OriginPolicy};
use crate::domain::rules::RuleSettings;
use crate::domain::words::count_signed;
use crate::error::AppError;

pub use crate::db::sites::DEFAULT_NAME;

/// Why the default site is never removed, for every place that would.
pub const DEFAULT_STAYS: &str = "The default site cannot be removed: requests that name no page \
     go to it. Give it other origins instead.";

/// One blog served by this instance.
#[derive(Debug, Clone)]
pub struct Site {
    pub id: i64,
    /// Short, stable and in addresses: `[a-z0-9-]{1,40}`.
    pub name: String,
    pub title: String,
    pub origins: OriginPolicy,
    /// The origins are `REPLYDESK_ALLOWED_ORIGINS` (the default site, until
    /// someone sets its own).
    pub origins_from_configuration: bool,
    pub rules: Arc<RuleSettings>,
}

impl Site {
    /// The title, or the name for a site without one.
    pub fn label(&self) -> &str {
        if self.title.trim().is_empty() {
            &self.name
        } else {
            &self.title
        }
    }
}

/// Every site as of one settings version.
#[derive(Debug)]
pub struct Directory {
    pub version: i64,
    sites: Vec<Arc<Site>>,
    /// Site indexes by lower-cased host, so an origin is routed without
    /// walking every site's list.
    by_host: HashMap<String, Vec<usize>>,
    /// Whether Akismet is on (see [`Sites::with_akismet`]).
    akismet: bool,
    /// Keys addresses for their confirmations (see [`Directory::address_keys`]).
    keys: Arc<AddressKeys>,
}

impl Directory {
    fn new(version: i64, sites: Vec<Arc<Site>>, akismet: bool, keys: Arc<AddressKeys>) -> Self {
        let mut by_host: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, site) in sites.iter().enumerate() {
            for origin in site.origins.origins() {
                by_host
                    .entry(origin.host().to_owned())
                    .or_default()
                    .push(index);
            }
        }
        Self {
            version,
            sites,
            by_host,
            akismet,
            keys,
        }
    }

    /// Whether held comments are checked with Akismet and moderators'
    /// decisions reported to it: the one moderation service learns it
    /// here, with the rules it already takes.
    pub fn akismet(&self) -> bool {
        self.akismet
    }

    /// How addresses are keyed for their confirmations: whoever publishes a
    /// comment (a submission, the moderation service, a moderator's reply)
    /// must know whether its recipients confirmed, and learns it here, with
    /// the rules it already takes, as it learns of Akismet.
    pub fn address_keys(&self) -> &AddressKeys {
        &self.keys
    }

    pub fn all(&self) -> &[Arc<Site>] {
        &self.sites
    }

    pub fn named(&self, name: &str) -> Option<&Arc<Site>> {
        self.sites.iter().find(|site| site.name == name)
    }

    pub fn by_id(&self, id: i64) -> Option<&Arc<Site>> {
        self.sites.iter().find(|site| site.id == id)
    }

    /// The site a page at this URL belongs to.
    pub fn for_url(&self, url: &Url) -> Option<&Arc<Site>> {
        let host = url.host_str()?.to_ascii_lowercase();
        self.by_host
            .get(&host)?
            .iter()
            .map(|index| &self.sites[*index])
            .find(|site| site.origins.allows(url))
    }

    /// The same for an `Origin` or `Referer` header's text.
    pub fn for_header(&self, value: &str) -> Option<&Arc<Site>> {
        Url::parse(value).ok().and_then(|url| self.for_url(&url))
    }

    /// The first site but `except` that lists an origin overlapping one of
    /// `origins`, with the two origins: ours, then theirs.
    pub fn sharing<'a>(
        &'a self,
        origins: &'a OriginPolicy,
        except: Option<i64>,
    ) -> Option<(&'a Arc<Site>, &'a AllowedOrigin, &'a AllowedOrigin)> {
        self.sites
            .iter()
            .filter(|other| Some(other.id) != except)
            .find_map(|other| {
                let (mine, theirs) = origins.overlap(&other.origins)?;
                Some((other, mine, theirs))
            })
    }

    /// The rules of the site that holds a post's `site_id`; `None` when that
    /// site has just been removed, which callers answer as its comments gone.
    pub fn rules_of(&self, site_id: i64) -> Option<Arc<RuleSettings>> {
        self.by_id(site_id).map(|site| Arc::clone(&site.rules))
    }
}

/// Where a site's name is refused, in words.
fn check_name(name: &str) -> Result<(), String> {
    let fits = (1..=40).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if fits {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a site name: use 1 to 40 lower-case letters, digits and hyphens"
        ))
    }
}

/// The directory of sites in force, followed across instances.
pub struct Sites {
    base_rules: RuleSettings,
    /// `REPLYDESK_ALLOWED_ORIGINS` (with this server's own address under
    /// `--demo`): the default site's until someone sets its own.
    base_origins: OriginPolicy,
    cache: RwLock<Arc<Directory>>,
    /// Whether `REPLYDESK_AKISMET_KEY` is set; each server (and each test
    /// server in one process) has its own.
    akismet: bool,
    /// From the instance secret, which each server has its own of too.
    keys: Arc<AddressKeys>,
}

impl Sites {
    pub fn new(base_rules: RuleSettings, base_origins: OriginPolicy, keys: AddressKeys) -> Self {
        let keys = Arc::new(keys);
        // Until the database is first read: the default site as configured,
        // at a version no database has, so the first read replaces it.
        let default = Site {
            id: 1,
            name: DEFAULT_NAME.to_owned(),
            title: String::new(),
            origins: base_origins.clone(),
            origins_from_configuration: true,
            rules: Arc::new(base_rules.clone()),
        };
        Self {
            cache: RwLock::new(Arc::new(Directory::new(
                -1,
                vec![Arc::new(default)],
                false,
                Arc::clone(&keys),
            ))),
            base_rules,
            base_origins,
            akismet: false,
            keys,
        }
    }

    /// The same, with Akismet on when `on`: its directories say so to the
    /// submissions and the moderation service.
    #[must_use]
    pub fn with_akismet(mut self, on: bool) -> Self {
        self.akismet = on;
        let cached = self.cached();
        let directory = Directory::new(
            cached.version,
            cached.sites.clone(),
            on,
            Arc::clone(&self.keys),
        );
        self.cache = RwLock::new(Arc::new(directory));
        self
    }

    /// Whether Akismet is on, read without a directory.
    pub fn akismet(&self) -> bool {
        self.akismet
    }

    /// How addresses are keyed, read without a directory.
    pub fn address_keys(&self) -> &AddressKeys {
        &self.keys
    }

    /// The sites as of now: one indexed read of the version, and a reload
    /// only when it moved.
    pub fn current(&self, conn: &mut AnyConnection) -> Result<Arc<Directory>, AppError> {
        let version = stored_settings::rules_version(conn)?;
        self.at_version(conn, version)
    }

    /// The sites as of a version just read from the database, for callers
    /// that read it along with something else.
    pub fn at_version(
        &self,
        conn: &mut AnyConnection,
        version: i64,
    ) -> Result<Arc<Directory>, AppError> {
        let cached = self.cached();
        if cached.version == version {
            return Ok(cached);
        }
        let directory = Arc::new(self.load(conn, version)?);
        if let Ok(mut cache) = self.cache.write() {
            *cache = Arc::clone(&directory);
        }
        Ok(directory)
    }

    /// The sites as last read on this instance, without asking the database:
    /// enough to route a request, never the rules that judge.
    pub fn cached(&self) -> Arc<Directory> {
        self.cache
            .read()
            .map(|cache| Arc::clone(&cache))
            .unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    fn load(&self, conn: &mut AnyConnection, version: i64) -> Result<Directory, AppError> {
        let mut overrides: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        for (site, name, value) in stored::rule_overrides(conn)? {
            overrides.entry(site).or_default().push((name, value));
        }
        let mut sites = Vec::new();
        for row in stored::all(conn)? {
            let mut rules = self.base_rules.clone();
            for (name, value) in overrides.remove(&row.id).unwrap_or_default() {
                if let Err(problem) = rules.set(&name, &value) {
                    tracing::warn!(site = %row.name, setting = %name, %problem, "ignoring a stored rule setting");
                }
            }
            let (origins, from_configuration) = match row.origins.as_deref() {
                None => (self.base_origins.clone(), true),
                Some(text) => match OriginPolicy::parse_list(text) {
                    Ok(origins) => (origins, false),
                    Err(problem) => {
                        tracing::warn!(site = %row.name, %problem, "ignoring a site's stored origins");
                        (OriginPolicy::default(), false)
                    }
                },
            };
            sites.push(Arc::new(Site {
                id: row.id,
                name: row.name,
                title: row.title,
                origins,
                origins_from_configuration: from_configuration,
                rules: Arc::new(rules),
            }));
        }
        Ok(Directory::new(
            version,
            sites,
            self.akismet,
            Arc::clone(&self.keys),
        ))
    }

    /// Changes one rule of one site, for every instance; the value is checked
    /// first and a bad one is refused with the reason. Runs in the caller's
    /// write.
    pub fn change_rule(
        &self,
        conn: &mut AnyConnection,
        site: &Site,
        name: &str,
        value: &str,
    ) -> Result<(), AppError> {
        let mut check = RuleSettings::default();
        check
            .set(name, value)
            .map_err(|problem| AppError::field(name, problem))?;
        stored::set_rule(conn, site.id, name, value.trim())?;
        Ok(())
    }

    /// Forgets what was set at run time for one rule of one site, so the
    /// environment, the file or the default decides it again; says whether
    /// anything had been set. Runs in the caller's write.
    pub fn reset_rule(
        &self,
        conn: &mut AnyConnection,
        site: &Site,
        name: &str,
    ) -> Result<bool, AppError> {
        if !RuleSettings::NAMES.contains(&name) {
            return Err(AppError::field(
                name,
                format!(
                    "{name:?} is not a rule setting; the rule settings are {}",
                    RuleSettings::NAMES.join(", ")
                ),
            ));
        }
        Ok(stored::reset_rule(conn, site.id, name)?)
    }

    /// Refuses origins another site already lists, naming both sites, so a
    /// page never belongs to two. `except` is the site being changed.
    fn check_origins_free(
        &self,
        conn: &mut AnyConnection,
        origins: &OriginPolicy,
        except: Option<i64>,
        naming: &str,
    ) -> Result<(), AppError> {
        match self.current(conn)?.sharing(origins, except) {
            Some((other, mine, theirs)) => Err(AppError::field(
                "origins",
                format!(
                    "{mine} would belong to two sites: site {naming:?} and site {:?}, \
                     which lists {theirs}",
                    other.name
                ),
            )),
            None => Ok(()),
        }
    }
}

/// Refuses a directory in which two sites list the same origin, naming both:
/// at start, so a changed `REPLYDESK_ALLOWED_ORIGINS` cannot make a page
/// belong to two sites.
pub fn check_no_shared_origins(directory: &Directory) -> Result<(), String> {
    for first in directory.all() {
        if let Some((second, a, b)) = directory.sharing(&first.origins, Some(first.id)) {
            return Err(format!(
                "site {:?} lists {a} and site {:?} lists {b}: one origin cannot belong to two \
                 sites. Remove it from one of them (replydesk site set NAME origins …, or \
                 REPLYDESK_ALLOWED_ORIGINS for a default site that takes its origins from it).",
                first.name, second.name
            ));
        }
    }
    Ok(())
}

/// What an owner changes about a site, from the admin page or the command
/// line; each runs in the caller's write and moves the settings version.
impl Sites {
    /// Adds a site after checking its name, title and origins; the origins
    /// may not overlap another site's.
    pub fn add(
        &self,
        conn: &mut AnyConnection,
        name: &str,
        title: &str,
        origins: &str,
    ) -> Result<i64, AppError> {
        check_name(name).map_err(|problem| AppError::field("name", problem))?;
        let title = checked_title(title)?;
        let policy = checked_origins(origins)?;
        self.check_origins_free(conn, &policy, None, name)?;
        stored::add(conn, name, title, &policy.to_string())?.ok_or_else(|| {
            AppError::field("name", format!("There is already a site named {name:?}."))
        })
    }

    /// Sets a site's origins, which may not overlap another site's.
    pub fn set_origins(
        &self,
        conn: &mut AnyConnection,
        site: &Site,
        origins: &str,
    ) -> Result<(), AppError> {
        let policy = checked_origins(origins)?;
        self.check_origins_free(conn, &policy, Some(site.id), &site.name)?;
        Ok(stored::set_origins(
            conn,
            site.id,
            Some(&policy.to_string()),
        )?)
    }

    pub fn set_title(
        &self,
        conn: &mut AnyConnection,
        site: &Site,
        title: &str,
    ) -> Result<(), AppError> {
        Ok(stored::set_title(conn, site.id, checked_title(title)?)?)
    }

    /// Removes a site with its posts and comments, and records who did it
    /// and how many comments went in the audit log. The default site stays:
    /// it is where a request that names no page goes.
    pub fn remove(
        &self,
        conn: &mut AnyConnection,
        site: &Site,
        actor: &str,
    ) -> Result<i64, AppError> {
        if site.name == DEFAULT_NAME {
            return Err(AppError::field("name", DEFAULT_STAYS));
        }
        let comments = stored::comment_count(conn, site.id)?;
        stored::remove(conn, site.id)?;
        let reason = format!(
            "site {:?} removed with its posts and {}",
            site.name,
            count_signed(comments, "comment", "comments")
        );
        crate::db::audit::record(
            conn,
            &crate::db::audit::NewEntry {
                comment_id: None,
                actor,
                from_status: None,
                to_status: "deleted",
                reason: &reason,
                created_at: crate::db::now(),
            },
        )?;
        Ok(comments)
    }
}

fn checked_title(title: &str) -> Result<&str, AppError> {
    let title = title.trim();
    if title.chars().count() > 200 || title.chars().any(char::is_control) {
        return Err(AppError::field(
            "title",
            "A site's title is at most 200 characters, on one line.",
        ));
    }
    Ok(title)
}

fn checked_origins(origins: &str) -> Result<OriginPolicy, AppError> {
    let policy =
        OriginPolicy::parse_list(origins).map_err(|problem| AppError::field("origins", problem))?;
    if policy.origins().is_empty() {
        return Err(AppError::field(
            "origins",
            "Name at least one origin, such as https://blog.example.com.",
        ));
    }
    Ok(policy)
}
