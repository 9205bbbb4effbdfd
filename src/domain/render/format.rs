//! Which syntax comment bodies are written in: one choice for the whole
//! instance, so a stored comment, its preview and the widget's help line all
//! read the same text the same way.

use std::fmt;
use std::str::FromStr;

/// How a comment body is read before it is sanitized (`REPLYDESK_TEXT_FORMAT`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TextFormat {
    /// As WordPress shows comments: plain text with a little HTML, blank lines
    /// as paragraphs, newlines as line breaks, bare URLs linked.
    #[default]
    WordPress,
    /// CommonMark, with newlines as line breaks and bare URLs linked; HTML in
    /// it is held to the same allow-list.
    Markdown,
}

impl TextFormat {
    /// The setting's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            TextFormat::WordPress => "wordpress",
            TextFormat::Markdown => "markdown",
        }
    }
}

impl fmt::Display for TextFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TextFormat {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        match text.to_ascii_lowercase().as_str() {
            "wordpress" => Ok(TextFormat::WordPress),
            "markdown" => Ok(TextFormat::Markdown),
            _ => Err(()),
        }
    }
}
