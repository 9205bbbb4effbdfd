//! How the admin pages show a moment: one format on every page, in UTC, as
//! the database stores it.

use chrono::NaiveDateTime;

/// A stored time as the pages show it: `2024-05-01 14:03 UTC`.
pub fn when(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}
