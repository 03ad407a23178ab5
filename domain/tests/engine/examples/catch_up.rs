//! Catching up: an invoice imported 40 days late gets one message, not a burst; repeats catch up
//! to the latest and the next keeps its distance; after a pause the chase resumes with the step
//! it missed.

use super::*;

// Due Thursday 1 Oct 2026; imported 40 days later, Tuesday 10 Nov at 10:00 London (GMT).
const NOW: &str = "2026-11-10T10:00:00Z";

fn late_invoice() -> chaser_domain::Invoice {
    due_on(date(2026, 10, 1))
}

#[test]
fn an_invoice_imported_40_days_late_gets_one_message_not_a_burst() {
    let s = plan(
        &late_invoice(),
        &Rules::default().default_cadence,
        &settings("Europe/London"),
        ts(NOW),
    );
    assert_eq!(state(&s, "nudge"), skipped(SkipReason::CatchUp));
    assert_eq!(state(&s, "follow_up"), skipped(SkipReason::CatchUp));
    assert_eq!(pending_ids(&s), ["escalate"]);
    assert_eq!(at(&s, "escalate"), ts(NOW));
}

#[test]
fn repeats_catch_up_to_the_latest_and_the_next_one_keeps_its_distance() {
    let mut cad = Rules::default().default_cadence;
    let mut weekly = step(
        "weekly",
        "repeat every 7d, at most 3 times",
        Move::FinalNotice,
    );
    weekly.to = vec!["billing".parse().unwrap()];
    cad.steps.push(weekly);
    let s = plan(&late_invoice(), &cad, &settings("Europe/London"), ts(NOW));
    // Weekly after the escalation of Thu 22 Oct: 29 Oct, 5 Nov, 12 Nov.
    assert_eq!(state(&s, "escalate"), skipped(SkipReason::CatchUp));
    assert_eq!(state(&s, "weekly#1"), skipped(SkipReason::CatchUp));
    assert_eq!(at(&s, "weekly#1"), ts("2026-10-29T09:00:00Z"));
    assert_eq!(pending_ids(&s), ["weekly#2", "weekly#3"]);
    assert_eq!(at(&s, "weekly#2"), ts(NOW));
    // 12 Nov 09:00 is less than two days after now, so it moves to 10:00.
    assert_eq!(at(&s, "weekly#3"), ts("2026-11-12T10:00:00Z"));

    let skip_all = chaser_domain::Settings {
        catch_up: CatchUp::Skip,
        ..settings("Europe/London")
    };
    let s = plan(&late_invoice(), &cad, &skip_all, ts(NOW));
    assert_eq!(state(&s, "weekly#2"), skipped(SkipReason::Backdated));
    assert_eq!(pending_ids(&s), ["weekly#3"]);
    assert_eq!(at(&s, "weekly#3"), ts("2026-11-12T09:00:00Z"));
}

#[test]
fn after_a_pause_the_chase_resumes_with_the_step_it_missed() {
    let inv = due_on(date(2026, 12, 1));
    let nudge_sent = HistoryEntry {
        step_id: "nudge".into(),
        at: ts("2026-12-04T09:00:00Z"),
        state: StepState::Done,
        recipients: vec![inv.contacts[0].email.clone()],
        message_id: None,
        note: None,
        dismissed: false,
    };
    let history = History {
        entries: vec![nudge_sent],
    };
    // Paused until Sunday 20 Dec at noon: the follow-up of the 11th was missed.
    let s = plan_with_history(
        &inv,
        &Rules::default().default_cadence,
        &settings("UTC"),
        ts("2026-12-20T12:00:00Z"),
        &history,
    );
    assert_eq!(state(&s, "nudge"), StepState::Done);
    assert_eq!(at(&s, "nudge"), ts("2026-12-04T09:00:00Z"));
    // Sunday is not a working day and 00:00-08:00 is quiet: Monday 08:00.
    assert_eq!(at(&s, "follow_up"), ts("2026-12-21T08:00:00Z"));
    assert_eq!(at(&s, "escalate"), ts("2026-12-22T09:00:00Z"));
    assert_eq!(pending_ids(&s), ["follow_up", "escalate"]);
}
