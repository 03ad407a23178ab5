//! The life of one chase: payments, pauses, disputes, write-offs and invoice updates.
//!
//! The workflow holds a `Chase` and calls these methods from its signal handlers; every
//! decision (is this pause within the cap? does this payment settle the invoice?) is made
//! here, purely, so it is tested without a server and replays deterministically.

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::invoice::Invoice;
use crate::money::{Money, MoneyError};
use crate::rules::PauseCap;
use crate::schedule::History;

mod delivery;
mod steps;
mod update;

pub use delivery::{ApprovalDecision, Awaiting, Due, MAX_HOLD_DAYS, MAX_PAY_CLICKS, Plan};
pub use update::InvoiceUpdate;

/// Where a chase stands. The names are the `ChaseState` search attribute's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChaseState {
    /// Waiting for its next step.
    Scheduled,
    /// An escalation went out; later steps still run.
    Escalated,
    Paused,
    /// Sending has stopped until a human resolves the dispute.
    Disputed,
    Paid,
    WrittenOff,
    /// Cancelled in the accounting tool: nothing is owed.
    Void,
    /// The last send failed permanently and needs a human; later steps still run.
    Failed,
}

impl ChaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            ChaseState::Scheduled => "scheduled",
            ChaseState::Escalated => "escalated",
            ChaseState::Paused => "paused",
            ChaseState::Disputed => "disputed",
            ChaseState::Paid => "paid",
            ChaseState::WrittenOff => "written_off",
            ChaseState::Void => "void",
            ChaseState::Failed => "failed",
        }
    }

    /// The chase is over: nothing more will be sent.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ChaseState::Paid | ChaseState::WrittenOff | ChaseState::Void
        )
    }

    /// Messages may go out in this state.
    pub fn is_sending(self) -> bool {
        matches!(
            self,
            ChaseState::Scheduled | ChaseState::Escalated | ChaseState::Failed
        )
    }
}

impl fmt::Display for ChaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChaseError {
    #[error("the chase is closed ({0})")]
    Closed(ChaseState),
    #[error("the chase is {0}, not {1}")]
    WrongState(ChaseState, &'static str),
    #[error("pause refused: {0}")]
    PauseRefused(String),
    #[error("payment of {amount} does not match the invoice currency: {source}")]
    Currency { amount: Money, source: MoneyError },
    #[error("a payment must be positive, got {0}")]
    NonPositivePayment(Money),
    #[error("invalid update: {0}")]
    InvalidUpdate(String),
    #[error(
        "step `{step}` is {state}, not failed: only a failed step, or one whose sending is uncertain, can be sent again"
    )]
    NotFailed { step: String, state: &'static str },
    #[error(
        "step `{0}` has not been sent yet: only a failed step, or one whose sending is uncertain, can be sent again"
    )]
    NotSent(String),
    #[error("no message {0} waits for approval")]
    NoApproval(String),
    #[error("hold refused: {0}")]
    HoldRefused(String),
    #[error(
        "step `{step}` is {state}: only a failed step, or one whose sending is uncertain, can be dismissed"
    )]
    NotDismissable { step: String, state: &'static str },
}

/// A state change, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub from: ChaseState,
    pub to: ChaseState,
}

/// How long to pause: until an instant, or for a number of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseLength {
    Until(Timestamp),
    Days(u32),
}

/// What a payment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum PaymentEffect {
    /// The balance went down; the chase goes on with the rest.
    Partial { balance: Money },
    /// Nothing is owed any more: the chase ends as paid.
    Settled,
}

/// One chase's state. Serializable, so it survives continue-as-new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chase {
    pub invoice: Invoice,
    pub state: ChaseState,
    /// The state to return to when a pause or a dispute ends.
    #[serde(default = "scheduled")]
    pub resume_to: ChaseState,
    /// The state to return to once a failed step goes out: kept apart from `resume_to`, so a
    /// pause or a dispute taken while failed still ends in `failed`, and the resend then in
    /// the state before the failure.
    #[serde(default)]
    pub recover_to: Option<ChaseState>,
    #[serde(default)]
    pub paused_until: Option<Timestamp>,
    #[serde(default)]
    pub paused_since: Option<Timestamp>,
    #[serde(default)]
    pub pauses_used: u32,
    /// Whole days paused so far, a part-day counting as a day.
    #[serde(default)]
    pub paused_days_used: u32,
    #[serde(default)]
    pub history: History,
    /// The customer's promise to pay, while the chase waits for it.
    #[serde(default)]
    pub promise: Option<Promise>,
    /// A promise was broken: the next message goes one rung firmer.
    #[serde(default)]
    pub firmer_next: bool,
    /// What the owner decided that the invoice's source may not undo.
    #[serde(default)]
    pub overrides: Overrides,
    /// Steps a guardrail deferred (send window, minimum gap, daily cap), and until when.
    #[serde(default)]
    pub not_before: BTreeMap<String, Timestamp>,
    /// A customer message waiting for a human's approval.
    #[serde(default)]
    pub awaiting: Option<Awaiting>,
    /// A decision on a message whose wait the chase has not recorded yet: the approval is in
    /// the store as soon as the send activity asks for it, and a quick owner may answer
    /// before the activity's result reaches the chase. Applied by `await_approval`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_decision: Option<(String, ApprovalDecision)>,
    /// How often each step was sent again; each resend gets its own outbox key.
    #[serde(default)]
    pub resends: BTreeMap<String, u32>,
    /// When the customer opened the pay link (the latest few).
    #[serde(default)]
    pub pay_clicks: Vec<Timestamp>,
    /// The customer was thanked for paying, or the thank-you was given up.
    #[serde(default)]
    pub thanked: bool,
}

/// The owner's decisions that outrank the invoice's source: an import, a sync or a webhook
/// that says otherwise changes none of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overrides {
    /// The owner stopped or restarted reminders (`disable`, `enable`).
    #[serde(default)]
    pub do_not_chase: bool,
    /// The owner chose who reminders go to.
    #[serde(default)]
    pub contacts: bool,
    /// The owner replaced the cadence with custom steps.
    #[serde(default)]
    pub schedule: bool,
}

impl Overrides {
    pub fn is_empty(&self) -> bool {
        *self == Overrides::default()
    }

    /// The overridden fields, in words: `chasing`, `contacts`, `schedule`.
    pub fn fields(&self) -> Vec<&'static str> {
        [
            (self.do_not_chase, "chasing"),
            (self.contacts, "contacts"),
            (self.schedule, "schedule"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

/// A promise to pay by a date: the chase waits until `until` (the start of the day after
/// `pay_by`, in the company's time zone), then resumes firmer if the invoice is still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promise {
    pub pay_by: Date,
    pub until: Timestamp,
}

impl Promise {
    /// A promise to pay by `pay_by`: the chase waits until the start of the next day in `tz`.
    pub fn by_day(pay_by: Date, tz: &jiff::tz::TimeZone) -> Promise {
        let until = pay_by
            .tomorrow()
            .ok()
            .and_then(|d| d.to_zoned(tz.clone()).ok())
            .map_or(Timestamp::MAX, |z| z.timestamp());
        Promise { pay_by, until }
    }
}

/// A promise further out than this is refused: the owner should pause, or agree a plan.
pub const MAX_PROMISE_DAYS: i64 = 90;

fn scheduled() -> ChaseState {
    ChaseState::Scheduled
}

impl Chase {
    pub fn new(invoice: Invoice) -> Chase {
        let state = if invoice.is_settled() {
            ChaseState::Paid
        } else {
            ChaseState::Scheduled
        };
        Chase {
            invoice,
            state,
            resume_to: ChaseState::Scheduled,
            recover_to: None,
            paused_until: None,
            paused_since: None,
            pauses_used: 0,
            paused_days_used: 0,
            history: History::default(),
            promise: None,
            firmer_next: false,
            overrides: Overrides::default(),
            not_before: BTreeMap::new(),
            awaiting: None,
            early_decision: None,
            resends: BTreeMap::new(),
            pay_clicks: vec![],
            thanked: false,
        }
    }

    fn go(&mut self, to: ChaseState) -> Transition {
        let from = self.state;
        self.state = to;
        Transition { from, to }
    }

    pub(crate) fn open(&self) -> Result<(), ChaseError> {
        if self.state.is_closed() {
            Err(ChaseError::Closed(self.state))
        } else {
            Ok(())
        }
    }

    /// The invoice is paid in full.
    pub fn mark_paid(&mut self, now: Timestamp) -> Result<Transition, ChaseError> {
        self.open()?;
        if self.promise.take().is_some() {
            self.paused_until = None;
        }
        self.end_pause(now);
        self.invoice.balance = Money::zero(self.invoice.amount.currency());
        Ok(self.go(ChaseState::Paid))
    }

    /// A payment lowers the balance; paying it all (or more) settles the invoice.
    pub fn apply_payment(
        &mut self,
        amount: Money,
        now: Timestamp,
    ) -> Result<(PaymentEffect, Transition), ChaseError> {
        self.open()?;
        if !amount.is_positive() {
            return Err(ChaseError::NonPositivePayment(amount));
        }
        let rest = self
            .invoice
            .balance
            .checked_sub(&amount)
            .map_err(|source| ChaseError::Currency { amount, source })?;
        if rest.is_positive() {
            self.invoice.balance = rest;
            let t = Transition {
                from: self.state,
                to: self.state,
            };
            Ok((PaymentEffect::Partial { balance: rest }, t))
        } else {
            Ok((PaymentEffect::Settled, self.mark_paid(now)?))
        }
    }

    /// Checks a pause against the state and the cap without applying it.
    pub fn check_pause(
        &self,
        length: PauseLength,
        now: Timestamp,
        cap: PauseCap,
    ) -> Result<Timestamp, ChaseError> {
        self.open()?;
        if !matches!(
            self.state,
            ChaseState::Scheduled | ChaseState::Escalated | ChaseState::Failed
        ) {
            return Err(ChaseError::PauseRefused(format!(
                "the chase is {}",
                self.state
            )));
        }
        let until = match length {
            PauseLength::Until(t) => t,
            PauseLength::Days(0) => {
                return Err(ChaseError::PauseRefused(
                    "a pause needs at least one day".into(),
                ));
            }
            PauseLength::Days(d) => now
                .checked_add(SignedDuration::from_hours(24 * i64::from(d)))
                .map_err(|_| ChaseError::PauseRefused(format!("{d} days is too long")))?,
        };
        if until <= now {
            return Err(ChaseError::PauseRefused(format!(
                "{until} is not in the future"
            )));
        }
        if self.pauses_used >= cap.max_pauses {
            return Err(ChaseError::PauseRefused(format!(
                "{} of {} pauses already used on this chase",
                self.pauses_used, cap.max_pauses
            )));
        }
        let days = whole_days(until.duration_since(now));
        if u64::from(self.paused_days_used) + u64::from(days) > u64::from(cap.max_paused_days) {
            return Err(ChaseError::PauseRefused(format!(
                "{days} more days would bring this chase to {} paused days, over the cap of {}",
                u64::from(self.paused_days_used) + u64::from(days),
                cap.max_paused_days
            )));
        }
        Ok(until)
    }

    pub fn pause(
        &mut self,
        length: PauseLength,
        now: Timestamp,
        cap: PauseCap,
    ) -> Result<Transition, ChaseError> {
        let until = self.check_pause(length, now, cap)?;
        self.resume_to = self.state;
        self.pauses_used += 1;
        self.paused_since = Some(now);
        self.paused_until = Some(until);
        Ok(self.go(ChaseState::Paused))
    }

    /// Records a promise to pay: the chase waits until `promise.until`. A promise is not a
    /// pause: it does not use the pause cap, but it may not reach past `MAX_PROMISE_DAYS`,
    /// and it replaces an earlier promise rather than stacking on a pause.
    pub fn promise(&mut self, promise: Promise, now: Timestamp) -> Result<Transition, ChaseError> {
        self.open()?;
        let waiting_on_promise = self.state == ChaseState::Paused && self.promise.is_some();
        if !waiting_on_promise
            && !matches!(
                self.state,
                ChaseState::Scheduled | ChaseState::Escalated | ChaseState::Failed
            )
        {
            return Err(ChaseError::PauseRefused(format!(
                "the chase is {}; a promise can be recorded on a running chase",
                self.state
            )));
        }
        if promise.until <= now {
            return Err(ChaseError::PauseRefused(format!(
                "{} is not in the future",
                promise.pay_by
            )));
        }
        if promise.until.duration_since(now) > SignedDuration::from_hours(24 * MAX_PROMISE_DAYS) {
            return Err(ChaseError::PauseRefused(format!(
                "{} is more than {MAX_PROMISE_DAYS} days away: pause the chase or agree a payment plan",
                promise.pay_by
            )));
        }
        if !waiting_on_promise {
            self.resume_to = self.state;
        }
        self.paused_until = Some(promise.until);
        self.promise = Some(promise);
        Ok(self.go(ChaseState::Paused))
    }

    /// The promised day passed unpaid: the chase resumes, and its next message is firmer.
    pub fn break_promise(&mut self) -> Result<Transition, ChaseError> {
        self.open()?;
        if self.state != ChaseState::Paused || self.promise.take().is_none() {
            return Err(ChaseError::WrongState(self.state, "waiting on a promise"));
        }
        self.paused_until = None;
        self.firmer_next = true;
        let back = self.resume_to;
        Ok(self.go(back))
    }

    /// Ends a pause (or a promise) early or on time; only the days a pause actually lasted
    /// count against the cap.
    pub fn resume(&mut self, now: Timestamp) -> Result<Transition, ChaseError> {
        self.open()?;
        if self.state != ChaseState::Paused {
            return Err(ChaseError::WrongState(self.state, "paused"));
        }
        if self.promise.take().is_some() {
            self.paused_until = None;
        }
        self.end_pause(now);
        let back = self.resume_to;
        Ok(self.go(back))
    }

    fn end_pause(&mut self, now: Timestamp) {
        if let Some(since) = self.paused_since.take() {
            let until = self.paused_until.take().unwrap_or(now).min(now);
            self.paused_days_used = self
                .paused_days_used
                .saturating_add(whole_days(until.duration_since(since)));
        }
    }

    /// The pause has run its course at `now`.
    pub fn pause_is_over(&self, now: Timestamp) -> bool {
        self.state == ChaseState::Paused && self.paused_until.is_some_and(|until| now >= until)
    }

    pub fn dispute(&mut self, now: Timestamp) -> Result<Transition, ChaseError> {
        self.open()?;
        if self.state == ChaseState::Disputed {
            return Err(ChaseError::WrongState(self.state, "undisputed"));
        }
        self.end_pause(now);
        if self.state != ChaseState::Paused {
            self.resume_to = self.state;
        }
        Ok(self.go(ChaseState::Disputed))
    }

    /// A dispute settled in the customer's favour or not: resume the chase.
    pub fn resolve_resume(&mut self) -> Result<Transition, ChaseError> {
        self.open()?;
        if self.state != ChaseState::Disputed {
            return Err(ChaseError::WrongState(self.state, "disputed"));
        }
        let back = self.resume_to;
        Ok(self.go(back))
    }

    pub fn write_off(&mut self, now: Timestamp) -> Result<Transition, ChaseError> {
        self.open()?;
        self.end_pause(now);
        Ok(self.go(ChaseState::WrittenOff))
    }

    /// The invoice was cancelled at the source: the chase ends, nothing is owed.
    pub fn void(&mut self, now: Timestamp) -> Result<Transition, ChaseError> {
        self.open()?;
        self.end_pause(now);
        Ok(self.go(ChaseState::Void))
    }
}

/// Whole days in a duration, a started day counting as one.
fn whole_days(d: SignedDuration) -> u32 {
    let secs = d.as_secs().max(0);
    u32::try_from((secs + 86_399) / 86_400).unwrap_or(u32::MAX)
}

#[cfg(test)]
pub(crate) mod tests;
