//! Rendering of comment bodies into HTML that is safe to insert into a page.
//!
//! Bodies are stored exactly as the commenter wrote them: mostly plain text,
//! sometimes with a little HTML, and imported (e.g. WordPress) comments with
//! real markup such as `<a href>`, `<p>` or `<strong>`. The public API hands
//! out each comment as HTML meant for `innerHTML`, and [`comment_html`] makes
//! it: blank lines become paragraphs, single newlines `<br>`, bare http(s)
//! URLs `rel="nofollow ugc"` links, and a small set of tags is kept.
//!
//! How: a layout pass first reads the body as the commenter typed it (text
//! outside tags, newlines, bare URLs, a lone `<` as in `a < b`) and adds the
//! paragraph, line-break and link markup; then ammonia parses and re-serializes
//! the whole result against an allow-list. Layout comes first because
//! ammonia would normalize away what it needs (a `<` that is text, newlines
//! next to tags); sanitizing comes last so that ammonia alone decides what is
//! safe. Where the layout pass misreads a tag, the output can only look off,
//! never be unsafe, because every byte of its output goes through ammonia.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use linkify::{LinkFinder, LinkKind};

/// The tags that survive; `a` keeps only `href` (http, https, mailto) and gets
/// `rel="nofollow ugc"`. No other attribute survives anywhere.
const ALLOWED_TAGS: [&str; 15] = [
    "a",
    "b",
    "strong",
    "i",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "p",
    "br",
    "del",
    "s",
];

/// Elements whose content is raw text rather than markup; the sanitizer drops
/// them with their content.
const RAW_TEXT_TAGS: [&str; 9] = [
    "script", "style", "iframe", "textarea", "title", "xmp", "noembed", "noframes", "noscript",
];

/// Elements whose content is markup but never shown; the sanitizer drops them
/// with their content.
const HIDDEN_TAGS: [&str; 12] = [
    "svg", "math", "object", "applet", "template", "select", "option", "optgroup", "datalist",
    "canvas", "audio", "video",
];

/// Schemes a link may point to.
const LINK_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// The one sanitizer, built once: ammonia asserts its configuration on each
/// `clean`, and the tests exercise that.
static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::empty();
    builder
        .tags(HashSet::from(ALLOWED_TAGS))
        .clean_content_tags(RAW_TEXT_TAGS.into_iter().chain(HIDDEN_TAGS).collect())
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::from([("a", HashSet::from(["href"]))]))
        .url_schemes(HashSet::from(LINK_SCHEMES))
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("nofollow ugc"))
        .strip_comments(true);
    builder
});

/// Finds bare URLs, with or without a scheme (`www.` ones).
static LINK_FINDER: LazyLock<LinkFinder> = LazyLock::new(|| {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]).url_must_have_scheme(false);
    finder
});

/// Turns a comment body, as the commenter wrote it, into HTML that is safe to insert into a page.
pub fn comment_html(body: &str) -> String {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let body = body.trim_matches(HTML_SPACE);
    // The HTML parser behind the sanitizer slows down sharply on thousands of
    // nested elements; no real comment has that much markup, so such a body is
    // shown as the text it is.
    let laid_out = if body.matches('<').count() > MAX_MARKUP {
        layout_text(body)
    } else {
        layout(body)
    };
    SANITIZER.clean(&laid_out).to_string()
}

/// More `<` than this in one body and it is rendered as plain text.
const MAX_MARKUP: usize = 256;

/// Paragraphs, line breaks and links, with every `<` taken as text.
fn layout_text(src: &str) -> String {
    let mut out = Layout::with_capacity(src.len() + src.len() / 4 + 16);
    out.text(src);
    out.finish()
}

/// The characters HTML treats as white space (after `\r` is gone).
const HTML_SPACE: [char; 4] = [' ', '\t', '\n', '\x0c'];

fn is_html_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c')
}

/// What an element means for the layout pass.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
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
struct Tag {
    /// Just past its `>`.
    end: usize,
    name: String,
    kind: Kind,
    closing: bool,
    /// Ends in `/>` (meaningful for `<svg/>` and `<math/>` only).
    self_closing: bool,
}

/// What starts at a `<`.
#[derive(Debug)]
enum Scan {
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
fn scan(src: &[u8], lt: usize) -> Scan {
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
fn find_end_tag(src: &[u8], from: usize, name: &str) -> Option<usize> {
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

/// Adds paragraph, line-break and link markup to `src`, leaving tags as they
/// are for the sanitizer. Linear: every `<` is scanned at most once to its
/// end, and after one markup that never ends, the rest is text.
fn layout(src: &str) -> String {
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
fn link_target(url: &str) -> Option<std::borrow::Cow<'_, str>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The tags of `html` (ammonia's canonical output: double-quoted
    /// attributes, `"` escaped in values) as (name, attributes).
    fn tags_of(html: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut tags = Vec::new();
        let mut rest = html;
        while let Some(lt) = rest.find('<') {
            let mut tag = &rest[lt + 1..];
            tag = tag.strip_prefix('/').unwrap_or(tag);
            let name_len = tag
                .find([' ', '>'])
                .unwrap_or_else(|| panic!("tag without end in {html:?}"));
            let name = tag[..name_len].to_string();
            tag = &tag[name_len..];
            let mut attributes = Vec::new();
            while let Some(attr) = tag.strip_prefix(' ') {
                let eq = attr.find("=\"").expect("attribute value in double quotes");
                let value_len = attr[eq + 2..].find('"').expect("closing quote");
                attributes.push((
                    attr[..eq].to_string(),
                    attr[eq + 2..eq + 2 + value_len].to_string(),
                ));
                tag = &attr[eq + 2 + value_len + 1..];
            }
            tag = tag.strip_prefix('>').expect("tag ends in >");
            tags.push((name, attributes));
            rest = tag;
        }
        tags
    }

    /// Asserts that `html` holds only allowed tags, with no attribute but a
    /// safe `href` and the forced `rel` on `a`.
    fn assert_safe(input: &str, html: &str) {
        let lower = html.to_ascii_lowercase();
        for needle in [
            "<script", "<style", "<iframe", "<img", "<svg", "<math", "<object", "<embed",
        ] {
            assert!(
                !lower.contains(needle),
                "{needle} in {html:?} from {input:?}"
            );
        }
        for (name, attributes) in tags_of(html) {
            assert!(
                ALLOWED_TAGS.contains(&name.as_str()),
                "tag {name} in {html:?} from {input:?}"
            );
            for (attr, value) in attributes {
                match (name.as_str(), attr.as_str()) {
                    ("a", "rel") => assert_eq!(value, "nofollow ugc"),
                    ("a", "href") => {
                        let value = value.to_ascii_lowercase();
                        assert!(
                            ["http://", "https://", "mailto:"]
                                .iter()
                                .any(|scheme| value.starts_with(scheme)),
                            "href {value:?} in {html:?} from {input:?}"
                        );
                    }
                    _ => panic!("attribute {attr} on {name} in {html:?} from {input:?}"),
                }
            }
        }
    }

    const XSS_CORPUS: &[&str] = &[
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<script>alert(1)",
        "<scr<script>ipt>alert(1)</script>",
        "<<script>script>alert(1)<</script>/script>",
        "<img src=x onerror=alert(1)>",
        "<img src=x onerror=alert(1)//",
        "<IMG SRC=\"x\" ONERROR=\"&#97;lert(1)\">",
        "<svg onload=alert(1)>",
        "<svg/onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<svg><style><img src=x onerror=alert(1)></style></svg>",
        "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
        "<svg><p><style><img src=x onerror=alert(1)></p></style></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<math href=\"javascript:alert(1)\">x</math>",
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<a href=javascript:alert(1)>x</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<a href=\"jav&#9;ascript:alert(1)\">x</a>",
        "<a href=\"java&#0000009;script:alert(1)\">x</a>",
        "<a href=\"&#x6A;avascript:alert(1)\">x</a>",
        "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
        "<a href=\" javascript:alert(1)\">x</a>",
        "<a href=\"\njavascript:alert(1)\">x</a>",
        "<a href=\"java\nscript:alert(1)\">x</a>",
        "<a href=\"javascript&colon;alert(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<a href=\"DATA:text/html,<script>alert(1)</script>\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<a href=\"//evil.example/\">x</a>",
        "<a href=\"https://ok.example\"><a href=\"javascript:alert(1)\">x</a></a>",
        "<a href=\"https://ok.example/\" onclick=\"alert(1)\" onmouseover=alert(1) \
         style=\"color:red\" target=_blank class=x id=y>x</a>",
        "<a href=\"mailto:x@example.com\" onclick=alert(1)>mail</a>",
        "<a href=\"http://ok.example/\">http://ok.example/<script>alert(1)</script></a>",
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "<iframe srcdoc=\"<script>alert(1)</script>\">",
        "<style>body{background:url(javascript:alert(1))}</style>",
        "<style>@import 'http://evil.example/x.css';</style>hello",
        "<b onmouseover=alert(1)>x</b>",
        "<p style=\"background:url(javascript:alert(1))\" class=x id=y>x</p>",
        "\"><script>alert(1)</script>",
        "'><img src=x onerror=alert(1)>",
        "unclosed <b",
        "<b <script>alert(1)</script>",
        "<a href=\"http://x.example/\"<script>alert(1)</script>",
        "<a title=\"<script>alert(1)</script>\">x</a>",
        "<!--<script>alert(1)</script>-->",
        "<!--><script>alert(1)</script>-->",
        "<!-- --!><script>alert(1)</script> -->",
        "<![CDATA[<script>alert(1)</script>]]>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<embed src=\"javascript:alert(1)\">",
        "<form action=\"javascript:alert(1)\"><button>x</button></form>",
        "<input onfocus=alert(1) autofocus>",
        "<details open ontoggle=alert(1)>",
        "<body onload=alert(1)>",
        "<textarea></textarea><script>alert(1)</script>",
        "<title></title><script>alert(1)</script>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<xmp><script>alert(1)</script></xmp>",
        "<table><td><script>alert(1)</script>",
        "<template><script>alert(1)</script></template>",
        "<select><style></select><img src=x onerror=alert(1)></style>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<base href=\"javascript:alert(1)//\">",
        "<link rel=stylesheet href=\"javascript:alert(1)\">",
        "<scri\npt>alert(1)</script>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&#60;script&#62;alert(1)&#60;/script&#62;",
        "http://example.com/\"onmouseover=\"alert(1)",
        "http://example.com/<script>alert(1)</script>",
        "www.example.com\"><script>alert(1)</script>",
        "http://example.com/?q=<img src=x onerror=alert(1)>",
        "javascript:alert(1)",
        "<a href=\"http://x.example/\">a\n\nb <svg onload=alert(1)>\n\n</a>",
        "<pre>\n\n<script>alert(1)</script>\n\n</pre>",
        "<ul><li><img src=x onerror=alert(1)>\n\n</li></ul>",
    ];

    #[test]
    fn the_xss_corpus_yields_no_executable_markup() {
        for input in XSS_CORPUS {
            let html = comment_html(input);
            assert_safe(input, &html);
            assert!(
                !html.to_ascii_lowercase().contains("href=\"javascript"),
                "{html:?}"
            );
        }
    }

    #[test]
    fn the_xss_corpus_stays_safe_inside_text_and_across_lines() {
        for input in XSS_CORPUS {
            for wrapped in [
                format!("Hi http://example.com/ {input}\n\nbye"),
                format!("<p>{input}</p>\n<b>{input}"),
                format!("{input}\r\n{input}"),
            ] {
                assert_safe(&wrapped, &comment_html(&wrapped));
            }
        }
    }

    #[test]
    fn script_and_style_contents_are_dropped() {
        assert_eq!(
            comment_html("before <script>alert(1)</script> after"),
            "<p>before  after</p>"
        );
        assert_eq!(comment_html("<style>p { color: red }</style>"), "");
        assert_eq!(
            comment_html("<svg onload=alert(1)><text>x</text></svg>"),
            ""
        );
    }

    #[test]
    fn obfuscated_script_links_keep_no_href() {
        for scheme in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "jav&#x09;ascript:alert(1)",
            "jav&#x0A;ascript:alert(1)",
            " javascript:alert(1)",
            "&#x20;javascript:alert(1)",
            "data:text/html,x",
            "vbscript:msgbox(1)",
            "VbScRiPt:msgbox(1)",
        ] {
            let html = comment_html(&format!("<a href=\"{scheme}\">x</a>"));
            assert_eq!(html, "<p><a rel=\"nofollow ugc\">x</a></p>", "{scheme}");
        }
    }

    #[test]
    fn plain_text_becomes_one_paragraph() {
        assert_eq!(comment_html("Hello there."), "<p>Hello there.</p>");
    }

    #[test]
    fn an_empty_or_blank_body_gives_empty_html() {
        assert_eq!(comment_html(""), "");
        assert_eq!(comment_html(" \n\r\n\t \n"), "");
    }

    #[test]
    fn text_is_escaped_and_stays_readable() {
        assert_eq!(
            comment_html("a < b && c > d"),
            "<p>a &lt; b &amp;&amp; c &gt; d</p>"
        );
        assert_eq!(
            comment_html("say \"hi\" & 'bye'"),
            "<p>say \"hi\" &amp; 'bye'</p>"
        );
        assert_eq!(
            comment_html("x<y, 1<2, a <3"),
            "<p>x&lt;y, 1&lt;2, a &lt;3</p>"
        );
    }

    #[test]
    fn generic_types_and_unknown_tags_stay_as_text() {
        assert_eq!(
            comment_html("Use Vec<String> or Option<Box<T>>."),
            "<p>Use Vec&lt;String&gt; or Option&lt;Box&lt;T&gt;&gt;.</p>"
        );
    }

    #[test]
    fn an_unclosed_tag_does_not_swallow_the_text_after_it() {
        assert_eq!(comment_html("unclosed <b"), "<p>unclosed &lt;b</p>");
        assert_eq!(
            comment_html("a <b title=\"x> y\nz"),
            "<p>a &lt;b title=\"x&gt; y<br>z</p>"
        );
    }

    #[test]
    fn entities_from_imported_html_are_decoded_once() {
        assert_eq!(
            comment_html("It&#8217;s &amp; that&rsquo;s &lt;fine&gt;"),
            "<p>It\u{2019}s &amp; that\u{2019}s &lt;fine&gt;</p>"
        );
        assert_eq!(
            comment_html("&copy=2 &nosuch;"),
            "<p>&amp;copy=2 &amp;nosuch;</p>"
        );
    }

    #[test]
    fn blank_lines_separate_paragraphs() {
        assert_eq!(
            comment_html("First.\n\nSecond.\n \n\n\nThird."),
            "<p>First.</p><p>Second.</p><p>Third.</p>"
        );
    }

    #[test]
    fn single_newlines_become_line_breaks() {
        assert_eq!(
            comment_html("one\ntwo  \n  three"),
            "<p>one<br>two<br>three</p>"
        );
    }

    #[test]
    fn windows_and_old_mac_line_endings_are_handled() {
        assert_eq!(
            comment_html("one\r\ntwo\r\n\r\nthree\rfour"),
            "<p>one<br>two</p><p>three<br>four</p>"
        );
    }

    #[test]
    fn leading_and_trailing_blank_lines_make_no_empty_paragraphs() {
        assert_eq!(comment_html("\n\n\r\n  Hi\n\n\n  \n"), "<p>Hi</p>");
    }

    #[test]
    fn a_bare_url_becomes_a_nofollow_link() {
        assert_eq!(
            comment_html("See https://example.com/a?b=1&c=2#d for more."),
            "<p>See <a href=\"https://example.com/a?b=1&amp;c=2#d\" rel=\"nofollow ugc\">\
             https://example.com/a?b=1&amp;c=2#d</a> for more.</p>"
        );
    }

    #[test]
    fn a_www_url_becomes_an_https_link() {
        assert_eq!(
            comment_html("go to www.example.org/x"),
            "<p>go to <a href=\"https://www.example.org/x\" rel=\"nofollow ugc\">\
             www.example.org/x</a></p>"
        );
    }

    #[test]
    fn punctuation_around_a_url_is_not_part_of_the_link() {
        assert_eq!(
            comment_html("(see http://example.com/x). Or <http://example.org>!"),
            "<p>(see <a href=\"http://example.com/x\" rel=\"nofollow ugc\">http://example.com/x</a>). \
             Or &lt;<a href=\"http://example.org\" rel=\"nofollow ugc\">http://example.org</a>&gt;!</p>"
        );
    }

    #[test]
    fn only_http_and_https_urls_are_auto_linked() {
        assert_eq!(
            comment_html("ftp://example.com/f javascript:alert(1) example.com x@example.com"),
            "<p>ftp://example.com/f javascript:alert(1) example.com x@example.com</p>"
        );
    }

    #[test]
    fn a_url_inside_a_link_is_not_linked_twice() {
        assert_eq!(
            comment_html("<a href=\"https://example.com/\">https://example.com/</a> ok"),
            "<p><a href=\"https://example.com/\" rel=\"nofollow ugc\">https://example.com/</a> ok</p>"
        );
        assert_eq!(
            comment_html(
                "<a href=https://example.com/?a=1&amp;b=2 title='http://x.example/'>site</a>"
            ),
            "<p><a href=\"https://example.com/?a=1&amp;b=2\" rel=\"nofollow ugc\">site</a></p>"
        );
    }

    #[test]
    fn links_get_nofollow_ugc_and_lose_every_other_attribute() {
        assert_eq!(
            comment_html(
                "<a href=\"https://example.com/\" rel=\"author\" target=\"_blank\" \
                 onclick=\"x()\" style=\"color:red\" class=\"c\" id=\"i\">x</a>"
            ),
            "<p><a href=\"https://example.com/\" rel=\"nofollow ugc\">x</a></p>"
        );
        assert_eq!(
            comment_html("<a href=\"mailto:me@example.com\">mail</a>"),
            "<p><a href=\"mailto:me@example.com\" rel=\"nofollow ugc\">mail</a></p>"
        );
    }

    #[test]
    fn relative_and_other_scheme_links_lose_their_href() {
        for href in [
            "/path",
            "page.html",
            "//evil.example/",
            "ftp://example.com/",
            "tel:123",
        ] {
            assert_eq!(
                comment_html(&format!("<a href=\"{href}\">x</a>")),
                "<p><a rel=\"nofollow ugc\">x</a></p>",
                "{href}"
            );
        }
    }

    #[test]
    fn allowed_tags_are_kept_without_attributes() {
        assert_eq!(
            comment_html(
                "<b>b</b> <strong class=x>strong</strong> <i>i</i> <em>em</em> \
                 <code>code</code> <del>del</del> <s>s</s>"
            ),
            "<p><b>b</b> <strong>strong</strong> <i>i</i> <em>em</em> \
             <code>code</code> <del>del</del> <s>s</s></p>"
        );
        assert_eq!(
            comment_html("<blockquote style=\"x\">quoted</blockquote>"),
            "<blockquote><p>quoted</p></blockquote>"
        );
    }

    #[test]
    fn other_tags_are_removed_but_their_text_kept() {
        assert_eq!(
            comment_html("<span style=\"color:red\">red</span> <font size=7>big</font> <u>u</u>"),
            "<p>red big u</p>"
        );
        assert_eq!(
            comment_html("<div>one</div><div>two</div><h1>three</h1>"),
            "<p>one</p><p>two</p><p>three</p>"
        );
        assert_eq!(
            comment_html("look: <img src=x.png alt=pic>"),
            "<p>look: </p>"
        );
    }

    #[test]
    fn imported_html_paragraphs_are_not_wrapped_twice() {
        assert_eq!(
            comment_html("<p>First <strong>para</strong>.</p>\r\n\r\n<p>Second.</p>\n"),
            "<p>First <strong>para</strong>.</p><p>Second.</p>"
        );
        assert_eq!(comment_html("<p>one\n\ntwo</p>"), "<p>one</p><p>two</p>");
    }

    #[test]
    fn a_br_followed_by_a_newline_is_one_line_break() {
        assert_eq!(
            comment_html("one<br />\ntwo<BR>three"),
            "<p>one<br>two<br>three</p>"
        );
    }

    #[test]
    fn lists_get_no_paragraphs_or_stray_breaks() {
        assert_eq!(
            comment_html("Items:\n<ul>\n  <li>one\n  two</li>\n  <li>three</li>\n</ul>\nafter"),
            "<p>Items:</p><ul><li>one<br>two</li><li>three</li></ul><p>after</p>"
        );
    }

    #[test]
    fn pre_keeps_its_newlines_and_spacing() {
        assert_eq!(
            comment_html("code:\n<pre>fn main() {\n\n    x < y;\n}</pre>\ndone"),
            "<p>code:</p><pre>fn main() {\n\n    x &lt; y;\n}</pre><p>done</p>"
        );
    }

    #[test]
    fn non_ascii_text_is_unchanged() {
        assert_eq!(comment_html("Grüße, 日本語 👍"), "<p>Grüße, 日本語 👍</p>");
        assert_eq!(
            comment_html("été https://例え.jp/パス ok"),
            "<p>été <a href=\"https://例え.jp/パス\" rel=\"nofollow ugc\">https://例え.jp/パス</a> ok</p>"
        );
    }

    /// A small deterministic generator, so the test needs no extra crate.
    struct XorShift(u64);

    impl XorShift {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    #[test]
    fn arbitrary_input_never_panics_and_stays_safe() {
        const PIECES: &[&str] = &[
            "<",
            ">",
            "/",
            "=",
            "\"",
            "'",
            "&",
            "#",
            ";",
            "x",
            "a",
            " ",
            "\n",
            "\r\n",
            "\r",
            "\t",
            "<a ",
            "<a href=",
            "</a>",
            "<p>",
            "</p>",
            "<pre>",
            "</pre>",
            "<ul>",
            "<li>",
            "</ul>",
            "<b>",
            "</b",
            "<br>",
            "<script>",
            "</script>",
            "<style",
            "<svg>",
            "</svg>",
            "<math>",
            "<!--",
            "-->",
            "<!",
            "http://x.example/",
            "https://",
            "www.",
            ".com",
            "javascript:",
            "onerror=",
            "&amp;",
            "&#x6A;",
            "&#9;",
            "日本",
            "👍",
            "é",
            "\u{0}",
            "<img src=x ",
            "<textarea>",
            "<title>",
            "<noscript>",
            "<select>",
            "<table>",
        ];
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            let mut input = String::new();
            for _ in 0..rng.below(40) {
                input.push_str(PIECES[rng.below(PIECES.len())]);
            }
            assert_safe(&input, &comment_html(&input));
        }
        for _ in 0..300 {
            let bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.below(256) as u8).collect();
            let input = String::from_utf8_lossy(&bytes);
            assert_safe(&input, &comment_html(&input));
        }
    }

    #[test]
    fn inputs_of_the_largest_size_render_safely() {
        const SIZE: usize = 65_525;
        let patterns = [
            "Some words http://example.com/x and more.\n",
            "para\n\n",
            "<a x=\"",
            "<b x='>",
            "<!--",
            "<b>",
            "<blockquote>",
            "<ul><li>",
            "<p>",
            "<script>",
            "a.b.c.d.",
            "www.",
            "http://",
            "&amp",
            "<",
            "日本語👍",
        ];
        for pattern in patterns {
            let input: String = pattern.repeat(SIZE / pattern.len() + 1);
            let input = &input[..input.floor_char_boundary(SIZE)];
            let html = comment_html(input);
            assert_safe(pattern, &html);
        }
    }

    #[test]
    fn a_body_with_more_markup_than_any_comment_is_shown_as_text() {
        let html = comment_html(&"<ul><li>".repeat(1000));
        assert!(
            html.starts_with("<p>&lt;ul&gt;&lt;li&gt;"),
            "{}",
            &html[..60]
        );
        assert_eq!(comment_html("<b>bold</b>"), "<p><b>bold</b></p>");
    }
}
