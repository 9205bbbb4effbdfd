//! The link a digest carries to the admin queue, narrowed to exactly the
//! comments the digest lists. The ids travel in the link as ranges (a wave of
//! held comments has mostly consecutive ids, so hundreds fit in a few
//! characters), signed with the instance secret so nobody can widen or swap
//! the list. The admin page still asks for a login and shows only the
//! moderator's own sites: the signature guards the list, not the comments.

use super::token::{BadLink, signature, verified_payload};

/// The most comments one link names; a digest never lists more.
pub const MOST: usize = 1000;

/// `ids` as sorted ranges: `3-7,9,12-13`.
pub fn encode(ids: &[i64]) -> String {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut iter = sorted.into_iter().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end + 1)) {
            end += 1;
            iter.next();
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
    }
    parts.join(",")
}

/// The signature for the id list `ids` (as `encode` wrote it).
pub fn sign(secret: &[u8], ids: &str) -> String {
    let signed = format!("q.{ids}");
    signature(secret, &signed)
}

/// The ids a signed list names, or why it names none: a signature that is
/// not this instance's for exactly this list, or a list no digest writes.
pub fn check(secret: &[u8], ids: &str, sig: &str) -> Result<Vec<i64>, BadLink> {
    let token = format!("q.{ids}.{sig}");
    let payload = verified_payload(secret, &token).ok_or(BadLink::Invalid)?;
    if payload.strip_prefix("q.") != Some(ids) {
        return Err(BadLink::Invalid);
    }
    parse(ids).ok_or(BadLink::Invalid)
}

/// The ids of `3-7,9`, at most [`MOST`] of them.
fn parse(text: &str) -> Option<Vec<i64>> {
    let mut ids = Vec::new();
    for part in text.split(',') {
        let (start, end) = match part.split_once('-') {
            Some((start, end)) => (start.parse::<i64>().ok()?, end.parse::<i64>().ok()?),
            None => {
                let id = part.parse::<i64>().ok()?;
                (id, id)
            }
        };
        if start > end || end - start >= i64::try_from(MOST).ok()? {
            return None;
        }
        ids.extend(start..=end);
        if ids.len() > MOST {
            return None;
        }
    }
    Some(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"an instance secret of some length";

    #[test]
    fn consecutive_ids_travel_as_ranges_and_come_back_whole() {
        let ids = [9, 3, 4, 5, 6, 7, 12, 13, 4];
        let text = encode(&ids);
        assert_eq!(text, "3-7,9,12-13");
        let sig = sign(SECRET, &text);
        assert_eq!(
            check(SECRET, &text, &sig),
            Ok(vec![3, 4, 5, 6, 7, 9, 12, 13])
        );
    }

    #[test]
    fn a_changed_list_or_signature_is_refused() {
        let text = encode(&[3, 4, 5]);
        let sig = sign(SECRET, &text);
        assert_eq!(check(SECRET, "3-6", &sig), Err(BadLink::Invalid));
        assert_eq!(check(SECRET, "3-5.x", &sig), Err(BadLink::Invalid));
        assert_eq!(check(SECRET, &text, "00"), Err(BadLink::Invalid));
        assert_eq!(check(b"another secret", &text, &sig), Err(BadLink::Invalid));
        for junk in ["", "a", "5-3", "1-99999", "-1", "1,,2"] {
            let sig = sign(SECRET, junk);
            assert_eq!(check(SECRET, junk, &sig), Err(BadLink::Invalid), "{junk}");
        }
    }
}
