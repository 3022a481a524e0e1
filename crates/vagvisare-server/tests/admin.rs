//! The editors' routes: all behind the admin token; list and search guides; see, remove and
//! freeze what a guide learned; the weekly chart; the page itself.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

#[tokio::test]
async fn the_editors_routes_list_guides_and_manage_what_they_learned() {
    for env in envs(|_| {}).await {
        env.add_small_guides().await;
        // Without the token: nothing.
        for (method, uri) in [
            ("GET", "/api/admin/guides?q="),
            ("GET", "/api/admin/guides/printer/learned"),
            ("DELETE", "/api/admin/guides/printer/learned?text=x"),
            ("POST", "/api/admin/guides/printer/learned/freeze"),
            ("GET", "/api/admin/report.svg"),
        ] {
            let (status, body) = env.call(method, uri, None, None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri}");
            assert_eq!(code(&body), "admin_token_required");
        }

        let (status, all) = env.admin("GET", "/api/admin/guides?q=", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(all["total"], 4);
        let titles: Vec<&str> = all["guides"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["title"].as_str().unwrap())
            .collect();
        let mut sorted = titles.clone();
        sorted.sort_by_key(|t| t.to_lowercase());
        assert_eq!(titles, sorted, "by title");
        let (_, found) = env
            .admin(
                "GET",
                &format!("/api/admin/guides?q={}", q("SKRIVAREN papper")),
                None,
            )
            .await;
        assert_eq!(found["total"], 1, "{found}");
        assert_eq!(found["guides"][0]["id"], "printer");

        // Two people say the password guide helped with their words.
        for user in [&JESSICA, &BOB] {
            let (status, _) = env
                .call(
                    "POST",
                    "/api/feedback",
                    Some(user),
                    Some(json!({"q": "kommer inte in i komnet", "guide": "pw-komnet", "helped": true, "rank": 1})),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED);
        }
        let (status, learned) = env
            .admin("GET", "/api/admin/guides/pw-komnet/learned", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(learned["frozen"], false);
        let terms = learned["terms"].as_array().unwrap();
        assert_eq!(terms.len(), 1, "{learned}");
        let text = terms[0]["text"].as_str().unwrap().to_string();
        assert!(text.contains("komnet"), "{text}");
        assert_eq!(terms[0]["actors"], 2);
        let (_, listed) = env.admin("GET", "/api/admin/guides?q=komnet", None).await;
        assert_eq!(listed["guides"][0]["learned"], 1, "{listed}");

        // Freeze: a third person's words are not learned.
        let (status, frozen) = env
            .admin(
                "POST",
                "/api/admin/guides/pw-komnet/learned/freeze",
                Some(json!({"frozen": true})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(frozen["frozen"], true);
        env.call(
            "POST",
            "/api/feedback",
            Some(&JULIA),
            Some(json!({"q": "låst ute från komnet", "guide": "pw-komnet", "helped": true})),
        )
        .await;
        let (_, after) = env
            .admin("GET", "/api/admin/guides/pw-komnet/learned", None)
            .await;
        assert_eq!(after["terms"].as_array().unwrap().len(), 1, "{after}");
        let (_, listed) = env.admin("GET", "/api/admin/guides?q=komnet", None).await;
        assert_eq!(listed["guides"][0]["frozen"], true);

        // Remove the learned text.
        let (status, removed) = env
            .admin(
                "DELETE",
                &format!("/api/admin/guides/pw-komnet/learned?text={}", q(&text)),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{removed}");
        assert_eq!(removed["terms"].as_array().unwrap().len(), 0, "{removed}");
        let (status, again) = env
            .admin(
                "DELETE",
                &format!("/api/admin/guides/pw-komnet/learned?text={}", q(&text)),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{again}");
        let (status, missing) = env
            .admin("GET", "/api/admin/guides/nope/learned", None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(code(&missing), "guide_not_found");

        // The chart.
        let (status, headers, svg) = env.get_raw("/api/admin/report.svg", true).await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type(&headers).starts_with("image/svg+xml"));
        assert!(String::from_utf8(svg).unwrap().starts_with("<svg"));

        // The page: Swedish, no data in it, no external assets.
        let (status, headers, page) = env.get_raw("/admin", false).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.contains_key("content-security-policy"));
        let page = String::from_utf8(page).unwrap();
        for text in [
            "lang=\"sv\"",
            "Administratörsnyckel",
            "Innehållsluckor",
            "Skapa guide",
        ] {
            assert!(page.contains(text), "{text}");
        }
        for external in ["src=\"http", "href=\"http", "<link"] {
            assert!(!page.contains(external), "{external}");
        }
        assert!(!page.contains("pw-komnet"), "the page holds no data");
    }
}

/// The texts a guide has learned, as the editors' route lists them on `env`, and whether it is
/// frozen.
async fn learned(env: &Env, guide: &str) -> (Vec<String>, bool) {
    let (status, answer) = env
        .admin("GET", &format!("/api/admin/guides/{guide}/learned"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {answer}", env.backend);
    let texts = answer["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["text"].as_str().unwrap().to_string())
        .collect();
    (texts, answer["frozen"].as_bool().unwrap())
}

/// `users` each say `text` helped with the guide.
async fn helped(env: &Env, users: &[&User], text: &str, guide: &str) {
    for user in users {
        let (status, answer) = env
            .call(
                "POST",
                "/api/feedback",
                Some(user),
                Some(json!({"q": text, "guide": guide, "helped": true})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {answer}", env.backend);
    }
}

async fn freeze(env: &Env, guide: &str, frozen: bool) {
    let (status, answer) = env
        .admin(
            "POST",
            &format!("/api/admin/guides/{guide}/learned/freeze"),
            Some(json!({ "frozen": frozen })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {answer}", env.backend);
    assert_eq!(answer["frozen"], frozen);
}

#[tokio::test]
async fn editors_decisions_are_stored_replayed_in_order_and_reach_every_instance() {
    for env in envs(|_| {}).await {
        env.add_small_guides().await;
        let guide = "pw-komnet";
        helped(&env, &[&JESSICA, &BOB], "kommer inte in i komnet", guide).await;
        let (texts, _) = learned(&env, guide).await;
        assert_eq!(texts, ["kommer inte in i komnet"], "{}", env.backend);
        let second = open_with(env.config.clone(), env.backend, None).await;
        assert_eq!(learned(&second, guide).await.0, texts);

        // Removed through the first instance, by an editor the proxy names.
        let request = axum::http::Request::builder()
            .method("DELETE")
            .uri(format!(
                "/api/admin/guides/{guide}/learned?text={}",
                q("Kommer INTE in i KOMNET")
            ))
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("x-vagvisare-user", "redaktor-ida")
            .body(axum::body::Body::empty())
            .unwrap();
        let (status, _, body) = env.send(request).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        assert!(learned(&env, guide).await.0.is_empty());
        // The second instance, at its next poll.
        assert!(
            !learned(&second, guide).await.0.is_empty(),
            "not polled yet"
        );
        second.app.sync_feedback().await.unwrap();
        assert!(
            learned(&second, guide).await.0.is_empty(),
            "{}",
            env.backend
        );

        // Frozen through the second: feedback given meanwhile teaches nothing, on either.
        freeze(&second, guide, true).await;
        env.app.sync_feedback().await.unwrap();
        assert!(learned(&env, guide).await.1, "{}: frozen", env.backend);
        helped(&env, &[&JULIA, &OLLE], "låst ute från komnet", guide).await;
        assert_eq!(learned(&env, guide).await, (vec![], true));

        // A restart replays feedback and decisions in their order: the removed text stays
        // removed, the guide frozen, the feedback given while frozen untaught.
        let third = open_with(env.config.clone(), env.backend, None).await;
        assert_eq!(
            learned(&third, guide).await,
            (vec![], true),
            "{}",
            env.backend
        );

        // Thawed: feedback after the thaw counts (the same words as before it, too).
        freeze(&third, guide, false).await;
        helped(
            &third,
            &[&JESSICA, &BOB],
            "glömt lösenordet till komnet",
            guide,
        )
        .await;
        helped(&third, &[&JULIA, &OLLE], "kommer inte in i komnet", guide).await;
        let mut after_thaw = learned(&third, guide).await.0;
        after_thaw.sort();
        assert_eq!(
            after_thaw,
            ["glömt lösenordet till komnet", "kommer inte in i komnet"],
            "{}",
            env.backend
        );
        let fourth = open_with(env.config.clone(), env.backend, None).await;
        let (mut replayed, frozen) = learned(&fourth, guide).await;
        replayed.sort();
        assert_eq!((replayed, frozen), (after_thaw, false), "{}", env.backend);

        // What was stored: each decision in its place, the editor as a keyed hash only.
        let store = env.app.store();
        let decisions = tokio::task::spawn_blocking(move || store.decisions_after(0, 10))
            .await
            .unwrap()
            .unwrap();
        let kinds: Vec<&str> = decisions.iter().map(|d| d.decision.kind()).collect();
        assert_eq!(kinds, ["remove", "freeze", "unfreeze"]);
        assert_eq!(
            decisions[0].decision.text(),
            Some("kommer inte in i komnet")
        );
        let key = decisions[0].editor.as_deref().expect("the editor's key");
        assert_eq!(key, env.app.actor_keys().key("redaktor-ida"));
        assert!(!key.contains("redaktor"), "{key}");
        assert_eq!(
            decisions[1].editor, None,
            "the admin token alone names nobody"
        );
        assert!(decisions[0].after_feedback < decisions[2].after_feedback);
    }
}
