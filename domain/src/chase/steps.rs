//! The steps a chase has run: their outcomes move its state, a failed one may be asked for
//! again, and catch-up's skips are made final before a later step goes out.

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
            (StepState::Done, ChaseState::Failed) => {
                // Chases carried from before `recover_to` kept it in `resume_to`, which a
                // pause taken while failed overwrote with `failed` itself.
                let back = self.recover_to.take().unwrap_or(self.resume_to);
                Some(if back == ChaseState::Failed {
                    ChaseState::Scheduled
                } else {
                    back
                })
            }
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
