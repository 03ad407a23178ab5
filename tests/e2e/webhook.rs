//! The first accounting webhook: signed, idempotent, and precise about bad input.

use crate::support::*;

pub(crate) fn created(inv: &Invoice, id: &str) -> String {
    serde_json::json!({
        "id": id,
        "type": "invoice.created",
        "data": {
            "number": inv.number,
            "customer": { "id": "acme", "name": "Acme Ltd" },
            "contacts": [{ "name": "AP", "email": inv.billing, "roles": ["billing"] }],
            "amount": "1200.00",
            "currency": "USD",
            "issue_date": today(),
            "terms": "net-30",
            "owner_email": inv.owner,
            "issued_at": in_secs(0),
        }
    })
    .to_string()
}

#[test]
fn the_accounting_webhook_starts_a_chase_once_and_refuses_bad_requests() {
    let name = "webhook";
    let chaser = chaser(name, Backend::Sqlite);
    let url = chaser.url("/webhooks/accounting");
    let inv = Invoice::new(name, "INV-WH");
    let body = created(&inv, &format!("evt-created-{}", inv.number));

    // Unsigned, badly signed, or stale: 401 and nothing happens.
    assert_eq!(post_raw(&url, &[], &body).0, 401);
    let now = jiff::Timestamp::now().as_second().to_string();
    assert_eq!(
        post_raw(
            &url,
            &[
                ("X-Chaser-Timestamp", &now),
                ("X-Chaser-Signature", "v1=00ff")
            ],
            &body
        )
        .0,
        401
    );
    let old = (jiff::Timestamp::now().as_second() - 600).to_string();
    let stale =
        chaser_intake::signature::sign(chaser.secrets.accounting.as_bytes(), &old, body.as_bytes());
    let (status, answer) = post_raw(
        &url,
        &[("X-Chaser-Timestamp", &old), ("X-Chaser-Signature", &stale)],
        &body,
    );
    assert_eq!(status, 401);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("seconds away from now"),
        "{answer}"
    );
    assert_eq!(
        chaser.run(&["status", &inv.number]).status.code(),
        Some(1),
        "no chase yet"
    );

    // Signed: started; the same event again: 200 with no second effect.
    let (status, answer) = post_webhook(&url, &chaser.secrets.accounting, &body);
    assert_eq!(
        (status, answer["result"].as_str()),
        (200, Some("started")),
        "{answer}"
    );
    let (status, answer) = post_webhook(&url, &chaser.secrets.accounting, &body);
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("duplicate")),
        "{answer}"
    );
    assert_eq!(chaser.status(&inv.number).state, ChaseState::Scheduled);

    // Invalid payloads: 400 naming the field.
    let bad = body
        .replace("\"1200.00\"", "\"12.345\"")
        .replace("evt-created", "evt-bad");
    let (status, answer) = post_webhook(&url, &chaser.secrets.accounting, &bad);
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["field"], "data.amount");
    assert_eq!(
        answer["error"],
        "12.345 has more decimals than USD allows (2)"
    );
    let missing =
        serde_json::json!({ "id": "evt-x", "type": "invoice.paid", "data": {} }).to_string();
    let (status, answer) = post_webhook(&url, &chaser.secrets.accounting, &missing);
    assert_eq!(
        (status, answer["field"].as_str()),
        (400, Some("data")),
        "{answer}"
    );
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("missing field `number`"),
        "{answer}"
    );
    let unknown =
        serde_json::json!({ "id": "evt-y", "type": "invoice.exploded", "data": {} }).to_string();
    let (status, answer) = post_webhook(&url, &chaser.secrets.accounting, &unknown);
    assert_eq!(
        (status, answer["field"].as_str()),
        (400, Some("type")),
        "{answer}"
    );
}

fn event(id: &str, kind: &str, data: serde_json::Value) -> String {
    serde_json::json!({ "id": id, "type": kind, "data": data }).to_string()
}

#[test]
fn updates_payments_and_voids_arrive_by_webhook_once_each() {
    let name = "webhook-events";
    let chaser = chaser(name, Backend::Sqlite);
    let url = chaser.url("/webhooks/accounting");
    let inv = Invoice::new(name, "INV-WE");
    let id = |what: &str| format!("evt-{what}-{}", inv.number);
    let (status, answer) = post_webhook(
        &url,
        &chaser.secrets.accounting,
        &created(&inv, &id("created")),
    );
    assert_eq!(
        (status, answer["result"].as_str()),
        (200, Some("started")),
        "{answer}"
    );

    // invoice.updated: same schema as invoice.created; a changed amount is applied.
    let updated = created(&inv, &id("updated"))
        .replace("invoice.created", "invoice.updated")
        .replace("\"1200.00\"", "\"1500.00\", \"balance\": \"1500.00\"");
    let (status, answer) = post_webhook(&url, &chaser.secrets.accounting, &updated);
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer["result"].as_str().unwrap().starts_with("updated"),
        "{answer}"
    );
    wait_for("the new amount", std::time::Duration::from_secs(15), || {
        (chaser.status(&inv.number).balance == money("USD 1500.00")).then_some(())
    });

    // payment.received: a partial payment lowers the balance, once, however often it is sent.
    let payment = event(
        &id("payment"),
        "payment.received",
        serde_json::json!({ "number": inv.number, "amount": "500.00", "currency": "USD", "reference": "bank-77" }),
    );
    let (status, answer) = post_webhook(&url, &chaser.secrets.accounting, &payment);
    assert_eq!(
        (status, answer["result"].as_str()),
        (200, Some("payment recorded")),
        "{answer}"
    );
    let (status, answer) = post_webhook(&url, &chaser.secrets.accounting, &payment);
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("duplicate")),
        "{answer}"
    );
    wait_for(
        "the lower balance",
        std::time::Duration::from_secs(15),
        || (chaser.status(&inv.number).balance == money("USD 1000.00")).then_some(()),
    );
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(
        chaser.status(&inv.number).balance,
        money("USD 1000.00"),
        "applied once"
    );

    // A bad payment names its field, and its id stays free for the corrected event.
    let bad = event(
        &id("bad-payment"),
        "payment.received",
        serde_json::json!({ "number": inv.number, "amount": "-5", "currency": "USD" }),
    );
    let (status, answer) = post_webhook(&url, &chaser.secrets.accounting, &bad);
    assert_eq!(
        (status, answer["field"].as_str()),
        (400, Some("data.amount")),
        "{answer}"
    );

    // invoice.voided ends the chase as void; an invoice never seen is a 404.
    let voided = event(
        &id("voided"),
        "invoice.voided",
        serde_json::json!({ "number": inv.number, "reason": "raised in error" }),
    );
    let (status, answer) = post_webhook(&url, &chaser.secrets.accounting, &voided);
    assert_eq!(
        (status, answer["result"].as_str()),
        (200, Some("void")),
        "{answer}"
    );
    wait_for(
        "the chase to end void",
        std::time::Duration::from_secs(15),
        || (chaser.status(&inv.number).state == ChaseState::Void).then_some(()),
    );
    let stranger = event(
        &id("voided-stranger"),
        "invoice.voided",
        serde_json::json!({ "number": "NEVER-SEEN-1" }),
    );
    let (status, answer) = post_webhook(&url, &chaser.secrets.accounting, &stranger);
    assert_eq!(status, 404, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("NEVER-SEEN-1"),
        "{answer}"
    );
}
