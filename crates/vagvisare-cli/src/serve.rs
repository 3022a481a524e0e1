//! `vagvisare serve`: the HTTP service and demo portal (crate `vagvisare-server`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Options of `vagvisare serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Where the embedded SQLite database is kept.
    #[arg(long, default_value = "vagvisare-data")]
    data_dir: PathBuf,
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
    /// Seconds between looks for guide changes made through other instances.
    #[arg(long, default_value_t = 2.0)]
    guide_poll: f64,
    /// Threads answering requests (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Database connections per instance.
    #[arg(long, default_value_t = 8)]
    pool_size: usize,
    /// Do not log one line per request.
    #[arg(long)]
    quiet: bool,
    // Limits against load and abuse (vagvisare_server::limits::ServeLimits; README "Security").
    /// Most connections open at once.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Seconds a connection has to send a request head (idle keep-alive included).
    #[arg(long, default_value_t = 10.0)]
    header_read_timeout: f64,
    /// Seconds without reading or writing before a connection is closed.
    #[arg(long, default_value_t = 60.0)]
    idle_timeout: f64,
    /// Requests per second one client may make on average (0: no limit).
    #[arg(long, default_value_t = 20.0)]
    rate_limit: f64,
    /// Requests one client may make at once after a pause.
    #[arg(long, default_value_t = 40)]
    rate_burst: u32,
    /// Header naming the client for the rate limit when no user is set (its last value), e.g.
    /// x-forwarded-for as the portal's proxy sets it; default the peer address.
    #[arg(long)]
    client_header: Option<String>,
    /// Long-text searches (more than 24 words) running at once.
    #[arg(long, default_value_t = 1)]
    heavy_searches: usize,
    /// Attachment uploads running at once.
    #[arg(long, default_value_t = 4)]
    max_uploads: usize,
    /// Most attachment bytes per case.
    #[arg(long, default_value_t = 200_000_000)]
    case_attachment_quota: u64,
    /// Most attachment bytes per user.
    #[arg(long, default_value_t = 500_000_000)]
    user_attachment_quota: u64,
    /// A file holding the secret of the feedback actor keys (also VAGVISARE_ACTOR_SECRET);
    /// default: actor-key.secret in the data directory, created once. Give every instance over
    /// one PostgreSQL the same.
    #[arg(long)]
    actor_secret_file: Option<PathBuf>,
}

/// Runs the service until SIGINT or SIGTERM.
pub fn run(args: ServeArgs) -> Result<(), String> {
    let mut config = vagvisare_server::Config::new();
    config.addr = args.addr;
    config.data_dir = args.data_dir;
    config.database_url = args
        .database_url
        .or_else(|| std::env::var("VAGVISARE_DATABASE_URL").ok())
        .filter(|u| !u.trim().is_empty());
    config.admin_token = match args.admin_token_file {
        Some(path) => Some(
            std::fs::read_to_string(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .trim()
                .to_string(),
        ),
        None => std::env::var("VAGVISARE_ADMIN_TOKEN").ok(),
    }
    .filter(|t| !t.is_empty());
    config.seed_bundled_guides = !args.no_bundled_guides;
    if !(args.guide_poll.is_finite() && args.guide_poll > 0.0) {
        return Err("--guide-poll must be a positive number of seconds".into());
    }
    config.guide_poll = Duration::from_secs_f64(args.guide_poll);
    config.worker_threads = args.threads;
    config.pool_size = args.pool_size.max(1);
    config.log_requests = !args.quiet;
    // Limits against load and abuse.
    let seconds = |value: f64, flag: &str| {
        (value.is_finite() && value > 0.0)
            .then(|| Duration::from_secs_f64(value))
            .ok_or_else(|| format!("--{flag} must be a positive number of seconds"))
    };
    let limits = &mut config.serve_limits;
    limits.max_connections = args.max_connections.max(1);
    limits.header_read_timeout = seconds(args.header_read_timeout, "header-read-timeout")?;
    limits.idle_timeout = seconds(args.idle_timeout, "idle-timeout")?;
    if !(args.rate_limit.is_finite() && args.rate_limit >= 0.0) {
        return Err("--rate-limit must be a number of requests per second, 0 for none".into());
    }
    limits.rate_per_second = args.rate_limit;
    limits.rate_burst = args.rate_burst.max(1);
    limits.client_header = args.client_header;
    limits.heavy_searches = args.heavy_searches.max(1);
    limits.uploads = args.max_uploads.max(1);
    limits.case_attachment_bytes = args.case_attachment_quota;
    limits.user_attachment_bytes = args.user_attachment_quota;
    config.actor_secret = match args.actor_secret_file {
        Some(path) => Some(std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?),
        None => std::env::var("VAGVISARE_ACTOR_SECRET")
            .ok()
            .map(String::into_bytes),
    }
    .filter(|s| !s.is_empty());
    vagvisare_server::run(config).map_err(|e| e.to_string())
}
