//! What comment bodies render as in the Markdown format: CommonMark, shaped
//! to the same allow-list and sanitized by the same pass.

use std::time::Instant;

use crate::domain::render::{TextFormat, comment_html};

fn markdown(body: &str) -> String {
    comment_html(body, TextFormat::Markdown)
}

#[test]
fn the_format_is_named_by_its_setting_word() {
    assert_eq!("markdown".parse(), Ok(TextFormat::Markdown));
    assert_eq!("WordPress".parse(), Ok(TextFormat::WordPress));
    assert_eq!("html".parse::<TextFormat>(), Err(()));
    assert_eq!(TextFormat::default(), TextFormat::WordPress);
    assert_eq!(TextFormat::Markdown.as_str(), "markdown");
}

#[test]
fn emphasis_strong_and_code_are_kept() {
    assert_eq!(
        markdown("*em* _em_ **strong** __strong__ `a < b`"),
        "<p><em>em</em> <em>em</em> <strong>strong</strong> <strong>strong</strong> \
         <code>a &lt; b</code></p>"
    );
}

#[test]
fn paragraphs_and_line_breaks_read_as_typed() {
    assert_eq!(
        markdown("First line\nsecond line\n\nNew paragraph."),
        "<p>First line<br>second line</p>\n<p>New paragraph.</p>"
    );
}

#[test]
fn links_keep_only_safe_targets_and_get_nofollow() {
    assert_eq!(
        markdown("[site](https://example.com/a?b=1&c=2 \"title\")"),
        "<p><a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow ugc\">site</a></p>"
    );
    assert_eq!(
        markdown("<https://example.com/> and <me@example.com>"),
        "<p><a href=\"https://example.com/\" rel=\"nofollow ugc\">https://example.com/</a> and \
         <a href=\"mailto:me@example.com\" rel=\"nofollow ugc\">me@example.com</a></p>"
    );
    for evil in [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html,hi)",
        "[x](vbscript:x)",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "<javascript:alert(1)>",
    ] {
        let html = markdown(evil);
        assert!(!html.contains("href"), "{evil}: {html}");
    }
    // Relative links point nowhere a reader expects; they are dropped too.
    assert_eq!(
        markdown("[x](/admin)"),
        "<p><a rel=\"nofollow ugc\">x</a></p>"
    );
}

#[test]
fn bare_urls_are_linked_as_in_the_wordpress_format() {
    assert_eq!(
        markdown("See https://example.com/x_y and www.example.org."),
        "<p>See <a href=\"https://example.com/x_y\" rel=\"nofollow ugc\">https://example.com/x_y</a> \
         and <a href=\"https://www.example.org\" rel=\"nofollow ugc\">www.example.org</a>.</p>"
    );
    // Not inside a link or code.
    assert_eq!(
        markdown("[https://a.example/](https://b.example/) `https://c.example/`"),
        "<p><a href=\"https://b.example/\" rel=\"nofollow ugc\">https://a.example/</a> \
         <code>https://c.example/</code></p>"
    );
    assert_eq!(
        markdown("    https://c.example/"),
        "<p><a href=\"https://c.example/\" rel=\"nofollow ugc\">https://c.example/</a></p>",
        "a body's leading spaces are trimmed when it is stored, so this is no code block"
    );
    assert_eq!(
        markdown("x\n\n    https://c.example/"),
        "<p>x</p>\n<pre><code>https://c.example/</code></pre>"
    );
}

#[test]
fn lists_and_quotes_are_kept() {
    assert_eq!(
        markdown("- one\n- two\n\n1. first\n2. second\n\n> quoted\n> more"),
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n\
         <blockquote>\n<p>quoted<br>more</p>\n</blockquote>"
    );
}

#[test]
fn code_blocks_keep_their_text_and_lose_their_language_class() {
    assert_eq!(
        markdown("```rust\nfn main() { x < y; }\n```"),
        "<pre><code>fn main() { x &lt; y; }\n</code></pre>"
    );
}

#[test]
fn headings_become_bold_paragraphs() {
    // The allow-list has no h1-h6: a comment's heading must not outrank the page's.
    assert_eq!(
        markdown("# Big\n\n### Small\nText"),
        "<p><strong>Big</strong></p>\n<p><strong>Small</strong></p>\n<p>Text</p>"
    );
}

#[test]
fn images_become_links_to_them() {
    assert_eq!(
        markdown("![a cat](https://example.com/cat.png)"),
        "<p><a href=\"https://example.com/cat.png\" rel=\"nofollow ugc\">a cat</a></p>"
    );
    assert_eq!(
        markdown("![](https://example.com/cat.png)"),
        "<p><a href=\"https://example.com/cat.png\" rel=\"nofollow ugc\">https://example.com/cat.png</a></p>"
    );
    assert_eq!(
        markdown("[![logo](https://example.com/l.png)](https://example.com/)"),
        "<p><a href=\"https://example.com/\" rel=\"nofollow ugc\">logo</a></p>"
    );
    assert!(!markdown("![x](javascript:alert(1))").contains("href"));
    assert!(!markdown("<img src=x onerror=alert(1)>").contains("img"));
}

#[test]
fn html_in_markdown_is_sanitized_like_any_body() {
    assert_eq!(
        markdown("Hi <script>alert(1)</script> there"),
        "<p>Hi  there</p>"
    );
    assert_eq!(markdown("<script>\nalert(1)\n</script>"), "");
    assert_eq!(
        markdown("an <a href=\"https://example.com/\" onclick=\"x()\">imported</a> <b>link</b>"),
        "<p>an <a href=\"https://example.com/\" rel=\"nofollow ugc\">imported</a> <b>link</b></p>"
    );
    assert_eq!(
        markdown("<a href=\"javascript:alert(1)\">x</a>"),
        "<p><a rel=\"nofollow ugc\">x</a></p>"
    );
    assert_eq!(
        markdown("<div onmouseover=\"x()\">\n<em>block</em>\n</div>"),
        "\n<em>block</em>\n"
    );
}

#[test]
fn a_lone_less_than_and_generic_types_stay_text() {
    assert_eq!(
        markdown("a < b && c > d"),
        "<p>a &lt; b &amp;&amp; c &gt; d</p>"
    );
    assert_eq!(
        markdown("Use Vec<String> or Option<Box<T>>."),
        "<p>Use Vec&lt;String&gt; or Option&lt;Box&lt;T&gt;&gt;.</p>"
    );
}

#[test]
fn a_rule_and_other_markup_off_the_allow_list_leave_their_text() {
    assert_eq!(markdown("one\n\n---\n\ntwo"), "<p>one</p>\n\n<p>two</p>");
    assert_eq!(
        markdown("| a | b |\n|---|---|"),
        "<p>| a | b |<br>|---|---|</p>"
    );
}

#[test]
fn deep_nesting_is_shown_as_text_and_quickly() {
    let started = Instant::now();
    let quotes = markdown(&">".repeat(65_000));
    assert!(quotes.starts_with("<p>&gt;&gt;&gt;"), "{}", &quotes[..40]);
    let lists: String = (0..300)
        .map(|i| format!("{}- x\n", "  ".repeat(i)))
        .collect();
    assert!(!markdown(&lists).contains("<ul>"));
    let emphasis = markdown(&"*a **b ".repeat(9_000));
    assert!(emphasis.starts_with("<p>"));
    let brackets = markdown(&"[".repeat(65_000));
    assert!(brackets.starts_with("<p>[[["));
    // A bound on a hang, not a benchmark: each takes milliseconds.
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    // Real nesting renders.
    assert_eq!(
        markdown("> > - **a**"),
        "<blockquote>\n<blockquote>\n<ul>\n<li><strong>a</strong></li>\n</ul>\n</blockquote>\n</blockquote>"
    );
}

#[test]
fn a_body_with_more_html_than_any_comment_shows_its_html_as_text() {
    let html = markdown(&"<b>x</b>".repeat(200));
    assert!(
        html.starts_with("<p>&lt;b&gt;x&lt;/b&gt;"),
        "{}",
        &html[..60]
    );
    assert_eq!(markdown("<b>bold</b>"), "<p><b>bold</b></p>");
}
