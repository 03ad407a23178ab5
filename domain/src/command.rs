//! Everything that can be asked of a chase, and the chase's answer.
//!
//! Every door (the CLI, the owner API, one-tap links, webhooks, bank matching, the sheet sync
//! and an operator's raw Temporal update or signal) turns its input into one [`Command`]. The
//! workflow hands it to [`Chase::execute`], which decides: the same rule for every door, so a
//! payment that covers the balance is `paid` whichever way it came, and a pause over the cap
//! is refused with the same reason everywhere.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::audit::AuditAction;
use crate::chase::{
    Chase, ChaseError, ChaseState, InvoiceUpdate, PauseLength, Promise, Transition,
};
use crate::contact::Email;
use crate::money::Money;
use crate::rules::{Cadence, Settings};

/// How a dispute ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    Resume,
    Writeoff,
}

/// One action on a chase. The wire form is `{"command": "paid", ...fields}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Paid in full.
    Paid {
        #[serde(default)]
        paid_at: Option<Timestamp>,
        #[serde(default)]
        reference: Option<String>,
    },
    /// Money arrived; the whole balance (or more) makes it `paid`.
    Payment {
        amount: Money,
        #[serde(default)]
        paid_at: Option<Timestamp>,
        #[serde(default)]
        reference: Option<String>,
    },
    /// Pause `until` an instant or for `days`, within the rules doc's cap.
    Pause {
        #[serde(default)]
        until: Option<Timestamp>,
        #[serde(default)]
        days: Option<u32>,
        #[serde(default)]
        reason: String,
    },
    Resume,
    Dispute {
        #[serde(default)]
        reason: String,
    },
    Resolve {
        resolution: Resolution,
        #[serde(default)]
        reason: String,
    },
    Writeoff {
        #[serde(default)]
        reason: String,
    },
    /// Cancelled at the source: nothing is owed.
    Void {
        #[serde(default)]
        reason: String,
    },
    /// The customer promised to pay by `pay_by` (a day in the company's time zone); `until`,
    /// an instant, is for tests that run in seconds.
    Promise {
        #[serde(default)]
        pay_by: Option<Date>,
        #[serde(default)]
        until: Option<Timestamp>,
        #[serde(default)]
        note: String,
    },
    /// The owner's custom steps replace the rest of the cadence.
    Reschedule {
        cadence: Cadence,
    },
    /// The owner stops reminders to the customer (escalations to the owner continue).
    Disable,
    /// The owner restarts them.
    Enable,
    /// The owner chooses who reminders go to; an empty list goes back to the contacts' roles.
    Contacts {
        to: Vec<Email>,
    },
    /// Send a failed step again, through the same guardrails.
    Resend {
        step_id: String,
    },
    /// New facts from the invoice's source (an import, a sync, a webhook). Never undoes what
    /// the owner decided: see [`Chase::update_from_source`].
    Update {
        update: InvoiceUpdate,
    },
}

impl Command {
    /// The command's name, as written on the wire and in messages.
    pub fn verb(&self) -> &'static str {
        match self {
            Command::Paid { .. } => "paid",
            Command::Payment { .. } => "payment",
            Command::Pause { .. } => "pause",
            Command::Resume => "resume",
            Command::Dispute { .. } => "dispute",
            Command::Resolve { .. } => "resolve",
            Command::Writeoff { .. } => "writeoff",
            Command::Void { .. } => "void",
            Command::Promise { .. } => "promise",
            Command::Reschedule { .. } => "reschedule",
            Command::Disable => "disable",
            Command::Enable => "enable",
            Command::Contacts { .. } => "contacts",
            Command::Resend { .. } => "resend",
            Command::Update { .. } => "update",
        }
    }

    /// What the audit log records when the chase does it.
    pub fn audit_action(&self) -> AuditAction {
        match self {
            Command::Paid { .. } => AuditAction::Paid,
            Command::Payment { .. } => AuditAction::Payment,
            Command::Pause { .. } => AuditAction::Pause,
            Command::Resume => AuditAction::Resume,
            Command::Dispute { .. } => AuditAction::Dispute,
            Command::Resolve {
                resolution: Resolution::Resume,
                ..
            } => AuditAction::ResolveResume,
            Command::Resolve {
                resolution: Resolution::Writeoff,
                ..
            } => AuditAction::ResolveWriteoff,
            Command::Writeoff { .. } => AuditAction::Writeoff,
            Command::Void { .. } => AuditAction::Void,
            Command::Promise { .. } => AuditAction::Promise,
            Command::Reschedule { .. } => AuditAction::Rescheduled,
            Command::Disable => AuditAction::ChasingDisabled,
            Command::Enable => AuditAction::ChasingEnabled,
            Command::Contacts { .. } => AuditAction::ContactsOverridden,
            Command::Resend { .. } => AuditAction::Resend,
            Command::Update { .. } => AuditAction::InvoiceUpdated,
        }
    }

    /// What the audit log records when the chase refuses it.
    pub fn refused_action(&self) -> AuditAction {
        match self {
            Command::Paid { .. } => AuditAction::PaidRefused,
            Command::Payment { .. } => AuditAction::PaymentRefused,
            Command::Pause { .. } => AuditAction::PauseRefused,
            Command::Resume => AuditAction::ResumeRefused,
            Command::Dispute { .. } => AuditAction::DisputeRefused,
            Command::Resolve {
                resolution: Resolution::Resume,
                ..
            } => AuditAction::ResolveResumeRefused,
            Command::Resolve {
                resolution: Resolution::Writeoff,
                ..
            } => AuditAction::ResolveWriteoffRefused,
            Command::Writeoff { .. } => AuditAction::WriteoffRefused,
            Command::Void { .. } => AuditAction::VoidRefused,
            Command::Promise { .. } => AuditAction::PromiseRefused,
            Command::Reschedule { .. } => AuditAction::RescheduleRefused,
            Command::Disable => AuditAction::DisableRefused,
            Command::Enable => AuditAction::EnableRefused,
            Command::Contacts { .. } => AuditAction::ContactsRefused,
            Command::Resend { .. } => AuditAction::ResendRefused,
            Command::Update { .. } => AuditAction::InvoiceUpdatedRefused,
        }
    }

    /// Whether the command is well formed, whatever the chase: a pause with an end, a promise
    /// with a day, a positive payment, a step to resend. What the chase itself may refuse (a
    /// cap, a closed chase, a currency) is its decision, taken and audited when it runs.
    pub fn check_form(&self) -> Result<(), String> {
        match self {
            Command::Pause {
                until: None,
                days: None,
                ..
            } => Err("a pause needs `until` or `days`".into()),
            Command::Pause {
                until: Some(_),
                days: Some(_),
                ..
            } => Err("give `until` or `days`, not both".into()),
            Command::Promise {
                pay_by: None,
                until: None,
                ..
            } => Err("a promise needs the day (pay_by)".into()),
            Command::Payment { amount, .. } if !amount.is_positive() => {
                Err(format!("a payment must be positive, got {amount}"))
            }
            Command::Resend { step_id } if step_id.trim().is_empty() => {
                Err("resend needs the step's id".into())
            }
            _ => Ok(()),
        }
    }

    /// The reason or note the command carries, for the audit log.
    fn note(&self) -> Option<String> {
        let text = match self {
            Command::Pause { reason, .. }
            | Command::Dispute { reason }
            | Command::Resolve { reason, .. }
            | Command::Writeoff { reason }
            | Command::Void { reason } => reason.clone(),
            Command::Paid {
                reference: Some(r), ..
            } => format!("reference {r}"),
            _ => String::new(),
        };
        (!text.trim().is_empty()).then_some(text)
    }
}

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
    /// Applies `command` at `now` under the company's `settings`, or refuses it with the
    /// reason, leaving the chase exactly as it was.
    pub fn execute(
        &mut self,
        command: &Command,
        now: Timestamp,
        settings: &Settings,
    ) -> Result<Decision, Refusal> {
        let before = self.clone();
        let promised = self.promise.clone();
        let outcome = self.decide(command, now, settings);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::{Contact, Role};
    use crate::invoice::{Customer, Invoice, InvoiceNumber};
    use crate::rules::PauseCap;
    use crate::terms::Terms;
    use jiff::civil::date;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn usd(s: &str) -> Money {
        Money::parse(s, "USD".parse().unwrap()).unwrap()
    }

    fn chase() -> Chase {
        Chase::new(Invoice {
            contacts: vec![Contact {
                name: String::new(),
                email: Email::parse("ap@c.example").unwrap(),
                roles: vec![Role::Billing],
            }],
            ..Invoice::new(
                InvoiceNumber::parse("INV-1").unwrap(),
                Customer {
                    id: "c".into(),
                    name: "C".into(),
                },
                usd("1000"),
                date(2026, 11, 1),
                date(2026, 12, 1),
                Terms::Net(30),
                Email::parse("owner@x.example").unwrap(),
            )
        })
    }

    const NOW: &str = "2026-12-05T10:00:00Z";

    #[test]
    fn a_payment_of_the_whole_balance_ends_the_chase_like_paid() {
        let settings = Settings::default();
        let mut by_payment = chase();
        let payment = Command::Payment {
            amount: usd("1000"),
            paid_at: None,
            reference: Some("T-1".into()),
        };
        let decision = by_payment.execute(&payment, ts(NOW), &settings).unwrap();
        assert_eq!(decision.action, AuditAction::Payment);
        assert_eq!(decision.transition.to, ChaseState::Paid);
        assert_eq!(
            decision.detail.as_deref(),
            Some("USD 1,000.00, reference T-1")
        );
        let mut by_paid = chase();
        let paid = Command::Paid {
            paid_at: None,
            reference: None,
        };
        by_paid.execute(&paid, ts(NOW), &settings).unwrap();
        assert_eq!(by_payment.state, by_paid.state);
        assert_eq!(by_payment.invoice.balance, by_paid.invoice.balance);
    }

    #[test]
    fn a_refusal_names_its_action_and_reason_and_changes_nothing() {
        let settings = Settings {
            pause_cap: PauseCap {
                max_pauses: 1,
                max_paused_days: 5,
            },
            ..Settings::default()
        };
        let mut c = chase();
        let before = c.clone();
        let pause = Command::Pause {
            until: None,
            days: Some(10),
            reason: "holiday".into(),
        };
        let refusal = c.execute(&pause, ts(NOW), &settings).unwrap_err();
        assert_eq!(refusal.action, AuditAction::PauseRefused);
        assert_eq!(
            refusal.reason,
            "pause refused: 10 more days would bring this chase to 10 paused days, over the cap of 5 (holiday)"
        );
        assert_eq!(c, before);
        assert_eq!(
            pause.check_form(),
            Ok(()),
            "well formed: the cap is the chase's call"
        );
    }

    #[test]
    fn a_source_update_never_undoes_the_owners_decisions() {
        let settings = Settings::default();
        let mut c = chase();
        c.execute(&Command::Disable, ts(NOW), &settings).unwrap();
        let to = vec![Email::parse("boss@c.example").unwrap()];
        c.execute(&Command::Contacts { to: to.clone() }, ts(NOW), &settings)
            .unwrap();
        // What an import of the unchanged invoice looks like: no override, chasing on.
        let update = InvoiceUpdate {
            do_not_chase: Some(false),
            contact_override: Some(vec![]),
            due_date: Some(date(2026, 12, 8)),
            ..InvoiceUpdate::default()
        };
        let decision = c
            .execute(&Command::Update { update }, ts(NOW), &settings)
            .unwrap();
        assert!(c.invoice.do_not_chase, "still disabled");
        assert_eq!(c.invoice.contact_override, to, "still the owner's contacts");
        assert_eq!(c.invoice.due_date, date(2026, 12, 8), "facts still apply");
        assert_eq!(
            decision.detail.as_deref(),
            Some("changed: due date; kept the owner's chasing")
        );
        assert!(c.overrides.do_not_chase && c.overrides.contacts);
    }

    #[test]
    fn resolving_as_a_writeoff_needs_a_dispute() {
        let settings = Settings::default();
        let mut c = chase();
        let resolve = Command::Resolve {
            resolution: Resolution::Writeoff,
            reason: String::new(),
        };
        let refusal = c.execute(&resolve, ts(NOW), &settings).unwrap_err();
        assert_eq!(refusal.action, AuditAction::ResolveWriteoffRefused);
        assert_eq!(refusal.reason, "the chase is scheduled, not disputed");
        c.execute(
            &Command::Dispute {
                reason: "wrong".into(),
            },
            ts(NOW),
            &settings,
        )
        .unwrap();
        let d = c.execute(&resolve, ts(NOW), &settings).unwrap();
        assert_eq!(d.transition.to, ChaseState::WrittenOff);
    }

    #[test]
    fn paying_while_a_promise_waits_keeps_the_promise() {
        let settings = Settings::default();
        let mut c = chase();
        let promise = Command::Promise {
            pay_by: Some(date(2026, 12, 12)),
            until: None,
            note: "by Friday".into(),
        };
        let d = c.execute(&promise, ts(NOW), &settings).unwrap();
        assert_eq!(d.detail.as_deref(), Some("pay by 2026-12-12: by Friday"));
        let paid = Command::Paid {
            paid_at: None,
            reference: None,
        };
        let d = c.execute(&paid, ts(NOW), &settings).unwrap();
        assert_eq!(d.kept.map(|p| p.pay_by), Some(date(2026, 12, 12)));
    }

    #[test]
    fn a_malformed_command_is_refused_before_any_chase_sees_it() {
        let both = Command::Pause {
            until: Some(ts(NOW)),
            days: Some(1),
            reason: String::new(),
        };
        assert_eq!(
            both.check_form(),
            Err("give `until` or `days`, not both".into())
        );
        let free = Command::Payment {
            amount: usd("0"),
            paid_at: None,
            reference: None,
        };
        assert!(free.check_form().unwrap_err().contains("must be positive"));
        let promise = Command::Promise {
            pay_by: None,
            until: None,
            note: String::new(),
        };
        assert!(promise.check_form().is_err());
    }

    #[test]
    fn the_wire_form_is_a_tagged_object() {
        let json = serde_json::json!({"command": "pause", "days": 3, "reason": "call"});
        let command: Command = serde_json::from_value(json).unwrap();
        assert_eq!(
            command,
            Command::Pause {
                until: None,
                days: Some(3),
                reason: "call".into()
            }
        );
        let resume: Command =
            serde_json::from_value(serde_json::json!({"command": "resume"})).unwrap();
        assert_eq!(resume, Command::Resume);
        let payment: Command = serde_json::from_value(
            serde_json::json!({"command": "payment", "amount": "USD 400.00"}),
        )
        .unwrap();
        assert_eq!(payment.verb(), "payment");
    }
}
