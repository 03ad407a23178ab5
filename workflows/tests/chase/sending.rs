//! Sending through the fakes: a message held for approval goes once approved, a failed step
//! goes again under a fresh key when resent, and a deferred one waits for its guardrail.

use chaser_domain::schedule::StepState;
use chaser_domain::{AuditAction, ChaseState};
use chaser_workflows::InvoiceChase;
use chaser_workflows::contracts::{ApprovalSignal, ResendSignal, SendResult};

use crate::clock;
use crate::fakes::Answer;
use crate::harness::{server, step, with_worker};

const SOON: &str = "after_issue 1s";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_awaiting_approval_is_sent_once_approved() {
    with_worker(server(), "approval", async |env| {
        let expires_at = clock::in_secs(3600);
        env.fakes.answer(
            "nudge",
            Answer::Result(SendResult::AwaitingApproval { expires_at }),
        );
        let chase = env
            .start("SEND-APPROVAL", &step("nudge", SOON, "nudge"))
            .await;
        let held = env.sent(1).await;
        assert!(!held[0].request.approved);
        let status = chase.status().await;
        assert!(
            status.sends.is_empty(),
            "held, not sent: {:#?}",
            status.sends
        );

        let approval = ApprovalSignal {
            key: "nudge".to_owned(),
            approved: true,
            by: "ops:alice".to_owned(),
        };
        chase.signal(InvoiceChase::approval, approval).await;
        let sent = env.sent(2).await;
        assert_eq!(sent[1].request.key, "nudge");
        assert!(sent[1].request.approved, "the approved text is what goes");
        let status = chase
            .status_until("the approved nudge to be recorded", |s| !s.sends.is_empty())
            .await;
        assert_eq!(status.sends[0].step_id, "nudge");
        assert_eq!(status.sends[0].state, StepState::Done);
        assert_eq!(status.sends[0].message_id.as_deref(), Some("msg-nudge"));
        assert_eq!(
            env.fakes.audit_actions(),
            [
                AuditAction::ChaseStarted,
                AuditAction::ApprovalRequested,
                AuditAction::MessageApproved,
                AuditAction::StepSent
            ]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_failed_step_goes_again_under_a_fresh_key() {
    with_worker(server(), "resend", async |env| {
        env.fakes.answer("nudge", Answer::Reject);
        let chase = env
            .start("SEND-RESEND", &step("nudge", SOON, "nudge"))
            .await;
        let status = chase
            .status_until("the nudge to fail", |s| s.state == ChaseState::Failed)
            .await;
        assert!(
            matches!(status.sends[0].state, StepState::Failed { .. }),
            "{:#?}",
            status.sends
        );

        let resend = || ResendSignal {
            step_id: "nudge".to_owned(),
            by: "ops:alice".to_owned(),
        };
        chase.signal(InvoiceChase::resend, resend()).await;
        let sent = env.sent(2).await;
        assert_eq!(sent[1].request.key, "nudge~resend1");
        let status = chase
            .status_until("the resend to be recorded", |s| {
                s.sends[0].state == StepState::Done
            })
            .await;
        assert_eq!(
            status.state,
            ChaseState::Scheduled,
            "a sent step clears the failure"
        );
        assert_eq!(
            status.sends[0].message_id.as_deref(),
            Some("msg-nudge~resend1")
        );

        // A step that went out is not sent again.
        chase.signal(InvoiceChase::resend, resend()).await;
        clock::until(
            "the refused resend in the audit log",
            crate::harness::PATIENCE,
            async || {
                env.fakes
                    .audit_actions()
                    .contains(&AuditAction::ResendRefused)
                    .then_some(())
            },
        )
        .await;
        assert_eq!(env.fakes.keys(), ["nudge", "nudge~resend1"]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_step_waits_until_its_guardrail_allows_it() {
    with_worker(server(), "deferred", async |env| {
        let until = clock::in_secs(4);
        let deferred = SendResult::Deferred {
            until,
            reason: "min_gap: touched an hour ago".to_owned(),
        };
        env.fakes.answer("nudge", Answer::Result(deferred));
        let chase = env.start("SEND-DEFER", &step("nudge", SOON, "nudge")).await;
        env.sent(1).await;
        let status = chase
            .status_until("the deferred next touch", |s| {
                s.next_touch.as_ref().is_some_and(|n| n.at == until)
            })
            .await;
        assert!(status.sends.is_empty(), "{:#?}", status.sends);

        let sent = env.sent(2).await;
        assert_eq!(sent[1].request.key, "nudge");
        assert!(
            sent[1].at >= until,
            "sent at {}, deferred until {until}",
            sent[1].at
        );
        chase
            .status_until("the nudge to be recorded", |s| {
                s.sends.first().is_some_and(|e| e.state == StepState::Done)
            })
            .await;
        let actions = env.fakes.audit_actions();
        assert_eq!(
            actions,
            [
                AuditAction::ChaseStarted,
                AuditAction::StepDeferred,
                AuditAction::StepSent
            ]
        );
    })
    .await;
}
