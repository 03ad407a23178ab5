//! What the threads of a run share, and the four doors a payment goes through (the CLI, the
//! accounting and bank webhooks, a raw signal), each tried until it answers.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use chaser_activities::store::Store;
use chaser_domain::ChaseState;
use chaser_tests::Chaser;
use jiff::Timestamp;

use crate::ses_front::SesFront;
use crate::stack::workflow_id;

use super::plan::{Door, Inv, Plan};

/// How long a door is tried before its payment counts as unanswered: the worker's own doors
/// are down for much of a run in which it is killed every few seconds.
pub(super) const DOOR_PATIENCE: Duration = Duration::from_secs(900);

/// What a door answers for a chase a lost answer had already stopped.
pub(super) const ALREADY_PAID: &str = "the chase is closed (paid)";

/// What happened to one payment.
pub(super) struct Payment {
    pub(super) number: String,
    pub(super) door: Door,
    pub(super) requested: SystemTime,
    /// When the door said the stop was taken (for a raw signal, which answers nothing about
    /// the chase, when the store first showed the invoice paid).
    pub(super) acknowledged: Option<SystemTime>,
    pub(super) answer: String,
}

/// Everything the threads of a run share.
pub(super) struct Run<'a> {
    pub(super) plan: &'a Plan,
    pub(super) chaser: &'a Chaser,
    pub(super) store: Store,
    pub(super) runtime: &'a tokio::runtime::Runtime,
    pub(super) front: SesFront,
    pub(super) temporal_address: String,
    pub(super) started: Instant,
}

impl Run<'_> {
    pub(super) fn until(&self, offset: Duration) {
        if let Some(wait) = (self.started + offset).checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }

    pub(super) fn stored_state(&self, number: &str) -> Option<ChaseState> {
        self.runtime
            .block_on(self.store.invoice(number))
            .ok()
            .flatten()
            .map(|i| i.state)
    }

    /// One attempt through `door`: `Ok` with the answer when the door took the payment.
    pub(super) fn knock(&self, inv: &Inv, door: Door) -> Result<String, String> {
        let n = inv.number.as_str();
        match door {
            Door::Cli => {
                let mut cmd = self.chaser.command();
                cmd.args(["paid", n, "--by", "chaos:cli"]);
                let out = run_within(cmd, Duration::from_secs(60))?;
                if out.status.success() {
                    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
                } else {
                    Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
                }
            }
            Door::OwnerApi => post(
                &self.chaser.url(&format!("/api/invoices/{n}/paid")),
                &[
                    (
                        "Authorization",
                        &format!("Bearer {}", self.chaser.secrets.api),
                    ),
                    ("X-Chaser-Actor", "chaos"),
                ],
                "{}",
            ),
            Door::Webhook => {
                let body = serde_json::json!({
                    "id": format!("evt-chaos-paid-{n}"),
                    "type": "invoice.paid",
                    "data": { "number": n, "reference": "chaos" },
                })
                .to_string();
                let timestamp = Timestamp::now().as_second().to_string();
                let signature = chaser_intake::signature::sign(
                    self.chaser.secrets.accounting.as_bytes(),
                    &timestamp,
                    body.as_bytes(),
                );
                post(
                    &self.chaser.url("/webhooks/accounting"),
                    &[
                        ("X-Chaser-Timestamp", &timestamp),
                        ("X-Chaser-Signature", &signature),
                    ],
                    &body,
                )
            }
            Door::RawSignal => {
                let mut cmd = Command::new(temporal_bin());
                cmd.args([
                    "workflow",
                    "signal",
                    "--address",
                    &self.temporal_address,
                    "--workflow-id",
                    &workflow_id(n),
                    "--name",
                    "paid",
                    "--input",
                    r#"{"by": "chaos:raw-signal"}"#,
                ]);
                let out = run_within(cmd, Duration::from_secs(30))?;
                if out.status.success() {
                    Ok("signalled".to_owned())
                } else {
                    Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
                }
            }
        }
    }

    /// Pays `inv` through `door`, trying again while the door cannot answer.
    pub(super) fn pay(&self, inv: &Inv, door: Door) -> Payment {
        let requested = SystemTime::now();
        let deadline = Instant::now() + DOOR_PATIENCE;
        let mut last = String::new();
        while Instant::now() < deadline {
            match self.knock(inv, door) {
                Ok(answer) => {
                    let acknowledged = if door == Door::RawSignal {
                        self.wait_paid(&inv.number, deadline)
                    } else {
                        Some(SystemTime::now())
                    };
                    return Payment {
                        number: inv.number.clone(),
                        door,
                        requested,
                        acknowledged,
                        answer,
                    };
                }
                // An earlier attempt took the payment, and its answer was lost with the worker.
                Err(why) if why.contains(ALREADY_PAID) => {
                    return Payment {
                        number: inv.number.clone(),
                        door,
                        requested,
                        acknowledged: Some(SystemTime::now()),
                        answer: why,
                    };
                }
                Err(why) => last = why,
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        Payment {
            number: inv.number.clone(),
            door,
            requested,
            acknowledged: None,
            answer: format!("never answered: {last}"),
        }
    }

    pub(super) fn wait_paid(&self, number: &str, deadline: Instant) -> Option<SystemTime> {
        while Instant::now() < deadline {
            if self.stored_state(number) == Some(ChaseState::Paid) {
                return Some(SystemTime::now());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        None
    }
}

pub(super) fn temporal_bin() -> std::path::PathBuf {
    std::env::var("TEMPORAL_BIN").map_or_else(
        |_| chaser_tests::repo_root().join(".tools/temporal/bin/temporal"),
        std::path::PathBuf::from,
    )
}

/// Runs `cmd`, killing it after `limit`.
pub(super) fn run_within(mut cmd: Command, limit: Duration) -> Result<Output, String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().map_err(|e| e.to_string()),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no answer within {limit:?}"));
            }
        }
    }
}

/// Posts `body`; `Ok` with the answer for a 200 or 202.
pub(super) fn post(url: &str, headers: &[(&str, &str)], body: &str) -> Result<String, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut request = agent.post(url).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.send(body).map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    if matches!(status, 200 | 202) {
        Ok(text)
    } else {
        Err(format!("{status} {text}"))
    }
}
