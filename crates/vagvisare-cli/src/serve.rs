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
    vagvisare_server::run(config).map_err(|e| e.to_string())
}
