//! `POST /webhooks/stripe`: Stripe's v1 signature, and events that start and stop a chase,
//! including the 2017-format events older accounts (and localstripe) send.

use std::time::Duration;

use crate::support::*;

fn stripe_event(file: &str, number: &str, email: &str, id: &str) -> String {
    let text = std::fs::read_to_string(repo_root().join("intake/tests/fixtures/stripe").join(file))
        .unwrap();
    let mut event: serde_json::Value = serde_json::from_str(&text).unwrap();
    event["id"] = id.into();
    event["data"]["object"]["number"] = number.into();
    event["data"]["object"]["customer_email"] = email.into();
    event.to_string()
}

/// The `Stripe-Signature` header as Stripe builds it: `t=<unix>,v1=<hex HMAC of "t.body">`.
fn sign(secret: &str, body: &str, at: i64) -> String {
    let v1 = chaser_intake::signature::sign(secret.as_bytes(), &at.to_string(), body.as_bytes());
    format!("t={at},{v1}")
}

#[test]
fn a_signed_stripe_invoice_starts_a_chase_and_its_payment_stops_it() {
    let name = "stripe";
    let mut chaser = Chaser::with_config(
        name,
        &rules(),
        Backend::Sqlite,
        &[("email.default_owner", address(name, "owner").into())],
    );
    chaser.start_worker();
    let url = chaser.url("/webhooks/stripe");
    let number = format!("ST-{}", std::process::id());
    let billing = address(name, "ap");
    let finalized = stripe_event(
        "finalized.json",
        &number,
        &billing,
        &format!("evt_fin_{number}"),
    );
    let now = jiff::Timestamp::now().as_second();

    // Missing, forged and stale signatures: 401, nothing started.
    assert_eq!(post_raw(&url, &[], &finalized).0, 401);
    let forged = sign(
        &chaser.secrets.stripe,
        &finalized.replace("120050", "1"),
        now,
    );
    assert_eq!(
        post_raw(&url, &[("Stripe-Signature", &forged)], &finalized).0,
        401
    );
    let stale = sign(&chaser.secrets.stripe, &finalized, now - 3600);
    assert_eq!(
        post_raw(&url, &[("Stripe-Signature", &stale)], &finalized).0,
        401
    );
    assert_eq!(chaser.run(&["status", &number]).status.code(), Some(1));

    let (status, answer) = post_raw(
        &url,
        &[(
            "Stripe-Signature",
            &sign(&chaser.secrets.stripe, &finalized, now),
        )],
        &finalized,
    );
    assert_eq!(
        (status, answer["result"].as_str()),
        (200, Some("started")),
        "{answer}"
    );
    assert_eq!(chaser.status(&number).balance, money("GBP 1200.50"));
    let (_, replay) = post_raw(
        &url,
        &[(
            "Stripe-Signature",
            &sign(&chaser.secrets.stripe, &finalized, now),
        )],
        &finalized,
    );
    assert_eq!(replay["status"], "duplicate", "{replay}");

    // A 2017-format payment_succeeded (as localstripe sends) for the same invoice ends it.
    let paid = stripe_event(
        "payment_succeeded_2017.json",
        &number,
        &billing,
        &format!("evt_paid_{number}"),
    );
    let (status, answer) = post_raw(
        &url,
        &[(
            "Stripe-Signature",
            &sign(&chaser.secrets.stripe, &paid, now),
        )],
        &paid,
    );
    assert_eq!(
        (status, answer["result"].as_str()),
        (200, Some("paid")),
        "{answer}"
    );
    wait_for("the chase to end paid", Duration::from_secs(20), || {
        (chaser.status(&number).state == ChaseState::Paid).then_some(())
    });

    // Events the chaser does not act on are acknowledged.
    let other = stripe_event("unknown_type.json", &number, &billing, "evt_other");
    let (status, answer) = post_raw(
        &url,
        &[(
            "Stripe-Signature",
            &sign(&chaser.secrets.stripe, &other, now),
        )],
        &other,
    );
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("ignored")),
        "{answer}"
    );
}
