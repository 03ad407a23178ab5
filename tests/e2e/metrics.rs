//! `/metrics`: the SDK's worker metrics and the chaser's own counters, on one endpoint.

use std::time::Duration;

use crate::support::*;
use crate::webhook::created;

/// The value of the sample `name{...}` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit_once(' ')?.1.parse().ok())
}

#[test]
fn metrics_show_the_workers_and_the_chasers_own_counters_after_a_short_chase() {
    let name = "metrics";
    let port = free_port();
    let mut chaser = Chaser::with_config(
        name,
        &seconds_rules(
            r#"[[cadences.default.steps]]
when = "after_issue 2s"
move = "nudge"
"#,
        ),
        Backend::Sqlite,
        &[
            ("metrics.listen", format!("127.0.0.1:{port}").into()),
            ("temporal.build_id", "metrics-build-7".into()),
        ],
    );
    chaser.start_worker();
    let url = chaser.url("/webhooks/accounting");
    let inv = Invoice::new(name, "INV-M");
    let body = created(&inv, &format!("evt-{}", inv.number));
    // A badly signed delivery is refused and counted; the signed one starts the chase.
    assert_eq!(post_raw(&url, &[], &body).0, 401);
    let (status, answer) = post_webhook(&url, &chaser.secrets.accounting, &body);
    assert_eq!(status, 200, "{answer}");
    inv.wait_mail(&inv.billing, 1);

    let metrics = format!("http://127.0.0.1:{port}/metrics");
    let text = wait_for("the send counted", Duration::from_secs(15), || {
        let text = get(&metrics).body;
        sample(&text, "chaser_sends_total", &[r#"outcome="sent""#]).map(|_| text)
    });
    assert_eq!(
        sample(&text, "chaser_sends_total", &[r#"outcome="sent""#]),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "chaser_imports_total", &[r#"result="started""#]),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "chaser_webhook_rejects_total",
            &[r#"webhook="accounting""#, r#"status="401""#]
        ),
        Some(1.0),
        "{text}"
    );
    // The SDK's own: the workers poll, and the chase's workflow tasks completed.
    assert!(text.contains("temporal_num_pollers"), "{text}");
    assert!(
        text.contains("temporal_workflow_task_execution_latency"),
        "{text}"
    );

    // The workers stamp the workflow tasks they complete with their build id
    // (`temporal.build_id`), so a history says which build ran each step.
    let history = temporal(&[
        "workflow",
        "show",
        "--workflow-id",
        &inv.workflow_id(),
        "-o",
        "json",
    ]);
    assert!(history.contains("metrics-build-7"), "{history}");
}
