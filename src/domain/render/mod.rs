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
//!
//! An instance may read bodies as Markdown instead ([`TextFormat`]): the
//! Markdown pass then takes the layout pass's place, and ammonia's pass is
//! the same. Whatever shows a comment (the thread, a submission's answer,
//! the preview) calls [`comment_html`] with the instance's format, so a
//! preview cannot differ from the stored comment.

mod format;
mod layout;
mod markdown;
mod markup;
mod sanitize;
#[cfg(test)]
mod tests;

pub use format::TextFormat;
use layout::{layout, layout_text};
use markdown::markdown;
use markup::HTML_SPACE;
use sanitize::SANITIZER;

/// Turns a comment body, as the commenter wrote it, into HTML that is safe to
/// insert into a page, reading it in the instance's `format`.
pub fn comment_html(body: &str, format: TextFormat) -> String {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let body = body.trim_matches(HTML_SPACE);
    // The HTML parser behind the sanitizer slows down sharply on thousands of
    // nested elements; no real comment has that much markup, so such a body is
    // shown as the text it is (in Markdown, its HTML is).
    let much_markup = body.matches('<').count() > MAX_MARKUP;
    let laid_out = match format {
        TextFormat::WordPress if much_markup => layout_text(body),
        TextFormat::WordPress => layout(body),
        TextFormat::Markdown => markdown(body, !much_markup).unwrap_or_else(|| layout_text(body)),
    };
    SANITIZER.clean(&laid_out).to_string()
}

/// More `<` than this in one body and it is rendered as plain text.
const MAX_MARKUP: usize = 256;
