//! The configuration file (`vagvisare serve --config FILE`): the example file is the defaults,
//! bad files stop the start with the file, the line and what to write instead, and the
//! environment overrides the secrets.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use vagvisare_server::{App, Config, ConfigError, FieldKind, Log, LogFormat};

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/vagvisare.example.toml")
}

fn example() -> String {
    std::fs::read_to_string(example_path()).expect("docs/vagvisare.example.toml")
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, Path::new("/etc/vagvisare/vagvisare.toml"))
}

/// The 1-based line of the first line of `text` that contains `needle`.
fn line_with(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line holds {needle:?}"))
        + 1
}

#[test]
fn the_example_file_configures_the_defaults() {
    let config = Config::from_file(&example_path()).unwrap_or_else(|e| panic!("{e}"));
    let defaults = Config::new();
    assert_eq!(config.services, defaults.services);
    assert_eq!(config.organisations, defaults.organisations);
    assert_eq!(config.limits, defaults.limits);
    assert_eq!(
        config.workflows.keys().collect::<Vec<_>>(),
        defaults.workflows.keys().collect::<Vec<_>>()
    );
    assert_eq!(config.addr, defaults.addr);
    assert_eq!(config.time_zone, "Europe/Stockholm");
    assert_eq!(config.guide_poll, defaults.guide_poll);
    assert_eq!(config.pool_size, defaults.pool_size);
    assert!(config.demo_page && config.seed_bundled_guides && config.log_requests);
    // Relative paths start from the file's folder.
    assert_eq!(
        config.data_dir,
        example_path().parent().unwrap().join("vagvisare-data")
    );
    let form = &config.services["Kontakta Användarstöd"].form;
    assert_eq!(form[0].kind, FieldKind::Description);
    assert_eq!(form[2].options, vec!["Nej", "Ja"]);
}

#[test]
fn a_production_file_serves_neither_demo_page_nor_bundled_guides() {
    let text = example()
        .replace("demo_page = true", "demo_page = false")
        .replace("bundled_guides = true", "bundled_guides = false")
        .replace("log_format = \"text\"", "log_format = \"json\"");
    let config = parse(&text).unwrap();
    assert!(!config.demo_page);
    assert!(!config.seed_bundled_guides);
    assert_eq!(config.log_format, LogFormat::Json);
}

#[test]
fn an_unknown_key_names_its_line_and_the_keys_allowed() {
    let text = example().replace("pool_size = 8", "pool_sise = 8");
    let error = parse(&text).unwrap_err();
    assert_eq!(error.line, line_with(&text, "pool_sise"), "{error}");
    assert!(error.message.contains("pool_sise"), "{error}");
    assert!(
        error.message.contains("pool_size"),
        "the allowed keys: {error}"
    );
    let shown = error.to_string();
    assert!(
        shown.starts_with(&format!("/etc/vagvisare/vagvisare.toml:{}:", error.line)),
        "{shown}"
    );
    // Inside a table too.
    let text = example().replace("label = \"Plats\"", "label = \"Plats\"\nlabell = \"x\"");
    let error = parse(&text).unwrap_err();
    assert_eq!(error.line, line_with(&text, "labell"), "{error}");
}

#[test]
fn a_workflow_that_does_not_exist_names_the_ones_that_do() {
    let text = example().replace("workflow = \"e_service\"", "workflow = \"e-tjanst\"");
    let error = parse(&text).unwrap_err();
    assert_eq!(error.line, line_with(&text, "e-tjanst"), "{error}");
    assert!(error.message.contains("e-tjanst"), "{error}");
    assert!(
        error.hint.contains("`e_service`") && error.hint.contains("`service_desk`"),
        "{error}"
    );
    let text = example().replace("builtin = \"e_service\"", "builtin = \"bygglov\"");
    let error = parse(&text).unwrap_err();
    assert!(error.message.contains("bygglov"), "{error}");
    assert!(error.hint.contains("builtin = \"e_service\""), "{error}");
    assert_eq!(
        error.line,
        line_with(&text, "[workflows.e_service]"),
        "{error}"
    );
}

#[test]
fn a_service_without_a_form_is_refused_at_its_line() {
    // Medborgarförslag without its [[services.form]] entries.
    let text = example();
    let cut = text.find("label = \"Rubrik\"").unwrap();
    let cut = text[..cut].rfind("[[services.form]]").unwrap();
    let text = &text[..cut];
    let error = parse(text).unwrap_err();
    assert!(error.message.contains("Medborgarförslag"), "{error}");
    assert!(error.message.contains("no form"), "{error}");
    assert!(error.hint.contains("kind = \"description\""), "{error}");
    assert_eq!(
        error.line,
        line_with(text, "name = \"Medborgarförslag\"") - 1,
        "the line of its [[services]]: {error}"
    );
}

#[test]
fn other_mistakes_name_their_line_too() {
    for (from, to, needle) in [
        (
            "organisation = \"Användarstöd\"",
            "organisation = \"Användarstod\"",
            "Användarstod",
        ),
        (
            "time_zone = \"Europe/Stockholm\"",
            "time_zone = \"Europe/Stokholm\"",
            "Stokholm",
        ),
        (
            "addr = \"127.0.0.1:8080\"",
            "addr = \"localhost\"",
            "localhost",
        ),
        (
            "kind = \"checkbox\"",
            "kind = \"checkbox\"\noptions = [\"a\"]",
            "options = [\"a\"]",
        ),
        (
            "role = \"officer\" }]\n\n[[organisations]]\nname = \"Skellefteå",
            "role = \"chef\" }]\n\n[[organisations]]\nname = \"Skellefteå",
            "chef",
        ),
        (
            "max_suggestions = 20",
            "max_suggestions = 0",
            "max_suggestions = 0",
        ),
    ] {
        let text = example();
        assert!(text.contains(from), "{from}");
        let text = text.replacen(from, to, 1);
        let error = parse(&text).unwrap_err();
        let expected = line_with(&text, needle);
        assert!(
            error.line == expected || error.line + 1 == expected,
            "{needle}: line {} (expected {expected}): {error}",
            error.line
        );
        assert!(!error.hint.is_empty(), "{error}");
    }
    // Two description fields in one form.
    let text = example().replace(
        "kind = \"textarea\"\nrequired = true",
        "kind = \"description\"",
    );
    let error = parse(&text).unwrap_err();
    assert!(error.message.contains("exactly one"), "{error}");
}

#[test]
fn a_file_that_cannot_be_read_says_so() {
    let error = Config::from_file(Path::new("/nonexistent/vagvisare.toml")).unwrap_err();
    assert_eq!(error.file, PathBuf::from("/nonexistent/vagvisare.toml"));
    assert!(error.message.contains("cannot be read"), "{error}");
}

#[test]
fn the_environment_overrides_the_secrets_of_the_file() {
    let text = example().replace(
        "# database_url = \"postgres://vagvisare@127.0.0.1:5432/vagvisare\"",
        "database_url = \"postgres://from-the-file@127.0.0.1/v\"",
    );
    let mut config = parse(&text).unwrap();
    assert_eq!(
        config.database_url.as_deref(),
        Some("postgres://from-the-file@127.0.0.1/v")
    );
    config.apply_environment(|_| None);
    assert_eq!(
        config.database_url.as_deref(),
        Some("postgres://from-the-file@127.0.0.1/v")
    );
    config.apply_environment(|name| match name {
        "VAGVISARE_DATABASE_URL" => Some("postgres://from-the-env@127.0.0.1/v".into()),
        "VAGVISARE_ADMIN_TOKEN" => Some(" s3cret\n".into()),
        _ => None,
    });
    assert_eq!(
        config.database_url.as_deref(),
        Some("postgres://from-the-env@127.0.0.1/v")
    );
    assert_eq!(config.admin_token.as_deref(), Some("s3cret"));
    // An empty variable overrides nothing.
    config.apply_environment(|_| Some(String::new()));
    assert_eq!(config.admin_token.as_deref(), Some("s3cret"));
}

#[test]
fn the_admin_token_file_is_read_relative_to_the_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), "tok-123\n").unwrap();
    let path = dir.path().join("vagvisare.toml");
    std::fs::write(&path, "admin_token_file = \"token\"\n").unwrap();
    let config = Config::from_file(&path).unwrap();
    assert_eq!(config.admin_token.as_deref(), Some("tok-123"));
    std::fs::write(&path, "\nadmin_token_file = \"missing\"\n").unwrap();
    let error = Config::from_file(&path).unwrap_err();
    assert_eq!(error.line, 2, "{error}");
}

#[test]
fn the_thesaurus_is_on_unless_the_file_says_so() {
    assert!(parse("").unwrap().thesaurus);
    assert!(!parse("thesaurus = false\n").unwrap().thesaurus);
    let error = parse("\nthesaurus = \"nej\"\n").unwrap_err();
    assert_eq!(error.line, 2, "{error}");
}

#[test]
fn require_version_is_off_unless_the_file_says_so() {
    use vagvisare::case::VersionPolicy;
    assert_eq!(parse("").unwrap().version_policy, VersionPolicy::Optional);
    let config = parse("require_version = true\n").unwrap();
    assert_eq!(config.version_policy, VersionPolicy::Required);
    let config = parse("require_version = false\n").unwrap();
    assert_eq!(config.version_policy, VersionPolicy::Optional);
    let error = parse("\nrequire_version = \"ja\"\n").unwrap_err();
    assert_eq!(error.line, 2, "{error}");
}

async fn get(app: &App, uri: &str) -> (StatusCode, String) {
    let response = app
        .router()
        .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn a_configured_service_starts_with_its_forms_and_without_the_demo_page() {
    let dir = tempfile::tempdir().unwrap();
    let text = example()
        .replace("demo_page = true", "demo_page = false")
        .replace("bundled_guides = true", "bundled_guides = false")
        .replace("name = \"Medborgarförslag\"", "name = \"Felanmälan gata\"");
    let path = dir.path().join("vagvisare.toml");
    std::fs::write(&path, text).unwrap();
    let config = Config::from_file(&path).unwrap();
    assert_eq!(config.data_dir, dir.path().join("vagvisare-data"));
    let app = App::open(config, Log::silent()).await.unwrap();
    assert_eq!(app.index().len(), 0, "no bundled guides");
    let (status, _) = get(&app, "/").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no demo page");
    let (status, js) = get(&app, "/static/vagvisare.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(js.contains("Vagvisare"), "the widget is served");
    let (status, services) = get(&app, "/api/services").await;
    assert_eq!(status, StatusCode::OK);
    let services: serde_json::Value = serde_json::from_str(&services).unwrap();
    let names: Vec<&str> = services["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Felanmälan gata", "Kontakta Användarstöd"]);
    assert_eq!(
        services["services"][0]["form"][0]["kind"], "description",
        "{services}"
    );
}
