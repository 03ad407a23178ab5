//! How far the chaser scales: big exports imported, a fleet of sleeping chases, a storm of
//! sends through the rate-limited queue, and the planning engine's own benchmark.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use chaser_tests::seconds_rules_tolerating;
use jiff::Timestamp;

use crate::report::{Run, median};
use crate::ses_front::SesFront;
use crate::stack::{self, cadence, export, invoice_row};

use super::{STORE_NOTE, chaser_with, day_rules, ms, sleeping_invoices, today};

pub const INTAKE_SIZES: [usize; 2] = [2_000, 10_000];

/// `intake`: `chaser import` of N invoices against N trivial workflows from the same client.
pub fn intake(run: usize) -> anyhow::Result<Run> {
    let (runtime, client) = stack::start()?;
    let mut out = Run::default();
    for n in INTAKE_SIZES {
        let name = format!("intake-{n}");
        let chaser = chaser_with(&name, &day_rules(), &[]);
        let queue = stack::task_queue(&name);
        let csv = chaser.csv("invoices.csv", &sleeping_invoices(&format!("IN{n}"), n));
        let baseline_queue = format!("baseline-{n}-{}", std::process::id());
        let ((running, planned), trivial) = import_against_baseline(
            &runtime,
            &client,
            &chaser,
            (&queue, &csv, n),
            &baseline_queue,
            run,
        )?;
        let rate = |d: Duration| n as f64 / d.as_secs_f64();
        out.figure(
            &format!("ours, {n} invoices: running"),
            "chases/s",
            rate(running),
        );
        out.figure(
            &format!("ours, {n} invoices: planned (first task done)"),
            "chases/s",
            rate(planned),
        );
        out.figure(
            &format!("baseline, {n} trivial workflows: running"),
            "workflows/s",
            rate(trivial),
        );
        out.figure(
            &format!("ratio, {n} invoices"),
            "",
            rate(running) / rate(trivial),
        );
    }
    out.note(format!(
        "Ours: `chaser import` of a generated CSV (net-30, due in 30 days), timed from the command's start until visibility shows every chase Running; \"planned\" waits until every chase has run its first task (its `chase_started` in the store). Baseline: the same temporalio-client starts trivial workflows (one 24 h timer, no activity), {} in flight like the import, served by an in-process worker, timed until visibility shows them Running. The order alternates per run.",
        chaser_app::sheet::IMPORT_CONCURRENCY
    ));
    out.note(STORE_NOTE);
    drop(runtime);
    Ok(out)
}

/// `chaser import` of `csv` (`n` invoices): the time from the command's start until
/// visibility shows every chase Running, and until every chase has run its first task.
fn import_timed(
    runtime: &tokio::runtime::Runtime,
    client: &temporalio_client::Client,
    chaser: &chaser_tests::Chaser,
    queue: &str,
    csv: &str,
    n: usize,
) -> anyhow::Result<(Duration, Duration)> {
    let started = Instant::now();
    chaser.ok(&["import", csv]);
    let query = format!("TaskQueue = '{queue}' AND ExecutionStatus = 'Running'");
    let running = runtime.block_on(stack::wait_count(client, &query, n, stack::patience(n)))?;
    runtime.block_on(stack::wait_first_tasks(
        &chaser.database_url,
        n,
        stack::patience(n),
    ))?;
    Ok((running.duration_since(started), started.elapsed()))
}

/// `import_timed` of `csv` and as many trivial workflows started on `baseline_queue`, in
/// the order `run` says: they alternate, so neither always meets the emptier server.
pub(super) fn import_against_baseline(
    runtime: &tokio::runtime::Runtime,
    client: &temporalio_client::Client,
    chaser: &chaser_tests::Chaser,
    (queue, csv, n): (&str, &str, usize),
    baseline_queue: &str,
    run: usize,
) -> anyhow::Result<((Duration, Duration), Duration)> {
    let ours = || import_timed(runtime, client, chaser, queue, csv, n);
    let baseline = || runtime.block_on(crate::baseline::start_trivial(client, baseline_queue, n));
    Ok(if run % 2 == 1 {
        let o = ours()?;
        (o, baseline()?)
    } else {
        let b = baseline()?;
        (ours()?, b)
    })
}

/// `footprint`: 10,000 chases asleep on long timers; the worker's memory and idle CPU.
pub fn footprint() -> anyhow::Result<Run> {
    const CHASES: usize = 10_000;
    const IDLE: Duration = Duration::from_secs(60);
    let (runtime, _) = stack::start()?;
    let name = "footprint";
    let chaser = chaser_with(name, &day_rules(), &[]);
    let pid = chaser.worker_pid().context("no worker")?;
    let csv = chaser.csv("invoices.csv", &sleeping_invoices("FP", CHASES));
    chaser.ok(&["import", &csv]);
    runtime.block_on(stack::wait_first_tasks(
        &chaser.database_url,
        CHASES,
        Duration::from_secs(900),
    ))?;
    // Let the last workflow tasks and audit writes finish.
    std::thread::sleep(Duration::from_secs(10));
    let settled = stack::process_use(pid)?;
    std::thread::sleep(IDLE);
    let idle = stack::process_use(pid)?;
    let mut out = Run::default();
    out.figure(
        "worker RSS with 10,000 chases asleep",
        "MiB",
        settled.rss_mib,
    );
    out.figure("worker RSS after 60 s idle", "MiB", idle.rss_mib);
    out.figure(
        "of which anonymous (heap, stacks) after 60 s idle",
        "MiB",
        idle.anon_mib,
    );
    out.figure(
        "of which mapped files (the binary) after 60 s idle",
        "MiB",
        idle.file_mib,
    );
    out.figure(
        "worker peak RSS (VmHWM, incl. the import)",
        "MiB",
        idle.peak_mib,
    );
    out.figure(
        "worker CPU while idle 60 s",
        "s",
        idle.cpu_seconds - settled.cpu_seconds,
    );
    out.note(format!(
        "{CHASES} chases imported with `chaser import`, each asleep until its first step weeks away. Sticky cache: `temporal.max_cached_workflows` = 200 (the default); the worker allocates with jemalloc. Memory from /proc/<pid>/status (VmRSS, VmHWM), CPU from /proc/<pid>/stat (utime + stime)."
    ));
    out.note(STORE_NOTE);
    drop(runtime);
    Ok(out)
}

/// `storm`: 2,000 reminders due in the same minute through the rate-limited sending queue.
pub fn storm() -> anyhow::Result<Run> {
    const REMINDERS: usize = 2_000;
    const RATE: f64 = 14.0;
    let (runtime, _client) = stack::start()?;
    let front = runtime.block_on(SesFront::start(
        &chaser_tests::stack().ses_url,
        Some(RATE as usize),
    ))?;
    let rules =
        seconds_rules_tolerating("1d", &cadence("default", &[("after_issue 60s", "nudge")]));
    let chaser = chaser_with(
        "storm",
        &rules,
        &[
            ("aws.ses_endpoint_url", front.url.clone().into()),
            ("email.max_send_rate", RATE.into()),
        ],
    );
    let issued = Timestamp::now();
    let csv = export(
        (0..REMINDERS).map(|i| invoice_row(&format!("ST-{i:05}"), "net-30", today(), issued)),
    );
    let path = chaser.csv("invoices.csv", &csv);
    chaser.ok(&["import", &path]);
    let deadline = Duration::from_secs(60 + (REMINDERS as f64 / RATE * 2.0) as u64);
    chaser_tests::wait_for("every reminder", deadline, || {
        (front.arrivals().len() >= REMINDERS).then_some(())
    });
    // Anything more would be a duplicate: give it time to show.
    std::thread::sleep(Duration::from_secs(5));
    let arrivals = front.arrivals();
    let first = arrivals.iter().map(|a| a.at).min().context("no sends")?;
    let last = arrivals.iter().map(|a| a.at).max().context("no sends")?;
    let span = last.duration_since(first).unwrap_or_default().as_secs_f64();
    let achieved = (arrivals.len() - 1) as f64 / span;
    let mut per_recipient: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &arrivals {
        for to in &a.to {
            *per_recipient.entry(to.as_str()).or_default() += 1;
        }
    }
    let duplicates: usize = per_recipient.values().map(|n| n.saturating_sub(1)).sum();
    let stored = chaser_tests::stack().all_mail();
    let mut stored_per: BTreeMap<String, usize> = BTreeMap::new();
    for m in &stored {
        for to in &m.destination.to {
            *stored_per.entry(to.to_ascii_lowercase()).or_default() += 1;
        }
    }
    let stored_duplicates: usize = stored_per.values().map(|n| n.saturating_sub(1)).sum();
    let gaps: Vec<f64> = {
        let mut times: Vec<SystemTime> = arrivals.iter().map(|a| a.at).collect();
        times.sort();
        times
            .windows(2)
            .map(|w| ms(w[1].duration_since(w[0]).unwrap_or_default()))
            .collect()
    };
    let mut out = Run::default();
    out.check(arrivals.len() == REMINDERS, || {
        format!("{} sends for {REMINDERS} reminders", arrivals.len())
    });
    out.check(stored_duplicates == 0 && duplicates == 0, || {
        format!("{duplicates} duplicate sends ({stored_duplicates} in the emulator)")
    });
    out.figure("achieved send rate", "/s", achieved);
    out.figure("achieved ÷ configured rate", "", achieved / RATE);
    out.figure("throttling errors", "", front.throttled() as f64);
    out.figure("duplicates in the emulator", "", stored_duplicates as f64);
    out.figure("messages in the emulator", "", stored.len() as f64);
    out.figure("gap between sends, median", "ms", median(&gaps));
    out.figure("storm drained in", "s", span);
    out.note(format!(
        "{REMINDERS} chases whose nudge falls due 60 s after one import, so all in the same minute; `email.max_send_rate` = {RATE}, which the worker sets as the sending task queue's `max_task_queue_activities_per_second`. A front in the bench process plays SES's limit: a send over {RATE} in any one-second window is refused with TooManyRequestsException and counted as a throttling error."
    ));
    out.note(STORE_NOTE);
    drop(runtime);
    Ok(out)
}

/// Runs one criterion benchmark and reads the mean of `id`, in nanoseconds.
fn criterion_mean(package: &str, bench: &str, id: &str) -> anyhow::Result<f64> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = std::process::Command::new(cargo)
        .args(["bench", "-p", package, "--bench", bench])
        .current_dir(chaser_tests::repo_root())
        .stdout(std::process::Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "cargo bench failed: {status}");
    read_estimate(id)
}

/// The mean criterion recorded for `id` in its last run, in nanoseconds.
fn read_estimate(id: &str) -> anyhow::Result<f64> {
    let root = chaser_tests::repo_root();
    let estimates = root.join(format!("target/criterion/{id}/new/estimates.json"));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&estimates)
            .with_context(|| format!("reading {}", estimates.display()))?,
    )?;
    json["mean"]["point_estimate"]
        .as_f64()
        .context("no mean in the criterion estimates")
}

/// `plan`: the domain engine's criterion benchmark, run as `make bench` has always run it.
pub fn plan() -> anyhow::Result<Run> {
    let mean_ns = criterion_mean("chaser-domain", "plan", "plan/100k_invoices")?;
    let mut out = Run::default();
    out.figure("100,000 invoices", "ms", mean_ns / 1e6);
    out.figure("per invoice", "µs", mean_ns / 1e3 / 100_000.0);
    out.note("Criterion's mean of 10 samples over 12 s, one thread: `cargo bench -p chaser-domain --bench plan` (domain/benches/plan.rs; the mix of invoices is described above).");
    Ok(out)
}

/// `cockpit`: the owner's page over 10,000 open invoices, read from SQLite and rendered.
pub fn cockpit() -> anyhow::Result<Run> {
    let mean_ns = criterion_mean("chaser-api", "cockpit", "cockpit/10k_open_invoices")?;
    let read_ns = read_estimate("cockpit/10k_open_invoices_read_only")?;
    let mut out = Run::default();
    out.figure("10,000 open invoices", "ms", mean_ns / 1e6);
    out.figure("per invoice", "µs", mean_ns / 1e3 / 10_000.0);
    out.figure("baseline: reading the open invoices", "ms", read_ns / 1e6);
    out.figure("page ÷ baseline", "", mean_ns / read_ns);
    out.note("Criterion's mean of 10 samples: `cargo bench -p chaser-api --bench cockpit` (api/benches/cockpit.rs: the digest from a SQLite store, the aging report, the page rendered; the portfolio is described in the file).");
    Ok(out)
}
