//! The e-mails themselves, written from askama templates (plain text and HTML).

use askama::Template;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

/// "Please moderate": everything a moderator needs, with one-click links.
pub struct Moderate<'a> {
    pub post_title: &'a str,
    pub post_url: &'a str,
    pub author: &'a str,
    pub email: &'a str,
    pub url: &'a str,
    pub ip: &'a str,
    pub reasons: Vec<&'a str>,
    pub body: &'a str,
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
}

/// The optional "your comment is published" notice.
pub struct Approved<'a> {
    pub post_title: &'a str,
    pub body: &'a str,
    pub link: String,
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
    // A Message-ID made from this host, so replies and threads in mail clients hold together.
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(None);
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

pub fn moderate(from: &Mailbox, to: &str, m: &Moderate<'_>) -> Result<Message, String> {
    let subject = format!("Please moderate: {}", m.post_title);
    message(
        from,
        to,
        &subject,
        &ModerateText { m },
        &ModerateHtml { m },
        &[],
    )
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
