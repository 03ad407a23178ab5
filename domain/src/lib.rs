//! The chaser's domain: invoices, money, the rules doc and the schedule engine.
//!
//! Pure and deterministic: no I/O, no clock, no randomness, no hash-map iteration order in any
//! output. Callers pass "now" in; the workflow passes its deterministic workflow time.

pub mod audit;
pub mod calendar;
pub mod chase;
pub mod classify;
pub mod command;
pub mod contact;
pub mod deliverability;
pub mod invoice;
pub mod limits;
pub mod money;
pub mod offset;
pub mod reports;
pub mod rules;
pub mod schedule;
pub mod terms;
pub mod zone;

pub use audit::{AuditAction, AuditSnapshot};
pub use chase::{
    Chase, ChaseError, ChaseState, InvoiceUpdate, MAX_PROMISE_DAYS, Overrides, PauseLength,
    PaymentEffect, Promise, Transition,
};
pub use classify::{AgingBucket, Classification, aging_bucket, classify};
pub use command::{Command, Decision, Refusal, Resolution};
pub use contact::{Contact, Email, Role};
pub use deliverability::{DeliverabilityLimits, MailRates};
pub use invoice::{Customer, Invoice, InvoiceNumber, Locale};
pub use money::{Currency, Money, MoneyError};
pub use offset::Offset;
pub use reports::{
    AgingReport, BucketLine, CurrencyAging, CurrencySummary, LatePayer, LedgerEvent, LedgerKind,
    MonthlySummary, PromiseCounts, ReportError, ReportInvoice, aging, aging_csv, collected, dso,
    late_payers_csv, monthly_summary, neutralize, summary_csv, top_late_payers,
};
pub use rules::{Cadence, Move, Rules, Settings, Step, Tone, Trigger};
pub use schedule::{
    History, HistoryEntry, PlannedStep, Schedule, SkipReason, StepState, plan, plan_with_history,
};
pub use terms::Terms;
pub use zone::Zone;
