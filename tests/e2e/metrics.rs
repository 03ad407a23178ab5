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

#[test]
fn the_daily_review_and_the_cockpit_ask_no_chase_anything() {
    // Arrange: a chase asleep until its one step in ten minutes, whose copy in the store is
    // then wiped, as for a chase that has not written one since the column exists: the
    // review used to ask such a chase with a (billed) workflow query.
    let name = "review-queries";
    let port = free_port();
    let mut chaser = Chaser::with_config(
        name,
        &seconds_rules(
            r#"[[cadences.default.steps]]
when = "after_issue 600s"
move = "nudge"
"#,
        ),
        Backend::Sqlite,
        &[
            ("metrics.listen", format!("127.0.0.1:{port}").into()),
            ("email.default_owner", address(name, "owner").into()),
        ],
    );
    chaser.start_worker();
    let mut inv = Invoice::new(name, "INV-Q");
    let path = chaser.csv("q.csv", &format!("{HEADER}{}", inv.row(false)));
    chaser.ok(&["import", &path]);
    wait_for(
        "the chase's copy in the store",
        Duration::from_secs(20),
        || stored_copy(&chaser, &inv.number).then_some(()),
    );
    wipe_stored_copy(&chaser, &inv.number);

    // Act: the review's schedule, triggered as an operator would.
    let schedule_id = format!("daily-review-e2e-{name}-{}", std::process::id());
    temporal(&["schedule", "trigger", "--schedule-id", &schedule_id]);
    let done = format!(
        "WorkflowType = 'daily_review' AND ExecutionStatus = 'Completed' AND TaskQueue = 'e2e-{name}-{}'",
        std::process::id()
    );
    wait_for("the review to run", Duration::from_secs(30), || {
        let listed = temporal(&["workflow", "list", "--query", &done, "-o", "json"]);
        listed.contains("daily_review").then_some(())
    });

    // The cockpit and the invoice's page, opened as the owner does.
    let bearer = format!("Bearer {}", chaser.secrets.api);
    for page in ["/review".to_owned(), format!("/invoices/{}", inv.number)] {
        let answer = get_with(&chaser.url(&page), &[("Authorization", &bearer)]);
        assert_eq!(answer.status, 200, "{page}: {}", answer.body);
    }

    // Assert: no chase was asked anything (the copy is still gone, so nothing rewrote it).
    assert!(!stored_copy(&chaser, &inv.number));
    let text = get(&format!("http://127.0.0.1:{port}/metrics")).body;
    let asked: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("chaser_chase_queries_total{") && !l.ends_with(" 0"))
        .collect();
    assert!(asked.is_empty(), "{asked:?}");
}

/// Whether the store holds the chase's own copy of `number`'s status.
fn stored_copy(chaser: &Chaser, number: &str) -> bool {
    sql(
        chaser,
        number,
        "select chase is not null as copied from invoices where number_key = $1",
    )
}

fn wipe_stored_copy(chaser: &Chaser, number: &str) {
    sql(
        chaser,
        number,
        "update invoices set chase = null where number_key = $1 returning 1 = 1 as copied",
    );
}

fn sql(chaser: &Chaser, number: &str, query: &str) -> bool {
    use sqlx::Row;
    invoice_row(chaser, number, query, |row| {
        row.try_get::<bool, _>("copied")
            .or_else(|_| row.try_get::<i64, _>("copied").map(|n| n != 0))
            .unwrap()
    })
}
