//! Mail as the tests read it: the SES emulator's store and the SMTP sink's files.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde::Deserialize;

use crate::process::{Service, free_port, port_open, repo_root, tool, wait_for};
use crate::stack::{Stack, stack};

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
pub(crate) struct Store {
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
