//! The shared stack: one Temporal dev server and SES emulator per test binary, its switches,
//! and the `temporal` CLI.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::process::{Service, free_port, repo_root, stderr, stdout, tool, wait_for};

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
pub(crate) static SERVER_ARGS: OnceLock<Vec<String>> = OnceLock::new();

/// Starts this test binary's dev server with extra arguments (e.g. dynamic config). Call it
/// before anything uses the stack; later calls are ignored.
pub fn configure_server(args: &[&str]) {
    let _ = SERVER_ARGS.set(args.iter().map(|a| (*a).to_owned()).collect());
}

/// Serve the Temporal Web UI too (for browser tests); call before anything uses the stack.
pub(crate) static WITH_UI: OnceLock<()> = OnceLock::new();

pub fn serve_temporal_ui() {
    let _ = WITH_UI.set(());
}

/// Keep the dev server's state in memory instead of a file (benchmarks: the file's fsyncs
/// would measure this machine's disk); call before anything uses the stack.
pub(crate) static IN_MEMORY: OnceLock<()> = OnceLock::new();

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
pub(crate) struct ServerPorts {
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
pub(crate) fn dev_server_command(
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
pub(crate) fn wait_until_healthy(address: &str) {
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
