//! The WXR (WordPress eXtended RSS 1.2) export: one `<item>` per post with its
//! comments, as WordPress's own exporter writes them. What WordPress has no
//! place for travels in our own elements, which WordPress ignores and our
//! importer honours: each post's key (`<replydesk:post_key>`) and each
//! comment's origin (`<replydesk:source_id>`: where it was imported from, or
//! `replydesk:<this database's id>:<its id>`). So the file imported back, into
//! this database or a copy of it, adds nothing, and a newer export adds only
//! what is new.

use std::io::Write;

use quick_xml::escape::escape;

use super::{ExportError, Written, for_each_post};
use crate::db::{AnyConnection, stored_settings};
use crate::domain::status::Status;
use crate::file_formats::wxr::REPLYDESK_NS;

/// Text inside CDATA; a `]]>` in it is split across two sections.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

fn date(at: chrono::NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// WordPress's comment_approved for our status.
fn approved(status: Status) -> &'static str {
    match status {
        Status::Approved => "1",
        Status::Pending => "0",
        other => other.as_str(),
    }
}

/// A post's `wp:post_name` as WordPress makes one (`sanitize_title`): the last
/// segment of its address or key, lower-cased, with every run of anything but
/// letters and digits a single hyphen.
fn slug(url: &str, key: &str) -> String {
    let path = url::Url::parse(url)
        .map(|u| u.path().to_owned())
        .unwrap_or_default();
    let segment = |text: &str| {
        text.split(['/', '?', '#'])
            .rfind(|s| !s.trim().is_empty())
            .map(str::to_owned)
    };
    let source = segment(&path)
        .or_else(|| segment(key))
        .unwrap_or_else(|| key.to_owned());
    let mut slug = String::with_capacity(source.len());
    for c in source.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "post".to_owned()
    } else {
        slug.to_owned()
    }
}

pub fn write(
    conn: &mut AnyConnection,
    site: Option<i64>,
    out: &mut dyn Write,
) -> Result<Written, ExportError> {
    let here = stored_settings::local_source_prefix(conn)?;
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
    for_each_post(conn, site, |_, post, comments| {
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
            cdata(&slug(&post.url, &post.post_key)),
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
                 \t\t\t<wp:comment_type>{}</wp:comment_type>\n\
                 \t\t\t<wp:comment_parent>{}</wp:comment_parent>\n\
                 \t\t\t<replydesk:source_id>{}</replydesk:source_id>\n\
                 \t\t</wp:comment>\n",
                c.id,
                cdata(&c.author),
                cdata(&c.email),
                escape(c.url.as_str()),
                escape(c.ip.as_deref().unwrap_or_default()),
                date(c.created_at),
                date(c.created_at),
                cdata(&c.body),
                approved(c.status),
                escape(c.kind.as_str()),
                c.parent_id.unwrap_or(0),
                cdata(
                    &c.source_id
                        .clone()
                        .unwrap_or_else(|| format!("{here}{}", c.id))
                ),
            )?;
        }
        out.write_all(b"\t</item>\n")?;
        Ok(())
    })?;
    out.write_all(b"</channel>\n</rss>\n")?;
    Ok(written)
}
