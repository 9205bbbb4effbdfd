//! Serialising submissions from the same sender across instances.

use sha2::{Digest, Sha256};

/// The statement that begins a PostgreSQL transaction holding transaction-scoped
/// locks on the sender's keys (IP, email), so that two instances checking the
/// flood and duplicate rules for the same person run one after the other. Sent
/// as one message with `BEGIN`, the locks cost no round trip of their own, and
/// every statement after it takes its snapshot once they are held. SQLite needs
/// none: `BEGIN IMMEDIATE` already serialises every writer. `READ WRITE`,
/// because pooled connections read only unless a write begins this way.
pub fn begin_locking(keys: &[&str]) -> String {
    // Taken in ascending order, so two transactions can never wait on each other.
    let mut ids: Vec<i64> = keys
        .iter()
        .filter(|k| !k.is_empty())
        .map(|k| lock_id(k))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return "BEGIN READ WRITE".into();
    }
    // The select list is evaluated left to right.
    let locks: Vec<String> = ids
        .iter()
        .map(|id| format!("pg_advisory_xact_lock({id})"))
        .collect();
    format!("BEGIN READ WRITE; SELECT {}", locks.join(", "))
}

fn lock_id(key: &str) -> i64 {
    let digest = Sha256::digest(key.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}
