//! `classify` and `aging_bucket` on worked dates.

use chaser_domain::{AgingBucket, Classification, Money, Rules, aging_bucket, classify};
use jiff::civil::date;

use crate::fixtures::*;

#[test]
fn the_seed_cadence_moves_through_the_four_classifications() {
    let cad = Rules::default().default_cadence;
    let inv = due_on(date(2026, 12, 1));
    let on = |d| classify(&inv, &cad, d);
    assert_eq!(
        on(date(2026, 11, 20)),
        Classification::Current,
        "not yet due"
    );
    assert_eq!(on(date(2026, 12, 1)), Classification::Current, "due today");
    assert_eq!(
        on(date(2026, 12, 3)),
        Classification::Current,
        "2 days late"
    );
    assert_eq!(on(date(2026, 12, 4)), Classification::FirstNudge);
    assert_eq!(on(date(2026, 12, 10)), Classification::FirstNudge);
    assert_eq!(on(date(2026, 12, 11)), Classification::FollowUp);
    assert_eq!(on(date(2026, 12, 21)), Classification::FollowUp);
    assert_eq!(on(date(2026, 12, 22)), Classification::Escalate);
    assert_eq!(on(date(2027, 6, 1)), Classification::Escalate);
}

#[test]
fn a_paid_invoice_is_current() {
    let cad = Rules::default().default_cadence;
    let mut inv = due_on(date(2026, 12, 1));
    inv.balance = Money::zero(inv.amount.currency());
    assert_eq!(
        classify(&inv, &cad, date(2027, 1, 1)),
        Classification::Current
    );
}

#[test]
fn repeats_keep_the_move_of_their_step() {
    let mut cad = cadence(vec![step(
        "nudge",
        "after_due 3d",
        chaser_domain::Move::Nudge,
    )]);
    cad.steps.push(step(
        "again",
        "repeat every 7d, at most 2 times",
        chaser_domain::Move::FollowUp,
    ));
    let inv = due_on(date(2026, 12, 1));
    assert_eq!(
        classify(&inv, &cad, date(2026, 12, 10)),
        Classification::FirstNudge
    );
    assert_eq!(
        classify(&inv, &cad, date(2026, 12, 11)),
        Classification::FollowUp
    );
}

#[test]
fn aging_buckets_have_inclusive_edges() {
    let inv = due_on(date(2026, 1, 31));
    let bucket = |d| aging_bucket(&inv, d);
    assert_eq!(bucket(date(2026, 1, 31)), AgingBucket::Current);
    assert_eq!(bucket(date(2026, 2, 1)), AgingBucket::Days1To30);
    assert_eq!(bucket(date(2026, 3, 2)), AgingBucket::Days1To30, "day 30");
    assert_eq!(bucket(date(2026, 3, 3)), AgingBucket::Days31To60);
    assert_eq!(bucket(date(2026, 4, 1)), AgingBucket::Days31To60, "day 60");
    assert_eq!(bucket(date(2026, 4, 2)), AgingBucket::Days61To90);
    assert_eq!(bucket(date(2026, 5, 1)), AgingBucket::Days61To90, "day 90");
    assert_eq!(bucket(date(2026, 5, 2)), AgingBucket::Over90);
    assert_eq!(
        AgingBucket::ALL.map(AgingBucket::label),
        ["current", "1-30", "31-60", "61-90", "90+"]
    );
}
