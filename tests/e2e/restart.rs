//! The worker rides out Temporal going away: started before the server, and through a server
//! killed and started again mid-chase, it keeps running, says so on `/healthz`, takes commands
//! into the journal meanwhile, and resumes every chase when the server is back.

use std::time::Duration;

use crate::support::*;

/// The follow-up falls due while the server is down; a minute of lateness is tolerated, so it
/// goes out when the server is back.
const STEPS: &str = r#"
[[cadences.default.steps]]
when = "after_issue 3s"
move = "nudge"

[[cadences.default.steps]]
when = "after_issue 25s"
move = "follow_up"
"#;

fn health_is(chaser: &Chaser, code: u16) -> serde_json::Value {
    wait_for(
        &format!("/healthz to answer {code}"),
        Duration::from_secs(60),
        || {
            let (status, body) = chaser.health();
            (status == code).then_some(body)
        },
    )
}

#[test]
fn the_worker_waits_for_temporal_and_rides_out_a_server_restart() {
    let name = "server-restart";
    let mut chaser = Chaser::with_config(
        name,
        &seconds_rules_tolerating("60s", STEPS),
        Backend::Sqlite,
        &[("reconcile.interval", "2s".into())],
    );
    let mut server = DevServer::new(&chaser.dir.join("temporal"));
    chaser.use_temporal(&server.address());

    // Started before the server: the doors open, /healthz says why the worker waits, and it
    // keeps trying instead of exiting.
    chaser.spawn_worker();
    let waiting = health_is(&chaser, 503);
    assert!(
        waiting["why"].as_str().unwrap().contains("Temporal"),
        "{waiting}"
    );
    std::thread::sleep(Duration::from_secs(3));
    assert!(chaser.worker_running(), "{}", chaser.worker_log());
    server.start();
    let up = health_is(&chaser, 200);
    assert_eq!(up["temporal"], "connected", "{up}");

    let mut chased = Invoice::new(name, "INV-A");
    let mut paid = Invoice::new(name, "INV-B");
    import(&chaser, &[chased.row(false), paid.row(false)]);
    chased.wait_mail(&chased.billing, 1);
    paid.wait_mail(&paid.billing, 1);

    // The server dies between steps: the worker notices and says so.
    server.kill();
    let down = health_is(&chaser, 503);
    assert!(down["why"].as_str().unwrap().contains("Temporal"), "{down}");
    // A payment through the owner API meanwhile is accepted into the journal.
    let (status, answer) = post_raw(
        &chaser.url(&format!("/api/invoices/{}/paid", paid.number)),
        &[("Authorization", &format!("Bearer {}", chaser.secrets.api))],
        "{}",
    );
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["result"], "accepted", "{answer}");
    // The follow-up falls due with the server down: nothing goes out, the worker stays.
    chased.sleep_until(27.0);
    assert_eq!(stack().mail_to(&chased.billing).len(), 1);
    assert!(
        chaser.worker_running(),
        "the worker exited while the server was down: {}",
        chaser.worker_log()
    );

    // The server is back with its state: the same worker polls again, the late follow-up goes
    // out once, and the journaled payment ends its chase with one thank-you.
    server.start();
    health_is(&chaser, 200);
    let mail = chased.wait_mail(&chased.billing, 2);
    assert!(
        !mail[1].subject.starts_with("Thank you"),
        "{}",
        mail[1].subject
    );
    let mail = paid.wait_mail(&paid.billing, 2);
    assert!(
        mail[1].subject.starts_with("Thank you"),
        "{}",
        mail[1].subject
    );
    wait_for("the paid chase to end", Duration::from_secs(30), || {
        (chaser.status(&paid.number).state == ChaseState::Paid).then_some(())
    });
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(stack().mail_to(&chased.billing).len(), 2, "nothing twice");
    assert_eq!(stack().mail_to(&paid.billing).len(), 2, "nothing twice");

    let log = chaser.worker_log();
    assert!(log.contains("the worker keeps trying"), "{log}");
    assert!(chaser.worker_running(), "{log}");
    // Only a signal ends it, cleanly.
    assert!(chaser.stop_worker("TERM"), "{}", chaser.worker_log());
}

#[test]
fn chaser_serve_stays_healthy_without_temporal_and_connects_when_it_comes_up() {
    let name = "serve-waits";
    let mut chaser = Chaser::new(name, &slow_rules(), Backend::Sqlite);
    let mut server = DevServer::new(&chaser.dir.join("temporal"));
    chaser.use_temporal(&server.address());

    // The doors need no Temporal: healthy, saying Temporal is not there.
    chaser.start_http_only();
    let (status, body) = chaser.health();
    assert_eq!(status, 200, "{body}");
    assert!(
        body["temporal"]
            .as_str()
            .unwrap()
            .contains("cannot reach Temporal"),
        "{body}"
    );

    // It connects in the background when the server comes up.
    server.start();
    wait_for("chaser serve to connect", Duration::from_secs(60), || {
        (chaser.health().1["temporal"] == "connected").then_some(())
    });
    assert!(chaser.worker_running(), "{}", chaser.worker_log());
}
