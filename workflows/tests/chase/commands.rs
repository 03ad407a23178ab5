//! The `command` update and the `command` signal: every command's one way in, and the
//! commands about one step (hold, dismiss) that re-plan the chase's timer.

use chaser_domain::schedule::StepState;
use chaser_domain::{AuditAction, ChaseState, Command, Resolution};
use chaser_workflows::InvoiceChase;
use chaser_workflows::contracts::{CommandReply, CommandRequest};

use crate::clock;
use crate::fakes::Answer;
use crate::harness::{calendar, eur, request, server, step, with_worker};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_update_pauses_refuses_and_answers_a_repeated_id_from_memory() {
    with_worker(server(), "command-update", async |env| {
        let chase = env
            .start("CMD-UPDATE", &step("nudge", "after_issue 1h", "nudge"))
            .await;
        let until = clock::in_secs(3600);
        let pause = CommandRequest {
            command: Command::Pause {
                until: Some(until),
                days: None,
                reason: "on holiday".to_owned(),
            },
            by: "ops:alice".to_owned(),
            id: "pause-1".to_owned(),
        };
        let reply = chase.command(pause.clone()).await.unwrap();
        let CommandReply::Done {
            state,
            balance,
            paused_until,
            pauses_used,
            ..
        } = reply.clone()
        else {
            panic!("the pause was not done: {reply:?}");
        };
        assert_eq!(
            (state, balance, paused_until, pauses_used),
            (ChaseState::Paused, eur("500.00"), Some(until), 1)
        );
        let status = chase.status().await;
        assert_eq!(status.state, ChaseState::Paused);
        assert_eq!(status.paused_until, Some(until));
        assert_eq!(status.pauses_used, 1);
        assert_eq!(status.next_touch, None, "a paused chase touches nobody");

        // The same id again (a webhook's retry): the first answer, and no second pause.
        assert_eq!(chase.command(pause).await.unwrap(), reply);
        assert_eq!(chase.status().await.pauses_used, 1);

        // Malformed: the validator refuses it, and Temporal records nothing.
        let malformed = request(Command::Pause {
            until: None,
            days: None,
            reason: String::new(),
        });
        let refused = chase.command(malformed).await.unwrap_err().to_string();
        assert!(
            refused.contains("a pause needs `until` or `days`"),
            "{refused}"
        );

        let reply = chase.command(request(Command::Resume)).await.unwrap();
        assert!(
            matches!(
                reply,
                CommandReply::Done {
                    state: ChaseState::Scheduled,
                    paused_until: None,
                    pauses_used: 1,
                    ..
                }
            ),
            "{reply:?}"
        );

        // Well formed but over the cap: the chase refuses it on its merits, with the reason.
        let long = request(Command::Pause {
            until: None,
            days: Some(45),
            reason: "a long holiday".to_owned(),
        });
        let reply = chase.command(long).await.unwrap();
        let CommandReply::Refused { reason } = reply else {
            panic!("a 45-day pause went through: {reply:?}");
        };
        assert!(reason.contains("over the cap of 30"), "{reason}");
        let status = chase.status().await;
        assert_eq!(
            (status.state, status.pauses_used, status.paused_until),
            (ChaseState::Scheduled, 1, None)
        );
        assert_eq!(status.next_touch.unwrap().step_id, "nudge");

        // An answer comes once the store shows it: the fake store has every event by now.
        assert_eq!(
            env.fakes.audit_actions(),
            [
                AuditAction::ChaseStarted,
                AuditAction::Pause,
                AuditAction::Resume,
                AuditAction::PauseRefused
            ]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_signal_does_the_command_and_audits_a_refusal() {
    with_worker(server(), "command-signal", async |env| {
        let chase = env
            .start("CMD-SIGNAL", &step("nudge", "after_issue 1h", "nudge"))
            .await;
        let dispute = request(Command::Dispute {
            reason: "wrong amount".to_owned(),
        });
        chase.signal(InvoiceChase::command_signal, dispute).await;
        let status = chase
            .status_until("the chase to be disputed", |s| {
                s.state == ChaseState::Disputed
            })
            .await;
        assert_eq!(status.next_touch, None);

        // Nobody is answered, so the refusal shows only in the audit log.
        chase
            .signal(InvoiceChase::command_signal, request(Command::Resume))
            .await;
        clock::until(
            "the refused resume in the audit log",
            crate::harness::PATIENCE,
            async || {
                env.fakes
                    .audit_actions()
                    .contains(&AuditAction::ResumeRefused)
                    .then_some(())
            },
        )
        .await;
        assert_eq!(chase.status().await.state, ChaseState::Disputed);

        let resolve = request(Command::Resolve {
            resolution: Resolution::Resume,
            reason: "credit note agreed".to_owned(),
        });
        chase.signal(InvoiceChase::command_signal, resolve).await;
        let status = chase
            .status_until("the chase to resume", |s| s.state == ChaseState::Scheduled)
            .await;
        assert_eq!(status.next_touch.unwrap().step_id, "nudge");
        assert_eq!(
            env.fakes.audit_actions(),
            [
                AuditAction::ChaseStarted,
                AuditAction::Dispute,
                AuditAction::ResumeRefused,
                AuditAction::ResolveResume
            ]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calendar_command_moves_the_next_step_off_a_new_holiday() {
    with_worker(server(), "command-calendar", async |env| {
        let chase = env
            .start("CMD-CALENDAR", &step("nudge", "after_issue 1h", "nudge"))
            .await;
        let planned = chase.status().await.next_touch.unwrap();
        let day = planned.at.to_zoned(jiff::tz::TimeZone::UTC).date();
        let mut holiday = calendar();
        holiday.holidays.insert(day);
        let reply = chase
            .command(request(Command::Calendar { calendar: holiday }))
            .await
            .unwrap();
        let CommandReply::Done { detail, .. } = reply else {
            panic!("the calendar was not taken: {reply:?}");
        };
        assert_eq!(detail, Some(format!("calendar: holidays added {day}")));
        let moved = chase
            .status_until("the nudge to move off the holiday", |s| {
                s.next_touch.as_ref().is_some_and(|n| n.at != planned.at)
            })
            .await
            .next_touch
            .unwrap();
        assert_eq!(moved.step_id, "nudge");
        assert!(moved.at.to_zoned(jiff::tz::TimeZone::UTC).date() > day);
        assert_eq!(
            env.fakes.audit_actions(),
            [AuditAction::ChaseStarted, AuditAction::CalendarChanged]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_moves_the_steps_send_time_and_it_goes_out_then() {
    with_worker(server(), "command-hold", async |env| {
        let chase = env
            .start("CMD-HOLD", &step("nudge", "after_issue 3s", "nudge"))
            .await;
        let planned = chase.status().await.next_touch.unwrap();
        let until = clock::in_secs(6);
        let hold = request(Command::Hold {
            step_id: "nudge".to_owned(),
            until,
        });
        let reply = chase.command(hold).await.unwrap();
        let CommandReply::Done { state, detail, .. } = reply else {
            panic!("the hold was refused: {reply:?}");
        };
        assert_eq!(state, ChaseState::Scheduled);
        assert_eq!(detail, Some(format!("nudge held until {until}")));
        let status = chase.status().await;
        let next = status.next_touch.unwrap();
        assert_eq!((next.step_id.as_str(), next.at), ("nudge", until));
        assert!(until > planned.at);

        // The re-planned timer wakes it then, not at the cadence's time.
        let sent = env.sent(1).await;
        assert!(
            sent[0].at >= until,
            "sent at {}, held until {until}",
            sent[0].at
        );
        chase
            .status_until("the nudge to be recorded", |s| {
                s.sends.iter().any(|e| e.state == StepState::Done)
            })
            .await;
        assert_eq!(
            env.fakes.audit_actions(),
            [
                AuditAction::ChaseStarted,
                AuditAction::Held,
                AuditAction::StepSent
            ]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dismissed_failure_returns_the_chase_to_its_state_and_the_next_step_goes_out() {
    with_worker(server(), "command-dismiss", async |env| {
        env.fakes.answer("nudge", Answer::Reject);
        let steps = [
            step("nudge", "after_issue 1s", "nudge"),
            step("follow_up", "after_issue 8s", "follow_up"),
        ]
        .concat();
        let chase = env.start("CMD-DISMISS", &steps).await;
        chase
            .status_until("the nudge to fail", |s| s.state == ChaseState::Failed)
            .await;

        let dismiss = request(Command::Dismiss {
            step_id: "nudge".to_owned(),
        });
        let reply = chase.command(dismiss.clone()).await.unwrap();
        assert!(
            matches!(
                reply,
                CommandReply::Done {
                    state: ChaseState::Scheduled,
                    ..
                }
            ),
            "{reply:?}"
        );
        let status = chase.status().await;
        assert!(
            status.sends[0].dismissed && matches!(status.sends[0].state, StepState::Failed { .. }),
            "{:#?}",
            status.sends
        );
        assert_eq!(status.next_touch.unwrap().step_id, "follow_up");

        // Dismissed once: the second is refused on its merits.
        let again = chase.command(dismiss).await.unwrap();
        assert!(
            matches!(&again, CommandReply::Refused { reason } if reason.contains("dismissed already")),
            "{again:?}"
        );

        env.sent(2).await;
        chase
            .status_until("the follow-up to be recorded", |s| {
                s.sends.iter().any(|e| e.step_id == "follow_up")
            })
            .await;
        assert_eq!(env.fakes.keys(), ["nudge", "follow_up"], "never sent again");
        assert_eq!(
            env.fakes.audit_actions(),
            [
                AuditAction::ChaseStarted,
                AuditAction::StepFailed,
                AuditAction::Dismissed,
                AuditAction::DismissRefused,
                AuditAction::StepSent
            ]
        );
    })
    .await;
}
