//! The scenarios. Each child run starts its own server, emulator and worker (through the
//! test harness) and returns its figures.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use chaser_tests::{Backend, Chaser, seconds_rules, seconds_rules_tolerating};
use jiff::{SignedDuration, Timestamp};

use crate::report::{Run, median, quantile};
use crate::ses_front::SesFront;
use crate::stack::{self, cadence, export, invoice_row, paid_event};

pub const INTAKE_SIZES: [usize; 2] = [2_000, 10_000];

/// Net-30 as the product ships it: nothing is due for weeks, so the chases sleep.
fn day_rules() -> String {
    cadence(
        "default",
        &[
            ("after_due 3d", "nudge"),
            ("after_due 10d", "follow_up"),
            ("after_due 21d", "escalate"),
        ],
    )
}

fn today() -> jiff::civil::Date {
    Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// `n` invoices due in 30 days, each with its own contact.
fn sleeping_invoices(prefix: &str, n: usize) -> String {
    let due = today()
        .checked_add(jiff::Span::new().days(30))
        .unwrap_or(today());
    let issued = Timestamp::now();
    export((0..n).map(|i| invoice_row(&format!("{prefix}-{i:05}"), "net-30", due, issued)))
}

/// Every scenario's worker keeps its store in PostgreSQL, as `docker-compose.yml` deploys it.
const STORE_NOTE: &str = "Store: PostgreSQL 15 on 127.0.0.1 (as docker-compose.yml deploys the chaser), one database per run.";

fn chaser_with(name: &str, rules: &str, settings: &[(&str, toml::Value)]) -> Chaser {
    // The run's codec key, which the bench's own client reads histories with.
    let mut settings = settings.to_vec();
    settings.push(("codec.key", stack::codec_key().into()));
    let mut chaser = Chaser::with_config(name, rules, Backend::Postgres, &settings);
    chaser.start_worker();
    chaser
}

/// `intake`: `chaser import` of N invoices against N trivial workflows from the same client.
pub fn intake(run: usize) -> anyhow::Result<Run> {
    let (runtime, client) = stack::start()?;
    let mut out = Run::default();
    for n in INTAKE_SIZES {
        let name = format!("intake-{n}");
        let chaser = chaser_with(&name, &day_rules(), &[]);
        let queue = stack::task_queue(&name);
        let csv = chaser.csv("invoices.csv", &sleeping_invoices(&format!("IN{n}"), n));
        let ours = || -> anyhow::Result<(Duration, Duration)> {
            let started = Instant::now();
            chaser.ok(&["import", &csv]);
            let imported = started.elapsed();
            let query = format!("TaskQueue = '{queue}' AND ExecutionStatus = 'Running'");
            let running = runtime.block_on(stack::wait_count(
                &client,
                &query,
                n,
                Duration::from_secs(600),
            ))?;
            let planned = format!("{query} AND NextTouchAt IS NOT NULL");
            runtime.block_on(stack::wait_count(
                &client,
                &planned,
                n,
                Duration::from_secs(600),
            ))?;
            let _ = imported;
            Ok((running.duration_since(started), started.elapsed()))
        };
        let baseline_queue = format!("baseline-{n}-{}", std::process::id());
        let baseline =
            || runtime.block_on(crate::baseline::start_trivial(&client, &baseline_queue, n));
        // Alternate which goes first, so neither always meets the emptier server.
        let ((running, planned), trivial) = if run % 2 == 1 {
            let o = ours()?;
            (o, baseline()?)
        } else {
            let b = baseline()?;
            (ours()?, b)
        };
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
        "Ours: `chaser import` of a generated CSV (net-30, due in 30 days), timed from the command's start until visibility shows every chase Running; \"planned\" waits until every chase has run its first task (NextTouchAt set). Baseline: the same temporalio-client starts trivial workflows (one 24 h timer, no activity), {} in flight like the import, served by an in-process worker, timed until visibility shows them Running. The order alternates per run.",
        chaser_app::sheet::IMPORT_CONCURRENCY
    ));
    out.note(STORE_NOTE);
    drop(runtime);
    Ok(out)
}

/// `stop-latency`: paid webhooks racing reminders that are due at that very moment.
pub fn stop_latency() -> anyhow::Result<Run> {
    const CHASES: usize = 500;
    const SPACING_MS: i64 = 40;
    let (runtime, client) = stack::start()?;
    let front = runtime.block_on(SesFront::start(&chaser_tests::stack().ses_url, None))?;
    let rules = seconds_rules(&cadence(
        "default",
        &[
            ("after_issue 90s", "nudge"),
            ("after_issue 95s", "follow_up"),
            ("after_issue 100s", "escalate"),
        ],
    ));
    let name = "stop";
    let chaser = chaser_with(
        name,
        &rules,
        &[
            ("aws.ses_endpoint_url", front.url.clone().into()),
            ("email.max_send_rate", 200.0.into()),
        ],
    );
    let queue = stack::task_queue(name);
    // Invoice i's nudge falls due at t0 + 60 s + i × 40 ms (a minute to import and start
    // them all), and its paid webhook goes out within 300 ms of that, before or after.
    let t0 = Timestamp::now();
    let at = |ms: i64| {
        t0.checked_add(SignedDuration::from_millis(ms))
            .unwrap_or(t0)
    };
    let numbers: Vec<String> = (0..CHASES).map(|i| format!("SL-{i:04}")).collect();
    let mut rows = Vec::with_capacity(CHASES);
    for (i, number) in numbers.iter().enumerate() {
        let offset = i64::try_from(i)? * SPACING_MS;
        rows.push(invoice_row(number, "net-30", today(), at(offset - 30_000)));
    }
    let csv = export(rows);
    let path = chaser.csv("invoices.csv", &csv);
    chaser.ok(&["import", &path]);
    let planned = format!("TaskQueue = '{queue}' AND NextTouchAt IS NOT NULL");
    runtime.block_on(stack::wait_count(
        &client,
        &planned,
        CHASES,
        Duration::from_secs(60),
    ))?;
    anyhow::ensure!(
        Timestamp::now() < at(59_000),
        "the chases took too long to start; the webhooks would not race the reminders"
    );

    struct Fired {
        sent: SystemTime,
        returned: SystemTime,
        status: u16,
    }
    let url = chaser.url("/webhooks/accounting");
    let secret = chaser.secrets.accounting.as_str();
    let threads = 16;
    let fired: BTreeMap<String, Fired> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let numbers = &numbers;
                let url = &url;
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    for (i, number) in numbers.iter().enumerate().skip(t).step_by(threads) {
                        let offset = i64::try_from(i).unwrap_or(0) * SPACING_MS;
                        let jitter = (i64::try_from(i).unwrap_or(0) * 37) % 600 - 300;
                        let due = at(60_000 + offset + jitter);
                        if let Ok(wait) = Duration::try_from(due.duration_since(Timestamp::now())) {
                            std::thread::sleep(wait);
                        }
                        let body = paid_event(number);
                        let sent = SystemTime::now();
                        let (status, _) = chaser_tests::post_webhook(url, secret, &body);
                        let returned = SystemTime::now();
                        mine.push((
                            number.clone(),
                            Fired {
                                sent,
                                returned,
                                status,
                            },
                        ));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut out = Run::default();
    let refused = fired.values().filter(|f| f.status != 200).count();
    out.check(refused == 0, || {
        format!("{refused} webhooks were not answered 200")
    });

    let closed = format!("TaskQueue = '{queue}' AND ExecutionStatus = 'Completed'");
    runtime.block_on(stack::wait_count(
        &client,
        &closed,
        CHASES,
        Duration::from_secs(120),
    ))?;
    let paid = runtime.block_on(stack::count(
        &client,
        &format!("{closed} AND ChaseState = 'paid'"),
    ))?;
    out.check(paid == CHASES, || {
        format!("only {paid} of {CHASES} chases closed as paid")
    });

    let mut latencies = Vec::new();
    let mut answers = Vec::new();
    for (number, f) in &fired {
        let closed_at = runtime
            .block_on(stack::close_time(&client, &stack::workflow_id(number)))?
            .with_context(|| format!("{number} has no close time"))?;
        latencies.push(ms(closed_at.duration_since(f.sent).unwrap_or_default()));
        answers.push(ms(f.returned.duration_since(f.sent).unwrap_or_default()));
    }
    // The slowest chase's history, for a closer look at where the time went.
    if let Some((i, _)) = latencies
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        && let Some(number) = fired.keys().nth(i)
    {
        let history = runtime.block_on(stack::history(&client, &stack::workflow_id(number)))?;
        keep_history("stop-latency-slowest", &history)?;
    }
    // No reminder reached the provider after its invoice's paid webhook had returned.
    let arrivals = front.arrivals();
    let mut before = 0;
    let mut late = Vec::new();
    for (number, f) in &fired {
        let to = stack::contact(number);
        for a in arrivals.iter().filter(|a| a.to.contains(&to)) {
            if a.subject.starts_with("Thank you") {
                continue;
            }
            if a.at > f.returned {
                late.push(format!("{number}: \"{}\"", a.subject));
            } else {
                before += 1;
            }
        }
    }
    out.check(late.is_empty(), || {
        format!(
            "reminders after the paid webhook returned: {}",
            late.join("; ")
        )
    });
    out.figure(
        "POST → closed as paid, p50",
        "ms",
        quantile(&latencies, 0.5),
    );
    out.figure(
        "POST → closed as paid, p95",
        "ms",
        quantile(&latencies, 0.95),
    );
    out.figure(
        "POST → closed as paid, p99",
        "ms",
        quantile(&latencies, 0.99),
    );
    out.figure(
        "POST → closed as paid, max",
        "ms",
        quantile(&latencies, 1.0),
    );
    out.figure("webhook answered, p50", "ms", quantile(&answers, 0.5));
    out.figure("webhook answered, p99", "ms", quantile(&answers, 0.99));
    out.figure(
        "reminders sent before their paid webhook",
        "",
        f64::from(u32::try_from(before)?),
    );
    out.figure(
        "reminders after the paid webhook returned",
        "",
        late.len() as f64,
    );
    out.note(format!(
        "{CHASES} chases; invoice i's nudge is due at t0 + 60 s + i × {SPACING_MS} ms and its signed `invoice.paid` webhook is posted within ±300 ms of that (16 posting threads, 25 per second). Latency runs from the POST to the close time the server recorded; closing includes the thank-you e-mail and the last audit write."
    ));
    out.note("The slowest chase's history is kept in target/bench/stop-latency-slowest.json. Provider arrivals are timed by a front in the bench process that relays to the SES emulator (the emulator itself keeps whole seconds). The sending queue runs at 200/s here so that the send rate does not enter the latency.");
    out.note(STORE_NOTE);
    drop(runtime);
    Ok(out)
}

/// Keeps a history in target/bench/<name>.json, for a closer look after the run.
fn keep_history(name: &str, history: &serde_json::Value) -> anyhow::Result<()> {
    let dir = chaser_tests::repo_root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_vec_pretty(history)?,
    )?;
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `footprint`: 10,000 chases asleep on long timers; the worker's memory and idle CPU.
pub fn footprint() -> anyhow::Result<Run> {
    const CHASES: usize = 10_000;
    const IDLE: Duration = Duration::from_secs(60);
    let (runtime, client) = stack::start()?;
    let name = "footprint";
    let chaser = chaser_with(name, &day_rules(), &[]);
    let pid = chaser.worker_pid().context("no worker")?;
    let queue = stack::task_queue(name);
    let csv = chaser.csv("invoices.csv", &sleeping_invoices("FP", CHASES));
    chaser.ok(&["import", &csv]);
    let planned = format!("TaskQueue = '{queue}' AND NextTouchAt IS NOT NULL");
    runtime.block_on(stack::wait_count(
        &client,
        &planned,
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
        "{CHASES} chases imported with `chaser import`, each asleep until its first step weeks away. Sticky cache: `temporal.max_cached_workflows` = 1000 (the default). Memory from /proc/<pid>/status (VmRSS, VmHWM), CPU from /proc/<pid>/stat (utime + stime)."
    ));
    out.note(STORE_NOTE);
    drop(runtime);
    Ok(out)
}

/// Temporal Cloud's list price per million actions, and where it is stated.
const PRICE_PER_MILLION: f64 = 50.0;
const PRICE_SOURCE: &str = "https://docs.temporal.io/cloud/pricing (\"Actions pricing starts at $50 per million Actions\"); what counts: https://docs.temporal.io/cloud/actions";

/// Billable actions in a history by Temporal Cloud's rules, by kind.
pub fn billable_actions(history: &serde_json::Value) -> BTreeMap<&'static str, usize> {
    let mut actions = BTreeMap::new();
    let mut marker_tasks = std::collections::BTreeSet::new();
    let mut previous = "";
    for event in history["events"].as_array().into_iter().flatten() {
        let Some((kind, attributes)) = event["attributes"]
            .as_object()
            .and_then(|a| a.iter().next())
        else {
            continue;
        };
        let after = std::mem::replace(&mut previous, kind.as_str());
        let (name, count) = match kind.as_str() {
            "WorkflowExecutionStartedEventAttributes" => ("workflow started", 1),
            // "One total action occurs for any Signal-With-Start": its signal comes free.
            "WorkflowExecutionSignaledEventAttributes"
                if after == "WorkflowExecutionStartedEventAttributes" =>
            {
                continue;
            }
            "WorkflowExecutionContinuedAsNewEventAttributes" => ("continued as new", 1),
            "WorkflowExecutionSignaledEventAttributes" => ("signal received", 1),
            "TimerStartedEventAttributes" => ("timer started", 1),
            "ActivityTaskScheduledEventAttributes" => ("activity started", 1),
            "ActivityTaskStartedEventAttributes" => {
                let attempt = attributes["attempt"].as_u64().unwrap_or(1);
                (
                    "activity retried",
                    usize::try_from(attempt.saturating_sub(1)).unwrap_or(0),
                )
            }
            // The patch marker's own TemporalChangeVersion upsert is exempt.
            "UpsertWorkflowSearchAttributesEventAttributes"
                if attributes["search_attributes"]["indexedFields"]
                    .as_object()
                    .is_some_and(|f| f.keys().all(|k| k == "TemporalChangeVersion")) =>
            {
                continue;
            }
            "UpsertWorkflowSearchAttributesEventAttributes" => ("search attributes upserted", 1),
            "StartChildWorkflowExecutionInitiatedEventAttributes" => ("child workflow started", 2),
            "SignalExternalWorkflowExecutionInitiatedEventAttributes" => ("signal sent", 1),
            "WorkflowExecutionUpdateAcceptedEventAttributes" => ("update", 1),
            "MarkerRecordedEventAttributes" => {
                // All local activities of one workflow task are one action.
                let task = attributes["workflow_task_completed_event_id"].as_i64();
                if marker_tasks.insert(task) {
                    ("local activities (per workflow task)", 1)
                } else {
                    continue;
                }
            }
            _ => continue,
        };
        if count > 0 {
            *actions.entry(name).or_insert(0) += count;
        }
    }
    actions
}

/// `actions`: histories of a typical chase and a long one, priced.
pub fn actions() -> anyhow::Result<Run> {
    let (runtime, client) = stack::start()?;
    let front = runtime.block_on(SesFront::start(&chaser_tests::stack().ses_url, None))?;
    let typical_cadence = cadence(
        "default",
        &[
            ("after_issue 2s", "nudge"),
            ("after_issue 4s", "follow_up"),
            ("after_issue 6s", "final_notice"),
        ],
    );
    let long_cadence = cadence(
        "custom:long",
        &[
            ("after_issue 2s", "nudge"),
            ("repeat every 2s, at most 9 times", "follow_up"),
        ],
    );
    let rules = seconds_rules(&format!("{typical_cadence}{long_cadence}"));
    let name = "actions";
    let chaser = chaser_with(
        name,
        &rules,
        &[("aws.ses_endpoint_url", front.url.clone().into())],
    );
    let issued = Timestamp::now();
    let typical = "ACT-TYPICAL";
    let long = "ACT-LONG";
    let csv = export([
        invoice_row(typical, "net-30", today(), issued),
        invoice_row(long, "custom:long", today(), issued),
    ]);
    let path = chaser.csv("invoices.csv", &csv);
    chaser.ok(&["import", &path]);
    let reminders = |number: &str| {
        front
            .arrivals()
            .iter()
            .filter(|a| {
                a.to.contains(&stack::contact(number)) && !a.subject.starts_with("Thank you")
            })
            .count()
    };
    chaser_tests::wait_for("three reminders", Duration::from_secs(60), || {
        (reminders(typical) >= 3).then_some(())
    });
    let (status, answer) = chaser_tests::post_webhook(
        &chaser.url("/webhooks/accounting"),
        &chaser.secrets.accounting,
        &paid_event(typical),
    );
    anyhow::ensure!(status == 200, "paid webhook: {status} {answer}");
    chaser_tests::wait_for("ten reminders", Duration::from_secs(90), || {
        (reminders(long) >= 10).then_some(())
    });
    chaser.ok(&[
        "writeoff",
        long,
        "--reason",
        "bench: nine repeats, no answer",
    ]);
    let queue = stack::task_queue(name);
    let closed = format!("TaskQueue = '{queue}' AND ExecutionStatus = 'Completed'");
    runtime.block_on(stack::wait_count(
        &client,
        &closed,
        2,
        Duration::from_secs(60),
    ))?;

    let mut out = Run::default();
    let mut typical_actions = 0;
    for (label, number) in [("typical chase", typical), ("long chase", long)] {
        let history = runtime.block_on(stack::history(&client, &stack::workflow_id(number)))?;
        keep_history(number, &history)?;
        let events = history["events"].as_array().map_or(0, Vec::len);
        let by_kind = billable_actions(&history);
        let total: usize = by_kind.values().sum();
        if number == typical {
            typical_actions = total;
        }
        out.figure(&format!("{label}: history events"), "", events as f64);
        out.figure(&format!("{label}: billable actions"), "", total as f64);
        let kinds: Vec<String> = by_kind.iter().map(|(k, v)| format!("{k} {v}")).collect();
        out.note(format!(
            "{label} ({number}) actions: {} (history kept in target/bench/{number}.json)",
            kinds.join(", ")
        ));
    }
    for invoices in [200.0, 2000.0] {
        let dollars = invoices * typical_actions as f64 * PRICE_PER_MILLION / 1e6;
        out.figure(
            &format!("{invoices:.0} typical chases a month"),
            "$/month",
            dollars,
        );
    }
    out.note("Typical chase: nudge, follow-up and final notice, then an `invoice.paid` webhook, then the thank-you. Long chase: a nudge and 9 repeats, then `chaser writeoff`.");
    out.note(format!(
        "Actions counted from the histories by Temporal Cloud's rules: workflow started (a signal-with-start's signal included), signal received, timer started, activity scheduled (+1 per retry), search-attribute upsert (not a patch's TemporalChangeVersion), and all local activities and markers of one workflow task as one. Price: ${PRICE_PER_MILLION} per million actions, {PRICE_SOURCE}; plan minimums and storage are not included."
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

/// `plan`: the domain engine's criterion benchmark, run as `make bench` has always run it.
pub fn plan() -> anyhow::Result<Run> {
    let root = chaser_tests::repo_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = std::process::Command::new(cargo)
        .args(["bench", "-p", "chaser-domain", "--bench", "plan"])
        .current_dir(&root)
        .stdout(std::process::Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "cargo bench failed: {status}");
    let estimates = root.join("target/criterion/plan/100k_invoices/new/estimates.json");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&estimates)
            .with_context(|| format!("reading {}", estimates.display()))?,
    )?;
    let mean_ns = json["mean"]["point_estimate"]
        .as_f64()
        .context("no mean in the criterion estimates")?;
    let mut out = Run::default();
    out.figure("100,000 invoices", "ms", mean_ns / 1e6);
    out.figure("per invoice", "µs", mean_ns / 1e3 / 100_000.0);
    out.note("Criterion's mean of 10 samples over 12 s, one thread: `cargo bench -p chaser-domain --bench plan` (domain/benches/plan.rs; the mix of invoices is described above).");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_follow_temporal_clouds_rules() {
        let history = serde_json::json!({ "events": [
            { "attributes": { "WorkflowExecutionStartedEventAttributes": {} } },
            { "attributes": { "WorkflowExecutionSignaledEventAttributes": {} } },
            { "attributes": { "WorkflowTaskCompletedEventAttributes": {} } },
            { "attributes": { "WorkflowExecutionSignaledEventAttributes": {} } },
            { "attributes": { "UpsertWorkflowSearchAttributesEventAttributes": {} } },
            { "attributes": { "UpsertWorkflowSearchAttributesEventAttributes":
                { "search_attributes": { "indexedFields": { "TemporalChangeVersion": {} } } } } },
            { "attributes": { "TimerStartedEventAttributes": {} } },
            { "attributes": { "TimerFiredEventAttributes": {} } },
            { "attributes": { "ActivityTaskScheduledEventAttributes": {} } },
            { "attributes": { "ActivityTaskStartedEventAttributes": { "attempt": 3 } } },
            { "attributes": { "ActivityTaskCompletedEventAttributes": {} } },
            { "attributes": { "MarkerRecordedEventAttributes": { "workflow_task_completed_event_id": 9 } } },
            { "attributes": { "MarkerRecordedEventAttributes": { "workflow_task_completed_event_id": 9 } } },
            { "attributes": { "MarkerRecordedEventAttributes": { "workflow_task_completed_event_id": 12 } } },
            { "attributes": { "WorkflowExecutionCompletedEventAttributes": {} } },
        ]});
        let actions = billable_actions(&history);
        assert_eq!(actions["workflow started"], 1);
        assert_eq!(actions["signal received"], 1);
        assert_eq!(actions["search attributes upserted"], 1);
        assert_eq!(actions["timer started"], 1);
        assert_eq!(actions["activity started"], 1);
        assert_eq!(actions["activity retried"], 2);
        assert_eq!(actions["local activities (per workflow task)"], 2);
        assert_eq!(actions.values().sum::<usize>(), 9);
    }

    #[test]
    fn generated_rows_read_as_invoices() {
        let csv = sleeping_invoices("T", 3);
        let export = chaser_intake::read_export(
            csv.as_bytes(),
            "gen.csv",
            &chaser_intake::Options::default(),
        );
        let export = export.expect("the generated export reads");
        assert_eq!(export.rows.len(), 3);
        assert!(export.rejected.is_empty(), "{:?}", export.rejected);
    }
}
