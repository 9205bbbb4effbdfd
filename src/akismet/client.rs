//! Akismet's REST API (<https://akismet.com/developers/>): a form POST to
//! `/1.1/comment-check`, `/1.1/submit-spam` or `/1.1/submit-ham`, answered
//! in a word. The only place that speaks HTTP to Akismet.

use std::time::Duration;

use url::Url;

use crate::configuration::{AkismetSettings, Secret};
use crate::domain::akismet::{Job, Verdict};

/// The longest a call may take. Akismet answers in well under a second; a
/// stalled one would otherwise hold a worker, never a submission.
const TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What Akismet answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `comment-check`'s verdict.
    Checked(Verdict),
    /// `submit-spam` or `submit-ham` taken.
    Taken,
}

/// Why a call did not give an answer. Each is worth retrying later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// Akismet answered `invalid`: it refused the key (or a parameter), with
    /// its own help in `X-akismet-debug-help`.
    #[error("Akismet refused the request as invalid: {0}")]
    Refused(String),
    /// Not reachable, too slow, or an answer that is not Akismet's.
    #[error("{0}")]
    Unavailable(String),
}

/// A client for one key and one endpoint; cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    key: Secret<String>,
    base: Url,
}

impl Client {
    pub fn new(settings: &AkismetSettings) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            // Akismet's API is not redirected; following one could send the
            // key and a commenter's data somewhere nobody configured.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Replydesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up the Akismet client: {e}"))?;
        Ok(Self {
            http,
            key: settings.key.clone(),
            base: settings.url.clone(),
        })
    }

    /// Runs `job` with the comment's `fields` (Akismet's names).
    pub async fn call(&self, job: Job, fields: &[(&str, String)]) -> Result<Answer, Failure> {
        let url = self
            .base
            .join(&format!("1.1/{}", job.method()))
            .map_err(|e| Failure::Unavailable(format!("REPLYDESK_AKISMET_URL: {e}")))?;
        let mut form: Vec<(&str, &str)> = vec![("api_key", self.key.expose().as_str())];
        form.extend(fields.iter().map(|(name, value)| (*name, value.as_str())));
        let response = self
            .http
            .post(url)
            .form(&form)
            .send()
            .await
            .map_err(|e| Failure::Unavailable(unreachable(e)))?;
        let status = response.status();
        let help = response
            .headers()
            .get("x-akismet-debug-help")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let discard = response
            .headers()
            .get("x-akismet-pro-tip")
            .is_some_and(|value| value.as_bytes() == b"discard");
        let body = response
            .text()
            .await
            .map_err(|e| Failure::Unavailable(unreachable(e)))?;
        read_answer(job, status.as_u16(), body.trim(), help, discard)
    }
}

/// Akismet's answer in a word, from its status, body and headers.
fn read_answer(
    job: Job,
    status: u16,
    body: &str,
    help: Option<String>,
    discard: bool,
) -> Result<Answer, Failure> {
    if body == "invalid" {
        return Err(Failure::Refused(
            help.unwrap_or_else(|| "no reason given".to_owned()),
        ));
    }
    if !(200..300).contains(&status) {
        return Err(Failure::Unavailable(format!(
            "Akismet answered HTTP {status}"
        )));
    }
    let answer = match (job, body) {
        (Job::Check, "true") => Some(Answer::Checked(Verdict::Spam)),
        // "Discard" is blatant spam, and spam all the same.
        (Job::Check, _) if discard => Some(Answer::Checked(Verdict::Spam)),
        (Job::Check, "false") => Some(Answer::Checked(Verdict::Ham)),
        (Job::SubmitSpam | Job::SubmitHam, text) if text.starts_with("Thanks") => {
            Some(Answer::Taken)
        }
        _ => None,
    };
    answer.ok_or_else(|| {
        let said: String = body.chars().take(80).collect();
        let help = help.map(|help| format!(" ({help})")).unwrap_or_default();
        Failure::Unavailable(format!(
            "Akismet gave an answer it does not document for {}: {said:?}{help}",
            job.method()
        ))
    })
}

/// Why Akismet could not be reached, without the URL, which may carry the
/// key in a test's stand-in address (reqwest's text names it).
fn unreachable(error: reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "Akismet did not answer in time"
    } else if error.is_connect() {
        "cannot connect to Akismet"
    } else {
        "Akismet's answer broke off"
    };
    format!("{what} ({})", error.without_url())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn akismet_s_words_are_read_as_documented() {
        let read = |job, status, body: &str, discard| read_answer(job, status, body, None, discard);
        assert_eq!(
            read(Job::Check, 200, "true", false),
            Ok(Answer::Checked(Verdict::Spam))
        );
        assert_eq!(
            read(Job::Check, 200, "false", false),
            Ok(Answer::Checked(Verdict::Ham))
        );
        assert_eq!(
            read(Job::Check, 200, "", true),
            Ok(Answer::Checked(Verdict::Spam))
        );
        assert_eq!(
            read(
                Job::SubmitHam,
                200,
                "Thanks for making the web a better place.",
                false
            ),
            Ok(Answer::Taken)
        );
        assert!(matches!(
            read(Job::Check, 200, "invalid", false),
            Err(Failure::Refused(_))
        ));
        assert!(matches!(
            read(Job::Check, 500, "true", false),
            Err(Failure::Unavailable(_))
        ));
        assert!(matches!(
            read(Job::Check, 200, "<html>maintenance</html>", false),
            Err(Failure::Unavailable(_))
        ));
    }
}
