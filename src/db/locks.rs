//! Serialising submissions from the same sender across instances.

use sha2::{Digest, Sha256};

/// The statement that begins a PostgreSQL transaction holding transaction-scoped
/// locks on the sender's keys (IP, email), so that two instances checking the
/// flood and duplicate rules for the same person run one after the other. Sent
/// as one message with `BEGIN`, the locks cost no round trip of their own, and
/// every statement after it takes its snapshot once they are held. SQLite needs
/// none: `BEGIN IMMEDIATE` already serialises every writer. `READ WRITE`,
/// because pooled connections read only unless a write begins this way.
/// `ids` come sorted from [`lock_ids`]; a batch of submissions passes the
/// union of its pieces', sorted again and without repeats.
pub fn begin_holding(ids: &[i64]) -> String {
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

/// The locks for the keys, in ascending order and each once: taken in that
/// order, two transactions can never wait on each other for them.
pub fn lock_ids<S: AsRef<str>>(keys: &[S]) -> Vec<i64> {
    let mut ids: Vec<i64> = keys
        .iter()
        .map(AsRef::as_ref)
        .filter(|k| !k.is_empty())
        .map(lock_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn lock_id(key: &str) -> i64 {
    let digest = Sha256::digest(key.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}
