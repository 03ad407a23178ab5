//! Commands reaching the chase: the `command` update and signal, and the older per-action
//! signals, which are thin translations into the same [`Command`]. The domain decides
//! ([`chaser_domain::Chase::execute`], with the plan and the step on its way for a command
//! about one step); this module keeps the answers, audits both outcomes, and does the one
//! thing the domain cannot: swapping the cadence or the calendar the plan is made from. Any
//! answer wakes the loop, which re-plans: a hold's step waits on a new timer.

use chaser_domain::chase::Plan;
use chaser_domain::{AuditAction, Command};
use jiff::Timestamp;

use super::{InvoiceChase, actor};
use crate::contracts::MessageKind;
use crate::contracts::{Answered, CommandReply, CommandRequest};

/// Answers kept for repeated ids (a webhook's retry, an update backed up by a signal).
const MAX_ANSWERED: usize = 64;

impl InvoiceChase {
    /// The answer an earlier request with this id got.
    pub(super) fn answered(&self, id: &str) -> Option<&CommandReply> {
        if id.is_empty() {
            return None;
        }
        self.answered.iter().find(|a| a.id == id).map(|a| &a.reply)
    }

    /// The validator's question: is the request malformed? (What the chase refuses on its
    /// merits is refused by the handler, so the refusal is audited by the chase itself,
    /// whichever door it came through: Temporal keeps no trace of a rejected update.)
    pub(super) fn refuses(&self, request: &CommandRequest) -> Option<String> {
        if self.answered(&request.id).is_some() {
            return None;
        }
        request.command.check_form().err()
    }

    /// Applies a command (or refuses it), audits either outcome and remembers the answer.
    /// Returns the answer and the audit sequence number the store must reach to show it.
    pub(super) fn take_command(
        &mut self,
        now: Timestamp,
        request: CommandRequest,
    ) -> (CommandReply, u64) {
        if let Some(reply) = self.answered(&request.id) {
            return (reply.clone(), 0);
        }
        let who = actor(&request.by);
        let before = self.snapshot();
        // Any answer wakes the loop: a change re-plans, a refusal is flushed to the log.
        self.dirty = true;
        let plan = Plan {
            schedule: &self.schedule,
            sending: self.sending_step.as_deref(),
        };
        let reply = match self
            .chase
            .execute(&request.command, now, &self.settings, plan)
        {
            Ok(decision) => {
                match &request.command {
                    Command::Reschedule { cadence } => self.cadence = cadence.clone(),
                    Command::Calendar { calendar } => {
                        self.settings = self.settings.with_calendar(calendar);
                    }
                    _ => {}
                }
                let after = self.snapshot();
                self.audit(
                    now,
                    decision.action,
                    &who,
                    Some(before),
                    Some(after),
                    decision.detail.clone(),
                );
                if let Some(promise) = decision.kept {
                    let detail = format!("paid before {} as promised", promise.pay_by);
                    self.audit(
                        now,
                        AuditAction::PromiseKept,
                        &who,
                        None,
                        None,
                        Some(detail),
                    );
                }
                CommandReply::Done {
                    state: self.chase.state,
                    balance: self.chase.invoice.balance,
                    paused_until: self.chase.paused_until,
                    pauses_used: self.chase.pauses_used,
                    detail: decision.detail,
                }
            }
            Err(refusal) => {
                let reason = refusal.reason;
                self.audit(
                    now,
                    refusal.action,
                    &who,
                    Some(before),
                    None,
                    Some(reason.clone()),
                );
                CommandReply::Refused { reason }
            }
        };
        if !request.id.is_empty() {
            self.answered.push(Answered {
                id: request.id,
                reply: reply.clone(),
            });
            let over = self.answered.len().saturating_sub(MAX_ANSWERED);
            self.answered.drain(..over);
        }
        (reply, self.audit_seq)
    }

    /// A message of this kind must not reach anyone now: the chase stopped, or (for
    /// reminders) the owner turned them off.
    pub(super) fn stops(&self, kind: MessageKind) -> bool {
        let state = self.chase.state;
        match kind {
            MessageKind::ThankYou => false,
            MessageKind::OwnerEscalation => !state.is_sending(),
            MessageKind::Reminder => !state.is_sending() || self.chase.invoice.do_not_chase,
        }
    }

    /// Nothing that a stop makes wrong is still on its way to the provider.
    pub(super) fn nothing_wrong_in_flight(&self) -> bool {
        self.sending.is_none_or(|kind| !self.stops(kind))
    }
}
