//! The logs of `chaser worker` and `chaser serve`, read as a log collector reads them (from a
//! file, not a terminal): plain text, and with `--log-format json` one JSON object a line, as
//! docs/operating.md ("Logs") says. No Temporal is needed: both log that none answers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use chaser_tests::{Secrets, Service, chaser_bin, free_port, scratch_dir, stderr, wait_for};

/// A folder with a config for a worker of its own (SQLite store, fresh secrets, `extra`
/// appended at the top level), and that config's path.
fn config(name: &str, extra: &str) -> (PathBuf, PathBuf) {
    let dir = scratch_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let s = Secrets::random();
    let text = format!(
        r#"{extra}
database_url = "sqlite://{db}"

[http]
listen = "127.0.0.1:{port}"
accounting_secret = "{accounting}"
bank_secret = "{bank}"
inbound_secret = "{inbound}"
api_token = "{api}"

[links]
secret = "{links}"

[codec]
key = "{codec}"

[email]
from = "Acme Billing <billing@acme.example>"
company_name = "Acme Ltd"

[aws]
region = "us-east-1"
ses_endpoint_url = "http://127.0.0.1:{ses}"
"#,
        db = dir.join("chaser.db").display(),
        port = free_port(),
        ses = free_port(),
        accounting = s.accounting,
        bank = s.bank,
        inbound = s.inbound,
        api = s.api,
        links = s.links,
        codec = s.codec_key,
    );
    let path = dir.join("chaser.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// `chaser --config <config> <args>` with Temporal at a port nobody listens on.
fn command(dir: &Path, config: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(chaser_bin());
    command
        .current_dir(dir)
        .arg("--config")
        .arg(config)
        .args(args)
        .env("TEMPORAL_ADDRESS", format!("127.0.0.1:{}", free_port()))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("CHASER_CONFIG")
        .env_remove("DATABASE_URL")
        .env_remove("TEMPORAL_PROFILE")
        .env_remove("RUST_LOG");
    command
}

/// Runs `chaser <args>` (a worker or `serve`) with `env` on top until its log says `until`,
/// stops it as a supervisor does, and returns all it wrote.
fn log_of(name: &str, args: &[&str], env: &[(&str, &str)], until: &str) -> String {
    let (dir, config) = config(name, "");
    let log = dir.join("chaser.log");
    let mut command = command(&dir, &config, args);
    command.envs(env.iter().copied());
    let mut process = Service::spawn("chaser", command, &log);
    wait_for(
        &format!("the log to say {until:?}"),
        Duration::from_secs(60),
        || {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            assert!(process.is_running(), "chaser exited: {text}");
            text.contains(until).then_some(())
        },
    );
    process.signal("TERM");
    std::fs::read_to_string(&log).unwrap()
}

/// What the worker logs when no Temporal answers, the last thing it logs at start.
const KEEPS_TRYING: &str = "the worker keeps trying";

/// Every line of `text`, parsed as a JSON object.
fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}\n{text}"));
            assert!(value.is_object(), "{line}");
            value
        })
        .collect()
}

fn messages(lines: &[serde_json::Value]) -> Vec<&str> {
    lines
        .iter()
        .filter_map(|l| l["fields"]["message"].as_str())
        .collect()
}

#[test]
fn logs_to_a_file_are_plain_text_without_colour_codes() {
    let text = log_of("logs-plain", &["worker"], &[], KEEPS_TRYING);
    assert!(!text.contains('\u{1b}'), "colour codes in the log:\n{text}");
    assert!(
        text.lines()
            .any(|l| l.contains(" INFO ") && l.contains("chaser worker started")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains(" WARN ") && l.contains(KEEPS_TRYING)),
        "{text}"
    );
}

#[test]
fn log_format_json_writes_one_json_object_a_line() {
    // The flag is global: before the command, as here, or after it.
    let text = log_of(
        "logs-json",
        &["--log-format", "json", "worker"],
        &[],
        KEEPS_TRYING,
    );
    assert!(!text.contains('\u{1b}'), "colour codes in the log:\n{text}");
    let lines = json_lines(&text);
    let started = lines
        .iter()
        .find(|l| l["fields"]["message"] == "chaser worker started")
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(started["level"], "INFO");
    assert!(started["fields"]["task_queue"].is_string(), "{started}");
    assert!(
        messages(&lines).iter().any(|m| m.contains(KEEPS_TRYING)),
        "{text}"
    );
}

#[test]
fn a_worker_refusing_to_start_says_why_in_json_too() {
    let (dir, config) = config("logs-json-refused", r#"mode = "loud""#);
    let out: Output = command(&dir, &config, &["worker", "--log-format", "json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = stderr(&out);
    let lines = json_lines(&text);
    let error = lines
        .iter()
        .find(|l| l["level"] == "ERROR")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        error["fields"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("mode")),
        "{error}"
    );
}

#[test]
fn serve_logs_json_lines_too() {
    let text = log_of(
        "logs-serve-json",
        &["serve", "--log-format", "json"],
        &[],
        "chaser serve started",
    );
    let lines = json_lines(&text);
    assert!(
        messages(&lines)
            .iter()
            .any(|m| m.starts_with("Temporal cannot be reached")),
        "{text}"
    );
}

#[test]
fn rust_log_filters_the_events() {
    let text = log_of(
        "logs-filtered",
        &["--log-format", "json", "worker"],
        &[("RUST_LOG", "warn")],
        KEEPS_TRYING,
    );
    let lines = json_lines(&text);
    assert!(lines.iter().all(|l| l["level"] == "WARN"), "{text}");
}
