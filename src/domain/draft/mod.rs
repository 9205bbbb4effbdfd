//! A submitted reply, parsed and validated into a `CommentDraft`.
//!
//! All three ways in (the HTML form, WordPress's form, JSON) fill the same
//! `Submission`; nothing past `CommentDraft::parse` sees a raw client string.

use std::borrow::Cow;
use std::collections::BTreeMap;

use url::Url;
use validator::{Validate, ValidationError};

use super::email::EmailAddress;
use super::proof;

mod body;
pub use body::CommentBody;

/// WordPress's column limits, the floor for every field.
pub const MAX_AUTHOR_CHARS: u64 = 245;
pub const MAX_EMAIL_CHARS: u64 = 100;
pub const MAX_URL_CHARS: u64 = 200;
pub const MAX_COMMENT_BYTES: usize = 65_525;
pub const MAX_POST_KEY_CHARS: u64 = 255;
pub const MAX_POST_TITLE_CHARS: u64 = 500;
pub const MAX_POST_URL_CHARS: u64 = 2_000;

/// The fields of a reply as the client sent them, whatever the wire format.
#[derive(Debug, Default, Clone)]
pub struct Submission {
    pub post: Option<String>,
    pub post_title: Option<String>,
    pub post_url: Option<String>,
    pub parent: Option<String>,
    pub author: Option<String>,
    pub email: Option<String>,
    pub url: Option<String>,
    pub comment: Option<String>,
    pub subscribe: bool,
    pub honeypot: Option<String>,
    /// The signed render-time token `/embed.js` adds, for the time-trap.
    pub form_token: Option<String>,
    /// ALTCHA's proof of work: base64 of the JSON payload its widget posts.
    pub altcha: Option<String>,
}

/// A reply that passed every field rule.
#[derive(Debug, Clone)]
pub struct CommentDraft {
    pub post_key: String,
    pub post_title: String,
    pub post_url: Option<Url>,
    pub parent_id: Option<i64>,
    pub author: String,
    /// Whether the commenter gave a name (`author` is "Anonymous" otherwise).
    pub author_given: bool,
    /// Lower-cased, so the same person is recognised however they type it.
    pub email: String,
    pub url: String,
    pub body: String,
    pub subscribe: bool,
    pub honeypot_filled: bool,
    /// The render-time token as sent, still unverified: checking its signature
    /// needs the instance secret, which the domain does not hold.
    pub form_token: Option<String>,
    /// The proof of work as sent, bounded and of base64's alphabet but still
    /// unchecked: that needs the instance's key and its spent challenges.
    pub altcha: Option<String>,
}

/// What is wrong with which field, in words a commenter can act on.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Validate)]
struct Fields<'a> {
    #[validate(custom(function = "post_key"))]
    post: &'a str,
    #[validate(
        length(max = MAX_POST_TITLE_CHARS, message = "The post title can be at most 500 characters long."),
        custom(function = "plain_text")
    )]
    post_title: &'a str,
    #[validate(
        length(max = MAX_POST_URL_CHARS, message = "The post URL can be at most 2000 characters long."),
        custom(function = "http_url")
    )]
    post_url: Option<&'a str>,
    #[validate(
        length(max = MAX_AUTHOR_CHARS, message = "Your name can be at most 245 characters long."),
        custom(function = "visible_text")
    )]
    author: &'a str,
    #[validate(
        length(max = MAX_EMAIL_CHARS, message = "Your email address can be at most 100 characters long."),
        email(message = "Please enter a valid email address, like name@example.com.")
    )]
    email: Option<&'a str>,
    #[validate(
        length(max = MAX_URL_CHARS, message = "Your website address can be at most 200 characters long."),
        custom(function = "http_url")
    )]
    url: Option<&'a str>,
    #[validate(custom(function = "comment_text"))]
    comment: &'a str,
}

fn refusal(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(Cow::Borrowed(message))
}

fn has_forbidden_control(text: &str) -> bool {
    // Newlines and tabs are part of ordinary writing; every other control
    // character is either a paste accident or an attempt to confuse a display.
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

fn plain_text(text: &str) -> Result<(), ValidationError> {
    if has_forbidden_control(text) || text.contains(['\n', '\r']) {
        return Err(refusal(
            "control",
            "This field cannot contain line breaks or control characters.",
        ));
    }
    Ok(())
}

/// Characters that change how the text around them is shown without being
/// seen themselves: bidirectional embeddings, overrides, isolates and marks,
/// and zero-width spaces and word joiners. `Eve\u{202e}gnp.exe` shows as
/// "Eveexe.png". The zero-width joiner and non-joiner are not among them: emoji
/// sequences and Persian and Indic names need them.
pub fn is_hidden_mark(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// `text` without its hidden marks, for what cannot be refused (a post's
/// title as its page gives it, a name in an import).
pub fn without_hidden_marks(text: &str) -> String {
    text.chars().filter(|c| !is_hidden_mark(*c)).collect()
}

/// Plain text that shows what it holds: names and post keys.
fn visible_text(text: &str) -> Result<(), ValidationError> {
    plain_text(text)?;
    if text.chars().any(is_hidden_mark) {
        return Err(refusal(
            "hidden",
            "This field cannot contain invisible characters that reverse or hide text \
             (such as U+202E, the right-to-left override).",
        ));
    }
    Ok(())
}

fn http_url(text: &str) -> Result<(), ValidationError> {
    match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        _ => Err(refusal(
            "url",
            "Please enter a web address starting with http:// or https://.",
        )),
    }
}

fn comment_text(text: &str) -> Result<(), ValidationError> {
    if text.len() > MAX_COMMENT_BYTES {
        return Err(refusal(
            "too_long",
            "Your comment is too long: at most 65,525 bytes.",
        ));
    }
    if has_forbidden_control(text) {
        return Err(refusal(
            "control",
            "Your comment contains control characters; please remove them.",
        ));
    }
    Ok(())
}

/// A post key from an address or a query string, held to the rules of the
/// form's `post` field: a key no submission could have stored is refused in
/// words rather than looked up.
pub fn check_post_key(key: &str) -> Result<(), String> {
    post_key(key).map_err(|refused| {
        refused.message.map_or_else(
            || "This post identifier is not valid.".to_owned(),
            |m| m.to_string(),
        )
    })
}

fn post_key(text: &str) -> Result<(), ValidationError> {
    let chars = u64::try_from(text.chars().count()).unwrap_or(u64::MAX);
    if !(1..=MAX_POST_KEY_CHARS).contains(&chars) {
        return Err(refusal(
            "length",
            "The post identifier must be 1 to 255 characters long.",
        ));
    }
    visible_text(text)
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// What is missing when names and emails are required.
pub fn identity_problems(author_given: bool, email_given: bool) -> FieldErrors {
    let mut problems = FieldErrors::new();
    if !author_given {
        problems.insert("author".into(), "Please enter your name.".into());
    }
    if !email_given {
        problems.insert("email".into(), "Please enter your email address.".into());
    }
    problems
}

impl CommentDraft {
    /// Parses everything except whether a name and email are required: that is
    /// decided where the rules are read fresh, in the storing transaction. When
    /// another field fails, this instance's last copy of the rules adds the
    /// missing name and email, so the commenter still sees every problem at once.
    pub fn parse_for_storage(input: &Submission, require_hint: bool) -> Result<Self, FieldErrors> {
        Self::parse(input, false).map_err(|mut errors| {
            if require_hint {
                errors.extend(identity_problems(
                    non_empty(&input.author).is_some(),
                    non_empty(&input.email).is_some(),
                ));
            }
            errors
        })
    }

    /// The name/email problems under rules read fresh; empty when all is well.
    pub fn identity_problems(&self, require_name_email: bool) -> FieldErrors {
        if require_name_email {
            identity_problems(self.author_given, !self.email.is_empty())
        } else {
            FieldErrors::new()
        }
    }

    /// Applies every field rule at once, so the commenter sees all problems together.
    pub fn parse(input: &Submission, require_name_email: bool) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let post = non_empty(&input.post).unwrap_or_default();
        let author = non_empty(&input.author);
        let email = non_empty(&input.email);
        // Bodies keep their inner layout; only the ends are trimmed.
        let body = input.comment.as_deref().map(str::trim).unwrap_or_default();

        if post.is_empty() {
            errors.insert(
                "post".into(),
                "Say which post this comment belongs to.".into(),
            );
        }
        if body.is_empty() {
            errors.insert("comment".into(), "Please type your comment.".into());
        }
        if require_name_email {
            errors.extend(identity_problems(author.is_some(), email.is_some()));
        }
        let parent_id = match non_empty(&input.parent) {
            None | Some("0") => None,
            Some(text) => match text.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errors.insert(
                        "parent".into(),
                        "The comment you reply to must be given by its number.".into(),
                    );
                    None
                }
            },
        };

        let fields = Fields {
            post,
            post_title: non_empty(&input.post_title).unwrap_or_default(),
            post_url: non_empty(&input.post_url),
            author: author.unwrap_or_default(),
            email,
            url: non_empty(&input.url),
            comment: body,
        };
        if let Err(failures) = fields.validate() {
            for (field, problems) in failures.field_errors() {
                if let Some(message) = problems.iter().find_map(|p| p.message.as_ref()) {
                    errors
                        .entry(field.to_string())
                        .or_insert_with(|| message.to_string());
                }
            }
        }
        let altcha = match non_empty(&input.altcha).map(proof::check_field) {
            None => None,
            Some(Ok(text)) => Some(text.to_owned()),
            Some(Err(problem)) => {
                errors.insert("altcha".into(), problem.into());
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }

        let email = email
            .map(|e| EmailAddress::as_given(e).into_string())
            .unwrap_or_default();
        Ok(CommentDraft {
            post_key: post.to_owned(),
            post_title: without_hidden_marks(fields.post_title),
            post_url: fields.post_url.and_then(|u| Url::parse(u).ok()),
            parent_id,
            author: author.unwrap_or("Anonymous").to_owned(),
            author_given: author.is_some(),
            subscribe: input.subscribe && !email.is_empty(),
            email,
            url: fields.url.unwrap_or_default().to_owned(),
            body: body.replace("\r\n", "\n"),
            honeypot_filled: non_empty(&input.honeypot).is_some(),
            form_token: non_empty(&input.form_token).map(str::to_owned),
            altcha,
        })
    }

    /// The links in the text, name and website, as WordPress counts them for its hold rule.
    pub fn link_count(&self) -> usize {
        let finder = linkify::LinkFinder::new();
        let in_body = finder
            .links(&self.body)
            .filter(|link| *link.kind() == linkify::LinkKind::Url)
            .count();
        let href_tags = self.body.to_ascii_lowercase().matches("<a ").count();
        in_body.max(href_tags)
    }
}

#[cfg(test)]
mod tests;
