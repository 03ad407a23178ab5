//! The owner's reports: aging, DSO, collections, late payers, the monthly summary and their CSV.
//!
//! Pure and deterministic: every date is passed in, every list is sorted (currencies by code),
//! and amounts are only ever added within one currency. Ledger amounts are summed as the caller
//! states them, so only an overpaid or credited invoice can make a receivable negative; the CSV
//! then writes it as text (`'-12.00`, see [`neutralize`]).

mod aging;
mod export;
mod receivables;
mod summary;

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::chase::ChaseState;
use crate::money::{Currency, Money, MoneyError};

pub use aging::{AgingReport, BucketLine, CurrencyAging, aging};
pub use export::{aging_csv, late_payers_csv, neutralize, summary_csv};
pub use receivables::{LatePayer, collected, dso, top_late_payers};
pub use summary::{CurrencySummary, MonthlySummary, PromiseCounts, monthly_summary};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{year}-{month} is not a month")]
    InvalidMonth { year: i16, month: i8 },
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error("writing the CSV failed: {0}")]
    Csv(#[from] csv::Error),
}

/// One invoice as the store knows it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportInvoice {
    pub number: String,
    pub customer: String,
    pub issue_date: Date,
    pub due_date: Date,
    pub amount: Money,
    pub balance: Money,
    pub state: ChaseState,
}

impl ReportInvoice {
    /// Still owed: the chase is not closed and something is left to pay.
    pub fn is_open(&self) -> bool {
        !self.state.is_closed() && self.balance.is_positive()
    }
}

/// One fact of an invoice's history, as the caller maps it from the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEvent {
    pub on: Date,
    pub invoice: String,
    pub customer: String,
    pub kind: LedgerKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    Issued(Money),
    Payment(Money),
    WrittenOff(Money),
    Voided(Money),
    PromiseMade { pay_by: Date },
    PromiseKept,
    PromiseBroken,
}

/// The ledger events that move receivables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Movement {
    Issued,
    Collected,
    WrittenOff,
    Voided,
}

impl LedgerKind {
    fn movement(self) -> Option<(Movement, Money)> {
        match self {
            LedgerKind::Issued(m) => Some((Movement::Issued, m)),
            LedgerKind::Payment(m) => Some((Movement::Collected, m)),
            LedgerKind::WrittenOff(m) => Some((Movement::WrittenOff, m)),
            LedgerKind::Voided(m) => Some((Movement::Voided, m)),
            LedgerKind::PromiseMade { .. }
            | LedgerKind::PromiseKept
            | LedgerKind::PromiseBroken => None,
        }
    }

    /// The change to the invoice's receivable: issuing adds, the other movements remove.
    fn receivable_change(self) -> Option<Result<Money, MoneyError>> {
        self.movement().map(|(movement, m)| match movement {
            Movement::Issued => Ok(m),
            Movement::Collected | Movement::WrittenOff | Movement::Voided => {
                Money::zero(m.currency()).checked_sub(&m)
            }
        })
    }
}

/// Sums per currency, keyed by code so they come out sorted by code.
#[derive(Debug, Default)]
struct PerCurrency(BTreeMap<&'static str, Money>);

impl PerCurrency {
    fn add(&mut self, money: Money) -> Result<(), MoneyError> {
        let sum = match self.0.get(money.currency().code()) {
            Some(sum) => sum.checked_add(&money)?,
            None => money,
        };
        self.0.insert(money.currency().code(), sum);
        Ok(())
    }

    fn get(&self, currency: Currency) -> Money {
        self.0
            .get(currency.code())
            .copied()
            .unwrap_or_else(|| Money::zero(currency))
    }
}
