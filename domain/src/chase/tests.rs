//! The chase's transitions, one rule per test; its fixtures serve the command tests too.

use super::*;
use crate::contact::{Contact, Email, Role};
use crate::invoice::{Customer, InvoiceNumber};
use crate::schedule::{HistoryEntry, SkipReason, StepState};
use crate::terms::Terms;
use jiff::civil::date;

pub(crate) fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub(crate) fn usd(s: &str) -> Money {
    Money::parse(s, "USD".parse().unwrap()).unwrap()
}

/// An unpaid USD 1,000 invoice, net 30 from 2026-11-01, to one billing contact.
pub(crate) fn chase() -> Chase {
    Chase::new(Invoice {
        contacts: vec![Contact {
            name: "".into(),
            email: Email::parse("ap@c.example").unwrap(),
            roles: vec![Role::Billing],
        }],
        ..Invoice::new(
            InvoiceNumber::parse("INV-1").unwrap(),
            Customer {
                id: "c".into(),
                name: "C".into(),
            },
            usd("1000"),
            date(2026, 11, 1),
            date(2026, 12, 1),
            Terms::Net(30),
            Email::parse("owner@x.example").unwrap(),
        )
    })
}

pub(crate) const NOW: &str = "2026-12-05T10:00:00Z";

#[test]
fn partial_payments_lower_the_balance_and_the_last_one_settles() {
    let mut c = chase();
    let (effect, t) = c.apply_payment(usd("400"), ts(NOW)).unwrap();
    assert_eq!(
        effect,
        PaymentEffect::Partial {
            balance: usd("600")
        }
    );
    assert_eq!(t.to, ChaseState::Scheduled);
    let (effect, t) = c.apply_payment(usd("700"), ts(NOW)).unwrap();
    assert_eq!(effect, PaymentEffect::Settled);
    assert_eq!((t.from, t.to), (ChaseState::Scheduled, ChaseState::Paid));
    assert!(c.invoice.balance.is_zero());
    assert_eq!(
        c.apply_payment(usd("1"), ts(NOW)).unwrap_err(),
        ChaseError::Closed(ChaseState::Paid)
    );
}

fn promise(day: &str) -> Promise {
    let pay_by: Date = day.parse().unwrap();
    Promise {
        pay_by,
        until: pay_by
            .tomorrow()
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp(),
    }
}

#[test]
fn a_promise_waits_without_using_the_pause_cap_and_a_broken_one_resumes_firmer() {
    let mut c = chase();
    let t = c.promise(promise("2026-12-12"), ts(NOW)).unwrap();
    assert_eq!((t.from, t.to), (ChaseState::Scheduled, ChaseState::Paused));
    assert_eq!(c.paused_until, Some(ts("2026-12-13T00:00:00Z")));
    assert_eq!(c.pauses_used, 0, "a promise is not a pause");
    assert!(c.pause_is_over(ts("2026-12-13T00:00:00Z")));
    // A new promise replaces the old one.
    c.promise(promise("2026-12-15"), ts(NOW)).unwrap();
    assert_eq!(
        c.promise.as_ref().map(|p| p.pay_by),
        Some(date(2026, 12, 15))
    );
    let t = c.break_promise().unwrap();
    assert_eq!((t.from, t.to), (ChaseState::Paused, ChaseState::Scheduled));
    assert!(c.firmer_next && c.promise.is_none() && c.paused_until.is_none());
    assert_eq!(
        crate::rules::Tone::Friendly.firmer(),
        crate::rules::Tone::Neutral
    );
    assert_eq!(crate::rules::Tone::Firm.firmer(), crate::rules::Tone::Firm);
}

#[test]
fn a_promise_kept_ends_with_the_payment_and_bad_promises_are_refused() {
    let mut c = chase();
    c.promise(promise("2026-12-12"), ts(NOW)).unwrap();
    c.mark_paid(ts("2026-12-10T09:00:00Z")).unwrap();
    assert!(c.promise.is_none() && c.paused_until.is_none());
    assert_eq!(c.state, ChaseState::Paid);

    let mut c = chase();
    assert!(
        matches!(c.promise(promise("2026-12-01"), ts(NOW)), Err(ChaseError::PauseRefused(m)) if m.contains("not in the future"))
    );
    assert!(
        matches!(c.promise(promise("2027-06-01"), ts(NOW)), Err(ChaseError::PauseRefused(m)) if m.contains("90 days"))
    );
    c.dispute(ts(NOW)).unwrap();
    assert!(
        c.promise(promise("2026-12-12"), ts(NOW)).is_err(),
        "not on a disputed chase"
    );
    assert!(chase().break_promise().is_err(), "nothing to break");
}

#[test]
fn a_payment_in_another_currency_is_refused() {
    let mut c = chase();
    let eur = Money::parse("10", "EUR".parse().unwrap()).unwrap();
    assert!(matches!(
        c.apply_payment(eur, ts(NOW)),
        Err(ChaseError::Currency { .. })
    ));
    assert_eq!(c.invoice.balance, usd("1000"));
}

#[test]
fn pauses_are_capped_by_count_and_by_days() {
    let cap = PauseCap {
        max_pauses: 2,
        max_paused_days: 10,
    };
    let mut c = chase();
    c.pause(PauseLength::Days(4), ts(NOW), cap).unwrap();
    assert_eq!(c.state, ChaseState::Paused);
    // Resumed after one day: only that day counts.
    c.resume(ts("2026-12-06T10:00:00Z")).unwrap();
    assert_eq!((c.pauses_used, c.paused_days_used), (1, 1));
    let err = c
        .check_pause(PauseLength::Days(10), ts(NOW), cap)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "pause refused: 10 more days would bring this chase to 11 paused days, over the cap of 10"
    );
    c.pause(PauseLength::Until(ts("2026-12-08T10:00:00Z")), ts(NOW), cap)
        .unwrap();
    c.resume(ts("2026-12-08T10:00:00Z")).unwrap();
    assert_eq!(
        c.pause(PauseLength::Days(1), ts(NOW), cap)
            .unwrap_err()
            .to_string(),
        "pause refused: 2 of 2 pauses already used on this chase"
    );
    assert_eq!(
        c.state,
        ChaseState::Scheduled,
        "a refused pause changes nothing"
    );
}

#[test]
fn a_dispute_parks_the_chase_until_resolved() {
    let mut c = chase();
    c.dispute(ts(NOW)).unwrap();
    assert!(!c.state.is_sending());
    assert!(
        c.pause(PauseLength::Days(1), ts(NOW), PauseCap::default())
            .is_err()
    );
    let t = c.resolve_resume().unwrap();
    assert_eq!(
        (t.from, t.to),
        (ChaseState::Disputed, ChaseState::Scheduled)
    );
    c.dispute(ts(NOW)).unwrap();
    c.write_off(ts(NOW)).unwrap();
    assert!(c.state.is_closed());
}

#[test]
fn an_update_that_zeroes_the_balance_settles_and_a_bad_one_is_refused() {
    let mut c = chase();
    let bad = InvoiceUpdate {
        due_date: Some(date(2026, 10, 1)),
        ..InvoiceUpdate::default()
    };
    assert!(matches!(
        c.update_invoice(&bad, ts(NOW)),
        Err(ChaseError::InvalidUpdate(_))
    ));
    assert_eq!(c.invoice.due_date, date(2026, 12, 1));
    let paid = InvoiceUpdate {
        balance: Some(usd("0")),
        ..InvoiceUpdate::default()
    };
    assert_eq!(
        c.update_invoice(&paid, ts(NOW)).unwrap().map(|t| t.to),
        Some(ChaseState::Paid)
    );
}

#[test]
fn catch_up_skips_are_recorded_so_a_re_plan_never_resurrects_them() {
    use crate::rules::{Cadence, Settings};
    // Imported 12 days after the due date: the nudge (day 3) was missed, the follow-up
    // (day 10) is the catch-up.
    let mut c = chase();
    let settings = Settings::default();
    let cadence = Cadence::seed();
    let now = ts("2026-12-13T10:00:00Z");
    let schedule =
        crate::schedule::plan_with_history(&c.invoice, &cadence, &settings, now, &c.history);
    let follow_up = schedule.step("follow_up").unwrap().clone();
    assert_eq!(follow_up.state, StepState::Pending);
    assert_eq!(c.record_superseded(&schedule, &follow_up, now), ["nudge"]);
    c.record_step(
        HistoryEntry {
            step_id: "follow_up".into(),
            at: now,
            state: StepState::Done,
            recipients: vec![],
            message_id: None,
            note: None,
            dismissed: false,
        },
        false,
    );
    // A re-plan keeps the nudge skipped instead of sending it after the follow-up.
    let later =
        crate::schedule::plan_with_history(&c.invoice, &cadence, &settings, now, &c.history);
    assert_eq!(
        later.step("nudge").unwrap().state,
        StepState::Skipped {
            reason: SkipReason::CatchUp
        }
    );
    assert_eq!(
        later.next_pending().map(|s| s.id.as_str()),
        Some("escalate")
    );
}

#[test]
fn steps_move_the_state_to_escalated_and_failed_and_back() {
    let mut c = chase();
    let entry = |id: &str, state: StepState| HistoryEntry {
        step_id: id.into(),
        at: ts(NOW),
        state,
        recipients: vec![],
        message_id: None,
        note: None,
        dismissed: false,
    };
    assert_eq!(c.record_step(entry("nudge", StepState::Done), false), None);
    let t = c
        .record_step(
            entry(
                "follow_up",
                StepState::Failed {
                    error: "rejected".into(),
                },
            ),
            false,
        )
        .unwrap();
    assert_eq!(t.to, ChaseState::Failed);
    let t = c
        .record_step(entry("escalate", StepState::Done), true)
        .unwrap();
    assert_eq!(t.to, ChaseState::Escalated);
    assert_eq!(c.history.entries.len(), 3);
}

#[test]
fn the_thank_you_goes_where_reminders_go() {
    let mut c = chase();
    let billing = Email::parse("ap@c.example").unwrap();
    assert_eq!(c.thank_you_recipients(), [billing]);
    let chosen = Email::parse("payables@c.example").unwrap();
    c.invoice.contact_override = vec![chosen.clone()];
    assert_eq!(c.thank_you_recipients(), [chosen]);
}

#[test]
fn a_failed_step_sent_again_after_a_pause_returns_the_chase_to_where_it_was() {
    let settings = crate::rules::Settings::default();
    for (escalated, back) in [
        (false, ChaseState::Scheduled),
        (true, ChaseState::Escalated),
    ] {
        let mut c = chase();
        let now = ts("2026-01-10T09:00:00Z");
        let entry = |id: &str, state: StepState| HistoryEntry {
            step_id: id.into(),
            at: now,
            state,
            recipients: vec![],
            message_id: None,
            note: None,
            dismissed: false,
        };
        if escalated {
            c.record_step(entry("escalate", StepState::Done), true);
        }
        let failed = StepState::Failed {
            error: "bounced".into(),
        };
        c.record_step(entry("nudge", failed), false);
        assert_eq!(c.state, ChaseState::Failed);
        c.pause(PauseLength::Days(1), now, settings.pause_cap)
            .unwrap();
        c.resume(now).unwrap();
        assert_eq!(c.state, ChaseState::Failed, "a pause ends where it began");
        c.request_resend("nudge").unwrap();
        c.record_step(entry("nudge", StepState::Done), false);
        assert_eq!(c.state, back, "escalated before: {escalated}");
    }
}
