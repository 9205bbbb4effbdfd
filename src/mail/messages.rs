//! The e-mails themselves, written from askama templates (plain text and HTML).

use askama::Template;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use rand::RngCore;

/// "Please moderate": everything a moderator needs, with one-click links.
pub struct Moderate<'a> {
    /// Which blog the comment is for, so a moderator of several can tell.
    pub site: &'a str,
    /// Whether the instance serves more than one, when the subject names it too.
    pub many_sites: bool,
    pub post_title: &'a str,
    pub post_url: &'a str,
    pub author: &'a str,
    pub email: &'a str,
    pub url: &'a str,
    pub ip: &'a str,
    pub reasons: Vec<&'a str>,
    /// The spam filter's score to three places, and its strongest clues.
    pub score: Option<String>,
    pub clues: Vec<&'a str>,
    pub body: &'a str,
    pub approve: String,
    pub spam: String,
    pub trash: String,
}

/// One e-mail for the comments held while a moderator's digest window ran.
pub struct Digest<'a> {
    /// Whether the instance serves more than one site, when each entry names its own.
    pub many_sites: bool,
    /// The site every entry is on, for the subject, when they share one.
    pub site: Option<&'a str>,
    pub entries: Vec<DigestEntry<'a>>,
    /// The admin queue showing exactly these comments (signed; login needed).
    pub queue: String,
}

/// One held comment in a digest: what a moderator needs to judge it at a
/// glance, and the same one-click links as its own e-mail would carry.
pub struct DigestEntry<'a> {
    pub site: &'a str,
    pub post_title: &'a str,
    pub post_url: &'a str,
    pub author: &'a str,
    pub email: &'a str,
    pub ip: &'a str,
    pub reasons: Vec<&'a str>,
    /// The spam filter's score to three places, and its strongest clues.
    pub score: Option<String>,
    pub clues: Vec<&'a str>,
    /// The start of the text; the admin page has the rest.
    pub excerpt: String,
    pub approve: String,
    pub spam: String,
    pub trash: String,
}

/// A reply to a subscriber's comment; never carries the replier's address.
pub struct Reply<'a> {
    pub post_title: &'a str,
    pub author: &'a str,
    pub body: &'a str,
    pub link: String,
    pub unsubscribe: String,
    /// The address's self-service page: every subscription, stop one or all.
    pub manage: String,
}

/// The optional "your comment is published" notice.
pub struct Approved<'a> {
    pub post_title: &'a str,
    pub body: &'a str,
    pub link: String,
    /// The address's self-service page.
    pub manage: String,
}

/// The one e-mail an address gets before it is confirmed.
pub struct Confirm<'a> {
    pub post_title: &'a str,
    /// The page whose button confirms.
    pub confirm: String,
    /// The address's self-service page.
    pub manage: String,
}

#[derive(Template)]
#[template(path = "email/confirm.txt")]
struct ConfirmText<'a> {
    m: &'a Confirm<'a>,
}

#[derive(Template)]
#[template(path = "email/confirm.html")]
struct ConfirmHtml<'a> {
    m: &'a Confirm<'a>,
}

pub fn confirm(from: &Mailbox, to: &str, m: &Confirm<'_>) -> Result<Message, String> {
    let subject = format!("Confirm your address to get replies on {}", m.post_title);
    message(
        from,
        to,
        &subject,
        &ConfirmText { m },
        &ConfirmHtml { m },
        &[],
    )
}

#[derive(Template)]
#[template(path = "email/moderate.txt")]
struct ModerateText<'a> {
    m: &'a Moderate<'a>,
}

#[derive(Template)]
#[template(path = "email/moderate.html")]
struct ModerateHtml<'a> {
    m: &'a Moderate<'a>,
}

#[derive(Template)]
#[template(path = "email/digest.txt")]
struct DigestText<'a> {
    m: &'a Digest<'a>,
}

#[derive(Template)]
#[template(path = "email/digest.html")]
struct DigestHtml<'a> {
    m: &'a Digest<'a>,
}

#[derive(Template)]
#[template(path = "email/reply.txt")]
struct ReplyText<'a> {
    m: &'a Reply<'a>,
}

#[derive(Template)]
#[template(path = "email/reply.html")]
struct ReplyHtml<'a> {
    m: &'a Reply<'a>,
}

#[derive(Template)]
#[template(path = "email/approved.txt")]
struct ApprovedText<'a> {
    m: &'a Approved<'a>,
}

#[derive(Template)]
#[template(path = "email/approved.html")]
struct ApprovedHtml<'a> {
    m: &'a Approved<'a>,
}

/// A plain-text and HTML message from its two templates.
fn message(
    from: &Mailbox,
    to: &str,
    subject: &str,
    text: &impl Template,
    html: &impl Template,
    extra: &[(&'static str, String)],
) -> Result<Message, String> {
    let text = text.render().map_err(|e| e.to_string())?;
    let html = html.render().map_err(|e| e.to_string())?;
    let to: Mailbox = to.parse().map_err(|e| format!("bad recipient: {e}"))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(message_id(from)))
        // RFC 3834: written by a program, so vacation responders stay quiet.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ));
    for (name, value) in extra {
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str(name),
            value.clone(),
        ));
    }
    builder
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| e.to_string())
}

/// A Message-ID in the sender's own domain, which is what spam filters check
/// it against (the machine's host name, lettre's default, is often a bare
/// `vm` or a container id), unique by 128 random bits.
fn message_id(from: &Mailbox) -> String {
    let mut unique = [0_u8; 16];
    rand::rng().fill_bytes(&mut unique);
    format!("<{}@{}>", hex::encode(unique), from.email.domain())
}

pub fn moderate(from: &Mailbox, to: &str, m: &Moderate<'_>) -> Result<Message, String> {
    let subject = if m.many_sites {
        format!("[{}] Please moderate: {}", m.site, m.post_title)
    } else {
        format!("Please moderate: {}", m.post_title)
    };
    message(
        from,
        to,
        &subject,
        &ModerateText { m },
        &ModerateHtml { m },
        &[],
    )
}

pub fn digest(from: &Mailbox, to: &str, m: &Digest<'_>) -> Result<Message, String> {
    let count = m.entries.len();
    let subject = match m.site {
        Some(site) if m.many_sites => format!("[{site}] Please moderate: {count} held comments"),
        _ => format!("Please moderate: {count} held comments"),
    };
    message(
        from,
        to,
        &subject,
        &DigestText { m },
        &DigestHtml { m },
        &[],
    )
}

/// The first `chars` characters of a comment's text, on one line, with an
/// ellipsis when there is more.
pub fn excerpt(body: &str, chars: usize) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= chars {
        return flat;
    }
    let cut: String = flat.chars().take(chars).collect();
    format!("{}…", cut.trim_end())
}

pub fn reply(from: &Mailbox, to: &str, m: &Reply<'_>) -> Result<Message, String> {
    // RFC 8058: mail clients may offer a one-click unsubscribe button.
    let headers = [
        ("List-Unsubscribe", format!("<{}>", m.unsubscribe)),
        (
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".to_owned(),
        ),
    ];
    let subject = format!("New reply to your comment on {}", m.post_title);
    message(
        from,
        to,
        &subject,
        &ReplyText { m },
        &ReplyHtml { m },
        &headers,
    )
}

pub fn approved(from: &Mailbox, to: &str, m: &Approved<'_>) -> Result<Message, String> {
    let subject = format!("Your comment on {} is published", m.post_title);
    message(
        from,
        to,
        &subject,
        &ApprovedText { m },
        &ApprovedHtml { m },
        &[],
    )
}

/// The admin page's "send a test e-mail": proves the mail settings work.
pub struct Test<'a> {
    pub admin: &'a str,
}

#[derive(Template)]
#[template(path = "email/test.txt")]
struct TestText<'a> {
    m: &'a Test<'a>,
}

#[derive(Template)]
#[template(path = "email/test.html")]
struct TestHtml<'a> {
    m: &'a Test<'a>,
}

pub fn test(from: &Mailbox, to: &str, m: &Test<'_>) -> Result<Message, String> {
    message(
        from,
        to,
        "Replydesk test e-mail",
        &TestText { m },
        &TestHtml { m },
        &[],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formatted(message: &Message) -> String {
        String::from_utf8_lossy(&message.formatted()).into_owned()
    }

    fn header<'a>(text: &'a str, name: &str) -> Option<&'a str> {
        let head = text.split("\r\n\r\n").next().unwrap_or_default();
        head.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
    }

    fn from() -> Mailbox {
        "Rédaction Café <noreply@example.com>".parse().unwrap()
    }

    #[test]
    fn non_ascii_names_and_subjects_are_encoded_and_ids_and_dates_set() {
        let m = Approved {
            post_title: "Crème brûlée ☕",
            body: "Merci !",
            link: "https://blog.example/p#comment-1".to_owned(),
            manage: "https://comments.example/subscriptions/s.1.list.9.abc".to_owned(),
        };
        let text = formatted(&approved(&from(), "zoe@example.com", &m).unwrap());
        assert!(text.is_ascii(), "headers and bodies are 7-bit safe: {text}");
        assert!(
            header(&text, "Subject").unwrap().contains("=?utf-8?"),
            "{text}"
        );
        assert!(
            header(&text, "From").unwrap().contains("=?utf-8?"),
            "{text}"
        );
        let id = header(&text, "Message-ID").expect("a Message-ID");
        assert!(
            id.starts_with('<') && id.ends_with("@example.com>"),
            "in the sender's domain: {id}"
        );
        assert_eq!(header(&text, "Auto-Submitted"), Some("auto-generated"));
        assert!(header(&text, "Date").is_some(), "{text}");
    }

    #[test]
    fn a_reply_notification_offers_one_click_unsubscribe() {
        let m = Reply {
            post_title: "Hello",
            author: "Grace",
            body: "Hi <b>there</b>",
            link: "https://blog.example/p#comment-2".to_owned(),
            unsubscribe: "https://comments.example/unsubscribe/u.1.off.9.abc".to_owned(),
            manage: "https://comments.example/subscriptions/s.1.list.9.abc".to_owned(),
        };
        let text = formatted(&reply(&from(), "ada@example.com", &m).unwrap());
        assert_eq!(
            header(&text, "List-Unsubscribe"),
            Some("<https://comments.example/unsubscribe/u.1.off.9.abc>")
        );
        assert_eq!(
            header(&text, "List-Unsubscribe-Post"),
            Some("List-Unsubscribe=One-Click")
        );
    }

    #[test]
    fn a_title_cannot_smuggle_in_headers() {
        let m = Approved {
            post_title: "Hi\r\nBcc: victim@example.com\nX-Evil: 1",
            body: "b",
            link: String::new(),
            manage: String::new(),
        };
        let text = formatted(&approved(&from(), "ada@example.com", &m).unwrap());
        let head = text.split("\r\n\r\n").next().unwrap_or_default();
        assert!(
            !head
                .lines()
                .any(|l| l.starts_with("Bcc") || l.starts_with("X-Evil")),
            "{head}"
        );
    }

    #[test]
    fn a_digest_lists_each_comment_with_its_reasons_and_links() {
        let entry = |n: u32| DigestEntry {
            site: "Blog",
            post_title: "Hello",
            post_url: "https://blog.example/p",
            author: "Ada",
            email: "ada@example.com",
            ip: "192.0.2.1",
            reasons: vec!["2 links", "every comment is held"],
            score: Some("0.973".into()),
            clues: vec!["links to pills.example", "words: casino, odds"],
            excerpt: format!("Text number {n}"),
            approve: format!("https://c.example/moderate/approve{n}"),
            spam: format!("https://c.example/moderate/spam{n}"),
            trash: format!("https://c.example/moderate/trash{n}"),
        };
        let m = Digest {
            many_sites: true,
            site: Some("Blog"),
            entries: vec![entry(1), entry(2)],
            queue: "https://c.example/admin?ids=1-2&sig=ab".to_owned(),
        };
        let text = formatted(&digest(&from(), "mod@example.com", &m).unwrap());
        let unfolded = text.replace("=\r\n", "").replace("=3D", "=");
        assert_eq!(
            header(&text, "Subject"),
            Some("[Blog] Please moderate: 2 held comments")
        );
        for shown in [
            "Text number 1",
            "Text number 2",
            "Held because: 2 links; every comment is held",
            "Spam score: 0.973 (links to pills.example; words: casino, odds)",
            "https://c.example/moderate/spam2",
            "https://c.example/admin?ids=1-2&sig=ab",
            "https://c.example/admin?ids=1-2&#38;sig=ab",
        ] {
            assert!(unfolded.contains(shown), "{shown} missing from {unfolded}");
        }
    }

    #[test]
    fn an_excerpt_is_one_line_cut_with_an_ellipsis() {
        assert_eq!(excerpt("Hello\n\n  world ", 20), "Hello world");
        assert_eq!(excerpt("one two three", 7), "one two…");
        assert_eq!(excerpt("ünïcödé", 3), "ünï…");
    }

    #[test]
    fn a_recipient_that_is_not_an_address_is_an_error_not_a_panic() {
        let m = Approved {
            post_title: "t",
            body: "b",
            link: String::new(),
            manage: String::new(),
        };
        assert!(approved(&from(), "not an address", &m).is_err());
    }
}
