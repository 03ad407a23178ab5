//! `chaser-bench chaos`: the fault-injection harness. Chases whose steps fall due seconds
//! apart send live to the SES emulator through a faulty front, while the worker is SIGKILLed
//! at random moments and started again, the Temporal dev server is killed and started again
//! on its state file, the store's connections are cut, the provider errs, throttles, holds
//! its answers and goes down, and payments arrive at random moments through four doors.
//! Then it waits for the chases to settle and checks the provider's arrivals (the front's
//! log) against the outbox and the audit chain. `--short` is the version `make test` runs.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use chaser_activities::store::{OutboxRow, OutboxStatus, Store};
use chaser_domain::ChaseState;
use chaser_tests::{Backend, Chaser, DevServer, Service, seconds_rules_tolerating};
use jiff::Timestamp;

use crate::ses_front::{Fault, FaultCounts, SesFront};
use crate::stack::{CSV_HEADER, cadence, workflow_id};

/// Each chase's steps, seconds after its group's first one; `escalate` writes to the owner.
const STEPS: [(&str, u64); 4] = [
    ("nudge", 0),
    ("follow_up", 6),
    ("final_notice", 12),
    ("escalate", 18),
];

/// Longer than the send activity's start-to-close timeout (60 s): the sender gives up first.
const HOLD: Duration = Duration::from_secs(70);

/// The thank-you's outbox key.
const THANK_YOU: &str = "thank_you";

/// How long a door is tried before its payment counts as unanswered: the worker's own doors
/// are down for much of a run in which it is killed every few seconds.
const DOOR_PATIENCE: Duration = Duration::from_secs(900);

/// What a door answers for a chase a lost answer had already stopped.
const ALREADY_PAID: &str = "the chase is closed (paid)";

/// How much of everything one run does.
struct Plan {
    invoices: usize,
    groups: usize,
    /// When the first group's first step falls due, and the gap between groups (seconds
    /// after the import).
    first_step: u64,
    group_gap: u64,
    /// Faults are injected this long; the worker is killed until this has passed and
    /// `min_kills` were made.
    chaos: Duration,
    kill_between: (f64, f64),
    min_kills: usize,
    server_restarts: Vec<u64>,
    provider: Vec<(u64, Episode)>,
    cut_between: (f64, f64),
    settle_within: Duration,
}

#[derive(Debug, Clone, Copy)]
enum Episode {
    /// The front serves `Fault` for at least this long, and until it served it once.
    Faulty(Fault, Duration),
    /// Nothing listens for this long.
    Down(Duration),
}

impl Plan {
    fn short() -> Plan {
        Plan {
            invoices: 10,
            groups: 2,
            first_step: 8,
            group_gap: 30,
            chaos: Duration::from_secs(70),
            kill_between: (2.0, 5.0),
            min_kills: 12,
            server_restarts: vec![40],
            provider: vec![
                (
                    8,
                    Episode::Faulty(Fault::Hold(HOLD), Duration::from_secs(1)),
                ),
                (
                    18,
                    Episode::Faulty(Fault::ServerError, Duration::from_secs(5)),
                ),
                (26, Episode::Faulty(Fault::Throttle, Duration::from_secs(5))),
                (50, Episode::Down(Duration::from_secs(15))),
            ],
            cut_between: (10.0, 20.0),
            settle_within: Duration::from_secs(150),
        }
    }

    fn full() -> Plan {
        let minute = Duration::from_secs(60);
        let error = Episode::Faulty(Fault::ServerError, Duration::from_secs(12));
        let throttle = Episode::Faulty(Fault::Throttle, Duration::from_secs(12));
        let hold = Episode::Faulty(Fault::Hold(HOLD), Duration::from_secs(3));
        Plan {
            invoices: 80,
            groups: 10,
            first_step: 20,
            group_gap: 52,
            chaos: Duration::from_secs(600),
            kill_between: (1.0, 4.0),
            min_kills: 200,
            server_restarts: vec![100, 250, 400, 530],
            provider: vec![
                (40, error),
                (70, throttle),
                (110, hold),
                (160, Episode::Down(minute)),
                (240, error),
                (290, throttle),
                (330, hold),
                (380, Episode::Down(minute)),
                (460, error),
                (490, throttle),
                (520, hold),
            ],
            cut_between: (15.0, 35.0),
            settle_within: Duration::from_secs(600),
        }
    }

    fn min_restarts(&self) -> usize {
        self.server_restarts.len()
    }
}

/// A small, seeded generator: a run can be repeated with `--seed`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, (low, high): (f64, f64)) -> f64 {
        low + (high - low) * self.unit()
    }

    fn seconds(&mut self, range: (f64, f64)) -> Duration {
        Duration::from_secs_f64(self.between(range))
    }
}

/// The ways a payment comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Door {
    Cli,
    OwnerApi,
    Webhook,
    RawSignal,
}

impl Door {
    const EACH: [Door; 4] = [Door::Cli, Door::OwnerApi, Door::Webhook, Door::RawSignal];

    fn name(self) -> &'static str {
        match self {
            Door::Cli => "`chaser paid`",
            Door::OwnerApi => "owner API",
            Door::Webhook => "signed webhook",
            Door::RawSignal => "raw `temporal workflow signal`",
        }
    }
}

struct Inv {
    number: String,
    group: usize,
    contact: String,
    owner: String,
    /// When, after the import, a payment comes in, and through which door.
    paid: Option<(Duration, Door)>,
}

impl Inv {
    fn terms(&self) -> String {
        format!("custom:g{}", self.group)
    }

    fn row(&self, issued: Timestamp) -> String {
        let day = issued.to_zoned(jiff::tz::TimeZone::UTC).date();
        format!(
            "{n},Customer {n},{contact},1250.00,USD,{day},{day},{terms},https://pay.example/{n},{owner},no,{issued}\n",
            n = self.number,
            contact = self.contact,
            terms = self.terms(),
            owner = self.owner,
        )
    }

    fn addressed(&self, to: &[String]) -> bool {
        to.iter().any(|a| *a == self.contact || *a == self.owner)
    }
}

fn invoices(plan: &Plan, rng: &mut Rng) -> Vec<Inv> {
    let mut doors = Door::EACH.iter().cycle();
    (0..plan.invoices)
        .map(|i| {
            // Half are paid, each at a random moment of the run.
            let paid = (i % 2 == 0).then(|| {
                let at = rng.seconds((5.0, plan.chaos.as_secs_f64() - 5.0));
                (at, *doors.next().unwrap_or(&Door::Cli))
            });
            Inv {
                number: format!("CH-{i:03}"),
                group: i % plan.groups,
                contact: format!("ap-ch-{i:03}@chaos.example"),
                owner: format!("owner-ch-{i:03}@chaos.example"),
                paid,
            }
        })
        .collect()
}

fn rules(plan: &Plan) -> String {
    let mut cadences = String::new();
    for group in 0..plan.groups {
        let base = plan.first_step + group as u64 * plan.group_gap;
        let whens: Vec<(String, &str)> = STEPS
            .iter()
            .map(|(step, after)| (format!("after_issue {}s", base + after), *step))
            .collect();
        let steps: Vec<(&str, &str)> = whens.iter().map(|(w, s)| (w.as_str(), *s)).collect();
        cadences.push_str(&cadence(&format!("custom:g{group}"), &steps));
    }
    // Lateness up to a day is tolerated: every step is owed, however late the faults make it.
    seconds_rules_tolerating("1d", &cadences)
}

/// When a step of `inv` fell due.
fn due(plan: &Plan, inv: &Inv, issued: SystemTime, after: u64) -> SystemTime {
    issued + Duration::from_secs(plan.first_step + inv.group as u64 * plan.group_gap + after)
}

/// What happened to one payment.
struct Payment {
    number: String,
    door: Door,
    requested: SystemTime,
    /// When the door said the stop was taken (for a raw signal, which answers nothing about
    /// the chase, when the store first showed the invoice paid).
    acknowledged: Option<SystemTime>,
    answer: String,
}

/// Everything the threads of a run share.
struct Run<'a> {
    plan: &'a Plan,
    chaser: &'a Chaser,
    store: Store,
    runtime: &'a tokio::runtime::Runtime,
    front: SesFront,
    temporal_address: String,
    started: Instant,
}

impl Run<'_> {
    fn until(&self, offset: Duration) {
        if let Some(wait) = (self.started + offset).checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }

    fn stored_state(&self, number: &str) -> Option<ChaseState> {
        self.runtime
            .block_on(self.store.invoice(number))
            .ok()
            .flatten()
            .map(|i| i.state)
    }

    /// One attempt through `door`: `Ok` with the answer when the door took the payment.
    fn knock(&self, inv: &Inv, door: Door) -> Result<String, String> {
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
    fn pay(&self, inv: &Inv, door: Door) -> Payment {
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

    fn wait_paid(&self, number: &str, deadline: Instant) -> Option<SystemTime> {
        while Instant::now() < deadline {
            if self.stored_state(number) == Some(ChaseState::Paid) {
                return Some(SystemTime::now());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        None
    }
}

fn temporal_bin() -> std::path::PathBuf {
    std::env::var("TEMPORAL_BIN").map_or_else(
        |_| chaser_tests::repo_root().join(".tools/temporal/bin/temporal"),
        std::path::PathBuf::from,
    )
}

/// Runs `cmd`, killing it after `limit`.
fn run_within(mut cmd: Command, limit: Duration) -> Result<Output, String> {
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
fn post(url: &str, headers: &[(&str, &str)], body: &str) -> Result<String, String> {
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

/// The worker process, killed and started again; notes any exit it made by itself.
struct Workers<'a> {
    chaser: &'a Chaser,
    current: Option<Service>,
    starts: usize,
    kills: usize,
    self_exits: Vec<String>,
}

impl<'a> Workers<'a> {
    fn new(chaser: &'a Chaser) -> Workers<'a> {
        let mut workers = Workers {
            chaser,
            current: None,
            starts: 0,
            kills: 0,
            self_exits: Vec::new(),
        };
        workers.spawn();
        workers
    }

    fn log(&self) -> std::path::PathBuf {
        self.chaser.dir.join(format!("worker-{}.log", self.starts))
    }

    fn spawn(&mut self) {
        self.starts += 1;
        let mut cmd = self.chaser.command();
        cmd.arg("worker");
        self.current = Some(Service::spawn("chaser worker", cmd, &self.log()));
    }

    /// Whether the worker still runs; one that ended by itself is noted and started again.
    fn check(&mut self) -> bool {
        let running = self.current.as_mut().is_some_and(Service::is_running);
        if !running {
            self.self_exits.push(self.log().display().to_string());
            self.spawn();
        }
        running
    }

    fn kill_and_restart(&mut self) {
        if self.check()
            && let Some(mut worker) = self.current.take()
        {
            worker.signal("KILL");
            self.kills += 1;
            self.spawn();
        }
    }
}

/// What the director injected besides worker kills.
#[derive(Default)]
struct Injected {
    server_restarts: usize,
    down_periods: usize,
    down_seconds: u64,
    store_cuts: usize,
    connections_cut: u64,
    episodes: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    RestartServer,
    Provider(Episode),
    CutStore,
}

/// Runs the server, provider and store faults in time order.
fn direct(run: &Run<'_>, server: &mut DevServer, rng: &mut Rng) -> anyhow::Result<Injected> {
    let plan = run.plan;
    let mut events: Vec<(Duration, Event)> = plan
        .server_restarts
        .iter()
        .map(|t| (Duration::from_secs(*t), Event::RestartServer))
        .chain(
            plan.provider
                .iter()
                .map(|(t, e)| (Duration::from_secs(*t), Event::Provider(*e))),
        )
        .collect();
    let mut at = rng.seconds(plan.cut_between);
    while at < plan.chaos {
        events.push((at, Event::CutStore));
        at += rng.seconds(plan.cut_between);
    }
    events.sort_by_key(|(t, _)| *t);
    let database = run
        .chaser
        .database_url
        .rsplit_once('/')
        .map(|(_, db)| db.to_owned())
        .context("no database in the chaser's URL")?;
    let mut done = Injected::default();
    for (t, event) in events {
        run.until(t);
        match event {
            Event::RestartServer => {
                server.kill();
                std::thread::sleep(Duration::from_secs(3));
                server.start();
                done.server_restarts += 1;
            }
            Event::Provider(Episode::Down(length)) => {
                run.front.go_down();
                std::thread::sleep(length);
                run.runtime.block_on(run.front.come_up())?;
                done.down_periods += 1;
                done.down_seconds += length.as_secs();
                done.episodes.push(format!(
                    "down at {:.0} s for {} s",
                    t.as_secs_f64(),
                    length.as_secs()
                ));
            }
            Event::Provider(Episode::Faulty(fault, at_least)) => {
                let served = |c: FaultCounts| match fault {
                    Fault::ServerError => c.server_errors,
                    Fault::Throttle => c.throttled,
                    Fault::Hold(_) => c.held,
                };
                let before = served(run.front.counts());
                let began = Instant::now();
                run.front.set_fault(Some(fault));
                std::thread::sleep(at_least);
                // Until a send met it: a fault no send met was not injected.
                while served(run.front.counts()) == before
                    && began.elapsed() < Duration::from_secs(120)
                {
                    std::thread::sleep(Duration::from_millis(100));
                }
                run.front.set_fault(None);
                done.episodes.push(format!(
                    "{fault:?} at {:.0} s for {:.0} s",
                    t.as_secs_f64(),
                    began.elapsed().as_secs_f64()
                ));
            }
            Event::CutStore => {
                if let Ok(cut) = run
                    .runtime
                    .block_on(cut_connections(&run.chaser.database_url, &database))
                {
                    done.store_cuts += 1;
                    done.connections_cut += cut;
                }
            }
        }
    }
    Ok(done)
}

/// Terminates every other connection to `database`; returns how many.
async fn cut_connections(url: &str, database: &str) -> anyhow::Result<u64> {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let cut: i64 = sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(database)
    .fetch_one(&mut conn)
    .await?;
    conn.close().await?;
    Ok(u64::try_from(cut).unwrap_or(0))
}

/// Outbox rows still claimed at the end: how many were handed to the provider first.
async fn open_claims_handed(url: &str) -> anyhow::Result<i64> {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let handed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE status = 'sending' AND handed_at IS NOT NULL",
    )
    .fetch_one(&mut conn)
    .await?;
    conn.close().await?;
    Ok(handed)
}

/// The outbox rows of `step`: its customer message, and any to the owner (`escalate/owner`).
fn rows_of<'r>(rows: &'r [OutboxRow], step: &str) -> Vec<&'r OutboxRow> {
    rows.iter()
        .filter(|r| {
            r.step_id == step
                || r.step_id
                    .strip_prefix(step)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .collect()
}

/// An outbox row whose fate is settled.
fn settled(row: &OutboxRow) -> bool {
    !matches!(
        row.status,
        OutboxStatus::Sending | OutboxStatus::Deferred | OutboxStatus::AwaitingApproval
    )
}

/// Each invoice's outbox rows and stored state, read again until nothing is on its way.
struct Final {
    outbox: BTreeMap<String, Vec<OutboxRow>>,
    states: BTreeMap<String, Option<ChaseState>>,
    settled: bool,
    waited: Duration,
}

fn settle(run: &Run<'_>, invoices: &[Inv]) -> Final {
    let began = Instant::now();
    let mut quiet_since = Instant::now();
    let mut arrivals = run.front.arrivals().len();
    loop {
        let mut outbox = BTreeMap::new();
        let mut states = BTreeMap::new();
        let mut all_done = true;
        for inv in invoices {
            let rows = run
                .runtime
                .block_on(run.store.outbox_for(&workflow_id(&inv.number)))
                .unwrap_or_default();
            let state = run.stored_state(&inv.number);
            let done = match inv.paid {
                // Paid: the chase took the stop and its thank-you is settled (a step's claim
                // the stop overtook may stay open: nothing goes out under it any more).
                Some(_) => {
                    state == Some(ChaseState::Paid)
                        && rows.iter().any(|r| r.step_id == THANK_YOU && settled(r))
                }
                // Unpaid: every step has its rows, settled.
                None => STEPS.iter().all(|(step, _)| {
                    let mine = rows_of(&rows, step);
                    !mine.is_empty() && mine.into_iter().all(settled)
                }),
            };
            all_done &= done;
            outbox.insert(inv.number.clone(), rows);
            states.insert(inv.number.clone(), state);
        }
        let now = run.front.arrivals().len();
        if now != arrivals {
            arrivals = now;
            quiet_since = Instant::now();
        }
        let quiet = quiet_since.elapsed() >= Duration::from_secs(10);
        if (all_done && quiet) || began.elapsed() >= run.plan.settle_within {
            return Final {
                outbox,
                states,
                settled: all_done,
                waited: began.elapsed(),
            };
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

/// The run's figures, its verdicts, and whether every check held.
struct Report {
    rows: Vec<(String, String)>,
    verdicts: Vec<(bool, String)>,
}

impl Report {
    fn figure(&mut self, name: impl Into<String>, value: impl ToString) {
        self.rows.push((name.into(), value.to_string()));
    }

    fn check(&mut self, ok: bool, what: impl Into<String>) {
        self.verdicts.push((ok, what.into()));
    }

    fn print(&self, title: &str) {
        println!("\n{title}\n");
        println!("| Figure | Value |\n| --- | ---: |");
        for (name, value) in &self.rows {
            println!("| {name} | {value} |");
        }
        println!();
        for (ok, what) in &self.verdicts {
            println!("- {} {what}", if *ok { "met:" } else { "FAILED:" });
        }
    }

    fn passed(&self) -> bool {
        self.verdicts.iter().all(|(ok, _)| *ok)
    }
}

/// `chaser-bench chaos [--short] [--seed N]`: prints the table; `Ok(false)` if a check failed.
pub fn run(short: bool, seed: Option<u64>) -> anyhow::Result<bool> {
    let plan = if short { Plan::short() } else { Plan::full() };
    let seed = seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            | 1
    });
    eprintln!("chaser-bench chaos: seed {seed}");
    let mut rng = Rng(seed);
    let invoices = invoices(&plan, &mut rng);

    chaser_tests::keep_server_in_memory();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let front = runtime.block_on(SesFront::start(&chaser_tests::stack().ses_url, None))?;
    let mut chaser = Chaser::with_config(
        "chaos",
        &rules(&plan),
        Backend::Postgres,
        &[
            ("aws.ses_endpoint_url", front.url.clone().into()),
            ("review.email", false.into()),
            ("reconcile.interval", "5s".into()),
            ("reconcile.grace", "5s".into()),
        ],
    );
    let mut server = DevServer::new(&chaser.dir.join("temporal"));
    chaser.use_temporal(&server.address());
    server.start();
    let store = runtime.block_on(Store::connect(&chaser.database_url))?;
    let mut workers = Workers::new(&chaser);
    wait_healthy(&chaser)?;

    let issued = Timestamp::now();
    let csv = format!(
        "{CSV_HEADER}{}",
        invoices.iter().map(|i| i.row(issued)).collect::<String>()
    );
    let path = chaser.csv("invoices.csv", &csv);
    let mut cmd = chaser.command();
    cmd.args(["import", &path]);
    let out = run_within(cmd, Duration::from_secs(120)).map_err(anyhow::Error::msg)?;
    anyhow::ensure!(
        out.status.success(),
        "the import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let issued = SystemTime::UNIX_EPOCH
        + Duration::from_millis(u64::try_from(issued.as_millisecond()).unwrap_or(0));

    let run = Run {
        plan: &plan,
        chaser: &chaser,
        store: store.clone(),
        runtime: &runtime,
        front: front.clone(),
        temporal_address: server.address(),
        started: Instant::now(),
    };
    let payments = Mutex::new(Vec::new());
    let mut killer_rng = Rng(rng.next() | 1);
    let mut director_rng = Rng(rng.next() | 1);
    let injected = std::thread::scope(|scope| {
        let run = &run;
        let payments = &payments;
        for inv in &invoices {
            if let Some((at, door)) = inv.paid {
                scope.spawn(move || {
                    run.until(at);
                    let payment = run.pay(inv, door);
                    if let Ok(mut all) = payments.lock() {
                        all.push(payment);
                    }
                });
            }
        }
        let director = scope.spawn(|| direct(run, &mut server, &mut director_rng));
        let workers = &mut workers;
        scope.spawn(move || {
            while run.started.elapsed() < run.plan.chaos || workers.kills < run.plan.min_kills {
                std::thread::sleep(killer_rng.seconds(run.plan.kill_between));
                workers.kill_and_restart();
            }
        });
        director
            .join()
            .map_err(|_| anyhow::anyhow!("the director panicked"))?
    })?;
    let chaos_lasted = run.started.elapsed();
    eprintln!("chaser-bench chaos: faults over after {chaos_lasted:.0?}; settling");

    let last = settle(&run, &invoices);
    workers.check();
    let arrivals = front.arrivals();
    let counts = front.counts();
    let payments = payments.into_inner().unwrap_or_default();
    let audit = runtime.block_on(store.verify_audit());
    let open_handed = runtime
        .block_on(open_claims_handed(&chaser.database_url))
        .map_or_else(|e| format!("unknown ({e})"), |n| n.to_string());

    // The provider's arrivals, by invoice.
    let mut report = Report {
        rows: Vec::new(),
        verdicts: Vec::new(),
    };
    let mut duplicates = Vec::new();
    let mut missed = Vec::new();
    let mut after_stop = Vec::new();
    let mut uncertain = Vec::new();
    let mut declined = Vec::new();
    let mut overtaken = 0;
    let mut overtaken_longest = Duration::ZERO;
    let mut open_claims = 0;
    let mut late = Vec::new();
    let mut stops_not_applied = Vec::new();
    let by_number: BTreeMap<&str, &Payment> =
        payments.iter().map(|p| (p.number.as_str(), p)).collect();
    for inv in &invoices {
        let rows = last.outbox.get(&inv.number).cloned().unwrap_or_default();
        let mine: Vec<_> = arrivals.iter().filter(|a| inv.addressed(&a.to)).collect();
        let sent_ids: Vec<&str> = rows
            .iter()
            .filter(|r| r.status == OutboxStatus::Sent)
            .filter_map(|r| r.message_id.as_deref())
            .collect();
        // Recorded as sent, never reached the provider.
        for row in rows.iter().filter(|r| r.status == OutboxStatus::Sent) {
            let arrived = row
                .message_id
                .as_deref()
                .is_some_and(|id| mine.iter().any(|a| a.message_id.as_deref() == Some(id)));
            if !arrived {
                missed.push(format!(
                    "{} {}: sent, never reached the provider",
                    inv.number, row.step_id
                ));
            }
        }
        // Arrivals the outbox does not know as sent: each uncertain row may explain one.
        let unknown = mine
            .iter()
            .filter(|a| {
                !a.message_id
                    .as_deref()
                    .is_some_and(|id| sent_ids.contains(&id))
            })
            .count();
        let unresolved = rows
            .iter()
            .filter(|r| matches!(r.status, OutboxStatus::Uncertain | OutboxStatus::Sending))
            .count();
        if unknown > unresolved {
            duplicates.push(format!(
                "{}: {} arrival(s) beyond its sent, uncertain and open messages",
                inv.number,
                unknown - unresolved
            ));
        }
        for row in &rows {
            match row.status {
                OutboxStatus::Uncertain => uncertain.push(format!(
                    "{} {}: {}",
                    inv.number,
                    row.step_id,
                    row.error.as_deref().or(row.reason.as_deref()).unwrap_or("")
                )),
                OutboxStatus::Declined => declined.push(format!(
                    "{} {}: {}",
                    inv.number,
                    row.step_id,
                    row.reason.as_deref().unwrap_or("")
                )),
                OutboxStatus::Sending => open_claims += 1,
                OutboxStatus::Failed => missed.push(format!(
                    "{} {}: failed: {}",
                    inv.number,
                    row.step_id,
                    row.error.as_deref().unwrap_or("")
                )),
                _ => {}
            }
        }
        let payment = by_number.get(inv.number.as_str());
        for (step, after) in STEPS {
            let due_at = due(&plan, inv, issued, after);
            let step_rows = rows_of(&rows, step);
            for row in step_rows.iter().filter(|r| r.status == OutboxStatus::Sent) {
                if let Some(a) = mine
                    .iter()
                    .find(|a| a.message_id.is_some() && a.message_id == row.message_id)
                {
                    late.push(
                        a.at.duration_since(due_at)
                            .unwrap_or_default()
                            .as_secs_f64(),
                    );
                }
            }
            let accounted = !step_rows.is_empty()
                && step_rows.iter().all(|r| {
                    matches!(
                        r.status,
                        OutboxStatus::Sent | OutboxStatus::Uncertain | OutboxStatus::Declined
                    )
                });
            if accounted {
                continue;
            }
            // An unpaid chase owes every step. A paid one owes none once paid: a step that
            // had not gone out by then, however long ago it fell due, was overtaken.
            match payment {
                None => missed.push(format!("{} {step}: never sent", inv.number)),
                Some(p) => {
                    overtaken += 1;
                    if let Ok(before) = p.requested.duration_since(due_at) {
                        overtaken_longest = overtaken_longest.max(before);
                    }
                }
            }
        }
        if let Some(p) = payment {
            if let Some(ack) = p.acknowledged {
                for a in mine
                    .iter()
                    .filter(|a| a.at > ack && !a.subject.starts_with("Thank you"))
                {
                    after_stop.push(format!(
                        "{} via {}: \"{}\" {:.1} s after the stop was acknowledged",
                        inv.number,
                        p.door.name(),
                        a.subject,
                        a.at.duration_since(ack).unwrap_or_default().as_secs_f64()
                    ));
                }
            }
            if last.states.get(&inv.number).copied().flatten() != Some(ChaseState::Paid) {
                stops_not_applied.push(inv.number.clone());
            }
        }
    }
    let unanswered: Vec<String> = payments
        .iter()
        .filter(|p| p.acknowledged.is_none())
        .map(|p| format!("{} via {}: {}", p.number, p.door.name(), p.answer))
        .collect();
    let (audit_ok, audit_text) = match &audit {
        Ok(chain) if chain.breaks.is_empty() => {
            (true, format!("{} rows, chain intact", chain.rows))
        }
        Ok(chain) => (
            false,
            format!("{} rows, {} broken", chain.rows, chain.breaks.len()),
        ),
        Err(e) => (false, format!("cannot verify: {e}")),
    };

    let paid = invoices.iter().filter(|i| i.paid.is_some()).count();
    let per_door: Vec<String> = Door::EACH
        .iter()
        .map(|d| {
            let n = payments.iter().filter(|p| p.door == *d).count();
            format!("{} {n}", d.name())
        })
        .collect();
    let quantile = |q: f64| crate::report::quantile(&late, q);
    report.figure(
        "chases (steps seconds apart: nudge, follow-up, final notice, escalation)",
        invoices.len(),
    );
    report.figure(
        format!("paid during the run ({})", per_door.join(", ")),
        paid,
    );
    report.figure("faults injected for", format!("{chaos_lasted:.0?}"));
    report.figure(
        "worker SIGKILLs (each followed by a restart)",
        workers.kills,
    );
    report.figure(
        "Temporal dev server kills and restarts",
        injected.server_restarts,
    );
    report.figure(
        "store: connection cuts (connections terminated)",
        format!("{} ({})", injected.store_cuts, injected.connections_cut),
    );
    report.figure("provider: sends answered 500", counts.server_errors);
    report.figure("provider: sends throttled (429)", counts.throttled);
    report.figure(
        format!(
            "provider: answers held {} s, past the sender's timeout",
            HOLD.as_secs()
        ),
        counts.held,
    );
    report.figure(
        "provider: down (connection refused)",
        format!(
            "{} period(s), {} s",
            injected.down_periods, injected.down_seconds
        ),
    );
    report.figure("messages that reached the provider", arrivals.len());
    report.figure(
        "uncertain sends (counted, never sent again by themselves)",
        uncertain.len(),
    );
    report.figure("declined sends (for a stated reason)", declined.len());
    report.figure(
        "claims a stop left open (of which handed to the provider before the stop)",
        format!("{open_claims} ({open_handed})"),
    );
    report.figure(
        "steps of paid chases overtaken by the payment (longest due before it was asked for)",
        format!("{overtaken} ({:.0} s)", overtaken_longest.as_secs_f64()),
    );
    report.figure(
        "step lateness at the provider, median / p95 / max",
        format!(
            "{:.1} s / {:.1} s / {:.1} s",
            quantile(0.5),
            quantile(0.95),
            quantile(1.0)
        ),
    );
    report.figure(
        "settled after the faults within",
        format!("{:.0?}", last.waited),
    );
    report.figure("**duplicates**", duplicates.len());
    report.figure("**missed steps**", missed.len());
    report.figure("**sends after an acknowledged stop**", after_stop.len());
    report.figure("**worker exits of its own**", workers.self_exits.len());
    report.figure("**audit chain**", &audit_text);

    let kills_wanted = plan.min_kills;
    report.check(
        workers.kills >= kills_wanted,
        format!("≥ {kills_wanted} worker kills ({})", workers.kills),
    );
    report.check(
        injected.server_restarts >= plan.min_restarts(),
        format!(
            "≥ {} server restarts ({})",
            plan.min_restarts(),
            injected.server_restarts
        ),
    );
    report.check(
        counts.server_errors > 0
            && counts.throttled > 0
            && counts.held > 0
            && injected.down_periods > 0,
        "every provider fault served (500, throttling, a held answer, down)",
    );
    report.check(injected.store_cuts > 0, "store connections cut");
    report.check(
        duplicates.is_empty(),
        format!("0 duplicates {duplicates:?}"),
    );
    report.check(missed.is_empty(), format!("0 missed steps {missed:?}"));
    report.check(
        after_stop.is_empty(),
        format!("0 sends after an acknowledged stop {after_stop:?}"),
    );
    report.check(
        workers.self_exits.is_empty(),
        format!("0 worker exits of its own {:?}", workers.self_exits),
    );
    report.check(audit_ok, format!("audit chain verifies ({audit_text})"));
    report.check(
        unanswered.is_empty(),
        format!("every payment acknowledged {unanswered:?}"),
    );
    report.check(
        stops_not_applied.is_empty(),
        format!("every paid chase ends paid {stops_not_applied:?}"),
    );
    report.check(
        last.settled,
        format!("every chase settled within {:?}", plan.settle_within),
    );
    let mode = if short { "--short" } else { "full" };
    report.print(&format!(
        "chaser-bench chaos ({mode}, seed {seed}); files in {}",
        chaser.dir.display()
    ));
    if !uncertain.is_empty() {
        println!("\nUncertain: {}", uncertain.join("; "));
    }
    if !declined.is_empty() {
        println!("\nDeclined: {}", declined.join("; "));
    }
    // What a failed check needs to be understood: the flagged chases' rows and arrivals.
    let flagged: BTreeSet<&str> = duplicates
        .iter()
        .chain(&missed)
        .chain(&after_stop)
        .chain(&stops_not_applied)
        .filter_map(|line| line.split([':', ' ']).next())
        .collect();
    let began = SystemTime::now() - run.started.elapsed();
    let since = |t: SystemTime| t.duration_since(began).unwrap_or_default().as_secs_f64();
    for inv in invoices
        .iter()
        .filter(|i| flagged.contains(i.number.as_str()))
    {
        println!(
            "\n{} (paid: {:?}, stored state: {:?})",
            inv.number,
            inv.paid,
            last.states.get(&inv.number).copied().flatten()
        );
        for row in last.outbox.get(&inv.number).into_iter().flatten() {
            println!(
                "  outbox {} {}: {:?} {:?}",
                row.step_id,
                row.status.as_str(),
                row.message_id,
                row.error.as_deref().or(row.reason.as_deref())
            );
        }
        for a in arrivals.iter().filter(|a| inv.addressed(&a.to)) {
            println!(
                "  arrival at {:.1} s: {:?} {:?}",
                since(a.at),
                a.subject,
                a.message_id
            );
        }
        if let Some(p) = by_number.get(inv.number.as_str()) {
            println!(
                "  payment via {} asked at {:.1} s, acknowledged at {:?} s: {}",
                p.door.name(),
                since(p.requested),
                p.acknowledged.map(since),
                p.answer
            );
        }
    }
    println!("\nProvider episodes: {}", injected.episodes.join("; "));
    Ok(report.passed())
}

fn wait_healthy(chaser: &Chaser) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if chaser.health().0 == 200 {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    anyhow::bail!("the worker never became healthy")
}
