//! Commands about one step: `hold` a pending message, `dismiss` a failed or uncertain one.

use super::*;
use crate::rules::{Cadence, CatchUp};
use crate::schedule::{HistoryEntry, StepState, plan_with_history};

/// The seed cadence's plan for `c` at `now` (nudge three days after the 1 December due date,
/// follow-up at ten, escalation at twenty-one).
fn planned(c: &crate::Chase, now: Timestamp, settings: &Settings) -> Schedule {
    plan_with_history(&c.invoice, &Cadence::seed(), settings, now, &c.history)
}

fn plan(schedule: &Schedule) -> Plan<'_> {
    Plan {
        schedule,
        sending: None,
    }
}

fn hold(step: &str, until: &str) -> Command {
    Command::Hold {
        step_id: step.into(),
        until: ts(until),
    }
}

fn dismiss(step: &str) -> Command {
    Command::Dismiss {
        step_id: step.into(),
    }
}

fn entry(step: &str, state: StepState) -> HistoryEntry {
    HistoryEntry {
        step_id: step.into(),
        at: ts(BEFORE_NUDGE),
        state,
        recipients: vec![],
        message_id: None,
        note: None,
        dismissed: false,
    }
}

fn failed() -> StepState {
    StepState::Failed {
        error: "550 mailbox unknown".into(),
    }
}

/// The day before the nudge is due.
const BEFORE_NUDGE: &str = "2026-12-03T10:00:00Z";

#[test]
fn a_hold_moves_a_pending_step_and_never_earlier_than_a_guardrail() {
    let settings = Settings::default();
    let mut c = chase();
    let now = ts(BEFORE_NUDGE);
    let schedule = planned(&c, now, &settings);
    let nudge = schedule.step("nudge").unwrap().at;
    assert!(nudge > now);

    let d = c
        .execute(
            &hold("nudge", "2026-12-05T12:00:00Z"),
            now,
            &settings,
            plan(&schedule),
        )
        .unwrap();
    assert_eq!(d.action, AuditAction::Held);
    assert_eq!(d.transition.to, ChaseState::Scheduled);
    assert_eq!(
        d.detail.as_deref(),
        Some("nudge held until 2026-12-05T12:00:00Z")
    );
    let next = c.next_step(&planned(&c, now, &settings)).unwrap();
    assert_eq!(
        (next.id.as_str(), next.at),
        ("nudge", ts("2026-12-05T12:00:00Z"))
    );

    // A guardrail (or an earlier hold) deferred it further: the hold keeps that.
    c.defer("nudge", ts("2026-12-06T09:00:00Z"));
    let d = c
        .execute(
            &hold("nudge", "2026-12-05T18:00:00Z"),
            now,
            &settings,
            plan(&schedule),
        )
        .unwrap();
    assert_eq!(
        d.detail.as_deref(),
        Some("nudge held until 2026-12-06T09:00:00Z (already deferred that far)")
    );
    assert_eq!(c.not_before["nudge"], ts("2026-12-06T09:00:00Z"));
}

#[test]
fn a_held_step_that_wakes_long_after_its_time_is_sent_not_caught_up() {
    let settings = Settings {
        catch_up: CatchUp::Skip,
        ..Settings::default()
    };
    let mut c = chase();
    let now = ts(BEFORE_NUDGE);
    let schedule = planned(&c, now, &settings);
    // A Monday morning, three days after its planned time: a step missed that long is
    // skipped, a held one goes.
    let until = "2026-12-07T09:00:00Z";
    c.execute(&hold("nudge", until), now, &settings, plan(&schedule))
        .unwrap();
    let woken = ts(until);
    let later = planned(&c, woken, &settings);
    assert_eq!(later.step("nudge").unwrap().state, StepState::Pending);
    let next = c.next_step(&later).unwrap();
    assert_eq!((next.id.as_str(), next.at), ("nudge", woken));
}

#[test]
fn a_hold_is_refused_for_anything_but_a_pending_step_of_a_sending_chase() {
    let settings = Settings::default();
    let now = ts(BEFORE_NUDGE);
    let refused = |c: &mut crate::Chase, command: &Command, sending: Option<&str>| {
        let schedule = planned(c, now, &settings);
        let before = c.clone();
        let plan = Plan {
            schedule: &schedule,
            sending,
        };
        let refusal = c.execute(command, now, &settings, plan).unwrap_err();
        assert_eq!(refusal.action, AuditAction::HoldRefused);
        assert_eq!(*c, before, "a refusal changes nothing");
        refusal.reason
    };
    let tomorrow = "2026-12-04T10:00:00Z";
    let mut c = chase();
    assert_eq!(
        refused(&mut c, &hold("nope", tomorrow), None),
        "hold refused: this chase has no step `nope`"
    );
    assert_eq!(
        refused(&mut c, &hold("nudge", "2026-12-03T09:00:00Z"), None),
        "hold refused: 2026-12-03T09:00:00Z is not in the future"
    );
    assert_eq!(
        refused(&mut c, &hold("nudge", "2026-12-11T10:00:01Z"), None),
        "hold refused: 2026-12-11T10:00:01Z is more than 7 days away: pause the chase instead"
    );
    assert_eq!(
        refused(&mut c, &hold("nudge", tomorrow), Some("nudge")),
        "hold refused: step `nudge` is being sent right now"
    );
    let nudge = planned(&c, now, &settings).step("nudge").unwrap().clone();
    c.await_approval(nudge, "nudge".into(), ts(tomorrow));
    assert_eq!(
        refused(&mut c, &hold("nudge", tomorrow), None),
        "hold refused: step `nudge` waits for approval: reject it instead"
    );
    c.take_approval();
    c.record_step(entry("nudge", StepState::Done), false);
    assert_eq!(
        refused(&mut c, &hold("nudge", tomorrow), None),
        "hold refused: step `nudge` was sent already"
    );
    c.record_step(entry("follow_up", failed()), false);
    assert_eq!(
        refused(&mut c, &hold("follow_up", tomorrow), None),
        "hold refused: step `follow_up` failed: send it again or dismiss it"
    );

    for stop in [
        Command::Pause {
            until: None,
            days: Some(1),
            reason: String::new(),
        },
        Command::Dispute {
            reason: String::new(),
        },
    ] {
        let mut c = chase();
        c.execute(&stop, now, &settings, none()).unwrap();
        let state = c.state;
        assert_eq!(
            refused(&mut c, &hold("nudge", tomorrow), None),
            format!("hold refused: the chase is {state}: nothing goes out")
        );
    }
    let mut c = chase();
    c.mark_paid(now).unwrap();
    assert_eq!(
        refused(&mut c, &hold("nudge", tomorrow), None),
        "the chase is closed (paid)"
    );
}

#[test]
fn dismissing_the_failed_step_returns_the_chase_to_where_it_was_and_it_goes_on() {
    let settings = Settings::default();
    let now = ts(BEFORE_NUDGE);
    for (escalated, back) in [
        (false, ChaseState::Scheduled),
        (true, ChaseState::Escalated),
    ] {
        let mut c = chase();
        if escalated {
            c.record_step(entry("escalate", StepState::Done), true);
        }
        c.record_step(entry("nudge", failed()), false);
        assert_eq!(c.state, ChaseState::Failed);
        let d = c
            .execute(&dismiss("nudge"), now, &settings, none())
            .unwrap();
        assert_eq!(d.action, AuditAction::Dismissed);
        assert_eq!(
            (d.transition.from, d.transition.to),
            (ChaseState::Failed, back)
        );
        assert_eq!(d.detail.as_deref(), Some("nudge"));
        let nudge = &c
            .history
            .entries
            .iter()
            .find(|e| e.step_id == "nudge")
            .unwrap();
        assert!(nudge.dismissed && !nudge.needs_owner());
        // Not sent again: the plan goes on with the next step.
        let schedule = planned(&c, now, &settings);
        assert!(matches!(
            schedule.step("nudge").unwrap().state,
            StepState::Failed { .. }
        ));
        assert_eq!(c.next_step(&schedule).unwrap().id, "follow_up");
    }
}

#[test]
fn dismissed_while_paused_the_chase_resumes_to_where_it_was_before_the_failure() {
    let settings = Settings::default();
    let now = ts(BEFORE_NUDGE);
    let mut c = chase();
    c.record_step(entry("nudge", failed()), false);
    c.pause(crate::PauseLength::Days(1), now, settings.pause_cap)
        .unwrap();
    let d = c
        .execute(&dismiss("nudge"), now, &settings, none())
        .unwrap();
    assert_eq!(d.transition.to, ChaseState::Paused);
    c.resume(now).unwrap();
    assert_eq!(c.state, ChaseState::Scheduled);
}

#[test]
fn a_chase_stays_failed_while_a_later_failure_is_not_dismissed() {
    let settings = Settings::default();
    let now = ts(BEFORE_NUDGE);
    let mut c = chase();
    c.record_step(entry("a", failed()), false);
    c.record_step(entry("b", failed()), false);
    let d = c.execute(&dismiss("a"), now, &settings, none()).unwrap();
    assert_eq!(d.transition.to, ChaseState::Failed, "b still failed");
    let d = c.execute(&dismiss("b"), now, &settings, none()).unwrap();
    assert_eq!(d.transition.to, ChaseState::Scheduled);

    // A failure a later send ended is no reason to stay failed.
    let mut c = chase();
    c.record_step(entry("a", failed()), false);
    c.record_step(entry("b", StepState::Done), false);
    c.record_step(entry("c", failed()), false);
    let d = c.execute(&dismiss("c"), now, &settings, none()).unwrap();
    assert_eq!(d.transition.to, ChaseState::Scheduled);
}

#[test]
fn a_dismissed_uncertain_send_still_counts_as_a_touch() {
    let settings = Settings::default();
    let now = ts(BEFORE_NUDGE);
    let mut c = chase();
    let uncertain = StepState::Uncertain {
        reason: "cut off after the hand-over".into(),
    };
    c.record_step(entry("nudge", uncertain), false);
    let d = c
        .execute(&dismiss("nudge"), now, &settings, none())
        .unwrap();
    assert_eq!(d.transition.to, ChaseState::Scheduled);
    let nudge = &c.history.entries[0];
    assert!(nudge.dismissed && !nudge.needs_owner());
    assert!(nudge.state.may_have_reached(), "pacing still counts it");
}

#[test]
fn only_a_failed_or_uncertain_send_can_be_dismissed_and_only_once() {
    let settings = Settings::default();
    let now = ts(BEFORE_NUDGE);
    let mut c = chase();
    c.record_step(entry("nudge", StepState::Done), false);
    c.record_step(entry("follow_up", failed()), false);
    c.execute(&dismiss("follow_up"), now, &settings, none())
        .unwrap();
    let before = c.clone();
    for (step, state) in [
        ("escalate", "not sent yet"),
        ("nudge", "done"),
        ("follow_up", "dismissed already"),
    ] {
        let refusal = c
            .execute(&dismiss(step), now, &settings, none())
            .unwrap_err();
        assert_eq!(refusal.action, AuditAction::DismissRefused);
        assert_eq!(
            refusal.reason,
            format!(
                "step `{step}` is {state}: only a failed step, or one whose sending is uncertain, can be dismissed"
            )
        );
    }
    assert_eq!(c, before);
    assert_eq!(
        dismiss(" ").check_form(),
        Err("dismiss needs the step's id".into())
    );
}

#[test]
fn histories_from_before_dismiss_read_and_write_as_they_did() {
    let old = serde_json::json!({
        "step_id": "nudge", "at": "2026-12-04T09:00:00Z",
        "state": {"state": "failed", "error": "550"}, "recipients": [], "message_id": null,
        "note": "550"
    });
    let read: HistoryEntry = serde_json::from_value(old.clone()).unwrap();
    assert!(!read.dismissed && read.needs_owner());
    assert_eq!(serde_json::to_value(&read).unwrap(), old);
    let dismissed = HistoryEntry {
        dismissed: true,
        ..read
    };
    assert_eq!(serde_json::to_value(&dismissed).unwrap()["dismissed"], true);

    let wire =
        serde_json::json!({"command": "hold", "step_id": "nudge", "until": "2026-12-05T09:00:00Z"});
    let command: Command = serde_json::from_value(wire).unwrap();
    assert_eq!(command, hold("nudge", "2026-12-05T09:00:00Z"));
    let wire = serde_json::json!({"command": "dismiss", "step_id": "nudge"});
    assert_eq!(
        serde_json::from_value::<Command>(wire).unwrap(),
        dismiss("nudge")
    );
}
