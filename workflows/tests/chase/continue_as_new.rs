//! A chase whose history grows long continues as new and loses nothing: this module's own
//! dev server suggests continue-as-new after 30 history events, so a chase driven through a
//! failure, a resend, a deferral, a pause and pay clicks crosses runs, and the latest run still
//! knows all of it and answers a repeated command id from memory.
//!
//! Every signal and update here waits for the chase to be idle first: a signal that lands while
//! a run's continue-as-new task is in flight is lost today (the task fails with
//! UnhandledCommand, and the retried task continues as new without it), which these tests
//! would otherwise hit now and then. That race is a bug of its own, not what this test is about.

use std::sync::OnceLock;

use chaser_domain::schedule::StepState;
use chaser_domain::{ChaseState, Command};
use chaser_workflows::InvoiceChase;
use chaser_workflows::contracts::{
    CommandReply, CommandRequest, PayLinkClickedSignal, ResendSignal, SendResult,
};

use crate::clock;
use crate::fakes::Answer;
use crate::harness::{Chase, PATIENCE, step, with_worker};
use crate::server::DevServer;

fn server() -> &'static DevServer {
    static SERVER: OnceLock<DevServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        DevServer::start(&[
            "--dynamic-config-value",
            "limit.historyCount.suggestContinueAsNew=30",
        ])
    })
}

fn command(command: Command, id: &str) -> CommandRequest {
    CommandRequest {
        command,
        by: "ops:alice".to_owned(),
        id: id.to_owned(),
    }
}

fn resend(step_id: &str) -> ResendSignal {
    ResendSignal {
        step_id: step_id.to_owned(),
        by: "ops:alice".to_owned(),
    }
}

fn state_of(status: &chaser_workflows::contracts::StatusView, step_id: &str) -> Option<StepState> {
    status
        .sends
        .iter()
        .find(|e| e.step_id == step_id)
        .map(|e| e.state.clone())
}

/// Clicks the pay link until the chase continues as new (each click is a few more history
/// events); returns every click's time.
async fn click_until_it_continues(chase: &Chase, clicks: &mut Vec<jiff::Timestamp>) {
    let run = chase.run_id().await;
    while chase.run_id().await == run {
        assert!(
            clicks.len() < 15,
            "no continue-as-new after {} clicks",
            clicks.len()
        );
        let at = clock::now();
        let click = PayLinkClickedSignal {
            at,
            to: "https://pay.example/x".to_owned(),
        };
        chase.idle().await;
        chase.signal(InvoiceChase::pay_link_clicked, click).await;
        clicks.push(at);
        let n = clicks.len();
        chase
            .status_until("the click", |s| s.pay_clicks.len() == n)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chase_continues_as_new_carrying_everything() {
    with_worker(server(), "continue-as-new", async |env| {
        let steps = [
            step("s0", "after_issue 1s", "nudge"),
            step("s1", "after_issue 2s", "follow_up"),
            step("s2", "after_issue 3s", "follow_up"),
        ]
        .concat();
        let deferred_until = clock::in_secs(3600);
        env.fakes.answer("s1", Answer::Reject);
        env.fakes.answer("s1~resend1", Answer::Reject);
        let deferral = SendResult::Deferred {
            until: deferred_until,
            reason: "daily_cap: 50 today".to_owned(),
        };
        env.fakes.answer("s2", Answer::Result(deferral));
        let chase = env.start("CAN-1", &steps).await;

        chase
            .status_until("s1 to fail", |s| {
                matches!(state_of(s, "s1"), Some(StepState::Failed { .. }))
            })
            .await;
        chase.idle().await;
        chase.signal(InvoiceChase::resend, resend("s1")).await;
        clock::until("s1 to be resent", PATIENCE, async || {
            env.fakes
                .keys()
                .contains(&"s1~resend1".to_owned())
                .then_some(())
        })
        .await;
        chase
            .status_until("s1's resend to fail and s2 to be deferred", |s| {
                matches!(state_of(s, "s1"), Some(StepState::Failed { .. }))
                    && s.next_touch
                        .as_ref()
                        .is_some_and(|n| n.at == deferred_until)
            })
            .await;

        let pause = command(
            Command::Pause {
                until: Some(clock::in_secs(7200)),
                days: None,
                reason: String::new(),
            },
            "pause-1",
        );
        chase.idle().await;
        let paused = chase.command(pause.clone()).await.unwrap();
        assert!(
            matches!(
                paused,
                CommandReply::Done {
                    state: ChaseState::Paused,
                    pauses_used: 1,
                    ..
                }
            ),
            "{paused:?}"
        );
        chase.idle().await;
        chase
            .command(command(Command::Resume, "resume-1"))
            .await
            .unwrap();

        let mut clicks = vec![];
        click_until_it_continues(&chase, &mut clicks).await;
        assert_ne!(chase.run_id().await, chase.first_run);

        // The latest run knows what every earlier run did.
        let status = chase.status().await;
        assert_eq!(status.state, ChaseState::Failed, "s1 failed last");
        assert_eq!((status.pauses_used, status.paused_until), (1, None));
        assert_eq!(status.pay_clicks, clicks);
        let next = status.next_touch.as_ref().unwrap();
        assert_eq!(
            (next.step_id.as_str(), next.at),
            ("s2", deferred_until),
            "the deferral"
        );
        let sent: Vec<(&str, Option<&str>)> = status
            .sends
            .iter()
            .map(|e| (e.step_id.as_str(), e.message_id.as_deref()))
            .collect();
        assert_eq!(sent, [("s0", Some("msg-s0")), ("s1", None)]);

        // A repeated id is answered from memory, not paused again.
        chase.idle().await;
        assert_eq!(chase.command(pause).await.unwrap(), paused);
        let status = chase.status().await;
        assert_eq!((status.state, status.pauses_used), (ChaseState::Failed, 1));

        // The resend count came along: the next resend's key is a fresh one.
        chase.idle().await;
        chase.signal(InvoiceChase::resend, resend("s1")).await;
        let status = chase
            .status_until("s1's second resend to be sent", |s| {
                state_of(s, "s1") == Some(StepState::Done)
            })
            .await;
        let s1 = status.sends.iter().find(|e| e.step_id == "s1").unwrap();
        assert_eq!(s1.message_id.as_deref(), Some("msg-s1~resend2"));
        // Sent at last, the failed step returns the chase to where it was before the failure,
        // though a pause was taken and ended while it had failed.
        assert_eq!(status.state, ChaseState::Scheduled);
        let mut keys = env.fakes.keys();
        keys.sort();
        assert_eq!(keys, ["s0", "s1", "s1~resend1", "s1~resend2", "s2"]);
        // One audit sequence through every run: each event once, none missing.
        let seqs = env.fakes.audit_seqs();
        let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(seqs, expected);
    })
    .await;
}
