//! Invoiced's rule: steps already in the past when an invoice is entered are skipped, except
//! "on issue", which still goes out once unless the invoice was already sent.

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
