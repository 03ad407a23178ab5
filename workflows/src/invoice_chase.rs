//! `InvoiceChase`: one long-running workflow per invoice.
//!
//! It asks the domain for the schedule, sleeps on a durable timer until the next step, sends
//! through activities, and re-plans whenever a signal changes something. Decisions (caps,
//! payments, catch-up, windows) are made by `chaser_domain`; this module only orchestrates.
//! Deterministic: no I/O, no system clock, no randomness.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use chaser_domain::schedule::{HistoryEntry, SkipReason, StepState};
use chaser_domain::{
    Cadence, Chase, ChaseError, ChaseState, Email, Move, PlannedStep, Schedule, Settings,
    plan_with_history,
};
use jiff::Timestamp;
use serde_json::json;
use temporalio_common::ActivityError;
use temporalio_common::error::IncomingError;
use temporalio_common::search_attributes::{SearchAttributeKey, Timestamp as SaTimestamp};
use temporalio_macros::{activity_definitions, workflow, workflow_methods};
use temporalio_workflow::{
    ActivityExecutionError, ActivityOptions, CancellableFuture, ContinueAsNewOptions,
    LocalActivityOptions, RetryPolicy, SyncWorkflowContext, TimerOptions, WorkflowContext,
    WorkflowContextView, WorkflowResult, workflows::select,
};

use crate::contracts::{
    ApprovalSignal, AuditBatch, AuditEvent, Awaiting, Carried, ChaseInput, ChaseOutcome,
    DisputeSignal, ExpireApproval, ExpiryOutcome, MessageKind, NextTouch, PaidSignal, PauseReply,
    PauseSignal, PayLinkClickedSignal, PaymentSignal, PromiseSignal, RescheduleSignal,
    ResendSignal, Resolution, ResolveSignal, ResumeSignal, SendRequest, SendResult, StatusView,
    UpdateInvoiceSignal, VoidSignal, WriteoffSignal,
};
use crate::names;
use crate::names::search_attribute::key;

/// How long one attempt at sending a message may take; a stop waits for no older attempt.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);

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

/// What the search attributes last said, so they are only upserted when something changed.
#[derive(Debug, Clone, PartialEq)]
struct Published {
    state: ChaseState,
    balance: chaser_domain::Money,
    due: jiff::civil::Date,
    next: Option<Timestamp>,
}

impl Published {
    /// The same for the search attributes: a step that was due and is still due "now" has
    /// not moved.
    fn same_as(&self, other: &Published, now: Timestamp) -> bool {
        let next_same = match (self.next, other.next) {
            (Some(a), Some(b)) => a == b || (a <= now && b <= now),
            (a, b) => a == b,
        };
        next_same
            && self.state == other.state
            && self.balance == other.balance
            && self.due == other.due
    }
}

#[workflow]
pub struct InvoiceChase {
    cadence: Cadence,
    settings: Settings,
    chase: Chase,
    schedule: Schedule,
    audit_seq: u64,
    audit_queue: Vec<AuditEvent>,
    /// A signal changed something: re-plan.
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
}

/// Pay-link clicks kept for `status`; the audit log keeps them all.
const MAX_PAY_CLICKS: usize = 20;

/// Why the main loop woke up.
enum Wake {
    Due,
    Signal,
}

/// Clears a search attribute. `value_unset()` sends an empty payload, which Server 1.32
/// refuses for typed attributes (failing the workflow task); an empty list clears any type.
fn sa_clear(name: &'static str) -> temporalio_common::search_attributes::SearchAttributeUpdate {
    SearchAttributeKey::<Vec<String>>::keyword_list(name).value_set(vec![])
}

/// What the next wake-up is for.
enum Next {
    Step(Box<PlannedStep>),
    PauseEnds,
    ApprovalDecided,
    ApprovalExpires,
}

fn timestamp(t: Option<SystemTime>) -> Timestamp {
    t.and_then(|t| Timestamp::try_from(t).ok())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn sa_time(t: Timestamp) -> SaTimestamp {
    SaTimestamp::new(t.as_second(), t.subsec_nanosecond())
}

fn actor(by: &str) -> String {
    if by.trim().is_empty() {
        "unknown".to_owned()
    } else {
        by.trim().to_owned()
    }
}

/// The failure's type name (for branching) and message (for people).
fn failure_of(error: &ActivityExecutionError) -> (Option<String>, String) {
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
fn step_summary(step: &PlannedStep) -> String {
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
            dirty: false,
            clock: Timestamp::UNIX_EPOCH,
            thanked: carried.thanked,
            published: None,
            not_before: carried.not_before,
            awaiting: carried.awaiting,
            resends: carried.resends,
            pay_clicks: carried.pay_clicks,
        };
        if fresh {
            let after = me.snapshot();
            let detail = format!("cadence {}", me.cadence.name);
            let at = timestamp(ctx.start_time());
            me.audit(
                at,
                "chase_started",
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
                            s.apply(now, "promise_broken", "system", Some(detail), |c| {
                                c.break_promise()
                            });
                        }
                        None => s.apply(now, "pause_ended", "system", None, |c| c.resume(now)),
                    }
                    s.dirty = false;
                }
                s.replan(now);
                s.next()
            });
            Self::publish(ctx, now);
            let lean = ctx.patched(names::patch::FEWER_ACTIONS);
            let state = ctx.state(|s| s.chase.state);
            let thanks_due =
                state == ChaseState::Paid && ctx.state(|s| s.settings.thank_you && !s.thanked);
            // A paid chase writes its audit once, after the thank-you.
            if !(lean && thanks_due) {
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
                    "message_approved"
                } else {
                    "message_rejected"
                };
                let detail = format!("{} ({})", a.step.id, a.key);
                a.decision = Some(input);
                self.audit(now, action, &who, None, None, Some(detail));
            }
            _ => {
                let detail = format!("no message {} waits for approval", input.key);
                self.audit(now, "approval_refused", &who, None, None, Some(detail));
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
        self.audit(now, "pay_link_clicked", "customer", None, None, detail);
        // Wakes the loop, which flushes the audit event.
        self.dirty = true;
    }

    /// Sends a failed step again, through the same guardrails.
    #[signal(name = names::signal::RESEND)]
    pub fn resend(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: ResendSignal) {
        let now = self.tick(ctx);
        let who = actor(&input.by);
        match self.chase.request_resend(&input.step_id) {
            Ok(()) => {
                *self.resends.entry(input.step_id.clone()).or_default() += 1;
                self.not_before.remove(&input.step_id);
                self.audit(now, "resend", &who, None, None, Some(input.step_id));
            }
            Err(e) => {
                let detail = format!("{}: {e}", input.step_id);
                self.audit(now, "resend_refused", &who, None, None, Some(detail));
            }
        }
        self.dirty = true;
    }

    #[signal(name = names::signal::PAID)]
    pub fn paid(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: PaidSignal) {
        let now = self.tick(ctx);
        let detail = input.reference.map(|r| format!("reference {r}"));
        let promised = self.chase.promise.clone();
        self.apply(now, "paid", &input.by, detail, |c| c.mark_paid(now));
        self.promise_kept(now, promised, &input.by);
    }

    /// Custom steps for this invoice: the cadence is replaced and the chase re-planned.
    #[signal(name = names::signal::RESCHEDULE)]
    pub fn reschedule(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: RescheduleSignal) {
        let now = self.tick(ctx);
        let who = actor(&input.by);
        if self.chase.state.is_closed() {
            let detail = format!("the chase is {}", self.chase.state);
            self.audit(now, "reschedule_refused", &who, None, None, Some(detail));
            return;
        }
        let steps: Vec<String> = input
            .cadence
            .steps
            .iter()
            .map(|s| format!("{} {}", s.id, s.trigger))
            .collect();
        let detail = format!("custom steps: {}", steps.join(", "));
        self.cadence = input.cadence;
        self.dirty = true;
        self.audit(now, "rescheduled", &who, None, None, Some(detail));
    }

    /// A promise to pay by a date: the chase waits until then, and resumes firmer if the day
    /// passes unpaid. `until` (an instant) is for short tests; owners give `pay_by`.
    #[signal(name = names::signal::PROMISE)]
    pub fn promise(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: PromiseSignal) {
        let now = self.tick(ctx);
        let tz = self.settings.time_zone.tz().clone();
        let (pay_by, until) = match (input.pay_by, input.until) {
            (_, Some(until)) => (until.to_zoned(tz).date(), until),
            (Some(pay_by), None) => {
                let until = pay_by
                    .tomorrow()
                    .ok()
                    .and_then(|d| d.to_zoned(tz).ok())
                    .map_or(Timestamp::MAX, |z| z.timestamp());
                (pay_by, until)
            }
            (None, None) => {
                let who = actor(&input.by);
                self.audit(
                    now,
                    "promise_refused",
                    &who,
                    None,
                    None,
                    Some("a promise needs pay_by".into()),
                );
                return;
            }
        };
        let note = if input.note.is_empty() {
            String::new()
        } else {
            format!(": {}", input.note)
        };
        let detail = Some(format!("pay by {pay_by}{note}"));
        self.apply(now, "promise", &input.by, detail, |c| {
            c.promise(chaser_domain::Promise { pay_by, until }, now)
        });
    }

    #[signal(name = names::signal::PAYMENT)]
    pub fn payment(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: PaymentSignal) {
        let now = self.tick(ctx);
        let reference = input
            .reference
            .map(|r| format!(", reference {r}"))
            .unwrap_or_default();
        let detail = Some(format!("{}{reference}", input.amount.grouped()));
        let promised = self.chase.promise.clone();
        self.apply(now, "payment", &input.by, detail, |c| {
            c.apply_payment(input.amount, now).map(|(_, t)| t)
        });
        self.promise_kept(now, promised, &input.by);
    }

    #[signal(name = names::signal::PAUSE)]
    pub fn pause(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: PauseSignal) {
        let now = self.tick(ctx);
        if let Err(_audited) = self.pause_now(now, &input) {}
    }

    #[update_validator(request_pause)]
    fn validate_request_pause(
        &self,
        _ctx: &WorkflowContextView,
        input: &PauseSignal,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let length = input.length()?;
        self.chase
            .check_pause(length, self.clock, self.settings.pause_cap)?;
        Ok(())
    }

    /// `pause`, answered: the caller learns whether the cap allowed it.
    #[update(name = names::update::REQUEST_PAUSE)]
    pub fn request_pause(
        &mut self,
        ctx: &mut SyncWorkflowContext<Self>,
        input: PauseSignal,
    ) -> PauseReply {
        let now = self.tick(ctx);
        match self.pause_now(now, &input) {
            Ok(until) => PauseReply::Paused {
                until,
                pauses_used: self.chase.pauses_used,
            },
            Err(reason) => PauseReply::Refused { reason },
        }
    }

    #[signal(name = names::signal::RESUME)]
    pub fn resume(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: ResumeSignal) {
        let now = self.tick(ctx);
        self.apply(now, "resume", &input.by, None, |c| c.resume(now));
    }

    #[signal(name = names::signal::DISPUTE)]
    pub fn dispute(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: DisputeSignal) {
        let now = self.tick(ctx);
        self.apply(now, "dispute", &input.by, Some(input.reason), |c| {
            c.dispute(now)
        });
    }

    #[signal(name = names::signal::RESOLVE)]
    pub fn resolve(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: ResolveSignal) {
        let now = self.tick(ctx);
        match input.resolution {
            Resolution::Resume => {
                self.apply(now, "resolve_resume", &input.by, Some(input.reason), |c| {
                    c.resolve_resume()
                })
            }
            Resolution::Writeoff => {
                self.apply(
                    now,
                    "resolve_writeoff",
                    &input.by,
                    Some(input.reason),
                    |c| {
                        if c.state == ChaseState::Disputed {
                            c.write_off(now)
                        } else {
                            Err(ChaseError::WrongState(c.state, "disputed"))
                        }
                    },
                );
            }
        }
    }

    #[signal(name = names::signal::WRITEOFF)]
    pub fn writeoff(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: WriteoffSignal) {
        let now = self.tick(ctx);
        self.apply(now, "writeoff", &input.by, Some(input.reason), |c| {
            c.write_off(now)
        });
    }

    #[signal(name = names::signal::VOID)]
    pub fn void(&mut self, ctx: &mut SyncWorkflowContext<Self>, input: VoidSignal) {
        let now = self.tick(ctx);
        self.apply(now, "void", &input.by, Some(input.reason), |c| c.void(now));
    }

    #[signal(name = names::signal::UPDATE_INVOICE)]
    pub fn update_invoice(
        &mut self,
        ctx: &mut SyncWorkflowContext<Self>,
        input: UpdateInvoiceSignal,
    ) {
        let now = self.tick(ctx);
        if input.update.is_empty() {
            return;
        }
        let changed: Vec<&str> = [
            input.update.due_date.map(|_| "due date"),
            input.update.amount.map(|_| "amount"),
            input.update.balance.map(|_| "balance"),
            input.update.contacts.as_ref().map(|_| "contacts"),
            input.update.do_not_chase.map(|off| {
                if off {
                    "chasing disabled"
                } else {
                    "chasing enabled"
                }
            }),
        ]
        .into_iter()
        .flatten()
        .collect();
        let detail = Some(format!("changed: {}", changed.join(", ")));
        self.apply(now, "invoice_updated", &input.by, detail, |c| {
            c.update_invoice(&input.update, now).map(|t| {
                t.unwrap_or(chaser_domain::Transition {
                    from: c.state,
                    to: c.state,
                })
            })
        });
    }

    #[query(name = names::query::STATUS)]
    pub fn status(&self, _ctx: &WorkflowContextView) -> StatusView {
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
        }
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

    /// Audits a promise kept: the invoice was paid while the chase waited on the promise.
    fn promise_kept(&mut self, now: Timestamp, promised: Option<chaser_domain::Promise>, by: &str) {
        if let Some(promise) = promised
            && self.chase.state == ChaseState::Paid
        {
            let who = actor(by);
            let detail = format!("paid before {} as promised", promise.pay_by);
            self.audit(now, "promise_kept", &who, None, None, Some(detail));
        }
    }

    fn snapshot(&self) -> serde_json::Value {
        let c = &self.chase;
        json!({
            "state": c.state,
            "balance": c.invoice.balance,
            "due_date": c.invoice.due_date,
            "paused_until": c.paused_until,
            "pauses_used": c.pauses_used,
            "paused_days_used": c.paused_days_used,
            "contacts": c.invoice.contacts.iter().map(|x| x.email.as_str()).collect::<Vec<_>>(),
        })
    }

    fn audit(
        &mut self,
        at: Timestamp,
        action: &str,
        actor: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
        detail: Option<String>,
    ) {
        self.audit_seq += 1;
        self.audit_queue.push(AuditEvent {
            seq: self.audit_seq,
            at,
            action: action.to_owned(),
            actor: actor.to_owned(),
            before,
            after,
            detail,
        });
    }

    /// Runs a domain decision and audits it either way: refusals are recorded, never dropped.
    fn apply(
        &mut self,
        now: Timestamp,
        action: &str,
        by: &str,
        detail: Option<String>,
        decide: impl FnOnce(&mut Chase) -> Result<chaser_domain::Transition, ChaseError>,
    ) {
        // A refusal is already in the audit queue; signal handlers have nobody to tell.
        if let Err(_audited) = self.try_apply(now, action, by, detail, decide) {}
    }

    /// `apply`, returning the refusal to a caller that can pass it on (an update).
    fn try_apply(
        &mut self,
        now: Timestamp,
        action: &str,
        by: &str,
        detail: Option<String>,
        decide: impl FnOnce(&mut Chase) -> Result<chaser_domain::Transition, ChaseError>,
    ) -> Result<(), String> {
        let before = self.snapshot();
        let who = actor(by);
        let detail = detail.filter(|d| !d.is_empty());
        self.dirty = true;
        match decide(&mut self.chase) {
            Ok(_) => {
                let after = self.snapshot();
                self.audit(now, action, &who, Some(before), Some(after), detail);
                Ok(())
            }
            Err(e) => {
                let why = e.to_string();
                let logged = match detail {
                    Some(d) => format!("{why} ({d})"),
                    None => why.clone(),
                };
                self.audit(
                    now,
                    &format!("{action}_refused"),
                    &who,
                    Some(before),
                    None,
                    Some(logged),
                );
                Err(why)
            }
        }
    }

    fn pause_now(&mut self, now: Timestamp, input: &PauseSignal) -> Result<Timestamp, String> {
        let cap = self.settings.pause_cap;
        let length = input.length().map_err(ChaseError::PauseRefused);
        self.try_apply(now, "pause", &input.by, Some(input.reason.clone()), |c| {
            c.pause(length?, now, cap)
        })?;
        self.chase
            .paused_until
            .ok_or_else(|| "pause has no end".to_owned())
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
        self.audit(now, "step_deferred", "chaser", None, None, Some(detail));
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
            }),
        }
    }

    /// Keeps the search attributes and the UI's current details in step with the chase.
    fn publish(ctx: &mut WorkflowContext<Self>, now: Timestamp) {
        let lean = ctx.patched(names::patch::FEWER_ACTIONS);
        let (current, first, number, customer, details) = ctx.state(|s| {
            let next = s.next_touch().map(|n| n.at);
            let current = Published {
                state: s.chase.state,
                balance: s.chase.invoice.balance,
                due: s.chase.invoice.due_date,
                next,
            };
            let details = match (s.chase.state, s.schedule.next_pending()) {
                (ChaseState::Paused, _) => {
                    format!("paused until {}", s.chase.paused_until.unwrap_or(now))
                }
                (state, Some(step)) if state.is_sending() => {
                    format!("{state} · next: {}", step_summary(step))
                }
                (state, _) => format!("{state} · balance {}", s.chase.invoice.balance.grouped()),
            };
            let first = s.published.is_none();
            let changed = match &s.published {
                Some(published) if lean => !published.same_as(&current, now),
                published => published.as_ref() != Some(&current),
            };
            (
                changed.then_some(current),
                first,
                s.chase.invoice.number.to_string(),
                s.chase.invoice.customer.name.clone(),
                details,
            )
        });
        ctx.set_current_details(details);
        let Some(current) = current else { return };
        // Search attributes are for finding chases, not for arithmetic: a float is fine here.
        let amount = current
            .balance
            .amount()
            .to_string()
            .parse::<f64>()
            .unwrap_or(0.0);
        let due = current
            .due
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or(now);
        let mut values = vec![
            key::CHASE_STATE.value_set(current.state.as_str().to_owned()),
            key::AMOUNT_DUE.value_set(amount),
            key::DUE_DATE.value_set(sa_time(due)),
        ];
        values.push(match current.next {
            Some(at) => key::NEXT_TOUCH_AT.value_set(sa_time(at)),
            None => sa_clear(names::search_attribute::NEXT_TOUCH_AT),
        });
        if first {
            values.push(key::INVOICE_NUMBER.value_set(number));
            values.push(key::CUSTOMER.value_set(customer));
        }
        ctx.upsert_search_attributes(values);
        ctx.state_mut(|s| s.published = Some(current));
    }

    async fn flush_audit(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<()> {
        let batch = ctx.state_mut(|s| {
            if s.audit_queue.is_empty() {
                return None;
            }
            Some(AuditBatch {
                workflow_id: String::new(),
                chain: String::new(),
                invoice: s.chase.invoice.clone(),
                state: s.chase.state,
                events: std::mem::take(&mut s.audit_queue),
            })
        });
        let Some(mut batch) = batch else {
            return Ok(());
        };
        batch.workflow_id = ctx.workflow_id().to_owned();
        batch.chain = ctx.info().first_execution_run_id().to_owned();
        let summary = format!(
            "audit: {}",
            batch
                .events
                .iter()
                .map(|e| e.action.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let retry = RetryPolicy::builder()
            .initial_interval(Duration::from_secs(1))
            .maximum_interval(Duration::from_secs(60))
            .build();
        if ctx.patched(names::patch::FEWER_ACTIONS) {
            // A store write next to the worker: no trip through the server's task queue.
            let options = LocalActivityOptions::builder()
                .start_to_close_timeout(Duration::from_secs(30))
                // Retried like the activity it replaces: until the store is back.
                .schedule_to_close_timeout(Duration::from_secs(365 * 24 * 3600))
                .retry_policy(retry)
                .summary(summary)
                .build();
            ctx.execute_local_activity(ChaseActivities::record_audit, batch, options)
                .await?;
            return Ok(());
        }
        let options = ActivityOptions::with_start_to_close_timeout(Duration::from_secs(30))
            .retry_policy(retry)
            .summary(summary)
            .build();
        ctx.execute_activity(ChaseActivities::record_audit, batch, options)
            .await?;
        Ok(())
    }

    async fn send(
        ctx: &mut WorkflowContext<Self>,
        request: SendRequest,
        summary: String,
    ) -> Result<SendResult, String> {
        let retry = RetryPolicy::builder()
            .initial_interval(Duration::from_secs(2))
            .backoff_coefficient(2.0)
            .maximum_interval(Duration::from_secs(120))
            .maximum_attempts(12)
            .non_retryable_error_types([names::failure::EMAIL_REJECTED])
            .build();
        // Sends go through their own task queue, which the worker rate-limits to the mail
        // provider's maximum send rate.
        let options = ActivityOptions::with_start_to_close_timeout(SEND_TIMEOUT)
            .retry_policy(retry)
            .summary(summary)
            .task_queue(names::sending_queue(ctx.task_queue()))
            .build();
        ctx.execute_activity(ChaseActivities::send_message, request, options)
            .await
            .map_err(|e| failure_of(&e).1)
    }

    /// Sends one step: to the customer, and to the owner when the step escalates, no contact
    /// fits, or nobody can be reached. Records the outcome and moves the state. A message a
    /// guardrail defers, or one that must wait for approval, leaves the step pending.
    async fn run_step(
        ctx: &mut WorkflowContext<Self>,
        step: PlannedStep,
        approved: bool,
    ) -> WorkflowResult<()> {
        let workflow_id = ctx.workflow_id().to_owned();
        let started = timestamp(ctx.workflow_time());
        ctx.state_mut(|s| {
            let schedule = s.schedule.clone();
            let skipped = s.chase.record_superseded(&schedule, &step, started);
            if !skipped.is_empty() {
                let detail = format!(
                    "missed while the chase waited; {} goes out instead: {}",
                    step.id,
                    skipped.join(", ")
                );
                s.audit(started, "steps_skipped", "chaser", None, None, Some(detail));
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
                s.message_key(&step.id),
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
            };
        let r = &step.recipients;
        let mut sent_to: Vec<Email> = Vec::new();
        let mut outcome: Option<Result<SendResult, String>> = None;
        let mut owner_note: Option<String> = None;
        if !r.to.is_empty() {
            let req = request(
                key.clone(),
                MessageKind::Reminder,
                r.to.clone(),
                r.cc.clone(),
                None,
            );
            let result = Self::send(ctx, req, format!("send {}", step.id)).await;
            match &result {
                Ok(SendResult::Sent { .. } | SendResult::DryRun) => {
                    sent_to.extend(r.to.iter().chain(&r.cc).cloned());
                    ctx.state_mut(|s| s.chase.firmer_next = false);
                }
                Ok(SendResult::Deferred { until, reason }) => {
                    ctx.state_mut(|s| s.defer(&step.id, *until, reason, started));
                    return Ok(());
                }
                Ok(SendResult::AwaitingApproval { expires_at }) => {
                    let expires_at = *expires_at;
                    ctx.state_mut(|s| {
                        s.awaiting = Some(Awaiting {
                            step: step.clone(),
                            key,
                            expires_at,
                            decision: None,
                            decided_elsewhere: false,
                        });
                        let detail = format!("{} waits for approval until {expires_at}", step.id);
                        s.audit(
                            started,
                            "approval_requested",
                            "chaser",
                            None,
                            None,
                            Some(detail),
                        );
                    });
                    return Ok(());
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
            let req = request(
                format!("{key}/owner"),
                MessageKind::OwnerEscalation,
                vec![invoice.owner_email.clone()],
                vec![],
                note,
            );
            let result = Self::send(ctx, req, format!("escalate {} to the owner", step.id)).await;
            // The customer message decides the step's outcome when there is one.
            if outcome.is_none() {
                if let Ok(SendResult::Deferred { until, reason }) = &result {
                    ctx.state_mut(|s| s.defer(&step.id, *until, reason, started));
                    return Ok(());
                }
                outcome = Some(result);
            }
        }
        let now = timestamp(ctx.workflow_time());
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
        Self::record(
            ctx,
            &step,
            state,
            sent_to,
            message_id,
            note,
            owner_note.is_some(),
            now,
        );
        Ok(())
    }

    /// Records a step's outcome, moves the state, and audits it.
    #[allow(clippy::too_many_arguments)]
    fn record(
        ctx: &mut WorkflowContext<Self>,
        step: &PlannedStep,
        state: StepState,
        recipients: Vec<Email>,
        message_id: Option<String>,
        note: Option<String>,
        owner_told: bool,
        now: Timestamp,
    ) {
        let action = match &state {
            StepState::Done => "step_sent",
            StepState::Failed { .. } => "step_failed",
            _ => "step_declined",
        };
        let detail = format!(
            "{}{}",
            step.id,
            note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
        );
        let entry = HistoryEntry {
            step_id: step.id.clone(),
            at: now,
            state,
            recipients,
            message_id,
            note,
        };
        ctx.state_mut(|s| {
            let before = s.snapshot();
            s.not_before.remove(&step.id);
            s.chase
                .record_step(entry, step.action == Move::Escalate || owner_told);
            let after = s.snapshot();
            s.audit(
                now,
                action,
                "chaser",
                Some(before),
                Some(after),
                Some(detail),
            );
        });
    }

    /// Sends an approved message, or records a rejected one as skipped.
    async fn settle_approval(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<()> {
        let Some(waiting) = ctx.state_mut(|s| s.awaiting.take()) else {
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
        Self::record(
            ctx,
            &waiting.step,
            StepState::Skipped {
                reason: SkipReason::Declined,
            },
            vec![],
            None,
            Some(note),
            false,
            now,
        );
        Ok(())
    }

    /// Nobody approved the waiting message in time: it is dropped, never sent late.
    async fn expire_waiting_approval(ctx: &mut WorkflowContext<Self>) {
        let Some(waiting) = ctx.state(|s| s.awaiting.clone()) else {
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
                ctx.state_mut(|s| s.awaiting = None);
                let note = Some("approval expired: dropped, never sent".to_owned());
                Self::record(
                    ctx,
                    &waiting.step,
                    StepState::Skipped {
                        reason: SkipReason::Declined,
                    },
                    vec![],
                    None,
                    note,
                    false,
                    now,
                );
            }
            // Decided just now: its signal is on the way.
            Ok(ExpiryOutcome::AlreadyDecided) => ctx.state_mut(|s| {
                if let Some(a) = &mut s.awaiting {
                    a.decided_elsewhere = true;
                }
            }),
            Err(e) => ctx.state_mut(|s| {
                s.audit(
                    now,
                    "approval_expiry_failed",
                    "chaser",
                    None,
                    None,
                    Some(failure_of(&e).1),
                );
                if let Some(a) = &mut s.awaiting {
                    a.decided_elsewhere = true;
                }
            }),
        }
    }

    /// Thanks the customer once the invoice is paid in full; outside the send window it waits
    /// for the window to open.
    async fn thank(ctx: &mut WorkflowContext<Self>) {
        let workflow_id = ctx.workflow_id().to_owned();
        let (invoice, to, settings) = ctx.state(|s| {
            let step = chaser_domain::Step::with_defaults(
                "thank_you",
                chaser_domain::Trigger::OnIssue,
                Move::Nudge,
            );
            let r = chaser_domain::schedule::resolve_recipients(&step, &s.chase.invoice);
            (s.chase.invoice.clone(), r.to, s.settings.clone())
        });
        if to.is_empty() {
            return;
        }
        let request = SendRequest {
            workflow_id,
            key: "thank_you".to_owned(),
            kind: MessageKind::ThankYou,
            step: None,
            invoice,
            to,
            cc: vec![],
            history: vec![],
            settings: Some(settings),
            approved: false,
            note: None,
        };
        let mut result = Self::send(ctx, request.clone(), "thank the customer".to_owned()).await;
        if let Ok(SendResult::Deferred { until, .. }) = &result {
            let wait = timestamp(ctx.workflow_time())
                .duration_until(*until)
                .unsigned_abs();
            ctx.timer(
                TimerOptions::builder(wait)
                    .summary("thank-you waits for the send window".to_owned())
                    .build(),
            )
            .await;
            result = Self::send(ctx, request, "thank the customer".to_owned()).await;
        }
        let now = timestamp(ctx.workflow_time());
        ctx.state_mut(|s| {
            s.thanked = true;
            let detail = match &result {
                Ok(SendResult::Sent { message_id }) => format!("sent ({message_id})"),
                Ok(SendResult::DryRun) => "dry run: rendered, not sent".to_owned(),
                Ok(other) => format!("not sent: {other:?}"),
                Err(e) => format!("failed: {e}"),
            };
            s.audit(now, "thank_you", "chaser", None, None, Some(detail));
        });
    }
}
