//! Limits against load and abuse: connections, timeouts, request heads, per-client rates,
//! searches, uploads and attachment quotas ([`ServeLimits`], all with defaults and `vagvisare
//! serve` flags), the layers that apply them to the router ([`protect`]) and the accept loop
//! that applies them to connections ([`serve_connections`]).
//!
//! Why a small token bucket here and not `tower_governor`: that crate brings `governor`,
//! `dashmap`, `quanta`, `forwarded-header-value` and more, and ties itself to axum's version;
//! the service needs one bucket per client key and nothing else, which is about fifty lines.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config::USER_HEADER;
use crate::error::{ApiError, ErrorCode};
use crate::search_pool::SearchPool;

/// The limits against load and abuse, with their defaults (see the README's security section).
#[derive(Clone, Debug, PartialEq)]
pub struct ServeLimits {
    /// Most connections open at once; further ones wait in the kernel's queue until one closes.
    pub max_connections: usize,
    /// A connection must send a whole request head within this time (idle keep-alive
    /// connections included: the time runs from when the service is ready for the next request).
    pub header_read_timeout: Duration,
    /// A connection on which nothing is read or written for this long is closed.
    pub idle_timeout: Duration,
    /// Longest request target (path and query), in bytes (`uri_too_long`, 414).
    pub max_uri_bytes: usize,
    /// Most bytes of request header names and values together (`headers_too_large`, 431).
    pub max_header_bytes: usize,
    /// Requests per second one client may make on average (`rate_limited`, 429); 0 switches the
    /// rate limit off. `/health` is never limited.
    pub rate_per_second: f64,
    /// Requests one client may make at once after being quiet.
    pub rate_burst: u32,
    /// The header that names the client for the rate limit when no user header is set (the last
    /// value of e.g. `x-forwarded-for`, as the portal's proxy sets it); else the peer address.
    pub client_header: Option<String>,
    /// Searches of ordinary texts running at once (default: one per core).
    pub searches: usize,
    /// Ordinary searches that may wait for a place before `overloaded` (503).
    pub search_queue: usize,
    /// Searches of long texts running at once.
    pub heavy_searches: usize,
    /// Long-text searches that may wait before `overloaded` (503).
    pub heavy_search_queue: usize,
    /// A text of more words than this is a long text (the heavy lane).
    pub heavy_search_words: usize,
    /// Attachment uploads running at once (`too_many_uploads`, 429, beyond).
    pub uploads: usize,
    /// Most attachment bytes one case may hold (`attachment_quota_exceeded`, 413).
    pub case_attachment_bytes: u64,
    /// Most attachment bytes one user may have sent, over all cases.
    pub user_attachment_bytes: u64,
}

impl Default for ServeLimits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        ServeLimits {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_uri_bytes: 60 * 1024,
            max_header_bytes: 32 * 1024,
            rate_per_second: 20.0,
            rate_burst: 40,
            client_header: None,
            searches: cores,
            search_queue: 64,
            heavy_searches: 1,
            heavy_search_queue: 4,
            heavy_search_words: 24,
            uploads: 4,
            case_attachment_bytes: 200 * 1000 * 1000,
            user_attachment_bytes: 500 * 1000 * 1000,
        }
    }
}

/// hyper's own cap on a request head, above [`ServeLimits::max_header_bytes`] so that the
/// service's JSON answer is what clients normally see.
const HYPER_MAX_BUF: usize = 256 * 1024;

/// The attachment uploads running now: a permit per upload.
#[derive(Clone, Debug)]
pub struct Uploads(pub Arc<Semaphore>);

/// The peer address of the connection a request came on (set by [`serve_connections`]).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

/// Applies the request-level limits to `router`: the head limits, the per-client rate limit,
/// and the search pool and upload permits handlers take from the request's extensions.
pub fn protect(router: Router, limits: &ServeLimits) -> Router {
    let pool = SearchPool::new(
        limits.searches,
        limits.search_queue,
        limits.heavy_searches,
        limits.heavy_search_queue,
        limits.heavy_search_words,
    );
    let uploads = Uploads(Arc::new(Semaphore::new(limits.uploads.max(1))));
    let rate = Arc::new(RateLimiter::new(limits));
    router
        .layer(Extension(pool))
        .layer(Extension(uploads))
        .layer(middleware::from_fn_with_state(rate, rate_limit))
        .layer(middleware::from_fn_with_state(
            (limits.max_uri_bytes, limits.max_header_bytes),
            head_limits,
        ))
}

async fn head_limits(
    State((max_uri, max_headers)): State<(usize, usize)>,
    request: Request,
    next: Next,
) -> Response {
    let uri = request.uri();
    let uri_bytes = uri.path_and_query().map_or(0, |p| p.as_str().len());
    if uri_bytes > max_uri {
        return ApiError::new(
            ErrorCode::UriTooLong,
            format!("the request target is over {max_uri} bytes; send long texts as the POST form"),
        )
        .into_response();
    }
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if header_bytes > max_headers {
        return ApiError::new(
            ErrorCode::HeadersTooLarge,
            format!("the request headers are over {max_headers} bytes together"),
        )
        .into_response();
    }
    next.run(request).await
}

/// One token bucket per client key.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    client_header: Option<String>,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Most clients tracked before full buckets are forgotten.
const MAX_TRACKED: usize = 100_000;

impl RateLimiter {
    /// A limiter with the rate, burst and client header of `limits`.
    pub fn new(limits: &ServeLimits) -> Self {
        RateLimiter {
            rate: limits.rate_per_second,
            burst: f64::from(limits.rate_burst.max(1)),
            client_header: limits
                .client_header
                .as_ref()
                .map(|h| h.to_ascii_lowercase()),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token from `key`'s bucket, or says how long until one is there.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(key) {
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.rate))
        }
    }

    /// Who the request is from: the acting user, else the configured client header's last
    /// value, else the peer address. `None` for a request that did not come over a connection
    /// of [`serve_connections`] (a portal calling the router in its own process): not limited.
    fn key(&self, request: &Request) -> Option<String> {
        let ClientAddr(addr) = *request.extensions().get::<ClientAddr>()?;
        let headers = request.headers();
        if let Some(user) = headers.get(USER_HEADER) {
            return Some(format!(
                "u:{}",
                String::from_utf8_lossy(&user.as_bytes()[..user.len().min(256)])
            ));
        }
        if let Some(value) = self
            .client_header
            .as_deref()
            .and_then(|name| headers.get_all(name).iter().next_back())
        {
            let text = String::from_utf8_lossy(value.as_bytes());
            let last = text.rsplit(',').next().unwrap_or("").trim();
            if !last.is_empty() {
                let (last, _) = crate::api::cut(last, 64);
                return Some(format!("h:{last}"));
            }
        }
        Some(format!("a:{}", addr.ip()))
    }
}

async fn rate_limit(
    State(limiter): State<Arc<RateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path() == "/health" {
        return next.run(request).await;
    }
    let Some(key) = limiter.key(&request) else {
        return next.run(request).await;
    };
    match limiter.take(&key, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let seconds = wait.as_secs().max(1);
            let mut response = ApiError::new(
                ErrorCode::RateLimited,
                format!("too many requests from this client; try again in {seconds} s"),
            )
            .into_response();
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
            response
        }
    }
}

/// Serves `router` on `listener` under the connection limits until `shutdown` completes: at
/// most `max_connections` at once, the header-read and idle timeouts, and a JSON body on the
/// answers hyper itself gives to a request it cannot parse.
pub async fn serve_connections(
    listener: TcpListener,
    router: Router,
    limits: &ServeLimits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(HYPER_MAX_BUF)
        .keep_alive(true);
    let idle = limits.idle_timeout;
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, never spin.
                    if !matches!(e.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset) {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let dispatched = Arc::new(AtomicBool::new(false));
        let io = hyper_util::rt::TokioIo::new(Guarded::new(stream, idle, Arc::clone(&dispatched)));
        let router = router.clone();
        let service = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                dispatched.store(true, Ordering::Release);
                request.extensions_mut().insert(ClientAddr(peer));
                let router = router.clone();
                async move {
                    use tower::ServiceExt;
                    router.oneshot(request.map(axum::body::Body::new)).await
                }
            },
        );
        let connection = builder.serve_connection(io, service);
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stopped.wait_for(|s| *s) => {}
            }
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        });
    }
    let _ = stop.send(true);
    // Let the connections answer what they are answering (bounded by the request timeouts).
    let _ = tokio::time::timeout(
        Duration::from_secs(30),
        connections.acquire_many(u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX)),
    )
    .await;
    Ok(())
}

/// A connection's stream with an idle timeout, and a JSON body for hyper's automatic answer to
/// a request head it cannot parse (400, 414, 431: hyper writes them with an empty body). That
/// answer is only rewritten on a connection on which no request reached the service yet, so no
/// response of the service can ever be mistaken for it.
struct Guarded<S> {
    inner: S,
    idle: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
    dispatched: Arc<AtomicBool>,
    /// A rewritten answer still to be written.
    pending: Option<(Vec<u8>, usize)>,
    rewritten: bool,
}

impl<S> Guarded<S> {
    fn new(inner: S, idle: Duration, dispatched: Arc<AtomicBool>) -> Self {
        Guarded {
            inner,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
            dispatched,
            pending: None,
            rewritten: false,
        }
    }

    fn touch(&mut self) {
        let next = tokio::time::Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }

    fn idle_expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline.as_mut().poll(cx).is_ready()
    }
}

/// The JSON answer for hyper's automatic error head `head`, if it is one.
fn json_for_automatic_answer(head: &[u8]) -> Option<Vec<u8>> {
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    if end + 4 != head.len() {
        return None;
    }
    let text = std::str::from_utf8(head).ok()?;
    let code = match text.get(..12)? {
        "HTTP/1.1 400" | "HTTP/1.0 400" => ErrorCode::BadRequest,
        "HTTP/1.1 414" | "HTTP/1.0 414" => ErrorCode::UriTooLong,
        "HTTP/1.1 431" | "HTTP/1.0 431" => ErrorCode::HeadersTooLarge,
        _ => return None,
    };
    if !text
        .to_ascii_lowercase()
        .contains("\r\ncontent-length: 0\r\n")
    {
        return None;
    }
    let message = match code {
        ErrorCode::UriTooLong => "the request target is too long for the HTTP layer",
        ErrorCode::HeadersTooLarge => "the request head is too large for the HTTP layer",
        _ => "the request is not valid HTTP/1.1",
    };
    let body = serde_json::json!({"error": {
        "code": code.id(), "status": code.status().as_u16(), "message": message,
    }})
    .to_string();
    let status_line = text.split("\r\n").next()?;
    Some(
        format!(
            "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    self.touch();
                }
                Poll::Ready(result)
            }
            Poll::Pending => {
                if self.idle_expired(cx) {
                    Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "idle connection",
                    )))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> Guarded<S> {
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, written)) = self.pending.as_mut() {
            if *written == bytes.len() {
                self.pending = None;
                break;
            }
            let n = match Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        std::task::ready!(this.poll_pending(cx))?;
        if !this.rewritten && !this.dispatched.load(Ordering::Acquire) {
            if let Some(answer) = json_for_automatic_answer(buf) {
                this.rewritten = true;
                this.pending = Some((answer, 0));
                this.touch();
                return Poll::Ready(Ok(buf.len()));
            }
        }
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    this.touch();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Pending => {
                if this.idle_expired(cx) {
                    Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "idle connection",
                    )))
                } else {
                    Poll::Pending
                }
            }
            other => other,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_refills_at_the_rate() {
        let limits = ServeLimits {
            rate_per_second: 10.0,
            rate_burst: 2,
            ..ServeLimits::default()
        };
        let limiter = RateLimiter::new(&limits);
        let t0 = Instant::now();
        assert!(limiter.take("a", t0).is_ok());
        assert!(limiter.take("a", t0).is_ok());
        let wait = limiter.take("a", t0).unwrap_err();
        assert!(wait > Duration::from_millis(50) && wait <= Duration::from_millis(100));
        // Another client has its own bucket.
        assert!(limiter.take("b", t0).is_ok());
        // A tenth of a second later there is one token again.
        assert!(limiter.take("a", t0 + Duration::from_millis(101)).is_ok());
        assert!(limiter.take("a", t0 + Duration::from_millis(101)).is_err());
    }

    #[test]
    fn hyper_automatic_answers_get_a_json_body() {
        let head =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let answer = String::from_utf8(json_for_automatic_answer(head).unwrap()).unwrap();
        assert!(answer.starts_with("HTTP/1.1 431 "));
        let body = answer.split("\r\n\r\n").nth(1).unwrap();
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"]["code"], "headers_too_large");
        assert!(answer.contains(&format!("content-length: {}\r\n", body.len())));
        // A response with a body, or another status, is left alone.
        assert!(
            json_for_automatic_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none()
        );
        assert!(json_for_automatic_answer(
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}"
        )
        .is_none());
    }
}
