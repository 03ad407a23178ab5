//! A door's input done once: journaled commands wait until settled, and a webhook delivery
//! seen before is known.

use chaser_activities::store::{CommandStatus, Store};
use serde_json::json;

use crate::backends::both_backends;
use crate::fixtures::ts;

both_backends!(journaled_commands_wait_until_settled_and_repeat_ids_are_refused);
async fn journaled_commands_wait_until_settled_and_repeat_ids_are_refused(store: &Store) {
    let request = json!({"command": "paid", "by": "cli:alice", "id": "c-1"});
    let first = ts("2026-11-21T10:00:00Z");
    let later = ts("2026-11-21T10:05:00Z");
    assert!(
        store
            .journal_command("c-1", "INV-1", "invoice-INV-1", &request, first)
            .await
            .unwrap()
    );
    assert!(
        !store
            .journal_command("c-1", "INV-1", "invoice-INV-1", &request, later)
            .await
            .unwrap(),
        "the same id is journaled once"
    );
    store
        .journal_command("c-2", "INV-2", "invoice-INV-2", &request, later)
        .await
        .unwrap();
    // Only what was accepted by then is pending for a run at that time.
    let pending = store.pending_commands(first).await.unwrap();
    assert_eq!(
        pending.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ["c-1"]
    );
    assert_eq!(pending[0].request, request);
    assert_eq!(pending[0].status, CommandStatus::Pending);
    store
        .settle_command("c-1", CommandStatus::Delivered, "paid", later)
        .await
        .unwrap();
    let settled = store.journaled_command("c-1").await.unwrap().unwrap();
    assert_eq!(settled.status, CommandStatus::Delivered);
    assert_eq!(settled.outcome.as_deref(), Some("paid"));
    assert_eq!(
        store
            .pending_commands(later)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        ["c-2"]
    );
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
