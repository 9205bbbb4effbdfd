//! The JSON export: one object with the moderators (without password hashes)
//! and every post with all its comments, each with every stored column.
//! Ids are the exporting database's; `parent` refers to them.

use std::collections::HashMap;
use std::io::Write;

use super::{ExportError, Written, for_each_post, timestamp};
use crate::db::{AnyConnection, moderators};
use crate::file_formats::json::{CommentRecord, FORMAT, ModeratorRecord, PostRecord, VERSION};

pub fn write(
    conn: &mut AnyConnection,
    site: Option<i64>,
    out: &mut dyn Write,
) -> Result<Written, ExportError> {
    let mut written = Written::default();
    let site_names: HashMap<i64, String> = crate::db::sites::all(conn)?
        .into_iter()
        .map(|site| (site.id, site.name))
        .collect();
    let listed = moderators::all(conn)?;
    let by_id: HashMap<i64, String> = listed.iter().map(|m| (m.id, m.email.clone())).collect();
    let mut records: Vec<ModeratorRecord> = Vec::with_capacity(listed.len());
    for m in listed {
        let sites = match m.owner {
            true => None,
            false => Some(moderators::site_names_of(conn, m.id)?),
        };
        records.push(ModeratorRecord {
            email: m.email,
            created_at: timestamp(m.created_at),
            last_login_at: m.last_login_at.map(timestamp),
            sites,
        });
    }
    written.moderators = records.len() as u64;
    write!(
        out,
        "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"exported_at\":{},\"moderators\":",
        serde_json::to_string(&timestamp(crate::db::now()))?
    )?;
    serde_json::to_writer(&mut *out, &records)?;
    out.write_all(b",\"posts\":[")?;
    let mut first = true;
    for_each_post(conn, site, |_, post, comments| {
        let record = PostRecord {
            site: site_names.get(&post.site_id).cloned(),
            key: post.post_key,
            title: post.title,
            url: post.url,
            comments_open: post.comments_open,
            closes_at: post.closes_at.map(timestamp),
            created_at: Some(timestamp(post.created_at)),
            comments: comments
                .into_iter()
                .map(|c| CommentRecord {
                    id: c.id,
                    parent: c.parent_id,
                    author: c.author,
                    email: c.email,
                    url: c.url,
                    body: c.body,
                    status: c.status.to_string(),
                    previous_status: c.previous_status.map(|s| s.to_string()),
                    reasons: c.reasons,
                    ip: c.ip,
                    user_agent: c.user_agent,
                    subscribed: c.subscribed,
                    moderator: c.moderator_id.and_then(|id| by_id.get(&id).cloned()),
                    source_id: c.source_id,
                    kind: c.kind,
                    created_at: timestamp(c.created_at),
                    updated_at: Some(timestamp(c.updated_at)),
                })
                .collect(),
        };
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        written.posts += 1;
        written.comments += record.comments.len() as u64;
        serde_json::to_writer(&mut *out, &record)?;
        Ok(())
    })?;
    out.write_all(b"\n]}\n")?;
    Ok(written)
}
