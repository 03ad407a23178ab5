//! The company calendar reaches running chases: a holiday added to the rules doc after a chase
//! started moves its next step off that day, while a changed cadence reaches only new chases.

use std::time::Duration;

use chaser_workflows::contracts::NextTouch;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::support::*;

const CADENCE: &str = r#"[[cadences.default.steps]]
when = "after_issue 60s"
move = "nudge"

[[cadences.default.steps]]
when = "after_issue 120s"
move = "follow_up"
"#;

/// The same cadence's replacement, which running chases must not take.
const NEW_CADENCE: &str = r#"[[cadences.default.steps]]
when = "after_issue 3s"
move = "escalate"
"#;

#[test]
fn a_holiday_added_after_a_chase_started_moves_its_next_step_and_a_new_cadence_does_not() {
    // Arrange: a chase whose nudge is planned for later today.
    let (chaser, inv, planned) = nudge_planned("calendar", "INV-CAL");
    let day = utc_day(planned.at);

    // Act: the owner makes that day a holiday and changes the cadence in the rules doc.
    let company = format!("holidays = [\"{day}\"]\n");
    let edited =
        seconds_rules(NEW_CADENCE).replacen("[company]\n", &format!("[company]\n{company}"), 1);
    std::fs::write(chaser.dir.join("rules.toml"), edited).unwrap();
    let dry = chaser.ok(&["rules", "apply", "--dry-run"]);
    assert!(
        dry.contains(&format!("{}: next touch", inv.number))
            && dry.contains("is a holiday: it moves"),
        "{dry}"
    );
    assert_eq!(
        chaser.status(&inv.number).next_touch,
        Some(planned.clone()),
        "a dry run changes nothing"
    );
    let applied = chaser.ok(&["rules", "apply"]);
    assert!(
        applied.contains(&format!("{}: calendar: holidays added {day}", inv.number)),
        "{applied}"
    );
    assert!(
        applied.contains("the calendar reached 1 of 1 running chase(s)")
            && applied.contains("once the worker restarts"),
        "{applied}"
    );

    // Assert: the nudge moved past the holiday; the cadence is the one the chase began with.
    assert_nudge_moved_past(&chaser, &inv, &planned);
    let trail = chaser.ok(&["audit", &inv.number]);
    assert!(trail.contains("calendar_changed"), "{trail}");
}

#[test]
fn an_operator_sends_a_calendar_with_the_raw_temporal_update() {
    let (chaser, inv, planned) = nudge_planned("calendar-raw", "INV-CALRAW");
    let day = utc_day(planned.at);
    let input = format!(
        r#"{{"command": "calendar", "by": "ops:raw-update", "calendar": {{"send_hour": "09:00", "quiet_hours": null, "business_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "holidays": ["{day}"]}}}}"#
    );
    let out = chaser.temporal_decoded(&[
        "workflow",
        "update",
        "execute",
        "--workflow-id",
        &inv.workflow_id(),
        "--name",
        "command",
        "--input",
        &input,
    ]);
    assert!(out.contains(&format!("holidays added {day}")), "{out}");
    assert_nudge_moved_past(&chaser, &inv, &planned);
}

/// A chaser whose invoice's nudge (a minute after issue) is planned.
fn nudge_planned(name: &str, number: &str) -> (Chaser, Invoice, NextTouch) {
    let mut chaser = Chaser::new(name, &seconds_rules(CADENCE), Backend::Sqlite);
    chaser.start_worker();
    let mut inv = Invoice::new(name, number);
    import(&chaser, &[inv.row(false)]);
    let planned = wait_for("the nudge to be planned", Duration::from_secs(20), || {
        chaser.status(&inv.number).next_touch
    });
    assert_eq!(planned.step_id, "nudge");
    (chaser, inv, planned)
}

/// The nudge is planned again, after the day it was planned on (now a holiday), and it is still
/// the nudge: the running chase keeps its cadence.
fn assert_nudge_moved_past(chaser: &Chaser, inv: &Invoice, planned: &NextTouch) {
    let moved = wait_for("the nudge to move", Duration::from_secs(20), || {
        chaser
            .status(&inv.number)
            .next_touch
            .filter(|n| n.at != planned.at)
    });
    assert_eq!(
        moved.step_id, "nudge",
        "the running chase keeps its cadence"
    );
    assert!(
        utc_day(moved.at) > utc_day(planned.at),
        "moved to {}, the holiday is {}",
        moved.at,
        utc_day(planned.at)
    );
}

fn utc_day(at: Timestamp) -> Date {
    at.to_zoned(TimeZone::UTC).date()
}
