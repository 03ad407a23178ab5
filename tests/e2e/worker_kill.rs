//! A worker killed mid-chase: the chase resumes with no duplicate and no missed step.

use std::time::Duration;

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
    assert_eq!(sends(&status, done), ["nudge", "follow_up", "escalate"]);
}

/// Never twice, by construction: a worker killed while the provider holds a message leaves a
/// send whose fate is unknown. The chase does not guess by sending again; the step is
/// `uncertain` in `status`, the outbox and the owner's review, and one tap sends it again.
#[test]
fn a_worker_killed_mid_send_leaves_the_step_uncertain_until_the_owner_sends_it_again() {
    let name = "kill-mid-send";
    let sink = SmtpSink::start(name);
    // The provider holds the nudge long enough for the worker to die before any answer.
    sink.delay(30.0);
    let mut settings = sink.settings();
    settings.push(("review.email", false.into()));
    let mut chaser = Chaser::with_config(name, &slow_rules(), Backend::Sqlite, &settings);
    chaser.start_worker();
    let mut inv = Invoice::new(name, "INV-U");
    import(&chaser, &[inv.row(false)]);
    wait_for(
        "the nudge handed to the provider",
        Duration::from_secs(30),
        || sink.in_flight().then_some(()),
    );
    chaser.kill_worker();
    sink.delay(0.0);
    chaser.start_worker();

    // The attempt is tried again on the new worker (its heartbeat stops), finds the message
    // handed over with no answer, and sends nothing.
    let status = wait_for("the nudge to be uncertain", Duration::from_secs(90), || {
        let status = chaser.status(&inv.number);
        (sends(&status, uncertain) == ["nudge"]).then_some(status)
    });
    assert_eq!(status.state, ChaseState::Scheduled, "{status:#?}");
    let outbox = chaser.ok(&["outbox", &inv.number]);
    assert!(outbox.contains("uncertain"), "{outbox}");
    let before = sink.mail_to(&inv.billing).len();
    assert!(before <= 1, "the held nudge at most");
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(
        sink.mail_to(&inv.billing).len(),
        before,
        "nothing sent again by itself"
    );

    // The owner's review asks about it, and one tap sends it again.
    let item = wait_for(
        "the uncertain send in the review",
        Duration::from_secs(30),
        || {
            let digest: serde_json::Value =
                serde_json::from_str(&chaser.ok(&["digest", "--json"])).unwrap();
            digest["uncertain"]
                .as_array()
                .and_then(|lines| lines.iter().find(|l| l["subject"] == inv.number.as_str()))
                .cloned()
        },
    );
    assert!(
        item["note"]
            .as_str()
            .unwrap()
            .contains("may have reached the customer"),
        "{item}"
    );
    let again = review_action(&chaser, &inv.number, "Send again").unwrap();
    assert!(get(&again).body.contains("Send again"), "GET asks first");
    assert_eq!(post_form(&again, &[]).status, 200);
    let mail = wait_for("the nudge sent again", Duration::from_secs(30), || {
        let mail = sink.mail_to(&inv.billing);
        (mail.len() == before + 1).then_some(mail)
    });
    assert!(
        mail.last().unwrap().subject.contains(&inv.number),
        "{mail:#?}"
    );
    wait_for("the nudge done", Duration::from_secs(20), || {
        (sends(&chaser.status(&inv.number), done) == ["nudge"]).then_some(())
    });
    assert_eq!(post_form(&again, &[]).status, 409, "one tap sends once");
}
