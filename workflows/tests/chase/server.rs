//! The Temporal dev server these tests run against: the SDK has no time-skipping test server,
//! so chases run in real time on a `temporal server start-dev` of this test binary's own, in
//! memory, on free ports, with the chaser's search attributes registered.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chaser_workflows::names;

/// A dev server, killed on drop; a watchdog shell kills it when this process is gone, since
/// the server a test binary shares is a static, and statics are never dropped.
pub struct DevServer {
    pub address: String,
    server: Child,
    watchdog: Child,
}

/// The CLI that `make tools` installs under the repository's `.tools/`.
fn temporal_cli() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/temporal/bin/temporal");
    assert!(
        path.exists(),
        "{} is missing: run `make tools` (the workflow tests run against a Temporal dev server)",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl DevServer {
    /// Starts a server with `extra` arguments (dynamic config) and waits until it serves.
    pub fn start(extra: &[&str]) -> DevServer {
        let cli = temporal_cli();
        let port = free_port();
        let mut command = Command::new(&cli);
        command.args(["server", "start-dev", "--headless", "--ip", "127.0.0.1"]);
        command.args(["--log-level", "error"]);
        command.args(["--port", &port.to_string()]);
        for flag in ["--http-port", "--metrics-port", "--ui-port"] {
            command.args([flag, &free_port().to_string()]);
        }
        for (name, kind) in names::search_attribute::REGISTRATION {
            command.args(["--search-attribute", &format!("{name}={kind}")]);
        }
        command.args(extra);
        let server = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", cli.display()));
        let watchdog = format!(
            "while kill -0 {} 2>/dev/null; do sleep 1; done; kill -s KILL {} 2>/dev/null",
            std::process::id(),
            server.id()
        );
        let watchdog = Command::new("sh")
            .args(["-c", &watchdog])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let address = format!("127.0.0.1:{port}");
        let healthy = || {
            Command::new(&cli)
                .args(["operator", "cluster", "health", "--address", &address])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        crate::clock::block_until(
            "the Temporal dev server to serve",
            Duration::from_secs(60),
            healthy,
        );
        DevServer {
            address,
            server,
            watchdog,
        }
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        let _ = self.watchdog.kill();
        let _ = self.watchdog.wait();
    }
}
