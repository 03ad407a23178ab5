//! The per-action signals that came before `command`: each is the same command, unanswered,
//! so each is seen through `status`, the chase's result and what reached the fakes.

use chaser_domain::{AuditAction, ChaseState, InvoiceUpdate, Resolution, Tone};
use chaser_workflows::InvoiceChase;
use chaser_workflows::contracts::{
    ChaseOutcome, DisputeSignal, MessageKind, PaidSignal, PauseReply, PauseSignal,
    PayLinkClickedSignal, PaymentSignal, PromiseSignal, ResolveSignal, ResumeSignal,
    UpdateInvoiceSignal, VoidSignal, WriteoffSignal,
};
use temporalio_client::WorkflowExecuteUpdateOptions;

use crate::clock;
use crate::harness::{eur, server, step, with_worker};

const LATER: &str = "after_issue 1h";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paid_ends_the_chase_as_paid_and_thanks_the_customer() {
    with_worker(server(), "paid", async |env| {
        let chase = env.start("SIG-PAID", &step("nudge", LATER, "nudge")).await;
        let paid = PaidSignal {
            paid_at: None,
            reference: Some("T-1".to_owned()),
            by: "ops:alice".to_owned(),
        };
        chase.signal(InvoiceChase::paid, paid).await;
        assert_eq!(
            chase.outcome().await,
            ChaseOutcome {
                state: ChaseState::Paid,
                balance: eur("0.00"),
                sent: 0
            }
        );
        let thanks = env.fakes.sends_of(MessageKind::ThankYou);
        assert_eq!(thanks.len(), 1, "{thanks:#?}");
        assert_eq!(thanks[0].key, "thank_you");
        assert_eq!(thanks[0].to[0].as_str(), "ap@acme.example");
        assert_eq!(
            env.fakes.keys(),
            ["thank_you"],
            "no reminder after the payment"
        );
        let actions = env.fakes.audit_actions();
        assert_eq!(
            actions,
            [
                AuditAction::ChaseStarted,
                AuditAction::Paid,
                AuditAction::ThankYou
            ]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_payment_lowers_the_balance_and_the_rest_settles_it() {
    with_worker(server(), "payment", async |env| {
        let chase = env
            .start("SIG-PAYMENT", &step("nudge", LATER, "nudge"))
            .await;
        let payment = |amount: &str| PaymentSignal {
            amount: eur(amount),
            paid_at: None,
            reference: None,
            by: "bank".to_owned(),
        };
        chase.signal(InvoiceChase::payment, payment("200.00")).await;
        let status = chase
            .status_until("the balance to drop", |s| s.balance == eur("300.00"))
            .await;
        assert_eq!(status.state, ChaseState::Scheduled);
        assert_eq!(status.next_touch.unwrap().step_id, "nudge");

        chase.signal(InvoiceChase::payment, payment("300.00")).await;
        let outcome = chase.outcome().await;
        assert_eq!(
            (outcome.state, outcome.balance),
            (ChaseState::Paid, eur("0"))
        );
        assert_eq!(env.fakes.keys(), ["thank_you"]);
        // The thank-you carries the invoice as the chase now sees it: nothing owed.
        let thanks = env.fakes.sends_of(MessageKind::ThankYou);
        assert_eq!(thanks[0].invoice.balance, eur("0"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_resume_stop_and_restart_the_chase_within_the_cap() {
    with_worker(server(), "pause", async |env| {
        let chase = env.start("SIG-PAUSE", &step("nudge", LATER, "nudge")).await;
        let until = clock::in_secs(7200);
        let pause = PauseSignal {
            until: Some(until),
            days: None,
            reason: "owner on holiday".to_owned(),
            by: "ops:alice".to_owned(),
        };
        chase.signal(InvoiceChase::pause, pause).await;
        let status = chase
            .status_until("the pause", |s| s.state == ChaseState::Paused)
            .await;
        assert_eq!(
            (status.paused_until, status.pauses_used, status.next_touch),
            (Some(until), 1, None)
        );

        let resume = ResumeSignal {
            by: "ops:alice".to_owned(),
        };
        chase.signal(InvoiceChase::resume, resume).await;
        let status = chase
            .status_until("the resume", |s| s.state == ChaseState::Scheduled)
            .await;
        assert_eq!((status.paused_until, status.pauses_used), (None, 1));
        assert_eq!(status.next_touch.unwrap().step_id, "nudge");

        // The answered form of `pause`, kept for older callers: over the cap, then within it.
        let ask = |days| PauseSignal {
            until: None,
            days: Some(days),
            reason: String::new(),
            by: "api".to_owned(),
        };
        let options = WorkflowExecuteUpdateOptions::default;
        let reply = chase
            .handle
            .execute_update(InvoiceChase::request_pause, ask(40), options())
            .await
            .unwrap();
        let PauseReply::Refused { reason } = reply else {
            panic!("a 40-day pause went through: {reply:?}");
        };
        assert!(reason.contains("over the cap of 30"), "{reason}");
        let reply = chase
            .handle
            .execute_update(InvoiceChase::request_pause, ask(2), options())
            .await
            .unwrap();
        let PauseReply::Paused { pauses_used, .. } = reply else {
            panic!("a 2-day pause was refused: {reply:?}");
        };
        assert_eq!(pauses_used, 2);
        assert_eq!(chase.status().await.state, ChaseState::Paused);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_stops_the_chase_until_resolved_and_a_writeoff_ends_it() {
    with_worker(server(), "dispute", async |env| {
        let chase = env
            .start("SIG-DISPUTE", &step("nudge", LATER, "nudge"))
            .await;
        let dispute = DisputeSignal {
            reason: "never received the goods".to_owned(),
            by: "ops:alice".to_owned(),
        };
        chase.signal(InvoiceChase::dispute, dispute).await;
        let status = chase
            .status_until("the dispute", |s| s.state == ChaseState::Disputed)
            .await;
        assert_eq!(status.next_touch, None);

        let resolve = ResolveSignal {
            resolution: Resolution::Resume,
            reason: "goods delivered".to_owned(),
            by: "ops:alice".to_owned(),
        };
        chase.signal(InvoiceChase::resolve, resolve).await;
        let status = chase
            .status_until("the chase to resume", |s| s.state == ChaseState::Scheduled)
            .await;
        assert_eq!(status.next_touch.unwrap().step_id, "nudge");

        let writeoff = WriteoffSignal {
            reason: "customer went bust".to_owned(),
            by: "ops:alice".to_owned(),
        };
        chase.signal(InvoiceChase::writeoff, writeoff).await;
        let outcome = chase.outcome().await;
        assert_eq!(
            (outcome.state, outcome.balance, outcome.sent),
            (ChaseState::WrittenOff, eur("500.00"), 0)
        );
        assert!(env.fakes.sends().is_empty(), "{:#?}", env.fakes.sends());
        assert_eq!(
            env.fakes.audit_actions(),
            [
                AuditAction::ChaseStarted,
                AuditAction::Dispute,
                AuditAction::ResolveResume,
                AuditAction::Writeoff
            ]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn void_ends_the_chase_without_a_thank_you() {
    with_worker(server(), "void", async |env| {
        let chase = env.start("SIG-VOID", &step("nudge", LATER, "nudge")).await;
        let void = VoidSignal {
            reason: "cancelled in the accounting tool".to_owned(),
            by: "webhook:accounting".to_owned(),
        };
        chase.signal(InvoiceChase::void, void).await;
        let outcome = chase.outcome().await;
        assert_eq!((outcome.state, outcome.sent), (ChaseState::Void, 0));
        assert!(env.fakes.sends().is_empty(), "{:#?}", env.fakes.sends());
        assert_eq!(
            env.fakes.audit_actions(),
            [AuditAction::ChaseStarted, AuditAction::Void]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoice_updates_and_pay_link_clicks_show_in_the_status() {
    with_worker(server(), "update-invoice", async |env| {
        let chase = env
            .start("SIG-UPDATE", &step("nudge", LATER, "nudge"))
            .await;
        let update = UpdateInvoiceSignal {
            update: InvoiceUpdate {
                balance: Some(eur("450.00")),
                ..InvoiceUpdate::default()
            },
            by: "webhook:accounting".to_owned(),
        };
        chase.signal(InvoiceChase::update_invoice, update).await;
        let status = chase
            .status_until("the new balance", |s| s.balance == eur("450.00"))
            .await;
        assert_eq!(status.state, ChaseState::Scheduled);

        let clicked = clock::now();
        let click = PayLinkClickedSignal {
            at: clicked,
            to: "https://pay.example/x".to_owned(),
        };
        chase.signal(InvoiceChase::pay_link_clicked, click).await;
        let status = chase
            .status_until("the click", |s| !s.pay_clicks.is_empty())
            .await;
        assert_eq!(status.pay_clicks, [clicked]);
        assert_eq!(
            env.fakes.audit_actions(),
            [
                AuditAction::ChaseStarted,
                AuditAction::InvoiceUpdated,
                AuditAction::PayLinkClicked
            ]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_promise_resumes_the_chase_one_rung_firmer() {
    with_worker(server(), "promise", async |env| {
        let chase = env
            .start("SIG-PROMISE", &step("nudge", "after_issue 5s", "nudge"))
            .await;
        let until = clock::in_secs(3);
        let promise = PromiseSignal {
            pay_by: None,
            until: Some(until),
            note: "paying Friday".to_owned(),
            by: "ops:alice".to_owned(),
        };
        chase.signal(InvoiceChase::promise, promise).await;
        let status = chase
            .status_until("the promise", |s| s.state == ChaseState::Paused)
            .await;
        assert_eq!((status.paused_until, status.pauses_used), (Some(until), 0));

        // Nothing paid by then: the chase resumes, and the nudge goes out firmer.
        let sent = env.sent(1).await;
        assert_eq!(sent[0].request.key, "nudge");
        assert!(
            sent[0].at >= until,
            "sent at {} during the promise",
            sent[0].at
        );
        // A nudge is friendly: one rung firmer is neutral.
        let tone = sent[0].request.step.as_ref().unwrap().tone;
        assert_eq!(tone, Tone::Neutral);
        let actions = env.fakes.audit_actions();
        assert_eq!(
            actions[..3],
            [
                AuditAction::ChaseStarted,
                AuditAction::Promise,
                AuditAction::PromiseBroken
            ]
        );
    })
    .await;
}
