use super::*;
use crate::domain::draft::Submission;

fn draft(body: &str) -> CommentDraft {
    let input = Submission {
        post: Some("p".into()),
        author: Some("Ada".into()),
        email: Some("ada@example.com".into()),
        comment: Some(body.into()),
        ..Submission::default()
    };
    CommentDraft::parse(&input, true).expect("valid")
}

fn facts() -> Facts {
    let now = chrono::Utc::now().naive_utc();
    Facts {
        now,
        post_created_at: now,
        post_comments_open: true,
        post_closes_at: None,
        duplicate: false,
        last_from_same_sender: None,
        author_has_approved: false,
        ip: "192.0.2.10".parse().ok(),
        user_agent: "Mozilla/5.0".into(),
        form_rendered_at: None,
        proof: Proof::Missing,
        pow: PowMode::Score,
    }
}

#[test]
fn a_form_sent_back_too_soon_is_spam_only_when_its_render_time_is_known() {
    let settings = RuleSettings::default();
    let now = facts();
    let quick = Facts {
        form_rendered_at: Some(now.now - TimeDelta::milliseconds(1500)),
        ..now.clone()
    };
    let verdict = judge(&draft("hi"), &quick, &settings).expect("silent");
    assert_eq!(verdict.status, Status::Spam);
    assert!(
        verdict.reasons[0].contains("1.5 seconds"),
        "{:?}",
        verdict.reasons
    );
    let unhurried = Facts {
        form_rendered_at: Some(now.now - TimeDelta::seconds(4)),
        ..now.clone()
    };
    assert_eq!(
        judge(&draft("hi"), &unhurried, &settings)
            .expect("ok")
            .status,
        Status::Pending
    );
    assert_eq!(
        judge(&draft("hi"), &now, &settings).expect("ok").status,
        Status::Pending
    );
    let off = RuleSettings {
        min_submit_seconds: 0,
        ..RuleSettings::default()
    };
    assert_eq!(
        judge(&draft("hi"), &quick, &off).expect("ok").status,
        Status::Pending
    );
}

#[test]
fn by_default_every_comment_is_held_with_a_reason() {
    let verdict = judge(&draft("hi"), &facts(), &RuleSettings::default()).expect("stored");
    assert_eq!(verdict.status, Status::Pending);
    assert_eq!(verdict.reasons, ["every comment is held for moderation"]);
}

#[test]
fn with_hold_all_off_a_plain_comment_is_approved() {
    let settings = RuleSettings {
        hold_all: false,
        ..RuleSettings::default()
    };
    assert_eq!(
        judge(&draft("hi"), &facts(), &settings).expect("ok").status,
        Status::Approved
    );
}

#[test]
fn two_links_hold_even_a_returning_commenter() {
    let settings = RuleSettings {
        trust_returning: true,
        ..RuleSettings::default()
    };
    let facts = Facts {
        author_has_approved: true,
        ..facts()
    };
    let verdict = judge(
        &draft("http://a.example http://b.example"),
        &facts,
        &settings,
    )
    .expect("ok");
    assert_eq!(verdict.status, Status::Pending);
    assert!(verdict.reasons[0].contains("2 links"));
    let verdict = judge(&draft("just words"), &facts, &settings).expect("ok");
    assert_eq!(verdict.status, Status::Approved);
}

#[test]
fn a_filled_honeypot_is_spam_before_any_refusal() {
    let mut d = draft("hi");
    d.honeypot_filled = true;
    let f = Facts {
        duplicate: true,
        post_comments_open: false,
        ..facts()
    };
    assert_eq!(
        judge(&d, &f, &RuleSettings::default())
            .expect("silent")
            .status,
        Status::Spam
    );
}

#[test]
fn spam_inside_the_flood_window_is_refused_like_any_comment() {
    let now = facts();
    let recent = Facts {
        last_from_same_sender: Some(now.now - TimeDelta::seconds(5)),
        ..now
    };
    let mut d = draft("hi");
    d.honeypot_filled = true;
    assert_eq!(
        judge(&d, &recent, &RuleSettings::default()),
        Err(Refusal::TooFast {
            retry_after_seconds: 10
        })
    );
    let mut settings = RuleSettings::default();
    settings.set("disallowed_keys", "casino").expect("set");
    assert!(matches!(
        judge(&draft("casino"), &recent, &settings),
        Err(Refusal::TooFast { .. })
    ));
}

#[test]
fn closed_posts_refuse_before_duplicates_and_floods() {
    let f = Facts {
        post_comments_open: false,
        duplicate: true,
        ..facts()
    };
    assert_eq!(
        judge(&draft("hi"), &f, &RuleSettings::default()),
        Err(Refusal::Closed)
    );
    let old = facts();
    let f = Facts {
        post_created_at: old.now - TimeDelta::days(40),
        ..old
    };
    let settings = RuleSettings {
        close_after_days: 30,
        ..RuleSettings::default()
    };
    assert_eq!(judge(&draft("hi"), &f, &settings), Err(Refusal::Closed));
}

#[test]
fn a_second_comment_within_the_window_must_wait() {
    let now = facts();
    let f = Facts {
        last_from_same_sender: Some(now.now - TimeDelta::seconds(5)),
        ..now
    };
    assert_eq!(
        judge(&draft("hi"), &f, &RuleSettings::default()),
        Err(Refusal::TooFast {
            retry_after_seconds: 10
        })
    );
    let off = RuleSettings {
        flood_seconds: 0,
        ..RuleSettings::default()
    };
    assert!(judge(&draft("hi"), &f, &off).is_ok());
}

#[test]
fn a_disallowed_key_is_spam_or_trash_before_any_hold() {
    let mut settings = RuleSettings::default();
    settings
        .set("disallowed_keys", "casino\n198.51.100.0/24")
        .expect("set");
    let verdict = judge(&draft("Best casino"), &facts(), &settings).expect("stored");
    assert_eq!(verdict.status, Status::Spam);
    assert!(verdict.reasons[0].contains("casino"));
    settings.set("disallowed_action", "trash").expect("set");
    let from_range = Facts {
        ip: "198.51.100.3".parse().ok(),
        ..facts()
    };
    assert_eq!(
        judge(&draft("hello"), &from_range, &settings)
            .expect("ok")
            .status,
        Status::Trash
    );
}

#[test]
fn a_moderation_key_holds_even_with_hold_all_off() {
    let mut settings = RuleSettings {
        hold_all: false,
        ..RuleSettings::default()
    };
    settings.set("moderation_keys", "mozilla").expect("set");
    let verdict = judge(&draft("hello"), &facts(), &settings).expect("ok");
    assert_eq!(verdict.status, Status::Pending);
    assert!(verdict.reasons[0].contains("mozilla"));
}

#[test]
fn settings_read_back_what_was_set_and_refuse_nonsense() {
    let mut settings = RuleSettings::default();
    for name in RuleSettings::NAMES {
        let value = settings.get(name).expect("known");
        settings.set(name, &value).expect("round trip");
    }
    assert!(settings.set("max_depth", "0").is_err());
    assert!(settings.set("flood_seconds", "-1").is_err());
    assert!(settings.set("disallowed_action", "delete").is_err());
    assert!(settings.set("colour", "blue").is_err());
}

#[test]
fn under_require_a_comment_without_a_solution_is_held_and_says_why() {
    let settings = RuleSettings {
        hold_all: false,
        ..RuleSettings::default()
    };
    let required = Facts {
        pow: PowMode::Require,
        ..facts()
    };
    let verdict = judge(&draft("hi"), &required, &settings).expect("held");
    assert_eq!(verdict.status, Status::Pending);
    assert!(
        verdict.reasons[0].contains("without a valid proof of work"),
        "{:?}",
        verdict.reasons
    );
    let spent = Facts {
        proof: Proof::Invalid(Flaw::AlreadyUsed),
        ..required.clone()
    };
    let verdict = judge(&draft("hi"), &spent, &settings).expect("held");
    assert!(
        verdict.reasons[0].contains("already used"),
        "{:?}",
        verdict.reasons
    );
    let solved = Facts {
        proof: Proof::Solved,
        ..required
    };
    assert_eq!(
        judge(&draft("hi"), &solved, &settings).expect("ok").status,
        Status::Approved
    );
    // Under score the verdict is a clue, not a hold.
    assert_eq!(
        judge(&draft("hi"), &facts(), &settings).expect("ok").status,
        Status::Approved
    );
}
