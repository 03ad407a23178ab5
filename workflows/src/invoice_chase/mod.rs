//! `InvoiceChase`: one long-running workflow per invoice.
//!
//! It asks the domain for the schedule, sleeps on a durable timer until the next step, sends
//! through activities, and re-plans whenever a command changes something. Decisions (caps,
//! payments, catch-up, windows) are made by `chaser_domain`; this module only orchestrates.
//! Deterministic: no I/O, no system clock, no randomness.
//!
//! The chase is the single writer of its own state: every command reaches it as the
//! `command` update (or signal), and the store's copy is what it writes (`audit`). Sending
//! lives in `sending`, commands in `commands`, search attributes in `publish`.

mod audit;
mod commands;
mod lifecycle;
mod publish;
mod sending;
mod thanks;
mod view;

use std::time::{Duration, SystemTime};

use chaser_domain::chase::{ApprovalDecision, Due};
use chaser_domain::{AuditAction, Cadence, Chase, Command, Schedule, Settings};
use jiff::Timestamp;
use temporalio_common::ActivityError;
use temporalio_common::error::IncomingError;
use temporalio_macros::{activity_definitions, workflow, workflow_methods};
use temporalio_workflow::{
    ActivityExecutionError, CancellableFuture, SyncWorkflowContext, TimerOptions, WorkflowContext,
    WorkflowContextView, WorkflowResult, workflows::select,
};

use crate::contracts::{
    Answered, ApprovalSignal, AuditBatch, AuditEvent, Carried, ChaseInput, ChaseOutcome,
    CommandReply, CommandRequest, DisputeSignal, ExpireApproval, ExpiryOutcome, MessageKind,
    PaidSignal, PauseReply, PauseSignal, PayLinkClickedSignal, PaymentSignal, PromiseSignal,
    RescheduleSignal, ResendSignal, ResolveSignal, ResumeSignal, SendRequest, SendResult,
    StatusView, UpdateInvoiceSignal, VoidSignal, WriteoffSignal,
};
use crate::names;
use publish::Published;
pub use publish::start_search_attributes;
use view::step_summary;

/// How long one attempt at sending a message may take; a stop waits for no older attempt.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// A send attempt that has not reported for this long is presumed dead (its worker died): it
/// is retried, and finding its message handed over, records it as uncertain.
pub const SEND_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(20);

/// The activities a chase calls; implemented in `chaser-activities`.
pub struct ChaseActivities;

#[activity_definitions]
impl ChaseActivities {
    /// Sends one message through the guardrails (fresh state, outbox), or declines it.
    #[activity(name = names::activity::SEND_MESSAGE)]
    pub fn send_message(request: SendRequest) -> Result<SendResult, ActivityError> {
        unimplemented!()
    }

    /// Drops a message whose approval ran out (unless it was just decided).
    #[activity(name = names::activity::EXPIRE_APPROVAL)]
    pub fn expire_approval(input: ExpireApproval) -> Result<ExpiryOutcome, ActivityError> {
        unimplemented!()
    }

    /// Appends audit events and records the invoice's current state in the store.
    #[activity(name = names::activity::RECORD_AUDIT)]
    pub fn record_audit(batch: AuditBatch) -> Result<(), ActivityError> {
        unimplemented!()
    }
}

/// The activity markers, for `#[activity(definition = ...)]` in the implementing crate.
pub mod activity_defs {
    pub use super::chase_activities::{ExpireApproval, RecordAudit, SendMessage};
}

/// `Clone` foresees what the chase will be after a send, to hand that to the send.
#[workflow]
#[derive(Clone)]
pub struct InvoiceChase {
    cadence: Cadence,
    settings: Settings,
    chase: Chase,
    schedule: Schedule,
    audit_seq: u64,
    audit_queue: Vec<AuditEvent>,
    /// The last audit event the store has: the store shows the chase up to here.
    flushed_seq: u64,
    /// A command changed something: re-plan.
    dirty: bool,
    /// The latest workflow time seen, for handlers that have no clock (validators).
    clock: Timestamp,
    published: Option<Published>,
    /// The answers to the latest commands that carried an id.
    answered: Vec<Answered>,
    /// The kind of message on its way to the provider, if one is.
    sending: Option<MessageKind>,
    /// The step whose message that is: too late to hold.
    sending_step: Option<String>,
    /// Whether the customer's name is published as a search attribute.
    index_customer_name: bool,
}

/// Why the main loop woke up.
enum Wake {
    Timer,
    Signal,
}

pub(crate) fn timestamp(t: Option<SystemTime>) -> Timestamp {
    t.and_then(|t| Timestamp::try_from(t).ok())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(crate) fn actor(by: &str) -> String {
    if by.trim().is_empty() {
        "unknown".to_owned()
    } else {
        by.trim().to_owned()
    }
}

/// The failure's type name (for branching) and message (for people).
pub(crate) fn failure_of(error: &ActivityExecutionError) -> (Option<String>, String) {
    match error {
        ActivityExecutionError::Failed(f) => match f.cause() {
            Some(IncomingError::Application(app)) => {
                (app.type_name().map(str::to_owned), app.to_string())
            }
            Some(other) => (None, other.failure().message.clone()),
            None => (None, f.failure().message.clone()),
        },
        other => (None, other.to_string()),
    }
}

#[workflow_methods]
impl InvoiceChase {
    #[init]
    pub fn new(ctx: &WorkflowContextView, input: ChaseInput) -> Self {
        let fresh = input.carried.is_none();
        let index_customer_name = input.index_customer_name;
        let carried = input
            .carried
            .unwrap_or_else(|| Carried::fresh(Chase::new(input.invoice)));
        let mut me = InvoiceChase {
            cadence: input.cadence,
            settings: input.settings,
            chase: carried.chase,
            schedule: Schedule { steps: vec![] },
            audit_seq: carried.audit_seq,
            audit_queue: vec![],
            flushed_seq: carried.audit_seq,
            dirty: false,
            // A command can arrive in the chase's very first task, before the loop reads the
            // clock: its validator must not judge deadlines from 1970.
            clock: timestamp(ctx.start_time()),
            published: None,
            answered: carried.answered,
            sending: None,
            sending_step: None,
            index_customer_name,
        };
        if fresh {
            let after = me.snapshot();
            let detail = format!("cadence {}", me.cadence.name);
            let at = timestamp(ctx.start_time());
            me.audit(
                at,
                AuditAction::ChaseStarted,
                &actor(&input.started_by),
                None,
                Some(after),
                Some(detail),
            );
        }
        me
    }

    #[run(name = names::workflow::INVOICE_CHASE)]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<ChaseOutcome> {
        loop {
            let now = timestamp(ctx.workflow_time());
            let next = ctx.state_mut(|s| s.begin_turn(now));
            Self::publish(ctx, now);
            let lean = ctx.patched(names::patch::FEWER_ACTIONS);
            let one_writer = ctx.patched(names::patch::ONE_WRITER);
            let state = ctx.state(|s| s.chase.state);
            let thanks_due = ctx.state(|s| s.chase.thanks_due(&s.settings));
            // Before the one-writer patch a paid chase wrote its audit once, after the
            // thank-you; now the store shows `paid` first, which the thank-you's fresh-state
            // check reads.
            if one_writer || !(lean && thanks_due) {
                Self::flush_audit(ctx).await?;
            }
            if state.is_closed() {
                return Self::close(ctx, one_writer).await;
            }
            if ctx.continue_as_new_suggested() {
                return Self::continue_as_new(ctx, one_writer).await;
            }
            if ctx.state(|s| s.dirty) {
                continue;
            }

            let Some((at, next)) = next else {
                // Disputed, or every step has run: wait for a signal (paid, resolve, ...).
                ctx.wait_condition(|s| s.dirty).await?;
                continue;
            };
            if at > now {
                let summary = match &next {
                    Due::Step(step) => step_summary(step),
                    Due::PauseEnds => "pause ends".to_owned(),
                    Due::ApprovalExpires => "approval expires".to_owned(),
                    Due::ApprovalDecided => "approval decided".to_owned(),
                };
                let wait = now.duration_until(at).unsigned_abs();
                let mut timer =
                    std::pin::pin!(ctx.timer(TimerOptions::builder(wait).summary(summary).build()));
                let woke = select! {
                    _ = timer.as_mut() => Wake::Timer,
                    woken = ctx.wait_condition(|s| s.dirty) => { woken?; Wake::Signal },
                };
                if let Wake::Signal = woke {
                    // A dropped timer would still fire later; cancel it explicitly.
                    timer.cancel();
                }
                // Re-plan on waking: a timer that fires after an outage must not send a step
                // the catch-up policy now skips.
                continue;
            }
            match next {
                Due::Step(step) => Self::run_step(ctx, *step, false).await?,
                Due::ApprovalDecided => Self::settle_approval(ctx).await?,
                Due::ApprovalExpires => Self::expire_waiting_approval(ctx).await,
                Due::PauseEnds => {}
            }
        }
    }

    /// A human approved or rejected the message that waits.
    #[signal(name = names::signal::APPROVAL)]
    pub fn approval(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: ApprovalSignal) {
        let now = self.tick(ctx);
        let who = actor(&input.by);
        let decision = ApprovalDecision {
            approved: input.approved,
            by: input.by,
        };
        let decided = if input.approved {
            AuditAction::MessageApproved
        } else {
            AuditAction::MessageRejected
        };
        let (action, detail) = match self.chase.decide_approval(&input.key, decision.clone()) {
            Ok(step_id) => (decided, format!("{step_id} ({})", input.key)),
            // Decided before the send activity's answer says the message waits.
            Err(_) if self.chase.decide_early(&input.key, decision) => (
                decided,
                format!("{}: before the chase recorded its wait", input.key),
            ),
            Err(refused) => (AuditAction::ApprovalRefused, refused.to_string()),
        };
        self.audit(now, action, &who, None, None, Some(detail));
        self.dirty = true;
    }

    /// The customer opened a pay link: part of the chase's story, and the audit log.
    #[signal(name = names::signal::PAY_LINK_CLICKED)]
    pub fn pay_link_clicked(
        &mut self,
        ctx: &mut SyncWorkflowContext<Self>,
        input: PayLinkClickedSignal,
    ) {
        let now = self.tick(ctx);
        self.chase.pay_link_clicked(input.at);
        let detail = (!input.to.is_empty()).then(|| format!("to {}", input.to));
        self.audit(
            now,
            AuditAction::PayLinkClicked,
            "customer",
            None,
            None,
            detail,
        );
        // Wakes the loop, which flushes the audit event.
        self.dirty = true;
    }

    /// Every command, answered: the validator refuses a malformed one with the reason; the
    /// chase then does it, or refuses it on its merits (audited). Either answer comes once
    /// the store shows it and, for a stop, once nothing it makes wrong is on its way.
    #[update(name = names::update::COMMAND)]
    pub async fn command(ctx: &mut WorkflowContext<Self>, input: CommandRequest) -> CommandReply {
        let now = timestamp(ctx.workflow_time());
        let (reply, seq) = ctx.state_mut(|s| {
            s.clock = s.clock.max(now);
            s.take_command(now, input)
        });
        // Cancelled only with the whole chase, when there is nobody left to answer anyway.
        let _ = ctx
            .wait_condition(move |s| s.flushed_seq >= seq && s.nothing_wrong_in_flight())
            .await;
        reply
    }

    #[update_validator(command)]
    fn validate_command(
        &self,
        _ctx: &WorkflowContextView,
        input: &CommandRequest,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        match self.refuses(input) {
            Some(reason) => Err(reason.into()),
            None => Ok(()),
        }
    }

    /// The `command` update as a signal: durable when no worker runs, and answered by nobody.
    /// A refusal is audited like any other.
    #[signal(name = names::signal::COMMAND)]
    pub fn command_signal(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: CommandRequest) {
        let now = self.tick(ctx);
        self.take_command(now, input);
    }

    /// Sends a failed step again, through the same guardrails.
    #[signal(name = names::signal::RESEND)]
    pub fn resend(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: ResendSignal) {
        let command = Command::Resend {
            step_id: input.step_id,
        };
        self.legacy(ctx, command, input.by);
    }

    #[signal(name = names::signal::PAID)]
    pub fn paid(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: PaidSignal) {
        let command = Command::Paid {
            paid_at: input.paid_at,
            reference: input.reference,
        };
        self.legacy(ctx, command, input.by);
    }

    /// Custom steps for this invoice: the cadence is replaced and the chase re-planned.
    #[signal(name = names::signal::RESCHEDULE)]
    pub fn reschedule(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: RescheduleSignal) {
        let command = Command::Reschedule {
            cadence: input.cadence,
        };
        self.legacy(ctx, command, input.by);
    }

    /// A promise to pay by a date: the chase waits until then, and resumes firmer if the day
    /// passes unpaid. `until` (an instant) is for short tests; owners give `pay_by`.
    #[signal(name = names::signal::PROMISE)]
    pub fn promise(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: PromiseSignal) {
        let command = Command::Promise {
            pay_by: input.pay_by,
            until: input.until,
            note: input.note,
        };
        self.legacy(ctx, command, input.by);
    }

    #[signal(name = names::signal::PAYMENT)]
    pub fn payment(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: PaymentSignal) {
        let command = Command::Payment {
            amount: input.amount,
            paid_at: input.paid_at,
            reference: input.reference,
        };
        self.legacy(ctx, command, input.by);
    }

    #[signal(name = names::signal::PAUSE)]
    pub fn pause(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: PauseSignal) {
        let command = Command::Pause {
            until: input.until,
            days: input.days,
            reason: input.reason,
        };
        self.legacy(ctx, command, input.by);
    }

    #[update_validator(request_pause)]
    fn validate_request_pause(
        &self,
        _ctx: &WorkflowContextView,
        input: &PauseSignal,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let request = CommandRequest {
            command: pause_command(input),
            by: input.by.clone(),
            id: String::new(),
        };
        match self.refuses(&request) {
            Some(reason) => Err(reason.into()),
            None => Ok(()),
        }
    }

    /// `pause`, answered: the caller learns whether the cap allowed it. Kept for callers
    /// of older versions; `command` does the same for every action.
    #[update(name = names::update::REQUEST_PAUSE)]
    pub fn request_pause(
        &mut self,
        ctx: &mut SyncWorkflowContext<Self>,
        input: PauseSignal,
    ) -> PauseReply {
        let now = self.tick(ctx);
        let request = CommandRequest {
            command: pause_command(&input),
            by: input.by,
            id: String::new(),
        };
        match self.take_command(now, request).0 {
            CommandReply::Done {
                paused_until: Some(until),
                pauses_used,
                ..
            } => PauseReply::Paused { until, pauses_used },
            CommandReply::Done { .. } => PauseReply::Refused {
                reason: "pause has no end".to_owned(),
            },
            CommandReply::Refused { reason } => PauseReply::Refused { reason },
        }
    }

    #[signal(name = names::signal::RESUME)]
    pub fn resume(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: ResumeSignal) {
        self.legacy(ctx, Command::Resume, input.by);
    }

    #[signal(name = names::signal::DISPUTE)]
    pub fn dispute(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: DisputeSignal) {
        let command = Command::Dispute {
            reason: input.reason,
        };
        self.legacy(ctx, command, input.by);
    }

    #[signal(name = names::signal::RESOLVE)]
    pub fn resolve(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: ResolveSignal) {
        let command = Command::Resolve {
            resolution: input.resolution,
            reason: input.reason,
        };
        self.legacy(ctx, command, input.by);
    }

    #[signal(name = names::signal::WRITEOFF)]
    pub fn writeoff(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: WriteoffSignal) {
        let command = Command::Writeoff {
            reason: input.reason,
        };
        self.legacy(ctx, command, input.by);
    }

    #[signal(name = names::signal::VOID)]
    pub fn void(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: VoidSignal) {
        let command = Command::Void {
            reason: input.reason,
        };
        self.legacy(ctx, command, input.by);
    }

    /// New facts from the invoice's source (what `chaser import` and the webhooks send).
    #[signal(name = names::signal::UPDATE_INVOICE)]
    pub fn update_invoice(
        &mut self,
        ctx: &mut SyncWorkflowContext<Self>,
        input: UpdateInvoiceSignal,
    ) {
        if input.update.is_empty() {
            return;
        }
        let command = Command::Update {
            update: input.update,
        };
        self.legacy(ctx, command, input.by);
    }

    #[query(name = names::query::STATUS)]
    pub fn status(&self, _ctx: &WorkflowContextView) -> StatusView {
        self.view()
    }

    #[query(name = names::query::SCHEDULE)]
    pub fn schedule(&self, _ctx: &WorkflowContextView) -> Schedule {
        self.schedule.clone()
    }
}

impl InvoiceChase {
    /// Reads the clock in a signal handler.
    fn tick(&mut self, ctx: &SyncWorkflowContext<Self>) -> Timestamp {
        let now = timestamp(ctx.workflow_time());
        self.clock = self.clock.max(now);
        now
    }

    /// One of the per-action signals that came before `command`: the same command, without
    /// an id (so never answered from memory).
    fn legacy(&mut self, ctx: &SyncWorkflowContext<Self>, command: Command, by: String) {
        let now = self.tick(ctx);
        let request = CommandRequest {
            command,
            by,
            id: String::new(),
        };
        self.take_command(now, request);
    }
}

/// The pause a `pause` signal or `request_pause` update asks for.
fn pause_command(input: &PauseSignal) -> Command {
    Command::Pause {
        until: input.until,
        days: input.days,
        reason: input.reason.clone(),
    }
}
