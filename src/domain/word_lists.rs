//! Moderators' lists of words, addresses, IPs, CIDR ranges and domains that hold
//! or refuse a comment, matched the way WordPress matches its lists.

use std::net::IpAddr;

use ipnet::IpNet;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    Network(IpNet),
    Text(String),
}

/// One list, as a moderator typed it: one key per line (or comma-separated).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyList {
    source: String,
    keys: Vec<Key>,
}

/// The parts of a submission a key is looked for in.
pub struct Haystack<'a> {
    pub author: &'a str,
    pub email: &'a str,
    pub url: &'a str,
    pub body: &'a str,
    pub ip: Option<IpAddr>,
    pub user_agent: &'a str,
}

impl KeyList {
    pub fn parse(text: &str) -> Self {
        let keys = text
            .split(['\n', ','])
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| match k.parse::<IpNet>() {
                Ok(net) => Key::Network(net),
                Err(_) => Key::Text(k.to_lowercase()),
            })
            .collect();
        Self {
            source: text.trim().to_owned(),
            keys,
        }
    }

    /// The list as the moderator wrote it, for the settings page.
    pub fn as_text(&self) -> &str {
        &self.source
    }

    /// The first key found, case-insensitively, in any part of the submission.
    /// A CIDR key matches addresses in its range; every key is also a substring
    /// match, so `spam.example` catches a URL on that domain.
    pub fn first_match(&self, hay: &Haystack<'_>) -> Option<String> {
        let ip_text = hay.ip.map(|ip| ip.to_string()).unwrap_or_default();
        let lowered = [
            hay.author,
            hay.email,
            hay.url,
            hay.body,
            &ip_text,
            hay.user_agent,
        ]
        .map(str::to_lowercase);
        self.keys.iter().find_map(|key| match key {
            Key::Network(net) => hay
                .ip
                .filter(|ip| net.contains(ip))
                .map(|_| net.to_string()),
            Key::Text(word) => lowered
                .iter()
                .any(|field| field.contains(word.as_str()))
                .then(|| word.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hay<'a>(body: &'a str, ip: &str) -> Haystack<'a> {
        Haystack {
            author: "Ada",
            email: "ada@example.com",
            url: "https://ada.example/blog",
            body,
            ip: ip.parse().ok(),
            user_agent: "Mozilla/5.0",
        }
    }

    #[test]
    fn words_match_anywhere_and_ignore_case() {
        let list = KeyList::parse("Viagra\n\n casino ");
        assert_eq!(
            list.first_match(&hay("Best CASINO bonus", "192.0.2.1")),
            Some("casino".into())
        );
        assert_eq!(list.first_match(&hay("Nice post", "192.0.2.1")), None);
    }

    #[test]
    fn ranges_and_addresses_match_the_ip() {
        let list = KeyList::parse("198.51.100.0/24, 2001:db8::/32");
        assert_eq!(
            list.first_match(&hay("hi", "198.51.100.7")),
            Some("198.51.100.0/24".into())
        );
        assert!(list.first_match(&hay("hi", "2001:db8::1")).is_some());
        assert!(list.first_match(&hay("hi", "203.0.113.9")).is_none());
    }

    #[test]
    fn a_domain_key_catches_the_website_field() {
        assert!(
            KeyList::parse("ada.example")
                .first_match(&hay("hi", "192.0.2.1"))
                .is_some()
        );
    }
}
