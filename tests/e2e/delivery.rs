//! Who gets mail: suppressed addresses never, the owner when nobody else can be reached,
//! and SMTP as the transport, with a failed step sent again.

use std::time::Duration;

use crate::support::*;

#[test]
fn a_suppressed_address_is_never_mailed_and_the_owner_is_told() {
    // Arrange: the billing contact bounced before; a second invoice has no contact at all.
    let name = "suppressed";
    let mut chaser = Chaser::new(name, &two_steps(), Backend::Sqlite);
    chaser.start_worker();
    let mut bounced = Invoice::new(name, "INV-SUP");
    let mut nobody = Invoice::new(name, "INV-NONE");
    let out = chaser.ok(&["suppress", &bounced.billing, "--reason", "bounce"]);
    assert!(out.contains("suppressed"), "{out}");
    let no_contact = nobody.row(false).replace(&nobody.billing, "");

    // Act
    import(&chaser, &[bounced.row(false), no_contact]);

    // Assert: the owners hear about each step; the suppressed contact hears nothing.
    let told = bounced.wait_mail(&bounced.owner, 2);
    assert!(
        told[0]
            .text()
            .contains("no reminder could be sent (suppressed: every recipient is suppressed"),
        "{}",
        told[0].text()
    );
    let status = chaser.status(&bounced.number);
    assert_eq!(
        sends(&status, skipped),
        ["nudge", "follow_up"],
        "{status:#?}"
    );
    let nobody_told = nobody.wait_mail(&nobody.owner, 1);
    assert!(
        nobody_told[0].text().contains("has no contact"),
        "{}",
        nobody_told[0].text()
    );
    std::thread::sleep(Duration::from_secs(1));
    assert!(stack().mail_to(&bounced.billing).is_empty());
}

#[test]
fn ses_bounces_and_complaints_suppress_their_addresses() {
    let name = "ses-events";
    let mut chaser = Chaser::new(name, &two_steps(), Backend::Sqlite);
    chaser.start_worker();
    let gone = address(name, "gone");
    let event = serde_json::json!({
        "eventType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bouncedRecipients": [{ "emailAddress": gone, "diagnosticCode": "550 5.1.1 unknown" }]
        },
        "mail": { "messageId": "m-1" }
    });
    // As SNS delivers it: the SES event is a JSON string inside the notification.
    let notification = serde_json::json!({
        "Type": "Notification",
        "MessageId": "sns-1",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-events",
        "Message": event.to_string(),
    })
    .to_string();

    let refused = post_raw(&chaser.url("/webhooks/ses?token=wrong"), &[], &notification);
    assert_eq!(refused.0, 401);
    let (status, body) = post_raw(
        &chaser.url(&format!(
            "/webhooks/ses?token={}",
            chaser.secrets.ses_events
        )),
        &[],
        &notification,
    );
    assert_eq!(
        (status, &body["suppressed"]),
        (200, &serde_json::json!(1)),
        "{body}"
    );
    let (status, body) = post_raw(
        &chaser.url(&format!(
            "/webhooks/ses?token={}",
            chaser.secrets.ses_events
        )),
        &[],
        "{\"Type\": \"Notification\", \"Message\": \"{}\"}",
    );
    assert_eq!(
        (status, &body["field"]),
        (400, &serde_json::json!("eventType")),
        "{body}"
    );

    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&chaser.ok(&["suppressions", "--json"])).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            &listed[0]["address"],
            &listed[0]["reason"],
            &listed[0]["source"]
        ),
        (
            &serde_json::json!(gone),
            &serde_json::json!("bounce"),
            &serde_json::json!("ses-event")
        )
    );
    let out = chaser.ok(&["unsuppress", &gone]);
    assert!(out.contains("no longer suppressed"), "{out}");
}

#[test]
fn smtp_delivers_and_a_failed_step_can_be_sent_again() {
    // Arrange: mail goes through a local SMTP server that, at first, refuses the contact.
    let name = "smtp";
    let sink = SmtpSink::start(name);
    let rules = seconds_rules(
        r#"[[cadences.default.steps]]
when = "after_issue 3s"
move = "nudge"
"#,
    );
    let mut chaser = Chaser::with_config(name, &rules, Backend::Sqlite, &sink.settings());
    chaser.start_worker();
    let mut inv = Invoice::new(name, "INV-SMTP");
    sink.reject(&[&inv.billing]);

    // Act: the nudge is refused for good.
    import(&chaser, &[inv.row(false)]);
    let status = wait_for("the nudge to fail", Duration::from_secs(45), || {
        let status = chaser.status(&inv.number);
        (sends(&status, failed) == ["nudge"]).then_some(status)
    });

    // Assert: the failure and its reason show.
    assert!(
        matches!(&status.sends[0].state, StepState::Failed { error } if error.contains("550")),
        "{status:#?}"
    );
    let text = chaser.ok(&["status", &inv.number]);
    assert!(text.contains("failed: "), "{text}");

    // The address is fixed; the owner sends the step again.
    sink.reject(&[]);
    let out = chaser.ok(&["resend", &inv.number, "nudge"]);
    assert!(out.contains("will be sent again"), "{out}");
    let mail = wait_for("the resent nudge", Duration::from_secs(30), || {
        let mail = sink.mail_to(&inv.billing);
        (!mail.is_empty()).then_some(mail)
    });
    assert_eq!(mail.len(), 1);
    assert!(mail[0].subject.contains(&inv.number), "{:?}", mail[0]);
    assert_eq!(mail[0].reply_to, "billing@acme.example");
    let body = mail[0].text.as_deref().unwrap_or("");
    assert!(
        body.contains("$1,200.00") && body.contains("/pay/"),
        "{body}"
    );
    assert!(
        mail[0]
            .html
            .as_deref()
            .is_some_and(|h| h.contains("<table")),
        "{mail:?}"
    );
    wait_for("the nudge done", Duration::from_secs(10), || {
        (sends(&chaser.status(&inv.number), done) == ["nudge"]).then_some(())
    });
    // Only a failed step can be sent again.
    let refused = chaser.run(&["resend", &inv.number, "nudge"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("is done, not failed"),
        "{}",
        stderr(&refused)
    );
    assert!(stack().mail_to(&inv.billing).is_empty(), "SES was not used");
    save_history_if_asked(&chaser, &inv.workflow_id(), "failed_then_resent");
}
