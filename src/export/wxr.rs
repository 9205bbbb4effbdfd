//! The WXR (WordPress eXtended RSS 1.2) export: one `<item>` per post with its
//! comments, as WordPress's own exporter writes them. Our post key travels in
//! `<replydesk:post_key>`, which WordPress ignores and our importer honours,
//! so a re-import keys every post as before.

use std::io::Write;

use quick_xml::escape::escape;

use super::{ExportError, Written, for_each_post};
use crate::db::AnyConnection;
use crate::import::wordpress::REPLYDESK_NS;

/// Text inside CDATA; a `]]>` in it is split across two sections.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

fn date(at: chrono::NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// WordPress's comment_approved for our status.
fn approved(status: &str) -> &str {
    match status {
        "approved" => "1",
        "pending" => "0",
        other => other,
    }
}

pub fn write(conn: &mut AnyConnection, out: &mut dyn Write) -> Result<Written, ExportError> {
    let mut written = Written::default();
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n\
         <rss version=\"2.0\"\n\
         \txmlns:content=\"http://purl.org/rss/1.0/modules/content/\"\n\
         \txmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n\
         \txmlns:wp=\"http://wordpress.org/export/1.2/\"\n\
         \txmlns:replydesk=\"{REPLYDESK_NS}\"\n>\n\
         <channel>\n\
         \t<title>Replydesk export</title>\n\
         \t<wp:wxr_version>1.2</wp:wxr_version>\n\
         \t<generator>Replydesk {}</generator>\n",
        env!("CARGO_PKG_VERSION")
    )?;
    for_each_post(conn, |_, post, comments| {
        written.posts += 1;
        written.comments += comments.len() as u64;
        write!(
            out,
            "\t<item>\n\
             \t\t<title>{}</title>\n\
             \t\t<link>{}</link>\n\
             \t\t<wp:post_id>{}</wp:post_id>\n\
             \t\t<wp:post_date_gmt>{}</wp:post_date_gmt>\n\
             \t\t<wp:comment_status>{}</wp:comment_status>\n\
             \t\t<wp:post_name>{}</wp:post_name>\n\
             \t\t<wp:status>publish</wp:status>\n\
             \t\t<wp:post_type>post</wp:post_type>\n\
             \t\t<replydesk:post_key>{}</replydesk:post_key>\n",
            escape(post.title.as_str()),
            escape(post.url.as_str()),
            post.id,
            date(post.created_at),
            if post.comments_open { "open" } else { "closed" },
            cdata(&post.post_key),
            cdata(&post.post_key),
        )?;
        for c in comments {
            write!(
                out,
                "\t\t<wp:comment>\n\
                 \t\t\t<wp:comment_id>{}</wp:comment_id>\n\
                 \t\t\t<wp:comment_author>{}</wp:comment_author>\n\
                 \t\t\t<wp:comment_author_email>{}</wp:comment_author_email>\n\
                 \t\t\t<wp:comment_author_url>{}</wp:comment_author_url>\n\
                 \t\t\t<wp:comment_author_IP>{}</wp:comment_author_IP>\n\
                 \t\t\t<wp:comment_date>{}</wp:comment_date>\n\
                 \t\t\t<wp:comment_date_gmt>{}</wp:comment_date_gmt>\n\
                 \t\t\t<wp:comment_content>{}</wp:comment_content>\n\
                 \t\t\t<wp:comment_approved>{}</wp:comment_approved>\n\
                 \t\t\t<wp:comment_type></wp:comment_type>\n\
                 \t\t\t<wp:comment_parent>{}</wp:comment_parent>\n\
                 \t\t</wp:comment>\n",
                c.id,
                cdata(&c.author),
                cdata(&c.email),
                escape(c.url.as_str()),
                escape(c.ip.as_deref().unwrap_or_default()),
                date(c.created_at),
                date(c.created_at),
                cdata(&c.body),
                approved(&c.status),
                c.parent_id.unwrap_or(0),
            )?;
        }
        out.write_all(b"\t</item>\n")?;
        Ok(())
    })?;
    out.write_all(b"</channel>\n</rss>\n")?;
    Ok(written)
}
