//! One chase's life: the cadence, payments, pauses, disputes and write-offs.

use std::time::Duration;

use crate::support::*;

fn cadence_runs_in_order(name: &str, backend: Backend) {
    // Arrange
    let chaser = chaser(name, backend);
    let mut inv = Invoice::new(name, "INV-C");

    // Act
    let out = import(&chaser, &[inv.row(false)]);
    assert!(out.contains("1 started"), "{out}");
    let owner_mail = inv.wait_mail(&inv.owner, 1);

    // Assert: nudge then follow-up to the billing contact, the escalation to the owner.
    let customer_mail = stack().mail_to(&inv.billing);
    assert_eq!(customer_mail.len(), 2, "{customer_mail:#?}");
    for mail in &customer_mail {
        assert_eq!(mail.destination.to, [inv.billing.clone()]);
        let text = mail.text();
        assert!(
            text.contains(&inv.number) && text.contains("$1,200.00"),
            "{text}"
        );
        let pay = get(&link(text, "/pay/"));
        assert_eq!(
            (pay.status, pay.location.as_deref()),
            (
                302,
                Some(format!("https://pay.example/{}", inv.number).as_str())
            ),
            "every reminder carries a pay link to the invoice's pay page"
        );
        assert!(
            text.contains("Already paid, or something looks wrong?"),
            "{text}"
        );
    }
    assert_eq!(owner_mail.len(), 1);
    assert!(
        owner_mail[0]
            .subject
            .starts_with(&format!("Escalation: invoice {}", inv.number)),
        "{}",
        owner_mail[0].subject
    );
    assert!(
        owner_mail[0].text().contains("History so far:"),
        "{}",
        owner_mail[0].text()
    );

    let status = chaser.status(&inv.number);
    assert_eq!(status.state, ChaseState::Escalated);
    assert_eq!(sends(&status, done), ["nudge", "follow_up", "escalate"]);
    // The chase is findable by its search attributes.
    let wf = inv.workflow_id();
    let found = workflows_matching(&format!(
        "InvoiceNumber = '{}' AND ChaseState = 'escalated'",
        inv.number
    ));
    assert_eq!(found, std::slice::from_ref(&wf));
    assert!(
        status.sends.iter().all(|e| e.message_id.is_some()),
        "each send stamped its message id on the step it wrote: {:?}",
        status.sends
    );
    lean_history(&chaser.history_json(&wf, true));
    if backend == Backend::Sqlite {
        save_history_if_asked(&chaser, &wf, "nudge_follow_up_escalate");
    }
}

/// What a chase costs in Temporal Cloud actions beyond its timers and sends: the attributes
/// it starts with (free) hold through its first task, a step going out moves no attribute,
/// and each step's audit is written by its send, not by an activity of the chase's own.
fn lean_history(json: &[u8]) {
    let history: serde_json::Value = serde_json::from_slice(json).unwrap();
    let events = history["events"].as_array().unwrap();
    let attributes = |e: &serde_json::Value, kind: &str| e["attributes"].get(kind).cloned();
    let started = attributes(&events[0], "WorkflowExecutionStartedEventAttributes").unwrap();
    let at_start = started["search_attributes"]["indexedFields"]
        .as_object()
        .unwrap();
    for name in [
        "InvoiceNumber",
        "ChaseState",
        "AmountDue",
        "DueDate",
        "NextTouchAt",
    ] {
        assert!(at_start.contains_key(name), "{name} is set at start");
    }
    let upserts: Vec<Vec<String>> = events
        .iter()
        .filter_map(|e| attributes(e, "UpsertWorkflowSearchAttributesEventAttributes"))
        .map(|u| {
            let fields = u["search_attributes"]["indexedFields"].as_object().unwrap();
            fields.keys().cloned().collect()
        })
        .filter(|names: &Vec<String>| names != &["TemporalChangeVersion"])
        .collect();
    assert_eq!(
        upserts.len(),
        1,
        "only the escalation (a change of state) upserts: {upserts:?}"
    );
    // The local activities' summaries say what they wrote ("audit: chase_started").
    let written: Vec<String> = events
        .iter()
        .filter(|e| {
            attributes(e, "MarkerRecordedEventAttributes")
                .is_some_and(|m| m["marker_name"] == "core_local_activity")
        })
        .map(|e| {
            let data = e["user_metadata"]["summary"]["data"].as_str().unwrap_or("");
            let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, data)
                .unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        })
        .collect();
    assert!(
        written[0].contains("chase_started") && !written.iter().any(|w| w.contains("step_")),
        "the chase writes its start itself, each send its step: {written:?}"
    );
}

#[test]
fn a_chase_sends_nudge_follow_up_and_escalation_in_order_sqlite() {
    cadence_runs_in_order("cadence-sqlite", Backend::Sqlite);
}

#[test]
fn a_chase_sends_nudge_follow_up_and_escalation_in_order_postgres() {
    cadence_runs_in_order("cadence-postgres", Backend::Postgres);
}

fn paid_stops_at_once(name: &str, backend: Backend) {
    let chaser = chaser(name, backend);
    let mut inv = Invoice::new(name, "INV-P");
    import(&chaser, &[inv.row(false)]);
    inv.wait_mail(&inv.billing, 1);

    // The follow-up is due at 10 s: pay through the webhook with under a second to go.
    inv.sleep_until(9.2);
    let body = serde_json::json!({
        "id": format!("evt-paid-{}", inv.number),
        "type": "invoice.paid",
        "data": { "number": inv.number, "reference": "bank-123" },
    })
    .to_string();
    let (status, answer) = post_webhook(
        &chaser.url("/webhooks/accounting"),
        &chaser.secrets.accounting,
        &body,
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"], "paid");

    // Well past the follow-up and the escalation: only the nudge and the thank-you.
    let mail = inv.wait_mail(&inv.billing, 2);
    inv.sleep_until(17.0);
    let mail_after = stack().mail_to(&inv.billing);
    assert_eq!(
        mail_after.len(),
        2,
        "nothing after paid but the thank-you: {mail_after:#?}"
    );
    assert!(
        mail[1]
            .subject
            .starts_with(&format!("Thank you: invoice {}", inv.number)),
        "{}",
        mail[1].subject
    );
    assert!(
        stack().mail_to(&inv.owner).is_empty(),
        "no escalation after paid"
    );
    let status = chaser.status(&inv.number);
    assert_eq!(status.state, ChaseState::Paid);
    assert_eq!(status.balance, money("USD 0.00"));
    assert_eq!(sends(&status, done), ["nudge"]);
    if backend == Backend::Sqlite {
        save_history_if_asked(&chaser, &inv.workflow_id(), "paid_after_nudge");
    }
}

#[test]
fn paid_stops_the_chase_at_once_and_thanks_the_customer_sqlite() {
    paid_stops_at_once("paid-sqlite", Backend::Sqlite);
}

#[test]
fn paid_stops_the_chase_at_once_and_thanks_the_customer_postgres() {
    paid_stops_at_once("paid-postgres", Backend::Postgres);
}

#[test]
fn a_pause_delays_the_next_step_and_the_cap_refuses_a_second() {
    let name = "pause";
    let chaser = chaser(name, Backend::Postgres);
    let mut inv = Invoice::new(name, "INV-PA");
    import(&chaser, &[inv.row(false)]);
    inv.wait_mail(&inv.billing, 1);

    // Pause until 13 s after issue: the follow-up (due at 10 s) waits for it.
    let until = {
        let elapsed = inv.issued.elapsed().as_secs_f64();
        in_secs((13.0 - elapsed).ceil() as i64)
    };
    let out = chaser.ok(&[
        "pause",
        &inv.number,
        "--until",
        &until,
        "--reason",
        "customer asked for time",
        "--by",
        "alice",
    ]);
    assert!(out.contains("paused until"), "{out}");
    assert_eq!(chaser.status(&inv.number).state, ChaseState::Paused);
    inv.sleep_until(12.0);
    assert_eq!(
        stack().mail_to(&inv.billing).len(),
        1,
        "nothing is sent while paused"
    );

    // When the pause ends, the missed follow-up goes out (once), then the escalation.
    let mail = inv.wait_mail(&inv.billing, 2);
    assert!(
        inv.issued.elapsed() >= Duration::from_secs(12),
        "the follow-up waited for the pause"
    );
    assert_eq!(mail.len(), 2);
    inv.wait_mail(&inv.owner, 1);

    // The cap allows one pause per chase: the second is refused, and says why.
    let refused = chaser.run(&["pause", &inv.number, "--days", "1"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("pause refused: 1 of 1 pauses already used on this chase"),
        "{}",
        stderr(&refused)
    );
    let status = chaser.status(&inv.number);
    assert_eq!(status.pauses_used, 1);
    assert_ne!(status.state, ChaseState::Paused);
}

#[test]
fn a_dispute_stops_sending_and_resolving_it_resumes_the_chase() {
    let name = "dispute";
    let chaser = chaser(name, Backend::Sqlite);
    let mut inv = Invoice::new(name, "INV-D");
    import(&chaser, &[inv.row(false)]);
    inv.wait_mail(&inv.billing, 1);

    chaser.ok(&[
        "dispute",
        &inv.number,
        "--reason",
        "wrong quantity",
        "--by",
        "bob",
    ]);
    assert_eq!(chaser.status(&inv.number).state, ChaseState::Disputed);
    // Both later steps fall due, and are missed, while the chase is parked.
    inv.sleep_until(18.0);
    assert_eq!(
        stack().mail_to(&inv.billing).len(),
        1,
        "no reminder while disputed"
    );
    assert!(
        stack().mail_to(&inv.owner).is_empty(),
        "no escalation while disputed"
    );

    // Resolved: the chase resumes with the latest missed step only (the escalation).
    chaser.ok(&["resolve", &inv.number, "--outcome", "resume", "--by", "bob"]);
    inv.wait_mail(&inv.owner, 1);
    let status = chaser.status(&inv.number);
    assert_eq!(status.state, ChaseState::Escalated);
    assert_eq!(sends(&status, done), ["nudge", "escalate"]);
    assert_eq!(
        stack().mail_to(&inv.billing).len(),
        1,
        "the skipped follow-up is not sent late"
    );
}

#[test]
fn a_write_off_ends_the_chase() {
    let name = "writeoff";
    let chaser = chaser(name, Backend::Postgres);
    let mut inv = Invoice::new(name, "INV-W");
    import(&chaser, &[inv.row(false)]);
    let out = chaser.ok(&[
        "writeoff",
        &inv.number,
        "--reason",
        "customer insolvent",
        "--by",
        "carol",
    ]);
    assert!(out.contains("written off"), "{out}");
    inv.sleep_until(7.0);
    assert!(stack().mail_to(&inv.billing).is_empty());
    assert_eq!(chaser.status(&inv.number).state, ChaseState::WrittenOff);
    // A closed chase takes no more actions, and says so.
    let again = chaser.run(&["pause", &inv.number, "--days", "1"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("closed (written_off)"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_partial_payment_shows_the_new_balance_in_the_next_reminder() {
    let name = "partial";
    let chaser = chaser(name, Backend::Sqlite);
    let mut inv = Invoice::new(name, "INV-PP");
    import(&chaser, &[inv.row(false)]);
    let first = inv.wait_mail(&inv.billing, 1);
    assert!(first[0].text().contains("$1,200.00"));

    let out = chaser.ok(&["payment", &inv.number, "400.00", "--reference", "part-1"]);
    assert!(
        out.contains("payment recorded: USD 400.00, reference part-1; balance USD 800.00"),
        "{out}"
    );
    let mail = inv.wait_mail(&inv.billing, 2);
    let text = mail[1].text();
    assert!(text.contains("$800.00 (of $1,200.00)"), "{text}");
    assert_eq!(chaser.status(&inv.number).balance, money("USD 800.00"));
}

#[test]
fn unknown_invoices_and_bad_arguments_get_clear_errors() {
    let chaser = Chaser::new("errors", &rules(), Backend::Sqlite);
    let unknown = chaser.run(&["paid", "NOPE-1"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(
        stderr(&unknown).trim(),
        "error: unknown invoice `NOPE-1`: no chase has been started for it"
    );
    let status = chaser.run(&["status", "NOPE-1"]);
    assert_eq!(status.status.code(), Some(1));
    assert!(
        stderr(&status).contains("unknown invoice `NOPE-1`"),
        "{}",
        stderr(&status)
    );
    let bad = chaser.run(&["payment", "NOPE-1", "12.3.4"]);
    assert_eq!(bad.status.code(), Some(1));
    let no_length = chaser.run(&["pause", "NOPE-1"]);
    assert_eq!(
        no_length.status.code(),
        Some(2),
        "clap refuses a pause with neither --days nor --until"
    );
    assert!(!stderr(&no_length).contains("panicked"));
}
