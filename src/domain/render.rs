//! Placeholder until the renderer lands.
pub fn comment_html(body: &str) -> String {
    ammonia::clean_text(body)
}
