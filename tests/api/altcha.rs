//! Proof of work (ALTCHA): challenges from `GET /api/altcha`, solved with the
//! ALTCHA library's own solver, spent once, refused when stale or changed,
//! and what each `REPLYDESK_POW` mode makes of a submission without one.

use altcha_lib_rs::algorithm::AltchaAlgorithm;
use altcha_lib_rs::{Challenge, ChallengeOptions, Payload};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::{Backend, TestApp, reply, spawn_app};
use crate::on_both_backends;

/// The instance secret the tests sign their own challenges with.
const SECRET: &str = "a test instance secret, long enough to be taken";

/// Required proof of work, cheap enough for a debug build to solve quickly.
const REQUIRE: &[(&str, &str)] = &[
    ("POW", "require"),
    ("POW_COST", "2000"),
    ("SECRET_KEY", SECRET),
    ("HOLD_ALL", "false"),
];

async fn challenge(app: &TestApp) -> Challenge {
    let response = app.get("/api/altcha").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.expect("a challenge")
}

/// The payload ALTCHA's widget would send for `challenge`, solved by the library.
fn solve(challenge: &Challenge) -> Payload {
    let number = altcha_lib_rs::solve_challenge(
        &challenge.challenge,
        &challenge.salt,
        Some(challenge.algorithm),
        Some(challenge.maxnumber),
        0,
    )
    .expect("solvable");
    Payload {
        algorithm: challenge.algorithm,
        challenge: challenge.challenge.clone(),
        number,
        salt: challenge.salt.clone(),
        signature: challenge.signature.clone(),
        took: Some(321),
    }
}

fn field(payload: &Payload) -> String {
    STANDARD.encode(serde_json::to_vec(payload).expect("json"))
}

async fn solved_field(app: &TestApp) -> String {
    field(&solve(&challenge(app).await))
}

fn with_altcha(text: &str, altcha: &str) -> Value {
    let mut body = reply("pow", text);
    body["altcha"] = json!(altcha);
    body
}

/// The `altcha` field's message in a 422, which must be one.
async fn altcha_refusal(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    body["fields"]["altcha"]
        .as_str()
        .unwrap_or_else(|| panic!("names altcha: {body}"))
        .to_owned()
}

fn comments(app: &TestApp) -> i64 {
    app.query_number("SELECT COUNT(*) AS n FROM comments")
}

on_both_backends! {
    async fn a_challenge_solved_by_altchas_own_solver_is_accepted_once(backend: Backend) {
        let app = spawn_app(backend, REQUIRE).await;
        let issued = challenge(&app).await;
        assert_eq!(issued.maxnumber, 2000);
        assert!(issued.salt.contains("expires="), "{}", issued.salt);
        let altcha = field(&solve(&issued));
        let response = app.post_json(&with_altcha("Solved honestly.", &altcha)).await;
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        assert_eq!(created["status"], "approved");

        let again = app.post_json(&with_altcha("The same proof again.", &altcha)).await;
        let words = altcha_refusal(again).await;
        assert!(words.contains("already used"), "{words}");
        assert_eq!(comments(&app), 1);
    }

    async fn fifty_submissions_of_one_solution_at_once_store_exactly_one(backend: Backend) {
        let app = spawn_app(backend, REQUIRE).await;
        let body = with_altcha("Fifty at once.", &solved_field(&app).await);
        let sends = (0..50).map(|_| app.post_json(&body));
        let answers = futures_util::future::join_all(sends).await;
        let mut created = 0;
        for response in answers {
            match response.status().as_u16() {
                201 => created += 1,
                _ => assert!(altcha_refusal(response).await.contains("already used")),
            }
        }
        assert_eq!(created, 1);
        assert_eq!(comments(&app), 1);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM spent_challenges"), 1);
    }

    async fn an_expired_challenge_is_refused_in_words(backend: Backend) {
        let app = spawn_app(backend, REQUIRE).await;
        let key = replydesk::pow::hmac_key(SECRET.as_bytes());
        let stale = altcha_lib_rs::create_challenge(ChallengeOptions {
            algorithm: Some(AltchaAlgorithm::Sha256),
            max_number: Some(2000),
            hmac_key: &key,
            expires: Some(chrono::Utc::now() - chrono::TimeDelta::minutes(1)),
            ..Default::default()
        })
        .unwrap();
        let response = app.post_json(&with_altcha("Too late.", &field(&solve(&stale)))).await;
        let words = altcha_refusal(response).await;
        assert!(words.contains("expired"), "{words}");
        // The same, signed by another secret, is not ours at all.
        let foreign = altcha_lib_rs::create_challenge(ChallengeOptions {
            max_number: Some(2000),
            hmac_key: "someone else's key",
            expires: Some(chrono::Utc::now() + chrono::TimeDelta::minutes(5)),
            ..Default::default()
        })
        .unwrap();
        let response = app.post_json(&with_altcha("Forged.", &field(&solve(&foreign)))).await;
        assert!(altcha_refusal(response).await.contains("does not check out"));
        assert_eq!(comments(&app), 0);
    }

    async fn a_changed_number_salt_or_signature_does_not_check_out(backend: Backend) {
        let app = spawn_app(backend, REQUIRE).await;
        let good = solve(&challenge(&app).await);
        let mut number = good.clone();
        number.number = (number.number + 1) % 2001;
        let mut salt = good.clone();
        salt.salt = salt.salt.replacen("expires=", "expires=1", 1);
        let mut signature = good.clone();
        signature.signature = signature.signature.chars().rev().collect();
        for (what, bad) in [("number", number), ("salt", salt), ("signature", signature)] {
            let response = app.post_json(&with_altcha(what, &field(&bad))).await;
            let words = altcha_refusal(response).await;
            assert!(words.contains("does not check out"), "{what}: {words}");
        }
        let response = app.post_json(&with_altcha("Not JSON.", "bm90IGpzb24=")).await;
        assert!(altcha_refusal(response).await.contains("could not be read"));
        // None of those spent the real solution.
        let response = app.post_json(&with_altcha("The real one.", &field(&good))).await;
        assert_eq!(response.status(), 201);
    }

    async fn under_require_a_script_without_a_solution_gets_a_worded_422(backend: Backend) {
        let app = spawn_app(backend, REQUIRE).await;
        let response = app.post_json(&reply("pow", "No proof.")).await;
        let words = altcha_refusal(response).await;
        assert!(words.contains("/api/altcha"), "{words}");
        assert_eq!(comments(&app), 0);
    }

    async fn under_require_a_plain_form_is_held_with_the_reason(backend: Backend) {
        let app = spawn_app(backend, REQUIRE).await;
        let response = app
            .post_form("/comments", &[
                ("post", "pow"),
                ("post_url", "http://localhost:4000/pow/"),
                ("author", "Reader"),
                ("email", "reader@example.com"),
                ("comment", "Written without JavaScript."),
            ])
            .await;
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"].to_str().unwrap();
        assert!(location.contains("replydesk=awaiting-moderation"), "{location}");
        assert_eq!(
            app.query_number(
                "SELECT COUNT(*) AS n FROM comments WHERE status = 'pending' \
                 AND reasons LIKE '%without a valid proof of work%'"
            ),
            1
        );
        // With a solution, the same form is not held for it.
        let altcha = solved_field(&app).await;
        let response = app
            .post_form("/comments", &[
                ("post", "pow"),
                ("author", "Reader"),
                ("email", "reader@example.com"),
                ("comment", "Written with a script's help."),
                ("altcha", &altcha),
            ])
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(
            app.query_number("SELECT COUNT(*) AS n FROM comments WHERE status = 'approved'"),
            1
        );
    }

    async fn off_ignores_the_field_and_issues_no_challenge(backend: Backend) {
        let app = spawn_app(backend, &[("POW", "off")]).await;
        let response = app.get("/api/altcha").await;
        assert_eq!(response.status(), 404);
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("REPLYDESK_POW=off"), "{body}");
        let response = app.post_json(&with_altcha("Ignored.", "bm90IGpzb24=")).await;
        assert_eq!(response.status(), 201);
        let long = "\0".repeat(8 * 1024);
        let response = app.post_json(&with_altcha("Ignored, however odd.", &long)).await;
        assert_eq!(response.status(), 201);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM spent_challenges"), 0);
    }

    async fn under_score_a_bad_proof_is_only_a_clue(backend: Backend) {
        let app = spawn_app(backend, &[("POW_COST", "2000")]).await;
        let response = app.post_json(&reply("pow", "No proof at all.")).await;
        assert_eq!(response.status(), 201);
        let response = app.post_json(&with_altcha("A bad one.", "bm90IGpzb24=")).await;
        assert_eq!(response.status(), 201);
        let altcha = solved_field(&app).await;
        let response = app.post_json(&with_altcha("A good one.", &altcha)).await;
        assert_eq!(response.status(), 201);
        assert_eq!(app.query_number("SELECT COUNT(*) AS n FROM spent_challenges"), 1);
    }

    async fn nul_bytes_and_eight_kilobytes_are_refused_naming_altcha(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let long = "A".repeat(8 * 1024);
        for bad in ["eyJh\0IjoxfQ==", long.as_str(), "not base64!"] {
            let response = app.post_json(&with_altcha("Odd proof.", bad)).await;
            let words = altcha_refusal(response).await;
            assert!(words.contains("proof of work"), "{words}");
            let response = app
                .post_form("/comments", &[
                    ("post", "pow"),
                    ("author", "Reader"),
                    ("email", "reader@example.com"),
                    ("comment", "Odd proof."),
                    ("altcha", bad),
                ])
                .await;
            assert_eq!(response.status(), 422);
            let page = response.text().await.unwrap();
            assert!(page.contains("Proof of work (altcha)"), "{page}");
        }
        assert_eq!(comments(&app), 0);
    }

    async fn challenges_answer_cors_for_the_blog(backend: Backend) {
        let app = spawn_app(backend, &[]).await;
        let response = app
            .client
            .get(app.url("/api/altcha"))
            .header("Origin", crate::helpers::BLOG)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            crate::helpers::BLOG
        );
        let response = app.client.post(app.url("/api/altcha")).send().await.unwrap();
        assert_eq!(response.status(), 405);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_solves_its_challenge_in_a_worker_and_posts_under_require() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(
        Backend::Sqlite,
        &[
            ("DEMO", "true"),
            ("MIN_SUBMIT_SECONDS", "0"),
            ("POW", "require"),
            ("HOLD_ALL", "false"),
        ],
    )
    .await;
    browser.goto(&app.url("/demo/")).await;
    browser.find(".rd-form").await;
    browser
        .fill("#rd-comment", "Solved by the widget's worker.")
        .await;
    browser.fill("#rd-author", "Grace Hopper").await;
    browser.fill("#rd-email", "grace@example.com").await;
    browser.click(".rd-button").await;
    browser
        .wait_for_text(".rd-notice", "Your comment is published.")
        .await;
    assert_eq!(
        app.query_number("SELECT COUNT(*) AS n FROM spent_challenges"),
        1
    );
    browser.close().await;
}
