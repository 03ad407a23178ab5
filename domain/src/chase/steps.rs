//! The steps a chase has run: their outcomes move its state, a failed one may be asked for
//! again or dismissed, and catch-up's skips are made final before a later step goes out.

use jiff::Timestamp;

use super::{Chase, ChaseError, ChaseState, Transition};
use crate::contact::Email;
use crate::schedule::{HistoryEntry, PlannedStep, Schedule, SkipReason, StepState};

impl Chase {
    /// Records the outcome of a step and moves the state with it.
    pub fn record_step(&mut self, entry: HistoryEntry, escalation: bool) -> Option<Transition> {
        let to = match (&entry.state, self.state) {
            (_, s) if !s.is_sending() => None,
            (StepState::Done, _) if escalation => Some(ChaseState::Escalated),
            (StepState::Done, ChaseState::Failed) => Some(self.recovered()),
            (StepState::Failed { .. }, s) => {
                if s != ChaseState::Failed {
                    self.recover_to = Some(s);
                }
                Some(ChaseState::Failed)
            }
            _ => None,
        };
        if let Some(ChaseState::Escalated) = to {
            self.resume_to = ChaseState::Escalated;
        }
        self.not_before.remove(&entry.step_id);
        self.history.entries.retain(|e| e.step_id != entry.step_id);
        self.history.entries.push(entry);
        to.filter(|&to| to != self.state).map(|to| self.go(to))
    }

    /// Asks for a failed step to be sent again: it is due at the next opening of the send
    /// window, through the same guardrails, under a fresh outbox key, and catch-up never
    /// skips it.
    pub fn request_resend(&mut self, step_id: &str) -> Result<(), ChaseError> {
        self.open()?;
        let entry = self
            .history
            .entries
            .iter_mut()
            .find(|e| e.step_id == step_id)
            .ok_or_else(|| ChaseError::NotSent(step_id.to_owned()))?;
        let state = match entry.state {
            // Failed, or maybe sent: the owner decided it goes (again).
            StepState::Failed { .. } | StepState::Uncertain { .. } => {
                entry.state = StepState::Pending;
                *self.resends.entry(step_id.to_owned()).or_default() += 1;
                self.not_before.remove(step_id);
                return Ok(());
            }
            StepState::Done => "done",
            StepState::Pending => "pending",
            StepState::Skipped { .. } => "skipped",
        };
        Err(ChaseError::NotFailed {
            step: step_id.to_owned(),
            state,
        })
    }

    /// The owner accepts a failed send, or one whose sending is uncertain, and the chase goes
    /// on without sending it again. The entry is marked dismissed (an uncertain one still
    /// counts as a touch for pacing); a chase this failure left failed returns to the state it
    /// had before, or will when its pause or dispute ends.
    pub fn dismiss(&mut self, step_id: &str) -> Result<Transition, ChaseError> {
        self.open()?;
        let refused = |state| ChaseError::NotDismissable {
            step: step_id.to_owned(),
            state,
        };
        let entry = self
            .history
            .entries
            .iter_mut()
            .find(|e| e.step_id == step_id)
            .ok_or_else(|| refused("not sent yet"))?;
        let failed = match entry.state {
            _ if entry.dismissed => return Err(refused("dismissed already")),
            StepState::Failed { .. } => true,
            StepState::Uncertain { .. } => false,
            StepState::Done => return Err(refused("done")),
            StepState::Pending => return Err(refused("pending")),
            StepState::Skipped { .. } => return Err(refused("skipped")),
        };
        entry.dismissed = true;
        let unchanged = Transition {
            from: self.state,
            to: self.state,
        };
        // Only a failure moves the state; an uncertain send never did.
        if !failed || self.failing() {
            return Ok(unchanged);
        }
        if self.state == ChaseState::Failed {
            let back = self.recovered();
            return Ok(self.go(back));
        }
        if self.resume_to == ChaseState::Failed {
            self.resume_to = self.recovered();
        }
        Ok(unchanged)
    }

    /// A failed send nobody dismissed since the last message went out: what keeps a chase
    /// `failed` (a later send that went out ended the failures before it).
    fn failing(&self) -> bool {
        self.history
            .entries
            .iter()
            .rev()
            .take_while(|e| e.state != StepState::Done)
            .any(|e| matches!(e.state, StepState::Failed { .. }) && !e.dismissed)
    }

    /// The state a chase returns to once its failure is over (the step went out, or the owner
    /// dismissed it).
    fn recovered(&mut self) -> ChaseState {
        // Chases carried from before `recover_to` kept it in `resume_to`, which a pause taken
        // while failed overwrote with `failed` itself.
        let back = self.recover_to.take().unwrap_or(self.resume_to);
        if back == ChaseState::Failed {
            ChaseState::Scheduled
        } else {
            back
        }
    }

    /// Before `step` runs, makes the plan's catch-up decisions final: the missed steps it
    /// skipped in `step`'s favour are recorded as skipped, so a later re-plan never sends them
    /// after it. Returns their ids.
    pub fn record_superseded(
        &mut self,
        schedule: &Schedule,
        step: &PlannedStep,
        now: Timestamp,
    ) -> Vec<String> {
        let superseded: Vec<HistoryEntry> = schedule
            .steps
            .iter()
            .filter(|s| s.id != step.id && s.at <= step.at)
            .filter(|s| {
                matches!(
                    s.state,
                    StepState::Skipped {
                        reason: SkipReason::CatchUp | SkipReason::Backdated
                    }
                )
            })
            .filter(|s| !self.history.entries.iter().any(|e| e.step_id == s.id))
            .map(|s| HistoryEntry {
                step_id: s.id.clone(),
                at: now,
                state: s.state.clone(),
                recipients: vec![],
                message_id: None,
                note: Some(format!("missed; superseded by {}", step.id)),
                dismissed: false,
            })
            .collect();
        let ids = superseded.iter().map(|e| e.step_id.clone()).collect();
        self.history.entries.extend(superseded);
        ids
    }

    /// Everyone this chase has written to.
    pub fn contacted(&self) -> Vec<&Email> {
        let mut out: Vec<&Email> = Vec::new();
        for e in self
            .history
            .entries
            .iter()
            .filter(|e| e.state == StepState::Done)
        {
            for r in &e.recipients {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
        out
    }
}
