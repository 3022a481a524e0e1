//! `/metrics` scraped, and the JSON log read, after requests that carry a personnummer: the
//! figures are there, the secret is not.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use vagvisare_server::LogFormat;

async fn scrape(env: &Env) -> String {
    let (status, headers, body) = env.get_raw("/metrics", false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type(&headers).starts_with("application/openmetrics-text"));
    String::from_utf8(body).unwrap()
}

/// The value of the sample line that starts with `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_and_json_logs_count_everything_and_hold_no_typed_text() {
    for env in envs_logging(|_| {}, LogFormat::Json).await {
        env.add_small_guides().await;
        let secret = "19810105-2382";
        for _ in 0..3 {
            let (status, _) = env.suggest(&format!("patient {secret} glömt lösen")).await;
            assert_eq!(status, StatusCode::OK);
        }
        let (status, _) = env
            .call(
                "POST",
                "/api/suggest",
                None,
                Some(json!({"q": format!("{secret} skrivaren")})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = env
            .call(
                "POST",
                "/api/feedback",
                Some(&JESSICA),
                Some(json!({"q": format!("{secret} glömt lösen"), "guide": "pw-komnet", "helped": true, "rank": 1})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let case = env
            .file_case(&JESSICA, &format!("Patient {secret} kan inte logga in"))
            .await;
        assert!(case["id"].as_i64().is_some());
        env.call("GET", &format!("/nothing/{secret}"), None, None)
            .await;
        env.call("GET", &format!("/api/guides/{secret}"), None, None)
            .await;

        let text = scrape(&env).await;
        assert_eq!(
            sample(
                &text,
                "vagvisare_http_requests_total{method=\"GET\",route=\"/api/suggest\",status=\"200\"}"
            ),
            Some(3.0),
            "{text}"
        );
        assert_eq!(
            sample(&text, "vagvisare_suggest_duration_seconds_count"),
            Some(4.0),
            "GET and POST: {text}"
        );
        assert_eq!(
            sample(&text, "vagvisare_feedback_recorded_total"),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            sample(&text, "vagvisare_guides_indexed"),
            Some(4.0),
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                "vagvisare_cases{organisation=\"Användarstöd\",status=\"registered\"}"
            ),
            Some(1.0),
            "{text}"
        );
        // Counted by the store at each scrape: one more case, and one moved on, show at once;
        // a draft is not counted.
        env.file_case(&BOB, "Skärmen är svart").await;
        let (status, _) = env
            .call(
                "POST",
                "/api/cases",
                Some(&JESSICA),
                Some(
                    json!({"service": "Medborgarförslag", "description": "Bänkar", "draft": true}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, started) = env
            .call(
                "POST",
                &format!("/api/cases/{}/commands", case["id"]),
                Some(&JULIA),
                Some(json!({"command": "start"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{started}");
        let text = scrape(&env).await;
        let cases = |status: &str, organisation: &str| {
            sample(
                &text,
                &format!("vagvisare_cases{{organisation=\"{organisation}\",status=\"{status}\"}}"),
            )
        };
        assert_eq!(cases("registered", "Användarstöd"), Some(1.0), "{text}");
        assert_eq!(
            cases(started["status"].as_str().unwrap(), "Användarstöd"),
            Some(1.0),
            "{text}"
        );
        assert_ne!(started["status"], "registered");
        assert!(
            !text.contains("Skellefteå kommun"),
            "drafts are not counted: {text}"
        );
        assert!(
            text.contains("route=\"/api/guides/{id}\""),
            "the template, not the path: {text}"
        );
        assert!(text.contains("route=\"(no route)\""), "{text}");
        assert!(
            text.contains(
                "vagvisare_http_request_duration_seconds_bucket{le=\"0.0005\",method=\"GET\",route=\"/api/suggest\"}"
            ) || text.contains("vagvisare_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/suggest\",le=\"0.0005\"}"),
            "{text}"
        );

        let lines = env.log_lines();
        assert!(lines.len() >= 8, "{lines:?}");
        let mut requests = 0;
        for line in lines.iter().chain(std::iter::once(&text)) {
            for leak in [
                secret,
                "8101052382",
                "810105",
                "logga in",
                "glömt",
                "skrivaren",
                "patient",
            ] {
                assert!(
                    !line.to_lowercase().contains(leak),
                    "{leak:?} leaked: {line}"
                );
            }
        }
        for line in &lines {
            let value: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            assert!(value["time"].is_string(), "{line}");
            if value.get("route").is_some() {
                requests += 1;
                assert!(
                    value["status"].is_u64() && value["ms"].is_number(),
                    "{line}"
                );
            } else {
                assert!(value["message"].is_string(), "{line}");
            }
        }
        assert!(requests >= 8, "{lines:?}");
        assert!(
            lines
                .iter()
                .any(|l| l.contains("\"route\":\"/api/suggest\"") && l.contains("\"status\":200")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("\"route\":\"/api/guides/{id}\"")
                    && l.contains("\"error\":\"guide_not_found\"")),
            "{lines:?}"
        );
    }
}
