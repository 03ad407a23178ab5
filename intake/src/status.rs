//! Where an invoice stands: the status words accounting tools write, yes/no paid flags, the
//! documents that are not debts (payments, credit notes, overpayments), and how status and
//! amounts combine into one [`RowStatus`]. A status that disagrees with the amounts is an
//! error, never a guess; a part payment whose remainder the export does not state is for the
//! owner to look at.

use chaser_domain::Money;
use serde::{Deserialize, Serialize};

/// Where an invoice stands according to the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RowStatus {
    Open,
    Paid,
    PartiallyPaid { paid: Money },
    Void,
    WrittenOff,
}

impl RowStatus {
    /// Whether the chaser chases the invoice: it is open, or partly paid.
    pub fn is_chased(&self) -> bool {
        matches!(self, RowStatus::Open | RowStatus::PartiallyPaid { .. })
    }

    /// Where the invoice stands after an import: `chase`, `paid`, `void` or `written off`.
    pub fn word(&self) -> &'static str {
        match self {
            RowStatus::Open | RowStatus::PartiallyPaid { .. } => "chase",
            RowStatus::Paid => "paid",
            RowStatus::Void => "void",
            RowStatus::WrittenOff => "written off",
        }
    }
}

/// A status word's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Word {
    /// A draft, or not yet sent: not an invoice to chase yet.
    NotSent,
    /// A credit note, payment or overpayment written in the status column: no debt.
    NotADebt,
    Open,
    Partial,
    Paid,
    Void,
    WrittenOff,
}

/// Reads a status in any tool's words: Xero's `Awaiting Payment`, Stripe's `uncollectible`,
/// Zoho's `Closed`, FreshBooks' `auto-paid`...
pub(crate) fn word(text: &str) -> Result<Word, String> {
    let squashed: String = text
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    Ok(match squashed.as_str() {
        "draft" | "submitted" | "awaitingapproval" | "pendingapproval" | "approved" | "notsent" => {
            Word::NotSent
        }
        "open" | "sent" | "viewed" | "unpaid" | "outstanding" | "overdue" | "pastdue" | "due"
        | "awaitingpayment" | "authorised" | "authorized" | "disputed" | "retry" | "failed" => {
            Word::Open
        }
        "partial" | "partiallypaid" | "partpaid" => Word::Partial,
        "paid" | "closed" | "autopaid" | "fullypaid" => Word::Paid,
        "void" | "voided" | "deleted" | "cancelled" | "canceled" => Word::Void,
        "uncollectible" | "writtenoff" | "writeoff" | "baddebt" => Word::WrittenOff,
        w if is_document(w) || w == "credit" || w == "credited" => Word::NotADebt,
        _ => {
            return Err(format!(
                "`{text}` is not a status I know: expected open, paid, partially paid, void, written off or draft, or the tool's own words such as Awaiting Payment"
            ));
        }
    })
}

/// A native `paid` cell.
pub(crate) fn paid_flag(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "paid" => Ok(true),
        "false" | "no" | "n" | "0" | "unpaid" | "open" => Ok(false),
        _ => Err(format!("`{text}` is not yes or no")),
    }
}

/// A yes/no flag cell.
pub(crate) fn yes_no(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!("`{text}` is not yes or no")),
    }
}

/// Whether a transaction-type cell names an invoice (not a payment, credit note or journal).
pub(crate) fn is_invoice_kind(text: &str) -> bool {
    matches!(
        text.trim().to_lowercase().as_str(),
        "invoice" | "sales invoice" | "accrec" | "tax invoice"
    )
}

/// Whether a cell names a document that is not a debt, as reports write it where the invoice
/// number would be (Xero's aged receivables list an `Overpayment` so).
pub(crate) fn is_non_debt_document(text: &str) -> bool {
    let squashed: String = text
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    is_document(&squashed)
}

fn is_document(squashed: &str) -> bool {
    matches!(
        squashed,
        "payment"
            | "creditnote"
            | "creditmemo"
            | "overpayment"
            | "prepayment"
            | "unappliedpayment"
            | "unappliedcredit"
            | "journalentry"
    )
}

/// What a row states about payment.
pub(crate) struct Facts<'a> {
    pub amount: Money,
    pub balance: Option<Money>,
    pub paid: Option<Money>,
    /// The status word and its text, from a status column or a paid flag.
    pub word: Option<(Word, &'a str)>,
}

/// The row's status and open balance, and whether the export stated the balance (else it
/// is the full amount, or nothing once paid, and a chase already running keeps the balance
/// it knows).
pub(crate) struct Settled {
    pub status: RowStatus,
    pub balance: Money,
    pub balance_known: bool,
}

/// Why a row's status and amounts settle on no [`RowStatus`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unsettled {
    /// The status disagrees with the amounts: the status column's problem.
    Contradiction(String),
    /// Partly paid by its status, and the export states neither balance nor amount paid.
    OutstandingUnknown,
}

/// Combines the status word with the amounts.
pub(crate) fn settle(facts: &Facts<'_>) -> Result<Settled, Unsettled> {
    let amount = facts.amount;
    let contradiction = |e: chaser_domain::MoneyError| Unsettled::Contradiction(e.to_string());
    let stated = match (facts.balance, facts.paid) {
        (Some(balance), _) => Some(balance),
        (None, Some(paid)) => Some(amount.checked_sub(&paid).map_err(contradiction)?),
        (None, None) => None,
    };
    let balance = stated.unwrap_or(amount);
    let paid_so_far = amount.checked_sub(&balance).map_err(contradiction)?;
    let by_amounts = if balance.is_zero() {
        RowStatus::Paid
    } else if paid_so_far.is_positive() && balance.is_positive() {
        RowStatus::PartiallyPaid { paid: paid_so_far }
    } else {
        RowStatus::Open
    };
    let status = match facts.word {
        None => by_amounts,
        Some((Word::Void, _)) => RowStatus::Void,
        Some((Word::WrittenOff, _)) => RowStatus::WrittenOff,
        Some((Word::Paid, text)) => match stated {
            Some(b) if !b.is_zero() => {
                return Err(Unsettled::Contradiction(format!(
                    "says `{text}`, but {} is still owed",
                    b.grouped()
                )));
            }
            _ => RowStatus::Paid,
        },
        Some((Word::Partial, text)) => match by_amounts {
            RowStatus::PartiallyPaid { .. } => by_amounts,
            _ if stated.is_none() => return Err(Unsettled::OutstandingUnknown),
            _ => {
                return Err(Unsettled::Contradiction(format!(
                    "says `{text}`, but {} of {} is owed",
                    balance.grouped(),
                    amount.grouped()
                )));
            }
        },
        Some((Word::Open | Word::NotSent | Word::NotADebt, text)) => match by_amounts {
            RowStatus::Paid => {
                return Err(Unsettled::Contradiction(format!(
                    "says `{text}`, but nothing is owed"
                )));
            }
            other => other,
        },
    };
    // Paid by its status: nothing is owed, whether or not the export says so.
    let balance = if status == RowStatus::Paid {
        Money::zero(amount.currency())
    } else {
        balance
    };
    Ok(Settled {
        status,
        balance,
        balance_known: stated.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(text: &str) -> Money {
        format!("USD {text}").parse().unwrap()
    }

    fn settled(
        balance: Option<&str>,
        paid: Option<&str>,
        status: Option<&str>,
    ) -> Result<(RowStatus, String, bool), Unsettled> {
        let word = status.map(|s| (word(s).unwrap(), s));
        let s = settle(&Facts {
            amount: usd("100"),
            balance: balance.map(usd),
            paid: paid.map(usd),
            word,
        })?;
        Ok((s.status, s.balance.to_string(), s.balance_known))
    }

    #[test]
    fn tools_words_map_to_our_states() {
        for (text, want) in [
            ("Awaiting Payment", Word::Open),
            ("AUTHORISED", Word::Open),
            ("Partially Paid", Word::Partial),
            ("PartiallyPaid", Word::Partial),
            ("auto-paid", Word::Paid),
            ("Closed", Word::Paid),
            ("uncollectible", Word::WrittenOff),
            ("Voided", Word::Void),
            ("Draft", Word::NotSent),
            ("Credit Note", Word::NotADebt),
            ("Credit", Word::NotADebt),
            ("Payment", Word::NotADebt),
            ("Overpayment", Word::NotADebt),
            ("Prepayment", Word::NotADebt),
            ("Unapplied Payment", Word::NotADebt),
        ] {
            assert_eq!(word(text), Ok(want), "{text}");
        }
        assert!(
            word("Frozen")
                .unwrap_err()
                .starts_with("`Frozen` is not a status I know")
        );
    }

    #[test]
    fn amounts_alone_say_open_partial_or_paid() {
        assert_eq!(
            settled(None, None, None),
            Ok((RowStatus::Open, "USD 100.00".into(), false))
        );
        assert_eq!(
            settled(Some("40"), None, None),
            Ok((
                RowStatus::PartiallyPaid { paid: usd("60") },
                "USD 40.00".into(),
                true
            ))
        );
        assert_eq!(
            settled(None, Some("100"), None),
            Ok((RowStatus::Paid, "USD 0.00".into(), true))
        );
    }

    #[test]
    fn an_open_status_with_a_payment_is_partially_paid() {
        assert_eq!(
            settled(Some("40"), Some("60"), Some("Awaiting Payment"))
                .unwrap()
                .0,
            RowStatus::PartiallyPaid { paid: usd("60") }
        );
    }

    #[test]
    fn a_status_that_disagrees_with_the_amounts_is_an_error() {
        let contradiction = |text: &str| Err(Unsettled::Contradiction(text.to_owned()));
        assert_eq!(
            settled(Some("40"), None, Some("Paid")),
            contradiction("says `Paid`, but USD 40.00 is still owed")
        );
        assert_eq!(
            settled(Some("0"), None, Some("overdue")),
            contradiction("says `overdue`, but nothing is owed")
        );
        assert_eq!(
            settled(Some("100"), None, Some("partial")),
            contradiction("says `partial`, but USD 100.00 of USD 100.00 is owed")
        );
    }

    #[test]
    fn a_part_payment_without_a_stated_remainder_is_unsettled_not_an_error() {
        assert_eq!(
            settled(None, None, Some("partial")),
            Err(Unsettled::OutstandingUnknown)
        );
    }

    #[test]
    fn paid_void_and_written_off_statuses_stand_without_amounts() {
        // Paid by its word: nothing owed, though the export did not state the balance.
        assert_eq!(
            settled(None, None, Some("paid")),
            Ok((RowStatus::Paid, "USD 0.00".into(), false))
        );
        assert_eq!(
            settled(Some("100"), None, Some("void")).unwrap().0,
            RowStatus::Void
        );
        assert_eq!(
            settled(Some("100"), None, Some("uncollectible")).unwrap().0,
            RowStatus::WrittenOff
        );
    }
}
