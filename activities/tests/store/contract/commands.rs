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

both_backends!(commands_are_found_by_the_start_of_their_id);
async fn commands_are_found_by_the_start_of_their_id(store: &Store) {
    let at = ts("2026-11-21T10:00:00Z");
    for (id, invoice) in [
        ("bank:P_1:INV-1", "INV-1"),
        ("bank:P_1:INV-2", "INV-2"),
        ("bank:PX1:INV-3", "INV-3"),
        ("bank:P_10:INV-4", "INV-4"),
    ] {
        let request = json!({"command": "payment", "amount": "USD 5.00", "id": id});
        store
            .journal_command(id, invoice, &format!("invoice-{invoice}"), &request, at)
            .await
            .unwrap();
    }
    // `_` is itself, not any character; the colon ends the payment's id.
    let found = store.commands_with_prefix("bank:P_1:").await.unwrap();
    assert_eq!(
        found.iter().map(|c| c.invoice.as_str()).collect::<Vec<_>>(),
        ["INV-1", "INV-2"]
    );
    assert_eq!(store.journaled_with_prefix("bank:P_1:").await.unwrap(), 2);
    assert!(
        store
            .commands_with_prefix("bank:P9:")
            .await
            .unwrap()
            .is_empty()
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
