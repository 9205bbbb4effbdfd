//! Identicon avatars keyed by an HMAC of the commenter's address.
//!
//! A bare MD5/SHA of an email (Gravatar's scheme) can be reversed with a list of
//! addresses; an HMAC under the instance secret cannot, yet stays stable per commenter.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::email::EmailAddress;

/// Length in hex digits of an avatar key: 128 bits is plenty to tell commenters apart.
pub const KEY_LEN: usize = 32;

/// The public key of a commenter's avatar.
pub fn key_for(secret: &[u8], email: &str, author: &str) -> String {
    // Anonymous commenters (no email) still get a stable picture per name.
    let subject = if email.trim().is_empty() {
        format!("name:{}", author.trim().to_lowercase())
    } else {
        format!("email:{}", EmailAddress::as_given(email).as_str())
    };
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        // HMAC accepts keys of any length; this arm cannot be taken.
        Err(_) => return "0".repeat(KEY_LEN),
    };
    mac.update(subject.as_bytes());
    let digest = mac.finalize().into_bytes();
    hex::encode(&digest[..KEY_LEN / 2])
}

/// Whether a string from a URL is shaped like a key we hand out.
pub fn is_key(text: &str) -> bool {
    text.len() == KEY_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A 5×5 mirrored identicon, GitHub style, drawn from the key's bytes.
pub fn identicon_svg(key: &str) -> String {
    let bytes = hex::decode(key).unwrap_or_default();
    let byte = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let hue = u32::from(byte(0)) * 360 / 256;
    let mut cells = String::new();
    for row in 0..5 {
        for col in 0..3 {
            let bit = row * 3 + col;
            if byte(1 + bit / 8) >> (bit % 8) & 1 == 1 {
                for x in [col, 4 - col] {
                    cells.push_str(&format!(
                        "<rect x=\"{}\" y=\"{}\" width=\"1\" height=\"1\"/>",
                        x + 1,
                        row + 1
                    ));
                    if col == 2 {
                        break;
                    }
                }
            }
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 7 7\" width=\"56\" height=\"56\" \
         shape-rendering=\"crispEdges\"><rect width=\"7\" height=\"7\" fill=\"#f0f0f0\"/>\
         <g fill=\"hsl({hue} 55% 50%)\">{cells}</g></svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_stable_per_address_and_ignores_case() {
        let a = key_for(b"secret", "Ada@Example.com", "Ada");
        let b = key_for(b"secret", " ada@example.com ", "Someone else");
        assert_eq!(a, b);
        assert!(is_key(&a));
    }

    #[test]
    fn the_key_depends_on_the_instance_secret() {
        assert_ne!(
            key_for(b"one", "ada@example.com", ""),
            key_for(b"two", "ada@example.com", "")
        );
    }

    #[test]
    fn the_picture_is_deterministic_svg() {
        let key = key_for(b"secret", "ada@example.com", "");
        let svg = identicon_svg(&key);
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg, identicon_svg(&key));
        assert_ne!(
            svg,
            identicon_svg(&key_for(b"secret", "bob@example.com", ""))
        );
    }

    #[test]
    fn keys_are_lowercase_hex_of_fixed_length() {
        assert!(!is_key("../../etc/passwd"));
        assert!(!is_key(&"A".repeat(KEY_LEN)));
        assert!(is_key(&"a".repeat(KEY_LEN)));
    }
}
