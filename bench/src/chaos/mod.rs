//! `chaser-bench chaos`: the fault-injection harness. Chases whose steps fall due seconds
//! apart send live to the SES emulator through a faulty front, while the worker is SIGKILLed
//! at random moments and started again, the Temporal dev server is killed and started again
//! on its state file, the store's connections are cut, the provider errs, throttles, holds
//! its answers and goes down, and payments arrive at random moments through four doors.
//! Then it waits for the chases to settle and checks the provider's arrivals (the front's
//! log) against the outbox and the audit chain. `--short` is the version `make test` runs.

mod doors;
mod faults;
mod plan;
mod verdict;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use chaser_activities::store::{OutboxStatus, Store};
use chaser_domain::ChaseState;
use chaser_tests::{Backend, Chaser, DevServer};
use jiff::Timestamp;

use crate::ses_front::SesFront;
use crate::stack::CSV_HEADER;

use doors::{Payment, Run, run_within};
use faults::{Workers, direct, open_claims_handed};
use plan::{Door, HOLD, Plan, Rng, STEPS, due, invoices, rules};
use verdict::{Report, rows_of, settle};

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
