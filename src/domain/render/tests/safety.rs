//! Nothing executable gets through, whatever the text format: a corpus of
//! known attacks, and generated inputs of every size.

use crate::domain::render::TextFormat;
use crate::domain::render::sanitize::ALLOWED_TAGS;

/// The WordPress format, which the exact answers below describe.
fn comment_html(body: &str) -> String {
    crate::domain::render::comment_html(body, TextFormat::WordPress)
}

/// `body` rendered in every format: each is held to the same safety.
fn renderings(body: &str) -> [String; 2] {
    [TextFormat::WordPress, TextFormat::Markdown]
        .map(|format| crate::domain::render::comment_html(body, format))
}

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
        for html in renderings(input) {
            assert_safe(input, &html);
            assert!(
                !html.to_ascii_lowercase().contains("href=\"javascript"),
                "{html:?}"
            );
        }
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
            for html in renderings(&wrapped) {
                assert_safe(&wrapped, &html);
            }
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
        // Markdown's own syntax.
        "*",
        "_",
        "`",
        "```",
        "[",
        "](",
        ")",
        "![",
        "> ",
        "- ",
        "1. ",
        "# ",
        "    ",
        "<http://x.example/>",
        "[x]: javascript:alert(1)\n",
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let mut input = String::new();
        for _ in 0..rng.below(40) {
            input.push_str(PIECES[rng.below(PIECES.len())]);
        }
        for html in renderings(&input) {
            assert_safe(&input, &html);
        }
    }
    for _ in 0..300 {
        let bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.below(256) as u8).collect();
        let input = String::from_utf8_lossy(&bytes);
        for html in renderings(&input) {
            assert_safe(&input, &html);
        }
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
        "> ",
        "- ",
        "  - ",
        "1. ",
        "*a ",
        "**_",
        "[",
        "[a](",
        "![x](y)",
        "`",
        "```\n",
        "# x\n",
        "<b>*",
    ];
    for pattern in patterns {
        let input: String = pattern.repeat(SIZE / pattern.len() + 1);
        let input = &input[..input.floor_char_boundary(SIZE)];
        for html in renderings(input) {
            assert_safe(pattern, &html);
        }
    }
}
