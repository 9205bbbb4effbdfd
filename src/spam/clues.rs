//! What the filter reads in a comment: each clue a short key, as counted in
//! the database, and words a moderator can read.
//!
//! Clues that come from the commenter's personal data (name, e-mail domain,
//! website) are keyed by an HMAC under the instance secret: the counts table
//! says how spammy "some name" is without holding the name.

use std::collections::HashSet;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::derived_key::derived_mac;

/// The text of a comment read as clues: enough words for any real comment,
/// few enough that a 64 KB wall of text costs no more than a long reply.
const MAX_WORDS: usize = 400;
/// Longer "words" are pasted keys, hashes or run-together URLs.
const MAX_WORD_CHARS: usize = 20;

/// What a comment brought, as the filter reads it.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    pub author: &'a str,
    pub email: &'a str,
    pub url: &'a str,
    pub body: &'a str,
    /// Seconds from the form being shown to the comment being sent, when a
    /// render-time token told.
    pub took_seconds: Option<i64>,
    /// Whether a proof of work came with it; `None` where that was not asked
    /// (comments imported or stored before proofs existed).
    pub proof: Option<ProofSeen>,
}

/// A proof of work as the filter sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofSeen {
    Solved,
    Missing,
    Invalid,
}

/// One clue: `key` is what is counted, `label` what a moderator reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clue {
    pub key: String,
    pub label: Label,
}

/// Words are gathered into one reason ("words: casino, odds"); every other
/// clue reads on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    Word(String),
    Other(String),
}

/// Turns comments into clues, keying the personal ones.
#[derive(Clone)]
pub struct Reader {
    key: Hmac<Sha256>,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reader(..)")
    }
}

impl Reader {
    /// A reader keyed from the instance secret, under a name of its own so
    /// the keys match no other HMAC the instance makes.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            key: derived_mac(b"replydesk spam clues\0", secret),
        }
    }

    /// Every distinct clue in a comment.
    pub fn read(&self, evidence: &Evidence<'_>) -> Vec<Clue> {
        let mut clues = Clues::default();
        let (text, hosts) = text_and_hosts(evidence.body);
        let words = words(&text);
        for word in &words {
            clues.push(format!("w:{word}"), Label::Word(word.clone()));
        }
        for pair in words.windows(2) {
            let both = format!("{} {}", pair[0], pair[1]);
            clues.push(format!("p:{both}"), Label::Word(both));
        }
        for host in &hosts {
            clues.push(
                format!("h:{host}"),
                Label::Other(format!("links to {host}")),
            );
        }
        clues.push(
            format!("links:{}", links_bucket(hosts.len())),
            Label::Other(format!("{} in the text", links_bucket(hosts.len()))),
        );
        for name in words_of(evidence.author) {
            clues.push(
                self.personal("n", &name),
                Label::Other(format!("the name \u{201c}{name}\u{201d}")),
            );
        }
        if let Some((_, domain)) = evidence.email.rsplit_once('@') {
            let domain = domain.to_lowercase();
            clues.push(
                self.personal("e", &domain),
                Label::Other(format!("an e-mail address at {domain}")),
            );
        }
        if let Some(host) = host_of(evidence.url) {
            clues.push(
                self.personal("u", &host),
                Label::Other(format!("a website at {host}")),
            );
        } else if evidence.url.trim().is_empty() {
            clues.push("u:none".into(), Label::Other("no website given".into()));
        }
        let scripts = scripts(evidence.body);
        clues.push(
            format!("script:{scripts}"),
            Label::Other(format!(
                "written in {} script",
                scripts.replace('+', " and ")
            )),
        );
        if mixes_scripts_within_words(evidence.body) {
            clues.push(
                "script:mixed-within-words".into(),
                Label::Other("letters of different scripts within one word".into()),
            );
        }
        let length = length_bucket(evidence.body.chars().count());
        clues.push(
            format!("length:{length}"),
            Label::Other(format!("{length} long")),
        );
        if let Some(took) = evidence.took_seconds {
            let took = took_bucket(took);
            clues.push(
                format!("took:{took}"),
                Label::Other(format!("sent {took} after the form was shown")),
            );
        }
        if let Some(proof) = evidence.proof {
            let (key, label) = match proof {
                ProofSeen::Solved => ("pow:solved", "with a proof of work"),
                ProofSeen::Missing => ("pow:missing", "without a proof of work"),
                ProofSeen::Invalid => ("pow:invalid", "with a proof of work that failed"),
            };
            clues.push(key.into(), Label::Other(label.into()));
        }
        clues.list
    }

    fn personal(&self, kind: &str, value: &str) -> String {
        let mut mac = self.key.clone();
        mac.update(kind.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("{kind}#{}", hex::encode(&digest[..10]))
    }
}

#[derive(Default)]
struct Clues {
    seen: HashSet<String>,
    list: Vec<Clue>,
}

impl Clues {
    fn push(&mut self, key: String, label: Label) {
        if self.seen.insert(key.clone()) {
            self.list.push(Clue { key, label });
        }
    }
}

/// The text with tags and links taken out, and the hosts the links go to.
fn text_and_hosts(body: &str) -> (String, Vec<String>) {
    let mut text = String::with_capacity(body.len());
    let mut hosts = Vec::new();
    let mut last = 0;
    for link in linkify::LinkFinder::new().links(body) {
        text.push_str(&body[last..link.start()]);
        text.push(' ');
        last = link.end();
        if *link.kind() == linkify::LinkKind::Url
            && let Some(host) = host_of(link.as_str())
            && !hosts.contains(&host)
        {
            hosts.push(host);
        }
    }
    text.push_str(&body[last..]);
    (strip_tags(&text), hosts)
}

fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// A URL's host, lower-case and without `www.`.
fn host_of(url: &str) -> Option<String> {
    let url = url.trim();
    let parsed = url::Url::parse(url)
        .or_else(|_| url::Url::parse(&format!("http://{url}")))
        .ok()?;
    let host = parsed.host_str()?.to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    (!host.is_empty() && host.contains('.')).then(|| host.to_owned())
}

fn words(text: &str) -> Vec<String> {
    words_of(text).take(MAX_WORDS).collect()
}

/// Lower-cased words of three letters or more; longer than a word can be
/// they read as one "long word" clue.
fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '$' || c == '€'))
        .map(|word| word.trim_matches('\''))
        .filter(|word| word.chars().count() >= 3)
        .map(|word| {
            if word.chars().count() > MAX_WORD_CHARS {
                "(a very long word)".to_owned()
            } else {
                word.to_lowercase()
            }
        })
}

fn links_bucket(links: usize) -> &'static str {
    match links {
        0 => "no links",
        1 => "one link",
        2 => "two links",
        3..=5 => "3 to 5 links",
        _ => "6 links or more",
    }
}

fn length_bucket(chars: usize) -> &'static str {
    match chars {
        0..50 => "under 50 characters",
        50..200 => "50 to 200 characters",
        200..1000 => "200 to 1,000 characters",
        1000..5000 => "1,000 to 5,000 characters",
        _ => "over 5,000 characters",
    }
}

fn took_bucket(seconds: i64) -> &'static str {
    match seconds {
        ..10 => "within 10 seconds",
        10..60 => "within a minute",
        60..600 => "within 10 minutes",
        600..3600 => "within an hour",
        3600..86_400 => "within a day",
        _ => "more than a day",
    }
}

/// The scripts a text's letters are written in, as one name ("latin",
/// "latin+cyrillic"); "none" for a text without letters.
fn scripts(text: &str) -> String {
    let mut found: Vec<&'static str> = Vec::new();
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        let script = script_of(c);
        if !found.contains(&script) {
            found.push(script);
            if found.len() == 3 {
                break;
            }
        }
    }
    if found.is_empty() {
        return "none".into();
    }
    found.sort_unstable();
    found.join("+")
}

fn script_of(c: char) -> &'static str {
    match c as u32 {
        0x0041..=0x024F | 0x1E00..=0x1EFF => "latin",
        0x0370..=0x03FF | 0x1F00..=0x1FFF => "greek",
        0x0400..=0x052F => "cyrillic",
        0x0590..=0x05FF => "hebrew",
        0x0600..=0x06FF | 0x0750..=0x077F => "arabic",
        0x0900..=0x097F => "devanagari",
        0x0E00..=0x0E7F => "thai",
        0x3040..=0x30FF => "kana",
        0xAC00..=0xD7AF => "hangul",
        0x4E00..=0x9FFF | 0x3400..=0x4DBF => "han",
        _ => "other",
    }
}

/// Latin words with Cyrillic or Greek look-alikes in them ("vіagra"): a
/// spammer's way past word lists, never a writer's.
fn mixes_scripts_within_words(text: &str) -> bool {
    text.split(|c: char| !c.is_alphabetic()).any(|word| {
        let mut scripts = word.chars().map(script_of);
        let Some(first) = scripts.next() else {
            return false;
        };
        scripts.any(|script| script != first)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(body: &str) -> Evidence<'_> {
        Evidence {
            author: "Jane Doe",
            email: "jane.doe@mail.example",
            url: "https://jane.example/about",
            body,
            took_seconds: Some(42),
            proof: Some(ProofSeen::Missing),
        }
    }

    fn keys(clues: &[Clue]) -> Vec<&str> {
        clues.iter().map(|c| c.key.as_str()).collect()
    }

    #[test]
    fn words_pairs_and_link_hosts_are_clues_and_the_links_are_not_words() {
        let clues = Reader::new(b"secret").read(&evidence(
            "Cheap PILLS at https://www.pills.example/buy now",
        ));
        let keys = keys(&clues);
        for key in [
            "w:cheap",
            "w:pills",
            "p:cheap pills",
            "h:pills.example",
            "links:one link",
        ] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
        assert!(!keys.contains(&"w:https"), "{keys:?}");
        assert!(!keys.contains(&"w:buy"), "{keys:?}");
    }

    #[test]
    fn personal_data_is_keyed_never_stored_in_clear() {
        let clues = Reader::new(b"secret").read(&evidence("Hello there"));
        let all = keys(&clues).join(" ");
        for personal in ["jane", "doe", "mail.example", "jane.example"] {
            assert!(!all.contains(personal), "{personal} in {all}");
        }
        assert!(
            all.contains("n#") && all.contains("e#") && all.contains("u#"),
            "{all}"
        );
    }

    #[test]
    fn the_same_secret_gives_the_same_keys_and_another_secret_others() {
        let a = Reader::new(b"one").read(&evidence("x"));
        let b = Reader::new(b"one").read(&evidence("x"));
        let c = Reader::new(b"two").read(&evidence("x"));
        assert_eq!(keys(&a), keys(&b));
        assert_ne!(keys(&a), keys(&c));
    }

    #[test]
    fn look_alike_letters_within_a_word_are_a_clue() {
        let clues = Reader::new(b"s").read(&evidence("Buy v\u{0456}agra today"));
        let keys = keys(&clues);
        assert!(keys.contains(&"script:mixed-within-words"), "{keys:?}");
        assert!(keys.contains(&"script:cyrillic+latin"), "{keys:?}");
    }

    #[test]
    fn buckets_for_time_proof_and_length() {
        let clues = Reader::new(b"s").read(&evidence("Short."));
        let keys = keys(&clues);
        for key in [
            "took:within a minute",
            "pow:missing",
            "length:under 50 characters",
        ] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
    }

    #[test]
    fn each_clue_once_and_huge_texts_are_bounded() {
        let body = "spam ".repeat(100_000);
        let clues = Reader::new(b"s").read(&evidence(&body));
        assert_eq!(keys(&clues).iter().filter(|k| **k == "w:spam").count(), 1);
        assert!(clues.len() < 20, "{}", clues.len());
    }
}
