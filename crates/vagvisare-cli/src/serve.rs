//! `vagvisare serve`: the HTTP service and demo portal (crate `vagvisare-server`).
//!
//! A thin translation: `--config FILE` is read by `vagvisare_server::Config::from_file`, the
//! environment overrides its secrets (`Config::apply_environment`), and each option given on
//! the command line overrides both.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use vagvisare_server::{Config, LogFormat};

/// Options of `vagvisare serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// A configuration file (TOML): services and their forms, workflows, organisations, case
    /// numbers, time zone, limits, demo page, bundled guides (docs/service.md).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where to listen [default: 127.0.0.1:8080].
    #[arg(long)]
    addr: Option<SocketAddr>,
    /// Where the embedded SQLite database is kept [default: vagvisare-data].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Use PostgreSQL instead (postgres://user:password@host:port/database), so that several
    /// instances share one store. Also read from VAGVISARE_DATABASE_URL.
    #[arg(long)]
    database_url: Option<String>,
    /// A file holding the admin token that guide editing needs; the token can also be given in
    /// VAGVISARE_ADMIN_TOKEN. Without one, guides cannot be edited through the API.
    #[arg(long)]
    admin_token_file: Option<PathBuf>,
    /// Do not store the bundled guides in a new database.
    #[arg(long)]
    no_bundled_guides: bool,
    /// Seconds between looks for guide changes made through other instances [default: 2].
    #[arg(long)]
    guide_poll: Option<f64>,
    /// Threads answering requests (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Database connections per instance [default: 8].
    #[arg(long)]
    pool_size: Option<usize>,
    /// Do not log one line per request.
    #[arg(long)]
    quiet: bool,
    /// `text` (default) or `json`: one JSON object per log line.
    #[arg(long)]
    log_format: Option<LogFormat>,
    /// Distinct people who must give a text before the suggestions learn it (default 2).
    #[arg(long)]
    feedback_min_actors: Option<usize>,
    /// Refuse a command that changes a case unless it names the version it was based on
    /// (If-Match or expected_version), with version_required (428); default: last writer wins.
    #[arg(long)]
    require_version: bool,
    // Limits against load and abuse (vagvisare_server::limits::ServeLimits, whose defaults hold
    // unless a flag is given; README "Security").
    /// Most connections open at once.
    #[arg(long)]
    max_connections: Option<usize>,
    /// Seconds a connection has to send a request head (idle keep-alive included).
    #[arg(long)]
    header_read_timeout: Option<f64>,
    /// Seconds without reading or writing before a connection is closed.
    #[arg(long)]
    idle_timeout: Option<f64>,
    /// Requests per second one client may make on average (0: no limit).
    #[arg(long)]
    rate_limit: Option<f64>,
    /// Requests one client may make at once after a pause.
    #[arg(long)]
    rate_burst: Option<u32>,
    /// Header naming the client for the rate limit when no user is set (its last value), e.g.
    /// x-forwarded-for as the portal's proxy sets it; default the peer address.
    #[arg(long)]
    client_header: Option<String>,
    /// Long-text searches (more than 24 words) running at once.
    #[arg(long)]
    heavy_searches: Option<usize>,
    /// Attachment uploads running at once.
    #[arg(long)]
    max_uploads: Option<usize>,
    /// Most attachment bytes per case.
    #[arg(long)]
    case_attachment_quota: Option<u64>,
    /// Most attachment bytes per user.
    #[arg(long)]
    user_attachment_quota: Option<u64>,
    /// A file holding the secret of the feedback actor keys (also VAGVISARE_ACTOR_SECRET);
    /// default: actor-key.secret in the data directory, created once. Give every instance over
    /// one PostgreSQL the same.
    #[arg(long)]
    actor_secret_file: Option<PathBuf>,
}

/// Runs the service until SIGINT or SIGTERM.
pub fn run(args: ServeArgs) -> Result<(), String> {
    let mut config = match &args.config {
        Some(path) => Config::from_file(path).map_err(|e| e.to_string())?,
        None => Config::new(),
    };
    config.apply_environment(|name| std::env::var(name).ok());
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    if let Some(url) = args.database_url.filter(|u| !u.trim().is_empty()) {
        config.database_url = Some(url);
    }
    if let Some(path) = args.admin_token_file {
        let token = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .trim()
            .to_string();
        config.admin_token = Some(token).filter(|t| !t.is_empty());
    }
    if args.no_bundled_guides {
        config.seed_bundled_guides = false;
    }
    if let Some(poll) = args.guide_poll {
        if !(poll.is_finite() && poll > 0.0) {
            return Err("--guide-poll must be a positive number of seconds".into());
        }
        config.guide_poll = Duration::from_secs_f64(poll);
    }
    if let Some(threads) = args.threads {
        config.worker_threads = Some(threads);
    }
    if let Some(size) = args.pool_size {
        config.pool_size = size.max(1);
    }
    if args.quiet {
        config.log_requests = false;
    }
    if let Some(format) = args.log_format {
        config.log_format = format;
    }
    if let Some(n) = args.feedback_min_actors {
        config.feedback_min_actors = n.max(1);
    }
    if args.require_version {
        config.version_policy = vagvisare::case::VersionPolicy::Required;
    }
    // Limits against load and abuse.
    let seconds = |value: f64, flag: &str| {
        (value.is_finite() && value > 0.0)
            .then(|| Duration::from_secs_f64(value))
            .ok_or_else(|| format!("--{flag} must be a positive number of seconds"))
    };
    let limits = &mut config.serve_limits;
    if let Some(n) = args.max_connections {
        limits.max_connections = n.max(1);
    }
    if let Some(t) = args.header_read_timeout {
        limits.header_read_timeout = seconds(t, "header-read-timeout")?;
    }
    if let Some(t) = args.idle_timeout {
        limits.idle_timeout = seconds(t, "idle-timeout")?;
    }
    if let Some(rate) = args.rate_limit {
        if !(rate.is_finite() && rate >= 0.0) {
            return Err("--rate-limit must be a number of requests per second, 0 for none".into());
        }
        limits.rate_per_second = rate;
    }
    if let Some(burst) = args.rate_burst {
        limits.rate_burst = burst.max(1);
    }
    if args.client_header.is_some() {
        limits.client_header = args.client_header;
    }
    if let Some(n) = args.heavy_searches {
        limits.heavy_searches = n.max(1);
    }
    if let Some(n) = args.max_uploads {
        limits.uploads = n.max(1);
    }
    if let Some(bytes) = args.case_attachment_quota {
        limits.case_attachment_bytes = bytes;
    }
    if let Some(bytes) = args.user_attachment_quota {
        limits.user_attachment_bytes = bytes;
    }
    if let Some(path) = args.actor_secret_file {
        config.actor_secret =
            Some(std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?);
    } else if let Ok(secret) = std::env::var("VAGVISARE_ACTOR_SECRET") {
        config.actor_secret = Some(secret.into_bytes());
    }
    config.actor_secret = config.actor_secret.take().filter(|s| !s.is_empty());
    vagvisare_server::run(config).map_err(|e| e.to_string())
}
