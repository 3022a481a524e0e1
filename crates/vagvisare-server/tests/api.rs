//! The API suite, through the router without a socket, against SQLite always and against
//! PostgreSQL when `VAGVISARE_TEST_PG_URL` is set (scripts/server-tests.sh sets it).

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use serde_json::{json, Value};
use vagvisare::case::{
    access, Actor, Case, CaseRules, Command, CommandKind, Form, Person, Role, Workflow,
};

// ---------------------------------------------------------------- suggest

/// The kind of the match of query word `word` in guide `id`'s suggestion, if shown.
fn kind_of(answer: &Value, id: &str, word: &str) -> Option<String> {
    answer["suggestions"]
        .as_array()?
        .iter()
        .find(|s| s["id"] == id)?["matched"]
        .as_array()?
        .iter()
        .find(|m| m["query"] == word)
        .and_then(|m| m["kind"].as_str().map(str::to_string))
}

#[tokio::test]
async fn the_thesaurus_is_on_unless_the_config_turns_it_off() {
    // "ark" (sheet) is in no guide; the thesaurus has it as a synonym of "papper".
    for (on, envs) in [
        (true, envs(|_| {}).await),
        (false, envs(|c| c.thesaurus = false).await),
    ] {
        for env in envs {
            env.add_small_guides().await;
            let (status, answer) = env.suggest("skrivaren har slut på ark ").await;
            assert_eq!(status, StatusCode::OK, "{}", env.backend);
            let kind = kind_of(&answer, "printer", "ark");
            assert_eq!(
                kind.as_deref(),
                on.then_some("synonym"),
                "{}: thesaurus {on}: {answer}",
                env.backend
            );
        }
    }
}

#[tokio::test]
async fn suggest_finds_guides_as_people_type() {
    for env in envs(|_| {}).await {
        env.add_small_guides().await;
        for (typed, expected) in [
            ("glömt lösen", "pw-komnet"),
            ("glomt losenordet", "pw-komnet"),
            ("skrivarn skriver int", "printer"),
            ("soptunnan har inte tömts", "soptunna"),
        ] {
            let (status, answer) = env.suggest(typed).await;
            assert_eq!(status, StatusCode::OK, "{}: {typed}", env.backend);
            assert_eq!(
                ids(&answer).first().map(String::as_str),
                Some(expected),
                "{}: {typed}: {answer}",
                env.backend
            );
        }
        // Limit, category and audience filters.
        let (_, answer) = env
            .call("GET", "/api/suggest?q=t&limit=1", None, None)
            .await;
        assert!(ids(&answer).len() <= 1);
        let (_, answer) = env
            .call(
                "GET",
                &format!(
                    "/api/suggest?q={}&category={}",
                    q("lösenord skrivare"),
                    q("IT och telefoni > Skrivare")
                ),
                None,
                None,
            )
            .await;
        assert_eq!(ids(&answer), ["printer"], "{}", env.backend);
        let (_, answer) = env
            .call(
                "GET",
                &format!("/api/suggest?q=treserva&audience={}", q("invånare")),
                None,
                None,
            )
            .await;
        assert!(
            ids(&answer).is_empty(),
            "{}: an utförare guide shown to invånare",
            env.backend
        );
        let (_, answer) = env
            .call(
                "GET",
                &format!("/api/suggest?q=treserva&audience={}", q("utförare")),
                None,
                None,
            )
            .await;
        assert_eq!(ids(&answer), ["treserva-behorighet"]);
        // The same as a JSON POST.
        let (status, answer) = env
            .call(
                "POST",
                "/api/suggest",
                None,
                Some(json!({"q": "glömt lösen", "limit": 2})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ids(&answer)[0], "pw-komnet");
        // The match explains itself ("För lösenord").
        assert!(answer["suggestions"][0]["matched"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["kind"] == "prefix" || m["kind"] == "exact"));
    }
}

#[tokio::test]
async fn suggest_never_errors_on_any_text() {
    for env in envs(|_| {}).await {
        env.add_small_guides().await;
        let long = "lösenord ".repeat(2_000);
        let queries = [
            String::new(),
            "q=".to_string(),
            format!("q={}", q("\"AND OR ( ) * ~ ^ : [ ] { } \\ /")),
            format!("q={}", q("🙂🙂🙂 ñ ü ß")),
            "q=%zz%".to_string(),
            "q=%FF%FE%00".to_string(),
            format!("q={}", q("\u{0}\u{1}\u{7f}")),
            "q=+++&&&===".to_string(),
            format!("q={}", q(&long)),
            format!("q={}", q("a\u{30A}terst\u{e4}lla")),
        ];
        for query in &queries {
            let (status, answer) = env
                .call("GET", &format!("/api/suggest?{query}"), None, None)
                .await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{}: {query:.80}: {answer}",
                env.backend
            );
            assert!(answer["suggestions"].is_array(), "{query:.80}");
        }
        let (_, answer) = env.suggest(&long).await;
        assert_eq!(answer["query_truncated"], true);
        assert_eq!(ids(&answer)[0], "pw-komnet");
        let (_, answer) = env.call("GET", "/api/suggest?q=glömt", None, None).await;
        assert_eq!(answer["query_truncated"], false);
        // A limit that is not a number is a clear 400, not a crash; a huge one is capped.
        let (status, answer) = env
            .call("GET", "/api/suggest?q=x&limit=many", None, None)
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, "bad_request")
        );
        let (status, _) = env
            .call("GET", "/api/suggest?q=lösenord&limit=100000", None, None)
            .await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn suggest_works_on_the_bundled_guides() {
    // One store is enough: this checks the bundled set is stored and indexed at first start.
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&Backend::Sqlite, &dir);
    config.seed_bundled_guides = true;
    let env = open_with(config.clone(), "sqlite", None).await;
    let (_, health) = env.call("GET", "/health", None, None).await;
    let count = health["guides"].as_u64().unwrap();
    assert!(count >= 100, "{health}");
    let (_, answer) = env.suggest("glömt lösen").await;
    assert_eq!(ids(&answer)[0], "it-losenord-komnet-glomt");
    // Seeding happens once in a database's life: a guide deleted stays deleted after a restart.
    let (status, _) = env
        .admin("DELETE", "/api/guides/it-losenord-komnet-glomt", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    drop(env);
    let again = open_with(config, "sqlite", Some(dir)).await;
    let (_, health) = again.call("GET", "/health", None, None).await;
    assert_eq!(health["guides"].as_u64().unwrap(), count - 1);
}

// ---------------------------------------------------------------- guides

#[tokio::test]
async fn guide_editing_needs_the_admin_token() {
    for env in envs(|_| {}).await {
        let guide = json!({"title": "Byta toner", "body": "Så byter du toner i skrivaren.", "category": "IT och telefoni > Skrivare"});
        let put = |token: Option<&'static str>| {
            let mut request = Request::builder()
                .method("PUT")
                .uri("/api/guides/toner")
                .header("content-type", "application/json");
            if let Some(token) = token {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            request.body(Body::from(guide.to_string())).unwrap()
        };
        let (status, _, body) = env.send(put(None)).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{}",
            String::from_utf8_lossy(&body)
        );
        let (status, _, _) = env.send(put(Some("wrong-token"))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (_, answer) = env.call("GET", "/api/suggest?q=toner", None, None).await;
        assert!(
            ids(&answer).is_empty(),
            "{}: stored without the token",
            env.backend
        );
        let (status, _, _) = env.send(put(Some(TOKEN))).await;
        assert_eq!(status, StatusCode::OK);
        let (_, answer) = env.call("GET", "/api/suggest?q=toner", None, None).await;
        assert_eq!(ids(&answer), ["toner"], "{}", env.backend);
        let (status, got) = env.call("GET", "/api/guides/toner", None, None).await;
        assert_eq!(
            (status, got["title"].as_str()),
            (StatusCode::OK, Some("Byta toner"))
        );
        // Delete: gone from suggestions and from the store.
        let (status, _) = env.admin("DELETE", "/api/guides/toner", None).await;
        assert_eq!(status, StatusCode::OK);
        let (_, answer) = env.call("GET", "/api/suggest?q=toner", None, None).await;
        assert!(ids(&answer).is_empty());
        let (status, answer) = env.admin("DELETE", "/api/guides/toner", None).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::NOT_FOUND, "guide_not_found")
        );
    }
    // Without a configured token, editing is off altogether.
    for env in envs(|c| c.admin_token = None).await {
        let (status, answer) = env.admin("POST", "/api/guides", Some(small_guides())).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::FORBIDDEN, "guide_editing_disabled")
        );
    }
}

/// `POST /api/guides` with a CSV body (issue 22): stored like a JSON array, a bad row refused
/// with its line and nothing stored.
#[tokio::test]
async fn guides_are_posted_as_csv() {
    for env in envs(|_| {}).await {
        let post = |csv: &'static str| {
            Request::builder()
                .method("POST")
                .uri("/api/guides")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "text/csv; charset=utf-8")
                .body(Body::from(csv))
                .expect("request")
        };
        let bad = "id,title,body\nett,Ett,\"text, med komma\"\ntva,,text\n";
        let (status, _, bytes) = env.send(post(bad)).await;
        let answer: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_guide")
        );
        assert!(answer.to_string().contains("line 3"), "{answer}");
        let (status, _) = env.call("GET", "/api/guides/ett", None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", env.backend);

        let good = "id,title,body,category,audiences\ncsv-larm,Larmet larmar inte,\"Testa knappen,\nring oss.\",Vård,utförare;handläggare\n";
        let (status, _, bytes) = env.send(post(good)).await;
        let answer: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["stored"], 1);
        let (status, guide) = env.call("GET", "/api/guides/csv-larm", None, None).await;
        assert_eq!(status, StatusCode::OK, "{}", env.backend);
        assert_eq!(guide["body"], "Testa knappen,\nring oss.");
        assert_eq!(guide["audiences"], json!(["utförare", "handläggare"]));
    }
}

#[tokio::test]
async fn a_bad_guide_refuses_the_whole_batch() {
    for env in envs(|_| {}).await {
        let batch = json!([
            {"id": "ok", "title": "En bra guide", "body": "text"},
            {"id": "bad", "title": "  ", "body": "ingen rubrik"}
        ]);
        let (status, answer) = env.admin("POST", "/api/guides", Some(batch)).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_guide")
        );
        let twice = json!([{"id": "a", "title": "A"}, {"id": "a", "title": "B"}]);
        let (status, _) = env.admin("POST", "/api/guides", Some(twice)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = env.call("GET", "/api/guides/ok", None, None).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{}: part of a refused batch was stored",
            env.backend
        );
        let (status, answer) = env
            .admin(
                "PUT",
                "/api/guides/x",
                Some(json!({"id": "y", "title": "Fel id"})),
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_guide")
        );
    }
}

#[tokio::test]
async fn instances_over_one_store_pick_up_each_others_guide_changes() {
    for env in envs(|_| {}).await {
        // A second instance on the same database.
        let second = open_with(env.config.clone(), env.backend, None).await;
        let poll = second.app.spawn_guide_poll();
        env.add_small_guides().await;
        let started = std::time::Instant::now();
        loop {
            let (_, answer) = second.suggest("glömt lösen").await;
            if ids(&answer).first().map(String::as_str) == Some("pw-komnet") {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{}: the second instance did not catch up",
                env.backend
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // A deletion through the second instance reaches the first.
        let (status, _) = second.admin("DELETE", "/api/guides/pw-komnet", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(env.app.sync_guides().await.unwrap(), 1);
        let (_, answer) = env.suggest("glömt lösen").await;
        assert!(!ids(&answer).contains(&"pw-komnet".to_string()));
        poll.abort();
    }
}

// ---------------------------------------------------------------- cases

#[tokio::test]
async fn a_service_desk_case_from_filing_to_closing() {
    for env in envs(|_| {}).await {
        let case = env
            .file_case(&JESSICA, "Kan inte logga in i Treserva")
            .await;
        assert_eq!(case["number"], "C2304625", "{}", env.backend);
        assert_eq!(case["status_label"], "Registrerad");
        assert_eq!(case["version"], 1);
        assert!(
            case["due"]["date"].is_string(),
            "due in two working days: {case}"
        );
        let second = env.file_case(&JESSICA, "Skrivaren skriver inte").await;
        assert_eq!(second["number"], "C2304626");
        let id = case["id"].as_i64().unwrap();

        // Mina ärenden: both open.
        let (_, mine) = env.call("GET", "/api/cases", Some(&JESSICA), None).await;
        assert_eq!(mine["open"].as_array().unwrap().len(), 2, "{mine}");
        assert_eq!(mine["closed"].as_array().unwrap().len(), 0);

        // The officer of Användarstöd sees it in the organisation's list, assigns and asks.
        let (_, queue) = env
            .call("GET", "/api/cases?scope=organisation", Some(&JULIA), None)
            .await;
        assert_eq!(queue["open"].as_array().unwrap().len(), 2, "{queue}");
        let uri = format!("/api/cases/{id}/commands");
        let (status, after) = env
            .call("POST", &uri, Some(&JULIA), Some(json!({"command": "assign", "officer": {"id": "julia", "name": "Landsell, Julia"}})))
            .await;
        assert_eq!(status, StatusCode::OK, "{after}");
        assert_eq!(after["status_label"], "Tilldelad");
        let (status, after) = env
            .call(
                "POST",
                &format!("/api/cases/{id}/request-supplement"),
                Some(&JULIA),
                Some(json!({"message": "Vilken enhet gäller det?"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{after}");
        assert_eq!(after["status_label"], "Väntar på användare");

        // The requester sees the request and may supplement.
        let (_, seen) = env
            .call("GET", &format!("/api/cases/{id}"), Some(&JESSICA), None)
            .await;
        assert!(
            seen["allowed_commands"]
                .as_array()
                .unwrap()
                .contains(&json!("supplement")),
            "{seen}"
        );
        assert_eq!(seen["messages"][0]["text"], "Vilken enhet gäller det?");
        let (status, after) = env
            .call(
                "POST",
                &format!("/api/cases/{id}/supplement"),
                Some(&JESSICA),
                Some(json!({"answers": {"Enhet": "Hemtjänst Norr"}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{after}");
        assert_eq!(after["status_label"], "Besvarat av användaren");
        assert_eq!(after["answers"]["Enhet"], "Hemtjänst Norr");
        let (status, after) = env
            .call(
                "POST",
                &format!("/api/cases/{id}/messages"),
                Some(&JESSICA),
                Some(json!({"text": "Tack!"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(after["messages"][1]["direction"], "to_officer");

        // Closed by the officer: it moves to the closed list.
        let (status, after) = env
            .call(
                "POST",
                &uri,
                Some(&JULIA),
                Some(json!({"command": "close", "resolution": "Löst"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{after}");
        assert_eq!(after["category"], "closed");
        let (_, mine) = env.call("GET", "/api/cases", Some(&JESSICA), None).await;
        assert_eq!(mine["closed"][0]["id"], id);
        let rows: Vec<&str> = after["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["event"].as_str().unwrap())
            .collect();
        assert_eq!(rows.first(), Some(&"Inskickat"));
        assert_eq!(rows.len(), after["version"].as_u64().unwrap() as usize);
    }
}

#[tokio::test]
async fn an_e_service_draft_is_private_until_submitted() {
    for env in envs(|_| {}).await {
        let (status, draft) = env
            .call("POST", "/api/cases", Some(&JESSICA), Some(json!({"service": "Medborgarförslag", "description": "Fler parkbänkar", "draft": true})))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{draft}");
        assert_eq!(draft["status_label"], "Sparat");
        assert!(draft["number"].is_null());
        let id = draft["id"].as_i64().unwrap();
        let (status, _) = env
            .call("GET", &format!("/api/cases/{id}"), Some(&SKELLEFTEA), None)
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{}: an officer saw a draft",
            env.backend
        );
        let (_, mine) = env.call("GET", "/api/cases", Some(&JESSICA), None).await;
        assert_eq!(mine["drafts"][0]["id"], id);
        // The form's rules, by the core: the proposal is required once submitted, and the
        // form has no field "Kommun"; each refusal names the field, and the draft stays one.
        for (answers, field) in [
            (json!({"Plats": "Nordanå"}), "Beskriv ditt förslag"),
            (
                json!({"Beskriv ditt förslag": "Bänkar", "Kommun": "Skellefteå"}),
                "Kommun",
            ),
            (
                json!({"Beskriv ditt förslag": "Bänkar", "Plats": "Nordanå\nvid ån"}),
                "Plats",
            ),
        ] {
            let (status, refused) = env
                .call(
                    "POST",
                    &format!("/api/cases/{id}/submit"),
                    Some(&JESSICA),
                    Some(json!({ "answers": answers })),
                )
                .await;
            assert_eq!(
                (status, code(&refused)),
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_answer"),
                "{}: {refused}",
                env.backend
            );
            assert_eq!(refused["error"]["field"], field, "{refused}");
            assert!(
                refused["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(field),
                "{refused}"
            );
        }
        let (_, mine) = env.call("GET", "/api/cases", Some(&JESSICA), None).await;
        assert_eq!(mine["drafts"][0]["id"], id, "still a draft: {mine}");
        let (status, submitted) = env
            .call(
                "POST",
                &format!("/api/cases/{id}/submit"),
                Some(&JESSICA),
                Some(json!({"answers": {"Plats": "Nordanå", "Beskriv ditt förslag": "Vid ån."}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{submitted}");
        assert_eq!(submitted["number"], "113");
        assert_eq!(submitted["answers"]["Plats"], "Nordanå");
        let (status, seen) = env
            .call("GET", &format!("/api/cases/{id}"), Some(&SKELLEFTEA), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{seen}");
        // The service desk workflow has no drafts: the model refuses.
        let (status, answer) = env
            .call(
                "POST",
                "/api/cases",
                Some(&JESSICA),
                Some(
                    json!({"service": "Kontakta Användarstöd", "description": "x", "draft": true}),
                ),
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::CONFLICT, "transition_not_allowed")
        );
    }
}

#[tokio::test]
async fn nobody_sees_or_acts_on_a_case_the_model_does_not_let_them() {
    for env in envs(|_| {}).await {
        let case = env.file_case(&JESSICA, "Mitt ärende").await;
        let id = case["id"].as_i64().unwrap();
        let uri = format!("/api/cases/{id}");
        // Another requester: the case does not exist for them, in any way.
        for (method, path, body) in [
            ("GET", uri.clone(), None),
            (
                "POST",
                format!("{uri}/messages"),
                Some(json!({"text": "hej"})),
            ),
            (
                "POST",
                format!("{uri}/commands"),
                Some(json!({"command": "close"})),
            ),
            (
                "POST",
                format!("{uri}/supplement"),
                Some(json!({"answers": {}})),
            ),
        ] {
            let (status, answer) = env.call(method, &path, Some(&BOB), body).await;
            assert_eq!(
                (status, code(&answer)),
                (StatusCode::NOT_FOUND, "case_not_found"),
                "{}: {method} {path}",
                env.backend
            );
        }
        let (_, mine) = env.call("GET", "/api/cases", Some(&BOB), None).await;
        assert!(mine["open"].as_array().unwrap().is_empty(), "{mine}");
        // An officer of another organisation neither.
        let (status, _) = env.call("GET", &uri, Some(&OLLE), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, queue) = env
            .call("GET", "/api/cases?scope=organisation", Some(&OLLE), None)
            .await;
        assert!(queue["open"].as_array().unwrap().is_empty());
        // Only officers have an organisation list.
        let (status, answer) = env
            .call("GET", "/api/cases?scope=organisation", Some(&JESSICA), None)
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::FORBIDDEN, "no_access")
        );
        // The requester cannot close their own case: the workflow says so.
        let (status, answer) = env
            .call(
                "POST",
                &format!("{uri}/commands"),
                Some(&JESSICA),
                Some(json!({"command": "close"})),
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::CONFLICT, "transition_not_allowed")
        );
        // Shared with Bob: he sees it and may write, but not supplement.
        let (status, _) = env
            .call(
                "POST",
                &format!("{uri}/commands"),
                Some(&JESSICA),
                Some(json!({"command": "share", "person": {"id": "bob", "name": "Bob Andersson"}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, seen) = env.call("GET", &uri, Some(&BOB), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(seen["relations"], json!(["shared_with"]));
        let (status, _) = env
            .call(
                "POST",
                &format!("{uri}/messages"),
                Some(&BOB),
                Some(json!({"text": "Jag har samma problem"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, answer) = env
            .call(
                "POST",
                &format!("{uri}/commands"),
                Some(&BOB),
                Some(json!({"command": "share", "person": {"id": "eve", "name": "Eve"}})),
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::FORBIDDEN, "no_access"),
            "{answer}"
        );
        // No user header at all.
        let (status, answer) = env.call("GET", &uri, None, None).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNAUTHORIZED, "unauthenticated")
        );
        let (status, _) = env.call("GET", "/api/cases", None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // Ids that are not numbers are simply not found.
        let (status, _) = env
            .call("GET", "/api/cases/abc", Some(&JESSICA), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn approvals_gate_the_work() {
    for env in envs(|_| {}).await {
        let (status, case) = env
            .call("POST", "/api/cases", Some(&JESSICA), Some(json!({
                "service": "Kontakta Användarstöd", "description": "Behörighet Treserva",
                "answers": required_answers("Kontakta Användarstöd"),
                "approvers": [{"id": "ulla", "name": "Ulla Användare"}, {"id": "chef", "name": "Chef Chefsson"}]})))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        let id = case["id"].as_i64().unwrap();
        let uri = format!("/api/cases/{id}/commands");
        // The requester is no approver: she is offered no decision.
        assert!(!case["allowed_commands"]
            .as_array()
            .unwrap()
            .contains(&json!("approve")));
        let (status, answer) = env
            .call(
                "POST",
                &uri,
                Some(&JULIA),
                Some(json!({"command": "start"})),
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::CONFLICT, "approvals_pending")
        );
        let chef = User {
            id: "chef",
            name: "Chef Chefsson",
            role: "approver",
            organisation: None,
        };
        let (status, _) = env
            .call(
                "POST",
                &uri,
                Some(&ULLA),
                Some(json!({"command": "approve"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, answer) = env
            .call(
                "POST",
                &uri,
                Some(&ULLA),
                Some(json!({"command": "approve"})),
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::CONFLICT, "already_decided")
        );
        let (status, _) = env
            .call(
                "POST",
                &uri,
                Some(&chef),
                Some(json!({"command": "approve"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, after) = env
            .call(
                "POST",
                &uri,
                Some(&JULIA),
                Some(json!({"command": "start"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{after}");
        assert_eq!(after["status_label"], "Pågående");
    }
}

/// Someone the case concerns, who approves it in the portal as a requester-role user.
const ULLA: User = User {
    id: "ulla",
    name: "Ulla Användare",
    role: "requester",
    organisation: None,
};

/// A manager who approves.
const CHEF: User = User {
    id: "chef",
    name: "Chef Chefsson",
    role: "approver",
    organisation: None,
};

/// Issue 20.2: a requester named themselves approver and then approved their own case.
#[tokio::test]
async fn a_requester_can_never_approve_their_own_case() {
    for env in envs(|_| {}).await {
        for approvers in [
            json!([{"id": "jeseks", "name": "Ragnar, Jessica"}]),
            json!([{"id": "chef", "name": "Chef Chefsson"}, {"id": "jeseks", "name": "Jessica"}]),
        ] {
            let (status, answer) = env
                .call("POST", "/api/cases", Some(&JESSICA), Some(json!({
                    "service": "Kontakta Användarstöd", "description": "Behörighet", "approvers": approvers,
                    "answers": required_answers("Kontakta Användarstöd")})))
                .await;
            assert_eq!(
                (status, code(&answer)),
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_command"),
                "{}: {answer}",
                env.backend
            );
            assert!(answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("requester"));
        }
        // The e-service has no approvals: nobody can be named.
        let (status, answer) = env
            .call("POST", "/api/cases", Some(&JESSICA), Some(json!({
                "service": "Medborgarförslag", "description": "Bänkar", "approvers": [{"id": "chef", "name": "Chef"}],
                "answers": required_answers("Medborgarförslag")})))
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_command"),
            "{answer}"
        );
        // Nothing was filed.
        let (_, mine) = env.call("GET", "/api/cases", Some(&JESSICA), None).await;
        assert!(mine["open"].as_array().unwrap().is_empty(), "{mine}");
    }
}

fn core_actor(user: &User) -> Actor {
    let actor = Actor::new(user.id, user.name, user.role.parse::<Role>().unwrap());
    match user.organisation {
        Some(organisation) => actor.in_organisation(organisation),
        None => actor,
    }
}

/// Every user's view of case `id` against the core's answer on `case`, the same case run
/// through the core alone: who sees it, and which commands each may run.
async fn assert_views_match_the_core(
    env: &Env,
    id: i64,
    case: &Case,
    rules: &CaseRules,
    step: &str,
) {
    for user in [&JESSICA, &BOB, &JULIA, &OLLE, &SKELLEFTEA, &ULLA, &CHEF] {
        let actor = core_actor(user);
        let (status, seen) = env
            .call("GET", &format!("/api/cases/{id}"), Some(user), None)
            .await;
        if !access::can_view(case, &actor) {
            assert_eq!(status, StatusCode::NOT_FOUND, "{step}: {} saw it", user.id);
            continue;
        }
        assert_eq!(status, StatusCode::OK, "{step}: {}", user.id);
        let service: Vec<&str> = seen["allowed_commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let core: Vec<&str> = case
            .allowed_commands(rules, &actor)
            .into_iter()
            .map(CommandKind::id)
            .collect();
        assert_eq!(service, core, "{}: {step}: {}", env.backend, user.id);
    }
}

#[tokio::test]
async fn the_case_view_offers_what_the_core_allows_on_both_seeds() {
    let at = chrono::DateTime::parse_from_rfc3339("2023-01-27T13:10:00+01:00").unwrap();
    for env in envs(|_| {}).await {
        for (service, organisation, workflow, number, steps) in [
            (
                "Kontakta Användarstöd",
                "Användarstöd",
                Workflow::service_desk(),
                "C2304625",
                vec![
                    (&ULLA, json!({"command": "approve"})),
                    (&CHEF, json!({"command": "approve"})),
                    (
                        &JULIA,
                        json!({"command": "assign", "officer": {"id": "julia", "name": "Landsell, Julia"}}),
                    ),
                    (
                        &JULIA,
                        json!({"command": "request_supplement", "message": "Vilken enhet?"}),
                    ),
                    (
                        &JESSICA,
                        json!({"command": "supplement", "answers": {"Enhet": "Norr"}}),
                    ),
                    (
                        &JESSICA,
                        json!({"command": "share", "person": {"id": "bob", "name": "Bob Andersson"}}),
                    ),
                    (
                        &JULIA,
                        json!({"command": "wait_for_third_party", "party": "Leverantören"}),
                    ),
                    (&JULIA, json!({"command": "close", "resolution": "Löst"})),
                ],
            ),
            (
                "Medborgarförslag",
                "Skellefteå kommun",
                Workflow::e_service(),
                "113",
                vec![
                    (&SKELLEFTEA, json!({"command": "start"})),
                    (
                        &SKELLEFTEA,
                        json!({"command": "request_supplement", "message": "Var?"}),
                    ),
                    (
                        &JESSICA,
                        json!({"command": "supplement", "answers": {"Plats": "Nordanå"}}),
                    ),
                    (
                        &JESSICA,
                        json!({"command": "share", "person": {"id": "bob", "name": "Bob Andersson"}}),
                    ),
                    (&SKELLEFTEA, json!({"command": "close"})),
                ],
            ),
        ] {
            let rules = CaseRules::new(workflow);
            let desk = rules.workflow.has_approvals();
            let approvers = if desk {
                vec![
                    Person::new("ulla", "Ulla Användare"),
                    Person::new("chef", "Chef Chefsson"),
                ]
            } else {
                vec![]
            };
            let (status, filed) = env
                .call(
                    "POST",
                    "/api/cases",
                    Some(&JESSICA),
                    Some(json!({
                    "service": service, "description": "Genomgång", "approvers": approvers,
                    "answers": required_answers(service)})),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{filed}");
            let id = filed["id"].as_i64().unwrap();
            let mut case = Case::new();
            let mut form = Form::new(service, organisation, "Genomgång");
            for (field, answer) in required_answers(service).as_object().unwrap() {
                form = form.answer(field, answer.as_str().unwrap());
            }
            let submit = Command::Submit {
                number: number.parse().unwrap(),
                form,
                approvers,
            };
            case.execute(&rules, &core_actor(&JESSICA), submit, at)
                .unwrap();
            assert_views_match_the_core(&env, id, &case, &rules, "submitted").await;
            for (user, command) in steps {
                let step = command["command"].as_str().unwrap().to_string();
                let (status, answer) = env
                    .call(
                        "POST",
                        &format!("/api/cases/{id}/commands"),
                        Some(user),
                        Some(command.clone()),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{step}: {answer}");
                let command: Command = serde_json::from_value(command).unwrap();
                case.execute(&rules, &core_actor(user), command, at)
                    .unwrap();
                assert_eq!(answer["status"], case.status(), "{step}");
                assert_views_match_the_core(&env, id, &case, &rules, &step).await;
            }
        }
    }
}

#[tokio::test]
async fn a_command_on_a_stale_version_is_refused() {
    for env in envs(|_| {}).await {
        let case = env.file_case(&JESSICA, "Versioner").await;
        let id = case["id"].as_i64().unwrap();
        let uri = format!("/api/cases/{id}/messages");
        let (status, _) = env
            .call(
                "POST",
                &uri,
                Some(&JESSICA),
                Some(json!({"text": "ett", "expected_version": 1})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, answer) = env
            .call(
                "POST",
                &uri,
                Some(&JESSICA),
                Some(json!({"text": "två", "expected_version": 1})),
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::CONFLICT, "version_conflict"),
            "{answer}"
        );
        assert_eq!(answer["error"]["current_version"], 2);
        let (_, seen) = env
            .call("GET", &format!("/api/cases/{id}"), Some(&JESSICA), None)
            .await;
        assert_eq!(
            seen["version"], 2,
            "{}: the refused command wrote something",
            env.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_commands_never_apply_against_the_same_state() {
    for env in envs(|_| {}).await {
        let case = env.file_case(&JESSICA, "Samtidigt").await;
        let id = case["id"].as_i64().unwrap();
        let env = std::sync::Arc::new(env);
        // Eight commands that all saw version 1: exactly one may apply.
        let mut tasks = Vec::new();
        for i in 0..8 {
            let env = std::sync::Arc::clone(&env);
            tasks.push(tokio::spawn(async move {
                env.call(
                    "POST",
                    &format!("/api/cases/{id}/messages"),
                    Some(&JESSICA),
                    Some(json!({"text": format!("meddelande {i}"), "expected_version": 1})),
                )
                .await
            }));
        }
        let mut ok = 0;
        for task in tasks {
            let (status, answer) = task.await.unwrap();
            match status {
                StatusCode::OK => ok += 1,
                StatusCode::CONFLICT => assert_eq!(code(&answer), "version_conflict"),
                other => panic!("{}: {other}: {answer}", env.backend),
            }
        }
        assert_eq!(
            ok, 1,
            "{}: {ok} commands applied against version 1",
            env.backend
        );
        // Without an expected version, racing commands either apply on distinct versions or
        // are refused; the history has no gap and no duplicate.
        let mut tasks = Vec::new();
        for i in 0..8 {
            let env = std::sync::Arc::clone(&env);
            tasks.push(tokio::spawn(async move {
                env.call(
                    "POST",
                    &format!("/api/cases/{id}/messages"),
                    Some(&JESSICA),
                    Some(json!({"text": format!("fri {i}")})),
                )
                .await
            }));
        }
        let mut versions = Vec::new();
        for task in tasks {
            let (status, answer) = task.await.unwrap();
            match status {
                StatusCode::OK => versions.push(answer["version"].as_u64().unwrap()),
                StatusCode::CONFLICT => assert_eq!(code(&answer), "version_conflict"),
                other => panic!("{}: {other}: {answer}", env.backend),
            }
        }
        let mut unique = versions.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(
            unique.len(),
            versions.len(),
            "{}: two commands ended on the same version",
            env.backend
        );
        let (_, seen) = env
            .call("GET", &format!("/api/cases/{id}"), Some(&JESSICA), None)
            .await;
        assert_eq!(seen["version"].as_u64().unwrap(), 2 + versions.len() as u64);
        assert_eq!(
            seen["messages"].as_array().unwrap().len(),
            1 + versions.len()
        );
    }
}

// ---------------------------------------------------------------- attachments

#[tokio::test]
async fn attachments_are_stored_and_limited() {
    for env in envs(|c| c.limits.attachment_bytes = 4096).await {
        let case = env.file_case(&JESSICA, "Med bilaga").await;
        let id = case["id"].as_i64().unwrap();
        let content: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
        let upload = |bytes: Vec<u8>| {
            Request::builder()
                .method("POST")
                .uri(format!(
                    "/api/cases/{id}/attachments?name={}&text={}",
                    q("Ursprunglig förfrågan.pdf"),
                    q("Se bilaga")
                ))
                .header("x-vagvisare-user", "jeseks")
                .header("content-type", "application/octet-stream")
                .body(Body::from(bytes))
                .unwrap()
        };
        let (status, _, body) = env.send(upload(content.clone())).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let after: Value = serde_json::from_slice(&body).unwrap();
        let attachment = &after["messages"][0]["attachments"][0];
        assert_eq!(attachment["name"], "Ursprunglig förfrågan.pdf");
        assert_eq!(attachment["size_bytes"], 3000);
        let url = attachment["url"].as_str().unwrap().to_string();
        let download = |user: &'static str| {
            Request::builder()
                .uri(url.clone())
                .header("x-vagvisare-user", user)
                .body(Body::empty())
                .unwrap()
        };
        let (status, headers, bytes) = env.send(download("jeseks")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(bytes, content, "{}", env.backend);
        assert!(headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("Ursprunglig%20f%C3%B6rfr%C3%A5gan.pdf"));
        let (status, _, _) = env.send(download("bob")).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{}: another user downloaded the file",
            env.backend
        );
        // Over the limit: refused, nothing written.
        let (status, _, body) = env.send(upload(vec![0u8; 5000])).await;
        let answer: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::PAYLOAD_TOO_LARGE, "attachment_too_large")
        );
        let (_, seen) = env
            .call("GET", &format!("/api/cases/{id}"), Some(&JESSICA), None)
            .await;
        assert_eq!(seen["version"], 2);
    }
}

#[test]
fn the_default_attachment_limit_is_50_mb() {
    assert_eq!(
        vagvisare_server::Limits::default().attachment_bytes,
        50 * 1024 * 1024
    );
}

// ---------------------------------------------------------------- feedback

#[tokio::test]
async fn feedback_is_stored_redacted() {
    for env in envs(|_| {}).await {
        env.add_small_guides().await;
        let (status, answer) = env
            .call(
                "POST",
                "/api/feedback",
                Some(&JESSICA),
                Some(json!({
                "q": "glömt lösen för patient 19810105-2382, ring 070-123 45 67",
                "guide": "pw-komnet", "helped": true, "rank": 1})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        let (status, _) = env
            .call("POST", "/api/feedback", None, Some(json!({"q": "skrivare", "helped": false, "filed_anyway": true, "case_number": "C2304625"})))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let store = env.app.store();
        let rows = tokio::task::spawn_blocking(move || store.feedback(10))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rows.len(), 2);
        let helped = rows.iter().find(|r| r.helped).unwrap();
        assert!(
            !helped.query.contains("2382") && !helped.query.contains("45 67"),
            "{}",
            helped.query
        );
        assert!(helped.query.contains("[personnummer]"));
        assert_eq!(
            (helped.guide.as_deref(), helped.rank),
            (Some("pw-komnet"), Some(1))
        );
        let key = helped.actor.as_deref().unwrap();
        assert!(!key.contains("jeseks"));
        let filed = rows.iter().find(|r| !r.helped).unwrap();
        assert!(filed.filed_anyway && filed.actor.is_none());
        assert_eq!(filed.case_number.as_deref(), Some("C2304625"));
        let (status, answer) = env
            .call(
                "POST",
                "/api/feedback",
                None,
                Some(json!({"q": "x", "guide": "no-such-guide", "helped": true})),
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::NOT_FOUND, "guide_not_found")
        );
    }
}

#[tokio::test]
async fn helped_feedback_teaches_every_instance_and_the_report_counts_it() {
    for env in envs(|_| {}).await {
        env.add_small_guides().await;
        let second = open_with(env.config.clone(), env.backend, None).await;
        // Learning is measured by words alone: the semantic stage finds the printer guide for
        // "kopiatorn" on its own (kopiator is near skrivare).
        let asked = format!("/api/suggest?semantic=0&q={}", q("kopiatorn hackar"));
        let (_, before) = env.call("GET", &asked, None, None).await;
        assert!(
            !ids(&before).contains(&"printer".to_string()),
            "{}: nothing in the printer guide says kopiator: {before}",
            env.backend
        );
        let (status, answer) = env
            .call(
                "POST",
                "/api/feedback",
                Some(&JESSICA),
                Some(
                    json!({"q": "kopiatorn hackar", "guide": "printer", "helped": true, "rank": 2}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        // One person alone teaches nothing; a second person giving the same text does.
        let (_, alone) = env.call("GET", &asked, None, None).await;
        assert!(!ids(&alone).contains(&"printer".to_string()), "{alone}");
        let (status, answer) = env
            .call(
                "POST",
                "/api/feedback",
                Some(&ULLA),
                Some(json!({"q": "Kopiatorn hackar!", "guide": "printer", "helped": true})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        // The instance that stored it has learned it at once ...
        let (_, after) = env.call("GET", &asked, None, None).await;
        assert_eq!(
            ids(&after).first().map(String::as_str),
            Some("printer"),
            "{after}"
        );
        let kinds: Vec<&str> = after["suggestions"][0]["matched"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["kind"].as_str())
            .collect();
        assert!(kinds.contains(&"learned"), "{}: {after}", env.backend);
        // ... a running instance learns it when it polls ...
        assert_eq!(second.app.sync_feedback().await.unwrap(), 1);
        assert_eq!(second.app.sync_feedback().await.unwrap(), 0, "learned once");
        let (_, seen) = second.call("GET", &asked, None, None).await;
        assert_eq!(ids(&seen).first().map(String::as_str), Some("printer"));
        // ... and one started later replays it.
        let third = open_with(env.config.clone(), env.backend, None).await;
        let (_, seen) = third.call("GET", &asked, None, None).await;
        assert_eq!(ids(&seen).first().map(String::as_str), Some("printer"));
        // "Nej" teaches nothing, and is a content gap in the report.
        let (status, _) = env
            .call(
                "POST",
                "/api/feedback",
                None,
                Some(json!({"q": "parkeringstillstånd", "helped": false, "filed_anyway": true})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, answer) = env.call("GET", "/api/feedback/report", None, None).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNAUTHORIZED, "admin_token_required")
        );
        let (status, report) = env.admin("GET", "/api/feedback/report?gaps=5", None).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(
            (report["answers"].as_u64(), report["helped"].as_u64()),
            (Some(3), Some(2)),
            "{report}"
        );
        assert!(
            report["gaps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["text"] == "parkeringstillstånd"),
            "{report}"
        );
        let (status, answer) = env.admin("GET", "/api/feedback/report?gaps=x", None).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, "bad_request")
        );
    }
}

// ---------------------------------------------------------------- errors, limits, logs

#[tokio::test]
async fn every_error_is_json_with_a_code_from_the_table() {
    for env in envs(|c| c.limits.body_bytes = 1024).await {
        let (status, answer) = env.call("GET", "/no/such/route", None, None).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::NOT_FOUND, "not_found")
        );
        let (status, answer) = env.call("DELETE", "/api/suggest", None, None).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
        );
        let request = Request::builder()
            .method("POST")
            .uri("/api/cases")
            .header("x-vagvisare-user", "jeseks")
            .header("content-type", "application/json")
            .body(Body::from("{not json"))
            .unwrap();
        let (status, _, body) = env.send(request).await;
        let answer: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, "invalid_json")
        );
        let request = Request::builder()
            .method("POST")
            .uri("/api/cases")
            .header("x-vagvisare-user", "jeseks")
            .header("content-type", "text/plain")
            .body(Body::from("{}"))
            .unwrap();
        let (status, _, _) = env.send(request).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let big = json!({"service": "Kontakta Användarstöd", "description": "x".repeat(2000)});
        let (status, answer) = env
            .call("POST", "/api/cases", Some(&JESSICA), Some(big))
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
        );
        let (status, answer) = env
            .call(
                "POST",
                "/api/cases",
                Some(&JESSICA),
                Some(json!({"service": "Bygglov"})),
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, "unknown_service")
        );
        let case = env.file_case(&JESSICA, "x").await;
        let uri = format!("/api/cases/{}/commands", case["id"]);
        let (status, answer) = env
            .call(
                "POST",
                &uri,
                Some(&JESSICA),
                Some(json!({"command": "fly"})),
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_command")
        );
        let (status, answer) = env
            .call(
                "POST",
                &format!("/api/cases/{}/messages", case["id"]),
                Some(&JESSICA),
                Some(json!({"text": "   "})),
            )
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, "empty_message")
        );
        let bad_role = Request::builder()
            .uri("/api/cases")
            .header("x-vagvisare-user", "jeseks")
            .header("x-vagvisare-role", "admin")
            .body(Body::empty())
            .unwrap();
        let (status, _, _) = env.send(bad_role).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // Every code answered is in the table, with the table's status.
        for (code_id, status) in [
            ("not_found", 404),
            ("invalid_json", 400),
            ("payload_too_large", 413),
        ] {
            let row = vagvisare_server::ErrorCode::TABLE
                .iter()
                .find(|r| r.1 == code_id)
                .unwrap();
            assert_eq!(row.2, status);
        }
    }
}

#[tokio::test]
async fn a_path_parameter_that_is_not_utf8_is_a_json_bad_request() {
    let row = vagvisare_server::ErrorCode::TABLE
        .iter()
        .find(|r| r.1 == "bad_request")
        .expect("bad_request is in the table");
    for env in envs(|_| {}).await {
        env.add_small_guides().await;
        for (method, uri, user) in [
            ("GET", "/api/cases/%FF", Some(&JESSICA)),
            ("POST", "/api/cases/%C3%28/submit", Some(&JESSICA)),
            ("GET", "/api/cases/1/attachments/%FF/0", Some(&JESSICA)),
            ("GET", "/api/guides/%FF%FE", None),
        ] {
            // `call` fails the test if the body is not JSON.
            let (status, answer) = env.call(method, uri, user, None).await;
            assert_eq!(
                status.as_u16(),
                row.2,
                "{}: {method} {uri}: {answer}",
                env.backend
            );
            assert_eq!(code(&answer), "bad_request", "{method} {uri}: {answer}");
            assert_eq!(answer["error"]["status"], row.2, "{method} {uri}");
            let message = answer["error"]["message"].as_str().unwrap_or("");
            assert!(message.contains("UTF-8"), "{method} {uri}: {message}");
            assert!(
                !message.contains('%'),
                "the message repeats the path: {message}"
            );
        }
        // The same routes with valid parameters still reach their handlers.
        let (status, answer) = env.call("GET", "/api/guides/pw-komnet", None, None).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let (status, answer) = env.call("GET", "/api/guides/%C3%A5", None, None).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::NOT_FOUND, "guide_not_found")
        );
    }
}

#[tokio::test]
async fn logs_never_hold_what_people_typed() {
    for env in envs(|_| {}).await {
        env.add_small_guides().await;
        let secret = "19810105-2382";
        env.suggest(&format!("patient {secret} glömt lösen")).await;
        let case = env
            .file_case(&JESSICA, &format!("Patient {secret} kan inte logga in"))
            .await;
        let id = case["id"].as_i64().unwrap();
        env.call(
            "POST",
            &format!("/api/cases/{id}/messages"),
            Some(&JESSICA),
            Some(json!({"text": format!("ring {secret}")})),
        )
        .await;
        env.call(
            "POST",
            &format!("/api/cases/{id}/messages"),
            Some(&JESSICA),
            Some(json!({"text": "x", "expected_version": 99})),
        )
        .await;
        env.call(
            "POST",
            "/api/feedback",
            None,
            Some(json!({"q": format!("{secret} hjälp"), "helped": false})),
        )
        .await;
        env.call("GET", &format!("/nothing/{secret}"), None, None)
            .await;
        let lines = env.log_lines();
        assert!(lines.len() >= 6, "{lines:?}");
        for line in &lines {
            for leak in [secret, "8101052382", "logga in", "glömt", "ring", "hjälp"] {
                assert!(
                    !line.contains(leak),
                    "{}: the log holds {leak:?}: {line}",
                    env.backend
                );
            }
        }
        assert!(
            lines.iter().any(|l| l.contains("GET /api/suggest 200")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("POST /api/cases/{id}/messages 409 error=version_conflict")),
            "{lines:?}"
        );
    }
}

// ---------------------------------------------------------------- page, OpenAPI, storage

#[tokio::test]
async fn the_demo_page_and_the_openapi_description_are_served() {
    let env = envs(|_| {}).await.remove(0);
    let (status, headers, body) = env.get_raw("/", false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type(&headers).starts_with("text/html"));
    let html = String::from_utf8(body).unwrap();
    for text in [
        "Kontakta Användarstöd",
        "Kort beskrivning av ditt ärende",
        "Möjliga lösningar",
        "Fick du hjälp av guiderna?",
        "Mina ärenden",
        "lang=\"sv\"",
    ] {
        assert!(html.contains(text), "{text}");
    }
    for external in ["src=\"http", "href=\"http", "url(http", "@import", "<link"] {
        assert!(
            !html.contains(external),
            "the page loads an external asset: {external}"
        );
    }
    let (status, doc) = env.call("GET", "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    // Every documented path is routed (a probe never gets the router's not_found).
    for path in vagvisare_server::openapi::PATHS {
        let concrete = path
            .replace("{id}", "1")
            .replace("{seq}", "1")
            .replace("{index}", "0");
        let methods: Vec<String> = doc["paths"][*path]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "parameters")
            .cloned()
            .collect();
        for method in methods {
            let request = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&concrete)
                .header("x-vagvisare-user", "jeseks")
                .body(Body::empty())
                .unwrap();
            let (_, _, body) = env.send(request).await;
            let answer: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            assert_ne!(code(&answer), "not_found", "{method} {path}");
            assert_ne!(code(&answer), "method_not_allowed", "{method} {path}");
        }
    }
}

#[tokio::test]
async fn the_schema_is_versioned_and_data_survives_a_restart() {
    for env in envs(|_| {}).await {
        let case = env.file_case(&JESSICA, "Överlever omstart").await;
        let (_, health) = env.call("GET", "/health", None, None).await;
        assert_eq!(health["schema_version"], 6);
        let config = env.config.clone();
        let backend = env.backend;
        let dir = env.dir;
        drop(env.router);
        drop(env.app);
        let again = open_with(config.clone(), backend, None).await;
        let (status, seen) = again
            .call(
                "GET",
                &format!("/api/cases/{}", case["id"]),
                Some(&JESSICA),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(seen["number"], "C2304625");
        // The number series goes on where it was.
        let next = again.file_case(&JESSICA, "Nästa").await;
        assert_eq!(next["number"], "C2304626");
        // A database written by a newer service is refused with a clear error.
        drop(again);
        let url = config.database_url.clone();
        let path = config.data_dir.join("vagvisare.sqlite3");
        std::thread::spawn(move || {
            let sql = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'now')";
            match url {
                None => {
                    rusqlite::Connection::open(path).unwrap().execute(sql, []).unwrap();
                }
                Some(url) => {
                    postgres::Client::connect(&url, postgres::NoTls).unwrap().batch_execute(sql).unwrap();
                }
            }
        })
        .join()
        .unwrap();
        let error = vagvisare_server::App::open(config, vagvisare_server::Log::silent())
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("version 99"), "{backend}: {error}");
        let _ = dir;
    }
}

/// Issue 17: one anonymous request taught any guide any word it lacked ("gatlykta" made the
/// password guide first). A text now counts once two distinct people gave it, so neither one
/// user nor any number of anonymous requests moves a guide for a text of their choosing.
#[tokio::test]
async fn one_person_cannot_teach_a_guide_an_unrelated_text() {
    for env in envs(|_| {}).await {
        env.add_small_guides().await;
        let asked = format!("/api/suggest?semantic=0&q={}", q("gatlykta trasig"));
        let (_, before) = env.call("GET", &asked, None, None).await;
        let first_before = ids(&before).first().cloned();
        assert_ne!(first_before.as_deref(), Some("pw-komnet"), "{before}");
        for user in [None, Some(&JESSICA)] {
            for _ in 0..20 {
                let (status, answer) = env
                    .call(
                        "POST",
                        "/api/feedback",
                        user,
                        Some(json!({"q": "gatlykta trasig", "guide": "pw-komnet", "helped": true})),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{answer}");
            }
        }
        let (_, after) = env.call("GET", &asked, None, None).await;
        assert_eq!(
            ids(&after).first().cloned(),
            first_before,
            "{}: one person moved a guide: {after}",
            env.backend
        );
        assert!(
            !ids(&after).contains(&"pw-komnet".to_string()),
            "{}: {after}",
            env.backend
        );
    }
}

/// Issue 21.3: the API's highlights were byte offsets, so a page slicing them in JavaScript marked
/// "glömt " and "ösenordet t". They are characters now, with UTF-16 units beside them.
#[tokio::test]
async fn suggest_highlights_slice_whole_words_in_characters_and_utf16() {
    for env in envs(|_| {}).await {
        env.add_small_guides().await;
        let (_, answer) = env
            .call(
                "GET",
                &format!("/api/suggest?q={}&limit=1", q("glömt lösenordet")),
                None,
                None,
            )
            .await;
        let snippet = &answer["suggestions"][0]["snippet"];
        let text = snippet["text"].as_str().unwrap();
        let chars: Vec<char> = text.chars().collect();
        let utf16: Vec<u16> = text.encode_utf16().collect();
        let slices = |key: &str, by_char: bool| -> Vec<String> {
            snippet[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let (a, b) = (
                        r[0].as_u64().unwrap() as usize,
                        r[1].as_u64().unwrap() as usize,
                    );
                    if by_char {
                        chars[a..b].iter().collect()
                    } else {
                        String::from_utf16(&utf16[a..b]).unwrap()
                    }
                })
                .collect()
        };
        let marked = slices("highlights", true);
        assert!(
            marked.iter().any(|w| w == "glömt") && marked.iter().any(|w| w == "lösenordet"),
            "{}: {marked:?} of {text:?}",
            env.backend
        );
        assert_eq!(slices("highlights_utf16", false), marked);
    }
}
