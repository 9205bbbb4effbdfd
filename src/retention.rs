//! The periodic sweep: IP addresses are forgotten after the retention period,
//! and pending comments nobody moderated are purged when the rules say so.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;

use crate::db::{self, Database, comments};
use crate::domain::moderation::Action;
use crate::error::AppError;
use crate::live_rules::LiveRules;
use crate::moderation;

const EVERY: Duration = Duration::from_secs(60 * 60);

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub ips_erased: usize,
    pub pending_purged: usize,
}

/// How many comments one step of a sweep handles. Each step is a write of its
/// own, queued with the submissions (on SQLite, in the group-commit writer), so
/// a first sweep over a million imported comments never holds the write lock
/// for long. Done in one transaction, it stalled every submission for seconds
/// when a server started on a million old comments.
const STEP: i64 = 200;

/// One sweep, in steps of at most `STEP` comments.
pub async fn sweep(
    db: &Database,
    ip_retention_days: u32,
    live: Arc<LiveRules>,
) -> Result<Swept, AppError> {
    let rules = db.run(move |conn| live.current(conn)).await?;
    let now = db::now();
    let mut swept = Swept::default();
    let ips_before = now - TimeDelta::days(i64::from(ip_retention_days));
    loop {
        let erased = db
            .write(move |conn| Ok(comments::erase_ips_before(conn, ips_before, STEP)?))
            .await?;
        swept.ips_erased += erased;
        if erased < STEP as usize {
            break;
        }
    }
    if rules.purge_pending_days > 0 {
        let before = now - TimeDelta::days(i64::from(rules.purge_pending_days));
        loop {
            let rules = Arc::clone(&rules);
            let purged = db
                .write(move |conn| {
                    let due = comments::pending_before(conn, before, STEP)?;
                    for comment in &due {
                        moderation::apply(
                            conn,
                            comment.id,
                            Action::Delete,
                            "retention",
                            "pending for longer than the purge period",
                            &rules,
                        )?;
                    }
                    Ok(due.len())
                })
                .await?;
            swept.pending_purged += purged;
            if purged < STEP as usize {
                break;
            }
        }
    }
    Ok(swept)
}

/// Sweeps at start and then every hour, for as long as the server runs.
pub fn spawn(db: Database, ip_retention_days: u32, live: Arc<LiveRules>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            ticks.tick().await;
            match sweep(&db, ip_retention_days, Arc::clone(&live)).await {
                Ok(swept) if swept != Swept::default() => {
                    tracing::info!(
                        ips_erased = swept.ips_erased,
                        pending_purged = swept.pending_purged,
                        "retention sweep"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention sweep failed; will retry"),
            }
        }
    });
}
