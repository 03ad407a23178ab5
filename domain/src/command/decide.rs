//! The chase's answer to a command: one decision for every door, audited as done or refused.

use jiff::Timestamp;

use super::{Command, Resolution};
use crate::audit::AuditAction;
use crate::chase::{
    Chase, ChaseError, ChaseState, InvoiceUpdate, PauseLength, Plan, Promise, Transition,
};
use crate::contact::Email;
use crate::rules::Settings;

/// What the chase did with a command, for the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub action: AuditAction,
    pub transition: Transition,
    pub detail: Option<String>,
    /// A promise the command kept (paid before the promised day).
    pub kept: Option<Promise>,
}

/// Why the chase refused a command, for the caller and the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub action: AuditAction,
    pub reason: String,
}

impl Chase {
    /// Applies `command` at `now` under the company's `settings` and the workflow's `plan`,
    /// or refuses it with the reason, leaving the chase exactly as it was.
    pub fn execute(
        &mut self,
        command: &Command,
        now: Timestamp,
        settings: &Settings,
        plan: Plan<'_>,
    ) -> Result<Decision, Refusal> {
        let before = self.clone();
        let promised = self.promise.clone();
        let outcome = self.decide(command, now, settings, plan);
        match outcome {
            Ok((transition, detail)) => {
                let kept = promised.filter(|_| self.state == ChaseState::Paid);
                Ok(Decision {
                    action: command.audit_action(),
                    transition,
                    detail: detail.or_else(|| command.note()),
                    kept,
                })
            }
            Err(e) => {
                *self = before;
                let reason = match command.note() {
                    Some(note) => format!("{e} ({note})"),
                    None => e.to_string(),
                };
                Err(Refusal {
                    action: command.refused_action(),
                    reason,
                })
            }
        }
    }

    fn decide(
        &mut self,
        command: &Command,
        now: Timestamp,
        settings: &Settings,
        plan: Plan<'_>,
    ) -> Result<(Transition, Option<String>), ChaseError> {
        let same = |c: &Chase| Transition {
            from: c.state,
            to: c.state,
        };
        Ok(match command {
            Command::Paid { .. } => (self.mark_paid(now)?, None),
            Command::Payment {
                amount, reference, ..
            } => {
                let (_, t) = self.apply_payment(*amount, now)?;
                let reference = reference
                    .as_ref()
                    .map(|r| format!(", reference {r}"))
                    .unwrap_or_default();
                (t, Some(format!("{}{reference}", amount.grouped())))
            }
            Command::Pause { until, days, .. } => {
                let length = match (until, days) {
                    (Some(until), None) => PauseLength::Until(*until),
                    (None, Some(days)) => PauseLength::Days(*days),
                    (None, None) => {
                        return Err(ChaseError::PauseRefused(
                            "a pause needs `until` or `days`".into(),
                        ));
                    }
                    (Some(_), Some(_)) => {
                        return Err(ChaseError::PauseRefused(
                            "give `until` or `days`, not both".into(),
                        ));
                    }
                };
                (self.pause(length, now, settings.pause_cap)?, None)
            }
            Command::Resume => (self.resume(now)?, None),
            Command::Dispute { .. } => (self.dispute(now)?, None),
            Command::Resolve {
                resolution: Resolution::Resume,
                ..
            } => (self.resolve_resume()?, None),
            Command::Resolve {
                resolution: Resolution::Writeoff,
                ..
            } => {
                if self.state != ChaseState::Disputed {
                    return Err(ChaseError::WrongState(self.state, "disputed"));
                }
                (self.write_off(now)?, None)
            }
            Command::Writeoff { .. } => (self.write_off(now)?, None),
            Command::Void { .. } => (self.void(now)?, None),
            Command::Promise {
                pay_by,
                until,
                note,
            } => {
                let tz = settings.time_zone.tz();
                let promise = match (pay_by, until) {
                    (_, Some(until)) => Promise {
                        pay_by: until.to_zoned(tz.clone()).date(),
                        until: *until,
                    },
                    (Some(day), None) => Promise::by_day(*day, tz),
                    (None, None) => {
                        return Err(ChaseError::PauseRefused(
                            "a promise needs the day (pay_by)".into(),
                        ));
                    }
                };
                let note = if note.trim().is_empty() {
                    String::new()
                } else {
                    format!(": {}", note.trim())
                };
                let detail = format!("pay by {}{note}", promise.pay_by);
                (self.promise(promise, now)?, Some(detail))
            }
            Command::Reschedule { cadence } => {
                self.open()?;
                self.overrides.schedule = true;
                let steps: Vec<String> = cadence
                    .steps
                    .iter()
                    .map(|s| format!("{} {}", s.id, s.trigger))
                    .collect();
                (
                    same(self),
                    Some(format!("custom steps: {}", steps.join(", "))),
                )
            }
            Command::Calendar { calendar } => {
                self.open()?;
                let changes = calendar.changes_from(&settings.calendar());
                let detail = if changes.is_empty() {
                    "calendar unchanged".to_owned()
                } else {
                    format!("calendar: {}", changes.join("; "))
                };
                (same(self), Some(detail))
            }
            Command::Disable | Command::Enable => {
                self.open()?;
                self.invoice.do_not_chase = matches!(command, Command::Disable);
                self.overrides.do_not_chase = true;
                (same(self), None)
            }
            Command::Contacts { to } => {
                self.open()?;
                self.invoice.contact_override = to.clone();
                self.overrides.contacts = !to.is_empty();
                let detail = if to.is_empty() {
                    "back to the contacts' roles".to_owned()
                } else {
                    let list: Vec<&str> = to.iter().map(Email::as_str).collect();
                    format!("reminders go to {}", list.join(", "))
                };
                (same(self), Some(detail))
            }
            Command::Resend { step_id } => {
                self.request_resend(step_id)?;
                (same(self), Some(step_id.clone()))
            }
            Command::Hold { step_id, until } => {
                let held = self.hold(step_id, *until, now, plan)?;
                let detail = if held > *until {
                    format!("{step_id} held until {held} (already deferred that far)")
                } else {
                    format!("{step_id} held until {held}")
                };
                (same(self), Some(detail))
            }
            Command::Dismiss { step_id } => (self.dismiss(step_id)?, Some(step_id.clone())),
            Command::Update { update } => {
                let (t, kept) = self.update_from_source(update, now)?;
                let mut detail = format!("changed: {}", changed(update, &kept).join(", "));
                if !kept.is_empty() {
                    detail.push_str(&format!("; kept the owner's {}", kept.join(", ")));
                }
                (t, Some(detail))
            }
        })
    }
}

/// The fields an update changed, in words, leaving out those the owner's decision kept.
fn changed(update: &InvoiceUpdate, kept: &[&str]) -> Vec<&'static str> {
    [
        update.due_date.map(|_| "due date"),
        update.amount.map(|_| "amount"),
        update.balance.map(|_| "balance"),
        update.contacts.as_ref().map(|_| "contacts"),
        update
            .do_not_chase
            .filter(|_| !kept.contains(&"chasing"))
            .map(|off| {
                if off {
                    "chasing disabled"
                } else {
                    "chasing enabled"
                }
            }),
    ]
    .into_iter()
    .flatten()
    .collect()
}
