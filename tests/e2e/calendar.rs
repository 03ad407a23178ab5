//! The company calendar reaches running chases: a holiday added to the rules doc after a chase
//! started moves its next step off that day, while a changed cadence reaches only new chases.

use std::time::Duration;

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
    let name = "calendar";
    let mut chaser = Chaser::new(name, &seconds_rules(CADENCE), Backend::Sqlite);
    chaser.start_worker();
    let mut inv = Invoice::new(name, "INV-CAL");
    import(&chaser, &[inv.row(false)]);
    let planned = wait_for("the nudge to be planned", Duration::from_secs(20), || {
        chaser.status(&inv.number).next_touch
    });
    assert_eq!(planned.step_id, "nudge");
    let day = planned.at.to_zoned(jiff::tz::TimeZone::UTC).date();

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

    // Assert: the nudge moved past the holiday; the cadence is the one the chase began with.
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
        moved.at.to_zoned(jiff::tz::TimeZone::UTC).date() > day,
        "moved to {}, the holiday is {day}",
        moved.at
    );
    let trail = chaser.ok(&["audit", &inv.number]);
    assert!(trail.contains("calendar_changed"), "{trail}");
}

#[test]
fn an_operator_sends_a_calendar_with_the_raw_temporal_update() {
    let name = "calendar-raw";
    let mut chaser = Chaser::new(name, &seconds_rules(CADENCE), Backend::Sqlite);
    chaser.start_worker();
    let mut inv = Invoice::new(name, "INV-CALRAW");
    import(&chaser, &[inv.row(false)]);
    let planned = wait_for("the nudge to be planned", Duration::from_secs(20), || {
        chaser.status(&inv.number).next_touch
    });
    let day = planned.at.to_zoned(jiff::tz::TimeZone::UTC).date();
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
    let moved = wait_for("the nudge to move", Duration::from_secs(20), || {
        chaser
            .status(&inv.number)
            .next_touch
            .filter(|n| n.at != planned.at)
    });
    assert_eq!(moved.step_id, "nudge");
    assert!(moved.at.to_zoned(jiff::tz::TimeZone::UTC).date() > day);
}
