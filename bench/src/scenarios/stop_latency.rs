//! `stop-latency`: how long after a payment arrives, through each door, its chase stops, and
//! whether any reminder slips out meanwhile.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use chaser_tests::seconds_rules;
use jiff::{SignedDuration, Timestamp};

use crate::report::{Run, quantile};
use crate::ses_front::SesFront;
use crate::stack::{self, cadence, export, invoice_row, paid_event};

use super::{STORE_NOTE, chaser_with, keep_history, ms, today};

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
    runtime.block_on(stack::wait_first_tasks(
        &chaser.database_url,
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

    // Chases only: the reconciler's own runs share the task queue.
    let closed = format!(
        "TaskQueue = '{queue}' AND WorkflowType = '{}' AND ExecutionStatus = 'Completed'",
        chaser_workflows::names::workflow::INVOICE_CHASE
    );
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
    if paid < CHASES {
        // Which ones, with their histories, for a closer look.
        let paid_ids: std::collections::BTreeSet<String> =
            chaser_tests::workflows_matching(&format!("{closed} AND ChaseState = 'paid'"))
                .into_iter()
                .collect();
        for id in chaser_tests::workflows_matching(&closed) {
            if !paid_ids.contains(&id) {
                let history = runtime.block_on(stack::history(&client, &id))?;
                keep_history(&format!("stop-latency-unpaid-{id}"), &history)?;
            }
        }
    }
    out.check(paid == CHASES, || {
        format!("only {paid} of {CHASES} chases closed as paid (histories: target/bench/stop-latency-unpaid-*)")
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
    // The same number of bare workflows closing on a signal, at the webhooks' pace.
    let bare_queue = format!("baseline-stop-{}", std::process::id());
    let bare = runtime.block_on(crate::baseline::signal_to_close(
        &client,
        &bare_queue,
        CHASES,
        Duration::from_millis(u64::try_from(SPACING_MS)?),
    ))?;
    out.figure("bare signal → closed, p50", "ms", quantile(&bare, 0.5));
    out.figure("bare signal → closed, p99", "ms", quantile(&bare, 0.99));
    out.figure(
        "ratio to bare, p99",
        "",
        quantile(&latencies, 0.99) / quantile(&bare, 0.99),
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
    out.note(format!("Baseline, after the chases in the same run: {CHASES} bare workflows (no activity) on an in-process worker, each closing when it gets a signal; the signals go out one every {SPACING_MS} ms from the bench's own client, and latency runs from sending the signal to the close time the server recorded."));
    out.note("The slowest chase's history is kept in target/bench/stop-latency-slowest.json. Provider arrivals are timed by a front in the bench process that relays to the SES emulator (the emulator itself keeps whole seconds). The sending queue runs at 200/s here so that the send rate does not enter the latency.");
    out.note(STORE_NOTE);
    drop(runtime);
    Ok(out)
}
