//! The moderation rules: an ordered list, each leaving a reason for the moderator.

use std::net::IpAddr;

use chrono::{NaiveDateTime, TimeDelta};

use crate::domain::draft::CommentDraft;
use crate::domain::proof::{Flaw, PowMode, Proof};
use crate::domain::status::Status;
use crate::domain::word_lists::{Haystack, KeyList};
use crate::domain::words::count_of;

/// The rule settings: they start from configuration, and moderators may change
/// them at run time (the `settings` table overrides them by name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSettings {
    pub hold_all: bool,
    pub trust_returning: bool,
    pub require_name_email: bool,
    pub flood_seconds: u32,
    pub max_links: u32,
    pub max_depth: u32,
    pub close_after_days: u32,
    /// A match holds the comment for moderation.
    pub moderation_keys: KeyList,
    /// A match sends the comment to spam, or to trash when `disallowed_to_trash`.
    pub disallowed_keys: KeyList,
    pub disallowed_to_trash: bool,
    /// Pending comments older than this are deleted; 0 keeps them for ever.
    pub purge_pending_days: u32,
    /// E-mail commenters when their comment is published.
    pub notify_approved: bool,
    /// A form carrying a render-time token and sent back sooner than this was
    /// filled in by a program → spam; 0 turns the time-trap off.
    pub min_submit_seconds: u32,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            hold_all: true,
            trust_returning: false,
            require_name_email: true,
            flood_seconds: 15,
            max_links: 2,
            max_depth: 5,
            close_after_days: 0,
            moderation_keys: KeyList::default(),
            disallowed_keys: KeyList::default(),
            disallowed_to_trash: false,
            purge_pending_days: 0,
            notify_approved: false,
            min_submit_seconds: 3,
        }
    }
}

impl RuleSettings {
    /// Where a comment with a disallowed key goes, for a submission and for
    /// a commenter's edit alike.
    pub fn disallowed_status(&self) -> Status {
        if self.disallowed_to_trash {
            Status::Trash
        } else {
            Status::Spam
        }
    }

    /// Every rule setting's name, as used in the settings table, the TOML file
    /// and (upper-cased, prefixed) the environment.
    pub const NAMES: [&'static str; 13] = [
        "hold_all",
        "trust_returning",
        "require_name_email",
        "flood_seconds",
        "max_links",
        "max_depth",
        "close_after_days",
        "moderation_keys",
        "disallowed_keys",
        "disallowed_action",
        "purge_pending_days",
        "notify_approved",
        "min_submit_seconds",
    ];

    /// Changes one setting from its text; the error says what was expected.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let text = value.trim();
        let number = |what: &str| -> Result<u32, String> {
            text.parse()
                .map_err(|_| format!("expected a whole number of {what}, got {text:?}"))
        };
        let flag = || -> Result<bool, String> {
            match text.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(format!("expected true or false, got {text:?}")),
            }
        };
        match name {
            "hold_all" => self.hold_all = flag()?,
            "trust_returning" => self.trust_returning = flag()?,
            "require_name_email" => self.require_name_email = flag()?,
            "flood_seconds" => self.flood_seconds = number("seconds")?,
            "max_links" => self.max_links = number("links")?,
            "max_depth" => {
                let depth = number("reply levels")?;
                if depth == 0 {
                    return Err("must be at least 1 (top-level comments only)".into());
                }
                self.max_depth = depth;
            }
            "close_after_days" => self.close_after_days = number("days")?,
            "moderation_keys" => self.moderation_keys = KeyList::parse(value),
            "disallowed_keys" => self.disallowed_keys = KeyList::parse(value),
            "disallowed_action" => {
                self.disallowed_to_trash = match text {
                    "spam" => false,
                    "trash" => true,
                    _ => return Err(format!("expected spam or trash, got {text:?}")),
                }
            }
            "purge_pending_days" => self.purge_pending_days = number("days")?,
            "notify_approved" => self.notify_approved = flag()?,
            "min_submit_seconds" => self.min_submit_seconds = number("seconds")?,
            _ => {
                return Err(format!(
                    "{name:?} is not a rule setting; the rule settings are {}",
                    Self::NAMES.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// One setting's current value as text, as `set` reads it.
    pub fn get(&self, name: &str) -> Option<String> {
        Some(match name {
            "hold_all" => self.hold_all.to_string(),
            "trust_returning" => self.trust_returning.to_string(),
            "require_name_email" => self.require_name_email.to_string(),
            "flood_seconds" => self.flood_seconds.to_string(),
            "max_links" => self.max_links.to_string(),
            "max_depth" => self.max_depth.to_string(),
            "close_after_days" => self.close_after_days.to_string(),
            "moderation_keys" => self.moderation_keys.as_text().to_owned(),
            "disallowed_keys" => self.disallowed_keys.as_text().to_owned(),
            "disallowed_action" => if self.disallowed_to_trash {
                "trash"
            } else {
                "spam"
            }
            .to_owned(),
            "purge_pending_days" => self.purge_pending_days.to_string(),
            "notify_approved" => self.notify_approved.to_string(),
            "min_submit_seconds" => self.min_submit_seconds.to_string(),
            _ => return None,
        })
    }
}

/// What the database knows that the rules need, read in the submission's transaction.
#[derive(Clone, Debug)]
pub struct Facts {
    pub now: NaiveDateTime,
    pub post_created_at: NaiveDateTime,
    pub post_comments_open: bool,
    pub post_closes_at: Option<NaiveDateTime>,
    pub duplicate: bool,
    /// The newest comment from the same IP or email, for the flood rule.
    pub last_from_same_sender: Option<NaiveDateTime>,
    pub author_has_approved: bool,
    pub ip: Option<IpAddr>,
    pub user_agent: String,
    /// When the form was shown, from a render-time token that checked out;
    /// `None` without one, and then the time-trap is not judged.
    pub form_rendered_at: Option<NaiveDateTime>,
    /// What the submission's ALTCHA proof of work came to (already spent
    /// when `Solved`): a clue for any rule or filter that weighs it.
    pub proof: Proof,
    /// The instance's `REPLYDESK_POW`: under `require` a submission that
    /// reached the rules without a solution (a plain form) is held.
    pub pow: PowMode,
}

/// A submission the rules refuse outright, with nothing stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Closed,
    Duplicate,
    TooFast { retry_after_seconds: u64 },
}

impl Refusal {
    /// The rule that refused, as the metrics name it.
    pub fn rule(&self) -> &'static str {
        match self {
            Refusal::Closed => "closed",
            Refusal::Duplicate => "duplicate",
            Refusal::TooFast { .. } => "flood",
        }
    }
}

/// Where a stored comment lands and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub status: Status,
    pub reasons: Vec<String>,
    /// Each rule that had its say, and what it said, for the metrics.
    pub verdicts: Vec<Verdict>,
}

/// One rule's say on one submission: `verdict` is hold, approve, spam or trash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub rule: &'static str,
    pub verdict: &'static str,
}

impl Placement {
    /// Only these rules held the comment (and none sent it elsewhere).
    pub fn held_only_by(&self, rules: &[&str]) -> bool {
        self.status == Status::Pending
            && self
                .verdicts
                .iter()
                .filter(|v| v.verdict == "hold")
                .all(|v| rules.contains(&v.rule))
    }
}

enum Step {
    Pass,
    Hold(String),
    Approve(String),
    /// Stored as spam or trash, answered as if held.
    Discard(Status, String),
    Refuse(Refusal),
}

struct Subject<'a> {
    draft: &'a CommentDraft,
    facts: &'a Facts,
    settings: &'a RuleSettings,
}

type Rule = fn(&Subject<'_>) -> Step;

/// The order the README gives: the cheap, silent spam checks first, refusals
/// next, holds last; each with the name the metrics count it under.
const RULES: &[(&str, Rule)] = &[
    ("honeypot", honeypot),
    ("time_trap", too_fast_for_a_person),
    ("closed", closed_post),
    ("disallowed_keys", disallowed_keys),
    ("duplicate", duplicate),
    ("flood", flood),
    ("links", too_many_links),
    ("moderation_keys", moderation_keys),
    ("proof_of_work", without_proof_of_work),
    ("hold_all", hold_all),
];

/// Runs the rules in order; the first refusal or spam verdict ends the run.
///
/// A spam verdict still answers to the flood rule: every submission counts
/// towards its sender's limits, so a robot filling the honeypot or tripping a
/// disallowed key is slowed down like anyone else rather than let through to
/// fill the spam folder at full speed.
pub fn judge(
    draft: &CommentDraft,
    facts: &Facts,
    settings: &RuleSettings,
) -> Result<Placement, Refusal> {
    let subject = Subject {
        draft,
        facts,
        settings,
    };
    let mut reasons = Vec::new();
    let mut verdicts = Vec::new();
    let mut held = false;
    for (name, rule) in RULES {
        let said = |verdict| Verdict {
            rule: name,
            verdict,
        };
        match rule(&subject) {
            Step::Pass => {}
            Step::Hold(reason) => {
                held = true;
                reasons.push(reason);
                verdicts.push(said("hold"));
            }
            Step::Approve(reason) => {
                reasons.push(reason);
                verdicts.push(said("approve"));
            }
            Step::Discard(status, reason) => {
                if let Step::Refuse(refusal) = flood(&subject) {
                    return Err(refusal);
                }
                reasons.push(reason);
                verdicts.push(said(status.as_str()));
                return Ok(Placement {
                    status,
                    reasons,
                    verdicts,
                });
            }
            Step::Refuse(refusal) => return Err(refusal),
        }
    }
    let status = if held {
        Status::Pending
    } else {
        Status::Approved
    };
    Ok(Placement {
        status,
        reasons,
        verdicts,
    })
}

fn honeypot(s: &Subject<'_>) -> Step {
    if s.draft.honeypot_filled {
        Step::Discard(
            Status::Spam,
            "the hidden honeypot field was filled in, as only robots do".into(),
        )
    } else {
        Step::Pass
    }
}

fn too_fast_for_a_person(s: &Subject<'_>) -> Step {
    let minimum = s.settings.min_submit_seconds;
    let Some(shown) = s.facts.form_rendered_at else {
        return Step::Pass;
    };
    let took = s.facts.now - shown;
    if minimum > 0 && took < TimeDelta::seconds(i64::from(minimum)) {
        Step::Discard(
            Status::Spam,
            format!(
                "it was sent {:.1} seconds after the form was shown, faster than a person \
                 could write it (the minimum is {minimum})",
                took.num_milliseconds().max(0) as f64 / 1000.0
            ),
        )
    } else {
        Step::Pass
    }
}

fn closed_post(s: &Subject<'_>) -> Step {
    let f = s.facts;
    let closed_by_date = f.post_closes_at.is_some_and(|at| at <= f.now);
    let closed_by_age = s.settings.close_after_days > 0
        && f.post_created_at + TimeDelta::days(i64::from(s.settings.close_after_days)) <= f.now;
    if !f.post_comments_open || closed_by_date || closed_by_age {
        Step::Refuse(Refusal::Closed)
    } else {
        Step::Pass
    }
}

fn haystack<'a>(s: &'a Subject<'_>) -> Haystack<'a> {
    Haystack {
        author: &s.draft.author,
        email: &s.draft.email,
        url: &s.draft.url,
        body: &s.draft.body,
        ip: s.facts.ip,
        user_agent: &s.facts.user_agent,
    }
}

fn disallowed_keys(s: &Subject<'_>) -> Step {
    match s.settings.disallowed_keys.first_match(&haystack(s)) {
        Some(key) => Step::Discard(
            s.settings.disallowed_status(),
            format!("it contains the disallowed key \"{key}\""),
        ),
        None => Step::Pass,
    }
}

fn moderation_keys(s: &Subject<'_>) -> Step {
    match s.settings.moderation_keys.first_match(&haystack(s)) {
        Some(key) => Step::Hold(format!("it contains the moderation key \"{key}\"")),
        None => Step::Pass,
    }
}

fn duplicate(s: &Subject<'_>) -> Step {
    if s.facts.duplicate {
        Step::Refuse(Refusal::Duplicate)
    } else {
        Step::Pass
    }
}

fn flood(s: &Subject<'_>) -> Step {
    let window = TimeDelta::seconds(i64::from(s.settings.flood_seconds));
    match s.facts.last_from_same_sender {
        Some(last) if s.settings.flood_seconds > 0 && last + window > s.facts.now => {
            let wait = (last + window - s.facts.now).num_milliseconds();
            let retry_after_seconds = u64::try_from(wait).unwrap_or(0).div_ceil(1000).max(1);
            Step::Refuse(Refusal::TooFast {
                retry_after_seconds,
            })
        }
        _ => Step::Pass,
    }
}

fn too_many_links(s: &Subject<'_>) -> Step {
    let links = s.draft.link_count();
    let limit = s.settings.max_links as usize;
    if limit > 0 && links >= limit {
        Step::Hold(format!(
            "it contains {} (the limit is {limit})",
            count_of(links, "link", "links")
        ))
    } else {
        Step::Pass
    }
}

/// Under `require`, a script's submission without a solution never gets
/// here (it is refused with a 422); a plain HTML form cannot solve one, so it
/// is kept for a moderator rather than lost, and says why.
fn without_proof_of_work(s: &Subject<'_>) -> Step {
    if s.facts.pow != PowMode::Require {
        return Step::Pass;
    }
    match &s.facts.proof {
        Proof::Solved => Step::Pass,
        Proof::Missing => {
            Step::Hold("it came without a valid proof of work (none was sent)".into())
        }
        Proof::Invalid(flaw) => Step::Hold(format!(
            "it came without a valid proof of work ({})",
            match flaw {
                Flaw::Unreadable => "it could not be read",
                Flaw::Expired => "it had expired",
                Flaw::AlreadyUsed => "it was already used",
                Flaw::DoesNotCheckOut => "it did not check out",
            }
        )),
    }
}

fn hold_all(s: &Subject<'_>) -> Step {
    if !s.settings.hold_all {
        return Step::Pass;
    }
    if s.settings.trust_returning && s.facts.author_has_approved {
        return Step::Approve("the author has an earlier approved comment".into());
    }
    Step::Hold("every comment is held for moderation".into())
}

#[cfg(test)]
mod tests;
