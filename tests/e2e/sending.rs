//! The global stop, through every door (the owner's one-tap link, the owner API, the CLI),
//! and the deliverability guard that pulls it by itself.

use std::time::Duration;

use crate::support::*;

fn digest(chaser: &Chaser) -> serde_json::Value {
    serde_json::from_str(&chaser.ok(&["digest", "--json"])).unwrap()
}

fn sending(chaser: &Chaser) -> serde_json::Value {
    serde_json::from_str(&chaser.ok(&["sending", "status", "--json"])).unwrap()
}

fn owner_api(chaser: &Chaser, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
    let auth = format!("Bearer {}", chaser.secrets.api);
    if method == "GET" {
        let page = get_with(&chaser.url(path), &[("Authorization", &auth)]);
        return (page.status, serde_json::from_str(&page.body).unwrap());
    }
    post_raw(&chaser.url(path), &[("Authorization", &auth)], body)
}

#[test]
fn held_sending_holds_every_customer_message_until_resumed_through_every_door() {
    let name = "sending-hold";
    let mut chaser = Chaser::new(name, &two_steps(), Backend::Sqlite);
    chaser.start_worker();

    // The owner holds sending from the review's one-tap link: GET asks, POST acts.
    let pause = digest(&chaser)["pause_sending"]
        .as_str()
        .expect("the review offers the global stop")
        .to_owned();
    let asked = get(&pause);
    assert!(asked.body.contains("Hold all sending"), "{}", asked.body);
    assert!(sending(&chaser)["held"].is_null(), "a GET never acts");
    let page = post_form(&pause, &[]);
    assert!(page.body.contains("Sending is held"), "{}", page.body);

    // Both steps fall due while held: nothing reaches the customer, nothing is dropped.
    let mut inv = Invoice::new(name, "INV-HOLD");
    import(&chaser, &[inv.row(false)]);
    inv.sleep_until(9.0);
    assert!(stack().mail_to(&inv.billing).is_empty());
    let outbox = chaser.ok(&["outbox", &inv.number, "--json"]);
    assert!(outbox.contains("sending_held"), "{outbox}");
    assert_eq!(
        sends(&chaser.status(&inv.number), done),
        Vec::<String>::new()
    );
    let (_, health) = chaser.health();
    assert_eq!(health["sending"]["held"], true, "{health}");
    assert!(
        health["sending"]["by"]
            .as_str()
            .unwrap()
            .starts_with("owner-link:"),
        "{health}"
    );
    let review = digest(&chaser);
    assert_eq!(
        review["sending_held"][0]["actions"][0]["label"], "Resume sending",
        "{review:#}"
    );
    assert!(review["pause_sending"].is_null(), "{review:#}");

    // The owner API resumes. Both steps are late by then: as after a pause, the catch-up
    // policy sends the latest once and records the earlier one as caught up.
    let (status, answer) = owner_api(&chaser, "POST", "/api/sending/resume", "");
    assert_eq!(
        (status, &answer["held"], &answer["changed"]),
        (200, &serde_json::json!(false), &serde_json::json!(true)),
        "{answer}"
    );
    let mail = wait_for("the held follow-up", Duration::from_secs(60), || {
        let mail = stack().mail_to(&inv.billing);
        (!mail.is_empty()).then_some(mail)
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(stack().mail_to(&inv.billing).len(), 1, "{mail:?}");
    let status = chaser.status(&inv.number);
    assert_eq!(sends(&status, done), ["follow_up"], "{status:#?}");
    assert_eq!(sends(&status, skipped), ["nudge"], "{status:#?}");

    // The CLI holds it (the API sees it, a second hold keeps the first reason); the review's
    // "Resume sending" link releases it.
    let out = chaser.ok(&["sending", "pause", "--reason", "wrong file imported"]);
    assert!(out.contains("sending held"), "{out}");
    let (status, answer) = owner_api(
        &chaser,
        "POST",
        "/api/sending/pause",
        r#"{"reason": "bad template"}"#,
    );
    assert_eq!(
        (status, &answer["reason"], &answer["changed"]),
        (
            200,
            &serde_json::json!("wrong file imported"),
            &serde_json::json!(false)
        ),
        "{answer}"
    );
    let resume = review_action(&chaser, "All sending", "Resume sending").unwrap();
    let page = post_form(&resume, &[]);
    assert!(page.body.contains("Sending resumed"), "{}", page.body);
    let (_, answer) = owner_api(&chaser, "GET", "/api/sending", "");
    assert_eq!(answer["held"], false, "{answer}");

    // Every switch is audited, with who pulled it.
    let switches: Vec<(String, String)> = sending(&chaser)["switches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_owned(),
                r["actor"]
                    .as_str()
                    .unwrap()
                    .split(':')
                    .next()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = switches
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("sending_held", "owner-link"),
            ("sending_released", "api"),
            ("sending_held", "cli"),
            ("sending_released", "owner-link"),
        ]
    );
}

fn bounce(address: &str, message_id: &str) -> String {
    let event = serde_json::json!({
        "eventType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bouncedRecipients": [{ "emailAddress": address, "diagnosticCode": "550 5.1.1 unknown" }]
        },
        "mail": { "messageId": message_id }
    });
    serde_json::json!({ "Type": "Notification", "Message": event.to_string() }).to_string()
}

#[test]
fn bounces_over_the_limit_hold_sending_and_the_owner_is_told_why() {
    let name = "deliverability";
    let mut chaser = Chaser::with_config(
        name,
        &seconds_rules(
            r#"[[cadences.default.steps]]
when = "after_issue 2s"
move = "nudge"

[[cadences.default.steps]]
when = "after_issue 20s"
move = "follow_up"
"#,
        ),
        Backend::Sqlite,
        &[
            ("deliverability.window", 10.into()),
            ("deliverability.min_sends", 3.into()),
            ("deliverability.bounce_percent", 50.0.into()),
        ],
    );
    chaser.start_worker();
    let mut invoices: Vec<Invoice> = ["INV-D1", "INV-D2", "INV-D3", "INV-D4"]
        .iter()
        .map(|n| Invoice::new(name, n))
        .collect();
    let rows: Vec<String> = invoices.iter_mut().map(|i| i.row(false)).collect();
    import(&chaser, &rows);
    for inv in &invoices {
        inv.wait_mail(&inv.billing, 1);
    }

    let url = chaser.url(&format!(
        "/webhooks/ses?token={}",
        chaser.secrets.ses_events
    ));
    // One bounce in four is under the limit; the same event delivered twice counts once.
    for _ in 0..2 {
        let (status, body) = post_raw(&url, &[], &bounce(&invoices[0].billing, "m-1"));
        assert_eq!(
            (status, &body["sending_held"]),
            (200, &serde_json::json!(false)),
            "{body}"
        );
    }
    // Two in four is 50 %: sending holds itself, and each owner is told why.
    let (status, body) = post_raw(&url, &[], &bounce(&invoices[1].billing, "m-2"));
    assert_eq!(
        (status, &body["sending_held"]),
        (200, &serde_json::json!(true)),
        "{body}"
    );
    let (_, health) = chaser.health();
    assert_eq!(health["sending"]["by"], "deliverability guard", "{health}");
    assert!(
        health["sending"]["reason"]
            .as_str()
            .unwrap()
            .contains("2 hard bounces in the last 4 recipients"),
        "{health}"
    );
    let told = invoices[2].wait_mail(&invoices[2].owner, 1);
    let notice = told
        .iter()
        .find(|m| m.subject.contains("Sending is held"))
        .expect("the owner is told");
    assert!(notice.text().contains("/sending/"), "{}", notice.text());

    // The follow-ups fall due while held: none goes out.
    invoices[3].sleep_until(24.0);
    for inv in &invoices {
        assert_eq!(stack().mail_to(&inv.billing).len(), 1, "{}", inv.number);
    }
}

#[test]
fn a_batch_signal_reaches_every_matching_chase() {
    // The runbook's batch: one `temporal workflow signal --query` for many chases.
    let name = "batch-signal";
    let mut chaser = Chaser::new(name, &slow_rules(), Backend::Sqlite);
    chaser.start_worker();
    let mut invoices = [Invoice::new(name, "INV-B1"), Invoice::new(name, "INV-B2")];
    let rows: Vec<String> = invoices.iter_mut().map(|i| i.row(false)).collect();
    import(&chaser, &rows);
    let numbers: Vec<String> = invoices
        .iter()
        .map(|i| format!("\"{}\"", i.number))
        .collect();
    let query = format!(
        "WorkflowType = \"invoice_chase\" AND ExecutionStatus = \"Running\" AND InvoiceNumber IN ({})",
        numbers.join(", ")
    );
    wait_for("both chases visible", Duration::from_secs(20), || {
        (workflows_matching(&query).len() == 2).then_some(())
    });
    temporal(&[
        "workflow",
        "signal",
        "--query",
        &query,
        "--name",
        "command",
        "--input",
        r#"{"command":"pause","days":1,"reason":"asked for time","by":"ops:batch"}"#,
        "--reason",
        "asked for time",
        "--yes",
    ]);
    for inv in &invoices {
        wait_for(
            &format!("{} paused by the batch", inv.number),
            Duration::from_secs(30),
            || (chaser.status(&inv.number).state == ChaseState::Paused).then_some(()),
        );
        let trail = crate::doors::trail(&chaser, &inv.number);
        assert!(
            trail
                .iter()
                .any(|(a, by)| a == "pause" && by == "ops:batch"),
            "{trail:?}"
        );
    }
}
