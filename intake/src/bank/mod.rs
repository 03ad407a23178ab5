//! Bank statements (CSV or XLSX, as banks export them) read into incoming payments.
//!
//! Columns are found by their titles (`columns.rs` lists them), in any case. Only credits are
//! payments; debits are counted and skipped. Dates and amounts follow the export rules of
//! this crate: the date order and the decimal mark are settled once per file, and an ambiguous
//! file is refused rather than guessed. A bad row is reported with the file, line and column,
//! and the other rows are read anyway.
//!
//! Each payment has a stable id: the bank's transaction id, or else a hash of its date, amount,
//! payer and text (numbered when a statement repeats the same transaction), so that importing
//! the same statement twice yields the same ids.

mod columns;
mod read;

use std::fmt;

use chaser_domain::{Currency, Money};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::dates::DateFormat;

pub(crate) use columns::EXPECTED_COLUMNS;
pub use read::read_statement;

/// What the caller knows that the statement may not say.
#[derive(Debug, Clone, Default)]
pub struct StatementOptions {
    /// How numeric dates are written, when the file cannot tell (`--date-format`).
    pub date_format: Option<DateFormat>,
    /// For statements without a currency column (most single-account statements).
    pub default_currency: Option<Currency>,
}

/// Money received, as the bank reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankPayment {
    /// The line in a CSV file, or the row number in a spreadsheet.
    pub line: u64,
    /// The bank's transaction id, or `h:` and a hash of the transaction (see the module doc).
    pub id: String,
    pub date: Date,
    /// Always positive.
    pub amount: Money,
    pub payer: Option<String>,
    /// The reference-like columns joined with ` / `; empty when the bank gave none.
    pub remittance: String,
}

/// A statement row that could not be read: which file, line and column, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementRowError {
    pub file: String,
    pub line: u64,
    /// The column as the file names it; empty when the problem is the row as a whole.
    pub field: String,
    pub message: String,
}

impl fmt::Display for StatementRowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: line {}: {}", self.file, self.line, self.message)
        } else {
            write!(
                f,
                "{}: line {}: {}: {}",
                self.file, self.line, self.field, self.message
            )
        }
    }
}

/// Everything read from one statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// Credits, in file order.
    pub payments: Vec<BankPayment>,
    /// In file order.
    pub rejected: Vec<StatementRowError>,
    /// Rows of money going out (or of zero), which are not payments.
    pub debits: usize,
}
