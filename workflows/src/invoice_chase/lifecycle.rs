//! The chase's life around its steps: each turn of the loop begins by letting a pause or a
//! promise run out and re-planning; the chase ends by settling what waits (an approval, the
//! thank-you) and flushing the last audit, or continues as new carrying its state.

use chaser_domain::chase::Due;
use chaser_domain::schedule::StepState;
use chaser_domain::{AuditAction, Chase, ChaseError, Transition, plan_with_history};
use jiff::Timestamp;
use temporalio_workflow::{ContinueAsNewOptions, WorkflowContext, WorkflowResult};

use super::{InvoiceChase, timestamp};
use crate::contracts::{Carried, ChaseInput, ChaseOutcome};

impl InvoiceChase {
    /// Starts a turn of the loop at `now`: a pause or a promise that ran out ends (audited),
    /// the rest of the cadence is re-planned, and the chase says what it waits for next.
    pub(super) fn begin_turn(&mut self, now: Timestamp) -> Option<(Timestamp, Due)> {
        self.dirty = false;
        self.clock = now;
        if self.chase.pause_is_over(now) {
            match self.chase.promise.clone() {
                Some(promise) => {
                    let detail = format!(
                        "nothing paid by {}: the chase resumes, one rung firmer",
                        promise.pay_by
                    );
                    self.system(
                        now,
                        (
                            AuditAction::PromiseBroken,
                            AuditAction::PromiseBrokenRefused,
                        ),
                        Some(detail),
                        |c| c.break_promise(),
                    );
                }
                None => self.system(
                    now,
                    (AuditAction::PauseEnded, AuditAction::PauseEndedRefused),
                    None,
                    |c| c.resume(now),
                ),
            }
            self.dirty = false;
        }
        self.replan(now);
        self.chase.next_due(&self.schedule)
    }

    pub(super) fn replan(&mut self, now: Timestamp) {
        self.schedule = plan_with_history(
            &self.chase.invoice,
            &self.cadence,
            &self.settings,
            now,
            &self.chase.history,
        );
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

    /// The chase is closed: a message still waiting for approval is dropped, a paid invoice
    /// is thanked for, and everything is written before the chase ends.
    pub(super) async fn close(
        ctx: &mut WorkflowContext<Self>,
        one_writer: bool,
    ) -> WorkflowResult<ChaseOutcome> {
        if ctx.state(|s| s.chase.awaiting.is_some()) {
            Self::expire_waiting_approval(ctx).await;
            Self::flush_audit(ctx).await?;
        }
        if ctx.state(|s| s.chase.thanks_due(&s.settings)) {
            Self::thank(ctx).await;
            Self::flush_audit(ctx).await?;
        }
        // The closing signal may have arrived while the last flush was on its way: its audit
        // event and search attributes still have to be written.
        Self::publish(ctx, timestamp(ctx.workflow_time()));
        Self::flush_audit(ctx).await?;
        if one_writer {
            Self::finish_handlers(ctx).await?;
        }
        Ok(ctx.state(|s| ChaseOutcome {
            state: s.chase.state,
            balance: s.chase.invoice.balance,
            sent: s
                .chase
                .history
                .entries
                .iter()
                .filter(|e| e.state == StepState::Done)
                .count(),
        }))
    }

    /// The history grew long: the chase goes on in a new run that carries its state.
    pub(super) async fn continue_as_new(
        ctx: &mut WorkflowContext<Self>,
        one_writer: bool,
    ) -> WorkflowResult<ChaseOutcome> {
        if one_writer {
            Self::finish_handlers(ctx).await?;
        }
        let input = ctx.state(|s| s.carry_over());
        match ctx.continue_as_new(input, ContinueAsNewOptions::default()) {
            Err(termination) => Err(termination),
            Ok(never) => match never {},
        }
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
                answered: self.answered.clone(),
            }),
            index_customer_name: self.index_customer_name,
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
