//! What is held back and when it goes: dry run, approve mode, expiring approvals and steps
//! that require approval in live mode.

use chaser_activities::Mode;
use chaser_activities::store::{ApprovalStatus, OutboxStatus};
use chaser_domain::{ChaseState, Email};
use chaser_workflows::contracts::{
    ExpireApproval, ExpiryOutcome, MessageKind, SendRequest, SendResult,
};

use crate::fixtures::{invoice, ts};
use crate::{NOW, chased, nudge_request, setup};

#[tokio::test]
async fn dry_run_fills_the_outbox_and_sends_nothing() {
    let s = setup("dry", Mode::DryRun).await;
    let inv = invoice("INV-7");
    s.store
        .upsert_invoice(&inv, "invoice-INV-7", ChaseState::Scheduled, ts(NOW))
        .await
        .unwrap();
    let result = s
        .activities
        .deliver(&nudge_request(&inv), ts(NOW))
        .await
        .unwrap();
    assert_eq!(result, SendResult::DryRun);
    assert!(s.mailer.sent.lock().unwrap().is_empty());
    let row = s
        .store
        .outbox_row("invoice-INV-7", "nudge")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, OutboxStatus::DryRun);
    assert!(row.subject.contains("INV-7"));
    let text = row.text_body.unwrap();
    assert!(
        text.contains("$1,200.00") && text.contains("/pay/"),
        "the outbox keeps what would have been sent: {text}"
    );
}

#[tokio::test]
async fn approve_mode_sends_exactly_the_approved_text_and_only_after_approval() {
    let s = setup("approve", Mode::Approve).await;
    let request = chased(&s, "INV-7").await;
    let waiting = s.activities.deliver(&request, ts(NOW)).await.unwrap();
    let SendResult::AwaitingApproval { expires_at } = waiting else {
        panic!("{waiting:?}")
    };
    assert_eq!(expires_at, ts("2026-12-06T09:00:00Z"));
    // The owner is asked once, however often the activity runs.
    assert_eq!(
        s.activities.deliver(&request, ts(NOW)).await.unwrap(),
        waiting
    );
    let asked = s.mailer.sent.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].to, ["owner@us.example"]);
    assert!(
        asked[0].text.contains("https://chaser.example/approvals/"),
        "{}",
        asked[0].text
    );
    let approval = s
        .store
        .approval("invoice-INV-7/nudge")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(approval.status, ApprovalStatus::Pending);

    // Approved: what was shown is what goes, even if the data moved since.
    assert!(
        s.store
            .decide_approval(
                "invoice-INV-7/nudge",
                ApprovalStatus::Pending,
                ApprovalStatus::Approved,
                "owner",
                ts(NOW)
            )
            .await
            .unwrap()
    );
    let approved = SendRequest {
        approved: true,
        ..request.clone()
    };
    assert!(matches!(
        s.activities.deliver(&approved, ts(NOW)).await.unwrap(),
        SendResult::Sent { .. }
    ));
    let sent = s.mailer.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        (&sent[1].to, &sent[1].subject, &sent[1].text),
        (
            &vec!["ap@acme.example".to_owned()],
            &approval.subject,
            &approval.text_body
        )
    );
    let expiry = ExpireApproval {
        workflow_id: "invoice-INV-7".into(),
        key: "nudge".into(),
    };
    assert_eq!(
        s.activities.expire(&expiry, ts(NOW)).await.unwrap(),
        ExpiryOutcome::AlreadyDecided
    );
}

#[tokio::test]
async fn an_expired_approval_is_never_sent() {
    let s = setup("expired", Mode::Approve).await;
    let request = chased(&s, "INV-7").await;
    s.activities.deliver(&request, ts(NOW)).await.unwrap();
    let expiry = ExpireApproval {
        workflow_id: "invoice-INV-7".into(),
        key: "nudge".into(),
    };
    assert_eq!(
        s.activities.expire(&expiry, ts(NOW)).await.unwrap(),
        ExpiryOutcome::Expired
    );
    // A late approval cannot revive it.
    assert!(
        !s.store
            .decide_approval(
                "invoice-INV-7/nudge",
                ApprovalStatus::Pending,
                ApprovalStatus::Approved,
                "owner",
                ts(NOW)
            )
            .await
            .unwrap()
    );
    let approved = SendRequest {
        approved: true,
        ..request
    };
    assert!(matches!(
        s.activities.deliver(&approved, ts(NOW)).await.unwrap(),
        SendResult::Declined { .. }
    ));
    assert_eq!(s.mailer.sent.lock().unwrap().len(), 1, "only the request");
    let row = s.store.outbox_row("invoice-INV-7", "nudge").await.unwrap();
    assert_eq!(row.unwrap().status, OutboxStatus::Expired);
}

#[tokio::test]
async fn a_step_marked_require_approval_waits_even_in_live_mode() {
    let s = setup("step-approval", Mode::Live).await;
    let mut request = chased(&s, "INV-7").await;
    request.step.as_mut().unwrap().require_approval = true;
    let result = s.activities.deliver(&request, ts(NOW)).await.unwrap();
    assert!(
        matches!(result, SendResult::AwaitingApproval { .. }),
        "{result:?}"
    );
    let sent = s.mailer.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "only the request to the owner");
    assert_eq!(sent[0].to, ["owner@us.example"]);
    // The owner's own messages never wait for approval.
    let mut escalation = request.clone();
    escalation.kind = MessageKind::OwnerEscalation;
    escalation.key = "nudge/owner".into();
    escalation.to = vec![Email::parse("owner@us.example").unwrap()];
    assert!(matches!(
        s.activities.deliver(&escalation, ts(NOW)).await.unwrap(),
        SendResult::Sent { .. }
    ));
}
