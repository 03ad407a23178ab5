//! A worker killed mid-chase: the chase resumes with no duplicate and no missed step.

use crate::support::*;

/// Wider steps than the shared rules, and a minute of lateness tolerated: after a kill the
/// chase's next workflow task waits out the dead worker's sticky queue (10 s) and more on a
/// loaded machine. A crash shorter than the tolerance must lose and repeat nothing.
const STEPS_WIDE: &str = r#"
[[cadences.default.steps]]
when = "after_issue 5s"
move = "nudge"

[[cadences.default.steps]]
when = "after_issue 20s"
move = "follow_up"

[[cadences.default.steps]]
when = "after_issue 40s"
move = "escalate"
"#;

#[test]
fn killing_the_worker_mid_chase_loses_and_duplicates_nothing() {
    let name = "worker-kill";
    let mut chaser = Chaser::new(
        name,
        &seconds_rules_tolerating("60s", STEPS_WIDE),
        Backend::Sqlite,
    );
    chaser.start_worker();
    let mut inv = Invoice::new(name, "INV-K");
    import(&chaser, &[inv.row(false)]);
    inv.wait_mail(&inv.billing, 1);

    // SIGKILL between the nudge and the follow-up; the follow-up falls due while it is down.
    let pid = chaser.worker_pid().unwrap();
    chaser.kill_worker();
    assert!(
        std::process::Command::new("kill")
            .args(["-0", &pid.to_string()])
            .status()
            .is_ok_and(|s| !s.success())
    );
    inv.sleep_until(21.5);
    assert_eq!(
        stack().mail_to(&inv.billing).len(),
        1,
        "nothing is sent while no worker runs"
    );
    chaser.start_worker();

    inv.wait_mail(&inv.owner, 1);
    let customer = stack().mail_to(&inv.billing);
    assert_eq!(
        customer.len(),
        2,
        "nudge and follow-up, each once: {customer:#?}\n{}",
        chaser.worker_log()
    );
    assert_ne!(customer[0].message_id, customer[1].message_id);
    assert_eq!(stack().mail_to(&inv.owner).len(), 1);
    let status = chaser.status(&inv.number);
    assert_eq!(sends(&status, "done"), ["nudge", "follow_up", "escalate"]);
}
