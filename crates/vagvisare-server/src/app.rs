//! The application: configuration, store and suggestion index together, and the router.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use vagvisare::case::CaseRules;
use vagvisare::{Guide, GuideIndex};

use crate::api::metrics::Metrics;
use crate::api::{self, blocking};
use crate::config::{Config, ServiceConfig};
use crate::error::{ApiError, ErrorCode};
use crate::learn::{self, Applied};
use crate::log::{self, Log};
use crate::store::postgres::PostgresStore;
use crate::store::sqlite::{SqliteStore, FILE_NAME};
use crate::store::{GuideChange, Store};
use crate::ServerError;

struct Inner {
    config: Config,
    store: Arc<dyn Store>,
    index: Arc<GuideIndex>,
    rules: BTreeMap<String, Arc<CaseRules>>,
    /// The guide revision the index is current as of; held while the index catches up.
    revision: tokio::sync::Mutex<i64>,
    /// The feedback rows the index has learned from; held while it learns more.
    applied: tokio::sync::Mutex<Applied>,
    log: Log,
    metrics: Metrics,
    /// The keyed hash of feedback actors (crate::api::feedback::ActorKeys).
    actor_keys: api::feedback::ActorKeys,
    /// How many of the index's read failures the log has reported.
    read_errors_logged: std::sync::atomic::AtomicU64,
}

/// The service: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("store", &self.inner.store.backend())
            .field("guides", &self.inner.index.len())
            .finish()
    }
}

impl App {
    /// Opens the store (SQLite in the data directory, or PostgreSQL if `database_url` is set),
    /// migrates it, stores the bundled guides if the database is new, builds the suggestion
    /// index from the stored guides and teaches it the stored feedback.
    pub async fn open(config: Config, log: Log) -> Result<App, ServerError> {
        for service in config.services.values() {
            if !config.workflows.contains_key(&service.workflow) {
                return Err(ServerError::Config(format!(
                    "the service `{}` names the unknown workflow `{}`",
                    service.name, service.workflow
                )));
            }
        }
        let url = config.database_url.clone();
        let path = config.data_dir.join(FILE_NAME);
        let pool_size = config.pool_size;
        let store: Arc<dyn Store> = tokio::task::spawn_blocking(move || {
            let store: Arc<dyn Store> = match url {
                Some(url) => Arc::new(PostgresStore::open(&url, pool_size)?),
                None => Arc::new(SqliteStore::open(&path, pool_size)?),
            };
            Ok::<_, crate::store::StoreError>(store)
        })
        .await
        .map_err(|e| ServerError::Config(format!("opening the store failed: {e}")))??;
        // The actor keys' secret, and old unkeyed actor keys replaced before anything learns.
        let actor_keys =
            api::feedback::ActorKeys::open(config.actor_secret.as_deref(), &config.data_dir)
                .map_err(ServerError::Config)?;
        let (rekeyed, keys) = (Arc::clone(&store), actor_keys.clone());
        tokio::task::spawn_blocking(move || {
            rekeyed.rekey_feedback_actors(&|k| keys.rekey_legacy(k))
        })
        .await
        .map_err(|e| ServerError::Config(format!("rekeying feedback failed: {e}")))??;
        let seed = config.seed_bundled_guides;
        let learn_policy = vagvisare::feedback::LearnPolicy {
            min_actors: config.feedback_min_actors.max(1),
            ..vagvisare::feedback::LearnPolicy::default()
        };
        let thesaurus = config.thesaurus;
        let opened = Arc::clone(&store);
        let semantic = config.semantic.clone();
        let semantic_log = log.clone();
        let (revision, index, applied) = tokio::task::spawn_blocking(move || {
            if seed {
                opened.seed_guides(&vagvisare::bundled::guides())?;
            }
            let (revision, guides) = opened.all_guides()?;
            let index = GuideIndex::in_memory()?;
            index.set_thesaurus(thesaurus);
            index.set_learn_policy(learn_policy)?;
            crate::embedder::configure(&index, &semantic, &|m| semantic_log.line(m))?;
            let valid: Vec<Guide> = guides
                .into_iter()
                .filter(|g| g.validate().is_ok())
                .collect();
            index.upsert(&valid)?;
            index.commit()?;
            let mut applied = Applied::default();
            let rows = applied.unseen(&*opened)?;
            learn::teach(&index, &rows)?;
            applied.mark(&rows);
            index.optimize()?;
            // Beyond 10 000 guides the semantic stage's nearest-neighbour graphs are built now,
            // before the service listens (under a second at 100 000 guides): its first answers then
            // neither lack the guides only the graphs find nor share the cores with building them.
            index.wait_for_semantic_graphs();
            Ok::<_, ServerError>((revision, index, applied))
        })
        .await
        .map_err(|e| ServerError::Config(format!("building the index failed: {e}")))??;
        let rules = config
            .workflows
            .iter()
            .map(|(id, rules)| (id.clone(), Arc::new(rules.clone())))
            .collect();
        Ok(App {
            inner: Arc::new(Inner {
                config,
                store,
                index: Arc::new(index),
                rules,
                revision: tokio::sync::Mutex::new(revision),
                applied: tokio::sync::Mutex::new(applied),
                log,
                metrics: Metrics::new(),
                actor_keys,
                read_errors_logged: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The store.
    pub fn store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.inner.store)
    }

    /// The suggestion index.
    pub fn index(&self) -> &GuideIndex {
        &self.inner.index
    }

    /// The suggestion index, to move into a blocking task.
    pub fn index_handle(&self) -> Arc<GuideIndex> {
        Arc::clone(&self.inner.index)
    }

    /// The keyed hash feedback actors are kept as.
    pub fn actor_keys(&self) -> &api::feedback::ActorKeys {
        &self.inner.actor_keys
    }

    /// The log.
    pub fn log(&self) -> &Log {
        &self.inner.log
    }

    /// The metrics `/metrics` reports.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Whether an editor froze the guide's learning (the decisions stored, replayed in order
    /// with the feedback, as far as this instance has applied them).
    pub fn is_frozen(&self, guide: &str) -> bool {
        self.inner.index.learning_frozen(guide)
    }

    /// The rules of a workflow.
    pub fn rules(&self, workflow: &str) -> Result<Arc<CaseRules>, ApiError> {
        self.inner.rules.get(workflow).cloned().ok_or_else(|| {
            ApiError::internal(format!(
                "a stored case follows the workflow `{workflow}`, which this service is not configured with"
            ))
        })
    }

    /// A service (form) by name.
    pub fn service(&self, name: &str) -> Result<&ServiceConfig, ApiError> {
        self.inner.config.services.get(name).ok_or_else(|| {
            let known: Vec<&str> = self
                .inner
                .config
                .services
                .keys()
                .map(String::as_str)
                .collect();
            ApiError::new(
                ErrorCode::UnknownService,
                format!(
                    "no service of that name; this portal offers: {}",
                    known.join(", ")
                ),
            )
        })
    }

    /// Brings the index up to date with the guides stored by any instance; returns how many
    /// guides changed.
    pub async fn sync_guides(&self) -> Result<usize, ApiError> {
        self.log_read_errors();
        let mut revision = self.inner.revision.lock().await;
        let since = *revision;
        let store = self.store();
        let (now, changes) = blocking(move || store.guide_changes(since)).await?;
        if changes.is_empty() {
            *revision = now.max(since);
            return Ok(0);
        }
        // Later changes of a guide win over earlier ones (they come in revision order).
        let mut latest: HashMap<String, Option<Guide>> = HashMap::new();
        for GuideChange { id, guide } in changes {
            latest.insert(id, guide);
        }
        let count = latest.len();
        let index = Arc::clone(&self.inner.index);
        let log = self.inner.log.clone();
        tokio::task::spawn_blocking(move || {
            let (kept, deleted): (Vec<_>, Vec<_>) =
                latest.into_iter().partition(|(_, guide)| guide.is_some());
            let deleted: Vec<String> = deleted.into_iter().map(|(id, _)| id).collect();
            let guides: Vec<Guide> = kept
                .into_iter()
                .filter_map(|(_, guide)| guide)
                .filter(|g| g.validate().is_ok())
                .collect();
            index.delete(&deleted);
            index.upsert(&guides)?;
            index.commit()?;
            // The commit emptied the kept scores; prepare the common words again here, off
            // the request path.
            index.warm();
            log.line(&format!(
                "guides: {} changed, {} deleted",
                guides.len(),
                deleted.len()
            ));
            Ok::<_, vagvisare::IndexError>(())
        })
        .await
        .map_err(|e| ApiError::internal(format!("updating the index failed: {e}")))?
        .map_err(|e| ApiError::internal(format!("updating the index failed: {e}")))?;
        *revision = now;
        Ok(count)
    }

    /// Reports in the log what the index could not read since the last report (a search answers
    /// on without it: what cannot be read counts as absent). Run with every guide poll. The
    /// message is the storage layer's, never what anyone typed.
    pub fn log_read_errors(&self) -> u64 {
        let index = &self.inner.index;
        let count = index.read_errors();
        let logged = self
            .inner
            .read_errors_logged
            .swap(count, std::sync::atomic::Ordering::Relaxed);
        if count > logged {
            self.inner.log.line(&format!(
                "index: {} read failures since the last report, searches answered without what \
                 failed (latest: {})",
                count - logged,
                index.last_read_error().unwrap_or_default()
            ));
        }
        count - logged.min(count)
    }

    /// Teaches the index the feedback and applies the editors' decisions stored (by any
    /// instance) since it last learned, in their order ([`learn::teach`]); returns how many
    /// guides' learned texts changed.
    pub async fn sync_feedback(&self) -> Result<usize, ApiError> {
        let mut applied = self.inner.applied.lock().await;
        let store = self.store();
        let index = Arc::clone(&self.inner.index);
        let seen = applied.clone();
        let (rows, changed) = tokio::task::spawn_blocking(move || {
            let rows = seen.unseen(&*store).map_err(ApiError::from)?;
            let changed = learn::teach(&index, &rows)
                .map_err(|e| ApiError::internal(format!("learning from feedback failed: {e}")))?;
            if !rows.is_empty() {
                index.warm(); // teaching committed
            }
            Ok::<_, ApiError>((rows, changed))
        })
        .await
        .map_err(|e| ApiError::internal(format!("learning from feedback failed: {e}")))??;
        applied.mark(&rows);
        if !rows.is_empty() {
            self.inner.log.line(&format!(
                "feedback: {} records, {} editors' decisions, {changed} guides changed",
                rows.feedback.len(),
                rows.decisions.len()
            ));
        }
        Ok(changed)
    }

    /// Polls for guide changes and new feedback every `guide_poll` until the process ends.
    pub fn spawn_guide_poll(&self) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        let every = app.config().guide_poll.max(Duration::from_millis(50));
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                if let Err(e) = app.sync_guides().await {
                    app.log()
                        .line(&format!("guides: sync failed ({})", e.code.id()));
                }
                if let Err(e) = app.sync_feedback().await {
                    app.log()
                        .line(&format!("feedback: sync failed ({})", e.code.id()));
                }
            }
        })
    }

    /// The router: the JSON API, the OpenAPI description, `/metrics`, the widget, the editors'
    /// page and (unless the configuration turns it off) the demo page.
    pub fn router(&self) -> Router {
        let limits = &self.config().limits;
        let mut pages = Router::new();
        if self.config().demo_page {
            pages = pages.route("/", get(api::page::index));
        }
        let api = pages
            .route("/openapi.json", get(api::page::openapi))
            .route("/metrics", get(api::metrics::get))
            .route("/static/vagvisare.js", get(api::page::widget))
            .route("/api/services", get(api::page::services))
            .route("/admin", get(api::admin::page))
            .route("/api/admin/guides", get(api::admin::list))
            .route(
                "/api/admin/guides/{id}/learned",
                get(api::admin::learned).delete(api::admin::remove_learned),
            )
            .route(
                "/api/admin/guides/{id}/learned/freeze",
                post(api::admin::freeze),
            )
            .route("/api/admin/report.svg", get(api::admin::chart))
            .route("/health", get(api::page::health))
            .route(
                "/api/suggest",
                get(api::suggest::get).post(api::suggest::post),
            )
            .route("/api/feedback", post(api::feedback::post))
            .route("/api/feedback/report", get(api::feedback::report))
            .route("/api/guides", post(api::guides::post))
            .route(
                "/api/guides/{id}",
                get(api::guides::get)
                    .put(api::guides::put)
                    .delete(api::guides::delete),
            )
            .route("/api/cases", get(api::cases::list).post(api::cases::create))
            .route("/api/cases/{id}", get(api::cases::get))
            .route("/api/cases/{id}/submit", post(api::cases::submit))
            .route("/api/cases/{id}/messages", post(api::cases::message))
            .route(
                "/api/cases/{id}/request-supplement",
                post(api::cases::request_supplement),
            )
            .route("/api/cases/{id}/supplement", post(api::cases::supplement))
            .route("/api/cases/{id}/commands", post(api::cases::command))
            .route(
                "/api/cases/{id}/attachments/{seq}/{index}",
                get(api::cases::download),
            )
            .layer(middleware::from_fn_with_state(
                limits.request_timeout,
                timeout,
            ));
        let uploads = Router::new()
            .route("/api/cases/{id}/attachments", post(api::cases::upload))
            .layer(middleware::from_fn_with_state(
                limits.upload_timeout,
                timeout,
            ));
        let router = api
            .merge(uploads)
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .with_state(self.clone())
            .layer(middleware::from_fn_with_state(
                self.inner.log.clone(),
                catch_panic,
            ))
            .layer(middleware::from_fn_with_state(
                self.clone(),
                api::metrics::track,
            ));
        // Limits against load and abuse (crate::limits), inside the request log.
        let router = crate::limits::protect(router, &self.config().serve_limits);
        if self.config().log_requests {
            router.layer(middleware::from_fn_with_state(
                self.inner.log.clone(),
                log::requests,
            ))
        } else {
            router
        }
    }
}

async fn timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            ErrorCode::Timeout,
            format!(
                "the request took longer than {} s; a write may or may not have been committed, so reload before retrying",
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}

/// A handler that panics is answered with the table's `internal` error (JSON, 500) instead of
/// a dropped connection; the panic's own message goes to standard error by the panic hook.
async fn catch_panic(State(log): State<Log>, request: Request, next: Next) -> Response {
    let mut handler = std::pin::pin!(next.run(request));
    let answered = std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| handler.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(response)) => Poll::Ready(Some(response)),
            Err(_panic) => Poll::Ready(None),
        }
    })
    .await;
    answered.unwrap_or_else(|| {
        log.line("panic: a request handler panicked; answered internal");
        ApiError::internal("the service failed on this request (a bug); the log has the details")
            .into_response()
    })
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route; see /openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this route does not take this method; see /openapi.json",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_request_over_the_timeout_is_answered_with_timeout() {
        let router = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    "late"
                }),
            )
            .route("/fast", get(|| async { "on time" }))
            .layer(middleware::from_fn_with_state(
                Duration::from_millis(20),
                timeout,
            ));
        let call = |uri: &'static str| {
            router
                .clone()
                .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        };
        let slow = call("/slow").await.unwrap();
        assert_eq!(slow.status().as_u16(), 503);
        let body = axum::body::to_bytes(slow.into_body(), 1 << 16)
            .await
            .unwrap();
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(answer["error"]["code"], "timeout");
        assert_eq!(call("/fast").await.unwrap().status().as_u16(), 200);
    }

    #[tokio::test]
    async fn a_handler_that_panics_is_answered_with_internal() {
        let (log, lines) = Log::capture();
        let router = Router::new()
            .route(
                "/panics",
                get(|| async {
                    tokio::task::yield_now().await;
                    if std::hint::black_box(true) {
                        panic!("a bug in a handler");
                    }
                    "unreachable"
                }),
            )
            .route("/fine", get(|| async { "fine" }))
            .layer(middleware::from_fn_with_state(log, catch_panic));
        let call = |uri: &'static str| {
            router
                .clone()
                .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        };
        let response = call("/panics").await.expect("answered, not dropped");
        assert_eq!(response.status().as_u16(), 500);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(answer["error"]["code"], "internal");
        assert_eq!(answer["error"]["status"], 500);
        assert_eq!(
            ErrorCode::Internal.status().as_u16(),
            answer["error"]["status"]
        );
        assert!(lines.lock().unwrap().iter().any(|l| l.contains("panicked")));
        // The router still answers after a panic.
        assert_eq!(call("/fine").await.unwrap().status().as_u16(), 200);
    }
}
