//! What every backend must do.

use chaser_activities::store::{
    Approval, ApprovalStatus, AuditRecord, Claim, CommandStatus, NewReviewItem, OutboxStatus,
    Store, timestamp_text,
};
use chaser_domain::{
    AuditAction, ChaseState, Contact, Customer, Email, Invoice, InvoiceNumber, Money, Overrides,
    Role, Terms,
};
use chaser_workflows::contracts::StatusView;
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
        .project_chase(&inv, "invoice-INV-9", ChaseState::Paused, Some(&view), at)
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
            at,
        )
        .await
        .unwrap();
    assert_eq!(
        store.invoice("INV-9").await.unwrap().unwrap().state,
        ChaseState::Paid
    );
}

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
