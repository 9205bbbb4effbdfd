//! What a fresh clone may lack: a PostgreSQL server to test on
//! (`REPLYDESK_TEST_POSTGRES_URL`), Chromium with chromedriver, and the shared
//! folder of real third-party export files. `cargo test` runs without them:
//! a test that needs one says in one line that it is skipped and why, and
//! returns. CI must not be able to skip silently, so `.ci/run` sets
//! `REPLYDESK_REQUIRE_EXTRAS=1`, and then a missing extra fails the test.

/// Whether the environment asks for every extra (`REPLYDESK_REQUIRE_EXTRAS=1`).
pub fn required() -> bool {
    std::env::var("REPLYDESK_REQUIRE_EXTRAS").is_ok_and(|value| value == "1")
}

/// Says that a test is skipped because `what` is missing, with `how` to get
/// it; fails the test instead when extras are required.
pub fn missing(what: &str, how: &str) {
    assert!(
        !required(),
        "{what} is missing, and REPLYDESK_REQUIRE_EXTRAS=1 requires it: {how}"
    );
    eprintln!("skipped: {what} is missing ({how})");
}
