//! Worked examples of `plan`, each checked against instants computed by hand.

use chaser_domain::rules::{CatchUp, Trigger};
use chaser_domain::schedule::{HistoryEntry, SkipReason, StepState};
use chaser_domain::{History, Move, Rules, Schedule, Terms, Zone, plan, plan_with_history};
use jiff::Timestamp;
use jiff::civil::date;

use crate::fixtures::*;

mod backdated;
mod catch_up;
mod dst;
mod lateness;

fn at(schedule: &Schedule, id: &str) -> Timestamp {
    schedule
        .step(id)
        .unwrap_or_else(|| panic!("no step {id} in {schedule:#?}"))
        .at
}

fn state(schedule: &Schedule, id: &str) -> StepState {
    schedule
        .step(id)
        .unwrap_or_else(|| panic!("no step {id}"))
        .state
        .clone()
}

fn skipped(reason: SkipReason) -> StepState {
    StepState::Skipped { reason }
}

fn pending_ids(schedule: &Schedule) -> Vec<&str> {
    schedule
        .steps
        .iter()
        .filter(|s| s.state == StepState::Pending)
        .map(|s| s.id.as_str())
        .collect()
}

#[test]
fn the_seed_net_30_cadence_nudges_at_3_follows_up_at_10_and_escalates_at_21() {
    // Arrange: the built-in defaults, an invoice issued 1 Nov and due Tuesday 1 Dec 2026.
    let rules = Rules::default();
    assert_eq!(
        Rules::from_toml("", "empty.toml").unwrap(),
        rules,
        "an empty doc means the defaults"
    );
    let inv = invoice(date(2026, 11, 1), Terms::Net(30));
    assert_eq!(inv.due_date, date(2026, 12, 1));

    // Act
    let s = plan(
        &inv,
        rules.cadence_for(&Terms::Net(30)),
        &rules.company,
        ts("2026-11-01T12:00:00Z"),
    );

    // Assert: 09:00 UTC on due + 3, + 10 and + 21 days, all weekdays.
    assert_eq!(pending_ids(&s), ["nudge", "follow_up", "escalate"]);
    assert_eq!(at(&s, "nudge"), ts("2026-12-04T09:00:00Z"));
    assert_eq!(at(&s, "follow_up"), ts("2026-12-11T09:00:00Z"));
    assert_eq!(at(&s, "escalate"), ts("2026-12-22T09:00:00Z"));
    let [nudge, follow_up, escalate] =
        [s.step("nudge"), s.step("follow_up"), s.step("escalate")].map(Option::unwrap);
    assert_eq!(
        (nudge.action, nudge.tone.as_str(), nudge.template.as_str()),
        (Move::Nudge, "friendly", "standard")
    );
    assert_eq!(
        (follow_up.tone.as_str(), follow_up.template.as_str()),
        ("neutral", "standard")
    );
    assert_eq!(
        (escalate.tone.as_str(), escalate.template.as_str()),
        ("firm", "escalation")
    );
    assert_eq!(nudge.recipients.to, [inv.contacts[0].email.clone()]);
    assert!(!nudge.recipients.owner);
    assert!(
        escalate.recipients.to.is_empty()
            && escalate.recipients.owner
            && !escalate.recipients.no_contact
    );
}

#[test]
fn a_due_date_of_31_january_on_net_30() {
    // Issued 1 Jan 2026, due Saturday 31 Jan.
    let inv = invoice(date(2026, 1, 1), Terms::Net(30));
    assert_eq!(inv.due_date, date(2026, 1, 31));
    let rules = Rules::default();
    let mut cad = rules.default_cadence.clone();
    cad.steps
        .insert(0, step("heads_up", "before_due 3d", Move::Nudge));
    let s = plan(&inv, &cad, &rules.company, ts("2026-01-01T00:00:00Z"));
    assert_eq!(at(&s, "heads_up"), ts("2026-01-28T09:00:00Z"));
    assert_eq!(at(&s, "nudge"), ts("2026-02-03T09:00:00Z"));
    assert_eq!(at(&s, "follow_up"), ts("2026-02-10T09:00:00Z"));
    // 21 Feb is a Saturday.
    assert_eq!(at(&s, "escalate"), ts("2026-02-23T09:00:00Z"));
    // An invoice issued on 31 January is due on 2 March, or 1 March in a leap year.
    assert_eq!(
        Terms::Net(30).due_date(date(2026, 1, 31)),
        Some(date(2026, 3, 2))
    );
    assert_eq!(
        Terms::Net(30).due_date(date(2028, 1, 31)),
        Some(date(2028, 3, 1))
    );
}

#[test]
fn the_29th_of_february() {
    // Issued 30 Jan 2028 on net-30: due Tuesday 29 Feb 2028.
    let inv = invoice(date(2028, 1, 30), Terms::Net(30));
    assert_eq!(inv.due_date, date(2028, 2, 29));
    let cad = cadence(vec![
        step("heads_up", "before_due 1d", Move::Nudge),
        step("leap_day", "on_date 2028-02-29", Move::Nudge),
        step("follow_up", "after_due 3d", Move::FollowUp),
    ]);
    let s = plan(&inv, &cad, &settings("UTC"), ts("2028-01-30T00:00:00Z"));
    assert_eq!(at(&s, "heads_up"), ts("2028-02-28T09:00:00Z"));
    // The 2-day gap pushes the leap-day step from the 29th to 1 March...
    assert_eq!(at(&s, "leap_day"), ts("2028-03-01T09:00:00Z"));
    // ...and the follow-up, due on Friday 3 March, is still exactly two days after it.
    assert_eq!(at(&s, "follow_up"), ts("2028-03-03T09:00:00Z"));
    assert_eq!(pending_ids(&s).len(), 3, "pushed, never dropped");
}

#[test]
fn a_friday_due_date_with_weekends_off() {
    let inv = due_on(date(2026, 12, 4));
    let cad = cadence(vec![
        step("on_due", "on_due", Move::Nudge),
        step("day_after", "after_due 1d", Move::FollowUp),
    ]);
    let s = plan(&inv, &cad, &settings("UTC"), ts("2026-11-04T00:00:00Z"));
    assert_eq!(at(&s, "on_due"), ts("2026-12-04T09:00:00Z"));
    assert_eq!(
        at(&s, "day_after"),
        ts("2026-12-07T09:00:00Z"),
        "Saturday rolls to Monday"
    );
    // A 4-day gap between touches pushes Monday to Tuesday.
    let wide = chaser_domain::Settings {
        min_gap: "4d".parse().unwrap(),
        ..settings("UTC")
    };
    let s = plan(&inv, &cad, &wide, ts("2026-11-04T00:00:00Z"));
    assert_eq!(at(&s, "day_after"), ts("2026-12-08T09:00:00Z"));
}

#[test]
fn a_holiday_on_the_nudge_day_rolls_to_the_next_working_day() {
    let mut settings = settings("UTC");
    settings.holidays = [date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)].into();
    let inv = due_on(date(2026, 12, 22));
    let s = plan(
        &inv,
        &Rules::default().default_cadence,
        &settings,
        ts("2026-11-22T00:00:00Z"),
    );
    // Fri 25 (holiday), weekend, Mon 28 (holiday): Tuesday 29.
    assert_eq!(at(&s, "nudge"), ts("2026-12-29T09:00:00Z"));
    // Fri 1 Jan (holiday), weekend: Monday 4 Jan.
    assert_eq!(at(&s, "follow_up"), ts("2027-01-04T09:00:00Z"));
    assert_eq!(at(&s, "escalate"), ts("2027-01-12T09:00:00Z"));
}

#[test]
fn a_recipient_in_tokyo_is_written_to_at_09_00_tokyo_time() {
    // The company is in Berlin; the customer in Tokyo (+09:00).
    let mut inv = due_on(date(2026, 12, 1));
    inv.customer_time_zone = Some(Zone::parse("Asia/Tokyo").unwrap());
    let cad = Rules::default().default_cadence;
    let s = plan(
        &inv,
        &cad,
        &settings("Europe/Berlin"),
        ts("2026-11-01T00:00:00Z"),
    );
    let nudge = s.step("nudge").unwrap();
    assert_eq!(
        nudge.at,
        ts("2026-12-04T00:00:00Z"),
        "09:00 in Tokyo, 01:00 in Berlin"
    );
    assert_eq!(nudge.zone.name(), "Asia/Tokyo");
    // The escalation goes to our own account owner, on the company's clock: 09:00 CET.
    let escalate = s.step("escalate").unwrap();
    assert_eq!(escalate.at, ts("2026-12-22T08:00:00Z"));
    assert_eq!(escalate.zone.name(), "Europe/Berlin");
}

#[test]
fn nothing_is_scheduled_before_the_issue_date() {
    // A due-on-receipt invoice cannot have a reminder three days before it is due.
    let inv = invoice(date(2026, 12, 1), Terms::DueOnReceipt);
    let cad = cadence(vec![
        step("early", "before_due 3d", Move::Nudge),
        step("nudge", "after_due 3d", Move::Nudge),
    ]);
    let s = plan(&inv, &cad, &settings("UTC"), ts("2026-11-01T00:00:00Z"));
    assert_eq!(state(&s, "early"), skipped(SkipReason::BeforeIssue));
    assert_eq!(pending_ids(&s), ["nudge"]);
}

#[test]
fn a_paid_invoice_plans_nothing() {
    let mut inv = due_on(date(2026, 12, 1));
    inv.balance = chaser_domain::Money::zero(inv.amount.currency());
    let s = plan(
        &inv,
        &Rules::default().default_cadence,
        &settings("UTC"),
        ts("2026-11-01T00:00:00Z"),
    );
    assert!(
        s.steps
            .iter()
            .all(|st| st.state == skipped(SkipReason::Settled))
    );
}

#[test]
fn sub_day_offsets_run_a_whole_cadence_in_seconds() {
    let mut inv = invoice(date(2026, 11, 21), Terms::DueOnReceipt);
    inv.issued_at = Some(ts("2026-11-21T20:00:00Z"));
    inv.due_at = inv.issued_at;
    let cad = cadence(vec![
        step("nudge", "after_due 10s", Move::Nudge),
        step("follow_up", "after_due 20s", Move::FollowUp),
        step("escalate", "after_due 30s", Move::Escalate),
    ]);
    let s = plan(&inv, &cad, &always_open("UTC"), ts("2026-11-21T20:00:01Z"));
    assert_eq!(at(&s, "nudge"), ts("2026-11-21T20:00:10Z"));
    assert_eq!(at(&s, "follow_up"), ts("2026-11-21T20:00:20Z"));
    assert_eq!(at(&s, "escalate"), ts("2026-11-21T20:00:30Z"));
    assert!(matches!(
        s.step("nudge").unwrap().trigger,
        Trigger::AfterDue(_)
    ));
}

#[test]
fn recipients_fall_back_through_the_roles_and_to_the_owner() {
    let mut inv = due_on(date(2026, 12, 1));
    inv.contacts = vec![
        contact("pa@acme.example", &[chaser_domain::Role::Primary]),
        contact("boss@acme.example", &[chaser_domain::Role::Executive]),
    ];
    let mut nudge = step("nudge", "after_due 3d", Move::Nudge);
    nudge.cc = vec![chaser_domain::Role::Executive];
    let nudge_with_cc = nudge.clone();
    let s = plan(
        &inv,
        &cadence(vec![nudge]),
        &settings("UTC"),
        ts("2026-11-01T00:00:00Z"),
    );
    let r = &s.step("nudge").unwrap().recipients;
    assert_eq!(
        r.role.as_ref().map(ToString::to_string).as_deref(),
        Some("primary"),
        "no billing contact"
    );
    assert_eq!(r.to[0].as_str(), "pa@acme.example");
    assert_eq!(r.cc[0].as_str(), "boss@acme.example");

    // The invoice's override list wins over the roles; CC roles still apply.
    let mut overridden = inv.clone();
    overridden.contact_override =
        vec![chaser_domain::Email::parse("ap-team@acme.example").unwrap()];
    let s = plan(
        &overridden,
        &cadence(vec![nudge_with_cc.clone()]),
        &settings("UTC"),
        ts("2026-11-01T00:00:00Z"),
    );
    let r = &s.step("nudge").unwrap().recipients;
    assert_eq!(
        r.to.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        ["ap-team@acme.example"]
    );
    assert_eq!(r.cc[0].as_str(), "boss@acme.example");

    inv.contacts.clear();
    let s = plan(
        &inv,
        &Rules::default().default_cadence,
        &settings("UTC"),
        ts("2026-11-01T00:00:00Z"),
    );
    let r = &s.step("nudge").unwrap().recipients;
    assert!(
        r.no_contact && r.owner && r.to.is_empty(),
        "no contact at all escalates to the owner"
    );
}

#[test]
fn a_failed_step_asked_again_is_due_at_the_next_opening_even_long_after() {
    // Arrange: the nudge failed on 4 Dec; the follow-up went out on 11 Dec; on Saturday
    // 19 Dec, long past any tolerance, the owner asks for the nudge again. Catch-up `skip`
    // would drop a missed step, but not one asked for again.
    let mut rules = Rules::default();
    rules.company.catch_up = CatchUp::Skip;
    let inv = invoice(date(2026, 11, 1), Terms::Net(30));
    let entry = |id: &str, at: &str, state: StepState| HistoryEntry {
        step_id: id.into(),
        at: ts(at),
        state,
        recipients: vec![inv.contacts[0].email.clone()],
        message_id: None,
        note: None,
        dismissed: false,
    };
    let mut chase = chaser_domain::Chase::new(inv.clone());
    chase.history = History {
        entries: vec![
            entry(
                "nudge",
                "2026-12-04T09:00:00Z",
                StepState::Failed {
                    error: "550 mailbox unavailable".into(),
                },
            ),
            entry("follow_up", "2026-12-11T09:00:00Z", StepState::Done),
        ],
    };

    // Act
    chase.request_resend("nudge").unwrap();
    let s = plan_with_history(
        &inv,
        rules.cadence_for(&Terms::Net(30)),
        &rules.company,
        ts("2026-12-19T10:00:00Z"),
        &chase.history,
    );

    // Assert: Monday 21 Dec at 08:00, when the quiet hours end on the next working day.
    assert_eq!(state(&s, "nudge"), StepState::Pending);
    assert_eq!(at(&s, "nudge"), ts("2026-12-21T08:00:00Z"));
    assert_eq!(state(&s, "follow_up"), StepState::Done);
    // Only a failed step can be asked for again.
    assert_eq!(
        chase.request_resend("follow_up"),
        Err(chaser_domain::ChaseError::NotFailed {
            step: "follow_up".into(),
            state: "done"
        })
    );
    assert_eq!(
        chase.request_resend("escalate"),
        Err(chaser_domain::ChaseError::NotSent("escalate".into()))
    );
}
