//! What every backend must do.

use chaser_activities::store::{AuditRecord, Claim, OutboxStatus, Store, timestamp_text};
use chaser_domain::{
    ChaseState, Contact, Customer, Email, Invoice, InvoiceNumber, Money, Role, Terms,
};
use jiff::Timestamp;
use jiff::civil::date;
use serde_json::json;

use crate::backends::both_backends;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn invoice(number: &str) -> Invoice {
    let amount = Money::parse("1200.00", "USD".parse().unwrap()).unwrap();
    Invoice {
        contacts: vec![Contact {
            name: "AP".into(),
            email: Email::parse("ap@acme.example").unwrap(),
            roles: vec![Role::Billing],
        }],
        pay_url: Some("https://pay.example/inv-1".parse().unwrap()),
        ..Invoice::new(
            InvoiceNumber::parse(number).unwrap(),
            Customer {
                id: "acme".into(),
                name: "Acme Ltd".into(),
            },
            amount,
            date(2026, 11, 1),
            date(2026, 12, 1),
            Terms::Net(30),
            Email::parse("owner@chaser.example").unwrap(),
        )
    }
}

both_backends!(invoices_round_trip_and_closed_states_stick);
async fn invoices_round_trip_and_closed_states_stick(store: &Store) {
    let inv = invoice("inv 1");
    assert!(store.invoice("INV-1").await.unwrap().is_none());
    store
        .upsert_invoice(
            &inv,
            "invoice-INV-1",
            ChaseState::Scheduled,
            ts("2026-11-21T10:00:00Z"),
        )
        .await
        .unwrap();
    let stored = store.invoice("INV-1").await.unwrap().unwrap();
    assert_eq!(stored.invoice, inv);
    assert_eq!(stored.workflow_id, "invoice-INV-1");
    assert_eq!(stored.state, ChaseState::Scheduled);

    assert!(
        store
            .set_state("INV-1", ChaseState::Paid, ts("2026-11-21T10:01:00Z"))
            .await
            .unwrap()
    );
    // A late "scheduled" cannot reopen a paid invoice; another closing state can replace it.
    assert!(
        !store
            .set_state("INV-1", ChaseState::Scheduled, ts("2026-11-21T10:02:00Z"))
            .await
            .unwrap()
    );
    assert_eq!(
        store.invoice("INV-1").await.unwrap().unwrap().state,
        ChaseState::Paid
    );
    assert!(
        store
            .set_state("INV-1", ChaseState::WrittenOff, ts("2026-11-21T10:03:00Z"))
            .await
            .unwrap()
    );

    let half = Money::parse("600", "USD".parse().unwrap()).unwrap();
    store
        .set_balance("INV-1", &half, ts("2026-11-21T10:04:00Z"))
        .await
        .unwrap();
    assert_eq!(
        store
            .invoice("INV-1")
            .await
            .unwrap()
            .unwrap()
            .invoice
            .balance,
        half
    );
}

both_backends!(an_outbox_key_is_claimed_once_ever);
async fn an_outbox_key_is_claimed_once_ever(store: &Store) {
    let to = json!({"to": ["ap@acme.example"], "cc": []});
    let now = ts("2026-11-21T10:00:00Z");
    assert_eq!(
        store
            .claim_outbox("invoice-INV-1", "nudge", &to, "Reminder", now)
            .await
            .unwrap(),
        Claim::Fresh
    );
    // A retry before the outcome was recorded finds the claim unfinished.
    assert_eq!(
        store
            .claim_outbox("invoice-INV-1", "nudge", &to, "Reminder", now)
            .await
            .unwrap(),
        Claim::Unfinished
    );
    store
        .finish_outbox(
            "invoice-INV-1",
            "nudge",
            OutboxStatus::Sent,
            Some("ses-1"),
            None,
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_outbox("invoice-INV-1", "nudge", &to, "Reminder", now)
            .await
            .unwrap(),
        Claim::Finished {
            status: OutboxStatus::Sent,
            message_id: Some("ses-1".into()),
            error: None
        }
    );
    // Another step, or the same step of another chase, is a different key.
    assert_eq!(
        store
            .claim_outbox("invoice-INV-1", "follow_up", &to, "Reminder", now)
            .await
            .unwrap(),
        Claim::Fresh
    );
    assert_eq!(
        store
            .claim_outbox("invoice-INV-2", "nudge", &to, "Reminder", now)
            .await
            .unwrap(),
        Claim::Fresh
    );
    let rows = store.outbox_for("invoice-INV-1").await.unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (r.step_id.as_str(), r.status))
            .collect::<Vec<_>>(),
        [
            ("nudge", OutboxStatus::Sent),
            ("follow_up", OutboxStatus::Sending)
        ]
    );
    assert_eq!(rows[0].recipients, to);
}

both_backends!(concurrent_claims_let_exactly_one_through);
async fn concurrent_claims_let_exactly_one_through(store: &Store) {
    let to = json!({"to": ["ap@acme.example"]});
    let now = ts("2026-11-21T10:00:00Z");
    let claims = futures_join(store, &to, now).await;
    assert_eq!(
        claims.iter().filter(|c| **c == Claim::Fresh).count(),
        1,
        "{claims:?}"
    );
}

async fn futures_join(store: &Store, to: &serde_json::Value, now: Timestamp) -> Vec<Claim> {
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, to) = (store.clone(), to.clone());
            tokio::spawn(async move {
                store
                    .claim_outbox("invoice-RACE", "nudge", &to, "s", now)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

both_backends!(audit_rows_append_in_order_and_retries_are_no_ops);
async fn audit_rows_append_in_order_and_retries_are_no_ops(store: &Store) {
    let record = |n: u32, action: &str| AuditRecord {
        at: ts("2026-11-21T10:00:00Z"),
        invoice: "INV-1".into(),
        workflow_id: "invoice-INV-1".into(),
        action: action.into(),
        actor: "cli:alice".into(),
        before: Some(json!({"state": "scheduled"})),
        after: Some(json!({"state": "paused"})),
        detail: Some("customer asked for a week".into()),
        dedup_key: format!("invoice-INV-1/{n}"),
    };
    assert!(store.append_audit(&record(1, "pause")).await.unwrap());
    assert!(
        !store.append_audit(&record(1, "pause")).await.unwrap(),
        "a retried write is a no-op"
    );
    assert!(store.append_audit(&record(2, "resume")).await.unwrap());
    let trail = store.audit_for("INV-1").await.unwrap();
    assert_eq!(
        trail.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
        ["pause", "resume"]
    );
    assert_eq!(trail[0], record(1, "pause"));
    assert!(store.audit_for("INV-2").await.unwrap().is_empty());
}

both_backends!(webhook_deliveries_are_remembered);
async fn webhook_deliveries_are_remembered(store: &Store) {
    let now = ts("2026-11-21T10:00:00Z");
    assert!(
        store
            .first_delivery("evt_1", "accounting", now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .first_delivery("evt_1", "accounting", now)
            .await
            .unwrap()
    );
    assert!(
        store
            .first_delivery("evt_2", "accounting", now)
            .await
            .unwrap()
    );
}

#[test]
fn timestamp_text_sorts_like_instants() {
    let a = timestamp_text(ts("2026-11-21T10:00:00Z"));
    let b = timestamp_text(ts("2026-11-21T10:00:00.5Z"));
    let c = timestamp_text(ts("2026-11-21T10:00:01Z"));
    assert_eq!(a, "2026-11-21T10:00:00.000000Z");
    assert!(a < b && b < c);
}
