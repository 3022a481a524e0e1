//! Configuration: where the service listens, where it keeps its state, its limits, the admin
//! token for guide editing, and the services (forms) its portal offers.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use vagvisare::case::{CaseRules, Workflow};

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
            query_bytes: vagvisare::guide::query::MAX_QUERY_BYTES,
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
            },
        ] {
            services.insert(service.name.clone(), service);
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
            actor_secret: None,
            workflows,
            services,
            log_requests: true,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}
