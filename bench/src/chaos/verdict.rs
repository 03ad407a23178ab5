//! The checks after a run: each chase settled, every step sent once or accounted for, and
//! the table that reports it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chaser_activities::store::{OutboxRow, OutboxStatus};
use chaser_domain::ChaseState;

use crate::stack::workflow_id;

use super::doors::Run;
use super::plan::{Inv, STEPS, THANK_YOU};

/// The outbox rows of `step`: its customer message, and any to the owner (`escalate/owner`).
pub(super) fn rows_of<'r>(rows: &'r [OutboxRow], step: &str) -> Vec<&'r OutboxRow> {
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
pub(super) fn settled(row: &OutboxRow) -> bool {
    !matches!(
        row.status,
        OutboxStatus::Sending | OutboxStatus::Deferred | OutboxStatus::AwaitingApproval
    )
}

/// Each invoice's outbox rows and stored state, read again until nothing is on its way.
pub(super) struct Final {
    pub(super) outbox: BTreeMap<String, Vec<OutboxRow>>,
    pub(super) states: BTreeMap<String, Option<ChaseState>>,
    pub(super) settled: bool,
    pub(super) waited: Duration,
}

pub(super) fn settle(run: &Run<'_>, invoices: &[Inv]) -> Final {
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
pub(super) struct Report {
    pub(super) rows: Vec<(String, String)>,
    pub(super) verdicts: Vec<(bool, String)>,
}

impl Report {
    pub(super) fn figure(&mut self, name: impl Into<String>, value: impl ToString) {
        self.rows.push((name.into(), value.to_string()));
    }

    pub(super) fn check(&mut self, ok: bool, what: impl Into<String>) {
        self.verdicts.push((ok, what.into()));
    }

    pub(super) fn print(&self, title: &str) {
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

    pub(super) fn passed(&self) -> bool {
        self.verdicts.iter().all(|(ok, _)| *ok)
    }
}
