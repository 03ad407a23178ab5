//! Exactly once under retries and provider faults: a recorded outcome stands, a rejection
//! is final, a lost answer is never sent again, and a payment landing mid-send wins.

use chaser_activities::Mode;
use chaser_activities::mail::MailError;
use chaser_activities::store::OutboxStatus;
use chaser_domain::ChaseState;
use chaser_workflows::contracts::SendResult;

use crate::fixtures::{invoice, ts};
use crate::{NOW, chased, failure_type, nudge_request, setup};

#[tokio::test]
async fn a_message_is_sent_once_however_often_the_activity_runs() {
    let s = setup("once", Mode::Live).await;
    let inv = invoice("INV-7");
    s.store
        .upsert_invoice(&inv, "invoice-INV-7", ChaseState::Scheduled, ts(NOW))
        .await
        .unwrap();
    let request = nudge_request(&inv);

    let first = s.activities.deliver(&request, ts(NOW)).await.unwrap();
    let retry = s.activities.deliver(&request, ts(NOW)).await.unwrap();

    assert_eq!(
        first,
        SendResult::Sent {
            message_id: "msg-1".into()
        }
    );
    assert_eq!(
        retry, first,
        "a retry after a recorded success returns it, and sends nothing"
    );
    let sent = s.mailer.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    let mail = &sent[0];
    assert_eq!(mail.to, ["ap@acme.example"]);
    assert_eq!(mail.reply_to.as_deref(), Some("billing@acme.example"));
    assert!(mail.subject.contains("INV-7"), "{}", mail.subject);
    for body in [&mail.text, &mail.html] {
        assert!(
            body.contains("$1,200.00")
                && body.contains("https://chaser.example/pay/")
                && body.contains("December 1, 2026"),
            "{body}"
        );
    }
    let row = s
        .store
        .outbox_row("invoice-INV-7", "nudge")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.status, row.message_id.as_deref()),
        (OutboxStatus::Sent, Some("msg-1"))
    );
}

#[tokio::test]
async fn a_permanent_rejection_is_non_retryable_and_never_retried_by_itself() {
    let s = setup("rejected", Mode::Live).await;
    let inv = invoice("INV-7");
    s.store
        .upsert_invoice(&inv, "invoice-INV-7", ChaseState::Scheduled, ts(NOW))
        .await
        .unwrap();
    s.mailer.failures.lock().unwrap().push(MailError::Permanent(
        "MessageRejected: address does not exist".into(),
    ));
    let request = nudge_request(&inv);

    let error = s.activities.deliver(&request, ts(NOW)).await.unwrap_err();
    assert_eq!(failure_type(&error), (Some("EmailRejected".into()), true));
    // Run again: the recorded failure stands, and the mailer is not asked again.
    let again = s.activities.deliver(&request, ts(NOW)).await.unwrap_err();
    assert_eq!(failure_type(&again), (Some("EmailRejected".into()), true));
    assert!(s.mailer.sent.lock().unwrap().is_empty());
    let row = s
        .store
        .outbox_row("invoice-INV-7", "nudge")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, OutboxStatus::Failed);
    assert_eq!(
        row.error.as_deref(),
        Some("MessageRejected: address does not exist")
    );
}

#[tokio::test]
async fn a_transient_error_is_retryable_and_the_retry_sends() {
    let s = setup("transient", Mode::Live).await;
    let inv = invoice("INV-7");
    s.store
        .upsert_invoice(&inv, "invoice-INV-7", ChaseState::Scheduled, ts(NOW))
        .await
        .unwrap();
    s.mailer.failures.lock().unwrap().push(MailError::Transient(
        "TooManyRequestsException: slow down".into(),
    ));
    let request = nudge_request(&inv);
    let error = s.activities.deliver(&request, ts(NOW)).await.unwrap_err();
    assert!(!failure_type(&error).1, "throttling is retried");
    let retry = s.activities.deliver(&request, ts(NOW)).await.unwrap();
    assert_eq!(
        retry,
        SendResult::Sent {
            message_id: "msg-1".into()
        }
    );
}

#[tokio::test]
async fn a_send_with_no_answer_is_uncertain_and_never_sent_again_by_itself() {
    let s = setup("unknown", Mode::Live).await;
    let request = chased(&s, "INV-7").await;
    s.mailer.failures.lock().unwrap().push(MailError::Unknown(
        "timed out waiting for the answer".into(),
    ));

    let first = s.activities.deliver(&request, ts(NOW)).await.unwrap();
    let again = s.activities.deliver(&request, ts(NOW)).await.unwrap();

    let expected = SendResult::Uncertain {
        reason:
            "no answer from the provider (timed out waiting for the answer): it may have been sent"
                .into(),
    };
    assert_eq!(first, expected);
    assert_eq!(again, expected, "asked about, not retried");
    assert!(s.mailer.sent.lock().unwrap().is_empty());
    let row = s
        .store
        .outbox_row("invoice-INV-7", "nudge")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, OutboxStatus::Uncertain);
}

#[tokio::test]
async fn an_attempt_cut_off_after_handing_the_message_over_is_never_repeated() {
    // The worker died between the provider taking the message and the outbox recording it.
    let s = setup("cut-off", Mode::Live).await;
    let request = chased(&s, "INV-7").await;
    let to = serde_json::json!({"to": ["ap@acme.example"], "cc": []});
    s.store
        .claim_outbox("invoice-INV-7", "nudge", "a1", &to, "Reminder", ts(NOW))
        .await
        .unwrap();
    assert!(
        s.store
            .hand_over("invoice-INV-7", "nudge", "a1", ts(NOW))
            .await
            .unwrap()
    );

    let retry = s.activities.deliver(&request, ts(NOW)).await.unwrap();

    assert!(
        matches!(&retry, SendResult::Uncertain { reason } if reason.contains("cut off")),
        "{retry:?}"
    );
    assert!(s.mailer.sent.lock().unwrap().is_empty(), "never sent twice");
}

#[tokio::test]
async fn a_cut_off_send_stays_uncertain_whatever_the_guards_say_when_it_is_retried() {
    // Handed over, then the worker died; by the retry a guard would say "not now" (here the
    // chase was paused). Deferring would put the message back in the plan to go out again.
    let s = setup("cut-off-guarded", Mode::Live).await;
    let request = chased(&s, "INV-7").await;
    let to = serde_json::json!({"to": ["ap@acme.example"], "cc": []});
    s.store
        .claim_outbox("invoice-INV-7", "nudge", "a1", &to, "Reminder", ts(NOW))
        .await
        .unwrap();
    assert!(
        s.store
            .hand_over("invoice-INV-7", "nudge", "a1", ts(NOW))
            .await
            .unwrap()
    );
    s.store
        .set_state("INV-7", ChaseState::Paused, ts(NOW))
        .await
        .unwrap();

    let retry = s.activities.deliver(&request, ts(NOW)).await.unwrap();

    assert!(
        matches!(&retry, SendResult::Uncertain { reason } if reason.contains("cut off")),
        "{retry:?}"
    );
    assert!(s.mailer.sent.lock().unwrap().is_empty(), "never sent twice");
}

#[tokio::test]
async fn paid_landing_while_a_send_is_in_flight_never_results_in_a_sent_email() {
    let s = setup("in-flight", Mode::Live).await;
    let request = chased(&s, "INV-7").await;
    // The provider refuses for now; meanwhile the payment lands (the chase writes a stop to
    // the store at once, even while a send is in flight).
    let store = s.store.clone();
    *s.mailer.during_send.lock().unwrap() = Some(Box::pin(async move {
        store
            .set_state("INV-7", ChaseState::Paid, ts(NOW))
            .await
            .unwrap();
    }));
    s.mailer
        .failures
        .lock()
        .unwrap()
        .push(MailError::Transient("throttled".into()));

    let first = s.activities.deliver(&request, ts(NOW)).await.unwrap_err();
    assert!(!failure_type(&first).1, "a refusal for now is retried");
    let retry = s.activities.deliver(&request, ts(NOW)).await.unwrap();

    assert_eq!(
        retry,
        SendResult::Declined {
            reason: "fresh_state: the invoice is paid".into()
        }
    );
    assert!(s.mailer.sent.lock().unwrap().is_empty());
}

/// The chase as it foresaw itself after the nudge: the step's event and its `status`.
fn foreseen_nudge(inv: &chaser_domain::Invoice) -> chaser_workflows::contracts::AuditBatch {
    use chaser_domain::schedule::{HistoryEntry, StepState};
    use chaser_domain::{AuditAction, Overrides};
    use chaser_workflows::contracts::{AuditBatch, AuditEvent, StatusView};
    let entry = HistoryEntry {
        step_id: "nudge".into(),
        at: ts(NOW),
        state: StepState::Done,
        recipients: vec![],
        message_id: None,
        note: None,
        dismissed: false,
    };
    AuditBatch {
        workflow_id: "invoice-INV-7".into(),
        chain: "run-1".into(),
        invoice: inv.clone(),
        state: ChaseState::Scheduled,
        events: vec![AuditEvent {
            seq: 2,
            at: ts(NOW),
            action: AuditAction::StepSent,
            actor: "chaser".into(),
            before: None,
            after: None,
            detail: Some("nudge".into()),
        }],
        status: Some(StatusView {
            invoice: "INV-7".into(),
            state: ChaseState::Scheduled,
            balance: inv.balance,
            next_touch: None,
            paused_until: None,
            pauses_used: 0,
            paused_days_used: 0,
            sends: vec![entry],
            pay_clicks: vec![],
            chasing_disabled: false,
            overrides: Overrides::default(),
        }),
        as_of: 2,
    }
}

#[tokio::test]
async fn a_send_that_goes_out_writes_the_step_as_foreseen_with_its_message_id_once() {
    let s = setup("foreseen", Mode::Live).await;
    let inv = invoice("INV-7");
    s.store
        .upsert_invoice(&inv, "invoice-INV-7", ChaseState::Scheduled, ts(NOW))
        .await
        .unwrap();
    let request = chaser_workflows::contracts::SendRequest {
        audit_when_sent: Some(foreseen_nudge(&inv)),
        ..nudge_request(&inv)
    };

    let first = s
        .activities
        .send_and_record(&request, ts(NOW))
        .await
        .unwrap();
    let retry = s
        .activities
        .send_and_record(&request, ts(NOW))
        .await
        .unwrap();

    assert_eq!(first, retry);
    assert_eq!(s.mailer.sent.lock().unwrap().len(), 1);
    let trail = s.store.audit_for("INV-7").await.unwrap();
    let actions: Vec<_> = trail.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        ["step_sent"],
        "written once, however often the send runs"
    );
    let chase = s
        .store
        .invoice("INV-7")
        .await
        .unwrap()
        .unwrap()
        .chase
        .unwrap();
    assert_eq!(chase.sends[0].message_id.as_deref(), Some("msg-1"));
}

#[tokio::test]
async fn a_send_a_guard_stops_writes_nothing_it_foresaw() {
    let s = setup("foreseen-declined", Mode::Live).await;
    let inv = invoice("INV-7");
    // Paid in the store: the fresh-state check declines the nudge.
    s.store
        .upsert_invoice(&inv, "invoice-INV-7", ChaseState::Paid, ts(NOW))
        .await
        .unwrap();
    let request = chaser_workflows::contracts::SendRequest {
        audit_when_sent: Some(foreseen_nudge(&inv)),
        ..nudge_request(&inv)
    };

    let result = s
        .activities
        .send_and_record(&request, ts(NOW))
        .await
        .unwrap();

    assert!(matches!(result, SendResult::Declined { .. }), "{result:?}");
    assert!(s.store.audit_for("INV-7").await.unwrap().is_empty());
    let stored = s.store.invoice("INV-7").await.unwrap().unwrap();
    assert_eq!((stored.state, stored.chase), (ChaseState::Paid, None));
}
