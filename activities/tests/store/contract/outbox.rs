//! The outbox's promises: a key is claimed once ever, only the attempt holding the claim
//! hands the message over, and a final outcome is never overwritten.

use chaser_activities::store::{Claim, OutboxStatus, Store};
use jiff::Timestamp;
use serde_json::json;

use crate::backends::both_backends;
use crate::fixtures::ts;

both_backends!(a_claim_remembers_whether_the_message_was_handed_over);
async fn a_claim_remembers_whether_the_message_was_handed_over(store: &Store) {
    let to = json!({"to": ["ap@acme.example"], "cc": []});
    let now = ts("2026-11-21T10:00:00Z");
    let id = "invoice-INV-9";
    assert_eq!(
        store
            .claim_outbox(id, "nudge", "a1", &to, "Reminder", now)
            .await
            .unwrap(),
        Claim::Fresh
    );
    // Cut off before the provider call: the next attempt may send.
    assert_eq!(
        store
            .claim_outbox(id, "nudge", "a1", &to, "Reminder", now)
            .await
            .unwrap(),
        Claim::Unfinished { handed: false }
    );
    // Cut off after handing it over: whether the provider has it is unknown.
    assert!(store.hand_over(id, "nudge", "a1", now).await.unwrap());
    assert_eq!(
        store
            .claim_outbox(id, "nudge", "a1", &to, "Reminder", now)
            .await
            .unwrap(),
        Claim::Unfinished { handed: true }
    );
    // The provider refused it for now: taken back, the next attempt may send.
    store.take_back(id, "nudge", "a1").await.unwrap();
    assert_eq!(
        store
            .claim_outbox(id, "nudge", "a1", &to, "Reminder", now)
            .await
            .unwrap(),
        Claim::Unfinished { handed: false }
    );
    // An uncertain message is final: it is never claimed for sending again.
    store
        .finish_outbox(
            id,
            "nudge",
            OutboxStatus::Uncertain,
            None,
            Some("no answer"),
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_outbox(id, "nudge", "a1", &to, "Reminder", now)
            .await
            .unwrap(),
        Claim::Finished {
            status: OutboxStatus::Uncertain,
            message_id: None,
            error: Some("no answer".into()),
        }
    );
}

both_backends!(only_the_attempt_holding_the_claim_hands_the_message_over);
async fn only_the_attempt_holding_the_claim_hands_the_message_over(store: &Store) {
    // Temporal gave up on attempt a1 (a missed heartbeat) while it still ran, and started a2.
    let to = json!({"to": ["ap@acme.example"], "cc": []});
    let now = ts("2026-11-21T10:00:00Z");
    let id = "invoice-INV-10";
    let claim =
        |attempt: &'static str| store.claim_outbox(id, "nudge", attempt, &to, "Reminder", now);
    assert_eq!(claim("a1").await.unwrap(), Claim::Fresh);
    assert_eq!(
        claim("a2").await.unwrap(),
        Claim::Unfinished { handed: false }
    );
    // The claim is a2's: a1 may no longer hand the message over, a2 may, once.
    assert!(!store.hand_over(id, "nudge", "a1", now).await.unwrap());
    assert!(store.hand_over(id, "nudge", "a2", now).await.unwrap());
    assert!(!store.hand_over(id, "nudge", "a2", now).await.unwrap());
    // A stale attempt's "take back" does not reopen a2's message; a third attempt finds it
    // handed over and cannot take the claim.
    store.take_back(id, "nudge", "a1").await.unwrap();
    assert_eq!(
        claim("a3").await.unwrap(),
        Claim::Unfinished { handed: true }
    );
    assert!(!store.hand_over(id, "nudge", "a3", now).await.unwrap());
}

both_backends!(an_outbox_key_is_claimed_once_ever);
async fn an_outbox_key_is_claimed_once_ever(store: &Store) {
    let to = json!({"to": ["ap@acme.example"], "cc": []});
    let now = ts("2026-11-21T10:00:00Z");
    assert_eq!(
        store
            .claim_outbox("invoice-INV-1", "nudge", "a1", &to, "Reminder", now)
            .await
            .unwrap(),
        Claim::Fresh
    );
    // A retry before the outcome was recorded finds the claim unfinished.
    assert_eq!(
        store
            .claim_outbox("invoice-INV-1", "nudge", "a1", &to, "Reminder", now)
            .await
            .unwrap(),
        Claim::Unfinished { handed: false }
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
            .claim_outbox("invoice-INV-1", "nudge", "a1", &to, "Reminder", now)
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
            .claim_outbox("invoice-INV-1", "follow_up", "a1", &to, "Reminder", now)
            .await
            .unwrap(),
        Claim::Fresh
    );
    assert_eq!(
        store
            .claim_outbox("invoice-INV-2", "nudge", "a1", &to, "Reminder", now)
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

both_backends!(concurrent_attempts_let_exactly_one_through);
async fn concurrent_attempts_let_exactly_one_through(store: &Store) {
    let to = json!({"to": ["ap@acme.example"]});
    let now = ts("2026-11-21T10:00:00Z");
    let outcomes = race(store, &to, now).await;
    let fresh = outcomes.iter().filter(|(c, _)| *c == Claim::Fresh).count();
    let handed = outcomes.iter().filter(|(_, h)| *h).count();
    assert_eq!((fresh, handed), (1, 1), "{outcomes:?}");
}

/// Eight attempts at one message, each claiming it and then trying to hand it over.
async fn race(store: &Store, to: &serde_json::Value, now: Timestamp) -> Vec<(Claim, bool)> {
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (store, to) = (store.clone(), to.clone());
            tokio::spawn(async move {
                let attempt = format!("a{i}");
                let claim = store
                    .claim_outbox("invoice-RACE", "nudge", &attempt, &to, "s", now)
                    .await
                    .unwrap();
                let handed = match claim {
                    Claim::Fresh | Claim::Unfinished { handed: false } => store
                        .hand_over("invoice-RACE", "nudge", &attempt, now)
                        .await
                        .unwrap(),
                    _ => false,
                };
                (claim, handed)
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

both_backends!(a_verdict_never_overwrites_a_final_outcome);
async fn a_verdict_never_overwrites_a_final_outcome(store: &Store) {
    let now = ts("2026-12-04T09:00:00Z");
    let to = json!({ "to": ["ap@acme.example"] });
    store
        .mark_outbox(
            "wf",
            "nudge",
            OutboxStatus::Deferred,
            "send_window: later",
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_outbox("wf", "nudge", "a1", &to, "s", now)
            .await
            .unwrap(),
        Claim::Unfinished { handed: false }
    );
    store
        .finish_outbox("wf", "nudge", OutboxStatus::Sent, Some("m-1"), None, now)
        .await
        .unwrap();
    store
        .mark_outbox(
            "wf",
            "nudge",
            OutboxStatus::Declined,
            "fresh_state: paid",
            now,
        )
        .await
        .unwrap();
    let row = store.outbox_row("wf", "nudge").await.unwrap().unwrap();
    assert_eq!(
        (row.status, row.message_id.as_deref()),
        (OutboxStatus::Sent, Some("m-1"))
    );
}
