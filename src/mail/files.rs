//! The e-mails the file transport wrote under `REPLYDESK_MAIL_FOLDER`, for
//! `forget --purge-outbox-files`: each names its recipient, and a moderation
//! e-mail the commenter's address and IP, so erasing a person must reach them too.

use std::path::Path;

use base64::Engine;

/// Deletes the `.eml` files in `folder` that name `email` (in any case), or
/// that hold a moderation link to one of `comment_ids`; says how many.
pub fn purge_mentioning(folder: &Path, email: &str, comment_ids: &[i64]) -> std::io::Result<usize> {
    let links: Vec<String> = comment_ids
        .iter()
        .map(|id| format!("/moderate/m.{id}."))
        .collect();
    let mut deleted = 0;
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if path.extension().is_none_or(|ext| ext != "eml") {
            continue;
        }
        let text = readable(&std::fs::read_to_string(&path)?).to_lowercase();
        if text.contains(email) || links.iter().any(|link| text.contains(link)) {
            std::fs::remove_file(&path)?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// A message as it reads once its transfer encodings are undone: quoted-
/// printable's soft line breaks joined (an address may be split by one) and
/// every base64 part decoded, beside the raw text.
fn readable(message: &str) -> String {
    let mut out = message.replace("=\r\n", "").replace("=\n", "");
    let mut lines = message.lines();
    while let Some(line) = lines.next() {
        if !line
            .to_ascii_lowercase()
            .starts_with("content-transfer-encoding: base64")
        {
            continue;
        }
        // The part's other headers, then a blank line, then the encoded body
        // until the next boundary.
        let body: String = lines
            .by_ref()
            .skip_while(|l| !l.trim().is_empty())
            .skip(1)
            .take_while(|l| !l.starts_with("--"))
            .map(str::trim)
            .collect();
        if let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(body) {
            out.push('\n');
            out.push_str(&String::from_utf8_lossy(&decoded));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_line_breaks_and_base64_parts_are_read_through() {
        let split = "To: someone@example.com\r\n\r\nWritten by le=\r\nak@example.com";
        assert!(readable(split).contains("leak@example.com"));
        let encoded =
            base64::engine::general_purpose::STANDARD.encode("from leak@example.com, 日本語");
        let message = format!(
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--boundary--\r\n"
        );
        assert!(readable(&message).contains("leak@example.com"));
    }
}
