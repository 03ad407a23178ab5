//! Lateness: a step a few minutes late still goes out even when catch-up skips, one missed by
//! longer is skipped, and a step the worker was down through goes out at the next window.

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
