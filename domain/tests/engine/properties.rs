//! Properties of `plan` over generated invoices, cadences, settings and clocks.

use std::collections::BTreeSet;

use chaser_domain::calendar::Window;
use chaser_domain::rules::{Cadence, CatchUp, Settings, Step, Trigger, Weekdays};
use chaser_domain::schedule::{PlannedStep, StepState};
use chaser_domain::{Invoice, Move, Offset, Role, Schedule, Terms, Zone, plan};
use jiff::civil::{Date, Time};
use jiff::{SignedDuration, Timestamp, ToSpan};
use proptest::prelude::*;

use crate::fixtures::{contact, hm, invoice, quiet};

const ZONES: [&str; 10] = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Asia/Tokyo",
    "Asia/Kolkata",
];

fn zone() -> impl Strategy<Value = Zone> {
    prop::sample::select(&ZONES[..]).prop_map(|z| Zone::parse(z).unwrap())
}

fn date_in_2025_to_2029() -> impl Strategy<Value = Date> {
    (0i64..365 * 5).prop_map(|d| Date::constant(2025, 1, 1).checked_add(d.days()).unwrap())
}

fn offset() -> impl Strategy<Value = Offset> {
    prop_oneof![
        4 => (0u32..40).prop_map(Offset::Days),
        1 => (1i64..48 * 3600).prop_map(|s| Offset::Exact(SignedDuration::from_secs(s))),
    ]
}

fn trigger() -> impl Strategy<Value = Trigger> {
    prop_oneof![
        1 => Just(Trigger::OnIssue),
        2 => offset().prop_map(Trigger::AfterIssue),
        2 => offset().prop_map(Trigger::BeforeDue),
        4 => offset().prop_map(Trigger::AfterDue),
        1 => date_in_2025_to_2029().prop_map(Trigger::OnDate),
    ]
}

fn action() -> impl Strategy<Value = Move> {
    prop::sample::select(&Move::ALL[..])
}

fn cadence() -> impl Strategy<Value = Cadence> {
    let steps = prop::collection::vec((trigger(), action()), 1..8);
    let repeat = prop::option::of((
        offset().prop_filter("non-zero", |o| !o.is_zero()),
        1u32..=10,
        action(),
    ));
    (steps, repeat).prop_map(|(steps, repeat)| {
        let mut steps: Vec<Step> = steps
            .into_iter()
            .enumerate()
            .map(|(i, (t, m))| Step::with_defaults(&format!("s{i}"), t, m))
            .collect();
        if let Some((every, times, m)) = repeat {
            steps.push(Step::with_defaults(
                "again",
                Trigger::Repeat { every, times },
                m,
            ));
        }
        Cadence {
            name: "generated".into(),
            steps,
        }
    })
}

fn settings() -> impl Strategy<Value = Settings> {
    let days = (1u8..128).prop_map(|bits| {
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let chosen: Vec<&str> = (0..7)
            .filter(|i| bits & (1 << i) != 0)
            .map(|i| names[i])
            .collect();
        Weekdays::from_names(&chosen).unwrap()
    });
    let holidays = prop::collection::btree_set(date_in_2025_to_2029(), 0..40);
    let quiet_hours =
        prop::option::of((0i8..24, 0i8..24).prop_filter("non-empty", |(a, b)| a != b));
    let gap = prop_oneof![
        (0u32..5).prop_map(Offset::Days),
        (0i64..20 * 3600).prop_map(|s| Offset::Exact(SignedDuration::from_secs(s))),
    ];
    let catch_up = prop_oneof![Just(CatchUp::Latest), Just(CatchUp::Skip)];
    (zone(), 0i8..24, quiet_hours, days, holidays, gap, catch_up).prop_filter_map(
        "send hour outside quiet hours",
        |(time_zone, send, quiet_hours, business_days, holidays, min_gap, catch_up)| {
            let quiet_hours = quiet_hours.and_then(|(a, b)| quiet(hm(a, 0), hm(b, 0)));
            if quiet_hours.is_some_and(|q| q.contains(Time::constant(send, 0, 0, 0))) {
                return None;
            }
            Some(Settings {
                time_zone,
                send_hour: hm(send, 0),
                quiet_hours,
                business_days,
                holidays,
                min_gap,
                catch_up,
                ..Settings::default()
            })
        },
    )
}

fn invoice_strategy() -> impl Strategy<Value = Invoice> {
    let roles = prop::collection::vec(
        prop::sample::subsequence(vec![Role::Billing, Role::Primary, Role::Executive], 0..=2),
        0..4,
    );
    let exact = prop::option::of(0i64..86_400);
    (
        date_in_2025_to_2029(),
        0u16..91,
        prop::option::of(zone()),
        roles,
        any::<bool>(),
        exact,
    )
        .prop_map(|(issue, net, customer_zone, roles, already_sent, exact)| {
            let mut inv = invoice(issue, Terms::Net(net));
            inv.customer_time_zone = customer_zone;
            inv.already_sent = already_sent;
            inv.contacts = roles
                .iter()
                .enumerate()
                .map(|(i, r)| contact(&format!("c{i}@acme.example"), r))
                .collect();
            if let Some(secs) = exact {
                let issued = issue.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp()
                    + SignedDuration::from_secs(secs);
                inv.issued_at = Some(issued);
                inv.due_at = Some(issued + SignedDuration::from_hours(24 * i64::from(net)));
            }
            inv
        })
}

/// An invoice, cadence, settings, and a "now" from ten days before issue to 120 days after.
fn case() -> impl Strategy<Value = (Invoice, Cadence, Settings, Timestamp)> {
    (
        invoice_strategy(),
        cadence(),
        settings(),
        -10i64..120,
        0i64..86_400,
    )
        .prop_map(|(inv, cad, s, day, secs)| {
            let start = inv
                .issue_date
                .to_zoned(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp();
            let now =
                start + SignedDuration::from_hours(24 * day) + SignedDuration::from_secs(secs);
            (inv, cad, s, now)
        })
}

fn sent_or_pending(s: &Schedule) -> Vec<&PlannedStep> {
    s.steps
        .iter()
        .filter(|st| !matches!(st.state, StepState::Skipped { .. }))
        .collect()
}

fn issue_instant(inv: &Invoice, settings: &Settings) -> Timestamp {
    inv.issued_at.unwrap_or_else(|| {
        Window::new(settings, &settings.time_zone).at(inv.issue_date, Time::midnight())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_step_is_scheduled_before_the_issue_date((inv, cad, settings, now) in case()) {
        let s = plan(&inv, &cad, &settings, now);
        let issued = issue_instant(&inv, &settings);
        for st in sent_or_pending(&s) {
            prop_assert!(st.at >= issued, "{} at {} before issue {}", st.id, st.at, issued);
        }
    }

    #[test]
    fn no_step_lands_in_quiet_hours_on_a_weekend_or_on_a_holiday((inv, cad, settings, now) in case()) {
        let s = plan(&inv, &cad, &settings, now);
        for st in sent_or_pending(&s) {
            let window = Window::new(&settings, &st.zone);
            let local = st.zone.tz().to_datetime(st.at);
            prop_assert!(window.is_open(st.at), "{} at {} ({local} {}) is outside the window", st.id, st.at, st.zone);
            prop_assert!(settings.business_days.contains(local.weekday()));
            prop_assert!(!settings.holidays.contains(&local.date()));
            prop_assert!(!settings.quiet_hours.is_some_and(|q| q.contains(local.time())));
        }
    }

    #[test]
    fn instants_strictly_increase((inv, cad, settings, now) in case()) {
        let s = plan(&inv, &cad, &settings, now);
        let steps = sent_or_pending(&s);
        for pair in steps.windows(2) {
            prop_assert!(pair[0].at < pair[1].at, "{} at {} then {} at {}", pair[0].id, pair[0].at, pair[1].id, pair[1].at);
        }
        // Nothing still to send lies in the past.
        for st in &steps {
            prop_assert!(st.at >= now);
        }
    }

    #[test]
    fn the_minimum_gap_holds_between_any_two_touches_to_one_contact((inv, cad, settings, now) in case()) {
        let s = plan(&inv, &cad, &settings, now);
        let steps = sent_or_pending(&s);
        for (i, earlier) in steps.iter().enumerate() {
            let earlier_contacts: BTreeSet<String> = earlier.recipients.to.iter().chain(&earlier.recipients.cc).map(|e| e.key()).collect();
            for later in &steps[i + 1..] {
                let shares = later.recipients.to.iter().chain(&later.recipients.cc).any(|e| earlier_contacts.contains(&e.key()));
                if shares {
                    let earliest = Window::new(&settings, &later.zone).add(earlier.at, settings.min_gap);
                    prop_assert!(later.at >= earliest, "{} at {} too close to {} at {}", later.id, later.at, earlier.id, earlier.at);
                }
            }
        }
    }

    #[test]
    fn steps_already_overdue_are_never_sent_in_a_burst((inv, cad, settings, now) in case()) {
        // Planned long before anything was due, a step placed before `now` was overdue at `now`.
        let long_before = now - SignedDuration::from_hours(24 * 4000);
        let early = plan(&inv, &cad, &settings, long_before);
        let missed_before = now - settings.late_tolerance.as_duration();
        let overdue: BTreeSet<&str> = early.steps.iter().filter(|st| st.at < missed_before).map(|st| st.id.as_str()).collect();
        let s = plan(&inv, &cad, &settings, now);
        let sent_anyway: Vec<&str> = s.steps.iter()
            .filter(|st| st.state == StepState::Pending && overdue.contains(st.id.as_str()))
            .map(|st| st.id.as_str())
            .collect();
        prop_assert!(sent_anyway.len() <= 1, "burst of overdue steps: {sent_anyway:?}");
    }

    #[test]
    fn plan_is_idempotent((inv, cad, settings, now) in case()) {
        let first = plan(&inv, &cad, &settings, now);
        let second = plan(&inv.clone(), &cad.clone(), &settings.clone(), now);
        prop_assert_eq!(&first, &second);
        // And it survives the trip through a workflow payload unchanged.
        let json = serde_json::to_string(&first).unwrap();
        prop_assert_eq!(serde_json::from_str::<Schedule>(&json).unwrap(), first);
    }

    #[test]
    fn every_step_of_the_cadence_is_accounted_for((inv, cad, settings, now) in case()) {
        let s = plan(&inv, &cad, &settings, now);
        let expected: usize = cad.steps.iter().map(|st| match st.trigger {
            Trigger::Repeat { times, .. } => times as usize,
            _ => 1,
        }).sum();
        prop_assert_eq!(s.steps.len(), expected);
    }
}
