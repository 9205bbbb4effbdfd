//! What comment bodies render as in the WordPress format; `markdown` in the
//! Markdown format; `safety` shows that nothing executable gets through in
//! either.

mod markdown;
mod safety;

use super::TextFormat;

/// The WordPress format, the default, which these tests describe.
fn comment_html(body: &str) -> String {
    super::comment_html(body, TextFormat::WordPress)
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
        comment_html("<a href=https://example.com/?a=1&amp;b=2 title='http://x.example/'>site</a>"),
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
