//! Each command's decision, its refusals and its wire form.

use super::*;
use crate::chase::tests::{NOW, chase, ts, usd};
use crate::chase::{ChaseState, Plan};
use crate::rules::PauseCap;
use crate::rules::Settings;
use crate::schedule::Schedule;
use jiff::civil::date;

/// No plan: for commands that are not about a step.
fn none() -> Plan<'static> {
    static EMPTY: Schedule = Schedule { steps: Vec::new() };
    Plan {
        schedule: &EMPTY,
        sending: None,
    }
}

#[test]
fn a_payment_of_the_whole_balance_ends_the_chase_like_paid() {
    let settings = Settings::default();
    let mut by_payment = chase();
    let payment = Command::Payment {
        amount: usd("1000"),
        paid_at: None,
        reference: Some("T-1".into()),
    };
    let decision = by_payment
        .execute(&payment, ts(NOW), &settings, none())
        .unwrap();
    assert_eq!(decision.action, AuditAction::Payment);
    assert_eq!(decision.transition.to, ChaseState::Paid);
    assert_eq!(
        decision.detail.as_deref(),
        Some("USD 1,000.00, reference T-1")
    );
    let mut by_paid = chase();
    let paid = Command::Paid {
        paid_at: None,
        reference: None,
    };
    by_paid.execute(&paid, ts(NOW), &settings, none()).unwrap();
    assert_eq!(by_payment.state, by_paid.state);
    assert_eq!(by_payment.invoice.balance, by_paid.invoice.balance);
}

#[test]
fn a_refusal_names_its_action_and_reason_and_changes_nothing() {
    let settings = Settings {
        pause_cap: PauseCap {
            max_pauses: 1,
            max_paused_days: 5,
        },
        ..Settings::default()
    };
    let mut c = chase();
    let before = c.clone();
    let pause = Command::Pause {
        until: None,
        days: Some(10),
        reason: "holiday".into(),
    };
    let refusal = c.execute(&pause, ts(NOW), &settings, none()).unwrap_err();
    assert_eq!(refusal.action, AuditAction::PauseRefused);
    assert_eq!(
        refusal.reason,
        "pause refused: 10 more days would bring this chase to 10 paused days, over the cap of 5 (holiday)"
    );
    assert_eq!(c, before);
    assert_eq!(
        pause.check_form(),
        Ok(()),
        "well formed: the cap is the chase's call"
    );
}

#[test]
fn a_source_update_never_undoes_the_owners_decisions() {
    let settings = Settings::default();
    let mut c = chase();
    c.execute(&Command::Disable, ts(NOW), &settings, none())
        .unwrap();
    let to = vec![Email::parse("boss@c.example").unwrap()];
    c.execute(
        &Command::Contacts { to: to.clone() },
        ts(NOW),
        &settings,
        none(),
    )
    .unwrap();
    // What an import of the unchanged invoice looks like: no override, chasing on.
    let update = InvoiceUpdate {
        do_not_chase: Some(false),
        contact_override: Some(vec![]),
        due_date: Some(date(2026, 12, 8)),
        ..InvoiceUpdate::default()
    };
    let decision = c
        .execute(&Command::Update { update }, ts(NOW), &settings, none())
        .unwrap();
    assert!(c.invoice.do_not_chase, "still disabled");
    assert_eq!(c.invoice.contact_override, to, "still the owner's contacts");
    assert_eq!(c.invoice.due_date, date(2026, 12, 8), "facts still apply");
    assert_eq!(
        decision.detail.as_deref(),
        Some("changed: due date; kept the owner's chasing")
    );
    assert!(c.overrides.do_not_chase && c.overrides.contacts);
}

#[test]
fn resolving_as_a_writeoff_needs_a_dispute() {
    let settings = Settings::default();
    let mut c = chase();
    let resolve = Command::Resolve {
        resolution: Resolution::Writeoff,
        reason: String::new(),
    };
    let refusal = c.execute(&resolve, ts(NOW), &settings, none()).unwrap_err();
    assert_eq!(refusal.action, AuditAction::ResolveWriteoffRefused);
    assert_eq!(refusal.reason, "the chase is scheduled, not disputed");
    c.execute(
        &Command::Dispute {
            reason: "wrong".into(),
        },
        ts(NOW),
        &settings,
        none(),
    )
    .unwrap();
    let d = c.execute(&resolve, ts(NOW), &settings, none()).unwrap();
    assert_eq!(d.transition.to, ChaseState::WrittenOff);
}

#[test]
fn paying_while_a_promise_waits_keeps_the_promise() {
    let settings = Settings::default();
    let mut c = chase();
    let promise = Command::Promise {
        pay_by: Some(date(2026, 12, 12)),
        until: None,
        note: "by Friday".into(),
    };
    let d = c.execute(&promise, ts(NOW), &settings, none()).unwrap();
    assert_eq!(d.detail.as_deref(), Some("pay by 2026-12-12: by Friday"));
    let paid = Command::Paid {
        paid_at: None,
        reference: None,
    };
    let d = c.execute(&paid, ts(NOW), &settings, none()).unwrap();
    assert_eq!(d.kept.map(|p| p.pay_by), Some(date(2026, 12, 12)));
}

#[test]
fn a_malformed_command_is_refused_before_any_chase_sees_it() {
    let both = Command::Pause {
        until: Some(ts(NOW)),
        days: Some(1),
        reason: String::new(),
    };
    assert_eq!(
        both.check_form(),
        Err("give `until` or `days`, not both".into())
    );
    let free = Command::Payment {
        amount: usd("0"),
        paid_at: None,
        reference: None,
    };
    assert!(free.check_form().unwrap_err().contains("must be positive"));
    let promise = Command::Promise {
        pay_by: None,
        until: None,
        note: String::new(),
    };
    assert!(promise.check_form().is_err());
}

#[test]
fn the_wire_form_is_a_tagged_object() {
    let json = serde_json::json!({"command": "pause", "days": 3, "reason": "call"});
    let command: Command = serde_json::from_value(json).unwrap();
    assert_eq!(
        command,
        Command::Pause {
            until: None,
            days: Some(3),
            reason: "call".into()
        }
    );
    let resume: Command = serde_json::from_value(serde_json::json!({"command": "resume"})).unwrap();
    assert_eq!(resume, Command::Resume);
    let payment: Command =
        serde_json::from_value(serde_json::json!({"command": "payment", "amount": "USD 400.00"}))
            .unwrap();
    assert_eq!(payment.verb(), "payment");
}

#[test]
fn long_text_is_refused_with_its_field() {
    let reason = "x".repeat(MAX_TEXT_CHARS + 1);
    let error = Command::Dispute { reason }
        .check_limits()
        .map_err(|e| e.to_string());
    assert_eq!(
        error,
        Err("reason is 1001 characters long; at most 1000 are accepted".into())
    );
    assert!(
        Command::Dispute {
            reason: "x".repeat(MAX_TEXT_CHARS)
        }
        .check_limits()
        .is_ok()
    );
}

mod steps;
