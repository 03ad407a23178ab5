//! Daylight saving time: a step keeps its local send hour across the changes in New York,
//! London and Sydney, and a send hour the change skips moves forward by the gap.

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
