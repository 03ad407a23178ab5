//! Support for the end-to-end tests: a real Temporal dev server and SES emulator (started
//! once per test binary, on free ports), and per-test chasers (config, rules doc, database and
//! a `chaser worker` process) driven through the real binary.
//!
//! Services run in their own process groups with a watchdog that kills them when the test
//! process exits, so nothing outlives `cargo test`, and free ports mean tests never collide
//! with a running `make demo`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::Deserialize;

pub mod aws_fake;

/// The workspace root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn tool(env: &str, relative: &str) -> PathBuf {
    let path = std::env::var(env)
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join(relative));
    assert!(
        path.exists(),
        "{} is missing: run `make tools` (or set {env})",
        path.display()
    );
    path
}

/// The `chaser` binary of this build. `make test` builds it first; a nested `cargo build`
/// here would wait forever on the lock that `cargo test` holds.
pub fn chaser_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // Test executables sit in target/<profile>/deps, the bench program beside the binary
        // in target/<profile>.
        let exe = std::env::current_exe().unwrap();
        let dir = exe.parent().unwrap();
        let dir = if dir.ends_with("deps") {
            dir.parent().unwrap()
        } else {
            dir
        };
        let bin = dir.join("chaser");
        assert!(
            bin.exists(),
            "{} is missing: run `cargo build --workspace --bins` first (`make test` does)",
            bin.display()
        );
        bin
    })
}

/// Runs `chaser` with `args` from the workspace root, with no chaser configuration.
pub fn chaser(args: &[&str]) -> Output {
    Command::new(chaser_bin())
        .args(args)
        .current_dir(repo_root())
        .env_remove("CHASER_CONFIG")
        .output()
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `check` until it returns `Some`, or panics with `what` after `timeout`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn port_open(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// A child process in its own process group, killed with its children on drop, and by a
/// watchdog if the test process dies first.
pub struct Service {
    child: Child,
    watchdog: Child,
}

impl Service {
    pub fn spawn(name: &str, mut command: Command, log: &Path) -> Service {
        let out = std::fs::File::create(log).unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let watchdog = format!(
            "while kill -0 {} 2>/dev/null; do sleep 1; done; /bin/kill -s KILL -- -{} 2>/dev/null",
            std::process::id(),
            child.id()
        );
        let watchdog = Command::new("sh")
            .args(["-c", &watchdog])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        Service { child, watchdog }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (e.g. "KILL", "TERM") to the whole process group and reaps the child.
    pub fn signal(&mut self, signal: &str) {
        // `--`, or the negative process group reads as a signal number.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("/bin/kill")
            .args(["-s", signal, "--", &group])
            .status();
        let _ = self.child.wait();
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Whether the process, already ended, exited with status 0.
    pub fn exited_successfully(&mut self) -> bool {
        self.child
            .try_wait()
            .ok()
            .flatten()
            .is_some_and(|s| s.success())
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if self.is_running() {
            self.signal("KILL");
        }
        let _ = self.watchdog.kill();
        let _ = self.watchdog.wait();
    }
}

/// The shared Temporal dev server and SES emulator.
pub struct Stack {
    pub temporal_address: String,
    /// The Web UI, when `serve_temporal_ui` asked for it.
    pub temporal_ui: Option<String>,
    pub ses_url: String,
    pub dir: PathBuf,
    _services: Vec<Service>,
}

/// Where this test process keeps its files.
pub fn scratch_dir() -> PathBuf {
    let dir = repo_root()
        .join("target")
        .join("e2e")
        .join(std::process::id().to_string());
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Extra `temporal server start-dev` arguments, set by a test binary before its first test.
static SERVER_ARGS: OnceLock<Vec<String>> = OnceLock::new();

/// Starts this test binary's dev server with extra arguments (e.g. dynamic config). Call it
/// before anything uses the stack; later calls are ignored.
pub fn configure_server(args: &[&str]) {
    let _ = SERVER_ARGS.set(args.iter().map(|a| (*a).to_owned()).collect());
}

/// Serve the Temporal Web UI too (for browser tests); call before anything uses the stack.
static WITH_UI: OnceLock<()> = OnceLock::new();

pub fn serve_temporal_ui() {
    let _ = WITH_UI.set(());
}

/// Keep the dev server's state in memory instead of a file (benchmarks: the file's fsyncs
/// would measure this machine's disk); call before anything uses the stack.
static IN_MEMORY: OnceLock<()> = OnceLock::new();

pub fn keep_server_in_memory() {
    let _ = IN_MEMORY.set(());
}

pub fn stack() -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| {
        let dir = scratch_dir();
        let emulator = tool(
            "SES_EMULATOR_BIN",
            ".tools/ses-emulator/node_modules/.bin/aws-ses-v2-local",
        );
        let ses = free_port();
        let ports = ServerPorts::free();
        let db = dir.join("temporal.db");
        let server = dev_server_command(
            &ports,
            IN_MEMORY.get().is_none().then_some(db.as_path()),
            WITH_UI.get().is_some(),
            SERVER_ARGS.get().map(Vec::as_slice).unwrap_or_default(),
        );
        let temporal_service = Service::spawn("temporal", server, &dir.join("temporal.log"));
        let mut emulator_cmd = Command::new(&emulator);
        emulator_cmd.args(["--host", "127.0.0.1", "--port", &ses.to_string()]);
        let ses_service = Service::spawn("ses-emulator", emulator_cmd, &dir.join("ses.log"));
        let address = ports.address();
        wait_until_healthy(&address);
        let ses_url = format!("http://127.0.0.1:{ses}");
        wait_for("the SES emulator", Duration::from_secs(30), || {
            ureq::get(&format!("{ses_url}/health-check")).call().ok()
        });
        Stack {
            temporal_ui: WITH_UI
                .get()
                .map(|()| format!("http://127.0.0.1:{}", ports.ui)),
            temporal_address: address,
            ses_url,
            dir,
            _services: vec![temporal_service, ses_service],
        }
    })
}

/// The ports of one dev server.
struct ServerPorts {
    grpc: u16,
    http: u16,
    metrics: u16,
    ui: u16,
}

impl ServerPorts {
    fn free() -> ServerPorts {
        ServerPorts {
            grpc: free_port(),
            http: free_port(),
            metrics: free_port(),
            ui: free_port(),
        }
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.grpc)
    }
}

/// `temporal server start-dev` on `ports`, with the chaser's search attributes, its state in
/// `db` (in memory without), the Web UI when `with_ui`.
fn dev_server_command(
    ports: &ServerPorts,
    db: Option<&Path>,
    with_ui: bool,
    extra: &[String],
) -> Command {
    let temporal = tool("TEMPORAL_BIN", ".tools/temporal/bin/temporal");
    let mut server = Command::new(temporal);
    server.args([
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--log-level",
        "warn",
    ]);
    if !with_ui {
        server.arg("--headless");
    }
    server.args(["--port", &ports.grpc.to_string()]);
    server.args(["--http-port", &ports.http.to_string()]);
    server.args(["--metrics-port", &ports.metrics.to_string()]);
    server.args(["--ui-port", &ports.ui.to_string()]);
    if let Some(db) = db {
        server.args(["--db-filename", &db.display().to_string()]);
    }
    for (name, kind) in chaser_workflows::names::search_attribute::REGISTRATION {
        server.args(["--search-attribute", &format!("{name}={kind}")]);
    }
    server.args(extra);
    server
}

/// Waits until the server at `address` says it is serving.
fn wait_until_healthy(address: &str) {
    let temporal = tool("TEMPORAL_BIN", ".tools/temporal/bin/temporal");
    wait_for("Temporal to be healthy", Duration::from_secs(60), || {
        Command::new(&temporal)
            .args(["operator", "cluster", "health", "--address", address])
            .output()
            .ok()
            .filter(|o| o.status.success())
    });
}

/// A dev server of one test's own, its state in a file so that it can be killed and started
/// again on the same ports with everything kept (the shared stack's server is never stopped).
pub struct DevServer {
    ports: ServerPorts,
    dir: PathBuf,
    process: Option<Service>,
    starts: u32,
}

impl DevServer {
    /// Not started yet: see [`DevServer::start`].
    pub fn new(dir: &Path) -> DevServer {
        std::fs::create_dir_all(dir).unwrap();
        DevServer {
            ports: ServerPorts::free(),
            dir: dir.to_owned(),
            process: None,
            starts: 0,
        }
    }

    pub fn address(&self) -> String {
        self.ports.address()
    }

    /// Starts the server and waits until it serves.
    pub fn start(&mut self) {
        self.starts += 1;
        let command =
            dev_server_command(&self.ports, Some(&self.dir.join("temporal.db")), false, &[]);
        let log = self.dir.join(format!("temporal-{}.log", self.starts));
        self.process = Some(Service::spawn("temporal", command, &log));
        wait_until_healthy(&self.address());
    }

    /// Kills the server without warning, as a crash or an OOM kill would.
    pub fn kill(&mut self) {
        if let Some(mut server) = self.process.take() {
            server.signal("KILL");
        }
    }
}

/// A message as the SES emulator stored it.
#[derive(Debug, Clone, Deserialize)]
pub struct Mail {
    #[serde(rename = "messageId")]
    pub message_id: String,
    pub destination: Destination,
    pub subject: String,
    pub body: MailBody,
    #[serde(default)]
    pub attachments: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Destination {
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MailBody {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub html: Option<String>,
}

impl Mail {
    pub fn text(&self) -> &str {
        self.body.text.as_deref().unwrap_or("")
    }
}

#[derive(Deserialize)]
struct Store {
    emails: Vec<Mail>,
}

/// Every message the SES emulator at `ses_url` holds, oldest first.
pub fn mail_at(ses_url: &str) -> Vec<Mail> {
    let store: Store = ureq::get(&format!("{ses_url}/store"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    store.emails
}

impl Mail {
    /// Addressed (To or Cc) to `address`.
    pub fn is_to(&self, address: &str) -> bool {
        self.destination
            .to
            .iter()
            .chain(&self.destination.cc)
            .any(|a| a.eq_ignore_ascii_case(address))
    }
}

impl Stack {
    /// Every message the emulator holds, oldest first.
    pub fn all_mail(&self) -> Vec<Mail> {
        mail_at(&self.ses_url)
    }

    /// Every message the emulator holds addressed (To or Cc) to `address`, oldest first.
    pub fn mail_to(&self, address: &str) -> Vec<Mail> {
        self.all_mail()
            .into_iter()
            .filter(|m| m.is_to(address))
            .collect()
    }
}

/// A rules doc for chases that run in seconds: every hour and day open, one second between
/// touches (up to 50 a day), two seconds of lateness tolerated; `rest` adds sections and
/// cadences.
pub fn seconds_rules(rest: &str) -> String {
    seconds_rules_tolerating("2s", rest)
}

/// `seconds_rules`, tolerating `late` lateness before a step counts as missed.
pub fn seconds_rules_tolerating(late: &str, rest: &str) -> String {
    format!(
        r#"[company]
time_zone = "UTC"
quiet_hours = "none"
business_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
min_gap = "1s"
daily_cap = 50
late_tolerance = "{late}"

{rest}"#
    )
}

/// A test chaser's secrets: random for each chaser, strong enough for the worker's start-up
/// check, one per lane, so tests sign what they send with the lane's own secret.
#[derive(Debug, Clone)]
pub struct Secrets {
    pub accounting: String,
    pub bank: String,
    pub inbound: String,
    pub links: String,
    pub ses_events: String,
    pub api: String,
    pub stripe: String,
    /// `codec.key`: `test:` and 32 random bytes in base64.
    pub codec_key: String,
}

/// `n` random bytes from the system.
pub fn random_bytes(n: usize) -> Vec<u8> {
    use std::io::Read;
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .unwrap()
        .read_exact(&mut bytes)
        .unwrap();
    bytes
}

/// 64 random hex characters.
pub fn random_secret() -> String {
    random_bytes(32)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Secrets {
    pub fn random() -> Secrets {
        use base64::Engine;
        Secrets {
            accounting: random_secret(),
            bank: random_secret(),
            inbound: random_secret(),
            links: random_secret(),
            ses_events: random_secret(),
            api: random_secret(),
            stripe: format!("whsec_{}", random_secret()),
            codec_key: format!(
                "test:{}",
                base64::engine::general_purpose::STANDARD.encode(random_bytes(32))
            ),
        }
    }

    /// The payload codec the chaser's worker and CLI use.
    pub fn codec(&self) -> chaser_codec::Codec {
        let key = secrecy::SecretString::from(self.codec_key.clone());
        chaser_codec::Codec::new(
            chaser_codec::Keyring::new("codec.key", &key, "codec.previous_keys", &[]).unwrap(),
        )
    }
}

/// Where a test chaser keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

fn postgres_admin_url() -> String {
    std::env::var("CHASER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Runs one statement against the Postgres admin database.
fn postgres(sql: &str) {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("Postgres at {admin} is needed for Postgres tests: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap();
    });
}

/// One chaser: its own config, rules doc, database, task queue and worker process.
pub struct Chaser {
    pub name: String,
    pub secrets: Secrets,
    pub dir: PathBuf,
    pub http_port: u16,
    pub database_url: String,
    config: PathBuf,
    /// The Temporal namespace: `default`, unless [`Chaser::own_namespace`] made one.
    namespace: String,
    /// The shared stack's server, unless [`Chaser::use_temporal`] chose another.
    temporal_address: String,
    worker: Option<Service>,
    worker_starts: u32,
    postgres_db: Option<String>,
}

impl Chaser {
    /// A chaser named `name` (unique per test) with `rules` as its rules doc.
    pub fn new(name: &str, rules: &str, backend: Backend) -> Chaser {
        Self::with_config(name, rules, backend, &[])
    }

    /// `new`, with config settings by dotted key, e.g. `("mode", "dry_run".into())` or
    /// `("links.approval_ttl", "8s".into())`.
    pub fn with_config(
        name: &str,
        rules: &str,
        backend: Backend,
        settings: &[(&str, toml::Value)],
    ) -> Chaser {
        let stack = stack();
        let dir = stack.dir.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("rules.toml"), rules).unwrap();
        let (database_url, postgres_db) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.join("chaser.db").display()),
                None,
            ),
            Backend::Postgres => {
                let db = format!(
                    "chaser_e2e_{}_{}",
                    std::process::id(),
                    name.replace('-', "_")
                );
                postgres(&format!("drop database if exists {db}"));
                postgres(&format!("create database {db}"));
                let admin = postgres_admin_url();
                let (base, _) = admin.rsplit_once('/').unwrap();
                (format!("{base}/{db}"), Some(db))
            }
        };
        let http_port = settings
            .iter()
            .find(|(key, _)| *key == "http.listen")
            .and_then(|(_, v)| v.as_str()?.rsplit_once(':')?.1.parse().ok())
            .unwrap_or_else(free_port);
        let secrets = Secrets::random();
        let base = format!(
            r#"rules = "{rules}"
database_url = "{database_url}"

[temporal]
task_queue = "e2e-{name}-{pid}"

[http]
listen = "127.0.0.1:{http_port}"
accounting_secret = "{accounting}"
bank_secret = "{bank}"
inbound_secret = "{inbound}"
ses_events_token = "{ses_events}"
api_token = "{api}"
stripe_webhook_secret = "{stripe}"

[links]
secret = "{links}"

[codec]
key = "{codec_key}"

[inbound]
# The documents fixtures come from example.com.
allowed_senders = ["*@example.com"]

[email]
from = "Acme Billing <billing@acme.example>"
reply_to = "billing@acme.example"
company_name = "Acme Ltd"

[aws]
region = "us-east-1"
ses_endpoint_url = "{ses}"
"#,
            rules = dir.join("rules.toml").display(),
            pid = std::process::id(),
            ses = stack.ses_url,
            accounting = secrets.accounting,
            bank = secrets.bank,
            inbound = secrets.inbound,
            ses_events = secrets.ses_events,
            api = secrets.api,
            stripe = secrets.stripe,
            links = secrets.links,
            codec_key = secrets.codec_key,
        );
        let mut table: toml::Table = base.parse().unwrap();
        for (key, value) in settings {
            let mut parts: Vec<&str> = key.split('.').collect();
            let last = parts.pop().unwrap();
            let mut at = &mut table;
            for part in parts {
                at = at
                    .entry(part)
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                    .as_table_mut()
                    .unwrap();
            }
            at.insert(last.to_owned(), value.clone());
        }
        let config = dir.join("chaser.toml");
        std::fs::write(&config, toml::to_string(&table).unwrap()).unwrap();
        // A test that sets its own codec key reads histories with it.
        let mut secrets = secrets;
        if let Some(key) = table
            .get("codec")
            .and_then(|c| c.get("key"))
            .and_then(|k| k.as_str())
        {
            secrets.codec_key = key.to_owned();
        }
        Chaser {
            name: name.to_owned(),
            secrets,
            dir,
            http_port,
            database_url,
            config,
            namespace: "default".to_owned(),
            temporal_address: stack.temporal_address.clone(),
            worker: None,
            worker_starts: 0,
            postgres_db,
        }
    }

    /// A `chaser` command against this chaser (its config, Temporal, test AWS credentials),
    /// for a caller that runs and watches the process itself.
    pub fn command(&self) -> Command {
        let mut c = Command::new(chaser_bin());
        c.current_dir(&self.dir)
            .env("CHASER_CONFIG", &self.config)
            .env("TEMPORAL_ADDRESS", &self.temporal_address)
            .env("TEMPORAL_NAMESPACE", &self.namespace)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env_remove("DATABASE_URL")
            .env_remove("TEMPORAL_PROFILE");
        c
    }

    /// Moves this chaser to a Temporal namespace of its own on the shared dev server, created
    /// with the chaser's search attributes, so its workflow ids never meet another test's:
    /// for samples whose invoice numbers are fixed. Call before anything reaches Temporal.
    pub fn own_namespace(&mut self) {
        let namespace = format!("e2e-{}", self.name);
        temporal_patiently(&["operator", "namespace", "create", "--namespace", &namespace]);
        for (name, kind) in chaser_workflows::names::search_attribute::REGISTRATION {
            temporal_patiently(&[
                "operator",
                "search-attribute",
                "create",
                "--namespace",
                &namespace,
                "--name",
                name,
                "--type",
                kind,
            ]);
        }
        self.namespace = namespace;
    }

    /// Starts `chaser worker` and returns how it ended, for a worker expected to refuse.
    pub fn worker_refuses(&self) -> Output {
        let mut cmd = self.command();
        cmd.arg("worker");
        let out = cmd.output().unwrap();
        assert!(
            !out.status.success(),
            "the worker started: {}",
            stderr(&out)
        );
        out
    }

    /// Points this chaser's commands and worker at another Temporal server (a [`DevServer`]).
    pub fn use_temporal(&mut self, address: &str) {
        address.clone_into(&mut self.temporal_address);
    }

    /// Starts `chaser worker` and waits until it is healthy: its HTTP server answers and its
    /// workers poll.
    pub fn start_worker(&mut self) {
        self.spawn_worker();
        let log = self.dir.join(format!("worker-{}.log", self.worker_starts));
        let url = format!("http://127.0.0.1:{}/healthz", self.http_port);
        let worker = self.worker.as_mut().unwrap();
        wait_for(
            "the worker to answer /healthz",
            Duration::from_secs(60),
            || {
                assert!(
                    worker.is_running(),
                    "the worker exited: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
                ureq::get(&url).call().ok()
            },
        );
    }

    /// Starts `chaser worker` without waiting for anything.
    pub fn spawn_worker(&mut self) {
        self.worker_starts += 1;
        let mut cmd = self.command();
        cmd.arg("worker");
        let log = self.dir.join(format!("worker-{}.log", self.worker_starts));
        self.worker = Some(Service::spawn("chaser worker", cmd, &log));
    }

    /// Whether the worker (or `chaser serve`) process still runs.
    pub fn worker_running(&mut self) -> bool {
        self.worker.as_mut().is_some_and(Service::is_running)
    }

    /// Stops the worker with `signal` (e.g. "TERM") and says whether it exited successfully.
    pub fn stop_worker(&mut self, signal: &str) -> bool {
        let mut worker = self.worker.take().expect("no worker runs");
        worker.signal(signal);
        worker.exited_successfully()
    }

    /// `/healthz`: its status code and body; 0 while nothing listens yet.
    pub fn health(&self) -> (u16, serde_json::Value) {
        match agent().get(&self.url("/healthz")).call() {
            Ok(response) => {
                let page = page(Ok(response));
                let body = serde_json::from_str(&page.body).unwrap_or(serde_json::Value::Null);
                (page.status, body)
            }
            Err(_) => (0, serde_json::Value::Null),
        }
    }

    /// Starts `chaser serve`, the HTTP doors without a Temporal worker, and waits until it
    /// answers. `kill_worker` stops it.
    pub fn start_http_only(&mut self) {
        self.worker_starts += 1;
        let mut cmd = self.command();
        cmd.arg("serve");
        let log = self.dir.join(format!("worker-{}.log", self.worker_starts));
        self.worker = Some(Service::spawn("chaser serve", cmd, &log));
        let url = format!("http://127.0.0.1:{}/healthz", self.http_port);
        let serving = self.worker.as_mut().unwrap();
        wait_for(
            "chaser serve to answer /healthz",
            Duration::from_secs(60),
            || {
                assert!(
                    serving.is_running(),
                    "chaser serve exited: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
                ureq::get(&url).call().ok()
            },
        );
    }

    /// Runs the Temporal CLI with this chaser's codec server decoding the answers, as an
    /// operator would (`--codec-endpoint`, authenticated with the API token).
    pub fn temporal_decoded(&self, args: &[&str]) -> String {
        let auth = format!("Bearer {}", self.secrets.api);
        let endpoint = self.url("/codec");
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--codec-endpoint", &endpoint, "--codec-auth", &auth]);
        temporal(&all)
    }

    /// Runs a `chaser` command with Temporal unreachable (its address is a closed port).
    pub fn run_without_temporal(&self, args: &[&str]) -> Output {
        self.command()
            .env("TEMPORAL_ADDRESS", format!("127.0.0.1:{}", free_port()))
            .args(args)
            .output()
            .unwrap()
    }

    /// Kills the worker process without warning.
    pub fn kill_worker(&mut self) {
        if let Some(mut w) = self.worker.take() {
            w.signal("KILL");
        }
    }

    pub fn worker_pid(&self) -> Option<u32> {
        self.worker.as_ref().map(Service::pid)
    }

    /// Runs a `chaser` command against this chaser.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    /// Runs a `chaser` command with these environment variables on top (e.g.
    /// `TEMPORAL_ADDRESS` pointing at a closed port).
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command()
            .args(args)
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }

    /// Runs a `chaser` command and insists that it succeeds; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "chaser {args:?} failed:\nstdout: {}\nstderr: {}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    /// `chaser status INV --json`, parsed.
    pub fn status(&self, invoice: &str) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["status", invoice, "--json"])).unwrap()
    }

    /// Writes `body` to a CSV file in this chaser's folder and returns its path.
    pub fn csv(&self, file: &str, body: &str) -> String {
        let path = self.dir.join(file);
        std::fs::write(&path, body).unwrap();
        path.display().to_string()
    }

    /// The webhook URL of this chaser's worker.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.http_port)
    }

    /// The worker's log so far (for assertion messages).
    pub fn worker_log(&self) -> String {
        (1..=self.worker_starts)
            .map(|n| {
                std::fs::read_to_string(self.dir.join(format!("worker-{n}.log")))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n--- restart ---\n")
    }
}

impl Chaser {
    /// A Temporal client that seals and opens payloads with this chaser's codec key, as its
    /// worker and CLI do.
    pub async fn client(&self) -> temporalio_client::Client {
        use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions};
        let url: temporalio_client::Url = format!("http://{}", stack().temporal_address)
            .parse()
            .unwrap();
        let connection = Connection::connect(ConnectionOptions::new(url).build())
            .await
            .unwrap();
        let mut options = ClientOptions::new("default").build();
        options.data_converter = self.secrets.codec().data_converter();
        Client::new(connection, options).unwrap()
    }

    /// A chase's history as the SDK's JSON: as stored (`decoded` false: payloads sealed), or
    /// with every payload opened with this chaser's key (replay fixtures stay readable and
    /// replay under any key).
    pub fn history_json(&self, workflow_id: &str, decoded: bool) -> Vec<u8> {
        use temporalio_client::{WorkflowFetchHistoryOptions, WorkflowHistory};
        use temporalio_common::data_converters::SerializationContextData;
        use temporalio_common::protos::temporal::api::history::v1::History;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = self.client().await;
            let handle = client
                .get_workflow_handle::<chaser_workflows::InvoiceChase>(workflow_id.to_owned());
            let mut events = handle
                .fetch_history(WorkflowFetchHistoryOptions::default())
                .into_events()
                .await
                .unwrap();
            if decoded {
                let codec = self.secrets.codec();
                for event in &mut events {
                    temporalio_common::payload_visitor::decode_payloads(
                        event,
                        &codec,
                        &SerializationContextData::None,
                    )
                    .await
                    .unwrap();
                }
            }
            WorkflowHistory::from(History { events })
                .to_json()
                .await
                .unwrap()
        })
    }
}

impl Drop for Chaser {
    fn drop(&mut self) {
        self.kill_worker();
        if let Some(db) = &self.postgres_db {
            postgres(&format!("drop database if exists {db} with (force)"));
        }
    }
}

/// A unique e-mail address for one test's customer.
pub fn address(test: &str, role: &str) -> String {
    format!("{role}+{test}-{}@acme.example", std::process::id())
}

/// Now plus `secs`, as RFC 3339.
pub fn in_secs(secs: i64) -> String {
    jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(secs))
        .unwrap()
        .to_string()
}

/// Today's date.
pub fn today() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

/// Workflow ids matching a visibility query, from the Temporal CLI.
/// Runs the Temporal CLI against the test server; panics with its output if it fails.
pub fn temporal(args: &[&str]) -> String {
    let out = Command::new(tool("TEMPORAL_BIN", ".tools/temporal/bin/temporal"))
        .args(args)
        .args(["--address", &stack().temporal_address])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "temporal {args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// `temporal`, retried while the dev server answers that its rate limit for operator calls
/// is exceeded (tests running side by side create namespaces at once).
pub fn temporal_patiently(args: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = Command::new(tool("TEMPORAL_BIN", ".tools/temporal/bin/temporal"))
            .args(args)
            .args(["--address", &stack().temporal_address])
            .output()
            .unwrap();
        if out.status.success() {
            return stdout(&out);
        }
        let why = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            why.contains("rate limit") && Instant::now() < deadline,
            "temporal {args:?}: {why}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

pub fn workflows_matching(query: &str) -> Vec<String> {
    let temporal = tool("TEMPORAL_BIN", ".tools/temporal/bin/temporal");
    let out = Command::new(temporal)
        .args([
            "workflow",
            "list",
            "--address",
            &stack().temporal_address,
            "--query",
            query,
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "temporal workflow list: {}",
        stderr(&out)
    );
    let text = stdout(&out);
    let rows: Vec<serde_json::Value> = if text.trim().is_empty() {
        vec![]
    } else {
        serde_json::from_str(&text).unwrap()
    };
    rows.iter()
        .filter_map(|r| r["execution"]["workflowId"].as_str().map(str::to_owned))
        .collect()
}

/// With `UPDATE_HISTORIES=1`, saves a finished chase's history as a replay fixture
/// (`tests/fixtures/histories/invoice_chase/<scenario>.json`).
pub fn save_history_if_asked(chaser: &Chaser, workflow_id: &str, scenario: &str) {
    if std::env::var("UPDATE_HISTORIES").as_deref() != Ok("1") {
        return;
    }
    let json = chaser.history_json(workflow_id, true);
    let path = repo_root()
        .join("tests/fixtures/histories/invoice_chase")
        .join(format!("{scenario}.json"));
    std::fs::write(&path, json).unwrap();
    println!("saved {}", path.display());
}

/// Signs and posts a webhook body; returns the status code and the JSON answer.
pub fn post_webhook(url: &str, secret: &str, body: &str) -> (u16, serde_json::Value) {
    let timestamp = jiff::Timestamp::now().as_second().to_string();
    let signature = chaser_intake::signature::sign(secret.as_bytes(), &timestamp, body.as_bytes());
    post_raw(
        url,
        &[
            ("X-Chaser-Timestamp", &timestamp),
            ("X-Chaser-Signature", &signature),
        ],
        body,
    )
}

/// Posts `body` with exactly these headers. Status 0: the server closed the connection while
/// the body was still being sent (it refused to read it all).
pub fn post_raw(url: &str, headers: &[(&str, &str)], body: &str) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.post(url).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = match request.send(body) {
        Ok(response) => response,
        Err(ureq::Error::Io(e))
            if matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            ) =>
        {
            return (0, serde_json::Value::Null);
        }
        Err(e) => panic!("POST {url}: {e}"),
    };
    let status = response.status().as_u16();
    let json = response
        .body_mut()
        .read_json()
        .unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// An HTTP answer, without following redirects.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub headers: ureq::http::HeaderMap,
    pub body: String,
}

impl Page {
    /// A response header, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

fn page(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Page {
    let mut response = response.unwrap();
    Page {
        status: response.status().as_u16(),
        location: response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        headers: response.headers().clone(),
        body: response.body_mut().read_to_string().unwrap_or_default(),
    }
}

/// `GET url`.
pub fn get(url: &str) -> Page {
    page(agent().get(url).call())
}

/// `GET url` with these headers.
pub fn get_with(url: &str, headers: &[(&str, &str)]) -> Page {
    let mut request = agent().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    page(request.call())
}

/// `POST url` with a form body.
pub fn post_form(url: &str, form: &[(&str, &str)]) -> Page {
    page(agent().post(url).send_form(form.iter().copied()))
}

/// The first link in `text` whose path starts with `path` (e.g. `/pay/`).
pub fn link(text: &str, path: &str) -> String {
    text.split_whitespace()
        .find(|word| word.starts_with("http") && word.contains(path))
        .unwrap_or_else(|| panic!("no {path} link in: {text}"))
        .trim_end_matches(['.', ',', ')'])
        .to_owned()
}

/// A local SMTP server (aiosmtpd) that keeps each message as a JSON file.
pub struct SmtpSink {
    pub port: u16,
    pub dir: PathBuf,
    _service: Service,
}

/// A message as the SMTP sink received it.
#[derive(Debug, Clone, Deserialize)]
pub struct SinkMail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub reply_to: String,
    pub text: Option<String>,
    pub html: Option<String>,
    /// When the message reached the sink, and when the sink accepted it (epoch seconds).
    #[serde(default)]
    pub arrived_at: f64,
    #[serde(default)]
    pub accepted_at: f64,
}

impl SmtpSink {
    pub fn start(name: &str) -> SmtpSink {
        let tools = tool("SMTP_SINK_PATH", ".tools/smtp-sink");
        let dir = stack().dir.join(format!("{name}-smtp"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let mut command = Command::new("python3");
        command
            .arg(repo_root().join("tools/smtp-sink/smtp_sink.py"))
            .args(["--port", &port.to_string(), "--dir"])
            .arg(&dir)
            .env("PYTHONPATH", tools);
        let service = Service::spawn("smtp sink", command, &dir.join("sink.log"));
        wait_for("the SMTP sink", Duration::from_secs(30), || {
            port_open(port).then_some(())
        });
        SmtpSink {
            port,
            dir,
            _service: service,
        }
    }

    /// Config settings that send through this sink.
    pub fn settings(&self) -> Vec<(&'static str, toml::Value)> {
        vec![
            ("email.transport", "smtp".into()),
            ("smtp.host", "127.0.0.1".into()),
            ("smtp.port", i64::from(self.port).into()),
            ("smtp.security", "none".into()),
        ]
    }

    /// Refuses these recipients with a permanent 550 from now on (an empty list accepts all).
    pub fn reject(&self, addresses: &[&str]) {
        std::fs::write(self.dir.join("reject.txt"), addresses.join("\n")).unwrap();
    }

    /// Answers these recipients with a transient 451 from now on, so the sender retries (an
    /// empty list accepts all).
    pub fn tempfail(&self, addresses: &[&str]) {
        std::fs::write(self.dir.join("tempfail.txt"), addresses.join("\n")).unwrap();
    }

    /// Holds every message this long before accepting it: a slow provider.
    pub fn delay(&self, seconds: f64) {
        std::fs::write(self.dir.join("delay.txt"), seconds.to_string()).unwrap();
    }

    /// A message is being held (arrived, not accepted yet).
    pub fn in_flight(&self) -> bool {
        std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "inflight"))
    }

    /// Every message received for `address`.
    pub fn mail_to(&self, address: &str) -> Vec<SinkMail> {
        let mut mail: Vec<(std::time::SystemTime, SinkMail)> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .map(|e| {
                let at = e.metadata().unwrap().modified().unwrap();
                let text = std::fs::read_to_string(e.path()).unwrap();
                (at, serde_json::from_str::<SinkMail>(&text).unwrap())
            })
            .filter(|(_, m)| m.to.iter().any(|a| a.eq_ignore_ascii_case(address)))
            .collect();
        mail.sort_by_key(|(at, _)| *at);
        mail.into_iter().map(|(_, m)| m).collect()
    }
}
