//! What a fresh clone may lack: a PostgreSQL server to test on
//! (`REPLYDESK_TEST_POSTGRES_URL`), Chromium with chromedriver, and the shared
//! folder of real third-party export files. `cargo test` runs without them:
//! a test that needs one says in one line that it is skipped and why, and
//! returns. CI must not be able to skip silently, so `.ci/run` sets
//! `REPLYDESK_REQUIRE_EXTRAS=1`, and then a missing extra fails the test.

use std::path::{Path, PathBuf};

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

/// The folder of real export files written by WordPress, Disqus, Isso and
/// Remark42 (see its SOURCES.md): `REPLYDESK_FIXTURES`, or else the
/// `shared/fixtures` folder beside the checkout. `None`, having said so with
/// [`missing`], when neither is there.
pub fn shared_fixtures() -> Option<SharedFixtures> {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    let root = match std::env::var_os("REPLYDESK_FIXTURES") {
        // Named on purpose: a wrong folder is a mistake to hear of, not a skip.
        Some(named) => {
            let named = PathBuf::from(named);
            assert!(
                named.join("SHA256SUMS").is_file(),
                "REPLYDESK_FIXTURES={} is not the fixtures folder (it has no SHA256SUMS)",
                named.display()
            );
            named
        }
        None if beside.join("SHA256SUMS").is_file() => beside,
        None => {
            missing(
                "the shared folder of real export files",
                &format!(
                    "set REPLYDESK_FIXTURES to it, or put it at {}",
                    beside.display()
                ),
            );
            return None;
        }
    };
    Some(SharedFixtures { root })
}

/// The shared folder of real export files, once found.
pub struct SharedFixtures {
    root: PathBuf,
}

impl SharedFixtures {
    /// A file of the folder, which must be there: the folder is complete or
    /// it is not the folder.
    pub fn path(&self, relative: &str) -> String {
        let path = self.root.join(relative);
        assert!(
            path.is_file(),
            "{} is missing from the fixtures folder",
            path.display()
        );
        path.to_string_lossy().into_owned()
    }
}
