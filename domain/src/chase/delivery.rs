//! What stands between a planned step and the customer's inbox: a guardrail's deferral, the
//! owner's hold, a human's approval, a resend's fresh outbox key, and, once paid, the
//! thank-you. This is business state like the rest of the chase, so it survives
//! continue-as-new with it and is decided here rather than in the workflow.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Chase, ChaseError, ChaseState};
use crate::contact::Email;
use crate::rules::{Move, Settings, Step, Trigger};
use crate::schedule::{HistoryEntry, PlannedStep, Schedule, StepState, resolve_recipients};

/// Pay-link clicks kept for `status`; the audit log keeps them all.
pub const MAX_PAY_CLICKS: usize = 20;

/// The longest hold: a held step keeps every later one waiting behind it, so a longer wait is
/// a pause, which the pause cap counts.
pub const MAX_HOLD_DAYS: i64 = 7;

/// What the workflow knows beside the chase, for a command about one step: the plan as it
/// last made it, and the step whose message is on its way to the provider right now.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    pub schedule: &'a Schedule,
    pub sending: Option<&'a str>,
}

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

    /// The owner holds a pending step's message until `until` (never earlier than a guardrail
    /// already deferred it): it then goes out through the same guardrails, and the send
    /// window still applies. Returns when it goes.
    pub fn hold(
        &mut self,
        step_id: &str,
        until: Timestamp,
        now: Timestamp,
        plan: Plan<'_>,
    ) -> Result<Timestamp, ChaseError> {
        let refused = |why: String| Err(ChaseError::HoldRefused(why));
        self.open()?;
        if !self.state.is_sending() {
            return refused(format!("the chase is {}: nothing goes out", self.state));
        }
        if until <= now {
            return refused(format!("{until} is not in the future"));
        }
        if until.duration_since(now) > SignedDuration::from_hours(24 * MAX_HOLD_DAYS) {
            return refused(format!(
                "{until} is more than {MAX_HOLD_DAYS} days away: pause the chase instead"
            ));
        }
        let Some(step) = plan.schedule.step(step_id) else {
            return refused(format!("this chase has no step `{step_id}`"));
        };
        let recorded = self
            .history
            .entries
            .iter()
            .position(|e| e.step_id == step_id);
        let state = recorded.map_or(&step.state, |i| &self.history.entries[i].state);
        let not_pending = match state {
            StepState::Pending => None,
            StepState::Done => Some("was sent already"),
            StepState::Failed { .. } => Some("failed: send it again or dismiss it"),
            StepState::Uncertain { .. } => Some("may have been sent: send it again or dismiss it"),
            StepState::Skipped { .. } => Some("was skipped"),
        };
        if let Some(why) = not_pending {
            return refused(format!("step `{step_id}` {why}"));
        }
        if plan.sending == Some(step_id) {
            return refused(format!("step `{step_id}` is being sent right now"));
        }
        if self.awaiting.as_ref().is_some_and(|a| a.step.id == step_id) {
            return refused(format!(
                "step `{step_id}` waits for approval: reject it instead"
            ));
        }
        let until = self
            .not_before
            .get(step_id)
            .map_or(until, |&deferred| deferred.max(until));
        self.defer(step_id, until);
        // Recorded as asked for, like a resend: the plan never counts it missed when it
        // wakes after the late tolerance, so catch-up cannot skip what the owner only held.
        let note = Some(format!("held until {until}"));
        match recorded {
            Some(i) => self.history.entries[i].note = note,
            None => self.history.entries.push(HistoryEntry {
                step_id: step_id.to_owned(),
                at: now,
                state: StepState::Pending,
                recipients: vec![],
                message_id: None,
                note,
                dismissed: false,
            }),
        }
        Ok(until)
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
        let decision = self
            .early_decision
            .take_if(|(early, _)| *early == key)
            .map(|(_, d)| d);
        self.awaiting = Some(Awaiting {
            step,
            key,
            expires_at,
            decision,
            decided_elsewhere: false,
        });
    }

    /// A decision on a message the chase does not wait for yet: kept for `await_approval`
    /// (the latest one only). False when the message is the one waiting (decided already).
    pub fn decide_early(&mut self, key: &str, decision: ApprovalDecision) -> bool {
        if self.awaiting.as_ref().is_some_and(|a| a.key == key) {
            return false;
        }
        self.early_decision = Some((key.to_owned(), decision));
        true
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
