//! An export as read ([`Export`]), and what became of each line of it, typed: an invoice with
//! its standing, a row set aside for the owner ([`Flagged`]: never chased, never merged), a
//! row that is no debt ([`Skipped`], with the reason), or a rejected one. A dry run prints
//! these line by line ([`Export::outcomes`]); the review queue takes the flagged ones.

use std::fmt;

use chaser_domain::{Invoice, InvoiceNumber, Money};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::RowError;
use crate::presets::{LayoutName, PresetName};
use crate::status::RowStatus;

/// One invoice read from the export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeRow {
    /// The line in a CSV file, or the row number in a spreadsheet (its first line item's).
    pub line: u64,
    pub invoice: Invoice,
    pub status: RowStatus,
    /// The export states the open balance (or the amount paid); otherwise `invoice.balance`
    /// is the full amount and a running chase keeps the balance it knows.
    pub balance_known: bool,
    /// The lines of its other line items, folded into this invoice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item_lines: Vec<u64>,
}

/// Everything read from one export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub preset: PresetName,
    /// The tool's layout the file was read as.
    pub layout: LayoutName,
    /// Named columns that were ignored, as the file writes them.
    pub unmapped_columns: Vec<String>,
    /// Invoices, in file order of their first line.
    pub rows: Vec<IntakeRow>,
    /// In file order.
    pub rejected: Vec<RowError>,
    /// In file order.
    pub skipped: Vec<Skipped>,
    /// Rows for the owner to look at before anything is chased, in file order.
    pub flagged: Vec<Flagged>,
}

/// Why a row is not an invoice to chase, and not a mistake either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SkipReason {
    /// A draft, or awaiting approval: not sent to the customer yet.
    NotSent { status: String },
    /// A payment, credit note, overpayment, journal entry: what the row says it is.
    NotAnInvoice { kind: String },
    /// A report's title, heading, subtotal, total, percentage or footer.
    ReportRow,
    /// The heading that names the customer of the invoices below it.
    CustomerHeading { customer: String },
    /// An invoice for nothing, already paid or void.
    ZeroAmount,
    /// A negative amount on a paid, void or written-off row: a credit, not a debt.
    Credit { amount: Money },
    /// Nothing due, and the export states no invoice amount (only what is owed): paid or
    /// closed by the export, but no invoice can be made of it.
    ClosedWithoutAmount {
        number: InvoiceNumber,
        status: RowStatus,
    },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::NotSent { status } => write!(f, "status `{status}`: not sent yet"),
            SkipReason::NotAnInvoice { kind } => write!(f, "a `{kind}` row, not an invoice"),
            SkipReason::ReportRow => {
                f.write_str("not an invoice row (a heading, subtotal or note)")
            }
            SkipReason::CustomerHeading { customer } => {
                write!(f, "the heading of customer `{customer}`")
            }
            SkipReason::ZeroAmount => f.write_str("a zero-amount invoice: nothing to chase"),
            SkipReason::Credit { amount } => write!(
                f,
                "a negative amount ({}) that is settled: a credit, not a debt",
                amount.grouped()
            ),
            SkipReason::ClosedWithoutAmount { number, status } => write!(
                f,
                "{number} is {} with nothing due, and the export states no invoice amount: not imported",
                status.word()
            ),
        }
    }
}

/// A row that is not an invoice to chase (a draft, a payment, a report's subtotal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub line: u64,
    pub reason: SkipReason,
}

/// Why the owner must look at a row before anything is chased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FlagReason {
    /// Partly paid (by its status, or a payment date), and the export does not state what is
    /// still owed: chasing the full amount would ask for money already paid.
    OutstandingUnknown {
        amount: Money,
        /// The status as the export writes it, when it says part paid.
        status: Option<String>,
        /// The payment date the export states.
        paid_on: Option<Date>,
    },
    /// A negative amount or balance on a row that is not settled: a credit note, an
    /// overpayment or a mistake, and only the owner knows which.
    NegativeAmount { amount: Money },
    /// The same invoice number on rows for different customers: which one is the invoice?
    DuplicateNumber {
        /// Every customer the number is used for, in file order.
        customers: Vec<String>,
        /// Every line that carries the number.
        lines: Vec<u64>,
    },
}

impl FlagReason {
    /// The review queue's kind for it.
    pub fn as_str(&self) -> &'static str {
        match self {
            FlagReason::OutstandingUnknown { .. } => "outstanding_unknown",
            FlagReason::NegativeAmount { .. } => "negative_amount",
            FlagReason::DuplicateNumber { .. } => "duplicate_number",
        }
    }
}

impl fmt::Display for FlagReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlagReason::OutstandingUnknown {
                amount,
                status,
                paid_on,
            } => {
                match (status, paid_on) {
                    (Some(status), Some(date)) => {
                        write!(f, "partly paid (`{status}`, last paid on {date})")?;
                    }
                    (Some(status), None) => write!(f, "partly paid (`{status}`)")?,
                    (None, Some(date)) => write!(f, "paid on {date}")?,
                    (None, None) => f.write_str("partly paid")?,
                }
                write!(
                    f,
                    ", and the export does not say how much of {} is still owed",
                    amount.grouped()
                )
            }
            FlagReason::NegativeAmount { amount } => write!(
                f,
                "a negative amount ({}) on an unpaid row: a credit, an overpayment or a mistake",
                amount.grouped()
            ),
            FlagReason::DuplicateNumber { customers, lines } => write!(
                f,
                "the number is used for different customers ({}) on lines {}",
                customers.join(", "),
                lines
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// A row set aside for the owner: never chased, never merged with another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flagged {
    pub line: u64,
    pub number: InvoiceNumber,
    pub customer: String,
    pub reason: FlagReason,
    /// Other lines of the same invoice (its line items), in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item_lines: Vec<u64>,
}

impl fmt::Display for Flagged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {} ({}): {}",
            self.line, self.number, self.customer, self.reason
        )
    }
}

/// One line's fate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LineState {
    /// An invoice, standing as its status says.
    Invoice(Box<IntakeRow>),
    /// Another line item of the invoice (or flagged row) on `first_line`.
    LineItem {
        number: InvoiceNumber,
        first_line: u64,
    },
    Flagged(Flagged),
    Skipped(SkipReason),
    Rejected(RowError),
}

/// What became of one line of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineOutcome {
    pub line: u64,
    pub state: LineState,
}

impl fmt::Display for LineOutcome {
    /// `line 7: 1037 · Sonnenschein Family Store · USD 362.07 · due 2026-12-20 · chase`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        match &self.state {
            LineState::Invoice(row) => {
                let invoice = &row.invoice;
                write!(
                    f,
                    "{} · {} · {}",
                    invoice.number,
                    invoice.customer.name,
                    invoice.balance.grouped()
                )?;
                if invoice.balance != invoice.amount {
                    write!(f, " of {}", invoice.amount.grouped())?;
                }
                write!(f, " · due {} · ", invoice.due_date)?;
                match &row.status {
                    RowStatus::PartiallyPaid { paid } => {
                        write!(f, "chase ({} paid)", paid.grouped())?;
                    }
                    status => f.write_str(status.word())?,
                }
                if !row.balance_known && row.status.is_chased() {
                    f.write_str(" (the export states no balance)")?;
                }
                Ok(())
            }
            LineState::LineItem { number, first_line } => {
                write!(f, "line item of {number} (line {first_line})")
            }
            LineState::Flagged(flagged) => write!(
                f,
                "flagged: {} ({}): {}",
                flagged.number, flagged.customer, flagged.reason
            ),
            LineState::Skipped(reason) => write!(f, "skipped: {reason}"),
            LineState::Rejected(error) if error.field.is_empty() => {
                write!(f, "rejected: {}", error.message)
            }
            LineState::Rejected(error) => {
                write!(f, "rejected: {}: {}", error.field, error.message)
            }
        }
    }
}

impl Export {
    /// Every line the export read, in file order, with what became of it: the invoices,
    /// their line items, the flagged, skipped and rejected rows. A line with several problems
    /// appears once per problem.
    pub fn outcomes(&self) -> Vec<LineOutcome> {
        let mut out = Vec::new();
        let items = |number: &InvoiceNumber, first: u64, lines: &[u64]| {
            lines
                .iter()
                .map(|line| LineOutcome {
                    line: *line,
                    state: LineState::LineItem {
                        number: number.clone(),
                        first_line: first,
                    },
                })
                .collect::<Vec<_>>()
        };
        for row in &self.rows {
            out.extend(items(&row.invoice.number, row.line, &row.item_lines));
            out.push(LineOutcome {
                line: row.line,
                state: LineState::Invoice(Box::new(row.clone())),
            });
        }
        for flagged in &self.flagged {
            out.extend(items(&flagged.number, flagged.line, &flagged.item_lines));
            out.push(LineOutcome {
                line: flagged.line,
                state: LineState::Flagged(flagged.clone()),
            });
        }
        out.extend(self.skipped.iter().map(|s| LineOutcome {
            line: s.line,
            state: LineState::Skipped(s.reason.clone()),
        }));
        out.extend(self.rejected.iter().map(|e| LineOutcome {
            line: e.line,
            state: LineState::Rejected(e.clone()),
        }));
        // Stable: a line's problems keep their order.
        out.sort_by_key(|o| o.line);
        out
    }
}
