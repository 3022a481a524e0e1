//! `GET /metrics`: Prometheus figures of this instance, in the OpenMetrics text format, from the
//! Prometheus project's own client crate (`prometheus-client`: no HTTP stack of its own, four
//! small dependencies).
//!
//! | metric | kind | labels |
//! | --- | --- | --- |
//! | `vagvisare_http_requests_total` | counter | `method`, `route` (the route *template*), `status` |
//! | `vagvisare_http_request_duration_seconds` | histogram | `method`, `route` |
//! | `vagvisare_suggest_duration_seconds` | histogram | (none): `/api/suggest`, GET and POST |
//! | `vagvisare_feedback_recorded_total` | counter | (none): feedback stored through this instance |
//! | `vagvisare_guides_indexed` | gauge | (none) |
//! | `vagvisare_cases` | gauge | `organisation`, `status`: submitted cases (drafts are private) |
//!
//! Labels hold only route templates, methods, status codes, and the configuration's
//! organisation names and the workflows' status ids: never a concrete path, a query string or
//! a body, so never what someone typed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use super::blocking;
use crate::app::App;
use crate::error::ApiError;
use crate::log::route_template;
use crate::store::{Store, StoreError};

type Labels = Vec<(&'static str, String)>;
type Histograms = Family<Labels, Histogram, fn() -> Histogram>;

/// The instance's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    latency: Histograms,
    suggest: Histogram,
    feedback: Counter,
    guides: Gauge,
    cases: Family<Labels, Gauge>,
    /// Held while the store counts cases: a scrape that finds a count under way answers with
    /// the last one, so scrapes never queue up on the database.
    counting: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

fn request_histogram() -> Histogram {
    // 0.5 ms to about 16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Empty metrics, registered.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<Labels, Counter>::default();
        let latency: Histograms = Family::new_with_constructor(request_histogram);
        // 0.1 ms to about 0.4 s: suggestions are answered in about a millisecond.
        let suggest = Histogram::new(exponential_buckets(0.0001, 2.0, 13));
        let feedback = Counter::default();
        let guides = Gauge::default();
        let cases = Family::<Labels, Gauge>::default();
        registry.register(
            "vagvisare_http_requests",
            "Requests answered, by method, route template and status",
            requests.clone(),
        );
        registry.register(
            "vagvisare_http_request_duration_seconds",
            "Time to answer a request, by method and route template",
            latency.clone(),
        );
        registry.register(
            "vagvisare_suggest_duration_seconds",
            "Time to answer a suggestion request (GET and POST /api/suggest)",
            suggest.clone(),
        );
        registry.register(
            "vagvisare_feedback_recorded",
            "Feedback answers stored through this instance",
            feedback.clone(),
        );
        registry.register(
            "vagvisare_guides_indexed",
            "Guides in this instance's suggestion index",
            guides.clone(),
        );
        registry.register(
            "vagvisare_cases",
            "Submitted cases by organisation and status (drafts are not counted)",
            cases.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            suggest,
            feedback,
            guides,
            cases,
            counting: tokio::sync::Mutex::new(()),
        }
    }

    /// Counts one answered request.
    pub fn observe(&self, method: &Method, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let method = method.as_str().to_string();
        self.requests
            .get_or_create(&vec![
                ("method", method.clone()),
                ("route", route.to_string()),
                ("status", status.to_string()),
            ])
            .inc();
        self.latency
            .get_or_create(&vec![("method", method), ("route", route.to_string())])
            .observe(seconds);
        if route == "/api/suggest" && status == 200 {
            self.suggest.observe(seconds);
        }
        if route == "/api/feedback" && status == 201 {
            self.feedback.inc();
        }
    }

    /// The text a scrape gets.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// Middleware: counts and times every request by its route template.
pub async fn track(State(app): State<App>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = route_template(&request);
    let response = next.run(request).await;
    app.metrics().observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Submitted cases by organisation and status id, for every organisation a service names: the
/// store's count (`GROUP BY`), no case read.
pub fn case_counts(
    store: &dyn Store,
    organisations: &[String],
) -> Result<BTreeMap<(String, String), i64>, StoreError> {
    Ok(store
        .case_counts()?
        .into_iter()
        .filter(|c| organisations.contains(&c.organisation))
        .map(|c| {
            let count = i64::try_from(c.count).unwrap_or(i64::MAX);
            ((c.organisation, c.status), count)
        })
        .collect())
}

/// `GET /metrics`. Cases are counted at every scrape (one `GROUP BY` over an index), unless a
/// count is already under way, whose figures the scrape then shares.
pub async fn get(State(app): State<App>) -> Result<Response, ApiError> {
    let metrics = app.metrics();
    metrics
        .guides
        .set(i64::try_from(app.index().len()).unwrap_or(i64::MAX));
    if let Ok(_counting) = metrics.counting.try_lock() {
        let organisations: Vec<String> = {
            let mut names: Vec<String> = app
                .config()
                .services
                .values()
                .map(|s| s.organisation.clone())
                .collect();
            names.sort();
            names.dedup();
            names
        };
        let store = app.store();
        let counts = blocking(move || case_counts(&*store, &organisations)).await?;
        metrics.cases.clear();
        for ((organisation, status), count) in counts {
            metrics
                .cases
                .get_or_create(&vec![("organisation", organisation), ("status", status)])
                .set(count);
        }
    }
    let text = metrics
        .render()
        .map_err(|e| ApiError::internal(format!("the metrics cannot be written: {e}")))?;
    Ok((
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_template() {
        let metrics = Metrics::new();
        metrics.observe(&Method::GET, "/api/suggest", 200, Duration::from_millis(1));
        metrics.observe(
            &Method::POST,
            "/api/feedback",
            201,
            Duration::from_millis(3),
        );
        let text = metrics.render().unwrap();
        assert!(
            text.contains(
                "vagvisare_http_requests_total{method=\"GET\",route=\"/api/suggest\",status=\"200\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("vagvisare_suggest_duration_seconds_count 1"),
            "{text}"
        );
        assert!(
            text.contains("vagvisare_feedback_recorded_total 1"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
