//! Properties of the chase's sending state (deferrals, holds, resends, dismissals, approvals,
//! pay clicks, the thank-you) over generated sequences of what can happen to a chase: it is kept by the
//! domain, so its rules hold whatever the order, and a serialized chase (what continue-as-new
//! carries) loses none of it.

use std::collections::{BTreeMap, BTreeSet};

use chaser_domain::chase::{ApprovalDecision, Due, MAX_PAY_CLICKS, Plan};
use chaser_domain::schedule::{HistoryEntry, StepState};
use chaser_domain::{Chase, ChaseState, Command, Move, Schedule, Terms, plan_with_history};
use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use crate::fixtures::{always_open, cadence, invoice, step, ts};

const STEPS: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    /// A guardrail defers step `n` by so many minutes after now.
    Defer(usize, i64),
    /// Step `n` went out, or failed.
    Record(usize, bool),
    /// The owner asks for step `n` again.
    Resend(usize),
    /// The owner holds step `n` for so many minutes.
    Hold(usize, i64),
    /// The owner accepts step `n`'s failure.
    Dismiss(usize),
    /// The customer opens the pay link.
    Click,
    /// Step `n`'s message must wait for approval.
    Await(usize),
    /// A decision on the waiting message, for its key or another.
    Decide { right_key: bool, approved: bool },
    /// The waiting message is taken (sent, rejected or expired).
    Take,
    /// Paid in full.
    Pay,
    /// The thank-you went out.
    Thank,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..STEPS, 1i64..10_000).prop_map(|(n, m)| Op::Defer(n, m)),
        (0..STEPS, any::<bool>()).prop_map(|(n, ok)| Op::Record(n, ok)),
        (0..STEPS).prop_map(Op::Resend),
        (0..STEPS, 1i64..10_000).prop_map(|(n, m)| Op::Hold(n, m)),
        (0..STEPS).prop_map(Op::Dismiss),
        Just(Op::Click),
        (0..STEPS).prop_map(Op::Await),
        (any::<bool>(), any::<bool>()).prop_map(|(right_key, approved)| Op::Decide {
            right_key,
            approved
        }),
        Just(Op::Take),
        Just(Op::Pay),
        Just(Op::Thank),
    ]
}

fn step_id(n: usize) -> String {
    ["first", "second", "third"][n].to_owned()
}

/// The chase's plan at `now`, as the workflow makes it.
fn planned(chase: &Chase, now: Timestamp) -> Schedule {
    let cadence = cadence(vec![
        step("first", "after_due 1d", Move::Nudge),
        step("second", "after_due 7d", Move::FollowUp),
        step("third", "after_due 14d", Move::Escalate),
    ]);
    let settings = always_open("UTC");
    plan_with_history(&chase.invoice, &cadence, &settings, now, &chase.history)
}

fn plan(schedule: &Schedule) -> Plan<'_> {
    Plan {
        schedule,
        sending: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn the_sending_state_keeps_its_rules_whatever_happens(ops in prop::collection::vec(op(), 1..40)) {
        let settings = chaser_domain::Settings { thank_you: true, ..always_open("UTC") };
        let mut chase = Chase::new(invoice(date(2026, 3, 2), Terms::Net(30)));
        let mut now = ts("2026-04-01T09:00:00Z");
        let mut clicks: Vec<Timestamp> = vec![];
        let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut thanked = false;
        for op in ops {
            now += SignedDuration::from_mins(7);
            match op {
                Op::Defer(n, mins) => chase.defer(&step_id(n), now + SignedDuration::from_mins(mins)),
                Op::Record(n, ok) => {
                    let state = if ok {
                        StepState::Done
                    } else {
                        StepState::Failed { error: "bounced".into() }
                    };
                    let entry = HistoryEntry {
                        step_id: step_id(n),
                        at: now,
                        state,
                        recipients: vec![],
                        message_id: None,
                        note: None,
                        dismissed: false,
                    };
                    chase.record_step(entry, false);
                    // A step that has run waits for no guardrail any more.
                    prop_assert!(!chase.not_before.contains_key(&step_id(n)));
                }
                Op::Resend(n) => {
                    let before = chase.message_key(&step_id(n));
                    keys.entry(step_id(n)).or_default().insert(before.clone());
                    let command = Command::Resend { step_id: step_id(n) };
                    let schedule = planned(&chase, now);
                    if chase.execute(&command, now, &settings, plan(&schedule)).is_ok() {
                        // Each resend goes out under a key no earlier message of the step had.
                        let key = chase.message_key(&step_id(n));
                        prop_assert!(keys.entry(step_id(n)).or_default().insert(key));
                        prop_assert!(!chase.not_before.contains_key(&step_id(n)));
                    } else {
                        prop_assert_eq!(chase.message_key(&step_id(n)), before);
                    }
                }
                Op::Hold(n, mins) => {
                    let until = now + SignedDuration::from_mins(mins);
                    let earlier = chase.not_before.get(&step_id(n)).copied();
                    let command = Command::Hold { step_id: step_id(n), until };
                    let schedule = planned(&chase, now);
                    if chase.execute(&command, now, &settings, plan(&schedule)).is_ok() {
                        // Held until then, or a guardrail's later deferral: never earlier.
                        let held = chase.not_before[&step_id(n)];
                        prop_assert_eq!(held, earlier.map_or(until, |e| e.max(until)));
                        // And still to send, whatever catch-up thinks of it when it wakes.
                        let woken = planned(&chase, held + SignedDuration::from_hours(48));
                        prop_assert_eq!(&woken.step(&step_id(n)).unwrap().state, &StepState::Pending);
                    }
                }
                Op::Dismiss(n) => {
                    let command = Command::Dismiss { step_id: step_id(n) };
                    let schedule = planned(&chase, now);
                    if chase.execute(&command, now, &settings, plan(&schedule)).is_ok() {
                        // Dealt with, and never asked for again by itself.
                        let entry = chase.history.entries.iter().find(|e| e.step_id == step_id(n)).unwrap();
                        prop_assert!(entry.dismissed && !entry.needs_owner());
                        let after = planned(&chase, now);
                        prop_assert_ne!(&after.step(&step_id(n)).unwrap().state, &StepState::Pending);
                    }
                }
                Op::Click => {
                    chase.pay_link_clicked(now);
                    clicks.push(now);
                }
                Op::Await(n) => {
                    let schedule = planned(&chase, now);
                    if let Some(st) = schedule.steps.into_iter().find(|s| s.id == step_id(n)) {
                        chase.await_approval(st, format!("key-{n}"), now + SignedDuration::from_hours(48));
                    }
                }
                Op::Decide { right_key, approved } => {
                    let waiting = chase.awaiting.clone();
                    let key = match (&waiting, right_key) {
                        (Some(a), true) => a.key.clone(),
                        _ => "no-such-key".to_owned(),
                    };
                    let decision = ApprovalDecision { approved, by: "owner".into() };
                    let undecided = waiting.as_ref().is_some_and(|a| a.decision.is_none());
                    let result = chase.decide_approval(&key, decision.clone());
                    if undecided && right_key {
                        prop_assert_eq!(result.ok(), waiting.map(|a| a.step.id));
                        let a = chase.awaiting.as_ref().unwrap();
                        prop_assert_eq!(a.decision.as_ref(), Some(&decision));
                        if chase.state.is_sending() {
                            prop_assert!(matches!(
                                chase.next_due(&planned(&chase, now)),
                                Some((_, Due::ApprovalDecided))
                            ));
                        }
                    } else {
                        // The first decision counts; a stray one changes nothing.
                        prop_assert!(result.is_err());
                        prop_assert_eq!(&chase.awaiting, &waiting);
                    }
                }
                Op::Take => {
                    chase.take_approval();
                    prop_assert!(chase.awaiting.is_none());
                }
                Op::Pay => {
                    let paid = Command::Paid { paid_at: None, reference: None };
                    let schedule = planned(&chase, now);
                    let _ = chase.execute(&paid, now, &settings, plan(&schedule));
                }
                Op::Thank => {
                    if chase.thanks_due(&settings) {
                        chase.record_thanks();
                        thanked = true;
                    }
                }
            }
            // Thanked once, only once paid, and never again.
            prop_assert_eq!(
                chase.thanks_due(&settings),
                chase.state == ChaseState::Paid && !thanked
            );
            // The latest clicks, in order, and no more than the cap.
            let keep = clicks.len().saturating_sub(MAX_PAY_CLICKS);
            prop_assert_eq!(&chase.pay_clicks[..], &clicks[keep..]);
            // No step is due before its plan or before a guardrail allowed it.
            let schedule = planned(&chase, now);
            if let (Some(next), Some(plan)) = (chase.next_step(&schedule), schedule.next_pending()) {
                let deferred = chase.not_before.get(&plan.id).copied().unwrap_or(plan.at);
                prop_assert_eq!(next.at, plan.at.max(deferred));
            }
            // Continue-as-new carries all of it.
            let carried: Chase = serde_json::from_value(serde_json::to_value(&chase).unwrap()).unwrap();
            prop_assert_eq!(&carried, &chase);
        }
    }
}

/// The owner may answer the approval e-mail before the send activity's answer (which records
/// the wait) reaches the chase: the decision is kept and applied when the wait is recorded.
#[test]
fn a_decision_that_arrives_before_the_wait_is_recorded_is_kept() {
    let mut chase = Chase::new(invoice(date(2026, 3, 2), Terms::Net(30)));
    let now = ts("2026-04-01T09:00:00Z");
    let approved = ApprovalDecision {
        approved: true,
        by: "owner".into(),
    };
    assert!(chase.decide_approval("first", approved.clone()).is_err());
    assert!(chase.decide_early("first", approved.clone()));
    let carried: Chase = serde_json::from_value(serde_json::to_value(&chase).unwrap()).unwrap();
    assert_eq!(carried, chase, "continue-as-new carries it");
    let step = planned(&chase, now).step("first").unwrap().clone();
    chase.await_approval(step, "first".into(), now + SignedDuration::from_hours(48));
    assert_eq!(
        chase.awaiting.as_ref().unwrap().decision.as_ref(),
        Some(&approved)
    );
    assert!(matches!(
        chase.next_due(&planned(&chase, now)),
        Some((_, Due::ApprovalDecided))
    ));
    assert!(chase.early_decision.is_none());
    // Once the message waits, a second decision is not early: the first one counts.
    assert!(!chase.decide_early("first", approved));
}
