//! The audit log: rows append in order, retries are no-ops, two writers keep one chain, and
//! the chain finds edited and deleted rows.

use chaser_activities::store::{AuditRecord, Store};
use chaser_domain::AuditAction;
use serde_json::json;

use crate::backends::both_backends;
use crate::fixtures::ts;

both_backends!(audit_rows_append_in_order_and_retries_are_no_ops);
async fn audit_rows_append_in_order_and_retries_are_no_ops(store: &Store) {
    let record = |n: u32, action: &str| AuditRecord {
        at: ts("2026-11-21T10:00:00Z"),
        invoice: "INV-1".into(),
        workflow_id: "invoice-INV-1".into(),
        action: AuditAction::parse(action).unwrap(),
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

both_backends!(two_processes_appending_keep_one_unbroken_chain, with_url);
async fn two_processes_appending_keep_one_unbroken_chain(store: &Store, url: &str) {
    // The command line appends while the worker runs: each remembers the head it wrote last.
    let cli = Store::connect(url).await.unwrap();
    let record = |n: u32| AuditRecord {
        at: ts("2026-11-21T10:00:00Z"),
        invoice: format!("INV-{n}"),
        workflow_id: format!("invoice-INV-{n}"),
        action: AuditAction::Pause,
        actor: "cli".into(),
        before: None,
        after: None,
        detail: None,
        dedup_key: format!("two/{n}"),
    };
    for n in 1..=6 {
        let writer = if n % 3 == 0 { &cli } else { store };
        assert!(writer.append_audit(&record(n)).await.unwrap());
    }
    // A repeat is recognised without moving the head.
    assert!(!cli.append_audit(&record(3)).await.unwrap());
    assert!(store.append_audit(&record(7)).await.unwrap());
    let chain = store.verify_audit().await.unwrap();
    assert_eq!((chain.rows, chain.breaks.len()), (7, 0), "{chain:?}");
    cli.close().await;
}

both_backends!(the_audit_chain_finds_edited_and_deleted_rows);
async fn the_audit_chain_finds_edited_and_deleted_rows(store: &Store) {
    let record = |n: u32| AuditRecord {
        at: ts("2026-11-21T10:00:00Z"),
        invoice: format!("INV-{n}"),
        workflow_id: format!("invoice-INV-{n}"),
        action: AuditAction::Paid,
        actor: "webhook:accounting".into(),
        before: Some(json!({"balance": "USD 100.00"})),
        after: Some(json!({"balance": "USD 0.00"})),
        detail: None,
        dedup_key: format!("chain/{n}"),
    };
    // Writers racing for the end of the chain all get a place in it, one after another.
    let writes: Vec<_> = (1..=6)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move { store.append_audit(&record(n)).await.unwrap() })
        })
        .collect();
    for w in writes {
        assert!(w.await.unwrap());
    }
    let clean = store.verify_audit().await.unwrap();
    assert_eq!((clean.rows, clean.breaks.len()), (6, 0), "{clean:?}");
    assert_eq!(clean.head.len(), 64);

    sqlx::query(
        "update audit_log set after = '{\"balance\": \"USD 50.00\"}' where invoice = 'INV-3'",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let edited = store.verify_audit().await.unwrap();
    assert_eq!(edited.breaks.len(), 1, "{edited:?}");
    assert_eq!(edited.breaks[0].invoice, "INV-3");
    assert!(edited.breaks[0].problem.contains("edited"), "{edited:?}");

    // A row in the middle: removing the last one leaves no trace in the chain itself (that is
    // what the head hash `verify` prints is for).
    sqlx::query(
        "delete from audit_log where id = (select id from audit_log order by id limit 1 offset 1)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let deleted = store.verify_audit().await.unwrap();
    assert!(
        deleted.breaks.iter().any(|b| b.problem.contains("deleted")),
        "{deleted:?}"
    );
}
