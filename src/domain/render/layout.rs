//! The layout pass: reads a body as the commenter typed it and adds
//! paragraph, line-break and link markup, escaping the text and leaving
//! tags as they are for the sanitizer.

use std::sync::LazyLock;

use linkify::{LinkFinder, LinkKind};

use super::markup::{HTML_SPACE, Kind, Scan, Tag, find_end_tag, is_html_space, scan};

/// Finds bare URLs, with or without a scheme (`www.` ones).
pub(super) static LINK_FINDER: LazyLock<LinkFinder> = LazyLock::new(|| {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]).url_must_have_scheme(false);
    finder
});

/// Paragraphs, line breaks and links, with every `<` taken as text.
pub(super) fn layout_text(src: &str) -> String {
    let mut out = Layout::with_capacity(src.len() + src.len() / 4 + 16);
    out.text(src);
    out.finish()
}

/// Adds paragraph, line-break and link markup to `src`, leaving tags as they
/// are for the sanitizer. Linear: every `<` is scanned at most once to its
/// end, and after one markup that never ends, the rest is text.
pub(super) fn layout(src: &str) -> String {
    let bytes = src.as_bytes();
    let mut out = Layout::with_capacity(src.len() + src.len() / 4 + 16);
    let mut pos = 0;
    let mut text_start = 0;
    while let Some(off) = bytes[pos..].iter().position(|&b| b == b'<') {
        let lt = pos + off;
        match scan(bytes, lt) {
            Scan::Text => pos = lt + 1,
            // An HTML parser would swallow everything after it; showing the
            // rest as text keeps it readable instead.
            Scan::Unterminated => break,
            Scan::Comment { end } => {
                out.text(&src[text_start..lt]);
                pos = end;
                text_start = end;
            }
            Scan::Tag(tag) => {
                out.text(&src[text_start..lt]);
                out.tag(&src[lt..tag.end], &tag);
                pos = tag.end;
                if tag.kind == Kind::RawText && !tag.closing && out.hidden_depth == 0 {
                    let content_end = find_end_tag(bytes, pos, &tag.name).unwrap_or(src.len());
                    out.html.push_str(&src[pos..content_end]);
                    pos = content_end;
                }
                text_start = pos;
            }
        }
    }
    out.text(&src[text_start..]);
    out.finish()
}

/// The state of the layout pass: the HTML so far, and where in it we are.
struct Layout {
    html: String,
    /// A `<p>` (ours or the commenter's) is open.
    p_open: bool,
    /// Visible content came since the last block boundary.
    flow_has_content: bool,
    /// Newlines seen but not written yet: 1 is a line break, 2 a paragraph
    /// break. Written only once more content follows, so none trail a block.
    pending_breaks: u8,
    /// A `<br>` was just written: the newline after it is the same break.
    swallow_newline: bool,
    in_anchor: bool,
    pre_depth: usize,
    list_depth: usize,
    hidden_depth: usize,
}

impl Layout {
    fn with_capacity(capacity: usize) -> Self {
        Layout {
            html: String::with_capacity(capacity),
            p_open: false,
            flow_has_content: false,
            pending_breaks: 0,
            swallow_newline: false,
            in_anchor: false,
            pre_depth: 0,
            list_depth: 0,
            hidden_depth: 0,
        }
    }

    fn finish(mut self) -> String {
        if self.p_open {
            self.html.push_str("</p>");
        }
        self.html
    }

    /// Before visible inline content: writes pending breaks and opens a
    /// paragraph where one belongs.
    fn start_inline(&mut self) {
        self.swallow_newline = false;
        if self.pre_depth > 0 {
            return;
        }
        let pending = std::mem::take(&mut self.pending_breaks);
        if self.flow_has_content {
            match pending {
                0 => {}
                1 => self.html.push_str("<br>"),
                _ if self.p_open => {
                    self.html.push_str("</p>");
                    self.p_open = false;
                }
                _ => self.html.push_str("<br><br>"),
            }
        }
        if !self.p_open && self.list_depth == 0 {
            self.html.push_str("<p>");
            self.p_open = true;
        }
        self.flow_has_content = true;
    }

    /// At a block boundary: breaks pending there are implied by the block.
    fn block_boundary(&mut self) {
        self.pending_breaks = 0;
        self.swallow_newline = false;
        self.flow_has_content = false;
    }

    fn close_paragraph(&mut self) {
        if self.p_open {
            self.html.push_str("</p>");
            self.p_open = false;
        }
    }

    fn tag(&mut self, raw: &str, tag: &Tag) {
        let opens = !tag.closing;
        if self.hidden_depth > 0 || tag.kind == Kind::Hidden {
            if tag.kind == Kind::Hidden {
                let foreign_void = tag.self_closing && (tag.name == "svg" || tag.name == "math");
                if tag.closing {
                    self.hidden_depth = self.hidden_depth.saturating_sub(1);
                } else if !foreign_void {
                    self.hidden_depth += 1;
                }
            }
            self.html.push_str(raw);
            return;
        }
        match tag.kind {
            Kind::Invisible | Kind::RawText | Kind::Hidden => self.html.push_str(raw),
            Kind::LineBreak => {
                // `</br>` is a line break too, for HTML parsers.
                self.start_inline();
                self.html.push_str("<br>");
                self.swallow_newline = true;
            }
            Kind::Anchor | Kind::Inline => {
                if opens {
                    self.start_inline();
                }
                if tag.kind == Kind::Anchor {
                    self.in_anchor = opens;
                }
                self.html.push_str(raw);
            }
            Kind::Paragraph => {
                self.block_boundary();
                self.close_paragraph();
                if opens {
                    self.html.push_str(raw);
                    self.p_open = true;
                }
            }
            Kind::Preformatted | Kind::List | Kind::Block => {
                self.block_boundary();
                self.close_paragraph();
                self.html.push_str(raw);
                let depth = match tag.kind {
                    Kind::Preformatted => &mut self.pre_depth,
                    Kind::List => &mut self.list_depth,
                    _ => return,
                };
                if opens {
                    *depth += 1;
                } else {
                    *depth = depth.saturating_sub(1);
                }
            }
        }
    }

    /// Text between tags: escaped, with bare URLs linked.
    fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.hidden_depth > 0 {
            push_escaped(&mut self.html, text);
            return;
        }
        if self.in_anchor {
            self.lines(text);
            return;
        }
        for span in LINK_FINDER.spans(text) {
            let target = match span.kind() {
                Some(LinkKind::Url) => link_target(span.as_str()),
                _ => None,
            };
            match target {
                Some(href) => self.link(&href, span.as_str()),
                None => self.lines(span.as_str()),
            }
        }
    }

    fn link(&mut self, href: &str, text: &str) {
        self.start_inline();
        self.html.push_str("<a href=\"");
        push_escaped(&mut self.html, href);
        self.html.push_str("\">");
        push_escaped(&mut self.html, text);
        self.html.push_str("</a>");
    }

    /// Text that is not a link: newlines become pending breaks.
    fn lines(&mut self, text: &str) {
        if self.pre_depth > 0 {
            self.start_inline();
            push_escaped(&mut self.html, text);
            return;
        }
        let mut rest = text;
        while let Some(nl) = rest.find('\n') {
            self.words(rest[..nl].trim_end_matches(HTML_SPACE));
            let after = &rest[nl..];
            let gap = after.len() - after.trim_start_matches(HTML_SPACE).len();
            let newlines = after[..gap].bytes().filter(|&b| b == b'\n').count();
            self.newlines(newlines);
            rest = &after[gap..];
        }
        self.words(rest);
    }

    /// Text on one line.
    fn words(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if text.bytes().all(is_html_space) {
            // Space between inline content matters; elsewhere it does not.
            if self.flow_has_content && self.pending_breaks == 0 {
                self.html.push_str(text);
            }
            return;
        }
        self.start_inline();
        push_escaped(&mut self.html, text);
    }

    fn newlines(&mut self, count: usize) {
        if count == 1 && std::mem::take(&mut self.swallow_newline) {
            return;
        }
        self.swallow_newline = false;
        let breaks = if count >= 2 { 2 } else { 1 };
        self.pending_breaks = self.pending_breaks.max(breaks);
    }
}

/// Where a found URL links to: only http(s), and `www.` as https.
pub(super) fn link_target(url: &str) -> Option<std::borrow::Cow<'_, str>> {
    let starts_with = |prefix: &str| {
        url.get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    if starts_with("http://") || starts_with("https://") {
        Some(url.into())
    } else if starts_with("www.") {
        Some(format!("https://{url}").into())
    } else {
        None
    }
}

/// Escapes text for use in HTML text and double-quoted attributes. An `&`
/// that starts a complete character reference (`&amp;`, `&#8217;`) is kept,
/// so entities in imported HTML read as meant; any other `&` is escaped.
fn push_escaped(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut done = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'&' if !is_char_reference(&bytes[i + 1..]) => "&amp;",
            _ => continue,
        };
        out.push_str(&text[done..i]);
        out.push_str(escaped);
        done = i + 1;
    }
    out.push_str(&text[done..]);
}

/// Whether `after_amp` (what follows an `&`) completes a character reference
/// ending in `;`.
fn is_char_reference(after_amp: &[u8]) -> bool {
    let reference_end = |body: &[u8], max: usize, allowed: fn(&u8) -> bool| {
        let len = body.iter().take(max + 1).take_while(|b| allowed(b)).count();
        len > 0 && len <= max && body.get(len) == Some(&b';')
    };
    match after_amp {
        [b'#', b'x' | b'X', hex @ ..] => reference_end(hex, 8, u8::is_ascii_hexdigit),
        [b'#', decimal @ ..] => reference_end(decimal, 10, u8::is_ascii_digit),
        [first, ..] if first.is_ascii_alphabetic() => {
            reference_end(after_amp, 32, u8::is_ascii_alphanumeric)
        }
        _ => false,
    }
}
