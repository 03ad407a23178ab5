//! Invoices, the chase's projection, intake snapshots and the review queue: what is written
//! is read back whole, and a closed invoice never reopens.

use chaser_activities::store::{NewReviewItem, Store, timestamp_text};
use chaser_domain::{ChaseState, Money, Overrides};
use chaser_workflows::contracts::StatusView;
use serde_json::json;

use crate::backends::both_backends;
use crate::fixtures::{invoice, ts};

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
}

both_backends!(the_chase_projection_is_written_whole_and_never_reopens_a_closed_invoice);
async fn the_chase_projection_is_written_whole_and_never_reopens_a_closed_invoice(store: &Store) {
    let mut inv = invoice("INV-9");
    let at = ts("2026-11-21T10:00:00Z");
    store
        .upsert_invoice(&inv, "invoice-INV-9", ChaseState::Scheduled, at)
        .await
        .unwrap();
    assert_eq!(store.invoice("INV-9").await.unwrap().unwrap().chase, None);
    // The chase writes itself: the invoice as it sees it, and its whole status.
    inv.balance = Money::parse("600", "USD".parse().unwrap()).unwrap();
    let view = StatusView {
        invoice: "INV-9".into(),
        state: ChaseState::Paused,
        balance: inv.balance,
        next_touch: None,
        paused_until: Some(ts("2026-11-28T10:00:00Z")),
        pauses_used: 1,
        paused_days_used: 0,
        sends: vec![],
        pay_clicks: vec![],
        chasing_disabled: true,
        overrides: Overrides {
            do_not_chase: true,
            ..Overrides::default()
        },
    };
    store
        .project_chase(
            &inv,
            "invoice-INV-9",
            ChaseState::Paused,
            Some(&view),
            4,
            at,
        )
        .await
        .unwrap();
    let stored = store.invoice("INV-9").await.unwrap().unwrap();
    assert_eq!(stored.invoice.balance, inv.balance);
    assert_eq!(stored.state, ChaseState::Paused);
    assert_eq!(stored.chase, Some(view.clone()));
    // Closed stays closed: a late write from a chase still finishing cannot reopen it.
    store
        .set_state("INV-9", ChaseState::Paid, at)
        .await
        .unwrap();
    store
        .project_chase(
            &inv,
            "invoice-INV-9",
            ChaseState::Scheduled,
            Some(&view),
            5,
            at,
        )
        .await
        .unwrap();
    assert_eq!(
        store.invoice("INV-9").await.unwrap().unwrap().state,
        ChaseState::Paid
    );
}

both_backends!(an_older_projection_never_replaces_a_newer_one);
async fn an_older_projection_never_replaces_a_newer_one(store: &Store) {
    let at = ts("2026-12-07T09:00:00Z");
    let inv = invoice("INV-10");
    let view = |state: ChaseState, pauses_used: u32| StatusView {
        invoice: "INV-10".into(),
        state,
        balance: inv.balance,
        next_touch: None,
        paused_until: None,
        pauses_used,
        paused_days_used: 0,
        sends: vec![],
        pay_clicks: vec![],
        chasing_disabled: false,
        overrides: Overrides::default(),
    };
    let project = |state, as_of, pauses_used| {
        let status = view(state, pauses_used);
        let inv = inv.clone();
        async move {
            store
                .project_chase(&inv, "invoice-INV-10", state, Some(&status), as_of, at)
                .await
                .unwrap();
        }
    };
    // The chase's own write of a pause (as of 6) lands before a send's write of the chase
    // as it foresaw it before the pause (as of 5): the pause stays.
    project(ChaseState::Paused, 6, 1).await;
    project(ChaseState::Scheduled, 5, 0).await;
    let stored = store.invoice("INV-10").await.unwrap().unwrap();
    assert_eq!(stored.state, ChaseState::Paused);
    assert_eq!(stored.chase, Some(view(ChaseState::Paused, 1)));
    // The same number again (the chase's next write after the send) and a newer one land.
    project(ChaseState::Escalated, 6, 1).await;
    assert_eq!(
        store.invoice("INV-10").await.unwrap().unwrap().state,
        ChaseState::Escalated
    );
    project(ChaseState::Scheduled, 7, 2).await;
    let stored = store.invoice("INV-10").await.unwrap().unwrap();
    assert_eq!(stored.chase, Some(view(ChaseState::Scheduled, 2)));
}

#[test]
fn timestamp_text_sorts_like_instants() {
    let a = timestamp_text(ts("2026-11-21T10:00:00Z"));
    let b = timestamp_text(ts("2026-11-21T10:00:00.5Z"));
    let c = timestamp_text(ts("2026-11-21T10:00:01Z"));
    assert_eq!(a, "2026-11-21T10:00:00.000000Z");
    assert!(a < b && b < c);
}

both_backends!(review_items_are_raised_once_while_open_and_snapshots_round_trip);
async fn review_items_are_raised_once_while_open_and_snapshots_round_trip(store: &Store) {
    let now = ts("2026-12-04T09:00:00Z");
    let item = NewReviewItem {
        kind: "vanished_from_export".into(),
        invoice: Some("INV-1".into()),
        summary: "INV-1 is no longer in the QuickBooks export".into(),
        detail: json!({ "source": "quickbooks" }),
        dedup_key: "vanished/quickbooks/INV-1".into(),
    };
    let id = store.flag_for_review(&item, now).await.unwrap().unwrap();
    assert_eq!(store.flag_for_review(&item, now).await.unwrap(), None);
    let open = store.review_items(false).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].id, &open[0].item), (id, &item));
    assert!(
        store
            .resolve_review(id, "owner", "closed by hand", now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .resolve_review(id, "owner", "again", now)
            .await
            .unwrap()
    );
    assert!(store.review_items(false).await.unwrap().is_empty());
    let all = store.review_items(true).await.unwrap();
    assert_eq!(all[0].resolution.as_deref(), Some("closed by hand"));
    // Resolved, the same thing can be raised again.
    assert!(store.flag_for_review(&item, now).await.unwrap().is_some());

    assert_eq!(store.snapshot_json("quickbooks").await.unwrap(), None);
    store
        .save_snapshot_json("quickbooks", "{\"a\":1}", 1, now)
        .await
        .unwrap();
    store
        .save_snapshot_json("quickbooks", "{\"a\":2}", 1, now)
        .await
        .unwrap();
    assert_eq!(
        store.snapshot_json("quickbooks").await.unwrap().as_deref(),
        Some("{\"a\":2}")
    );
}
