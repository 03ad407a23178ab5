//! Human-in-control modes through the worker: dry run, and approval by one tap.

use std::time::Duration;

use crate::support::*;

/// One nudge, 3 s after issue.
fn nudge_only() -> String {
    seconds_rules(
        r#"[[cadences.default.steps]]
when = "after_issue 3s"
move = "nudge"
"#,
    )
}

fn outbox(chaser: &Chaser, invoice: &str) -> Vec<serde_json::Value> {
    serde_json::from_str(&chaser.ok(&["outbox", invoice, "--json"])).unwrap()
}

fn outbox_status(chaser: &Chaser, invoice: &str, key: &str) -> Option<String> {
    outbox(chaser, invoice)
        .iter()
        .find(|r| r["step_id"] == key)
        .and_then(|r| r["status"].as_str().map(str::to_owned))
}

#[test]
fn dry_run_renders_and_records_every_message_and_sends_none() {
    // Arrange
    let name = "dry-run";
    let mut chaser = Chaser::with_config(
        name,
        &rules(),
        Backend::Sqlite,
        &[("mode", "dry_run".into())],
    );
    chaser.start_worker();
    let mut inv = Invoice::new(name, "INV-DRY");

    // Act: the whole cadence runs.
    import(&chaser, &[inv.row(false)]);
    let status = wait_for("the whole cadence", Duration::from_secs(45), || {
        let status = chaser.status(&inv.number);
        (sends(&status, done).len() == 3).then_some(status)
    });

    // Assert: nothing reached the emulator; the outbox holds every message.
    assert!(stack().mail_to(&inv.billing).is_empty());
    assert!(stack().mail_to(&inv.owner).is_empty());
    assert_eq!(
        status.sends[0].note.as_deref(),
        Some("dry run: rendered, not sent"),
        "{status:#?}"
    );
    let rows = outbox(&chaser, &inv.number);
    let keys: Vec<&str> = rows.iter().filter_map(|r| r["step_id"].as_str()).collect();
    assert_eq!(keys, ["nudge", "follow_up", "escalate/owner"], "{rows:#?}");
    assert!(rows.iter().all(|r| r["status"] == "dry_run"), "{rows:#?}");
    let shown = chaser.ok(&["outbox", &inv.number, "--show", "nudge"]);
    assert!(
        shown.contains(&format!("To: {}", inv.billing))
            && shown.contains("$1,200.00")
            && shown.contains("/pay/"),
        "{shown}"
    );
}

#[test]
fn approve_mode_sends_only_after_the_post_and_never_after_expiry() {
    // Arrange: messages wait 15 s for approval.
    let name = "approve";
    let mut chaser = Chaser::with_config(
        name,
        &nudge_only(),
        Backend::Sqlite,
        &[
            ("mode", "approve".into()),
            ("links.approval_ttl", "15s".into()),
        ],
    );
    chaser.start_worker();
    let mut approved = Invoice::new(name, "INV-OK");
    let mut ignored = Invoice::new(name, "INV-LATE");

    // Act: both nudges come due and wait; the owner is asked by e-mail.
    import(&chaser, &[approved.row(false), ignored.row(false)]);
    let ask = approved.wait_mail(&approved.owner, 1);
    ignored.wait_mail(&ignored.owner, 1);
    let link = link(ask[0].text(), "/approvals/");

    // Assert: a GET shows the message and changes nothing.
    let page = get(&link);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&approved.billing) && page.body.contains(&approved.number),
        "{}",
        page.body
    );
    let listed = chaser.ok(&["approvals"]);
    assert!(
        listed.contains(&approved.number.to_uppercase())
            && listed.contains(&ignored.number.to_uppercase()),
        "{listed}"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(stack().mail_to(&approved.billing).is_empty());

    // The POST approves: the customer gets exactly the message shown, once.
    let done = post_form(&link, &[("decision", "approve")]);
    assert_eq!(done.status, 200, "{}", done.body);
    let sent = approved.wait_mail(&approved.billing, 1);
    assert!(sent[0].text().contains("$1,200.00"), "{}", sent[0].text());
    let again = post_form(&link, &[("decision", "approve")]);
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(
        outbox_status(&chaser, &approved.number, "nudge").as_deref(),
        Some("sent")
    );

    // The other one expires: dropped, and its link no longer works.
    wait_for("the approval to expire", Duration::from_secs(40), || {
        (outbox_status(&chaser, &ignored.number, "nudge").as_deref() == Some("expired"))
            .then_some(())
    });
    let late_ask = stack().mail_to(&ignored.owner);
    let late = post_form(
        &link_in_mail(&late_ask[0], "/approvals/"),
        &[("decision", "approve")],
    );
    // Gone (the link expired with it) or refused (within the second of expiry): never sent.
    assert!(
        matches!(late.status, 409 | 410) && late.body.contains("expired"),
        "{}: {}",
        late.status,
        late.body
    );
    std::thread::sleep(Duration::from_secs(3));
    assert!(stack().mail_to(&ignored.billing).is_empty());
    assert_eq!(stack().mail_to(&approved.billing).len(), 1);
    save_history_if_asked(&chaser, &approved.workflow_id(), "approved_after_waiting");
    save_history_if_asked(&chaser, &ignored.workflow_id(), "approval_expired");
}

fn link_in_mail(mail: &Mail, path: &str) -> String {
    link(mail.text(), path)
}
