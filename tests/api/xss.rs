//! Whatever a commenter writes, the `html` readers get is inert.

use scraper::{Html, Selector};
use serde_json::Value;

use crate::helpers::{Backend, reply, spawn_app};

const CORPUS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle/></svg>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">tab</a>",
    "<a href=\" javascript:alert(1)\">space</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">case</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">data</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<style>body{display:none}</style>",
    "\"><script>alert(1)</script>",
    "<b onclick=\"alert(1)\">bold</b>",
    "<p style=\"position:fixed\">styled</p>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<b",
    "<<script>>alert(1)<</script>",
    "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
    "<form action=\"https://evil.example\"><input name=x></form>",
    "<div onmouseover=\"alert(1)\">hover</div>",
    "<!--<script>alert(1)//--><script>alert(2)</script>",
];

#[tokio::test]
async fn every_payload_in_the_corpus_comes_out_inert() {
    let app = spawn_app(
        Backend::Sqlite,
        &[("HOLD_ALL", "false"), ("MAX_LINKS", "0")],
    )
    .await;
    for (i, payload) in CORPUS.iter().enumerate() {
        let response = app
            .post_json(&reply("xss", &format!("{payload} #{i}")))
            .await;
        assert_eq!(response.status(), 201, "{payload}");
    }
    let thread: Value = app
        .get("/api/posts/xss/comments?per_page=200")
        .await
        .json()
        .await
        .unwrap();
    let comments = thread["comments"].as_array().unwrap();
    assert_eq!(comments.len(), CORPUS.len());
    let forbidden =
        Selector::parse("script, style, iframe, object, embed, form, input, svg, math, img")
            .unwrap();
    let everything = Selector::parse("*").unwrap();
    for comment in comments {
        let html = comment["html"].as_str().unwrap();
        let fragment = Html::parse_fragment(html);
        assert_eq!(fragment.select(&forbidden).count(), 0, "{html}");
        for element in fragment.select(&everything) {
            for (name, value) in element.value().attrs() {
                assert!(!name.starts_with("on"), "{name} in {html}");
                assert_ne!(name, "style", "{html}");
                if name == "href" {
                    let lower = value.trim().to_ascii_lowercase();
                    assert!(
                        lower.starts_with("http://")
                            || lower.starts_with("https://")
                            || lower.starts_with("mailto:"),
                        "{value} in {html}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn plain_text_keeps_its_shape_and_links_get_nofollow() {
    let app = spawn_app(
        Backend::Sqlite,
        &[("HOLD_ALL", "false"), ("MAX_LINKS", "0")],
    )
    .await;
    let body = "First paragraph,\nsecond line.\n\nSee https://example.com/page?a=1&b=2 for more.\n\n2 < 3 && 5 > 4";
    app.post_json(&reply("shape", body)).await;
    let thread: Value = app
        .get("/api/posts/shape/comments")
        .await
        .json()
        .await
        .unwrap();
    let html = thread["comments"][0]["html"].as_str().unwrap();
    let fragment = Html::parse_fragment(html);
    assert_eq!(
        fragment.select(&Selector::parse("p").unwrap()).count(),
        3,
        "{html}"
    );
    assert_eq!(
        fragment.select(&Selector::parse("p > br").unwrap()).count(),
        1,
        "{html}"
    );
    let link = fragment
        .select(&Selector::parse("a").unwrap())
        .next()
        .expect(html);
    assert_eq!(
        link.value().attr("href"),
        Some("https://example.com/page?a=1&b=2")
    );
    assert_eq!(link.value().attr("rel"), Some("nofollow ugc"));
    let text: String = fragment.root_element().text().collect();
    assert!(text.contains("2 < 3 && 5 > 4"), "{text}");
}
