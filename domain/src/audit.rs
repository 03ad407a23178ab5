//! The audit log's vocabulary: every action a row can record, and the snapshot of a chase kept
//! before and after a change.
//!
//! Writers (the workflow, the application layer, the document lane) and readers (reports, the
//! review, the CLI) share these types, so a report can never count an action no writer emits.
//! The stored strings are the ones the log has always held: changing one breaks old rows.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::chase::{ChaseState, Overrides};
use crate::money::Money;

macro_rules! audit_actions {
    ($($variant:ident => $name:literal,)*) => {
        /// What an audit row records. `*Refused` variants record a command the chase refused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum AuditAction {
            $($variant,)*
        }

        impl AuditAction {
            /// Every action, in the order above.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)*];

            /// The name stored in the log.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $name,)*
                }
            }

            /// The action a stored name records, if it is one of ours.
            pub fn parse(name: &str) -> Option<AuditAction> {
                match name {
                    $($name => Some(AuditAction::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

audit_actions! {
    ChaseStarted => "chase_started",
    Paid => "paid",
    PaidRefused => "paid_refused",
    Payment => "payment",
    PaymentRefused => "payment_refused",
    Pause => "pause",
    PauseRefused => "pause_refused",
    PauseEnded => "pause_ended",
    PauseEndedRefused => "pause_ended_refused",
    Resume => "resume",
    ResumeRefused => "resume_refused",
    Dispute => "dispute",
    DisputeRefused => "dispute_refused",
    ResolveResume => "resolve_resume",
    ResolveResumeRefused => "resolve_resume_refused",
    ResolveWriteoff => "resolve_writeoff",
    ResolveWriteoffRefused => "resolve_writeoff_refused",
    Writeoff => "writeoff",
    WriteoffRefused => "writeoff_refused",
    Void => "void",
    VoidRefused => "void_refused",
    InvoiceUpdated => "invoice_updated",
    InvoiceUpdatedRefused => "invoice_updated_refused",
    Promise => "promise",
    PromiseRefused => "promise_refused",
    PromiseKept => "promise_kept",
    PromiseBroken => "promise_broken",
    PromiseBrokenRefused => "promise_broken_refused",
    Rescheduled => "rescheduled",
    RescheduleRefused => "reschedule_refused",
    CalendarChanged => "calendar_changed",
    CalendarRefused => "calendar_refused",
    ChasingDisabled => "chasing_disabled",
    DisableRefused => "disable_refused",
    ChasingEnabled => "chasing_enabled",
    EnableRefused => "enable_refused",
    ContactsOverridden => "contacts_overridden",
    ContactsRefused => "contacts_refused",
    Resend => "resend",
    ResendRefused => "resend_refused",
    Held => "held",
    HoldRefused => "hold_refused",
    Dismissed => "dismissed",
    DismissRefused => "dismiss_refused",
    StepSent => "step_sent",
    StepFailed => "step_failed",
    StepDeclined => "step_declined",
    StepUncertain => "step_uncertain",
    StepDeferred => "step_deferred",
    StepsSkipped => "steps_skipped",
    ApprovalRequested => "approval_requested",
    MessageApproved => "message_approved",
    MessageRejected => "message_rejected",
    ApprovalRefused => "approval_refused",
    ApprovalExpiryFailed => "approval_expiry_failed",
    ThankYou => "thank_you",
    PayLinkClicked => "pay_link_clicked",
    CommandQueued => "command_queued",
    CommandDropped => "command_dropped",
    Reconciled => "reconciled",
    ProposalSent => "proposal_sent",
    ProposalApproved => "proposal_approved",
    ProposalRejected => "proposal_rejected",
    ProposalExpired => "proposal_expired",
    ProposalFailed => "proposal_failed",
    SendingHeld => "sending_held",
    SendingReleased => "sending_released",
}

impl AuditAction {
    /// Actions that change what is owed, and so feed the ledger of the reports.
    pub const MONEY: [AuditAction; 5] = [
        AuditAction::Paid,
        AuditAction::Payment,
        AuditAction::Writeoff,
        AuditAction::ResolveWriteoff,
        AuditAction::Void,
    ];

    /// Promises made, kept and broken: the monthly summary counts them.
    pub const PROMISES: [AuditAction; 3] = [
        AuditAction::Promise,
        AuditAction::PromiseKept,
        AuditAction::PromiseBroken,
    ];
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AuditAction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AuditAction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        AuditAction::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown audit action `{name}`")))
    }
}

/// A chase as an audit row's `before` and `after` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditSnapshot {
    pub state: ChaseState,
    pub balance: Money,
    pub due_date: Date,
    #[serde(default)]
    pub paused_until: Option<Timestamp>,
    #[serde(default)]
    pub pauses_used: u32,
    #[serde(default)]
    pub paused_days_used: u32,
    #[serde(default)]
    pub contacts: Vec<String>,
    /// What the owner decided that the invoice's source may not undo.
    #[serde(default, skip_serializing_if = "Overrides::is_empty")]
    pub overrides: Overrides,
    /// The day the customer promised to pay by, while the chase waits for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_by: Option<Date>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_stored_name() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
        }
        let mut names: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), AuditAction::ALL.len(), "a name is used twice");
        assert_eq!(AuditAction::parse("no_such_action"), None);
    }

    #[test]
    fn the_names_of_old_rows_are_kept() {
        // Rows written before the vocabulary was typed must still read.
        for name in [
            "chase_started",
            "paid",
            "payment",
            "pause_refused",
            "resolve_writeoff",
            "promise_kept",
            "promise_broken",
            "rescheduled",
            "reschedule_refused",
            "step_sent",
            "thank_you",
            "pay_link_clicked",
        ] {
            assert!(AuditAction::parse(name).is_some(), "{name}");
        }
    }
}
