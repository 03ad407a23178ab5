//! The payloads of every workflow, signal, update, query and activity: one named struct each,
//! new fields always `#[serde(default)]` so that running chases keep deserializing.

use chaser_domain::AuditAction;
use chaser_domain::chase::Awaiting;
use chaser_domain::schedule::HistoryEntry;
use chaser_domain::{
    Cadence, Chase, ChaseState, Email, Invoice, InvoiceUpdate, Money, Overrides, PauseLength,
    PlannedStep, Settings,
};
pub use chaser_domain::{Command, Resolution};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Starts a chase: a frozen snapshot of the invoice, its cadence and the company settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChaseInput {
    pub invoice: Invoice,
    pub cadence: Cadence,
    pub settings: Settings,
    /// Who started it (`import`, `webhook:accounting`, `cli:alice`).
    #[serde(default)]
    pub started_by: String,
    /// Carried over continue-as-new: the chase so far, and the audit sequence number.
    #[serde(default)]
    pub carried: Option<Carried>,
    /// Publish the customer's name as the `Customer` search attribute (plaintext in
    /// Temporal). Histories from before the choice existed did, so that is the default.
    #[serde(default = "yes")]
    pub index_customer_name: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "CarriedWire")]
pub struct Carried {
    pub chase: Chase,
    pub audit_seq: u64,
    /// The answers to the latest commands, by id, so a repeat is done once.
    pub answered: Vec<Answered>,
}

impl Carried {
    /// A chase that has just begun.
    pub fn fresh(chase: Chase) -> Carried {
        Carried {
            chase,
            audit_seq: 0,
            answered: vec![],
        }
    }
}

/// `Carried` as histories hold it: before the chase kept its sending state itself, the
/// workflow carried these five fields beside it.
#[derive(Deserialize)]
struct CarriedWire {
    chase: Chase,
    audit_seq: u64,
    #[serde(default)]
    answered: Vec<Answered>,
    #[serde(default)]
    thanked: bool,
    #[serde(default)]
    not_before: std::collections::BTreeMap<String, Timestamp>,
    #[serde(default)]
    awaiting: Option<Awaiting>,
    #[serde(default)]
    resends: std::collections::BTreeMap<String, u32>,
    #[serde(default)]
    pay_clicks: Vec<Timestamp>,
}

impl From<CarriedWire> for Carried {
    fn from(w: CarriedWire) -> Carried {
        let mut chase = w.chase;
        chase.thanked |= w.thanked;
        chase.not_before.extend(w.not_before);
        chase.awaiting = chase.awaiting.or(w.awaiting);
        for (step, n) in w.resends {
            let count = chase.resends.entry(step).or_default();
            *count = (*count).max(n);
        }
        if chase.pay_clicks.is_empty() {
            chase.pay_clicks = w.pay_clicks;
        }
        Carried {
            chase,
            audit_seq: w.audit_seq,
            answered: w.answered,
        }
    }
}

/// One command, as the `command` update and the `command` signal carry it:
/// `{"command": "paid", "reference": "T-1", "by": "ops:alice", "id": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandRequest {
    #[serde(flatten)]
    pub command: Command,
    /// Who asks: `cli:alice`, `api`, `webhook:accounting:evt_1`, `ops:bob`.
    #[serde(default)]
    pub by: String,
    /// Names the request: a second request with the same id is answered, not done again (a
    /// webhook's retry, or the signal that backs up an update nobody could take).
    #[serde(default)]
    pub id: String,
}

/// The chase's answer to a command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CommandReply {
    /// Done: the chase as it now stands. For a stop, nothing is on its way to the customer
    /// any more by the time this answer comes.
    Done {
        state: ChaseState,
        balance: Money,
        #[serde(default)]
        paused_until: Option<Timestamp>,
        #[serde(default)]
        pauses_used: u32,
        #[serde(default)]
        detail: Option<String>,
    },
    /// Refused, with the reason (also in the audit log).
    Refused { reason: String },
}

/// A command's id and the answer it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answered {
    pub id: String,
    pub reply: CommandReply,
}

/// What a finished chase reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChaseOutcome {
    pub state: ChaseState,
    pub balance: Money,
    pub sent: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidSignal {
    #[serde(default)]
    pub paid_at: Option<Timestamp>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSignal {
    pub amount: Money,
    #[serde(default)]
    pub paid_at: Option<Timestamp>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub by: String,
}

/// A promise to pay by `pay_by` (a date in the company's time zone), or until an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseSignal {
    #[serde(default)]
    pub pay_by: Option<jiff::civil::Date>,
    #[serde(default)]
    pub until: Option<Timestamp>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub by: String,
}

/// `until` an instant, or for `days`. Exactly one should be set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseSignal {
    #[serde(default)]
    pub until: Option<Timestamp>,
    #[serde(default)]
    pub days: Option<u32>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub by: String,
}

impl PauseSignal {
    pub fn length(&self) -> Result<PauseLength, String> {
        match (self.until, self.days) {
            (Some(until), None) => Ok(PauseLength::Until(until)),
            (None, Some(days)) => Ok(PauseLength::Days(days)),
            (None, None) => Err("a pause needs `until` or `days`".into()),
            (Some(_), Some(_)) => Err("give `until` or `days`, not both".into()),
        }
    }
}

/// The reply to a `request_pause` update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum PauseReply {
    Paused { until: Timestamp, pauses_used: u32 },
    Refused { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResumeSignal {
    #[serde(default)]
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeSignal {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveSignal {
    pub resolution: Resolution,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteoffSignal {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub by: String,
}

/// The invoice was cancelled in the accounting tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoidSignal {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateInvoiceSignal {
    pub update: InvoiceUpdate,
    #[serde(default)]
    pub by: String,
}

/// What `status` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusView {
    pub invoice: String,
    pub state: ChaseState,
    pub balance: Money,
    pub next_touch: Option<NextTouch>,
    pub paused_until: Option<Timestamp>,
    pub pauses_used: u32,
    pub paused_days_used: u32,
    /// Every step that has an outcome, in order.
    pub sends: Vec<HistoryEntry>,
    /// When the customer opened the pay link (the latest few).
    #[serde(default)]
    pub pay_clicks: Vec<Timestamp>,
    /// Reminders to the customer are off (`disable`).
    #[serde(default)]
    pub chasing_disabled: bool,
    /// What the owner decided that the invoice's source may not undo.
    #[serde(default)]
    pub overrides: Overrides,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextTouch {
    pub step_id: String,
    #[serde(rename = "move")]
    pub action: chaser_domain::Move,
    pub at: Timestamp,
}

/// Which message a send is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A cadence step to the customer.
    Reminder,
    /// To the account owner: an escalation, or a step that found no customer contact.
    OwnerEscalation,
    ThankYou,
}

/// One message to send. `key` is unique within the chase and keys the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendRequest {
    pub workflow_id: String,
    pub key: String,
    pub kind: MessageKind,
    /// The step this message belongs to (none for a thank-you).
    #[serde(default)]
    pub step: Option<PlannedStep>,
    /// The chase's view of the invoice, with the balance after payments.
    pub invoice: Invoice,
    pub to: Vec<Email>,
    #[serde(default)]
    pub cc: Vec<Email>,
    /// What happened so far, for an escalation's context.
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
    /// The company settings: the send window, the gap and the daily cap are checked again at
    /// send time.
    #[serde(default)]
    pub settings: Option<Settings>,
    /// A human approved this message: send the approved text (after the guards).
    #[serde(default)]
    pub approved: bool,
    /// Why the owner gets this message (an escalation, no reachable contact, ...).
    #[serde(default)]
    pub note: Option<String>,
    /// What the store shows once this message went out (the step's or the thank-you's audit
    /// event and the chase after it), written by the send itself when it is `Sent`, so the
    /// chase needs no activity of its own for it. The send stamps its message id in.
    #[serde(default)]
    pub audit_when_sent: Option<AuditBatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum SendResult {
    Sent {
        message_id: String,
    },
    /// Dry-run mode: rendered and recorded in the outbox, never sent.
    DryRun,
    /// A guardrail said no, for good; `reason` starts with its code (`fresh_state: paid`).
    Declined {
        reason: String,
    },
    /// A guardrail said "not yet" (send window, minimum gap, daily cap): try again at `until`.
    Deferred {
        until: Timestamp,
        reason: String,
    },
    /// Nobody can be written to (every recipient suppressed): tell the owner instead.
    Unreachable {
        reason: String,
    },
    /// Rendered and waiting for a human; dropped if nobody approves it by `expires_at`.
    AwaitingApproval {
        expires_at: Timestamp,
    },
    /// Handed to the provider with no answer: it may have gone. Never sent again by itself.
    Uncertain {
        reason: String,
    },
}

/// A human approved or rejected a message that waited for approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalSignal {
    pub key: String,
    pub approved: bool,
    #[serde(default)]
    pub by: String,
}

/// The customer opened the pay link of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayLinkClickedSignal {
    pub at: Timestamp,
    /// Where the click went: the pay URL, or the bank-transfer page.
    #[serde(default)]
    pub to: String,
}

/// Try a failed step again, through the same guardrails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResendSignal {
    pub step_id: String,
    #[serde(default)]
    pub by: String,
}

/// An approval's time ran out: drop the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpireApproval {
    pub workflow_id: String,
    pub key: String,
}

/// What the approval store said when asked to expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryOutcome {
    Expired,
    /// Decided in the meantime: the decision's signal is on its way.
    AlreadyDecided,
}

/// State changes and actions to append to the audit log, with the invoice as it now stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditBatch {
    pub workflow_id: String,
    /// The first run id of this chase's continue-as-new chain: with `seq`, it keys each event.
    #[serde(default)]
    pub chain: String,
    pub invoice: Invoice,
    pub state: ChaseState,
    pub events: Vec<AuditEvent>,
    /// The whole chase as `status` shows it: the store's projection of the chase.
    #[serde(default)]
    pub status: Option<StatusView>,
    /// The chase's last audit number when the projection was taken: a send's own write can
    /// land after a later flush, and the store keeps the newer projection.
    #[serde(default)]
    pub as_of: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Numbered per chase, so a retried write is a no-op.
    pub seq: u64,
    pub at: Timestamp,
    pub action: AuditAction,
    pub actor: String,
    #[serde(default)]
    pub before: Option<serde_json::Value>,
    #[serde(default)]
    pub after: Option<serde_json::Value>,
    #[serde(default)]
    pub detail: Option<String>,
}

/// Replaces the remaining cadence of one chase with custom steps (validated like the rules
/// doc). Steps already sent keep their history by step id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RescheduleSignal {
    pub cadence: Cadence,
    #[serde(default)]
    pub by: String,
}

mod proposal;
mod runs;

pub use proposal::*;
pub use runs::*;
