//! Counts in words: "1 comment", "2 comments", so no message says "1 seconds".

/// `n` followed by the singular or the plural.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The same for a count that cannot be negative but is stored signed.
pub fn count_signed(n: i64, one: &str, many: &str) -> String {
    count(u64::try_from(n).unwrap_or(0), one, many)
}

/// The same for a count of things in memory.
pub fn count_of(n: usize, one: &str, many: &str) -> String {
    count(u64::try_from(n).unwrap_or(u64::MAX), one, many)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1_u32, "second", "seconds"), "1 second");
        assert_eq!(count(0_u32, "second", "seconds"), "0 seconds");
        assert_eq!(count_signed(2, "comment", "comments"), "2 comments");
        assert_eq!(count_signed(-1, "comment", "comments"), "0 comments");
        assert_eq!(count_of(1, "e-mail", "e-mails"), "1 e-mail");
    }
}
