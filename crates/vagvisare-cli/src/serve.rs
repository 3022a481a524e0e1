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
    vagvisare_server::run(config).map_err(|e| e.to_string())
}
