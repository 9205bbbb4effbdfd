//! The Prometheus registry: request counts from `actix-web-prom`, and gauges
//! of stored comments and the outbox read when `/metrics` is scraped.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::{
    Histogram, HistogramOpts, IntCounterVec, IntGauge, IntGaugeVec, Opts, TextEncoder,
};

use crate::domain::status::Status;
use crate::sites::{Directory, Site};
use crate::submission::Accepted;

/// Sites past this many (by id) share the label `other`, so that a label's
/// values stay bounded however many sites an owner adds.
const LABELLED_SITES: usize = 100;

/// A site's `site` label: its name, or `other` past the first
/// [`LABELLED_SITES`] sites.
fn site_label(directory: &Directory, site: &Site) -> String {
    let rank = directory
        .all()
        .iter()
        .position(|s| s.id == site.id)
        .unwrap_or(usize::MAX);
    if rank < LABELLED_SITES {
        site.name.clone()
    } else {
        "other".to_owned()
    }
}

/// Request counts and latencies by route and status (from `actix-web-prom`), plus
/// gauges read from the database when `/metrics` is scraped.
#[derive(Clone)]
pub struct Metrics {
    requests: PrometheusMetrics,
    comments: IntGaugeVec,
    submissions: IntCounterVec,
    rule_verdicts: IntCounterVec,
    spam_scores: Histogram,
    outbox_waiting: IntGauge,
    outbox_dead: IntGauge,
    /// Akismet's answers, counted by the Akismet worker.
    akismet_verdicts: IntCounterVec,
    akismet_waiting: IntGauge,
    akismet_dead: IntGauge,
    /// When the comments were last counted by status.
    counted_at: Arc<Mutex<Option<Instant>>>,
}

/// How long a count of comments by status is shown before it is taken again.
/// Counting reads every comment's index entry; a scraper every few seconds,
/// or anyone requesting `/metrics` in a loop, would make that the server's
/// main work on a large table.
pub const COUNTS_FRESH_FOR: Duration = Duration::from_secs(60);

impl Metrics {
    pub fn new() -> Result<Self, String> {
        let requests = PrometheusMetricsBuilder::new("replydesk")
            .mask_unmatched_patterns("UNMATCHED")
            .build()
            .map_err(|e| e.to_string())?;
        let comments = IntGaugeVec::new(
            Opts::new(
                "replydesk_comments",
                "Stored comments by site and moderation status",
            ),
            &["site", "status"],
        )
        .map_err(|e| e.to_string())?;
        let submissions = IntCounterVec::new(
            Opts::new(
                "replydesk_submissions_total",
                "Comments accepted from readers, by site and the status the rules gave them",
            ),
            &["site", "status"],
        )
        .map_err(|e| e.to_string())?;
        let rule_verdicts = IntCounterVec::new(
            Opts::new(
                "replydesk_rule_verdicts_total",
                "What each moderation rule, and the spam filter, said of accepted submissions",
            ),
            &["rule", "verdict"],
        )
        .map_err(|e| e.to_string())?;
        let spam_scores = Histogram::with_opts(
            HistogramOpts::new(
                "replydesk_spam_score",
                "The spam filter's scores of accepted submissions",
            )
            .buckets(vec![0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0]),
        )
        .map_err(|e| e.to_string())?;
        let outbox_waiting =
            IntGauge::new("replydesk_outbox_waiting", "E-mails waiting to be sent")
                .map_err(|e| e.to_string())?;
        let outbox_dead = IntGauge::new(
            "replydesk_outbox_dead",
            "E-mails given up on after every retry",
        )
        .map_err(|e| e.to_string())?;
        let akismet_verdicts = IntCounterVec::new(
            Opts::new(
                "replydesk_akismet_verdicts_total",
                "Akismet's answers to comment checks, by verdict (spam or ham)",
            ),
            &["verdict"],
        )
        .map_err(|e| e.to_string())?;
        let akismet_waiting = IntGauge::new(
            "replydesk_akismet_waiting",
            "Akismet checks and reports waiting to be sent",
        )
        .map_err(|e| e.to_string())?;
        let akismet_dead = IntGauge::new(
            "replydesk_akismet_dead",
            "Akismet checks and reports given up on after every retry",
        )
        .map_err(|e| e.to_string())?;
        for gauge in [
            Box::new(comments.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(submissions.clone()),
            Box::new(rule_verdicts.clone()),
            Box::new(spam_scores.clone()),
            Box::new(outbox_waiting.clone()),
            Box::new(outbox_dead.clone()),
            Box::new(akismet_verdicts.clone()),
            Box::new(akismet_waiting.clone()),
            Box::new(akismet_dead.clone()),
        ] {
            requests
                .registry
                .register(gauge)
                .map_err(|e| e.to_string())?;
        }
        Ok(Self {
            requests,
            comments,
            submissions,
            rule_verdicts,
            spam_scores,
            outbox_waiting,
            outbox_dead,
            akismet_verdicts,
            akismet_waiting,
            akismet_dead,
            counted_at: Arc::new(Mutex::new(None)),
        })
    }

    /// Whether the comments must be counted again for this scrape. The first
    /// caller after the count went stale takes the job; others meanwhile show
    /// the last count.
    pub fn comments_stale(&self) -> bool {
        let Ok(mut counted_at) = self.counted_at.lock() else {
            return true;
        };
        match *counted_at {
            Some(at) if at.elapsed() < COUNTS_FRESH_FOR => false,
            _ => {
                *counted_at = Some(Instant::now());
                true
            }
        }
    }

    pub fn middleware(&self) -> PrometheusMetrics {
        self.requests.clone()
    }

    /// The counter the Akismet worker adds its verdicts to.
    pub fn akismet_verdicts(&self) -> IntCounterVec {
        self.akismet_verdicts.clone()
    }

    /// The Akismet queue's depth just read: waiting, and given up on.
    pub fn akismet_queue(&self, (waiting, dead): (i64, i64)) {
        self.akismet_waiting.set(waiting);
        self.akismet_dead.set(dead);
    }

    /// Counts a comment a reader sent that was accepted, what each rule
    /// said of it and its spam score.
    pub fn submitted(&self, directory: &Directory, accepted: &Accepted) {
        self.submissions
            .with_label_values(&[
                site_label(directory, &accepted.site).as_str(),
                accepted.status.as_str(),
            ])
            .inc();
        for said in &accepted.verdicts {
            self.rule_verdicts
                .with_label_values(&[said.rule, said.verdict])
                .inc();
        }
        self.spam_scores.observe(accepted.score);
    }

    /// The Prometheus text page, with the outbox depth just read and the
    /// comments by status when they were counted again (see `comments_stale`).
    pub fn render(
        &self,
        directory: &Directory,
        by_status: Option<&[(i64, Status, i64)]>,
        outbox: (i64, i64),
    ) -> Result<String, String> {
        if let Some(by_status) = by_status {
            // Sites removed since the last count leave no stale series.
            self.comments.reset();
            for site in directory.all() {
                let label = site_label(directory, site);
                for status in Status::ALL {
                    let count: i64 = by_status
                        .iter()
                        .filter(|(id, s, _)| *id == site.id && *s == status)
                        .map(|(_, _, n)| *n)
                        .sum();
                    let gauge = self
                        .comments
                        .with_label_values(&[label.as_str(), status.as_str()]);
                    // Several sites may share `other`: theirs add up.
                    gauge.set(gauge.get() + count);
                }
            }
        }
        self.outbox_waiting.set(outbox.0);
        self.outbox_dead.set(outbox.1);
        TextEncoder::new()
            .encode_to_string(&self.requests.registry.gather())
            .map_err(|e| e.to_string())
    }
}
