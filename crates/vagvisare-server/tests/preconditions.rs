//! Optimistic versions through HTTP (issue 20.5): `If-Match: "<version>"` as the alternative to
//! `expected_version`, the case's `ETag`, and `require_version`, which answers a command that
//! names no version with `version_required` (428) instead of letting the last writer win.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use common::*;
use serde_json::{json, Value};
use vagvisare::case::VersionPolicy;

/// A request as `user` with `If-Match: if_match` (when given) and a JSON body (when given).
async fn call_if_match(
    env: &Env,
    uri: &str,
    user: &User,
    if_match: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let mut request = Request::post(uri)
        .header("x-vagvisare-user", user.id)
        .header("x-vagvisare-role", user.role);
    if let Some(org) = user.organisation {
        request = request.header("x-vagvisare-organisation", q(org));
    }
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let (status, headers, bytes) = env.send(request.body(body).unwrap()).await;
    let value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{}: {uri}: not JSON ({e}): {}",
            env.backend,
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, headers, value)
}

async fn version_of(env: &Env, id: i64) -> u64 {
    let (status, case) = env
        .call("GET", &format!("/api/cases/{id}"), Some(&JESSICA), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    case["version"].as_u64().unwrap()
}

#[tokio::test]
async fn if_match_names_the_version_and_case_answers_carry_it_as_etag() {
    for env in envs(|_| {}).await {
        let case = env.file_case(&JESSICA, "Versioner i huvudet").await;
        let id = case["id"].as_i64().unwrap();
        let uri = format!("/api/cases/{id}/messages");
        let (status, headers, answer) = call_if_match(
            &env,
            &uri,
            &JESSICA,
            Some("\"1\""),
            Some(json!({"text": "ett"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}: {answer}", env.backend);
        assert_eq!(answer["version"], 2);
        assert_eq!(headers["etag"], "\"2\"");
        // The same version again: the case moved on.
        let (status, _, answer) = call_if_match(
            &env,
            &uri,
            &JESSICA,
            Some("\"1\""),
            Some(json!({"text": "två"})),
        )
        .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::CONFLICT, "version_conflict"),
            "{answer}"
        );
        assert_eq!(answer["error"]["current_version"], 2);
        assert_eq!(version_of(&env, id).await, 2, "{}", env.backend);
        // GET answers with the ETag too, and it is what If-Match takes.
        let (_, headers, _) = env.get_raw(&format!("/api/cases/{id}"), false).await;
        assert!(!headers.contains_key("etag"), "no user, no case, no tag");
        let request = Request::get(format!("/api/cases/{id}"))
            .header("x-vagvisare-user", JESSICA.id)
            .body(Body::empty())
            .unwrap();
        let (_, headers, _) = env.send(request).await;
        let tag = headers["etag"].to_str().unwrap().to_string();
        let (status, _, answer) = call_if_match(
            &env,
            &uri,
            &JESSICA,
            Some(&tag),
            Some(json!({"text": "tre"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
}

#[tokio::test]
async fn if_match_and_expected_version_must_agree() {
    for env in envs(|_| {}).await {
        let case = env.file_case(&JESSICA, "Två versioner").await;
        let id = case["id"].as_i64().unwrap();
        let uri = format!("/api/cases/{id}/messages");
        let (status, _, answer) = call_if_match(
            &env,
            &uri,
            &JESSICA,
            Some("\"1\""),
            Some(json!({"text": "ett", "expected_version": 2})),
        )
        .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, "bad_request"),
            "{answer}"
        );
        assert!(answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("If-Match"));
        assert_eq!(version_of(&env, id).await, 1, "a refused command wrote");
        // The same version in both is fine; so is the generic command route.
        let (status, _, answer) = call_if_match(
            &env,
            &uri,
            &JESSICA,
            Some("\"1\""),
            Some(json!({"text": "ett", "expected_version": 1})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let commands = format!("/api/cases/{id}/commands");
        let (status, _, answer) = call_if_match(
            &env,
            &commands,
            &JULIA,
            Some("\"2\""),
            Some(json!({"command": "start", "expected_version": 1})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        let (status, _, answer) = call_if_match(
            &env,
            &commands,
            &JULIA,
            Some("\"2\""),
            Some(json!({"command": "start"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["status"], "in_progress");
    }
}

#[tokio::test]
async fn an_if_match_that_is_not_one_version_is_a_json_400() {
    for env in envs(|_| {}).await {
        let case = env.file_case(&JESSICA, "Konstiga huvuden").await;
        let id = case["id"].as_i64().unwrap();
        let uri = format!("/api/cases/{id}/messages");
        for tag in [
            "*",
            "W/\"1\"",
            "\"ett\"",
            "1",
            "\"\"",
            "\"1\", \"2\"",
            "\"-1\"",
            "\"99999999999999999999999\"",
        ] {
            let (status, _, answer) =
                call_if_match(&env, &uri, &JESSICA, Some(tag), Some(json!({"text": "x"}))).await;
            assert_eq!(
                (status, code(&answer)),
                (StatusCode::BAD_REQUEST, "bad_request"),
                "{tag}: {answer}"
            );
        }
        assert_eq!(version_of(&env, id).await, 1);
    }
}

#[tokio::test]
async fn without_require_version_a_command_without_one_applies() {
    for env in envs(|_| {}).await {
        assert_eq!(env.config.version_policy, VersionPolicy::Optional);
        let case = env.file_case(&JESSICA, "Sist vinner").await;
        let id = case["id"].as_i64().unwrap();
        let (status, _, answer) = call_if_match(
            &env,
            &format!("/api/cases/{id}/messages"),
            &JESSICA,
            None,
            Some(json!({"text": "utan version"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["version"], 2);
    }
}

#[tokio::test]
async fn require_version_answers_a_command_without_one_with_428() {
    for env in envs(|c| c.version_policy = VersionPolicy::Required).await {
        // Filing a case changes no existing case: no version needed.
        let case = env.file_case(&JESSICA, "Version krävs").await;
        let id = case["id"].as_i64().unwrap();
        let refused = [
            (
                format!("/api/cases/{id}/messages"),
                &JESSICA,
                json!({"text": "x"}),
            ),
            (
                format!("/api/cases/{id}/commands"),
                &JULIA,
                json!({"command": "start"}),
            ),
            (
                format!("/api/cases/{id}/request-supplement"),
                &JULIA,
                json!({"message": "Vilken?"}),
            ),
        ];
        for (uri, user, body) in &refused {
            let (status, _, answer) =
                call_if_match(&env, uri, user, None, Some(body.clone())).await;
            assert_eq!(
                (status, code(&answer)),
                (StatusCode::PRECONDITION_REQUIRED, "version_required"),
                "{}: {uri}: {answer}",
                env.backend
            );
            assert_eq!(answer["error"]["status"], 428);
            assert_eq!(answer["error"]["current_version"], 1);
        }
        // An upload without a version is refused before its body is read.
        let request = Request::post(format!("/api/cases/{id}/attachments?name=a.txt"))
            .header("x-vagvisare-user", JESSICA.id)
            .body(Body::from("hej"))
            .unwrap();
        let (status, _, bytes) = env.send(request).await;
        let answer: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::PRECONDITION_REQUIRED, "version_required"),
            "{answer}"
        );
        assert_eq!(version_of(&env, id).await, 1, "a refused command wrote");
        // With the version, as either header or body field, they apply; a stale one is 409.
        let (status, _, answer) = call_if_match(
            &env,
            &format!("/api/cases/{id}/messages"),
            &JESSICA,
            Some("\"1\""),
            Some(json!({"text": "med huvud"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let (status, _, answer) = call_if_match(
            &env,
            &format!("/api/cases/{id}/commands"),
            &JULIA,
            None,
            Some(json!({"command": "start", "expected_version": 2})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let (status, _, answer) = call_if_match(
            &env,
            &format!("/api/cases/{id}/messages"),
            &JESSICA,
            Some("\"2\""),
            Some(json!({"text": "gammal"})),
        )
        .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::CONFLICT, "version_conflict")
        );
        let request = Request::post(format!(
            "/api/cases/{id}/attachments?name=a.txt&expected_version=3"
        ))
        .header("x-vagvisare-user", JESSICA.id)
        .body(Body::from("hej"))
        .unwrap();
        let (status, _, bytes) = env.send(request).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&bytes)
        );
        assert_eq!(version_of(&env, id).await, 4);
    }
}
