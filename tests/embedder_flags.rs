//! `--embedder-url` / `--embedder-model`: the semantic stage's vectors from an OpenAI-compatible
//! embeddings endpoint (a fake one here, on a local port), and a clear error when it is not
//! there at start.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;

use vagvisare_integration::vagvisare;

/// Answers up to `requests` embedding requests (then refuses connections): "zork" is about
/// waste (dimension 0), every text a little of dimension 1.
fn endpoint(requests: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/embeddings", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut reader = BufReader::new(stream.unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end().to_ascii_lowercase();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let data: Vec<serde_json::Value> = request["input"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let t = t.as_str().unwrap().to_lowercase();
                    let waste = ["zork", "soptunnan", "tömts"]
                        .iter()
                        .filter(|w| t.contains(*w))
                        .count();
                    serde_json::json!({"index": i, "embedding": [waste as f32, 0.1, 0.0, 0.0]})
                })
                .collect();
            let body = serde_json::json!({ "data": data }).to_string();
            let mut stream = reader.into_inner();
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    url
}

/// The first suggestion of `vagvisare suggest` for `text` over two guides, its vectors from a
/// fake endpoint that answers three requests: the dimension, the guides, the text.
fn first_through_endpoint(text: &str, flags: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let guides = dir.path().join("guides.jsonl");
    std::fs::write(
        &guides,
        "{\"id\": \"pw\", \"title\": \"Byta lösenord\", \"body\": \"Har du glömt lösenordet?\"}\n\
         {\"id\": \"bins\", \"title\": \"Soptunnan har inte tömts\", \"body\": \"Gör en felanmälan.\"}\n",
    )
    .unwrap();
    let url = endpoint(3);
    let output = Command::new(vagvisare())
        .args(["suggest", "--guides"])
        .arg(&guides)
        .args(["--embedder-url", &url, "--embedder-model", "fake"])
        .args(flags)
        .args(["--format", "json", text])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    found["suggestions"][0]["id"].clone()
}

#[test]
fn suggestions_use_the_endpoint_given_on_the_command_line() {
    assert_eq!(first_through_endpoint("zork ", &[]), "bins");
}

#[test]
fn asked_while_typing_the_endpoint_sees_the_word_being_typed() {
    // "zork" without a space is a word being typed: by default not sent, and no word of a
    // guide nor of the static table matches it.
    assert_eq!(first_through_endpoint("zork", &[]), serde_json::Value::Null);
    let flag = ["--embed-while-typing"];
    assert_eq!(first_through_endpoint("zork", &flag), "bins");
}

#[test]
fn an_endpoint_that_is_not_there_at_start_is_an_error_and_the_model_is_required() {
    let output = Command::new(vagvisare())
        .args(["suggest", "glömt"])
        .args(["--embedder-url", "http://127.0.0.1:9/v1/embeddings"])
        .args(["--embedder-model", "fake"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--embedder-url") && stderr.contains("did not answer"),
        "{stderr}"
    );

    let output = Command::new(vagvisare())
        .args(["suggest", "glömt", "--embedder-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--embedder-model"));
}
