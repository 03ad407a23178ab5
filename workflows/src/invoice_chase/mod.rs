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
mod publish;
mod sending;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use chaser_domain::schedule::StepState;
use chaser_domain::{
    AuditAction, Cadence, Chase, ChaseError, ChaseState, Command, Move, PlannedStep, Schedule,
    Settings, Transition, plan_with_history,
};
use jiff::Timestamp;
use temporalio_common::ActivityError;
use temporalio_common::error::IncomingError;
use temporalio_macros::{activity_definitions, workflow, workflow_methods};
use temporalio_workflow::{
    ActivityExecutionError, CancellableFuture, ContinueAsNewOptions, SyncWorkflowContext,
    TimerOptions, WorkflowContext, WorkflowContextView, WorkflowResult, workflows::select,
};

use crate::contracts::{
    Answered, ApprovalSignal, AuditBatch, AuditEvent, Awaiting, Carried, ChaseInput, ChaseOutcome,
    CommandReply, CommandRequest, DisputeSignal, ExpireApproval, ExpiryOutcome, MessageKind,
    NextTouch, PaidSignal, PauseReply, PauseSignal, PayLinkClickedSignal, PaymentSignal,
    PromiseSignal, RescheduleSignal, ResendSignal, ResolveSignal, ResumeSignal, SendRequest,
    SendResult, StatusView, UpdateInvoiceSignal, VoidSignal, WriteoffSignal,
};
use crate::names;
use publish::Published;

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

#[workflow]
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
    thanked: bool,
    published: Option<Published>,
    /// Steps a guardrail deferred (window, gap, daily cap), and until when.
    not_before: BTreeMap<String, Timestamp>,
    /// A customer message waiting for a human's approval.
    awaiting: Option<Awaiting>,
    /// How often each failed step was sent again; each resend gets its own outbox key.
    resends: BTreeMap<String, u32>,
    /// When the customer opened the pay link (the latest few).
    pay_clicks: Vec<Timestamp>,
    /// The answers to the latest commands that carried an id.
    answered: Vec<Answered>,
    /// The kind of message on its way to the provider, if one is.
    sending: Option<MessageKind>,
    /// Whether the customer's name is published as a search attribute.
    index_customer_name: bool,
}

/// Pay-link clicks kept for `status`; the audit log keeps them all.
const MAX_PAY_CLICKS: usize = 20;

/// Why the main loop woke up.
enum Wake {
    Due,
    Signal,
}

/// What the next wake-up is for.
enum Next {
    Step(Box<PlannedStep>),
    PauseEnds,
    ApprovalDecided,
    ApprovalExpires,
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

/// "follow-up · 2026-12-11 09:00 Europe/London": what the UI shows on a timer.
pub(crate) fn step_summary(step: &PlannedStep) -> String {
    let local = step.zone.tz().to_datetime(step.at);
    let label = match step.action {
        Move::Nudge => "nudge",
        Move::FollowUp => "follow-up",
        Move::Escalate => "escalation",
        Move::FinalNotice => "final notice",
    };
    format!(
        "{label} ({}) · {} {}",
        step.id,
        local.strftime("%Y-%m-%d %H:%M"),
        step.zone
    )
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
            thanked: carried.thanked,
            published: None,
            not_before: carried.not_before,
            awaiting: carried.awaiting,
            resends: carried.resends,
            pay_clicks: carried.pay_clicks,
            answered: carried.answered,
            sending: None,
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
            let next = ctx.state_mut(|s| {
                s.dirty = false;
                s.clock = now;
                if s.chase.pause_is_over(now) {
                    match s.chase.promise.clone() {
                        Some(promise) => {
                            let detail = format!(
                                "nothing paid by {}: the chase resumes, one rung firmer",
                                promise.pay_by
                            );
                            s.system(
                                now,
                                (
                                    AuditAction::PromiseBroken,
                                    AuditAction::PromiseBrokenRefused,
                                ),
                                Some(detail),
                                |c| c.break_promise(),
                            );
                        }
                        None => s.system(
                            now,
                            (AuditAction::PauseEnded, AuditAction::PauseEndedRefused),
                            None,
                            |c| c.resume(now),
                        ),
                    }
                    s.dirty = false;
                }
                s.replan(now);
                s.next()
            });
            Self::publish(ctx, now);
            let lean = ctx.patched(names::patch::FEWER_ACTIONS);
            let one_writer = ctx.patched(names::patch::ONE_WRITER);
            let state = ctx.state(|s| s.chase.state);
            let thanks_due =
                state == ChaseState::Paid && ctx.state(|s| s.settings.thank_you && !s.thanked);
            // Before the one-writer patch a paid chase wrote its audit once, after the
            // thank-you; now the store shows `paid` first, which the thank-you's fresh-state
            // check reads.
            if one_writer || !(lean && thanks_due) {
                Self::flush_audit(ctx).await?;
            }
            if state.is_closed() {
                if ctx.state(|s| s.awaiting.is_some()) {
                    Self::expire_waiting_approval(ctx).await;
                    Self::flush_audit(ctx).await?;
                }
                if state == ChaseState::Paid && ctx.state(|s| s.settings.thank_you && !s.thanked) {
                    Self::thank(ctx).await;
                    Self::flush_audit(ctx).await?;
                }
                // The closing signal may have arrived while the last flush was on its way:
                // its audit event and search attributes still have to be written.
                Self::publish(ctx, timestamp(ctx.workflow_time()));
                Self::flush_audit(ctx).await?;
                if one_writer {
                    Self::finish_handlers(ctx).await?;
                }
                return Ok(ctx.state(|s| ChaseOutcome {
                    state: s.chase.state,
                    balance: s.chase.invoice.balance,
                    sent: s
                        .chase
                        .history
                        .entries
                        .iter()
                        .filter(|e| e.state == StepState::Done)
                        .count(),
                }));
            }
            if ctx.continue_as_new_suggested() {
                if one_writer {
                    Self::finish_handlers(ctx).await?;
                }
                let input = ctx.state(|s| s.carry_over());
                return match ctx.continue_as_new(input, ContinueAsNewOptions::default()) {
                    Err(termination) => Err(termination),
                    Ok(never) => match never {},
                };
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
                    Next::Step(step) => step_summary(step),
                    Next::PauseEnds => "pause ends".to_owned(),
                    Next::ApprovalExpires => "approval expires".to_owned(),
                    Next::ApprovalDecided => "approval decided".to_owned(),
                };
                let wait = now.duration_until(at).unsigned_abs();
                let mut timer =
                    std::pin::pin!(ctx.timer(TimerOptions::builder(wait).summary(summary).build()));
                let woke = select! {
                    _ = timer.as_mut() => Wake::Due,
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
                Next::Step(step) => Self::run_step(ctx, *step, false).await?,
                Next::ApprovalDecided => Self::settle_approval(ctx).await?,
                Next::ApprovalExpires => Self::expire_waiting_approval(ctx).await,
                Next::PauseEnds => {}
            }
        }
    }

    /// A human approved or rejected the message that waits.
    #[signal(name = names::signal::APPROVAL)]
    pub fn approval(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: ApprovalSignal) {
        let now = self.tick(ctx);
        let who = actor(&input.by);
        match &mut self.awaiting {
            Some(a) if a.key == input.key && a.decision.is_none() => {
                let action = if input.approved {
                    AuditAction::MessageApproved
                } else {
                    AuditAction::MessageRejected
                };
                let detail = format!("{} ({})", a.step.id, a.key);
                a.decision = Some(input);
                self.audit(now, action, &who, None, None, Some(detail));
            }
            _ => {
                let detail = format!("no message {} waits for approval", input.key);
                self.audit(
                    now,
                    AuditAction::ApprovalRefused,
                    &who,
                    None,
                    None,
                    Some(detail),
                );
            }
        }
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
        self.pay_clicks.push(input.at);
        let keep = self.pay_clicks.len().saturating_sub(MAX_PAY_CLICKS);
        self.pay_clicks.drain(..keep);
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

    /// A change the chase makes on its own (a pause or a promise running out), audited
    /// either way like a command.
    fn system(
        &mut self,
        now: Timestamp,
        (done, refused): (AuditAction, AuditAction),
        detail: Option<String>,
        decide: impl FnOnce(&mut Chase) -> Result<Transition, ChaseError>,
    ) {
        let before = self.snapshot();
        match decide(&mut self.chase) {
            Ok(_) => {
                let after = self.snapshot();
                self.audit(now, done, "system", Some(before), Some(after), detail);
            }
            Err(e) => {
                let why = match detail {
                    Some(d) => format!("{e} ({d})"),
                    None => e.to_string(),
                };
                self.audit(now, refused, "system", Some(before), None, Some(why));
            }
        }
    }

    fn replan(&mut self, now: Timestamp) {
        self.schedule = plan_with_history(
            &self.chase.invoice,
            &self.cadence,
            &self.settings,
            now,
            &self.chase.history,
        );
    }

    /// When to wake next, and what for.
    fn next(&self) -> Option<(Timestamp, Next)> {
        match (self.chase.state, &self.awaiting) {
            (ChaseState::Paused, _) => self.chase.paused_until.map(|t| (t, Next::PauseEnds)),
            (s, Some(a)) if s.is_sending() => match (&a.decision, a.decided_elsewhere) {
                (Some(_), _) => Some((Timestamp::MIN, Next::ApprovalDecided)),
                (None, false) => Some((a.expires_at, Next::ApprovalExpires)),
                (None, true) => None,
            },
            (s, None) if s.is_sending() => self
                .next_pending()
                .map(|st| (st.at, Next::Step(Box::new(st)))),
            _ => None,
        }
    }

    /// The next step to send, no earlier than a guardrail allowed.
    fn next_pending(&self) -> Option<PlannedStep> {
        self.schedule.next_pending().map(|st| {
            let mut st = st.clone();
            if let Some(&until) = self.not_before.get(&st.id) {
                st.at = st.at.max(until);
            }
            st
        })
    }

    /// A guardrail said "not yet": the step waits until `until`.
    fn defer(&mut self, step_id: &str, until: Timestamp, reason: &str, now: Timestamp) {
        self.not_before.insert(step_id.to_owned(), until);
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

    /// The outbox key of a step's customer message: a resend gets a fresh one.
    fn message_key(&self, step_id: &str) -> String {
        match self.resends.get(step_id) {
            Some(n) if *n > 0 => format!("{step_id}~resend{n}"),
            _ => step_id.to_owned(),
        }
    }

    fn next_touch(&self) -> Option<NextTouch> {
        if !self.chase.state.is_sending() {
            return None;
        }
        self.next_pending().map(|st| NextTouch {
            step_id: st.id,
            action: st.action,
            at: st.at,
        })
    }

    fn carry_over(&self) -> ChaseInput {
        ChaseInput {
            invoice: self.chase.invoice.clone(),
            cadence: self.cadence.clone(),
            settings: self.settings.clone(),
            started_by: String::new(),
            carried: Some(Carried {
                chase: self.chase.clone(),
                audit_seq: self.audit_seq,
                thanked: self.thanked,
                not_before: self.not_before.clone(),
                awaiting: self.awaiting.clone(),
                resends: self.resends.clone(),
                pay_clicks: self.pay_clicks.clone(),
                answered: self.answered.clone(),
            }),
            index_customer_name: self.index_customer_name,
        }
    }

    /// The chase as `status` answers and the store keeps it.
    fn view(&self) -> StatusView {
        StatusView {
            invoice: self.chase.invoice.number.to_string(),
            state: self.chase.state,
            balance: self.chase.invoice.balance,
            next_touch: self.next_touch(),
            paused_until: self.chase.paused_until,
            pauses_used: self.chase.pauses_used,
            paused_days_used: self.chase.paused_days_used,
            sends: self.chase.history.entries.clone(),
            pay_clicks: self.pay_clicks.clone(),
            chasing_disabled: self.chase.invoice.do_not_chase,
            overrides: self.chase.overrides.clone(),
        }
    }

    /// Lets every running update finish (they wait for the store to show them) before the
    /// chase ends or continues as new.
    async fn finish_handlers(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<()> {
        let view = ctx.clone();
        ctx.wait_condition(move |_| view.all_handlers_finished())
            .await?;
        Ok(())
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
