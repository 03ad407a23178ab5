//! A re-plan cancels the timer the chase was waiting on: the history shows the cancellation,
//! and the step never goes at its old time.

use chaser_domain::ChaseState;
use chaser_domain::schedule::StepState;
use chaser_workflows::InvoiceChase;
use chaser_workflows::contracts::{PauseSignal, RescheduleSignal, ResumeSignal};
use jiff::SignedDuration;
use temporalio_common::protos::temporal::api::history::v1::HistoryEvent;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

use crate::clock;
use crate::harness::{Chase, PATIENCE, cadence, server, step, with_worker};

/// The timers started in `history`: their ids and the summaries the Web UI shows.
fn timers_started(history: &[HistoryEvent]) -> Vec<(String, String)> {
    history
        .iter()
        .filter_map(|e| match &e.attributes {
            Some(Attributes::TimerStartedEventAttributes(a)) => {
                let summary = e
                    .user_metadata
                    .as_ref()
                    .and_then(|m| m.summary.as_ref())
                    .map(|p| String::from_utf8_lossy(&p.data).into_owned())
                    .unwrap_or_default();
                Some((a.timer_id.clone(), summary))
            }
            _ => None,
        })
        .collect()
}

fn timers_cancelled(history: &[HistoryEvent]) -> Vec<String> {
    history
        .iter()
        .filter_map(|e| match &e.attributes {
            Some(Attributes::TimerCanceledEventAttributes(a)) => Some(a.timer_id.clone()),
            _ => None,
        })
        .collect()
}

fn timers_fired(history: &[HistoryEvent]) -> Vec<String> {
    history
        .iter()
        .filter_map(|e| match &e.attributes {
            Some(Attributes::TimerFiredEventAttributes(a)) => Some(a.timer_id.clone()),
            _ => None,
        })
        .collect()
}

/// Waits for a timer whose summary mentions `text`; returns its id.
async fn timer_about(chase: &Chase, text: &str) -> String {
    let what = format!("a timer for {text}");
    clock::until(&what, PATIENCE, async || {
        let history = chase.history().await;
        timers_started(&history)
            .into_iter()
            .rev()
            .find(|(_, summary)| summary.contains(text))
            .map(|(id, _)| id)
    })
    .await
}

async fn cancelled(chase: &Chase, timer: &str) -> Vec<HistoryEvent> {
    let what = format!("timer {timer} to be cancelled");
    clock::until(&what, PATIENCE, async || {
        let history = chase.history().await;
        timers_cancelled(&history)
            .iter()
            .any(|t| t == timer)
            .then_some(history)
    })
    .await
}

fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reschedule_cancels_the_waiting_timer_and_the_old_step_never_goes() {
    with_worker(server(), "reschedule", async |env| {
        let chase = env
            .start(
                "TIMER-RESCHEDULE",
                &step("nudge", "after_issue 5s", "nudge"),
            )
            .await;
        let nudge_timer = timer_about(&chase, "(nudge)").await;

        let custom = RescheduleSignal {
            cadence: cadence(&step("later", "after_issue 8s", "follow_up")),
            by: "ops:alice".to_owned(),
        };
        chase.signal(InvoiceChase::reschedule, custom).await;
        cancelled(&chase, &nudge_timer).await;

        let sent = env.sent(1).await;
        assert_eq!(sent[0].request.key, "later");
        let due = chase.issued_at() + secs(8);
        assert!(sent[0].at >= due, "sent at {}, due at {due}", sent[0].at);
        let status = chase
            .status_until("the custom step to be recorded", |s| !s.sends.is_empty())
            .await;
        assert_eq!(status.sends.len(), 1, "{:#?}", status.sends);
        assert_eq!(status.sends[0].step_id, "later");
        assert_eq!(status.sends[0].state, StepState::Done);
        assert!(
            status.overrides.schedule,
            "the source may not undo custom steps"
        );
        let history = chase.history().await;
        assert!(!timers_fired(&history).contains(&nudge_timer));
        assert_eq!(env.fakes.keys(), ["later"], "the nudge never went");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_cancels_the_step_timer_and_a_resume_plans_the_step_again() {
    with_worker(server(), "pause-timer", async |env| {
        let chase = env
            .start("TIMER-PAUSE", &step("nudge", "after_issue 5s", "nudge"))
            .await;
        let nudge_timer = timer_about(&chase, "(nudge)").await;

        let pause = PauseSignal {
            until: Some(clock::in_secs(3600)),
            days: None,
            reason: String::new(),
            by: "ops:alice".to_owned(),
        };
        chase.signal(InvoiceChase::pause, pause).await;
        cancelled(&chase, &nudge_timer).await;
        let pause_timer = timer_about(&chase, "pause ends").await;
        assert_eq!(chase.status().await.state, ChaseState::Paused);

        let resume = ResumeSignal {
            by: "ops:alice".to_owned(),
        };
        chase.signal(InvoiceChase::resume, resume).await;
        let history = cancelled(&chase, &pause_timer).await;
        assert!(!timers_fired(&history).contains(&nudge_timer));

        let sent = env.sent(1).await;
        assert_eq!(sent[0].request.key, "nudge");
        let due = chase.issued_at() + secs(5);
        assert!(sent[0].at >= due, "sent at {}, due at {due}", sent[0].at);
        let history = chase.history().await;
        let nudge_timers: Vec<String> = timers_started(&history)
            .into_iter()
            .filter(|(_, summary)| summary.contains("(nudge)"))
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            nudge_timers.len(),
            2,
            "planned, then planned again: {nudge_timers:?}"
        );
        assert!(timers_fired(&history).contains(&nudge_timers[1]));
        assert_eq!(env.fakes.keys(), ["nudge"]);
    })
    .await;
}
