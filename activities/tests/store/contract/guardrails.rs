//! The guardrails' tables: touches, suppressions, approvals and spent links.

use chaser_activities::store::{Approval, ApprovalStatus, Store};
use serde_json::json;

use crate::backends::both_backends;
use crate::fixtures::ts;

both_backends!(guardrail_tables_keep_their_promises);
async fn guardrail_tables_keep_their_promises(store: &Store) {
    let now = ts("2026-12-04T09:00:00Z");
    // Touches are per address, case-insensitive, and read back by time.
    store
        .record_touches(
            &["AP@Acme.example".to_owned()],
            "invoice-INV-1",
            "nudge",
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .touches_since("ap@acme.example", ts("2026-12-03T00:00:00Z"))
            .await
            .unwrap(),
        [now]
    );
    assert!(
        store
            .touches_since("ap@acme.example", ts("2026-12-05T00:00:00Z"))
            .await
            .unwrap()
            .is_empty()
    );

    // A suppression is recorded once; the first reason stands.
    assert!(
        store
            .suppress(
                "AP@acme.example",
                "bounce",
                "ses",
                Some("550 no such user"),
                now
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .suppress("ap@acme.example", "manual", "cli", None, now)
            .await
            .unwrap()
    );
    let listed = store.suppressions().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].address.as_str(), listed[0].reason.as_str()),
        ("ap@acme.example", "bounce")
    );
    assert!(store.unsuppress("ap@ACME.example").await.unwrap());
    assert!(
        store
            .suppression("ap@acme.example")
            .await
            .unwrap()
            .is_none()
    );

    // An approval is decided once: the first decision wins.
    let approval = Approval {
        id: "invoice-INV-1/nudge".into(),
        workflow_id: "invoice-INV-1".into(),
        invoice: "INV-1".into(),
        message_key: "nudge".into(),
        recipients: json!({ "to": ["ap@acme.example"], "cc": [] }),
        subject: "Invoice INV-1".into(),
        text_body: "text".into(),
        html_body: "<p>html</p>".into(),
        status: ApprovalStatus::Pending,
        created_at: now,
        expires_at: ts("2026-12-06T09:00:00Z"),
        decided_by: None,
    };
    store.create_approval(&approval).await.unwrap();
    // Creating it again (a retried activity) keeps the first.
    store
        .create_approval(&Approval {
            expires_at: ts("2026-12-09T09:00:00Z"),
            ..approval.clone()
        })
        .await
        .unwrap();
    assert_eq!(
        store.approval(&approval.id).await.unwrap().unwrap(),
        approval
    );
    assert_eq!(
        store.pending_approvals().await.unwrap(),
        std::slice::from_ref(&approval)
    );
    assert!(
        store
            .decide_approval(
                &approval.id,
                ApprovalStatus::Pending,
                ApprovalStatus::Rejected,
                "owner",
                now,
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .decide_approval(
                &approval.id,
                ApprovalStatus::Pending,
                ApprovalStatus::Approved,
                "owner",
                now,
            )
            .await
            .unwrap()
    );
    let decided = store.approval(&approval.id).await.unwrap().unwrap();
    assert_eq!(
        (decided.status.as_str(), decided.decided_by.as_deref()),
        ("rejected", Some("owner"))
    );
    assert!(store.pending_approvals().await.unwrap().is_empty());

    // A single-use link is spent once.
    assert!(store.use_link("nonce-1", "act", now).await.unwrap());
    assert!(!store.use_link("nonce-1", "act", now).await.unwrap());
}
