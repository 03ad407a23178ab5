//! Processes: the repository and its tools, the `chaser` binary, ports, waiting, and services
//! that die with the test process.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The workspace root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

pub(crate) fn tool(env: &str, relative: &str) -> PathBuf {
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
