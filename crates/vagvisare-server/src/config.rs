//! Configuration: where the service listens, where it keeps its state, its limits, the admin
//! token for guide editing, and the services (forms) its portal offers.
//!
//! [`Config::new`] gives the defaults (the two seed portals' services); [`Config::from_file`]
//! reads a `vagvisare.toml` (see `docs/service.md` and `docs/vagvisare.example.toml`), validated
//! as a whole at start: an unknown key, a workflow or organisation that does not exist, a
//! service without a form stops the start with the file, the line and what to write instead
//! ([`ConfigError`]). [`Config::apply_environment`] then lets the environment override the
//! secrets (`VAGVISARE_DATABASE_URL`, `VAGVISARE_ADMIN_TOKEN`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use toml::Spanned;
use vagvisare::case::{CaseRules, Role, VersionPolicy, Workflow};
/// A service's form fields: the core's ([`vagvisare::case::form`]), which also checks the
/// answers filed through them.
pub use vagvisare::case::{FieldKind, FormField};

use crate::log::LogFormat;
use crate::store::Series;

/// The header the host portal's authentication proxy sets to the acting user's id.
pub const USER_HEADER: &str = "x-vagvisare-user";
/// The acting user's display name, percent-encoded UTF-8 (optional; the id if absent).
pub const NAME_HEADER: &str = "x-vagvisare-user-name";
/// The acting user's role: `requester` (default), `officer`, `approver` or `third_party`.
pub const ROLE_HEADER: &str = "x-vagvisare-role";
/// The organisation the acting user works for, percent-encoded UTF-8 (officers).
pub const ORGANISATION_HEADER: &str = "x-vagvisare-organisation";

/// The service's limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest JSON body, in bytes.
    pub body_bytes: usize,
    /// Largest attachment, in bytes (50 MB, as the portals allow).
    pub attachment_bytes: usize,
    /// Suggestion text beyond this many bytes is cut (at a character boundary) before it is
    /// analysed; the same as the library's `MAX_QUERY_BYTES`.
    pub query_bytes: usize,
    /// Most suggestions one request may ask for.
    pub max_suggestions: usize,
    /// Most cases one list returns.
    pub list_cases: usize,
    /// A request that takes longer is answered with `timeout` (503).
    pub request_timeout: Duration,
    /// An attachment upload may take this long.
    pub upload_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 256 * 1024,
            attachment_bytes: vagvisare::case::DEFAULT_MAX_ATTACHMENT_BYTES as usize,
            query_bytes: vagvisare::text::MAX_QUERY_BYTES,
            max_suggestions: 20,
            list_cases: 200,
            request_timeout: Duration::from_secs(10),
            upload_timeout: Duration::from_secs(300),
        }
    }
}

/// A service (e-tjänst / formulär) the portal offers: which workflow its cases follow, who
/// handles them, and how they are numbered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceConfig {
    /// Its name, as the requester picks it ("Kontakta Användarstöd").
    pub name: String,
    /// The organisation that handles its cases.
    pub organisation: String,
    /// The workflow's id (a key of [`Config::workflows`]).
    pub workflow: String,
    /// How its cases are numbered.
    pub numbers: Series,
    /// The form's fields, in the order they are shown.
    pub form: Vec<FormField>,
}

/// An organisation that handles cases, and the roles of its officers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrganisationConfig {
    /// Its name, as services and the organisation header name it.
    pub name: String,
    /// Its officers and approvers.
    pub officers: Vec<OfficerConfig>,
}

/// A person who works for an organisation. When the proxy names this user but sends no role
/// header, the configured role and organisation apply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OfficerConfig {
    /// The portal's id of the person (what the proxy sends in `X-Vagvisare-User`).
    pub id: String,
    /// Display name, if the proxy sends none.
    pub name: Option<String>,
    /// `officer` or `approver`.
    pub role: Role,
}

/// Everything the service needs to start.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen.
    pub addr: SocketAddr,
    /// Where the embedded database lives (unless `database_url` is given).
    pub data_dir: PathBuf,
    /// A `postgres://…` URL: use PostgreSQL instead of the embedded SQLite.
    pub database_url: Option<String>,
    /// Connections per instance.
    pub pool_size: usize,
    /// The token guide editing needs (`Authorization: Bearer …`); `None` switches editing off.
    pub admin_token: Option<String>,
    /// Store the bundled guides when the database is new.
    pub seed_bundled_guides: bool,
    /// How often to look for guide changes made through other instances.
    pub guide_poll: Duration,
    /// Threads that answer requests (`None`: one per core).
    pub worker_threads: Option<usize>,
    /// Limits.
    pub limits: Limits,
    /// Limits against load and abuse: connections, timeouts, rates, searches, uploads, quotas.
    pub serve_limits: crate::limits::ServeLimits,
    /// The secret of the feedback actor keys (`None`: the file `actor-key.secret` in `data_dir`,
    /// created once). Instances sharing a PostgreSQL must be given the same one.
    pub actor_secret: Option<Vec<u8>>,
    /// The rules of each workflow, by workflow id.
    pub workflows: BTreeMap<String, CaseRules>,
    /// The services, by name.
    pub services: BTreeMap<String, ServiceConfig>,
    /// Print one line per request to standard error.
    pub log_requests: bool,
    /// Plain text lines or one JSON object per line.
    pub log_format: LogFormat,
    /// The organisations that handle cases, by name, with their officers.
    pub organisations: BTreeMap<String, OrganisationConfig>,
    /// The time zone of received times and due dates (an IANA name, `Europe/Stockholm`).
    pub time_zone: String,
    /// Serve the demo portal page at `/` (a production portal does not).
    pub demo_page: bool,
    /// Distinct people who must give a text ("helped" by the same guide) before the suggestions
    /// learn it: two by default, so that no single person, and no anonymous caller, can teach a
    /// guide anything alone ([`vagvisare::feedback::LearnPolicy::min_actors`]).
    pub feedback_min_actors: usize,
    /// Whether typed words also find their synonyms in the bundled Swedish thesaurus (`true` by
    /// default; `thesaurus = false` in the file). See `GuideIndex::set_thesaurus`.
    pub thesaurus: bool,
    /// Whether commands that change a case must name the version they were based on
    /// (`If-Match: "<version>"` or `expected_version`; `require_version` in the file,
    /// `--require-version`). The default, [`VersionPolicy::Optional`], keeps clients that send
    /// none working (last writer wins); [`VersionPolicy::Required`] answers them with
    /// `version_required` (428).
    pub version_policy: VersionPolicy,
    /// The semantic stage: its weight, and an embeddings endpoint in place of the shipped
    /// static vectors.
    pub semantic: SemanticConfig,
}

/// The semantic stage of the suggestions (`[semantic]` in the file).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SemanticConfig {
    /// Its share of the ranking, 0 (off) to 1; `None`: the library's default. A request may
    /// choose its own (`?semantic=`).
    pub weight: Option<f32>,
    /// An OpenAI-compatible embeddings endpoint whose vectors the stage uses; `None`: the
    /// shipped static vectors. When it does not answer, searches use the static vectors.
    pub embedder: Option<crate::embedder::HttpEmbedderConfig>,
    /// The endpoint is asked on every keystroke, the word being typed included (one request a
    /// keystroke; by default one a complete word). See `GuideIndex::set_embed_while_typing`.
    pub embed_while_typing: bool,
}

impl Config {
    /// The defaults: 127.0.0.1:8080, `./vagvisare-data`, SQLite, the bundled guides, and the two
    /// services of the seed portals: "Kontakta Användarstöd" (service desk, numbers `C2304625`…,
    /// due in two working days) and "Medborgarförslag" (e-service, numbers `113`…).
    pub fn new() -> Self {
        let service_desk = CaseRules::new(Workflow::service_desk()).with_due_in_working_days(2);
        let e_service = CaseRules::new(Workflow::e_service());
        let mut workflows = BTreeMap::new();
        workflows.insert("service_desk".to_string(), service_desk);
        workflows.insert("e_service".to_string(), e_service);
        let mut services = BTreeMap::new();
        for service in [
            ServiceConfig {
                name: "Kontakta Användarstöd".into(),
                organisation: "Användarstöd".into(),
                workflow: "service_desk".into(),
                numbers: Series {
                    prefix: "C".into(),
                    first: 2_304_625,
                    width: 7,
                },
                form: vagvisare::case::service_desk_form(),
            },
            ServiceConfig {
                name: "Medborgarförslag".into(),
                organisation: "Skellefteå kommun".into(),
                workflow: "e_service".into(),
                numbers: Series {
                    prefix: String::new(),
                    first: 113,
                    width: 0,
                },
                form: vagvisare::case::e_service_form(),
            },
        ] {
            services.insert(service.name.clone(), service);
        }
        let mut organisations = BTreeMap::new();
        for (name, officer) in [
            ("Användarstöd", ("julia", "Landsell, Julia")),
            ("Skellefteå kommun", ("hanna", "Hanna Handläggare")),
        ] {
            organisations.insert(
                name.to_string(),
                OrganisationConfig {
                    name: name.to_string(),
                    officers: vec![OfficerConfig {
                        id: officer.0.to_string(),
                        name: Some(officer.1.to_string()),
                        role: Role::Officer,
                    }],
                },
            );
        }
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("vagvisare-data"),
            database_url: None,
            pool_size: 8,
            admin_token: None,
            seed_bundled_guides: true,
            guide_poll: Duration::from_secs(2),
            worker_threads: None,
            limits: Limits::default(),
            serve_limits: crate::limits::ServeLimits::default(),
            feedback_min_actors: vagvisare::feedback::LearnPolicy::default().min_actors,
            thesaurus: true,
            version_policy: VersionPolicy::default(),
            semantic: SemanticConfig::default(),
            actor_secret: None,
            workflows,
            services,
            log_requests: true,
            log_format: LogFormat::Text,
            organisations,
            time_zone: DEFAULT_TIME_ZONE.to_string(),
            demo_page: true,
        }
    }

    /// Reads a configuration file (TOML), validated as a whole; settings it leaves out keep
    /// the defaults of [`Config::new`], except that a file with `[[services]]` replaces the
    /// default services (and then needs its own `[workflows]` and `[[organisations]]`).
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            line: 0,
            message: format!("cannot be read: {e}"),
            hint: "give the path of a readable TOML file to --config".into(),
        })?;
        Config::from_toml(&text, path)
    }

    /// [`Config::from_file`] of text already read; `path` names it in errors and is where
    /// relative paths in it (workflow files, the data directory, the token file) start from.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let err = |span: Option<Range<usize>>, message: String, hint: String| ConfigError {
            file: path.to_path_buf(),
            line: span.map_or(0, |s| line_of(text, s.start)),
            message,
            hint,
        };
        let file: FileConfig = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_string();
            let hint = if message.starts_with("unknown field") {
                "remove the key or spell it as one of those listed (docs/service.md describes each)"
                    .to_string()
            } else {
                "see docs/vagvisare.example.toml for the shape of each setting".to_string()
            };
            err(e.span(), message, hint)
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let relative = |p: PathBuf| if p.is_relative() { base.join(p) } else { p };
        let mut config = Config::new();
        if let Some(addr) = file.addr {
            config.addr = addr.get_ref().parse().map_err(|_| {
                err(
                    Some(addr.span()),
                    format!("`addr = \"{}\"` is not an address", addr.get_ref()),
                    "write an IP address and a port, like `addr = \"127.0.0.1:8080\"`".into(),
                )
            })?;
        }
        if let Some(dir) = file.data_dir {
            config.data_dir = relative(dir);
        }
        config.database_url = file.database_url.filter(|u| !u.trim().is_empty());
        if let Some(token_file) = file.admin_token_file {
            let token_path = relative(token_file.get_ref().clone());
            let token = std::fs::read_to_string(&token_path).map_err(|e| {
                err(
                    Some(token_file.span()),
                    format!("the admin token file {} cannot be read: {e}", token_path.display()),
                    "name a readable file holding the token, or leave the key out and set VAGVISARE_ADMIN_TOKEN".into(),
                )
            })?;
            config.admin_token = Some(token.trim().to_string()).filter(|t| !t.is_empty());
        }
        if let Some(size) = file.pool_size {
            config.pool_size = positive(size, "pool_size", &err)?;
        }
        if let Some(threads) = file.threads {
            config.worker_threads = Some(positive(threads, "threads", &err)?);
        }
        if let Some(poll) = file.guide_poll_seconds {
            config.guide_poll = seconds(poll, "guide_poll_seconds", &err)?;
        }
        if let Some(zone) = file.time_zone {
            if !time_zone_exists(zone.get_ref()) {
                return Err(err(
                    Some(zone.span()),
                    format!("the time zone `{}` is not known on this machine", zone.get_ref()),
                    format!("write an IANA name such as `time_zone = \"{DEFAULT_TIME_ZONE}\"` (and install tzdata), or `\"UTC\"`"),
                ));
            }
            config.time_zone = zone.into_inner();
        }
        if let Some(demo) = file.demo_page {
            config.demo_page = demo;
        }
        if let Some(bundled) = file.bundled_guides {
            config.seed_bundled_guides = bundled;
        }
        if let Some(log) = file.request_log {
            config.log_requests = log;
        }
        if let Some(format) = file.log_format {
            config.log_format = format;
        }
        if let Some(v) = file.feedback_min_actors {
            config.feedback_min_actors = positive(v, "feedback_min_actors", &err)?;
        }
        if let Some(thesaurus) = file.thesaurus {
            config.thesaurus = thesaurus;
        }
        if let Some(required) = file.require_version {
            config.version_policy = if required {
                VersionPolicy::Required
            } else {
                VersionPolicy::Optional
            };
        }
        if let Some(limits) = file.limits {
            limits.apply(&mut config.limits, &err)?;
        }
        if let Some(semantic) = file.semantic {
            let span = semantic.span();
            config.semantic = semantic.into_inner().config(span, &err)?;
        }
        if file.services.is_empty() {
            if !file.workflows.is_empty() || !file.organisations.is_empty() {
                return Err(err(
                    None,
                    "the file defines workflows or organisations but no `[[services]]`".into(),
                    "add the services (forms) that use them, or leave all three out to keep the defaults".into(),
                ));
            }
            return Ok(config);
        }
        config.workflows = BTreeMap::new();
        for (id, def) in file.workflows {
            let span = def.span();
            let rules = def.into_inner().rules(base, &|m, h| {
                err(Some(span.clone()), format!("workflow `{id}`: {m}"), h)
            })?;
            config.workflows.insert(id, rules);
        }
        config.organisations = BTreeMap::new();
        for organisation in file.organisations {
            let span = organisation.span();
            let organisation = organisation.into_inner();
            let mut officers = Vec::new();
            for officer in organisation.officers {
                let role = match officer.role.get_ref().as_str() {
                    "officer" => Role::Officer,
                    "approver" => Role::Approver,
                    other => {
                        return Err(err(
                            Some(officer.role.span()),
                            format!("the role `{other}` is not one an organisation's people have"),
                            "write `role = \"officer\"` or `role = \"approver\"`".into(),
                        ))
                    }
                };
                officers.push(OfficerConfig {
                    id: officer.id,
                    name: officer.name,
                    role,
                });
            }
            let name = organisation.name.clone();
            if config
                .organisations
                .insert(
                    name.clone(),
                    OrganisationConfig {
                        name: name.clone(),
                        officers,
                    },
                )
                .is_some()
            {
                return Err(err(
                    Some(span),
                    format!("the organisation `{name}` is defined twice"),
                    "merge the two `[[organisations]]` entries into one".into(),
                ));
            }
        }
        config.services = BTreeMap::new();
        for service in file.services {
            let span = service.span();
            let service = service.into_inner();
            let name = service.name.clone();
            if !config.workflows.contains_key(service.workflow.get_ref()) {
                let known: Vec<&str> = config.workflows.keys().map(String::as_str).collect();
                return Err(err(
                    Some(service.workflow.span()),
                    format!(
                        "the service `{name}` names the workflow `{}`, which does not exist",
                        service.workflow.get_ref()
                    ),
                    if known.is_empty() {
                        format!("define it: `[workflows.{}]` with `builtin = \"service_desk\"` (or `e_service`, or `file = \"…toml\"`)", service.workflow.get_ref())
                    } else {
                        format!("write one of the workflows defined under [workflows]: {}; or define `[workflows.{}]`", quoted(&known), service.workflow.get_ref())
                    },
                ));
            }
            if !config
                .organisations
                .contains_key(service.organisation.get_ref())
            {
                let known: Vec<&str> = config.organisations.keys().map(String::as_str).collect();
                return Err(err(
                    Some(service.organisation.span()),
                    format!("the service `{name}` names the organisation `{}`, which is not defined", service.organisation.get_ref()),
                    format!("write one of the organisations defined under [[organisations]]: {}; or add `[[organisations]]` with `name = \"{}\"`", quoted(&known), service.organisation.get_ref()),
                ));
            }
            let form = service.form.unwrap_or_default();
            if form.is_empty() {
                return Err(err(
                    Some(span),
                    format!("the service `{name}` has no form"),
                    "add its fields after it, at least the short description:\n  [[services.form]]\n  label = \"Kort beskrivning av ditt ärende\"\n  kind = \"description\"\n  required = true".into(),
                ));
            }
            let descriptions = form
                .iter()
                .filter(|f| f.get_ref().kind == FieldKind::Description)
                .count();
            if descriptions != 1 {
                return Err(err(
                    Some(span),
                    format!("the form of `{name}` has {descriptions} fields of kind `description`; it needs exactly one"),
                    "mark the short description, where suggestions appear, with `kind = \"description\"`, and only that field".into(),
                ));
            }
            let mut fields = Vec::new();
            for field in form {
                let fspan = field.span();
                let field = field.into_inner();
                if field.label.trim().is_empty() {
                    return Err(err(
                        Some(fspan),
                        format!("a field of `{name}` has an empty label"),
                        "write the question as the requester reads it in `label`".into(),
                    ));
                }
                let options_span = field.options.as_ref().map(Spanned::span);
                let options = field.options.map(Spanned::into_inner).unwrap_or_default();
                match (field.kind, options.is_empty()) {
                    (FieldKind::Choice, true) => {
                        return Err(err(
                            options_span.or(Some(fspan)),
                            format!("the choice `{}` has no options", field.label),
                            "list them: `options = [\"Ja\", \"Nej\"]`".into(),
                        ))
                    }
                    (FieldKind::Choice, false) | (_, true) => {}
                    (_, false) => {
                        return Err(err(
                            options_span,
                            format!(
                                "the field `{}` has options but is not a choice",
                                field.label
                            ),
                            "write `kind = \"choice\"`, or remove `options`".into(),
                        ))
                    }
                }
                fields.push(FormField {
                    label: field.label,
                    kind: field.kind,
                    required: field.required,
                    options,
                });
            }
            let numbers = Series {
                prefix: service.numbers.prefix,
                first: service.numbers.first,
                width: service.numbers.width,
            };
            if let Err(e) = numbers.start() {
                return Err(err(
                    Some(span),
                    format!("the case numbers of `{name}`: {e}"),
                    "write `numbers = { prefix = \"C\", first = 1, width = 7 }`".into(),
                ));
            }
            let entry = ServiceConfig {
                name: name.clone(),
                organisation: service.organisation.into_inner(),
                workflow: service.workflow.into_inner(),
                numbers,
                form: fields,
            };
            if config.services.insert(name.clone(), entry).is_some() {
                return Err(err(
                    Some(span),
                    format!("the service `{name}` is defined twice"),
                    "give each `[[services]]` its own name".into(),
                ));
            }
        }
        Ok(config)
    }

    /// Lets the environment override the secrets: `VAGVISARE_DATABASE_URL` the database URL and
    /// `VAGVISARE_ADMIN_TOKEN` the admin token (each only when set and not empty), and
    /// `VAGVISARE_EMBEDDER_API_KEY` the embeddings endpoint's key. `var` reads one variable
    /// (`|name| std::env::var(name).ok()`).
    pub fn apply_environment(&mut self, var: impl Fn(&str) -> Option<String>) {
        if let Some(embedder) = &mut self.semantic.embedder {
            if let Some(key) = var(crate::embedder::API_KEY_VAR)
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
            {
                embedder.api_key = Some(key);
            }
        }
        if let Some(url) = var(DATABASE_URL_VAR).filter(|u| !u.trim().is_empty()) {
            self.database_url = Some(url);
        }
        if let Some(token) = var(ADMIN_TOKEN_VAR)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
        {
            self.admin_token = Some(token);
        }
    }

    /// The configured role and organisation of a user id, if an organisation lists them.
    pub fn officer(&self, id: &str) -> Option<(&OrganisationConfig, &OfficerConfig)> {
        self.organisations
            .values()
            .find_map(|o| o.officers.iter().find(|p| p.id == id).map(|p| (o, p)))
    }
}

/// The time zone used unless the configuration names another.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Stockholm";
/// The environment variable that overrides the database URL.
pub const DATABASE_URL_VAR: &str = "VAGVISARE_DATABASE_URL";
/// The environment variable that overrides the admin token.
pub const ADMIN_TOKEN_VAR: &str = "VAGVISARE_ADMIN_TOKEN";

/// Whether `zone` names a time zone this machine knows (`UTC`, or a file of the tz database).
pub fn time_zone_exists(zone: &str) -> bool {
    if zone == "UTC" {
        return true;
    }
    let safe = !zone.is_empty()
        && !zone.starts_with('/')
        && zone.split('/').all(|part| !part.is_empty() && part != "..");
    let dir = std::env::var_os("TZDIR")
        .map_or_else(|| PathBuf::from("/usr/share/zoneinfo"), PathBuf::from);
    safe && dir.join(zone).is_file()
}

/// A configuration file that cannot be used: where, what, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}\n  {hint}", file.display())]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// The line (from 1; 0 when the error is about the whole file).
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub hint: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

type MakeError<'a> = dyn Fn(Option<Range<usize>>, String, String) -> ConfigError + 'a;

fn positive(value: Spanned<usize>, key: &str, err: &MakeError<'_>) -> Result<usize, ConfigError> {
    if *value.get_ref() == 0 {
        return Err(err(
            Some(value.span()),
            format!("`{key}` is 0"),
            format!("write a number from 1, like `{key} = 4`"),
        ));
    }
    Ok(value.into_inner())
}

fn seconds(value: Spanned<f64>, key: &str, err: &MakeError<'_>) -> Result<Duration, ConfigError> {
    let secs = *value.get_ref();
    if !(secs.is_finite() && secs > 0.0 && secs < 1.0e9) {
        return Err(err(
            Some(value.span()),
            format!("`{key}` must be a positive number of seconds"),
            format!("write e.g. `{key} = 2`"),
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The file's shape. Every table refuses keys it does not know.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    addr: Option<Spanned<String>>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    admin_token_file: Option<Spanned<PathBuf>>,
    pool_size: Option<Spanned<usize>>,
    threads: Option<Spanned<usize>>,
    guide_poll_seconds: Option<Spanned<f64>>,
    time_zone: Option<Spanned<String>>,
    demo_page: Option<bool>,
    bundled_guides: Option<bool>,
    request_log: Option<bool>,
    log_format: Option<LogFormat>,
    feedback_min_actors: Option<Spanned<usize>>,
    thesaurus: Option<bool>,
    require_version: Option<bool>,
    limits: Option<FileLimits>,
    semantic: Option<Spanned<FileSemantic>>,
    #[serde(default)]
    workflows: BTreeMap<String, Spanned<FileWorkflow>>,
    #[serde(default)]
    organisations: Vec<Spanned<FileOrganisation>>,
    #[serde(default)]
    services: Vec<Spanned<FileService>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    body_bytes: Option<Spanned<usize>>,
    attachment_bytes: Option<Spanned<usize>>,
    max_suggestions: Option<Spanned<usize>>,
    list_cases: Option<Spanned<usize>>,
    request_timeout_seconds: Option<Spanned<f64>>,
    upload_timeout_seconds: Option<Spanned<f64>>,
}

impl FileLimits {
    fn apply(self, limits: &mut Limits, err: &MakeError<'_>) -> Result<(), ConfigError> {
        if let Some(v) = self.body_bytes {
            limits.body_bytes = positive(v, "body_bytes", err)?;
        }
        if let Some(v) = self.attachment_bytes {
            limits.attachment_bytes = positive(v, "attachment_bytes", err)?;
        }
        if let Some(v) = self.max_suggestions {
            limits.max_suggestions = positive(v, "max_suggestions", err)?;
        }
        if let Some(v) = self.list_cases {
            limits.list_cases = positive(v, "list_cases", err)?;
        }
        if let Some(v) = self.request_timeout_seconds {
            limits.request_timeout = seconds(v, "request_timeout_seconds", err)?;
        }
        if let Some(v) = self.upload_timeout_seconds {
            limits.upload_timeout = seconds(v, "upload_timeout_seconds", err)?;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSemantic {
    weight: Option<Spanned<f32>>,
    embedder_url: Option<Spanned<String>>,
    embedder_model: Option<String>,
    embedder_dim: Option<Spanned<usize>>,
    timeout_ms: Option<Spanned<u64>>,
    batch: Option<Spanned<usize>>,
    query_prefix: Option<String>,
    passage_prefix: Option<String>,
    embed_while_typing: Option<bool>,
}

impl FileSemantic {
    fn config(
        self,
        table: Range<usize>,
        err: &MakeError<'_>,
    ) -> Result<SemanticConfig, ConfigError> {
        let weight = match self.weight {
            Some(w) if !(0.0..=1.0).contains(w.get_ref()) => {
                return Err(err(
                    Some(w.span()),
                    format!("`weight = {}` is not within 0 and 1", w.get_ref()),
                    "write a share from 0 (no semantic stage) to 1, like `weight = 0.2`".into(),
                ))
            }
            w => w.map(Spanned::into_inner),
        };
        let Some(url) = self.embedder_url else {
            let stray = [
                ("embedder_model", self.embedder_model.is_some()),
                ("embedder_dim", self.embedder_dim.is_some()),
                ("timeout_ms", self.timeout_ms.is_some()),
                ("batch", self.batch.is_some()),
                ("query_prefix", self.query_prefix.is_some()),
                ("passage_prefix", self.passage_prefix.is_some()),
                ("embed_while_typing", self.embed_while_typing.is_some()),
            ];
            if let Some((key, _)) = stray.iter().find(|(_, given)| *given) {
                return Err(err(
                    Some(table),
                    format!("`[semantic]` has `{key}` but no `embedder_url`"),
                    "add `embedder_url = \"http://127.0.0.1:8000/v1/embeddings\"`, or remove the embedder's keys".into(),
                ));
            }
            return Ok(SemanticConfig {
                weight,
                embedder: None,
                embed_while_typing: false,
            });
        };
        let span = url.span();
        let Some(model) = self.embedder_model else {
            return Err(err(
                Some(span),
                "`embedder_url` is given without `embedder_model`".into(),
                "write the model the endpoint serves, like `embedder_model = \"multilingual-e5-small\"`".into(),
            ));
        };
        let mut embedder = crate::embedder::HttpEmbedderConfig::new(url.into_inner(), model);
        if let Some(dim) = self.embedder_dim {
            embedder.dim = Some(positive(dim, "embedder_dim", err)?);
        }
        if let Some(ms) = self.timeout_ms {
            if *ms.get_ref() == 0 {
                return Err(err(
                    Some(ms.span()),
                    "`timeout_ms` is 0".into(),
                    "write the longest wait for one request, like `timeout_ms = 2000`".into(),
                ));
            }
            embedder.timeout = Duration::from_millis(ms.into_inner());
        }
        if let Some(batch) = self.batch {
            embedder.batch = positive(batch, "batch", err)?;
        }
        embedder.query_prefix = self.query_prefix.unwrap_or_default();
        embedder.passage_prefix = self.passage_prefix.unwrap_or_default();
        if let Some(problem) = embedder.problem() {
            return Err(err(
                Some(span),
                problem,
                "see the `[semantic]` table in docs/vagvisare.example.toml".into(),
            ));
        }
        Ok(SemanticConfig {
            weight,
            embedder: Some(embedder),
            embed_while_typing: self.embed_while_typing.unwrap_or(false),
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWorkflow {
    builtin: Option<String>,
    file: Option<PathBuf>,
    due_in_working_days: Option<u32>,
}

impl FileWorkflow {
    fn rules(
        self,
        base: &Path,
        err: &dyn Fn(String, String) -> ConfigError,
    ) -> Result<CaseRules, ConfigError> {
        let workflow = match (self.builtin.as_deref(), self.file) {
            (Some("service_desk"), None) => Workflow::service_desk(),
            (Some("e_service"), None) => Workflow::e_service(),
            (Some(other), None) => {
                return Err(err(
                    format!("there is no built-in workflow `{other}`"),
                    "write `builtin = \"service_desk\"` or `builtin = \"e_service\"`, or `file = \"my_workflow.toml\"`".into(),
                ))
            }
            (None, Some(file)) => {
                let path = if file.is_relative() { base.join(&file) } else { file };
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    err(format!("{} cannot be read: {e}", path.display()), "name a workflow file (TOML) relative to this file".into())
                })?;
                Workflow::from_toml(&text).map_err(|e| {
                    err(format!("{}: {e}", path.display()), "fix the workflow file (crates/vagvisare/src/case/service_desk.toml is an example)".into())
                })?
            }
            (Some(_), Some(_)) | (None, None) => {
                return Err(err(
                    "needs exactly one of `builtin` and `file`".into(),
                    "write `builtin = \"service_desk\"` (or `e_service`), or `file = \"my_workflow.toml\"`".into(),
                ))
            }
        };
        let mut rules = CaseRules::new(workflow);
        if let Some(days) = self.due_in_working_days {
            rules = rules.with_due_in_working_days(days);
        }
        Ok(rules)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOrganisation {
    name: String,
    #[serde(default)]
    officers: Vec<FileOfficer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOfficer {
    id: String,
    name: Option<String>,
    role: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileService {
    name: String,
    organisation: Spanned<String>,
    workflow: Spanned<String>,
    numbers: FileSeries,
    form: Option<Vec<Spanned<FileField>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSeries {
    #[serde(default)]
    prefix: String,
    first: u64,
    #[serde(default)]
    width: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileField {
    label: String,
    kind: FieldKind,
    #[serde(default)]
    required: bool,
    options: Option<Spanned<Vec<String>>>,
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}
