use super::*;

#[test]
fn defaults_give_a_working_sqlite_setup() {
    let settings = Settings::from_pairs(&[]).expect("defaults parse");
    assert_eq!(
        settings.database,
        DatabaseUrl::Sqlite(PathBuf::from("replydesk.db"))
    );
    assert_eq!(settings.bind.to_string(), "127.0.0.1:8080");
    assert!(settings.rules.hold_all);
    assert_eq!(settings.rules.flood_seconds, 15);
    assert_eq!(settings.rules.max_links, 2);
    let origins = &settings.allowed_origins;
    assert!(origins.allows_header("http://localhost:1313"));
    assert!(origins.allows_header("http://127.0.0.1:8080"));
    assert!(!origins.allows_header("https://example.com"));
    assert!(settings.smtp_url.is_none());
    assert_eq!(settings.mail_folder, PathBuf::from("mail-outbox"));
    assert_eq!(settings.sqlite_sync, SqliteSync::Full);
}

#[test]
fn sqlite_sync_is_full_or_normal_and_says_so() {
    let normal = Settings::from_pairs(&[("SQLITE_SYNC", "Normal")]).expect("normal parses");
    assert_eq!(normal.sqlite_sync, SqliteSync::Normal);
    let err = Settings::from_pairs(&[("SQLITE_SYNC", "off")]).expect_err("refused");
    assert_eq!(err.setting, "REPLYDESK_SQLITE_SYNC");
    assert!(err.to_string().contains("full or normal"), "{err}");
}

#[test]
fn a_malformed_number_names_its_setting() {
    let err = Settings::from_pairs(&[("FLOOD_SECONDS", "soon")]).expect_err("refused");
    assert_eq!(err.setting, "REPLYDESK_FLOOD_SECONDS");
    assert!(err.to_string().contains("whole number"), "{err}");
}

#[test]
fn an_unknown_database_scheme_is_refused_without_echoing_credentials() {
    let err = Settings::from_pairs(&[("DATABASE_URL", "mysql://root:hunter2@db/x")])
        .expect_err("refused");
    assert_eq!(err.setting, "REPLYDESK_DATABASE_URL");
    assert!(!err.to_string().contains("hunter2"));
}

#[test]
fn origins_and_proxies_are_lists() {
    let settings = Settings::from_pairs(&[
        (
            "ALLOWED_ORIGINS",
            "https://blog.example.com, http://localhost:1313",
        ),
        ("TRUSTED_PROXIES", "10.0.0.0/8,127.0.0.1"),
    ])
    .expect("parse");
    let origins = &settings.allowed_origins;
    assert!(origins.allows_header("https://blog.example.com"));
    assert!(origins.allows_header("http://localhost:1313"));
    assert_eq!(settings.trusted_proxies.len(), 2);
    let err =
        Settings::from_pairs(&[("ALLOWED_ORIGINS", "blog.example.com")]).expect_err("no scheme");
    assert_eq!(err.setting, "REPLYDESK_ALLOWED_ORIGINS");
}

#[test]
fn a_toml_file_supplies_settings_and_rejects_unknown_keys() {
    let dir = std::env::temp_dir().join(format!("replydesk-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let good = dir.join("good.toml");
    std::fs::write(&good, "hold_all = false\nmax_links = 3\nmail_folder = \"/var/spool/replydesk\"\nallowed_origins = [\"https://a.example\", \"https://b.example\"]\n")
        .expect("write");
    let values = read_toml(&good).expect("parse");
    assert_eq!(values.get("HOLD_ALL").map(String::as_str), Some("false"));
    assert_eq!(
        values.get("MAIL_FOLDER").map(String::as_str),
        Some("/var/spool/replydesk")
    );
    assert_eq!(
        values.get("ALLOWED_ORIGINS").map(String::as_str),
        Some("https://a.example,https://b.example")
    );
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "hold_al = false\n").expect("write");
    let err = read_toml(&bad).expect_err("unknown key");
    assert_eq!(err.setting, "hold_al");
}

#[test]
fn akismet_is_off_without_a_key_and_its_settings_name_themselves() {
    let off = Settings::from_pairs(&[]).expect("defaults");
    assert!(off.akismet.is_none(), "no key, no Akismet");

    let on = Settings::from_pairs(&[("AKISMET_KEY", " 123456789abc ")]).expect("a key");
    let akismet = on.akismet.expect("on with a key");
    assert_eq!(akismet.key.expose(), "123456789abc");
    assert_eq!(akismet.url.as_str(), "https://rest.akismet.com/");
    assert_eq!(akismet.retry_seconds, 60);
    assert!(
        !format!("{akismet:?}").contains("123456789abc"),
        "the key stays out of logs"
    );

    let err = Settings::from_pairs(&[("AKISMET_KEY", "not a key!")]).expect_err("refused");
    assert_eq!(err.setting, "REPLYDESK_AKISMET_KEY");
    let err = Settings::from_pairs(&[("AKISMET_URL", "ftp://akismet")]).expect_err("refused");
    assert_eq!(err.setting, "REPLYDESK_AKISMET_URL");
    let err = Settings::from_pairs(&[("AKISMET_RETRY_SECONDS", "0")]).expect_err("refused");
    assert_eq!(err.setting, "REPLYDESK_AKISMET_RETRY_SECONDS");
}

#[test]
fn proof_of_work_scores_by_default_and_refuses_other_words() {
    let defaults = Settings::from_pairs(&[]).expect("defaults parse");
    assert_eq!(defaults.pow, PowMode::Score);
    assert_eq!(defaults.pow_cost, 50_000);
    let err = Settings::from_pairs(&[("POW", "strict")]).expect_err("refused");
    assert_eq!(err.setting, "REPLYDESK_POW");
    assert!(err.to_string().contains("off, score or require"), "{err}");
    for cost in ["10", "99999999", "lots"] {
        let err = Settings::from_pairs(&[("POW_COST", cost)]).expect_err("refused");
        assert_eq!(err.setting, "REPLYDESK_POW_COST", "{cost}");
    }
}

#[test]
fn the_spam_thresholds_must_sit_on_their_side_of_unsure() {
    let defaults = Settings::from_pairs(&[]).expect("defaults parse");
    assert_eq!(defaults.spam.spam, 0.99);
    assert_eq!(defaults.spam.ham, None);
    let set = Settings::from_pairs(&[("SPAM_THRESHOLD", "0.95"), ("HAM_THRESHOLD", "0.01")])
        .expect("both set");
    assert_eq!((set.spam.spam, set.spam.ham), (0.95, Some(0.01)));
    for (name, value) in [
        ("SPAM_THRESHOLD", "0.3"),
        ("SPAM_THRESHOLD", "1.5"),
        ("SPAM_THRESHOLD", "high"),
        ("HAM_THRESHOLD", "0.7"),
        ("HAM_THRESHOLD", "-1"),
    ] {
        let err = Settings::from_pairs(&[(name, value)]).expect_err("refused");
        assert_eq!(err.setting, format!("REPLYDESK_{name}"), "{value}");
    }
}

#[test]
fn the_text_format_is_wordpress_by_default_and_refuses_other_words() {
    let defaults = Settings::from_pairs(&[]).expect("defaults parse");
    assert_eq!(defaults.text_format, TextFormat::WordPress);
    let set = Settings::from_pairs(&[("TEXT_FORMAT", " Markdown ")]).expect("markdown");
    assert_eq!(set.text_format, TextFormat::Markdown);
    let err = Settings::from_pairs(&[("TEXT_FORMAT", "html")]).expect_err("refused");
    assert_eq!(err.setting, "REPLYDESK_TEXT_FORMAT");
    assert!(
        err.to_string().contains("wordpress or markdown") && err.to_string().contains("\"html\""),
        "{err}"
    );
}

#[test]
fn the_edit_window_is_a_quarter_hour_by_default_and_refuses_nonsense() {
    let defaults = Settings::from_pairs(&[]).expect("defaults parse");
    assert_eq!(defaults.edit_minutes, 15);
    let off = Settings::from_pairs(&[("EDIT_MINUTES", "0")]).expect("0 turns editing off");
    assert_eq!(off.edit_minutes, 0);
    for value in ["-1", "soon", "1441", "15.5", ""] {
        let err = Settings::from_pairs(&[("EDIT_MINUTES", value)]).expect_err("refused");
        assert_eq!(err.setting, "REPLYDESK_EDIT_MINUTES", "{value}");
        assert!(
            err.to_string().contains("minutes") || err.to_string().contains("a day"),
            "{err}"
        );
    }
}
