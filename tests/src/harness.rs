//! A chaser per test: its config, rules doc, secrets and database, and its worker process.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use chaser_domain::InvoiceNumber;
use chaser_workflows::contracts::StatusView;

use crate::http::{agent, page};
use crate::process::{Service, chaser_bin, free_port, stderr, stdout, wait_for};
use crate::stack::{stack, temporal, temporal_patiently};

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

pub(crate) fn postgres_admin_url() -> String {
    std::env::var("CHASER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Runs one statement against the Postgres admin database.
pub(crate) fn postgres(sql: &str) {
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

    /// Starts one more `chaser worker` on this chaser's config, task queues and store, with
    /// an HTTP port of its own and `env` on top (`CHASER_*` settings that this worker alone
    /// takes), and waits until it answers `/healthz`. The caller owns the process: dropping
    /// it kills it. The harness's own worker is unaffected.
    pub fn start_another_worker(&mut self, env: &[(&str, &str)]) -> Service {
        self.worker_starts += 1;
        let port = free_port();
        let mut cmd = self.command();
        cmd.arg("worker")
            .env("CHASER_HTTP__LISTEN", format!("127.0.0.1:{port}"))
            .envs(env.iter().copied());
        let log = self.dir.join(format!("worker-{}.log", self.worker_starts));
        let mut worker = Service::spawn("chaser worker", cmd, &log);
        let url = format!("http://127.0.0.1:{port}/healthz");
        wait_for(
            "the other worker to answer /healthz",
            Duration::from_secs(60),
            || {
                assert!(
                    worker.is_running(),
                    "the other worker exited: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
                ureq::get(&url).call().ok()
            },
        );
        worker
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
    pub fn status(&self, invoice: &str) -> StatusView {
        let json = self.ok(&["status", invoice, "--json"]);
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("status {invoice}: {e}\n{json}"))
    }

    /// Writes `body` to a CSV file in this chaser's folder and returns its path.
    pub fn csv(&self, file: &str, body: &str) -> String {
        let path = self.dir.join(file);
        std::fs::write(&path, body).unwrap();
        path.display().to_string()
    }

    /// Hands in the sample forwarded invoice (`HP-0977`, whose fields need the owner's
    /// correction) with `chaser inbound`, made unique to `tag` so tests sharing a store do
    /// not meet as duplicates.
    pub fn forward_sample_invoice(&self, tag: &str) {
        let mut pdf =
            std::fs::read(crate::repo_root().join("tests/fixtures/documents/invoice-mismatch.pdf"))
                .unwrap();
        pdf.extend_from_slice(format!("\n% {tag}\n").as_bytes());
        let path = self.dir.join("forwarded.pdf");
        std::fs::write(&path, pdf).unwrap();
        self.ok(&["inbound", &path.display().to_string()]);
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

/// The chase's workflow id for an invoice number, by the workflows' own rule.
pub fn workflow_id(number: &str) -> String {
    let number = InvoiceNumber::parse(number).unwrap_or_else(|e| panic!("{number}: {e}"));
    chaser_workflows::names::workflow_id(&number)
}
