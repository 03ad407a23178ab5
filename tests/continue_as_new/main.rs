//! A chase that outgrows its history continues as new, and loses nothing on the way. This
//! binary's dev server suggests continue-as-new after 30 history events, so a six-step chase
//! crosses several runs.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chaser_domain::ChaseState;
use chaser_domain::schedule::StepState;
use chaser_tests::*;

const STEPS: &str = r#"
[[cadences.default.steps]]
when = "after_issue 4s"
move = "nudge"

[[cadences.default.steps]]
when = "repeat every 3s, at most 4 times"
move = "follow_up"
"#;

#[test]
fn a_long_chase_continues_as_new_without_losing_or_repeating_anything() {
    configure_server(&[
        "--dynamic-config-value",
        "limit.historyCount.suggestContinueAsNew=30",
    ]);
    let mut chaser = Chaser::new("can", &seconds_rules(STEPS), Backend::Sqlite);
    chaser.start_worker();
    let number = format!("INV-CAN-{}", std::process::id());
    let billing = address("can", "ap");
    let header = "number,customer,contact_email,amount,currency,issue_date,due_date,pay_url,owner_email,paid,issued_at\n";
    let row = format!(
        "{number},Acme Ltd,{billing},500.00,EUR,{today},{today},https://pay.example/x,{owner},no,{now}\n",
        today = today(),
        owner = address("can", "owner"),
        now = in_secs(0)
    );
    let path = chaser.csv("invoices.csv", &format!("{header}{row}"));
    chaser.ok(&["import", &path]);

    // The nudge, then four repeats, one message each.
    let mail = wait_for("five messages", Duration::from_secs(60), || {
        let mail = stack().mail_to(&billing);
        (mail.len() >= 5).then_some(mail)
    });
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(stack().mail_to(&billing).len(), 5, "{mail:#?}");

    let workflow_id = workflow_id(&number);
    let earlier_runs = workflows_matching(&format!(
        "WorkflowId = '{workflow_id}' AND ExecutionStatus = 'ContinuedAsNew'"
    ));
    assert!(
        !earlier_runs.is_empty(),
        "the chase should have continued as new at least once"
    );
    // The current run still knows every step that went out in earlier runs.
    let status = chaser.status(&number);
    let done: Vec<&str> = status
        .sends
        .iter()
        .filter(|s| s.state == StepState::Done)
        .map(|s| s.step_id.as_str())
        .collect();
    assert_eq!(
        done,
        [
            "nudge",
            "follow_up#1",
            "follow_up#2",
            "follow_up#3",
            "follow_up#4"
        ]
    );
    assert_eq!(status.state, ChaseState::Scheduled);
    let found = workflows_matching(&format!(
        "InvoiceNumber = '{number}' AND ChaseState = 'scheduled' AND ExecutionStatus = 'Running'"
    ));
    assert_eq!(
        found,
        [workflow_id],
        "search attributes are set again on the new run"
    );
}
