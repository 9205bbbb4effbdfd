//! The periodic sweep: IP addresses are forgotten after the retention period,
//! and pending comments nobody moderated are purged when the rules say so.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;

use crate::db::{self, AnyConnection, Database, comments};
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

/// One sweep, in one transaction.
pub fn sweep(
    conn: &mut AnyConnection,
    ip_retention_days: u32,
    live: &LiveRules,
) -> Result<Swept, AppError> {
    let rules = live.current(conn)?;
    db::write_transaction(conn, |conn| {
        let now = db::now();
        let ips_erased =
            comments::erase_ips_before(conn, now - TimeDelta::days(i64::from(ip_retention_days)))?;
        let mut pending_purged = 0;
        if rules.purge_pending_days > 0 {
            let before = now - TimeDelta::days(i64::from(rules.purge_pending_days));
            for comment in comments::pending_before(conn, before)? {
                moderation::apply(
                    conn,
                    comment.id,
                    Action::Delete,
                    "retention",
                    "pending for longer than the purge period",
                    &rules,
                )?;
                pending_purged += 1;
            }
        }
        Ok(Swept {
            ips_erased,
            pending_purged,
        })
    })
}

/// Sweeps at start and then every hour, for as long as the server runs.
pub fn spawn(db: Database, ip_retention_days: u32, live: Arc<LiveRules>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            ticks.tick().await;
            let live = Arc::clone(&live);
            match db
                .run(move |conn| sweep(conn, ip_retention_days, &live))
                .await
            {
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
