//! The life of one chase: payments, pauses, disputes, write-offs and invoice updates.
//!
//! The workflow holds a `Chase` and calls these methods from its signal handlers; every
//! decision (is this pause within the cap? does this payment settle the invoice?) is made
//! here, purely, so it is tested without a server and replays deterministically.

use std::fmt;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::contact::{Contact, Email};
use crate::invoice::Invoice;
use crate::money::{Money, MoneyError};
use crate::rules::PauseCap;
use crate::schedule::{History, HistoryEntry, PlannedStep, Schedule, SkipReason, StepState};

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

/// Changes to an invoice after its chase started. `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InvoiceUpdate {
    #[serde(default)]
    pub due_date: Option<jiff::civil::Date>,
    #[serde(default)]
    pub amount: Option<Money>,
    #[serde(default)]
    pub balance: Option<Money>,
    #[serde(default)]
    pub contacts: Option<Vec<Contact>>,
    /// Replaces the override list; an empty list goes back to the step's roles.
    #[serde(default)]
    pub contact_override: Option<Vec<Email>>,
    #[serde(default)]
    pub do_not_chase: Option<bool>,
}

impl InvoiceUpdate {
    /// The fields of `to` that differ from `from`.
    pub fn between(from: &Invoice, to: &Invoice) -> InvoiceUpdate {
        InvoiceUpdate {
            due_date: (from.due_date != to.due_date).then_some(to.due_date),
            amount: (from.amount != to.amount).then_some(to.amount),
            balance: (from.balance != to.balance).then_some(to.balance),
            contacts: (from.contacts != to.contacts).then(|| to.contacts.clone()),
            // Who reminders go to instead of the contacts is the owner's choice, never a
            // source's: an export's empty override is not news.
            contact_override: None,
            do_not_chase: (from.do_not_chase != to.do_not_chase).then_some(to.do_not_chase),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == InvoiceUpdate::default()
    }
}

/// One chase's state. Serializable, so it survives continue-as-new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chase {
    pub invoice: Invoice,
    pub state: ChaseState,
    /// The state to return to when a pause or a dispute ends.
    #[serde(default = "scheduled")]
    pub resume_to: ChaseState,
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
            paused_until: None,
            paused_since: None,
            pauses_used: 0,
            paused_days_used: 0,
            history: History::default(),
            promise: None,
            firmer_next: false,
            overrides: Overrides::default(),
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

    /// Applies changed invoice facts; the caller re-plans the remaining steps.
    pub fn update_invoice(
        &mut self,
        update: &InvoiceUpdate,
        now: Timestamp,
    ) -> Result<Option<Transition>, ChaseError> {
        self.open()?;
        let mut next = self.invoice.clone();
        if let Some(due) = update.due_date {
            next.due_date = due;
        }
        if let Some(amount) = update.amount {
            next.amount = amount;
        }
        if let Some(balance) = update.balance {
            next.balance = balance;
        }
        if let Some(contacts) = &update.contacts {
            next.contacts = contacts.clone();
        }
        if let Some(addresses) = &update.contact_override {
            next.contact_override = addresses.clone();
        }
        if let Some(off) = update.do_not_chase {
            next.do_not_chase = off;
        }
        next.check()
            .map_err(|e| ChaseError::InvalidUpdate(e.to_string()))?;
        let settled = next.is_settled();
        self.invoice = next;
        if settled {
            self.mark_paid(now).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Applies new facts from the invoice's source. Fields the owner overrode keep the owner's
    /// value (returned by name); a source never sets the contact override.
    pub fn update_from_source(
        &mut self,
        update: &InvoiceUpdate,
        now: Timestamp,
    ) -> Result<(Transition, Vec<&'static str>), ChaseError> {
        let mut kept = Vec::new();
        let mut update = update.clone();
        update.contact_override = None;
        if self.overrides.do_not_chase
            && update
                .do_not_chase
                .is_some_and(|off| off != self.invoice.do_not_chase)
        {
            kept.push("chasing");
        }
        if self.overrides.do_not_chase {
            update.do_not_chase = None;
        }
        let t = self.update_invoice(&update, now)?.unwrap_or(Transition {
            from: self.state,
            to: self.state,
        });
        Ok((t, kept))
    }

    /// Records the outcome of a step and moves the state with it.
    pub fn record_step(&mut self, entry: HistoryEntry, escalation: bool) -> Option<Transition> {
        let to = match (&entry.state, self.state) {
            (_, s) if !s.is_sending() => None,
            (StepState::Done, _) if escalation => Some(ChaseState::Escalated),
            (StepState::Done, ChaseState::Failed) => Some(self.resume_to),
            (StepState::Failed { .. }, s) => {
                if s != ChaseState::Failed {
                    self.resume_to = s;
                }
                Some(ChaseState::Failed)
            }
            _ => None,
        };
        if let Some(ChaseState::Escalated) = to {
            self.resume_to = ChaseState::Escalated;
        }
        self.history.entries.retain(|e| e.step_id != entry.step_id);
        self.history.entries.push(entry);
        to.filter(|&to| to != self.state).map(|to| self.go(to))
    }

    /// Asks for a failed step to be sent again: it is due at the next opening of the send
    /// window, through the same guardrails, and catch-up never skips it.
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

/// Whole days in a duration, a started day counting as one.
fn whole_days(d: SignedDuration) -> u32 {
    let secs = d.as_secs().max(0);
    u32::try_from((secs + 86_399) / 86_400).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::Role;
    use crate::invoice::{Customer, InvoiceNumber};
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
                name: "".into(),
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
    fn partial_payments_lower_the_balance_and_the_last_one_settles() {
        let mut c = chase();
        let (effect, t) = c.apply_payment(usd("400"), ts(NOW)).unwrap();
        assert_eq!(
            effect,
            PaymentEffect::Partial {
                balance: usd("600")
            }
        );
        assert_eq!(t.to, ChaseState::Scheduled);
        let (effect, t) = c.apply_payment(usd("700"), ts(NOW)).unwrap();
        assert_eq!(effect, PaymentEffect::Settled);
        assert_eq!((t.from, t.to), (ChaseState::Scheduled, ChaseState::Paid));
        assert!(c.invoice.balance.is_zero());
        assert_eq!(
            c.apply_payment(usd("1"), ts(NOW)).unwrap_err(),
            ChaseError::Closed(ChaseState::Paid)
        );
    }

    fn promise(day: &str) -> Promise {
        let pay_by: Date = day.parse().unwrap();
        Promise {
            pay_by,
            until: pay_by
                .tomorrow()
                .unwrap()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp(),
        }
    }

    #[test]
    fn a_promise_waits_without_using_the_pause_cap_and_a_broken_one_resumes_firmer() {
        let mut c = chase();
        let t = c.promise(promise("2026-12-12"), ts(NOW)).unwrap();
        assert_eq!((t.from, t.to), (ChaseState::Scheduled, ChaseState::Paused));
        assert_eq!(c.paused_until, Some(ts("2026-12-13T00:00:00Z")));
        assert_eq!(c.pauses_used, 0, "a promise is not a pause");
        assert!(c.pause_is_over(ts("2026-12-13T00:00:00Z")));
        // A new promise replaces the old one.
        c.promise(promise("2026-12-15"), ts(NOW)).unwrap();
        assert_eq!(
            c.promise.as_ref().map(|p| p.pay_by),
            Some(date(2026, 12, 15))
        );
        let t = c.break_promise().unwrap();
        assert_eq!((t.from, t.to), (ChaseState::Paused, ChaseState::Scheduled));
        assert!(c.firmer_next && c.promise.is_none() && c.paused_until.is_none());
        assert_eq!(
            crate::rules::Tone::Friendly.firmer(),
            crate::rules::Tone::Neutral
        );
        assert_eq!(crate::rules::Tone::Firm.firmer(), crate::rules::Tone::Firm);
    }

    #[test]
    fn a_promise_kept_ends_with_the_payment_and_bad_promises_are_refused() {
        let mut c = chase();
        c.promise(promise("2026-12-12"), ts(NOW)).unwrap();
        c.mark_paid(ts("2026-12-10T09:00:00Z")).unwrap();
        assert!(c.promise.is_none() && c.paused_until.is_none());
        assert_eq!(c.state, ChaseState::Paid);

        let mut c = chase();
        assert!(
            matches!(c.promise(promise("2026-12-01"), ts(NOW)), Err(ChaseError::PauseRefused(m)) if m.contains("not in the future"))
        );
        assert!(
            matches!(c.promise(promise("2027-06-01"), ts(NOW)), Err(ChaseError::PauseRefused(m)) if m.contains("90 days"))
        );
        c.dispute(ts(NOW)).unwrap();
        assert!(
            c.promise(promise("2026-12-12"), ts(NOW)).is_err(),
            "not on a disputed chase"
        );
        assert!(chase().break_promise().is_err(), "nothing to break");
    }

    #[test]
    fn a_payment_in_another_currency_is_refused() {
        let mut c = chase();
        let eur = Money::parse("10", "EUR".parse().unwrap()).unwrap();
        assert!(matches!(
            c.apply_payment(eur, ts(NOW)),
            Err(ChaseError::Currency { .. })
        ));
        assert_eq!(c.invoice.balance, usd("1000"));
    }

    #[test]
    fn pauses_are_capped_by_count_and_by_days() {
        let cap = PauseCap {
            max_pauses: 2,
            max_paused_days: 10,
        };
        let mut c = chase();
        c.pause(PauseLength::Days(4), ts(NOW), cap).unwrap();
        assert_eq!(c.state, ChaseState::Paused);
        // Resumed after one day: only that day counts.
        c.resume(ts("2026-12-06T10:00:00Z")).unwrap();
        assert_eq!((c.pauses_used, c.paused_days_used), (1, 1));
        let err = c
            .check_pause(PauseLength::Days(10), ts(NOW), cap)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "pause refused: 10 more days would bring this chase to 11 paused days, over the cap of 10"
        );
        c.pause(PauseLength::Until(ts("2026-12-08T10:00:00Z")), ts(NOW), cap)
            .unwrap();
        c.resume(ts("2026-12-08T10:00:00Z")).unwrap();
        assert_eq!(
            c.pause(PauseLength::Days(1), ts(NOW), cap)
                .unwrap_err()
                .to_string(),
            "pause refused: 2 of 2 pauses already used on this chase"
        );
        assert_eq!(
            c.state,
            ChaseState::Scheduled,
            "a refused pause changes nothing"
        );
    }

    #[test]
    fn a_dispute_parks_the_chase_until_resolved() {
        let mut c = chase();
        c.dispute(ts(NOW)).unwrap();
        assert!(!c.state.is_sending());
        assert!(
            c.pause(PauseLength::Days(1), ts(NOW), PauseCap::default())
                .is_err()
        );
        let t = c.resolve_resume().unwrap();
        assert_eq!(
            (t.from, t.to),
            (ChaseState::Disputed, ChaseState::Scheduled)
        );
        c.dispute(ts(NOW)).unwrap();
        c.write_off(ts(NOW)).unwrap();
        assert!(c.state.is_closed());
    }

    #[test]
    fn an_update_that_zeroes_the_balance_settles_and_a_bad_one_is_refused() {
        let mut c = chase();
        let bad = InvoiceUpdate {
            due_date: Some(date(2026, 10, 1)),
            ..InvoiceUpdate::default()
        };
        assert!(matches!(
            c.update_invoice(&bad, ts(NOW)),
            Err(ChaseError::InvalidUpdate(_))
        ));
        assert_eq!(c.invoice.due_date, date(2026, 12, 1));
        let paid = InvoiceUpdate {
            balance: Some(usd("0")),
            ..InvoiceUpdate::default()
        };
        assert_eq!(
            c.update_invoice(&paid, ts(NOW)).unwrap().map(|t| t.to),
            Some(ChaseState::Paid)
        );
    }

    #[test]
    fn catch_up_skips_are_recorded_so_a_re_plan_never_resurrects_them() {
        use crate::rules::{Cadence, Settings};
        // Imported 12 days after the due date: the nudge (day 3) was missed, the follow-up
        // (day 10) is the catch-up.
        let mut c = chase();
        let settings = Settings::default();
        let cadence = Cadence::seed();
        let now = ts("2026-12-13T10:00:00Z");
        let schedule =
            crate::schedule::plan_with_history(&c.invoice, &cadence, &settings, now, &c.history);
        let follow_up = schedule.step("follow_up").unwrap().clone();
        assert_eq!(follow_up.state, StepState::Pending);
        assert_eq!(c.record_superseded(&schedule, &follow_up, now), ["nudge"]);
        c.record_step(
            HistoryEntry {
                step_id: "follow_up".into(),
                at: now,
                state: StepState::Done,
                recipients: vec![],
                message_id: None,
                note: None,
            },
            false,
        );
        // A re-plan keeps the nudge skipped instead of sending it after the follow-up.
        let later =
            crate::schedule::plan_with_history(&c.invoice, &cadence, &settings, now, &c.history);
        assert_eq!(
            later.step("nudge").unwrap().state,
            StepState::Skipped {
                reason: SkipReason::CatchUp
            }
        );
        assert_eq!(
            later.next_pending().map(|s| s.id.as_str()),
            Some("escalate")
        );
    }

    #[test]
    fn steps_move_the_state_to_escalated_and_failed_and_back() {
        let mut c = chase();
        let entry = |id: &str, state: StepState| HistoryEntry {
            step_id: id.into(),
            at: ts(NOW),
            state,
            recipients: vec![],
            message_id: None,
            note: None,
        };
        assert_eq!(c.record_step(entry("nudge", StepState::Done), false), None);
        let t = c
            .record_step(
                entry(
                    "follow_up",
                    StepState::Failed {
                        error: "rejected".into(),
                    },
                ),
                false,
            )
            .unwrap();
        assert_eq!(t.to, ChaseState::Failed);
        let t = c
            .record_step(entry("escalate", StepState::Done), true)
            .unwrap();
        assert_eq!(t.to, ChaseState::Escalated);
        assert_eq!(c.history.entries.len(), 3);
    }
}
