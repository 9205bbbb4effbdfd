use super::*;

fn rules() -> bool {
    true
}

fn valid() -> Submission {
    Submission {
        post: Some("hello-world".into()),
        author: Some("Ada".into()),
        email: Some("Ada@Example.com".into()),
        comment: Some("  Nice post!  ".into()),
        ..Submission::default()
    }
}

#[test]
fn names_that_reverse_or_hide_text_are_refused_and_titles_cleaned() {
    let mut input = valid();
    input.author = Some("Eve \u{202e}gnp.exe".into());
    let errors = CommentDraft::parse(&input, rules()).expect_err("refused");
    assert!(errors["author"].contains("U+202E"), "{errors:?}");
    input.author = Some("Zero\u{200b}Width".into());
    assert!(CommentDraft::parse(&input, rules()).is_err());
    input.author = Some("\u{0645}\u{06cc}\u{200c}\u{0631}\u{0648}\u{062f} 👩\u{200d}💻".into());
    assert!(
        CommentDraft::parse(&input, rules()).is_ok(),
        "joiners are writing"
    );
    input.post_title = Some("Hello\u{2067} world\u{2069}".into());
    let draft = CommentDraft::parse(&input, rules()).expect("valid");
    assert_eq!(draft.post_title, "Hello world");
}

#[test]
fn a_complete_reply_parses_trimmed_with_a_lowercase_email() {
    let draft = CommentDraft::parse(&valid(), rules()).expect("valid");
    assert_eq!(draft.body, "Nice post!");
    assert_eq!(draft.email, "ada@example.com");
    assert_eq!(draft.parent_id, None);
}

#[test]
fn every_missing_required_field_is_named_at_once() {
    let errors = CommentDraft::parse(&Submission::default(), rules()).expect_err("invalid");
    for field in ["post", "author", "email", "comment"] {
        assert!(
            errors.contains_key(field),
            "{field} missing from {errors:?}"
        );
    }
}

#[test]
fn name_and_email_may_be_optional() {
    let input = Submission {
        author: None,
        email: None,
        ..valid()
    };
    let draft = CommentDraft::parse(&input, false).expect("valid");
    assert_eq!(draft.author, "Anonymous");
    assert_eq!(draft.email, "");
    assert_eq!(draft.identity_problems(true).len(), 2);
    assert!(draft.identity_problems(false).is_empty());
}

#[test]
fn parsing_for_storage_names_missing_identity_only_beside_other_problems() {
    let nameless = Submission {
        author: None,
        ..valid()
    };
    assert!(CommentDraft::parse_for_storage(&nameless, true).is_ok());
    let also_bad_url = Submission {
        url: Some("nope".into()),
        ..nameless
    };
    let errors = CommentDraft::parse_for_storage(&also_bad_url, true).expect_err("bad url");
    assert!(
        errors.contains_key("url") && errors.contains_key("author"),
        "{errors:?}"
    );
}

#[test]
fn limits_follow_wordpress() {
    let input = Submission {
        author: Some("a".repeat(246)),
        email: Some(format!("{}@example.com", "a".repeat(95))),
        url: Some(format!("https://example.com/{}", "a".repeat(190))),
        comment: Some("x".repeat(MAX_COMMENT_BYTES + 1)),
        ..valid()
    };
    let errors = CommentDraft::parse(&input, rules()).expect_err("invalid");
    for field in ["author", "email", "url", "comment"] {
        assert!(
            errors.contains_key(field),
            "{field} missing from {errors:?}"
        );
    }
    let at_limit = Submission {
        author: Some("é".repeat(245)),
        comment: Some("x".repeat(MAX_COMMENT_BYTES)),
        ..valid()
    };
    assert!(CommentDraft::parse(&at_limit, rules()).is_ok());
}

#[test]
fn only_web_addresses_are_accepted_as_url() {
    for bad in [
        "javascript:alert(1)",
        "ftp://example.com",
        "example.com",
        "http://",
    ] {
        let input = Submission {
            url: Some(bad.into()),
            ..valid()
        };
        let errors = CommentDraft::parse(&input, rules()).expect_err(bad);
        assert!(errors.contains_key("url"), "{bad}");
    }
}

#[test]
fn control_characters_are_refused_but_newlines_kept() {
    let input = Submission {
        comment: Some("bell\u{7}".into()),
        ..valid()
    };
    assert!(
        CommentDraft::parse(&input, rules())
            .expect_err("bell")
            .contains_key("comment")
    );
    let input = Submission {
        author: Some("Ada\u{0}".into()),
        ..valid()
    };
    assert!(
        CommentDraft::parse(&input, rules())
            .expect_err("nul")
            .contains_key("author")
    );
    let input = Submission {
        comment: Some("one\r\n\r\ntwo".into()),
        ..valid()
    };
    assert_eq!(
        CommentDraft::parse(&input, rules()).expect("ok").body,
        "one\n\ntwo"
    );
}

#[test]
fn a_parent_must_be_a_positive_number_and_zero_means_none() {
    let input = Submission {
        parent: Some("0".into()),
        ..valid()
    };
    assert_eq!(
        CommentDraft::parse(&input, rules()).expect("ok").parent_id,
        None
    );
    let input = Submission {
        parent: Some("12".into()),
        ..valid()
    };
    assert_eq!(
        CommentDraft::parse(&input, rules()).expect("ok").parent_id,
        Some(12)
    );
    let input = Submission {
        parent: Some("-3".into()),
        ..valid()
    };
    assert!(
        CommentDraft::parse(&input, rules())
            .expect_err("neg")
            .contains_key("parent")
    );
}

#[test]
fn links_are_counted_in_text_and_anchors() {
    let input = Submission {
        comment: Some("see https://a.example and http://b.example".into()),
        ..valid()
    };
    assert_eq!(
        CommentDraft::parse(&input, rules())
            .expect("ok")
            .link_count(),
        2
    );
}
