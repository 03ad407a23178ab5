//! Which open invoice a bank payment pays. Never a guess: anything short of clear evidence
//! goes to the owner's review queue with the reason.
//!
//! The rules, in order:
//!
//! 1. **Reference.** The remittance text names an invoice when the invoice's number appears
//!    on token boundaries, compared by [`InvoiceNumber::normalized`] with letters and digits
//!    glued or apart: `INV-1042`, `inv 1042`, `INV1042` all name `INV-1042`, and `INV-10421`
//!    or `XINV1042` do not. A bare number of three or more digits (`1042`, standing alone,
//!    not joined to a word by `-` or `/`) names `INV-1042` only when it is all the digits of
//!    that number and of no other open invoice.
//! 2. One named invoice in the payment's currency: [`MatchOutcome::Unique`] with
//!    [`MatchBasis::Reference`], whatever the amount (less than the balance is a partial
//!    payment; more sets `overpaid`).
//! 3. Several named invoices: a [`MatchOutcome::Split`] paying each in full when the amount is
//!    exactly the sum of their balances, [`MatchOutcome::Ambiguous`] otherwise.
//! 4. No invoice named: when exactly one open invoice in the payment's currency has a balance
//!    equal to the amount, and the payer or the remittance contains its customer's name (in any
//!    case, ignoring punctuation and a trailing Ltd, Inc, GmbH, LLC and the like), it is
//!    `Unique` with [`MatchBasis::AmountAndPayer`]. Without the name, or with several such
//!    invoices, it is `Ambiguous`.
//! 5. Otherwise [`MatchOutcome::Unmatched`].
//!
//! An invoice in another currency never matches. The outcome does not depend on the order of
//! the open invoices.

mod rules;
mod text;

use chaser_domain::{InvoiceNumber, Money};
use serde::{Deserialize, Serialize};

pub use rules::match_payment;

/// An invoice that is still owed, as the chaser knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenInvoice {
    pub number: InvoiceNumber,
    pub customer_name: String,
    pub balance: Money,
}

/// What tied a payment to its invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchBasis {
    /// The remittance names the invoice.
    Reference,
    /// The amount equals the invoice's balance and the payer or remittance names the customer.
    AmountAndPayer,
}

/// One invoice's share of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub invoice: InvoiceNumber,
    pub amount: Money,
}

/// Where a payment goes, with the reason shown in the owner's review queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchOutcome {
    Unique {
        invoice: InvoiceNumber,
        /// The whole payment; less than the balance for a partial payment.
        amount: Money,
        basis: MatchBasis,
        /// The payment is more than the invoice's balance.
        overpaid: bool,
        reason: String,
    },
    /// Each named invoice paid in full, sorted by number.
    Split {
        allocations: Vec<Allocation>,
        reason: String,
    },
    /// For the owner to decide; candidates sorted by number.
    Ambiguous {
        candidates: Vec<InvoiceNumber>,
        reason: String,
    },
    Unmatched {
        reason: String,
    },
}

impl MatchOutcome {
    pub fn reason(&self) -> &str {
        match self {
            MatchOutcome::Unique { reason, .. }
            | MatchOutcome::Split { reason, .. }
            | MatchOutcome::Ambiguous { reason, .. }
            | MatchOutcome::Unmatched { reason } => reason,
        }
    }
}
