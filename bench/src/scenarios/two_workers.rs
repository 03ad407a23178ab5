//! `two-workers`: two `chaser worker` processes on the same task queues share the chases; one
//! is killed (SIGKILL) in the middle of a storm of sends, and the other takes over. Every
//! reminder must reach the provider exactly once, and the storm must go on.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use chaser_tests::seconds_rules_tolerating;
use jiff::Timestamp;

use crate::report::{Run, median};
use crate::ses_front::{Arrival, SesFront};
use crate::stack::{self, cadence, export, invoice_row};

use super::{STORE_NOTE, chaser_with, ms, size_knob, today};

/// The chases the two workers share, unless `BENCH_TWO_WORKERS_N` says otherwise.
const CHASES: usize = 10_000;
const SIZE_KNOB: &str = "BENCH_TWO_WORKERS_N";
/// The provider account's rate; each worker paces itself at its share.
const ACCOUNT_RATE: f64 = 14.0;
const WORKERS: u32 = 2;

/// Whose arrivals, by the front's door: the harness's worker sends through door 0 and is the
/// one killed; the other sends through door 1 and survives.
const KILLED: usize = 0;
const SURVIVOR: usize = 1;

pub fn two_workers() -> anyhow::Result<Run> {
    let n = size_knob(SIZE_KNOB, CHASES)?;
    // A fifth of the chases are due at once (2,000 of 10,000): a storm of half an hour at a
    // worker's share would tell no more than one of a few minutes.
    let storm = (n / 5).max(1);
    let asleep = n - storm;
    let (runtime, _) = stack::start()?;
    let killed_door = runtime.block_on(SesFront::start(
        &chaser_tests::stack().ses_url,
        Some(ACCOUNT_RATE as usize),
    ))?;
    let survivor_door = runtime.block_on(killed_door.another_door())?;
    let share = ACCOUNT_RATE / f64::from(WORKERS);
    let rules = seconds_rules_tolerating(
        "1d",
        &format!(
            "{}{}",
            cadence("default", &[("after_issue 60s", "nudge")]),
            cadence("custom:asleep", &[("after_due 3d", "nudge")]),
        ),
    );
    let name = "two-workers";
    let mut chaser = chaser_with(
        name,
        &rules,
        &[
            ("aws.ses_endpoint_url", killed_door.url.clone().into()),
            ("email.max_send_rate", ACCOUNT_RATE.into()),
            ("email.sending_workers", i64::from(WORKERS).into()),
        ],
    );
    let survivor = chaser
        .start_another_worker(&[("CHASER_AWS__SES_ENDPOINT_URL", survivor_door.url.as_str())]);

    // The sleepers first, so that the storm's chases are all that wake.
    let due_later = today()
        .checked_add(jiff::Span::new().days(30))
        .unwrap_or(today());
    let issued = Timestamp::now();
    let sleepers = export(
        (0..asleep)
            .map(|i| invoice_row(&format!("TW-Z{i:05}"), "custom:asleep", due_later, issued)),
    );
    chaser.ok(&["import", &chaser.csv("asleep.csv", &sleepers)]);
    runtime.block_on(stack::wait_first_tasks(
        &chaser.database_url,
        asleep,
        stack::patience(asleep),
    ))?;
    let issued = Timestamp::now();
    let numbers: Vec<String> = (0..storm).map(|i| format!("TW-S{i:05}")).collect();
    let due = export(
        numbers
            .iter()
            .map(|number| invoice_row(number, "net-30", today(), issued)),
    );
    chaser.ok(&["import", &chaser.csv("storm.csv", &due)]);

    // Kill the harness's worker once a third of the storm has gone out.
    chaser_tests::wait_for(
        "a third of the storm",
        Duration::from_secs(120) + Duration::from_secs_f64(storm as f64 / share),
        || (killed_door.arrivals().len() >= storm / 3).then_some(()),
    );
    let before = killed_door.arrivals();
    let killed_at = SystemTime::now();
    chaser.kill_worker();
    // The survivor alone, at its share of the rate, and time for what the killed worker had
    // taken to time out and be retried.
    let remaining = storm.saturating_sub(before.len());
    let deadline =
        Duration::from_secs(120) + Duration::from_secs_f64(remaining as f64 / share * 2.0);
    // A reminder that never comes is a finding, not a reason to stop: wait, then count.
    let give_up = std::time::Instant::now() + deadline;
    while killed_door.arrivals().len() < storm && std::time::Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(200));
    }
    // Anything more would be a duplicate: give it time to show.
    std::thread::sleep(Duration::from_secs(10));
    let arrivals = killed_door.arrivals();
    drop(survivor);

    let mut out = Run::default();
    let mut per_recipient: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &arrivals {
        for to in &a.to {
            *per_recipient.entry(to.as_str()).or_default() += 1;
        }
    }
    let duplicates: usize = per_recipient.values().map(|k| k.saturating_sub(1)).sum();
    let contacts: Vec<String> = numbers.iter().map(|n| stack::contact(n)).collect();
    let missed = contacts
        .iter()
        .filter(|c| !per_recipient.contains_key(c.as_str()))
        .count();
    let strangers = per_recipient
        .keys()
        .filter(|to| !contacts.iter().any(|c| c == *to))
        .count();
    let by = |door: usize, from: SystemTime, to: SystemTime| -> Vec<&Arrival> {
        arrivals
            .iter()
            .filter(|a| a.door == door && a.at >= from && a.at < to)
            .collect()
    };
    let first = arrivals.iter().map(|a| a.at).min().context("no sends")?;
    let last = arrivals.iter().map(|a| a.at).max().context("no sends")?;
    let far = last + Duration::from_secs(1);
    let killed_before = by(KILLED, first, killed_at).len();
    let survivor_before = by(SURVIVOR, first, killed_at).len();
    let after: Vec<SystemTime> = {
        let mut t: Vec<SystemTime> = by(SURVIVOR, killed_at, far).iter().map(|a| a.at).collect();
        t.sort();
        t
    };
    let stray = by(KILLED, killed_at + Duration::from_millis(500), far).len();
    out.check(duplicates == 0, || format!("{duplicates} duplicate sends"));
    out.check(missed == 0, || {
        format!("{missed} of {storm} reminders never reached the provider")
    });
    out.check(strangers == 0, || {
        format!("{strangers} sleeping chases' contacts got mail")
    });
    out.check(killed_before > 0 && survivor_before > 0, || {
        format!(
            "the storm was not shared before the kill: {killed_before} and {survivor_before} sends"
        )
    });
    out.check(stray == 0, || {
        format!("{stray} sends through the killed worker's door after it was killed")
    });

    let span = |a: SystemTime, b: SystemTime| b.duration_since(a).unwrap_or_default().as_secs_f64();
    let shared_rate =
        (killed_before + survivor_before).saturating_sub(1) as f64 / span(first, killed_at);
    let alone_rate = after.len().saturating_sub(1) as f64
        / span(
            *after.first().unwrap_or(&killed_at),
            *after.last().unwrap_or(&killed_at),
        );
    let takeover = after.first().map_or(f64::NAN, |t| {
        ms(t.duration_since(killed_at).unwrap_or_default())
    });
    let gaps = |times: &[SystemTime]| -> Vec<f64> {
        times
            .windows(2)
            .map(|w| ms(w[1].duration_since(w[0]).unwrap_or_default()))
            .collect()
    };
    let mut all: Vec<SystemTime> = arrivals.iter().map(|a| a.at).collect();
    all.sort();
    let after_gaps = gaps(&after);
    let late = span(killed_at, last) - remaining as f64 / share;

    out.figure("reminders due", "", storm as f64);
    out.figure("duplicates", "", duplicates as f64);
    out.figure("missed", "", missed as f64);
    out.figure("throttling errors", "", killed_door.throttled() as f64);
    out.figure(
        "sends before the kill: killed worker",
        "",
        killed_before as f64,
    );
    out.figure(
        "sends before the kill: survivor",
        "",
        survivor_before as f64,
    );
    out.figure("achieved rate, both workers", "/s", shared_rate);
    out.figure(
        "both workers ÷ account rate",
        "",
        shared_rate / ACCOUNT_RATE,
    );
    out.figure("achieved rate, the survivor alone", "/s", alone_rate);
    out.figure(
        "survivor alone ÷ account rate",
        "",
        alone_rate / ACCOUNT_RATE,
    );
    out.figure("takeover: kill → survivor's next send", "ms", takeover);
    out.figure("gap between sends, median", "ms", median(&gaps(&all)));
    out.figure(
        "longest gap between sends after the kill",
        "ms",
        after_gaps.iter().copied().fold(0.0, f64::max),
    );
    out.figure("storm's end beyond the survivor's pace", "s", late);
    out.note(format!(
        "{n} chases on two `chaser worker` processes (same config, task queues and Postgres store; the second has its own HTTP port): {asleep} asleep (due in 30 days, first step 3 days after), imported first; then {storm} whose nudge falls due 60 s after their import, all in the same minute. Size: `{SIZE_KNOB}` (default {CHASES}); the storm is a fifth of it."
    ));
    out.note(format!(
        "Provider: one account of {ACCOUNT_RATE}/s (the SES front refuses a send over it in any one-second window), reached by each worker through a door of its own so that each arrival says which worker sent it. `email.max_send_rate` = {ACCOUNT_RATE} (the sending queue's limit, which the server applies to the whole queue) and `email.sending_workers` = {WORKERS}: each worker paces itself at {share}/s, as docs/operating.md advises."
    ));
    out.note("The harness's worker is killed with SIGKILL once a third of the storm has reached the provider. Takeover: from the kill to the survivor's next send reaching the provider. \"Storm's end beyond the survivor's pace\": the last send's time after the kill, less the reminders left at the kill ÷ one worker's share of the rate; it shows what waited for the killed worker's unfinished work (a send's heartbeat timeout is 20 s) beyond the pace itself. Duplicates: more than one arrival for a recipient; missed: a storm reminder that never arrived, 10 s after the last one did.");
    out.note(STORE_NOTE);
    drop(runtime);
    Ok(out)
}
