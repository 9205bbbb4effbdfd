//! The periodic sweep: IP addresses are forgotten after the retention period,
//! spam and trash are emptied (as WordPress's `EMPTY_TRASH_DAYS`), pending
//! comments nobody moderated are purged when the rules say so, the login
//! throttle and the spent proof-of-work challenges forget what they no longer
//! need, and address confirmations nobody confirmed expire with their
//! subscriptions.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;

use crate::confirmation;
use crate::db::comments::{self, Comment};
use crate::db::{
    self, AnyConnection, Database, confirmations, spent_challenges, subscriptions, throttle,
};
use crate::domain::address::AddressKeys;
use crate::domain::moderation::Action;
use crate::error::AppError;
use crate::moderation::{self, Acting};
use crate::sites::{Directory, Sites};

const EVERY: Duration = Duration::from_secs(60 * 60);

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub ips_erased: usize,
    pub pending_purged: usize,
    pub discarded_emptied: usize,
    pub throttle_forgotten: usize,
    pub challenges_forgotten: usize,
    /// Confirmation requests that expired unconfirmed.
    pub confirmations_expired: usize,
    /// Comments whose subscription went with them.
    pub subscriptions_dropped: usize,
}

/// How long a login-throttle record is kept after its last failure, its lock
/// over: the throttle forgets failures after fifteen minutes anyway, and an
/// address's record holds the address.
const THROTTLE_KEPT: TimeDelta = TimeDelta::hours(1);

/// How long a spent challenge is kept past its expiry: a submission that
/// passed its check a moment before the expiry may still be about to spend
/// it, and must find it spent if it was.
const SPENT_KEPT: TimeDelta = TimeDelta::hours(1);

/// How long each kind of thing is kept; 0 days keeps spam and trash for ever.
#[derive(Debug, Clone, Copy)]
pub struct Keeping {
    pub ip_retention_days: u32,
    pub empty_spam_days: u32,
}

/// How many comments one step of a sweep handles. Each step is a write of its
/// own, queued with the submissions (on SQLite, in the group-commit writer), so
/// a first sweep over a million imported comments never holds the write lock
/// for long. Done in one transaction, it stalled every submission for seconds
/// when a server started on a million old comments.
const STEP: i64 = 200;

/// One sweep, in steps of at most `STEP` comments.
pub async fn sweep(db: &Database, keeping: Keeping, live: Arc<Sites>) -> Result<Swept, AppError> {
    let sites = db.read(move |conn| live.current(conn)).await?;
    let now = db::now();
    let mut swept = Swept::default();
    let ips_before = now - TimeDelta::days(i64::from(keeping.ip_retention_days));
    loop {
        let erased = db
            .write(move |conn| Ok(comments::erase_ips_before(conn, ips_before, STEP)?))
            .await?;
        swept.ips_erased += erased;
        if erased < STEP as usize {
            break;
        }
    }
    for site in sites.all() {
        let days = site.rules.purge_pending_days;
        if days == 0 {
            continue;
        }
        let before = now - TimeDelta::days(i64::from(days));
        let site_id = site.id;
        swept.pending_purged += delete_due(
            db,
            &sites,
            "pending for longer than the purge period",
            move |conn| Ok(comments::pending_before(conn, site_id, before, STEP)?),
        )
        .await?;
    }
    if keeping.empty_spam_days > 0 {
        let before = now - TimeDelta::days(i64::from(keeping.empty_spam_days));
        swept.discarded_emptied = delete_due(
            db,
            &sites,
            "in spam or trash for longer than REPLYDESK_EMPTY_SPAM_DAYS",
            move |conn| Ok(comments::discarded_before(conn, before, STEP)?),
        )
        .await?;
    }
    swept.throttle_forgotten = db
        .write(move |conn| Ok(throttle::sweep(conn, now - THROTTLE_KEPT, now)?))
        .await?;
    swept.challenges_forgotten = db
        .write(move |conn| Ok(spent_challenges::forget_expired(conn, now - SPENT_KEPT)?))
        .await?;
    let keys = sites.address_keys().clone();
    (swept.confirmations_expired, swept.subscriptions_dropped) = db
        .write(move |conn| expire_confirmations(conn, &keys, now))
        .await?;
    Ok(swept)
}

/// Expires the requests still unconfirmed a lifetime after their last
/// e-mail, and drops the subscriptions of their addresses: the table knows
/// addresses only by their keys, so the addresses with a subscription are
/// keyed here to find them. The IPs that no longer count toward the per-IP
/// bound are forgotten too. Says how many requests expired and how many
/// subscriptions went.
fn expire_confirmations(
    conn: &mut AnyConnection,
    keys: &AddressKeys,
    now: chrono::NaiveDateTime,
) -> Result<(usize, usize), AppError> {
    confirmations::forget_ips(conn, now - confirmation::PER_ADDRESS)?;
    let expired: std::collections::HashSet<String> =
        confirmations::expire(conn, now - confirmation::LIFETIME)?
            .into_iter()
            .collect();
    if expired.is_empty() {
        return Ok((0, 0));
    }
    let mut dropped = 0;
    for email in subscriptions::addresses(conn)? {
        if keys.of(&email).is_some_and(|key| expired.contains(&key)) {
            dropped += subscriptions::stop_all(conn, &email)?;
        }
    }
    Ok((expired.len(), dropped))
}

/// Deletes the comments `due` finds, a step at a time, each deletion through
/// the moderation service so the audit log records it.
async fn delete_due(
    db: &Database,
    sites: &Arc<Directory>,
    reason: &'static str,
    due: impl Fn(&mut AnyConnection) -> Result<Vec<Comment>, AppError> + Clone + Send + 'static,
) -> Result<usize, AppError> {
    let mut deleted = 0;
    loop {
        let sites = Arc::clone(sites);
        let due = due.clone();
        let step = db
            .write(move |conn| {
                let found = due(conn)?;
                for comment in &found {
                    moderation::apply(
                        conn,
                        comment.id,
                        Action::Delete,
                        Acting::instance("retention"),
                        reason,
                        &sites,
                    )?;
                }
                Ok(found.len())
            })
            .await?;
        deleted += step;
        if step < STEP as usize {
            return Ok(deleted);
        }
    }
}

/// Sweeps at start and then every hour, for as long as the server runs.
pub fn spawn(db: Database, keeping: Keeping, live: Arc<Sites>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            ticks.tick().await;
            match sweep(&db, keeping, Arc::clone(&live)).await {
                Ok(swept) if swept != Swept::default() => {
                    tracing::info!(
                        ips_erased = swept.ips_erased,
                        pending_purged = swept.pending_purged,
                        discarded_emptied = swept.discarded_emptied,
                        throttle_forgotten = swept.throttle_forgotten,
                        challenges_forgotten = swept.challenges_forgotten,
                        confirmations_expired = swept.confirmations_expired,
                        subscriptions_dropped = swept.subscriptions_dropped,
                        "retention sweep"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention sweep failed; will retry"),
            }
        }
    });
}
