//! The semantic stage with an OpenAI-compatible embeddings endpoint: a tiny fake endpoint in the
//! test (std's TcpListener), guides indexed through it, then the endpoint stopped: suggestions
//! still come (the static vectors), and the failure is counted and logged without the text.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use tower::ServiceExt;
use vagvisare::embed::Embedder;
use vagvisare::{Guide, GuideIndex, SuggestOptions};
use vagvisare_server::config::SemanticConfig;
use vagvisare_server::embedder::{HttpEmbedder, HttpEmbedderConfig};
use vagvisare_server::{App, Config, Log};

const DIM: usize = 8;

/// The fake model: words of three meanings (logging in, printing, waste); "zork" and "blimp"
/// are words no guide and no word list has, that only this model knows are about waste.
fn vector(text: &str) -> Vec<f32> {
    let mut v = vec![0.0; DIM];
    for word in text.to_lowercase().split(|c: char| !c.is_alphanumeric()) {
        let meaning = match word {
            "lösenord" | "lösenordet" | "glömt" | "konto" => Some(0),
            "skrivaren" | "skriver" | "papper" => Some(1),
            "soptunnan" | "tömts" | "hämtningsdagen" | "zork" | "blimp" => Some(2),
            _ => None,
        };
        match meaning {
            Some(m) => v[m] += 1.0,
            None if !word.is_empty() => v[3 + word.len() % (DIM - 3)] += 0.05,
            None => {}
        }
    }
    v
}

/// What the fake endpoint was asked.
#[derive(Default)]
struct Asked {
    inputs: Vec<Vec<String>>,
    models: Vec<String>,
    keys: Vec<Option<String>>,
}

/// An OpenAI-compatible `/v1/embeddings` endpoint on a local port, until stopped.
struct Endpoint {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    asked: Arc<Mutex<Asked>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Endpoint {
    fn start() -> Endpoint {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let asked = Arc::new(Mutex::new(Asked::default()));
        let (s, a) = (Arc::clone(&stop), Arc::clone(&asked));
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    answer(stream, &a);
                }
            }
        });
        Endpoint {
            addr,
            stop,
            asked,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}/v1/embeddings", self.addr)
    }

    /// Stops answering and closes the port (connections are refused from now on).
    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One request, one answer, the connection closed; the vectors listed in reverse order, so
/// that only their `index` puts them in place.
fn answer(stream: TcpStream, asked: &Mutex<Asked>) {
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    let mut key = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap(),
                "authorization" => key = Some(value.trim().to_string()),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let request: Value = serde_json::from_slice(&body).unwrap();
    let input: Vec<String> = request["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    let data: Vec<Value> = input
        .iter()
        .enumerate()
        .rev()
        .map(|(i, t)| json!({"object": "embedding", "embedding": vector(t), "index": i}))
        .collect();
    {
        let mut asked = asked.lock().unwrap();
        asked.inputs.push(input);
        asked
            .models
            .push(request["model"].as_str().unwrap_or("").to_string());
        asked.keys.push(key);
    }
    let body = json!({"object": "list", "data": data, "model": request["model"]}).to_string();
    let mut stream = reader.into_inner();
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn guides() -> Vec<Guide> {
    let guide = Guide::new;
    vec![
        guide(
            "pw",
            "Byta lösenord",
            "Har du glömt lösenordet? Beställ ett nytt.",
        ),
        guide(
            "printer",
            "Skrivaren skriver inte ut",
            "Kontrollera att skrivaren har papper.",
        ),
        guide(
            "bins",
            "Soptunnan har inte tömts",
            "Gör en felanmälan om soptunnan.",
        ),
    ]
}

fn ids(index: &GuideIndex, text: &str) -> Vec<String> {
    index
        .suggest(text, &SuggestOptions::default())
        .into_iter()
        .map(|s| s.id)
        .collect()
}

#[test]
fn guides_are_embedded_through_the_endpoint_in_batches_and_searches_fall_back_when_it_stops() {
    let mut endpoint = Endpoint::start();
    let config = HttpEmbedderConfig {
        batch: 2,
        api_key: Some("nyckel".into()),
        timeout: Duration::from_millis(1500),
        ..HttpEmbedderConfig::new(endpoint.url(), "fake-e5")
    };
    let embedder = HttpEmbedder::new(config).unwrap();
    assert_eq!(embedder.name(), "http:fake-e5");
    assert_eq!(embedder.dim(), DIM, "learned from one vector");
    let index = GuideIndex::in_memory().unwrap();
    index.set_embedder(Some(Arc::new(embedder))).unwrap();
    index.upsert(&guides()).unwrap();
    index.commit().unwrap();
    {
        let asked = endpoint.asked.lock().unwrap();
        // The probe, then the three guides two at a time.
        let sizes: Vec<usize> = asked.inputs.iter().map(Vec::len).collect();
        assert_eq!(sizes, [1, 2, 1]);
        assert!(asked.inputs[1][0].starts_with("Byta lösenord"));
        assert!(asked.models.iter().all(|m| m == "fake-e5"));
        assert!(asked
            .keys
            .iter()
            .all(|k| k.as_deref() == Some("Bearer nyckel")));
    }
    assert_eq!(index.embedder_name(), "http:fake-e5");
    // No word in common with any guide: found through the endpoint's vectors.
    assert_eq!(
        ids(&index, "zork blimp ").first().map(String::as_str),
        Some("bins")
    );
    assert_eq!(index.read_errors(), 0, "{:?}", index.last_read_error());

    endpoint.stop();
    let started = Instant::now();
    let found = ids(&index, "soptunnan zork ");
    assert_eq!(
        found.first().map(String::as_str),
        Some("bins"),
        "the words still find it"
    );
    assert_eq!(index.read_errors(), 1);
    let failure = index.last_read_error().unwrap();
    assert!(
        failure.contains("http:fake-e5") && failure.contains("did not answer"),
        "{failure}"
    );
    assert!(
        !failure.contains("zork"),
        "no typed text in the message: {failure}"
    );
    // While it rests, typed texts are not sent: no wait, counted all the same.
    let again = Instant::now();
    assert_eq!(
        ids(&index, "soptunnan blimp ").first().map(String::as_str),
        Some("bins")
    );
    assert!(
        again.elapsed() < Duration::from_millis(500),
        "{:?}",
        again.elapsed()
    );
    assert_eq!(index.read_errors(), 2);
    assert!(started.elapsed() < Duration::from_secs(10));
    // Guides added meanwhile keep their static vectors; the upsert does not fail.
    index
        .upsert(&[Guide::new("ny", "Ny guide om papper", "")])
        .unwrap();
    index.commit().unwrap();
    assert!(index.read_errors() >= 3);
    assert_eq!(
        ids(&index, "ny guide om papper")
            .first()
            .map(String::as_str),
        Some("ny")
    );
}

#[test]
fn an_endpoint_that_answers_nonsense_or_is_not_there_is_an_error_for_the_embedder() {
    let nothing = HttpEmbedderConfig {
        timeout: Duration::from_millis(500),
        ..HttpEmbedderConfig::new("http://127.0.0.1:9/v1/embeddings", "fake-e5")
    };
    let e = HttpEmbedder::new(nothing.clone()).unwrap_err().to_string();
    assert!(e.contains("did not answer"), "{e}");
    // With its dimension configured, it is made without asking, and fails per call.
    let configured = HttpEmbedderConfig {
        dim: Some(DIM),
        ..nothing
    };
    let embedder = HttpEmbedder::new(configured).unwrap();
    let e = embedder
        .embed(&["zork"], vagvisare::embed::TextKind::Passage)
        .unwrap_err();
    assert!(e.to_string().contains("did not answer"), "{e}");

    // An endpoint that answers vectors of another length than configured.
    let endpoint = Endpoint::start();
    let wrong = HttpEmbedderConfig {
        dim: Some(DIM + 1),
        ..HttpEmbedderConfig::new(endpoint.url(), "fake-e5")
    };
    let embedder = HttpEmbedder::new(wrong).unwrap();
    let e = embedder
        .embed(&["zork"], vagvisare::embed::TextKind::Passage)
        .unwrap_err();
    assert!(
        matches!(e, vagvisare::embed::EmbedError::Shape { .. }),
        "{e}"
    );
}

async fn suggest(app: &App, q: &str) -> (StatusCode, Value) {
    let request = Request::get(format!("/api/suggest?q={q}&limit=3"))
        .body(Body::empty())
        .unwrap();
    let response = app.router().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn first_id(value: &Value) -> Option<&str> {
    value["suggestions"][0]["id"].as_str()
}

#[tokio::test]
async fn the_service_indexes_through_a_configured_endpoint_and_answers_when_it_stops() {
    let mut endpoint = Endpoint::start();
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[semantic]\nweight = 0.3\nembedder_url = \"{}\"\nembedder_model = \"fake-e5\"\n\
         embedder_dim = {DIM}\ntimeout_ms = 1500\nbatch = 16\nembed_while_typing = true\n",
        endpoint.url()
    );
    let path = dir.path().join("vagvisare.toml");
    std::fs::write(&path, toml).unwrap();
    let mut config = Config::from_file(&path).unwrap();
    config.log_requests = false;
    config.data_dir = dir.path().join("data");
    let (log, lines) = Log::capture();
    let app = App::open(config, log).await.unwrap();
    assert_eq!(app.index().embedder_name(), "http:fake-e5");
    assert!((app.index().semantic_weight() - 0.3).abs() < 1e-6);
    {
        let asked = endpoint.asked.lock().unwrap();
        let texts: usize = asked.inputs.iter().map(Vec::len).sum();
        assert!(
            texts as u64 >= app.index().len(),
            "every bundled guide was embedded"
        );
        assert!(asked.inputs.iter().all(|i| i.len() <= 16));
    }
    assert_eq!(app.index().read_errors(), 0);
    let (status, found) = suggest(&app, "glömt%20lösenordet%20").await;
    assert_eq!(status, StatusCode::OK);
    assert!(first_id(&found).is_some(), "{found}");
    // Asked while typing: the word being typed goes to the endpoint too.
    assert!(app.index().embeds_while_typing());
    let (status, _) = suggest(&app, "glömt%20lösenor").await;
    assert_eq!(status, StatusCode::OK);
    assert!(endpoint
        .asked
        .lock()
        .unwrap()
        .inputs
        .iter()
        .any(|i| i.iter().any(|t| t.ends_with("glömt lösenor"))));

    endpoint.stop();
    let (status, found) = suggest(&app, "glömt%20mitt%20lösenord%20").await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert!(
        first_id(&found).is_some(),
        "the static vectors and the words answer: {found}"
    );
    assert!(app.log_read_errors() >= 1);
    let lines = lines.lock().unwrap();
    let report = lines
        .iter()
        .find(|l| l.contains("read failures"))
        .expect("the failure is logged");
    assert!(report.contains("http:fake-e5"), "{report}");
    assert!(
        lines.iter().all(|l| !l.contains("mitt")),
        "no typed text in the log: {lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("semantic: vectors from")));
}

#[test]
fn the_semantic_table_of_the_configuration_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let read = |text: &str| {
        let path = dir.path().join("vagvisare.toml");
        std::fs::write(&path, text).unwrap();
        Config::from_file(&path)
    };
    let config = read(
        "[semantic]\nweight = 0.25\nembedder_url = \"http://127.0.0.1:8000/v1/embeddings\"\n\
         embedder_model = \"e5\"\nbatch = 8\ntimeout_ms = 900\nquery_prefix = \"query: \"\n\
         embed_while_typing = true\n",
    )
    .unwrap();
    let embedder = config.semantic.embedder.as_ref().unwrap();
    assert_eq!(config.semantic.weight, Some(0.25));
    assert_eq!(
        (embedder.batch, embedder.timeout, embedder.dim),
        (8, Duration::from_millis(900), None)
    );
    assert_eq!(embedder.query_prefix, "query: ");
    assert!(config.semantic.embed_while_typing);
    assert_eq!(
        read("[semantic]\nweight = 0\n").unwrap().semantic,
        SemanticConfig {
            weight: Some(0.0),
            embedder: None,
            embed_while_typing: false,
        }
    );
    for (text, says) in [
        ("[semantic]\nweight = 1.5\n", "within 0 and 1"),
        (
            "[semantic]\nembedder_url = \"https://x/v1/embeddings\"\nembedder_model = \"e5\"\n",
            "HTTPS",
        ),
        (
            "[semantic]\nembedder_url = \"http://x/v1/embeddings\"\n",
            "without `embedder_model`",
        ),
        ("[semantic]\nembedder_model = \"e5\"\n", "no `embedder_url`"),
        (
            "[semantic]\nembed_while_typing = true\n",
            "`embed_while_typing` but no `embedder_url`",
        ),
        (
            "[semantic]\nembedder_url = \"http://x\"\nembedder_model = \"e5\"\nbatch = 0\n",
            "`batch` is 0",
        ),
        ("[semantic]\nmodel = \"e5\"\n", "unknown field"),
    ] {
        let e = read(text).unwrap_err();
        assert!(e.message.contains(says), "{text}: {e}");
        assert!(e.line >= 1, "{text}: {e}");
    }
    // The key comes from the environment only.
    let mut config = read(
        "[semantic]\nembedder_url = \"http://127.0.0.1:8000/v1/embeddings\"\nembedder_model = \"e5\"\n",
    )
    .unwrap();
    config.apply_environment(|name| {
        (name == vagvisare_server::embedder::API_KEY_VAR).then(|| "hemlig".to_string())
    });
    assert_eq!(
        config.semantic.embedder.unwrap().api_key.as_deref(),
        Some("hemlig")
    );
}
