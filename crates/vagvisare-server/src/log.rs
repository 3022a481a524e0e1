//! The request log: one line per request with the method, the route *template* (never the
//! concrete path or query string), the status, the error code if any and the time taken.
//!
//! What people type (suggestion text, case descriptions, messages) travels in query strings and
//! bodies, and may hold a personnummer; neither is ever logged. Errors are logged by their code
//! only, never by their message.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::LoggedCode;

type Sink = Arc<dyn Fn(&str) + Send + Sync>;

/// Where log lines go.
#[derive(Clone)]
pub struct Log {
    sink: Option<Sink>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("enabled", &self.sink.is_some())
            .finish()
    }
}

impl Log {
    /// Lines to standard error.
    pub fn stderr() -> Self {
        Log {
            sink: Some(Arc::new(|line: &str| eprintln!("{line}"))),
        }
    }

    /// No log.
    pub fn silent() -> Self {
        Log { sink: None }
    }

    /// Lines kept in memory (for tests that check what is logged).
    pub fn capture() -> (Self, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&lines);
        let log = Log {
            sink: Some(Arc::new(move |line: &str| {
                kept.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(line.to_string());
            })),
        };
        (log, lines)
    }

    /// Writes one line, prefixed with the time.
    pub fn line(&self, text: &str) {
        if let Some(sink) = &self.sink {
            let at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
            sink(&format!("{at} {text}"));
        }
    }
}

/// Middleware: logs each request after it is answered.
pub async fn requests(State(log): State<Log>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(no route)".to_string(), |m| m.as_str().to_string());
    let response = next.run(request).await;
    let code = response
        .extensions()
        .get::<LoggedCode>()
        .map_or(String::new(), |c| format!(" error={}", c.0));
    log.line(&format!(
        "{method} {route} {}{code} {:.1}ms",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    ));
    response
}
