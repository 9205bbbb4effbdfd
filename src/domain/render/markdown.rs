//! The Markdown pass (`REPLYDESK_TEXT_FORMAT=markdown`): CommonMark through
//! pulldown-cmark, shaped to what the allow-list keeps, for the sanitizer.
//!
//! Like the layout pass, it only adds markup; the sanitizer alone decides
//! what is safe. The shaping makes Markdown read as commenters expect and
//! as today's comments look, rather than lose text to the allow-list:
//! - a newline is a line break, as in the WordPress format and in most
//!   comment boxes (CommonMark would join the lines);
//! - bare URLs are linked, as in the WordPress format;
//! - a heading is a paragraph in bold: a comment's headings must not outrank
//!   the page's own, so `h1`–`h6` are not on the allow-list;
//! - an image is a link to it with its description as text: the allow-list
//!   has no `img`, and a comment must not make readers' browsers fetch from
//!   anywhere;
//! - HTML in the Markdown goes to the sanitizer as HTML, so imported
//!   WordPress comments keep their links and emphasis, except a `<` that
//!   does not start markup the layout pass knows (`Vec<String>`), which
//!   stays text as it does in the WordPress format.

use pulldown_cmark::html::push_html;
use pulldown_cmark::{CowStr, Event, LinkType, Parser, Tag, TagEnd, TextMergeStream};

use super::layout::{LINK_FINDER, link_target};
use super::markup::{Kind, Scan, find_end_tag, scan};

/// Deeper nesting than any comment has; past it the body is shown as text,
/// since the HTML parser behind the sanitizer slows down sharply on
/// thousands of nested elements.
const MAX_NESTING: usize = 64;

/// The HTML for `src` read as Markdown, or `None` when it nests deeper than
/// [`MAX_NESTING`]. With `raw_html` off, HTML in it is shown as text.
pub(super) fn markdown(src: &str, raw_html: bool) -> Option<String> {
    let mut shaper = Shaper {
        out: Vec::new(),
        raw_html,
        depth: 0,
        link_depth: 0,
        code_depth: 0,
        raw_anchor: false,
        images: Vec::new(),
    };
    for event in TextMergeStream::new(Parser::new(src)) {
        shaper.event(event)?;
    }
    let mut html = String::with_capacity(src.len() + src.len() / 4 + 16);
    push_html(&mut html, shaper.out.into_iter());
    html.truncate(html.trim_end().len());
    Some(html)
}

/// An image being turned into a link.
struct Image<'a> {
    /// `None` when the image is inside a link, and so only its text is kept.
    dest: Option<CowStr<'a>>,
    has_text: bool,
}

/// Rewrites pulldown-cmark's events into ones whose HTML the allow-list keeps.
struct Shaper<'a> {
    out: Vec<Event<'a>>,
    raw_html: bool,
    depth: usize,
    /// Inside a Markdown link (or an image made one): text is not linked again.
    link_depth: usize,
    /// Inside a code block: text is code, not linked.
    code_depth: usize,
    /// Inside an `<a>` written as HTML: text is not linked again.
    raw_anchor: bool,
    images: Vec<Image<'a>>,
}

impl<'a> Shaper<'a> {
    fn event(&mut self, event: Event<'a>) -> Option<()> {
        match event {
            Event::Start(tag) => {
                self.depth += 1;
                if self.depth > MAX_NESTING {
                    return None;
                }
                self.start(tag);
            }
            Event::End(tag) => {
                self.depth = self.depth.saturating_sub(1);
                self.end(tag);
            }
            Event::Text(text) => {
                self.mark_image_text();
                if self.link_depth == 0 && self.code_depth == 0 && !self.raw_anchor {
                    self.link_bare_urls(text);
                } else {
                    self.out.push(Event::Text(text));
                }
            }
            Event::Code(code) => {
                self.mark_image_text();
                self.out.push(Event::Code(code));
            }
            Event::SoftBreak | Event::HardBreak => self.out.push(Event::InlineHtml("<br>".into())),
            Event::Html(html) | Event::InlineHtml(html) => self.raw(&html),
            other => self.out.push(other),
        }
        Some(())
    }

    fn start(&mut self, tag: Tag<'a>) {
        match tag {
            Tag::Heading { .. } => {
                self.out.push(Event::Start(Tag::Paragraph));
                self.out.push(Event::Start(Tag::Strong));
            }
            Tag::Image { dest_url, .. } => {
                if self.link_depth > 0 {
                    self.images.push(Image {
                        dest: None,
                        has_text: false,
                    });
                } else {
                    self.out.push(Event::Start(link_to(dest_url.clone())));
                    self.link_depth += 1;
                    self.images.push(Image {
                        dest: Some(dest_url),
                        has_text: false,
                    });
                }
            }
            Tag::Link { .. } => {
                self.link_depth += 1;
                self.out.push(Event::Start(tag));
            }
            Tag::CodeBlock(_) => {
                self.code_depth += 1;
                self.out.push(Event::Start(tag));
            }
            _ => self.out.push(Event::Start(tag)),
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) => {
                self.out.push(Event::End(TagEnd::Strong));
                self.out.push(Event::End(TagEnd::Paragraph));
            }
            TagEnd::Image => {
                if let Some(Image {
                    dest: Some(dest),
                    has_text,
                }) = self.images.pop()
                {
                    if !has_text {
                        self.out.push(Event::Text(dest));
                    }
                    self.out.push(Event::End(TagEnd::Link));
                    self.link_depth = self.link_depth.saturating_sub(1);
                }
            }
            TagEnd::Link => {
                self.link_depth = self.link_depth.saturating_sub(1);
                self.out.push(Event::End(tag));
            }
            TagEnd::CodeBlock => {
                self.code_depth = self.code_depth.saturating_sub(1);
                self.out.push(Event::End(tag));
            }
            _ => self.out.push(Event::End(tag)),
        }
    }

    fn mark_image_text(&mut self) {
        if let Some(image) = self.images.last_mut() {
            image.has_text = true;
        }
    }

    /// Text with its bare http(s) and `www.` URLs made links, as the layout
    /// pass makes them.
    fn link_bare_urls(&mut self, text: CowStr<'a>) {
        // The common case, text without a URL, is passed on as it is.
        if LINK_FINDER.links(&text).next().is_none() {
            self.out.push(Event::Text(text));
            return;
        }
        for span in LINK_FINDER.spans(&text) {
            let target = span.kind().and_then(|_| link_target(span.as_str()));
            let words = CowStr::from(span.as_str().to_owned());
            match target {
                Some(href) => {
                    self.out
                        .push(Event::Start(link_to(href.into_owned().into())));
                    self.out.push(Event::Text(words));
                    self.out.push(Event::End(TagEnd::Link));
                }
                None => self.out.push(Event::Text(words)),
            }
        }
    }

    /// HTML written in the Markdown: passed on for the sanitizer, except each
    /// `<` that does not start markup, which is escaped to stay text.
    fn raw(&mut self, html: &str) {
        if !self.raw_html {
            self.out.push(Event::Text(html.to_owned().into()));
            return;
        }
        let bytes = html.as_bytes();
        let mut kept = String::with_capacity(html.len() + 8);
        let mut pos = 0;
        while let Some(off) = bytes[pos..].iter().position(|&b| b == b'<') {
            let lt = pos + off;
            kept.push_str(&html[pos..lt]);
            match scan(bytes, lt) {
                Scan::Text => {
                    kept.push_str("&lt;");
                    pos = lt + 1;
                }
                // Once markup never ends, the rest is text, as in the layout
                // pass: each `<` is scanned at most once.
                Scan::Unterminated => {
                    kept.push_str(&html[lt..].replace('<', "&lt;"));
                    pos = html.len();
                }
                Scan::Comment { end } => {
                    kept.push_str(&html[lt..end]);
                    pos = end;
                }
                Scan::Tag(tag) => {
                    kept.push_str(&html[lt..tag.end]);
                    pos = tag.end;
                    if tag.kind == Kind::Anchor {
                        self.raw_anchor = !tag.closing;
                    }
                    if tag.kind == Kind::RawText && !tag.closing {
                        let content_end = find_end_tag(bytes, pos, &tag.name).unwrap_or(html.len());
                        kept.push_str(&html[pos..content_end]);
                        pos = content_end;
                    }
                }
            }
        }
        kept.push_str(&html[pos..]);
        self.out.push(Event::Html(kept.into()));
    }
}

/// A plain link to `dest`, as a Markdown link would give.
fn link_to(dest: CowStr<'_>) -> Tag<'_> {
    Tag::Link {
        link_type: LinkType::Inline,
        dest_url: dest,
        title: CowStr::Borrowed(""),
        id: CowStr::Borrowed(""),
    }
}
