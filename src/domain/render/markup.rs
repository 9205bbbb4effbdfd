//! How the layout pass reads the markup in a body: which `<` starts a tag or
//! a comment and which is text, where each ends, and what an element means
//! for the layout.

use super::sanitize::{HIDDEN_TAGS, RAW_TEXT_TAGS};

/// The characters HTML treats as white space (after `\r` is gone).
pub(super) const HTML_SPACE: [char; 4] = [' ', '\t', '\n', '\x0c'];

pub(super) fn is_html_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c')
}

/// What an element means for the layout pass.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    /// `<a>`: inline, and the text inside is not linked again.
    Anchor,
    /// `<br>`.
    LineBreak,
    /// `<p>`: the commenter's own paragraph.
    Paragraph,
    /// `<pre>`: newlines inside stay as they are.
    Preformatted,
    /// `<ul>`, `<ol>`: no paragraphs are added inside.
    List,
    /// Starts and ends a block: closes the open paragraph.
    Block,
    /// Inline element whose text shows (kept or stripped by the sanitizer).
    Inline,
    /// Shows nothing (void, or ignored by the parser in a comment).
    Invisible,
    /// Content up to the end tag is raw text, dropped by the sanitizer.
    RawText,
    /// Content is markup, dropped by the sanitizer.
    Hidden,
}

/// Names the layout pass reads as markup; a `<` before any other name (as in
/// `Vec<String>`) is text.
fn kind_of(name: &str) -> Option<Kind> {
    Some(match name {
        "a" => Kind::Anchor,
        "br" => Kind::LineBreak,
        "p" => Kind::Paragraph,
        "pre" => Kind::Preformatted,
        "ul" | "ol" => Kind::List,
        "blockquote" | "li" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "hr" | "table"
        | "caption" | "thead" | "tbody" | "tfoot" | "tr" | "td" | "th" | "section" | "article"
        | "header" | "footer" | "nav" | "aside" | "main" | "figure" | "figcaption" | "address"
        | "details" | "summary" | "dl" | "dt" | "dd" | "center" | "hgroup" | "fieldset"
        | "legend" | "form" | "menu" | "dir" | "dialog" => Kind::Block,
        "b" | "strong" | "i" | "em" | "code" | "del" | "s" | "span" | "font" | "u" | "small"
        | "big" | "sub" | "sup" | "mark" | "abbr" | "acronym" | "cite" | "q" | "kbd" | "samp"
        | "var" | "tt" | "strike" | "ins" | "dfn" | "time" | "label" | "bdi" | "bdo" | "ruby"
        | "rt" | "rp" | "nobr" | "data" | "button" | "blink" | "marquee" => Kind::Inline,
        "img" | "image" | "input" | "wbr" | "meta" | "link" | "base" | "embed" | "area"
        | "source" | "track" | "param" | "col" | "colgroup" | "html" | "head" | "body"
        | "frame" | "frameset" | "picture" | "map" => Kind::Invisible,
        _ if RAW_TEXT_TAGS.contains(&name) => Kind::RawText,
        _ if HIDDEN_TAGS.contains(&name) => Kind::Hidden,
        _ => return None,
    })
}

/// The longest name [`kind_of`] knows.
const MAX_TAG_NAME: usize = 10;

/// A tag found by [`scan`].
#[derive(Debug)]
pub(super) struct Tag {
    /// Just past its `>`.
    pub(super) end: usize,
    pub(super) name: String,
    pub(super) kind: Kind,
    pub(super) closing: bool,
    /// Ends in `/>` (meaningful for `<svg/>` and `<math/>` only).
    pub(super) self_closing: bool,
}

/// What starts at a `<`.
#[derive(Debug)]
pub(super) enum Scan {
    /// Not markup: the `<` is text.
    Text,
    /// Markup whose `>` (or `-->`) never comes.
    Unterminated,
    /// `<!-- … -->`, ending just before `end`.
    Comment {
        end: usize,
    },
    Tag(Tag),
}

/// Reads the markup at `src[lt] == b'<'` the way an HTML tokenizer would find
/// its end (quoted attribute values may hold `>`).
pub(super) fn scan(src: &[u8], lt: usize) -> Scan {
    let mut i = lt + 1;
    if src.get(i) == Some(&b'!') {
        if src[i..].starts_with(b"!--") {
            let body = i + 3;
            return match src[body..].windows(3).position(|w| w == b"-->") {
                Some(off) => Scan::Comment {
                    end: body + off + 3,
                },
                None => Scan::Unterminated,
            };
        }
        return Scan::Text;
    }
    let closing = src.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < src.len() && src[i].is_ascii_alphanumeric() && i - name_start <= MAX_TAG_NAME {
        i += 1;
    }
    let name_ok = src.get(name_start).is_some_and(u8::is_ascii_alphabetic)
        && i - name_start <= MAX_TAG_NAME
        && src
            .get(i)
            .is_some_and(|&b| is_html_space(b) || b == b'/' || b == b'>');
    if !name_ok {
        return Scan::Text;
    }
    let name = String::from_utf8_lossy(&src[name_start..i]).to_ascii_lowercase();
    let Some(kind) = kind_of(&name) else {
        return Scan::Text;
    };
    let mut self_closing = false;
    loop {
        // Before an attribute name.
        match src.get(i) {
            None => return Scan::Unterminated,
            Some(b'>') => {
                return Scan::Tag(Tag {
                    end: i + 1,
                    name,
                    kind,
                    closing,
                    self_closing,
                });
            }
            Some(b'/') => {
                self_closing = src.get(i + 1) == Some(&b'>');
                i += 1;
                continue;
            }
            Some(&b) if is_html_space(b) => {
                i += 1;
                continue;
            }
            Some(_) => {}
        }
        // The name: its first character is taken whatever it is (even `=`).
        i += 1;
        while src
            .get(i)
            .is_some_and(|&b| !is_html_space(b) && !matches!(b, b'/' | b'>' | b'='))
        {
            i += 1;
        }
        while src.get(i).is_some_and(|&b| is_html_space(b)) {
            i += 1;
        }
        if src.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while src.get(i).is_some_and(|&b| is_html_space(b)) {
            i += 1;
        }
        match src.get(i) {
            Some(&quote @ (b'"' | b'\'')) => match src[i + 1..].iter().position(|&b| b == quote) {
                Some(off) => i += off + 2,
                None => return Scan::Unterminated,
            },
            // Unquoted (or missing, when `>` comes next).
            _ => {
                while src.get(i).is_some_and(|&b| !is_html_space(b) && b != b'>') {
                    i += 1;
                }
            }
        }
    }
}

/// Where the end tag `</name` of a raw-text element starts, if it comes.
pub(super) fn find_end_tag(src: &[u8], from: usize, name: &str) -> Option<usize> {
    let name = name.as_bytes();
    let mut i = from;
    while let Some(off) = src[i..].iter().position(|&b| b == b'<') {
        let lt = i + off;
        let name_at = lt + 2;
        let is_end = src.get(lt + 1) == Some(&b'/')
            && src
                .get(name_at..name_at + name.len())
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
            && src
                .get(name_at + name.len())
                .is_some_and(|&b| is_html_space(b) || b == b'/' || b == b'>');
        if is_end {
            return Some(lt);
        }
        i = lt + 1;
    }
    None
}
