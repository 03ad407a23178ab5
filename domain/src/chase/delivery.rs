//! What stands between a planned step and the customer's inbox: a guardrail's deferral, a
//! human's approval, a resend's fresh outbox key, and, once paid, the thank-you. This is
//! business state like the rest of the chase, so it survives continue-as-new with it and is
//! decided here rather than in the workflow.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Chase, ChaseError, ChaseState};
use crate::contact::Email;
use crate::rules::{Move, Settings, Step, Trigger};
use crate::schedule::{PlannedStep, Schedule, resolve_recipients};

/// Pay-link clicks kept for `status`; the audit log keeps them all.
pub const MAX_PAY_CLICKS: usize = 20;

/// A step whose customer message waits for a human's approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Awaiting {
    pub step: PlannedStep,
    /// The message's outbox key, which the approval names.
    pub key: String,
    pub expires_at: Timestamp,
    #[serde(default)]
    pub decision: Option<ApprovalDecision>,
    /// The expiry came, but a decision had just been made elsewhere: wait for its signal.
    #[serde(default)]
    pub decided_elsewhere: bool,
}

/// A human approved or rejected the message that waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalDecision {
    pub approved: bool,
    #[serde(default)]
    pub by: String,
}

/// What the chase waits for next.
#[derive(Debug, Clone, PartialEq)]
pub enum Due {
    /// A step to send (no earlier than a guardrail allowed).
    Step(Box<PlannedStep>),
    /// The pause or the promise runs out.
    PauseEnds,
    /// A human decided the waiting message: act on it now.
    ApprovalDecided,
    /// Nobody decided the waiting message in time.
    ApprovalExpires,
}

impl Chase {
    /// When the chase should act next, and on what; `None` while it only waits for news (a
    /// dispute, every step done, or an approval decided elsewhere whose signal is on its way).
    pub fn next_due(&self, schedule: &Schedule) -> Option<(Timestamp, Due)> {
        match (self.state, &self.awaiting) {
            (ChaseState::Paused, _) => self.paused_until.map(|t| (t, Due::PauseEnds)),
            (s, Some(a)) if s.is_sending() => match (&a.decision, a.decided_elsewhere) {
                (Some(_), _) => Some((Timestamp::MIN, Due::ApprovalDecided)),
                (None, false) => Some((a.expires_at, Due::ApprovalExpires)),
                (None, true) => None,
            },
            (s, None) if s.is_sending() => self
                .next_step(schedule)
                .map(|st| (st.at, Due::Step(Box::new(st)))),
            _ => None,
        }
    }

    /// The plan's next pending step, no earlier than a guardrail allowed.
    pub fn next_step(&self, schedule: &Schedule) -> Option<PlannedStep> {
        schedule.next_pending().map(|st| {
            let mut st = st.clone();
            if let Some(&until) = self.not_before.get(&st.id) {
                st.at = st.at.max(until);
            }
            st
        })
    }

    /// A guardrail said "not yet" (send window, minimum gap, daily cap): the step waits.
    pub fn defer(&mut self, step_id: &str, until: Timestamp) {
        self.not_before.insert(step_id.to_owned(), until);
    }

    /// The outbox key of a step's customer message: each resend gets a fresh one, so the
    /// outbox's "at most once per key" lets the resend through and nothing else twice.
    pub fn message_key(&self, step_id: &str) -> String {
        match self.resends.get(step_id) {
            Some(n) if *n > 0 => format!("{step_id}~resend{n}"),
            _ => step_id.to_owned(),
        }
    }

    /// The step's message must wait for a human until `expires_at`.
    pub fn await_approval(&mut self, step: PlannedStep, key: String, expires_at: Timestamp) {
        self.awaiting = Some(Awaiting {
            step,
            key,
            expires_at,
            decision: None,
            decided_elsewhere: false,
        });
    }

    /// A human approved or rejected the message with this key; the first decision counts.
    /// Returns the step whose message it is.
    pub fn decide_approval(
        &mut self,
        key: &str,
        decision: ApprovalDecision,
    ) -> Result<String, ChaseError> {
        match &mut self.awaiting {
            Some(a) if a.key == key && a.decision.is_none() => {
                a.decision = Some(decision);
                Ok(a.step.id.clone())
            }
            _ => Err(ChaseError::NoApproval(key.to_owned())),
        }
    }

    /// The waiting message, taken to be sent, recorded as rejected, or dropped as expired.
    pub fn take_approval(&mut self) -> Option<Awaiting> {
        self.awaiting.take()
    }

    /// The expiry found the message already decided elsewhere: wait for that decision's
    /// signal instead of expiring it again.
    pub fn approval_decided_elsewhere(&mut self) {
        if let Some(a) = &mut self.awaiting {
            a.decided_elsewhere = true;
        }
    }

    /// The customer opened a pay link.
    pub fn pay_link_clicked(&mut self, at: Timestamp) {
        self.pay_clicks.push(at);
        let over = self.pay_clicks.len().saturating_sub(MAX_PAY_CLICKS);
        self.pay_clicks.drain(..over);
    }

    /// The invoice is paid and the company thanks its customers, and nobody was thanked yet.
    pub fn thanks_due(&self, settings: &Settings) -> bool {
        self.state == ChaseState::Paid && settings.thank_you && !self.thanked
    }

    /// Who is thanked for paying: whoever a customer reminder would reach (the owner's chosen
    /// addresses, else the billing contacts).
    pub fn thank_you_recipients(&self) -> Vec<Email> {
        let step = Step::with_defaults("thank_you", Trigger::OnIssue, Move::Nudge);
        resolve_recipients(&step, &self.invoice).to
    }

    /// The thank-you was sent, or given up: it is never tried again.
    pub fn record_thanks(&mut self) {
        self.thanked = true;
    }
}
