//! What the rules make of a commenter's edit: the new text is judged again,
//! but only by the rules about what a text says (links, moderation keys,
//! disallowed keys). The others judged the submission (its speed, its
//! sender's flood, the post being open) and were passed once.
//!
//! An edit never publishes anything. A published comment whose edit adds a
//! link or a moderation key goes back to the moderators, which closes the
//! trick of writing something harmless, waiting for it to be published, and
//! editing a link in.

use std::net::IpAddr;

use crate::domain::draft::CommentDraft;
use crate::domain::rules::{Placement, RuleSettings, Verdict};
use crate::domain::status::Status;
use crate::domain::word_lists::{Haystack, KeyList};
use crate::domain::words::count_of;

/// The reason line an edit that changed nothing else leaves.
pub const EDITED: &str = "edited by the commenter";

/// A comment as it stands, and the text it is to have.
#[derive(Debug, Clone, Copy)]
pub struct Edit<'a> {
    pub status: Status,
    /// The stored reasons, one per line.
    pub reasons: &'a str,
    pub old_body: &'a str,
    /// The stored comment's author, address and website with the new text.
    pub new: &'a CommentDraft,
    pub ip: Option<IpAddr>,
    pub user_agent: &'a str,
}

fn body_only(body: &str) -> Haystack<'_> {
    Haystack {
        author: "",
        email: "",
        url: "",
        body,
        ip: None,
        user_agent: "",
    }
}

/// The links in `body`, counted as a submission's are.
fn links_in(body: &str, like: &CommentDraft) -> usize {
    CommentDraft {
        body: body.to_owned(),
        ..like.clone()
    }
    .link_count()
}

/// Where the edited comment lands, with its reasons (the old ones and one
/// for the edit). Only published or held comments are edited.
pub fn judge(edit: &Edit<'_>, settings: &RuleSettings) -> Placement {
    let mut reasons: Vec<String> = edit
        .reasons
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let mut verdicts = Vec::new();
    let said = |rule, verdict| Verdict { rule, verdict };
    let whole = Haystack {
        author: &edit.new.author,
        email: &edit.new.email,
        url: &edit.new.url,
        body: &edit.new.body,
        ip: edit.ip,
        user_agent: edit.user_agent,
    };
    if let Some(key) = settings.disallowed_keys.first_match(&whole) {
        let status = settings.disallowed_status();
        reasons.push(format!("edited: it contains the disallowed key \"{key}\""));
        verdicts.push(said("disallowed_keys", status.as_str()));
        return Placement {
            status,
            reasons,
            verdicts,
        };
    }
    let mut held = Vec::new();
    if edit.status == Status::Approved {
        let (before, after) = (links_in(edit.old_body, edit.new), edit.new.link_count());
        if after > before {
            held.push((
                "links",
                format!(
                    "edited: it adds {} ({} in all)",
                    count_of(after - before, "link", "links"),
                    count_of(after, "link", "links")
                ),
            ));
        }
        let added_key = settings
            .moderation_keys
            .first_match(&body_only(&edit.new.body))
            .filter(|key| {
                KeyList::parse(key)
                    .first_match(&body_only(edit.old_body))
                    .is_none()
            });
        if let Some(key) = added_key {
            held.push((
                "moderation_keys",
                format!("edited: it contains the moderation key \"{key}\""),
            ));
        }
    }
    let status = if held.is_empty() {
        if reasons.last().map(String::as_str) != Some(EDITED) {
            reasons.push(EDITED.to_owned());
        }
        edit.status
    } else {
        Status::Pending
    };
    for (rule, reason) in held {
        reasons.push(reason);
        verdicts.push(said(rule, "hold"));
    }
    if status == Status::Pending {
        // Never published by the filter's ham threshold: an edit is not a
        // submission the filter may wave through.
        verdicts.push(said("edited", "hold"));
    }
    Placement {
        status,
        reasons,
        verdicts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(body: &str) -> CommentDraft {
        CommentDraft::parse(
            &crate::domain::draft::Submission {
                post: Some("p".into()),
                author: Some("Ada".into()),
                email: Some("ada@example.com".into()),
                comment: Some(body.into()),
                ..Default::default()
            },
            true,
        )
        .expect("a valid draft")
    }

    fn edit<'a>(status: Status, old: &'a str, new: &'a CommentDraft) -> Edit<'a> {
        Edit {
            status,
            reasons: "the author has an earlier approved comment",
            old_body: old,
            new,
            ip: None,
            user_agent: "",
        }
    }

    #[test]
    fn a_published_comment_that_gains_a_link_goes_back_to_the_moderators() {
        let new = draft("Typo fixed, and see https://pills.example");
        let placed = judge(
            &edit(Status::Approved, "Typo fxed", &new),
            &RuleSettings::default(),
        );
        assert_eq!(placed.status, Status::Pending);
        assert!(
            placed
                .reasons
                .iter()
                .any(|r| r == "edited: it adds 1 link (1 link in all)"),
            "{:?}",
            placed.reasons
        );
    }

    #[test]
    fn a_published_comment_whose_edit_keeps_its_links_stays_published() {
        let new = draft("See https://a.example, typo fixed");
        let placed = judge(
            &edit(Status::Approved, "See https://a.example, typo fxed", &new),
            &RuleSettings::default(),
        );
        assert_eq!(placed.status, Status::Approved);
        assert_eq!(placed.reasons.last().map(String::as_str), Some(EDITED));
    }

    #[test]
    fn a_new_moderation_key_holds_and_a_disallowed_one_is_spam() {
        let mut settings = RuleSettings::default();
        settings.set("moderation_keys", "casino").expect("set");
        settings.set("disallowed_keys", "viagra").expect("set");
        let new = draft("Great casino tips");
        let placed = judge(&edit(Status::Approved, "Great tips", &new), &settings);
        assert_eq!(placed.status, Status::Pending);
        assert!(
            placed
                .reasons
                .iter()
                .any(|r| r.contains("moderation key \"casino\""))
        );
        let new = draft("Buy viagra");
        for status in [Status::Approved, Status::Pending] {
            let placed = judge(&edit(status, "Great tips", &new), &settings);
            assert_eq!(placed.status, Status::Spam);
        }
    }

    #[test]
    fn a_held_comment_stays_held_and_is_never_published_by_an_edit() {
        let new = draft("Now with https://a.example and https://b.example");
        let placed = judge(
            &edit(Status::Pending, "plain", &new),
            &RuleSettings::default(),
        );
        assert_eq!(placed.status, Status::Pending);
        assert!(!placed.held_only_by(&["links"]));
    }
}
