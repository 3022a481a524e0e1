//! The Vägvisare HTTP service: guide suggestions, feedback, guides and cases as a JSON API over
//! an embedded SQLite database or a shared PostgreSQL, and a demo portal page.
//!
//! Portals written in Java, .NET or PHP embed Vägvisare through it; several instances can run
//! over one PostgreSQL behind a load balancer. `vagvisare serve` starts it ([`run`]); tests drive
//! the [`App::router`] without a socket:
//!
//! ```no_run
//! # async fn demo() -> Result<(), vagvisare_server::ServerError> {
//! use vagvisare_server::{App, Config, Log};
//!
//! let mut config = Config::new();
//! config.data_dir = "/tmp/vagvisare-demo".into();
//! let app = App::open(config, Log::stderr()).await?;
//! let router = app.router(); // serve it with axum::serve, or call it with tower's `oneshot`
//! # let _ = router;
//! # Ok(())
//! # }
//! ```
//!
//! `docs/service.md` describes the API, the trust boundary of the user headers, the error table,
//! storage, and how to run several instances.

#![warn(missing_docs)]
#![recursion_limit = "256"]

pub mod api;
mod app;
pub mod config;
pub mod embedder;
pub mod error;
pub mod learn;
pub mod limits;
pub mod log;
pub mod openapi;
pub mod search_pool;
pub mod store;

use std::net::SocketAddr;

pub use app::App;
pub use config::Config;
pub use config::{
    ConfigError, FieldKind, FormField, Limits, OfficerConfig, OrganisationConfig, ServiceConfig,
};
pub use error::{ApiError, ErrorCode};
pub use log::{Log, LogFormat};
pub use store::{Store, StoreError};

/// The service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The store could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The suggestion index could not be built.
    #[error("the suggestion index cannot be built: {0}")]
    Index(#[from] vagvisare::IndexError),
    /// The address is taken or not allowed.
    #[error("cannot listen on {addr}: {source}; pick another address with --addr")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The configuration is not usable.
    #[error("{0}")]
    Config(String),
    /// The configuration file is not usable: where, and what to write instead.
    #[error(transparent)]
    ConfigFile(#[from] ConfigError),
    /// Serving failed.
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Starts the service and serves until SIGINT or SIGTERM: builds the runtime, opens the store,
/// builds the index, listens on `config.addr`, and polls for guide changes.
///
/// Prints `vagvisare: listening on http://ADDR` to standard error once it accepts requests.
pub fn run(config: Config) -> Result<(), ServerError> {
    // Received times and due dates follow the local time zone: set it before any thread starts.
    if config::time_zone_exists(&config.time_zone) {
        std::env::set_var("TZ", &config.time_zone);
    } else {
        return Err(ServerError::Config(format!(
            "the time zone `{}` is not known on this machine: install the tz database (Debian: tzdata) or configure `time_zone = \"UTC\"`",
            config.time_zone
        )));
    }
    let log = Log::stderr().with_format(config.log_format);
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = config.worker_threads {
        builder.worker_threads(threads.max(1));
    }
    let runtime = builder.enable_all().build()?;
    runtime.block_on(serve(config, log))
}

/// [`run`] inside an existing runtime.
pub async fn serve(config: Config, log: Log) -> Result<(), ServerError> {
    let addr = config.addr;
    let app = App::open(config, log).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    let local = listener.local_addr()?;
    let store = app.store();
    let where_ = match store.backend() {
        "sqlite" => format!(
            "SQLite in {}",
            app.config()
                .data_dir
                .join(store::sqlite::FILE_NAME)
                .display()
        ),
        other => other.to_string(),
    };
    let started = format!(
        "vagvisare: {} guides, {where_}; listening on http://{local}",
        app.index().len()
    );
    match app.config().log_format {
        LogFormat::Text => eprintln!("{started}"),
        // A collector reads JSON only: the same line as a message.
        LogFormat::Json => app.log().line(&started),
    }
    let poll = app.spawn_guide_poll();
    let limits = app.config().serve_limits.clone();
    let result =
        limits::serve_connections(listener, app.router(), &limits, shutdown_signal()).await;
    poll.abort();
    result.map_err(ServerError::Io)
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
