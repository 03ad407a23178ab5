//! Everything that can be asked of a chase, and the chase's answer.
//!
//! Every door (the CLI, the owner API, one-tap links, webhooks, bank matching, the sheet sync
//! and an operator's raw Temporal update or signal) turns its input into one [`Command`]. The
//! workflow hands it to [`Chase::execute`](crate::Chase::execute), which decides: the same rule for every door, so a
//! payment that covers the balance is `paid` whichever way it came, and a pause over the cap
//! is refused with the same reason everywhere.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::audit::AuditAction;
use crate::calendar::Calendar;
use crate::chase::InvoiceUpdate;
use crate::contact::Email;
use crate::limits::{
    LimitError, MAX_CONTACTS, MAX_ID_CHARS, MAX_NAME_CHARS, MAX_TEXT_CHARS, check_count, check_len,
};
use crate::money::Money;
use crate::rules::Cadence;

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
    /// The company calendar changed (holidays, quiet hours, business days, the send hour):
    /// the remaining steps are planned under it; what was sent keeps its history.
    Calendar {
        calendar: Calendar,
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
    /// Hold a pending step's message until `until` (within a few days): it then goes out
    /// through the same guardrails.
    Hold {
        step_id: String,
        until: Timestamp,
    },
    /// The owner accepts a failed or uncertain send: it is not sent again, and the chase
    /// goes on with its next step.
    Dismiss {
        step_id: String,
    },
    /// New facts from the invoice's source (an import, a sync, a webhook). Never undoes what
    /// the owner decided: see [`Chase::update_from_source`](crate::Chase::update_from_source).
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
            Command::Calendar { .. } => "calendar",
            Command::Disable => "disable",
            Command::Enable => "enable",
            Command::Contacts { .. } => "contacts",
            Command::Resend { .. } => "resend",
            Command::Hold { .. } => "hold",
            Command::Dismiss { .. } => "dismiss",
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
            Command::Calendar { .. } => AuditAction::CalendarChanged,
            Command::Disable => AuditAction::ChasingDisabled,
            Command::Enable => AuditAction::ChasingEnabled,
            Command::Contacts { .. } => AuditAction::ContactsOverridden,
            Command::Resend { .. } => AuditAction::Resend,
            Command::Hold { .. } => AuditAction::Held,
            Command::Dismiss { .. } => AuditAction::Dismissed,
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
            Command::Calendar { .. } => AuditAction::CalendarRefused,
            Command::Disable => AuditAction::DisableRefused,
            Command::Enable => AuditAction::EnableRefused,
            Command::Contacts { .. } => AuditAction::ContactsRefused,
            Command::Resend { .. } => AuditAction::ResendRefused,
            Command::Hold { .. } => AuditAction::HoldRefused,
            Command::Dismiss { .. } => AuditAction::DismissRefused,
            Command::Update { .. } => AuditAction::InvoiceUpdatedRefused,
        }
    }

    /// Every free-text field of the command is within its limit, and names are short.
    pub fn check_limits(&self) -> Result<(), LimitError> {
        let text = |field: &str, value: &str| check_len(field, value, MAX_TEXT_CHARS);
        match self {
            Command::Paid { reference, .. } | Command::Payment { reference, .. } => {
                text("reference", reference.as_deref().unwrap_or_default())
            }
            Command::Pause { reason, .. }
            | Command::Dispute { reason }
            | Command::Resolve { reason, .. }
            | Command::Writeoff { reason }
            | Command::Void { reason } => text("reason", reason),
            Command::Promise { note, .. } => text("note", note),
            Command::Contacts { to } => check_count("to", to.len(), MAX_CONTACTS),
            Command::Resend { step_id }
            | Command::Hold { step_id, .. }
            | Command::Dismiss { step_id } => check_len("step", step_id, MAX_ID_CHARS),
            Command::Update { update } => match &update.contacts {
                Some(contacts) => {
                    check_count("contacts", contacts.len(), MAX_CONTACTS)?;
                    contacts.iter().enumerate().try_for_each(|(n, c)| {
                        check_len(&format!("contacts[{n}].name"), &c.name, MAX_NAME_CHARS)
                    })
                }
                None => Ok(()),
            },
            Command::Reschedule { .. }
            | Command::Calendar { .. }
            | Command::Resume
            | Command::Disable
            | Command::Enable => Ok(()),
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
            Command::Resend { step_id }
            | Command::Hold { step_id, .. }
            | Command::Dismiss { step_id }
                if step_id.trim().is_empty() =>
            {
                Err(format!("{} needs the step's id", self.verb()))
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

mod decide;

pub use decide::{Decision, Refusal};

#[cfg(test)]
mod tests;
