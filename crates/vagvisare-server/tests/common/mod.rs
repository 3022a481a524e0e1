//! The harness of the API tests: one service per store (SQLite always, PostgreSQL when
//! `VAGVISARE_TEST_PG_URL` is set, each test in a database of its own), driven through the
//! router without a socket.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use tower::ServiceExt;
use vagvisare_server::{App, Config, Log, LogFormat};

/// The admin token the test services are configured with.
pub const TOKEN: &str = "test-admin-token";

/// A person calling the API.
#[derive(Clone, Debug)]
pub struct User {
    pub id: &'static str,
    pub name: &'static str,
    pub role: &'static str,
    pub organisation: Option<&'static str>,
}

pub const JESSICA: User = User {
    id: "jeseks",
    name: "Ragnar, Jessica (jeseks)",
    role: "requester",
    organisation: None,
};
pub const BOB: User = User {
    id: "bob",
    name: "Bob Andersson",
    role: "requester",
    organisation: None,
};
pub const JULIA: User = User {
    id: "julia",
    name: "Landsell, Julia",
    role: "officer",
    organisation: Some("Användarstöd"),
};
pub const OLLE: User = User {
    id: "olle",
    name: "Olle Löneman",
    role: "officer",
    organisation: Some("Lönekontoret"),
};
pub const SKELLEFTEA: User = User {
    id: "hanna",
    name: "Hanna Handläggare",
    role: "officer",
    organisation: Some("Skellefteå kommun"),
};

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes a query parameter value.
pub fn q(text: &str) -> String {
    encode(text)
}

/// Which store a test service runs on.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// SQLite, and PostgreSQL when `VAGVISARE_TEST_PG_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("VAGVISARE_TEST_PG_URL") {
        if !url.trim().is_empty() {
            list.push(Backend::Postgres(url));
        }
    }
    list
}

/// `url` with its database name replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let scheme_end = head.find("://").map_or(0, |i| i + 3);
    let base = match head[scheme_end..].find('/') {
        Some(i) => &head[..scheme_end + i],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

/// A new, empty PostgreSQL database on the server of `url`; its URL.
pub fn fresh_database(url: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "vv_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    let mut client = postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("VAGVISARE_TEST_PG_URL: cannot connect: {e}"));
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create a test database");
    with_database(url, &name)
}

/// A test service.
pub struct Env {
    pub app: App,
    pub router: Router,
    pub log: Arc<Mutex<Vec<String>>>,
    pub backend: &'static str,
    pub config: Config,
    pub dir: Option<tempfile::TempDir>,
}

/// The configuration a test service starts from: no bundled guides (tests add their own), an
/// admin token, a fast guide poll.
pub fn test_config(backend: &Backend, dir: &tempfile::TempDir) -> Config {
    let mut config = Config::new();
    config.data_dir = dir.path().to_path_buf();
    config.admin_token = Some(TOKEN.to_string());
    config.seed_bundled_guides = false;
    config.guide_poll = std::time::Duration::from_millis(100);
    config.pool_size = 4;
    if let Backend::Postgres(url) = backend {
        let url = url.clone();
        config.database_url = Some(
            std::thread::spawn(move || fresh_database(&url))
                .join()
                .expect("create database"),
        );
    }
    config
}

/// Opens a service with `config`.
pub async fn open_with(
    config: Config,
    backend: &'static str,
    dir: Option<tempfile::TempDir>,
) -> Env {
    open_logging(config, backend, dir, LogFormat::Text).await
}

/// Opens a service with `config`, its log captured in `format`.
pub async fn open_logging(
    config: Config,
    backend: &'static str,
    dir: Option<tempfile::TempDir>,
    format: LogFormat,
) -> Env {
    let (log, lines) = Log::capture();
    let app = App::open(config.clone(), log.with_format(format))
        .await
        .unwrap_or_else(|e| panic!("{backend}: open: {e}"));
    Env {
        router: app.router(),
        app,
        log: lines,
        backend,
        config,
        dir,
    }
}

/// One test service per backend, each configured by `tweak`.
pub async fn envs(tweak: impl Fn(&mut Config)) -> Vec<Env> {
    envs_logging(tweak, LogFormat::Text).await
}

/// One test service per backend, each configured by `tweak`, its log captured in `format`.
pub async fn envs_logging(tweak: impl Fn(&mut Config), format: LogFormat) -> Vec<Env> {
    let mut out = Vec::new();
    for backend in backends() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(&backend, &dir);
        tweak(&mut config);
        let name = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgresql",
        };
        out.push(open_logging(config, name, Some(dir), format).await);
    }
    out
}

/// A few guides, enough to test suggestions and filters.
pub fn small_guides() -> Value {
    json!([
        {"id": "pw-komnet", "title": "Glömt lösenordet till KOMNET-kontot",
         "body": "Har du glömt lösenordet till ditt KOMNET-konto kan du byta det själv i Passwordkiosk med en kod via SMS.",
         "category": "IT och telefoni > Lösenord och konton"},
        {"id": "printer", "title": "Skrivaren skriver inte ut",
         "body": "Kontrollera att skrivaren har papper och toner och att den är ansluten till nätverket.",
         "category": "IT och telefoni > Skrivare"},
        {"id": "treserva-behorighet", "title": "Beställa behörighet till Treserva",
         "body": "Chefen beställer behörighet till Treserva i Självbetjäningsportalen.",
         "category": "Vård, stöd och omsorg > Användarstöd", "audiences": ["utförare"]},
        {"id": "soptunna", "title": "Soptunnan har inte tömts",
         "body": "Om soptunnan inte har tömts på hämtningsdagen kan du göra en felanmälan.",
         "category": "Bygga, bo och miljö > Avfall"}
    ])
}

impl Env {
    /// Stores the small guide set through the API.
    pub async fn add_small_guides(&self) {
        let (status, body) = self
            .admin("POST", "/api/guides", Some(small_guides()))
            .await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", self.backend);
    }

    /// A request with an optional user and JSON body; the status and the JSON answer.
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        user: Option<&User>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(user) = user {
            request = request
                .header("x-vagvisare-user", user.id)
                .header("x-vagvisare-user-name", encode(user.name))
                .header("x-vagvisare-role", user.role);
            if let Some(org) = user.organisation {
                request = request.header("x-vagvisare-organisation", encode(org));
            }
        }
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let (status, _, bytes) = self.send(request.body(body).expect("request")).await;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{}: {method} {uri}: not JSON ({e}): {}",
                    self.backend,
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        (status, value)
    }

    /// A guide-editing request with the admin token.
    pub async fn admin(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {TOKEN}"));
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let (status, _, bytes) = self.send(request.body(body).expect("request")).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// `GET /api/suggest?q=…` for `text`, as nobody in particular.
    pub async fn suggest(&self, text: &str) -> (StatusCode, Value) {
        self.call("GET", &format!("/api/suggest?q={}", q(text)), None, None)
            .await
    }

    /// `GET uri` with no user (and the admin token, when `admin`): the status, headers and body
    /// bytes, for answers that are not JSON (pages, charts, metrics).
    pub async fn get_raw(&self, uri: &str, admin: bool) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut request = Request::builder().uri(uri);
        if admin {
            request = request.header("authorization", format!("Bearer {TOKEN}"));
        }
        self.send(request.body(Body::empty()).expect("a request"))
            .await
    }

    /// Sends any request; the status, headers and body bytes.
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        (status, headers, bytes.to_vec())
    }

    /// Files a "Kontakta Användarstöd" case as `user`; its JSON.
    pub async fn file_case(&self, user: &User, description: &str) -> Value {
        let (status, body) = self
            .call(
                "POST",
                "/api/cases",
                Some(user),
                Some(
                    json!({"service": "Kontakta Användarstöd", "description": description,
                            "answers": required_answers("Kontakta Användarstöd")}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {body}", self.backend);
        body
    }

    /// The log lines so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

/// The answers the seed form of `service` requires besides the short description (the core's
/// `check_form` refuses a submission without them).
pub fn required_answers(service: &str) -> Value {
    match service {
        "Kontakta Användarstöd" => json!({"Gäller beställningen en annan användare?": "Nej"}),
        "Medborgarförslag" => json!({"Beskriv ditt förslag": "Fler bänkar längs ån."}),
        other => panic!("no seed service {other}"),
    }
}

/// The ids of a suggestion answer, best first.
pub fn ids(answer: &Value) -> Vec<String> {
    answer["suggestions"]
        .as_array()
        .unwrap_or_else(|| panic!("no suggestions in {answer}"))
        .iter()
        .map(|s| s["id"].as_str().unwrap_or("").to_string())
        .collect()
}

/// An answer's content type (empty when it has none).
pub fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get("content-type")
        .map_or("", |v| v.to_str().expect("an ASCII content type"))
}

/// The error code of an error answer.
pub fn code(answer: &Value) -> &str {
    answer["error"]["code"]
        .as_str()
        .unwrap_or("(no error code)")
}
