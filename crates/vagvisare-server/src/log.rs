//! The request log: one line per request with the method, the route *template* (never the
//! concrete path or query string), the status, the error code if any and the time taken.
//!
//! What people type (suggestion text, case descriptions, messages) travels in query strings and
//! bodies, and may hold a personnummer; neither is ever logged. Errors are logged by their code
//! only, never by their message.
//!
//! Two formats ([`LogFormat`]): plain lines (`2026-11-25T09:30:00.000Z GET /api/suggest 200
//! 0.4ms`), or with `--log-format json` one JSON object per line for a log collector:
//! `{"time":…,"method":"GET","route":"/api/suggest","status":200,"ms":0.4}` for a request,
//! `{"time":…,"message":…}` for the service's own lines. The fields are the same in both.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::LoggedCode;

type Sink = Arc<dyn Fn(&str) + Send + Sync>;

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Plain text, one line per request or event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!(
                "the log format `{text}` is not known: write text or json"
            )),
        }
    }
}

/// Where log lines go.
#[derive(Clone)]
pub struct Log {
    sink: Option<Sink>,
    format: LogFormat,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("enabled", &self.sink.is_some())
            .field("format", &self.format)
            .finish()
    }
}

impl Log {
    /// Lines to standard error.
    pub fn stderr() -> Self {
        Log {
            sink: Some(Arc::new(|line: &str| eprintln!("{line}"))),
            format: LogFormat::Text,
        }
    }

    /// No log.
    pub fn silent() -> Self {
        Log {
            sink: None,
            format: LogFormat::Text,
        }
    }

    /// The same log, writing `format`.
    pub fn with_format(mut self, format: LogFormat) -> Self {
        self.format = format;
        self
    }

    /// The format it writes.
    pub fn format(&self) -> LogFormat {
        self.format
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
            format: LogFormat::Text,
        };
        (log, lines)
    }

    /// Writes one line, prefixed with the time (text), or `{"time", "message"}` (JSON).
    pub fn line(&self, text: &str) {
        if let Some(sink) = &self.sink {
            let at = now();
            match self.format {
                LogFormat::Text => sink(&format!("{at} {text}")),
                LogFormat::Json => sink(&json!({ "time": at, "message": text }).to_string()),
            }
        }
    }

    /// Writes one request's line: the method, the route template, the status, the error code
    /// and the time taken.
    pub fn request(&self, method: &str, route: &str, status: u16, code: Option<&str>, ms: f64) {
        let Some(sink) = &self.sink else { return };
        let at = now();
        match self.format {
            LogFormat::Text => {
                let code = code.map_or(String::new(), |c| format!(" error={c}"));
                sink(&format!("{at} {method} {route} {status}{code} {ms:.1}ms"));
            }
            LogFormat::Json => {
                let mut line = json!({
                    "time": at,
                    "method": method,
                    "route": route,
                    "status": status,
                    "ms": (ms * 10.0).round() / 10.0,
                });
                if let Some(code) = code {
                    line["error"] = json!(code);
                }
                sink(&line.to_string());
            }
        }
    }
}

fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The route template a request matched (`/api/cases/{id}`), never its path, which can hold ids
/// and what someone typed; `(no route)` for a path no route matches. The request log and the
/// metrics both label requests by it.
pub(crate) fn route_template(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(no route)".to_string(), |m| m.as_str().to_string())
}

/// Middleware: logs each request after it is answered.
pub async fn requests(State(log): State<Log>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = route_template(&request);
    let response = next.run(request).await;
    let code = response.extensions().get::<LoggedCode>().map(|c| c.0);
    log.request(
        method.as_str(),
        &route,
        response.status().as_u16(),
        code,
        started.elapsed().as_secs_f64() * 1000.0,
    );
    response
}
