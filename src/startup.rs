//! `Application::build`: the one way to assemble the server, used by `main` and
//! by every test, so tests run exactly what ships.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};

use std::sync::Arc;

use url::Url;

use crate::akismet;
use crate::burst::BurstLimiter;
use crate::configuration::{Secret, Settings};
use crate::db::{self, Database};
use crate::domain::address::AddressKeys;
use crate::domain::origin::AllowedOrigin;
use crate::error::AppError;
use crate::instance::Instance;
use crate::mail::Mailer;
use crate::mail::worker::{Stopper, Worker};
use crate::password::Hashing;
use crate::pow::PowSettings;
use crate::routes;
use crate::routes::metrics::Metrics;
use crate::routes::public::cache::PageCache;
use crate::routes::state::AppState;
use crate::sites::{self, Sites};
use crate::spam::Filter;

/// A bound, ready server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    mail_worker: Stopper,
    /// Only when Akismet is on.
    akismet_worker: Option<akismet::worker::Stopper>,
}

/// Why the server could not start, for the one line `main` prints.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] db::OpenError),
    #[error("REPLYDESK_BIND: cannot listen on {addr}: {cause}")]
    Bind { addr: String, cause: std::io::Error },
    #[error("cannot read the instance secret: {0}")]
    Secret(AppError),
    #[error("REPLYDESK_PUBLIC_URL: cannot derive it from the listening address: {0}")]
    PublicUrl(String),
    #[error("{0}")]
    Mail(String),
    #[error("cannot set up metrics: {0}")]
    Metrics(String),
    #[error("sites: {0}")]
    Sites(String),
    #[error("cannot read the spam filters: {0}")]
    Spam(String),
    #[error("{0}")]
    Akismet(String),
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        let url = settings.database.clone();
        let opening = db::Opening {
            create: true,
            wait: std::time::Duration::from_secs(u64::from(settings.database_wait_seconds)),
            sqlite_sync: settings.sqlite_sync,
        };
        let (db, _) = tokio::task::spawn_blocking(move || Database::open_with(&url, opening))
            .await
            .map_err(|e| db::OpenError::Connect(e.to_string()))??;
        let secret = match &settings.secret_key {
            Some(key) => key.expose().as_bytes().to_vec(),
            None => db
                .read(|conn| db::stored_settings::secret_key(conn).map_err(AppError::from))
                .await
                .map_err(StartError::Secret)?
                .into_bytes(),
        };
        let listener = TcpListener::bind(settings.bind).map_err(|cause| StartError::Bind {
            addr: settings.bind.to_string(),
            cause,
        })?;
        let port = listener
            .local_addr()
            .map_err(|cause| StartError::Bind {
                addr: settings.bind.to_string(),
                cause,
            })?
            .port();
        let metrics = Metrics::new().map_err(StartError::Metrics)?;
        let mailer = Mailer::new(&settings).map_err(StartError::Mail)?;
        let public_url = match &settings.public_url {
            Some(url) => url.clone(),
            None => own_url(&settings, port)?,
        };
        let mut settings = settings;
        if settings.demo
            && let Some(own) = AllowedOrigin::parse(&public_url.origin().ascii_serialization())
        {
            // The demo blog is served from this very server: its pages must be allowed to post.
            settings.allowed_origins = settings.allowed_origins.clone().with(own);
        }
        let sites = Arc::new(
            Sites::new(
                settings.rules.clone(),
                settings.allowed_origins.clone(),
                AddressKeys::new(&secret),
            )
            .with_akismet(settings.akismet.is_some()),
        );
        let directory = {
            let sites = Arc::clone(&sites);
            db.read(move |conn| sites.current(conn))
                .await
                .map_err(|e| StartError::Sites(e.to_string()))?
        };
        sites::check_no_shared_origins(&directory).map_err(StartError::Sites)?;
        let spam = Arc::new(Filter::new(&secret, settings.spam));
        Arc::clone(&spam)
            .refresh_from(&db)
            .await
            .map_err(|e| StartError::Spam(e.to_string()))?;
        let state = web::Data::new(AppState {
            core: Instance {
                db,
                sites,
                secret: Secret::new(secret),
                spam,
                pow: PowSettings {
                    mode: settings.pow,
                    cost: settings.pow_cost,
                },
            },
            public_url,
            pages: PageCache::default(),
            burst: Arc::new(BurstLimiter::new(settings.burst_limit)),
            passwords: Hashing::default(),
            settings,
            metrics,
        });
        let mail_worker = Worker {
            db: state.core.db.for_mail_worker(),
            mailer,
            public_url: state.public_url.clone(),
            secret: state.core.secret.expose().clone(),
            max_attempts: state.settings.mail_max_attempts,
            retry_seconds: state.settings.mail_retry_seconds,
            wake: state.core.db.written(),
            sites: Arc::clone(&state.core.sites),
            digest_window: chrono::TimeDelta::minutes(i64::from(state.settings.digest_minutes)),
        }
        .spawn();
        let akismet_worker = match &state.settings.akismet {
            Some(akismet) => Some(
                akismet::worker::Worker {
                    // Its writes queue no mail: they need not wake the mail worker.
                    db: state.core.db.for_mail_worker(),
                    client: akismet::client::Client::new(akismet).map_err(StartError::Akismet)?,
                    sites: Arc::clone(&state.core.sites),
                    public_url: state.public_url.clone(),
                    retry_seconds: akismet.retry_seconds,
                    verdicts: state.metrics.akismet_verdicts(),
                }
                .spawn(),
            ),
            None => None,
        };
        spawn_forgetting(Arc::clone(&state.burst));
        crate::retention::spawn(
            state.core.db.clone(),
            crate::retention::Keeping {
                ip_retention_days: state.settings.ip_retention_days,
                empty_spam_days: state.settings.empty_spam_days,
            },
            Arc::clone(&state.core.sites),
        );
        spawn_following(
            state.core.db.clone(),
            Arc::clone(&state.core.sites),
            Arc::clone(&state.core.spam),
        );
        let server = run(listener, state.clone()).map_err(|cause| StartError::Bind {
            addr: format!("port {port}"),
            cause,
        })?;
        Ok(Self {
            port,
            server,
            state,
            mail_worker,
            akismet_worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn database(&self) -> &Database {
        &self.state.core.db
    }

    pub fn public_url(&self) -> &Url {
        &self.state.public_url
    }

    /// Whether the demo blog is served.
    pub fn demo(&self) -> bool {
        self.state.settings.demo
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish and
    /// the mail worker send the messages in hand.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(akismet) = self.akismet_worker {
            akismet.stop().await;
        }
        self.mail_worker.stop().await;
        served
    }
}

/// Lets the burst limiter forget addresses whose burst has refilled, every ten
/// seconds. A flood from many addresses adds one entry each; swept once a
/// minute, the map grew to some 400,000 entries in the benchmark and the
/// submissions after the first minute ran 10-18 % slower, though the limiter
/// itself took under 1 % of the CPU: a map that size crowds the caches the
/// writer thread needs. Swept every ten seconds, no difference was measurable.
fn spawn_forgetting(burst: Arc<BurstLimiter>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(std::time::Duration::from_secs(10));
        loop {
            ticks.tick().await;
            burst.forget_idle();
        }
    });
}

/// Re-reads, every two seconds, the sites when another instance changed
/// them, so that CORS and the routing of reads, which never ask the database,
/// follow within that time (submissions and admin pages read the version
/// themselves); and what the spam filters learned, only the clues changed
/// since, so decisions taken on another instance or from the command line
/// reach this one's scores within that time. One read for both.
fn spawn_following(db: Database, sites: Arc<Sites>, spam: Arc<Filter>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            ticks.tick().await;
            let (sites, spam) = (Arc::clone(&sites), Arc::clone(&spam));
            let followed = db
                .read(move |conn| {
                    sites.current(conn)?;
                    Ok(spam.refresh(conn)?)
                })
                .await;
            if let Err(e) = followed {
                tracing::debug!(error = %e, "could not re-read the sites and spam filters");
            }
        }
    });
}

/// Where this server can be reached when no public URL is configured.
fn own_url(settings: &Settings, port: u16) -> Result<Url, StartError> {
    let ip = settings.bind.ip();
    let host = match ip {
        ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        std::net::IpAddr::V4(v4) => v4.to_string(),
    };
    Url::parse(&format!("http://{host}:{port}/")).map_err(|e| StartError::PublicUrl(e.to_string()))
}

fn run(listener: TcpListener, state: web::Data<AppState>) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        let state = state.clone();
        App::new()
            .wrap(routes::cors(&state.core.sites))
            .wrap(state.metrics.middleware())
            .wrap(routes::fill_empty_errors())
            .wrap(actix_web::middleware::from_fn(
                routes::request_log::answer_and_log,
            ))
            .wrap(routes::request_log::spans())
            .wrap(actix_web::middleware::from_fn(
                routes::guards::known_methods_only,
            ))
            .wrap(actix_web::middleware::from_fn(
                routes::guards::security_headers,
            ))
            .configure(|cfg| routes::configure(cfg, state.settings.demo))
            .app_data(state)
    })
    .listen(listener)?
    .shutdown_timeout(30)
    .run();
    Ok(server)
}
