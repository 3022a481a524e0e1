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
