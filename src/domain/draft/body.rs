//! A comment's text on its own, held to the rules of a submission's
//! `comment` field: for a preview, which renders a text without storing it,
//! and for a commenter's edit, which replaces one.

use super::{FieldErrors, comment_text};

/// The text of a comment, as it would be stored: trimmed at its ends, with
/// `\r\n` line ends made `\n`, as `CommentDraft::parse` stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentBody(String);

impl CommentBody {
    /// Applies the `comment` field's rules (not empty, at most 65,525
    /// bytes, no control characters but line breaks and tabs); a refusal
    /// names `comment`, as a submission's would.
    pub fn parse(comment: Option<&str>) -> Result<Self, FieldErrors> {
        let body = comment.map(str::trim).unwrap_or_default();
        let problem = if body.is_empty() {
            Some("Please type your comment.".to_owned())
        } else {
            comment_text(body)
                .err()
                .map(|refused| refused.message.map(|m| m.to_string()).unwrap_or_default())
        };
        match problem {
            Some(message) => Err(FieldErrors::from([("comment".to_owned(), message)])),
            None => Ok(CommentBody(body.replace("\r\n", "\n"))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::draft::{CommentDraft, Submission};

    fn refusal(comment: &str) -> String {
        let errors = CommentBody::parse(Some(comment)).expect_err("refused");
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors["comment"].clone()
    }

    #[test]
    fn the_body_is_what_a_submission_would_store() {
        for text in ["  Hello\r\n\r\nthere  ", "a < b\n", "<b>x</b>\r\n"] {
            let submission = Submission {
                post: Some("p".into()),
                comment: Some(text.into()),
                ..Submission::default()
            };
            let stored = CommentDraft::parse(&submission, false).expect("valid").body;
            let body = CommentBody::parse(Some(text)).expect("valid");
            assert_eq!(body.as_str(), stored);
        }
    }

    #[test]
    fn the_comment_rules_refuse_in_words() {
        assert_eq!(CommentBody::parse(None), CommentBody::parse(Some(" \n ")));
        assert_eq!(refusal(" \n "), "Please type your comment.");
        assert!(refusal("a\u{0}b").contains("control characters"));
        assert!(refusal(&"x".repeat(65_526)).contains("too long"));
        assert!(CommentBody::parse(Some(&"x".repeat(65_525))).is_ok());
    }
}
