//! Worked examples of `plan`, each checked against instants computed by hand.

use chaser_domain::rules::{CatchUp, Trigger};
use chaser_domain::schedule::{HistoryEntry, SkipReason, StepState};
use chaser_domain::{History, Move, Rules, Schedule, Terms, Zone, plan, plan_with_history};
use jiff::Timestamp;
use jiff::civil::date;

use crate::fixtures::*;

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

/// Invoiced's rule: steps already in the past when an invoice is entered are skipped, except
/// "on issue", which still goes out once unless the invoice was already sent.
mod backdated {
    use super::*;

    fn cadence() -> chaser_domain::Cadence {
        let mut on_issue = step("on_issue", "on_issue", Move::Nudge);
        on_issue.template = "new_invoice".into();
        crate::fixtures::cadence(vec![
            on_issue,
            step("reminder", "after_issue 7d", Move::Nudge),
            step("follow_up", "after_due 3d", Move::FollowUp),
        ])
    }

    // Issued Monday 2 Nov 2026, entered ten days later on Thursday 12 Nov at 14:00.
    const NOW: &str = "2026-11-12T14:00:00Z";

    fn run(catch_up: CatchUp, already_sent: bool) -> Schedule {
        let settings = chaser_domain::Settings {
            catch_up,
            ..settings("Europe/London")
        };
        let mut inv = invoice(date(2026, 11, 2), Terms::Net(30));
        inv.already_sent = already_sent;
        plan(&inv, &cadence(), &settings, ts(NOW))
    }

    #[test]
    fn an_unsent_invoice_still_gets_its_on_issue_message_once() {
        let s = run(CatchUp::Skip, false);
        assert_eq!(state(&s, "on_issue"), StepState::Pending);
        assert_eq!(at(&s, "on_issue"), ts(NOW), "sent now, inside the window");
        assert_eq!(state(&s, "reminder"), skipped(SkipReason::Backdated));
        assert_eq!(
            at(&s, "reminder"),
            ts("2026-11-09T09:00:00Z"),
            "where it would have been"
        );
        // Due Wednesday 2 Dec; + 3 days is a Saturday, so Monday.
        assert_eq!(at(&s, "follow_up"), ts("2026-12-07T09:00:00Z"));
        assert_eq!(pending_ids(&s), ["on_issue", "follow_up"]);
    }

    #[test]
    fn an_invoice_already_sent_skips_on_issue_too() {
        let s = run(CatchUp::Skip, true);
        assert_eq!(state(&s, "on_issue"), skipped(SkipReason::AlreadySent));
        assert_eq!(state(&s, "reminder"), skipped(SkipReason::Backdated));
        assert_eq!(pending_ids(&s), ["follow_up"]);
    }

    #[test]
    fn with_catch_up_latest_only_the_most_recent_past_step_goes_out() {
        let s = run(CatchUp::Latest, false);
        assert_eq!(state(&s, "on_issue"), skipped(SkipReason::CatchUp));
        assert_eq!(state(&s, "reminder"), StepState::Pending);
        assert_eq!(at(&s, "reminder"), ts(NOW));
        assert_eq!(pending_ids(&s), ["reminder", "follow_up"]);
    }
}

mod dst {
    use super::*;

    fn seed_in(zone: &str, due: jiff::civil::Date) -> Schedule {
        let rules = Rules::default();
        let inv = due_on(due);
        plan(
            &inv,
            &rules.default_cadence,
            &settings(zone),
            inv.issue_date
                .to_zoned(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp(),
        )
    }

    #[test]
    fn new_york_keeps_09_00_local_across_both_changes() {
        // Clocks go back on Sunday 1 Nov 2026: 09:00 EDT is 13:00Z, 09:00 EST is 14:00Z.
        let s = seed_in("America/New_York", date(2026, 10, 27));
        assert_eq!(at(&s, "nudge"), ts("2026-10-30T13:00:00Z"));
        assert_eq!(at(&s, "follow_up"), ts("2026-11-06T14:00:00Z"));
        // Clocks go forward on Sunday 8 Mar 2026.
        let s = seed_in("America/New_York", date(2026, 3, 3));
        assert_eq!(at(&s, "nudge"), ts("2026-03-06T14:00:00Z"));
        assert_eq!(at(&s, "follow_up"), ts("2026-03-13T13:00:00Z"));
    }

    #[test]
    fn london_keeps_09_00_local_across_both_changes() {
        // BST ends Sunday 25 Oct 2026 and starts Sunday 29 Mar 2026.
        let s = seed_in("Europe/London", date(2026, 10, 20));
        assert_eq!(at(&s, "nudge"), ts("2026-10-23T08:00:00Z"));
        assert_eq!(at(&s, "follow_up"), ts("2026-10-30T09:00:00Z"));
        let s = seed_in("Europe/London", date(2026, 3, 24));
        assert_eq!(at(&s, "nudge"), ts("2026-03-27T09:00:00Z"));
        assert_eq!(at(&s, "follow_up"), ts("2026-04-03T08:00:00Z"));
    }

    #[test]
    fn sydney_keeps_09_00_local_when_summer_time_starts_in_october() {
        // AEST (+10) until Sunday 4 Oct 2026, then AEDT (+11).
        let s = seed_in("Australia/Sydney", date(2026, 9, 29));
        assert_eq!(at(&s, "nudge"), ts("2026-10-01T23:00:00Z"));
        assert_eq!(at(&s, "follow_up"), ts("2026-10-08T22:00:00Z"));
        // And when it ends on Sunday 5 Apr 2026.
        let s = seed_in("Australia/Sydney", date(2026, 3, 31));
        assert_eq!(at(&s, "nudge"), ts("2026-04-02T22:00:00Z"));
        assert_eq!(at(&s, "follow_up"), ts("2026-04-09T23:00:00Z"));
    }

    #[test]
    fn a_send_hour_that_dst_skips_moves_forward_by_the_gap() {
        // 02:30 does not exist in New York on 8 Mar 2026; it becomes 03:30 EDT (07:30Z).
        let settings = chaser_domain::Settings {
            send_hour: hm(2, 30),
            ..always_open("America/New_York")
        };
        let inv = invoice(date(2026, 3, 1), Terms::Net(30));
        let s = plan(
            &inv,
            &cadence(vec![step("leap", "on_date 2026-03-08", Move::Nudge)]),
            &settings,
            ts("2026-03-01T00:00:00Z"),
        );
        assert_eq!(at(&s, "leap"), ts("2026-03-08T07:30:00Z"));
    }
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

mod catch_up {
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

mod lateness {
    use super::*;

    fn nudge_at_09_00() -> (chaser_domain::Invoice, chaser_domain::Cadence) {
        (
            due_on(date(2026, 12, 1)),
            cadence(vec![step("nudge", "after_due 3d", Move::Nudge)]),
        )
    }

    #[test]
    fn a_step_a_few_minutes_late_still_goes_out_even_when_catch_up_skips() {
        // The timer fired at 09:02 for a 09:00 step: late, not missed.
        let (inv, cad) = nudge_at_09_00();
        let strict = chaser_domain::Settings {
            catch_up: CatchUp::Skip,
            ..settings("UTC")
        };
        let s = plan(&inv, &cad, &strict, ts("2026-12-04T09:02:00Z"));
        assert_eq!(state(&s, "nudge"), StepState::Pending);
        assert_eq!(at(&s, "nudge"), ts("2026-12-04T09:02:00Z"));
        // Ten minutes late it was missed, and `skip` means skip.
        let s = plan(&inv, &cad, &strict, ts("2026-12-04T09:10:00Z"));
        assert_eq!(state(&s, "nudge"), skipped(SkipReason::Backdated));
    }

    #[test]
    fn a_worker_down_through_the_evening_sends_at_the_next_window_not_at_once() {
        // A 17:58 step, and the worker only came back at 18:01, inside quiet hours.
        let (inv, mut cad) = nudge_at_09_00();
        let s17 = chaser_domain::Settings {
            send_hour: hm(17, 58),
            ..settings("UTC")
        };
        cad.steps[0].id = "evening".into();
        let s = plan(&inv, &cad, &s17, ts("2026-12-04T18:01:00Z"));
        assert_eq!(state(&s, "evening"), StepState::Pending);
        // Friday evening: the next window opens Monday 08:00.
        assert_eq!(at(&s, "evening"), ts("2026-12-07T08:00:00Z"));
    }
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
