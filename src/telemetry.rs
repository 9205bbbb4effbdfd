//! Logs and metrics: structured request lines and the Prometheus registry.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::{IntGauge, IntGaugeVec, Opts, TextEncoder};

use crate::domain::status::Status;

/// Logs to stderr, filtered by `RUST_LOG`, else by `default` (`info` for the
/// server; `warn` for a command, whose output is its answer). A log line that
/// cannot be written is dropped: reporting it would write to stderr again,
/// and a failed write there panics, so a log reader that went away would stop
/// the server.
pub fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .log_internal_errors(false)
        .init();
}

/// One line per request. Only the route pattern is logged, never the query or
/// the client's address: those can carry personal data.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let response = next.call(req).await?;
    let status = response.status();
    // Successes are counted in the metrics and logged only at debug level: a
    // line per request cost a fifth of the throughput of the busiest routes.
    let level = if status.is_server_error() {
        tracing::Level::ERROR
    } else if status.is_client_error() {
        tracing::Level::INFO
    } else {
        tracing::Level::DEBUG
    };
    let enabled = match level {
        tracing::Level::ERROR => tracing::enabled!(tracing::Level::ERROR),
        tracing::Level::INFO => tracing::enabled!(tracing::Level::INFO),
        _ => tracing::enabled!(tracing::Level::DEBUG),
    };
    if enabled {
        let request = response.request();
        let method = request.method().clone();
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "(unmatched)".to_owned());
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        let status = status.as_u16();
        match level {
            tracing::Level::ERROR => {
                tracing::error!(http.method = %method, http.route = %route, http.status = status, elapsed_ms, "request")
            }
            tracing::Level::INFO => {
                tracing::info!(http.method = %method, http.route = %route, http.status = status, elapsed_ms, "request")
            }
            _ => {
                tracing::debug!(http.method = %method, http.route = %route, http.status = status, elapsed_ms, "request")
            }
        }
    }
    Ok(response)
}

/// Request counts and latencies by route and status (from `actix-web-prom`), plus
/// gauges read from the database when `/metrics` is scraped.
#[derive(Clone)]
pub struct Metrics {
    requests: PrometheusMetrics,
    comments: IntGaugeVec,
    outbox_waiting: IntGauge,
    outbox_dead: IntGauge,
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
            Opts::new("replydesk_comments", "Stored comments by moderation status"),
            &["status"],
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
        for gauge in [
            Box::new(comments.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(outbox_waiting.clone()),
            Box::new(outbox_dead.clone()),
        ] {
            requests
                .registry
                .register(gauge)
                .map_err(|e| e.to_string())?;
        }
        Ok(Self {
            requests,
            comments,
            outbox_waiting,
            outbox_dead,
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

    /// The Prometheus text page, with the outbox depth just read and the
    /// comments by status when they were counted again (see `comments_stale`).
    pub fn render(
        &self,
        by_status: Option<&[(String, i64)]>,
        outbox: (i64, i64),
    ) -> Result<String, String> {
        if let Some(by_status) = by_status {
            for status in Status::ALL {
                let count = by_status
                    .iter()
                    .find(|(s, _)| s == status.as_str())
                    .map_or(0, |(_, n)| *n);
                self.comments
                    .with_label_values(&[status.as_str()])
                    .set(count);
            }
        }
        self.outbox_waiting.set(outbox.0);
        self.outbox_dead.set(outbox.1);
        TextEncoder::new()
            .encode_to_string(&self.requests.registry.gather())
            .map_err(|e| e.to_string())
    }
}
