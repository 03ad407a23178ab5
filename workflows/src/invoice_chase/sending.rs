//! Sending: one step to its recipients, and approvals. Every message goes
//! through the `email.send_message` activity (the guardrails), on the rate-limited sending
//! queue; this module records what came of it.

use std::time::Duration;

use chaser_domain::schedule::{HistoryEntry, SkipReason, StepState};
use chaser_domain::{AuditAction, Email, Move, PlannedStep};
use jiff::Timestamp;
use temporalio_workflow::{
    ActivityCancellationType, ActivityExecutionError, ActivityOptions, CancellableFuture,
    RetryPolicy, WorkflowContext, WorkflowResult, workflows::select,
};

use super::{
    ChaseActivities, InvoiceChase, SEND_HEARTBEAT_TIMEOUT, SEND_TIMEOUT, actor, failure_of,
    timestamp,
};
use crate::contracts::{
    AuditBatch, AuditEvent, ExpireApproval, ExpiryOutcome, MessageKind, SendRequest, SendResult,
};
use crate::names;

/// What came of one step, as its history entry records it.
#[derive(Clone)]
struct Outcome {
    state: StepState,
    recipients: Vec<Email>,
    message_id: Option<String>,
    note: Option<String>,
    /// The owner was told: the step escalates, or nobody could be reached.
    owner_told: bool,
}

impl Outcome {
    /// Sent to `recipients`.
    fn sent(recipients: Vec<Email>, message_id: Option<String>) -> Outcome {
        Outcome {
            state: StepState::Done,
            recipients,
            message_id,
            note: None,
            owner_told: false,
        }
    }

    /// Not sent, for `note`'s reason (rejected, or its approval ran out).
    fn declined(note: String) -> Outcome {
        Outcome {
            state: StepState::Skipped {
                reason: SkipReason::Declined,
            },
            recipients: vec![],
            message_id: None,
            note: Some(note),
            owner_told: false,
        }
    }
}

impl InvoiceChase {
    /// A guardrail said "not yet": the step waits until `until`.
    fn defer(&mut self, step_id: &str, until: Timestamp, reason: &str, now: Timestamp) {
        self.chase.defer(step_id, until);
        let detail = format!("{step_id}: {reason}");
        self.audit(
            now,
            AuditAction::StepDeferred,
            "chaser",
            None,
            None,
            Some(detail),
        );
    }

    /// What the store will show once `step` went out as `outcome` at `at`: the events queued
    /// now, the step's own under a number reserved for it now, and the chase after it.
    fn foresee(
        &mut self,
        step: &PlannedStep,
        outcome: Outcome,
        at: Timestamp,
        one_writer: bool,
    ) -> (u64, AuditBatch) {
        let seq = self.reserve_seq();
        let mut after = self.clone();
        after.record_step(step, outcome, at, Some(seq));
        after.replan(at);
        (seq, after.batch(one_writer))
    }

    /// Sends one message through the guardrails; `None` when a command stopped it before it
    /// reached the provider. Under the one-writer patch a command that arrives meanwhile is
    /// written to the store at once (the send's last check reads it there), and one that makes
    /// this message wrong cancels it if it has not started yet; one already started is waited
    /// for, so a stop is answered only when nothing wrong is still on its way.
    pub(super) async fn send(
        ctx: &mut WorkflowContext<Self>,
        request: SendRequest,
        summary: String,
    ) -> WorkflowResult<Option<Result<SendResult, String>>> {
        let retry = RetryPolicy::builder()
            .initial_interval(Duration::from_secs(2))
            .backoff_coefficient(2.0)
            .maximum_interval(Duration::from_secs(120))
            .maximum_attempts(12)
            .non_retryable_error_types([names::failure::EMAIL_REJECTED])
            .build();
        let one_writer = ctx.patched(names::patch::ONE_WRITER);
        // Sends go through their own task queue, which the worker rate-limits to the mail
        // provider's maximum send rate.
        let options = ActivityOptions::with_start_to_close_timeout(SEND_TIMEOUT)
            .heartbeat_timeout(SEND_HEARTBEAT_TIMEOUT)
            .retry_policy(retry)
            .summary(summary)
            .task_queue(names::sending_queue(ctx.task_queue()))
            .maybe_cancellation_type(
                one_writer.then_some(ActivityCancellationType::WaitCancellationCompleted),
            )
            .build();
        let kind = request.kind;
        let step_id = request.step.as_ref().map(|s| s.id.clone());
        if !one_writer {
            let result = ctx
                .execute_activity(ChaseActivities::send_message, request, options)
                .await;
            return Ok(Some(result.map_err(|e| failure_of(&e).1)));
        }
        // A clone schedules the activity, so the loop below may flush through `ctx`.
        let scheduler = ctx.clone();
        let mut activity = std::pin::pin!(scheduler.execute_activity(
            ChaseActivities::send_message,
            request,
            options
        ));
        ctx.state_mut(|s| {
            s.sending = Some(kind);
            s.sending_step = step_id;
        });
        let mut cancelled = false;
        let result = loop {
            select! {
                result = activity.as_mut() => break result,
                woken = ctx.wait_condition(|s| !s.audit_queue.is_empty()) => woken?,
            };
            Self::publish(ctx, timestamp(ctx.workflow_time()));
            Self::flush_audit(ctx).await?;
            if !cancelled && ctx.state(|s| s.stops(kind)) {
                activity.cancel();
                cancelled = true;
            }
        };
        ctx.state_mut(|s| {
            s.sending = None;
            s.sending_step = None;
        });
        Ok(match result {
            Err(ActivityExecutionError::Cancelled(_)) if cancelled => None,
            other => Some(other.map_err(|e| failure_of(&e).1)),
        })
    }

    /// A command stopped this kind of message while it was on its way, and it did not go
    /// out: under the one-writer patch the step is left pending rather than recorded as
    /// declined, so a pause or a dispute never loses it.
    fn stopped_meanwhile(
        ctx: &mut WorkflowContext<Self>,
        kind: MessageKind,
        result: &Result<SendResult, String>,
    ) -> bool {
        let went_out = matches!(
            result,
            Ok(SendResult::Sent { .. } | SendResult::DryRun | SendResult::Uncertain { .. })
        );
        !went_out && ctx.patched(names::patch::ONE_WRITER) && ctx.state(|s| s.stops(kind))
    }

    /// Sends one step: to the customer, and to the owner when the step escalates, no contact
    /// fits, or nobody can be reached. Records the outcome and moves the state. A message a
    /// guardrail defers, or one that must wait for approval, leaves the step pending.
    pub(super) async fn run_step(
        ctx: &mut WorkflowContext<Self>,
        step: PlannedStep,
        approved: bool,
    ) -> WorkflowResult<()> {
        let unused = Self::send_step(ctx, step, approved).await?;
        ctx.state_mut(|s| s.release(unused));
        Ok(())
    }

    /// `run_step`'s work; returns the audit number it reserved and did not use.
    async fn send_step(
        ctx: &mut WorkflowContext<Self>,
        step: PlannedStep,
        approved: bool,
    ) -> WorkflowResult<Option<u64>> {
        let workflow_id = ctx.workflow_id().to_owned();
        let started = timestamp(ctx.workflow_time());
        // The step's last message writes the step's audit event itself when it goes out.
        let foresight = ctx.patched(names::patch::FEWER_ACTIONS_2);
        let one_writer = ctx.patched(names::patch::ONE_WRITER);
        ctx.state_mut(|s| {
            let schedule = s.schedule.clone();
            let skipped = s.chase.record_superseded(&schedule, &step, started);
            if !skipped.is_empty() {
                let detail = format!(
                    "missed while the chase waited; {} goes out instead: {}",
                    step.id,
                    skipped.join(", ")
                );
                s.audit(
                    started,
                    AuditAction::StepsSkipped,
                    "chaser",
                    None,
                    None,
                    Some(detail),
                );
            }
        });
        // After a broken promise the next message goes one rung firmer.
        let step = if ctx.state(|s| s.chase.firmer_next) {
            PlannedStep {
                tone: step.tone.firmer(),
                ..step
            }
        } else {
            step
        };
        let (invoice, history, settings, key) = ctx.state(|s| {
            (
                s.chase.invoice.clone(),
                s.chase.history.entries.clone(),
                s.settings.clone(),
                s.chase.message_key(&step.id),
            )
        });
        let request =
            |key: String, kind, to: Vec<Email>, cc: Vec<Email>, note: Option<String>| SendRequest {
                workflow_id: workflow_id.clone(),
                key,
                kind,
                step: Some(step.clone()),
                invoice: invoice.clone(),
                to,
                cc,
                history: history.clone(),
                settings: Some(settings.clone()),
                approved,
                note,
                audit_when_sent: None,
            };
        let r = &step.recipients;
        // The number reserved for the step's event, and whether a send wrote it.
        let mut foreseen: Option<u64> = None;
        let mut written = false;
        let mut sent_to: Vec<Email> = Vec::new();
        let mut outcome: Option<Result<SendResult, String>> = None;
        let mut owner_note: Option<String> = None;
        if !r.to.is_empty() {
            let mut req = request(
                key.clone(),
                MessageKind::Reminder,
                r.to.clone(),
                r.cc.clone(),
                None,
            );
            if foresight && !r.owner {
                let sent = Outcome::sent(r.to.iter().chain(&r.cc).cloned().collect(), None);
                let (seq, batch) = ctx.state_mut(|s| s.foresee(&step, sent, started, one_writer));
                foreseen = Some(seq);
                req.audit_when_sent = Some(Self::addressed(ctx, batch));
            }
            let Some(result) = Self::send(ctx, req, format!("send {}", step.id)).await? else {
                // Stopped before it went out: the step stays pending for when the chase goes on.
                return Ok(foreseen);
            };
            if Self::stopped_meanwhile(ctx, MessageKind::Reminder, &result) {
                return Ok(foreseen);
            }
            match &result {
                // An uncertain send may have reached them: it counts for the pacing rules.
                Ok(SendResult::Sent { .. } | SendResult::DryRun | SendResult::Uncertain { .. }) => {
                    sent_to.extend(r.to.iter().chain(&r.cc).cloned());
                    ctx.state_mut(|s| s.chase.firmer_next = false);
                    written = foreseen.is_some() && matches!(result, Ok(SendResult::Sent { .. }));
                }
                Ok(SendResult::Deferred { until, reason }) => {
                    ctx.state_mut(|s| {
                        s.release(foreseen.take());
                        s.defer(&step.id, *until, reason, started);
                    });
                    return Ok(foreseen);
                }
                Ok(SendResult::AwaitingApproval { expires_at }) => {
                    let expires_at = *expires_at;
                    ctx.state_mut(|s| {
                        s.release(foreseen.take());
                        s.chase.await_approval(step.clone(), key, expires_at);
                        let detail = format!("{} waits for approval until {expires_at}", step.id);
                        s.audit(
                            started,
                            AuditAction::ApprovalRequested,
                            "chaser",
                            None,
                            None,
                            Some(detail),
                        );
                    });
                    return Ok(foreseen);
                }
                Ok(SendResult::Unreachable { reason }) => owner_note = Some(reason.clone()),
                _ => {}
            }
            outcome = Some(result);
        }
        if r.owner || owner_note.is_some() {
            let note = owner_note
                .clone()
                .map(|why| format!("no reminder could be sent ({why})"));
            let mut req = request(
                format!("{key}/owner"),
                MessageKind::OwnerEscalation,
                vec![invoice.owner_email.clone()],
                vec![],
                note,
            );
            // The step's outcome is known already (sent to the customer) or is this message's.
            let known = match &outcome {
                Some(Ok(SendResult::Sent { message_id })) => Some(Some(message_id.clone())),
                None => Some(None),
                _ => None,
            };
            if foresight && let Some(message_id) = known {
                let sent = Outcome::sent(sent_to.clone(), message_id);
                let (seq, batch) = ctx.state_mut(|s| s.foresee(&step, sent, started, one_writer));
                foreseen = Some(seq);
                req.audit_when_sent = Some(Self::addressed(ctx, batch));
            }
            let carries = req.audit_when_sent.is_some();
            let Some(result) =
                Self::send(ctx, req, format!("escalate {} to the owner", step.id)).await?
            else {
                return Ok(foreseen);
            };
            if outcome.is_none()
                && Self::stopped_meanwhile(ctx, MessageKind::OwnerEscalation, &result)
            {
                return Ok(foreseen);
            }
            written = carries && matches!(result, Ok(SendResult::Sent { .. }));
            // The customer message decides the step's outcome when there is one.
            if outcome.is_none() {
                if let Ok(SendResult::Deferred { until, reason }) = &result {
                    ctx.state_mut(|s| {
                        s.release(foreseen.take());
                        s.defer(&step.id, *until, reason, started);
                    });
                    return Ok(foreseen);
                }
                outcome = Some(result);
            }
        }
        // A written step keeps the time it was foreseen at, as the store has it.
        let now = if written {
            started
        } else {
            timestamp(ctx.workflow_time())
        };
        let declined = StepState::Skipped {
            reason: SkipReason::Declined,
        };
        let (state, message_id, note) = match outcome {
            Some(Ok(SendResult::Sent { message_id })) => (StepState::Done, Some(message_id), None),
            Some(Ok(SendResult::DryRun)) => (
                StepState::Done,
                None,
                Some("dry run: rendered, not sent".to_owned()),
            ),
            Some(Ok(SendResult::Declined { reason })) => (declined, None, Some(reason)),
            Some(Ok(SendResult::Uncertain { reason })) => (
                StepState::Uncertain {
                    reason: reason.clone(),
                },
                None,
                Some(reason),
            ),
            Some(Ok(SendResult::Unreachable { reason })) => (
                declined,
                None,
                Some(format!("{reason}; the owner was told")),
            ),
            Some(Ok(other)) => (declined, None, Some(format!("owner message: {other:?}"))),
            Some(Err(error)) => (
                StepState::Failed {
                    error: error.clone(),
                },
                None,
                Some(error),
            ),
            None => (declined, None, Some("no recipient".to_owned())),
        };
        let recorded = Outcome {
            state,
            recipients: sent_to,
            message_id,
            note,
            owner_told: owner_note.is_some(),
        };
        ctx.state_mut(|s| {
            s.record_step(&step, recorded, now, foreseen);
            if let (true, Some(seq)) = (written, foreseen) {
                s.written_by_send(seq);
            }
        });
        Ok(None)
    }

    /// Records a step's outcome, moves the state, and audits it.
    fn record(
        ctx: &mut WorkflowContext<Self>,
        step: &PlannedStep,
        outcome: Outcome,
        now: Timestamp,
    ) {
        ctx.state_mut(|s| s.record_step(step, outcome, now, None));
    }

    /// Records a step's outcome and audits it, under `seq` if one was reserved for it.
    fn record_step(
        &mut self,
        step: &PlannedStep,
        outcome: Outcome,
        now: Timestamp,
        seq: Option<u64>,
    ) {
        let action = match &outcome.state {
            StepState::Done => AuditAction::StepSent,
            StepState::Failed { .. } => AuditAction::StepFailed,
            StepState::Uncertain { .. } => AuditAction::StepUncertain,
            _ => AuditAction::StepDeclined,
        };
        let detail = format!(
            "{}{}",
            step.id,
            outcome
                .note
                .as_ref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        );
        let owner_told = outcome.owner_told;
        let entry = HistoryEntry {
            step_id: step.id.clone(),
            at: now,
            state: outcome.state,
            recipients: outcome.recipients,
            message_id: outcome.message_id,
            note: outcome.note,
            dismissed: false,
        };
        let before = self.snapshot();
        self.chase
            .record_step(entry, step.action == Move::Escalate || owner_told);
        let after = self.snapshot();
        let seq = seq.unwrap_or_else(|| self.reserve_seq());
        self.audit_queue.push(AuditEvent {
            seq,
            at: now,
            action,
            actor: "chaser".to_owned(),
            before: Some(before),
            after: Some(after),
            detail: Some(detail),
        });
    }

    /// Sends an approved message, or records a rejected one as skipped.
    pub(super) async fn settle_approval(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<()> {
        let Some(waiting) = ctx.state_mut(|s| s.chase.take_approval()) else {
            return Ok(());
        };
        let Some(decision) = waiting.decision else {
            return Ok(());
        };
        if decision.approved {
            return Self::run_step(ctx, waiting.step, true).await;
        }
        let now = timestamp(ctx.workflow_time());
        let note = format!("rejected by {}", actor(&decision.by));
        Self::record(ctx, &waiting.step, Outcome::declined(note), now);
        Ok(())
    }

    /// Nobody approved the waiting message in time: it is dropped, never sent late.
    pub(super) async fn expire_waiting_approval(ctx: &mut WorkflowContext<Self>) {
        let Some(waiting) = ctx.state(|s| s.chase.awaiting.clone()) else {
            return;
        };
        let input = ExpireApproval {
            workflow_id: ctx.workflow_id().to_owned(),
            key: waiting.key.clone(),
        };
        let options = ActivityOptions::with_start_to_close_timeout(Duration::from_secs(30))
            .summary("expire the approval".to_owned())
            .build();
        let outcome = ctx
            .execute_activity(ChaseActivities::expire_approval, input, options)
            .await;
        let now = timestamp(ctx.workflow_time());
        match outcome {
            Ok(ExpiryOutcome::Expired) => {
                ctx.state_mut(|s| s.chase.take_approval());
                let note = "approval expired: dropped, never sent".to_owned();
                Self::record(ctx, &waiting.step, Outcome::declined(note), now);
            }
            // Decided just now: its signal is on the way.
            Ok(ExpiryOutcome::AlreadyDecided) => {
                ctx.state_mut(|s| s.chase.approval_decided_elsewhere())
            }
            Err(e) => ctx.state_mut(|s| {
                s.audit(
                    now,
                    AuditAction::ApprovalExpiryFailed,
                    "chaser",
                    None,
                    None,
                    Some(failure_of(&e).1),
                );
                s.chase.approval_decided_elsewhere();
            }),
        }
    }
}
