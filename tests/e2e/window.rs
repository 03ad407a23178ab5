//! The send window holds even across a worker outage.

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::support::*;

#[test]
fn a_worker_stopped_through_the_window_sends_at_the_next_opening_not_at_once() {
    // Arrange: quiet hours for one whole minute starting about a minute from now; the nudge
    // falls due 10 s before they start.
    let name = "window";
    let now = Timestamp::now();
    let start_of_minute = |t: Timestamp| {
        t.to_zoned(jiff::tz::TimeZone::UTC)
            .datetime()
            .with()
            .second(0)
            .subsec_nanosecond(0)
            .build()
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
    };
    let quiet_start = start_of_minute(now + SignedDuration::from_secs(60))
        .checked_add(1.minute())
        .unwrap();
    let quiet_end = quiet_start.checked_add(1.minute()).unwrap();
    let due = quiet_start.timestamp() - SignedDuration::from_secs(10);
    let offset = due.duration_since(now).as_secs();
    let rules = format!(
        r#"[company]
time_zone = "UTC"
quiet_hours = "{}-{}"
business_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
min_gap = "1s"
daily_cap = 50
late_tolerance = "2s"

[[cadences.default.steps]]
when = "after_issue {offset}s"
move = "nudge"
"#,
        quiet_start.strftime("%H:%M"),
        quiet_end.strftime("%H:%M"),
    );
    let mut chaser = Chaser::new(name, &rules, Backend::Sqlite);
    chaser.start_worker();
    let mut inv = Invoice::new(name, "INV-WIN");
    import(&chaser, &[inv.row(false)]);

    // Act: the worker is down from before the nudge is due until the quiet hours began.
    let until = |t: Timestamp| {
        let wait = t.duration_since(Timestamp::now()).as_secs_f64();
        if wait > 0.0 {
            std::thread::sleep(Duration::from_secs_f64(wait));
        }
    };
    until(due - SignedDuration::from_secs(5));
    chaser.kill_worker();
    until(quiet_start.timestamp() + SignedDuration::from_secs(5));
    chaser.start_worker();

    // Assert: nothing during the quiet minute; the nudge once it is over.
    let restarted = Instant::now();
    until(quiet_end.timestamp() - SignedDuration::from_secs(3));
    assert!(
        stack().mail_to(&inv.billing).is_empty(),
        "sent inside the quiet hours, {:?} after the restart",
        restarted.elapsed()
    );
    let mail = inv.wait_mail(&inv.billing, 1);
    assert_eq!(mail.len(), 1);
    assert!(Timestamp::now() >= quiet_end.timestamp());
    let status = chaser.status(&inv.number);
    let sent_at = status.sends[0].at;
    assert!(
        sent_at >= quiet_end.timestamp(),
        "sent at {sent_at}, quiet until {quiet_end}"
    );
}
