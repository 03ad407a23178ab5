//! The owner's answers to review items that ask for an action: a bank payment nothing matched
//! (or too much did), applied to the invoice the owner chose; an invoice gone from its export,
//! settled as paid, void, renumbered, or still owed. Each action goes through
//! [`Chaser::execute`] like any command, under an id that makes a repeat harmless, and then
//! closes the item with a note saying what was done.

pub mod kind;

use chaser_activities::store::{CommandStatus, ReviewItem};
use chaser_domain::{Command, InvoiceNumber};
use chaser_intake::BankPayment;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::payments::{command_id, command_prefix};
use crate::{AppError, Chaser, Outcome, Request};

/// What became of an invoice that left its export, in the owner's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "as", rename_all = "snake_case")]
pub enum VanishedResolution {
    /// Paid there: the chase ends as paid.
    Paid,
    /// Cancelled there: the chase ends as void.
    Void,
    /// Renumbered there: the old number is void; the new one arrives with the export.
    Renumbered { new_number: InvoiceNumber },
    /// Still owed: the chase goes on, and only the item closes.
    KeepChasing,
}

/// A review item dealt with.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// What the item was closed with.
    pub note: String,
    /// What the chase did with the command, when there was one.
    pub outcome: Option<Outcome>,
}

impl Chaser {
    /// Applies the payment of an `unmatched_payment` or `ambiguous_payment` item to `invoice`,
    /// then closes the item. The command carries the bank matcher's own id for the payment
    /// and invoice, and a payment already applied to another invoice is refused: a payment
    /// pays once, whoever applies it.
    pub async fn apply_review_payment(
        &self,
        item_id: i64,
        invoice: &InvoiceNumber,
        by: &str,
    ) -> Result<Resolved, AppError> {
        let item = self
            .open_item(item_id, &[kind::UNMATCHED_PAYMENT, kind::AMBIGUOUS_PAYMENT])
            .await?;
        let payment: BankPayment = serde_json::from_value(item.item.detail["payment"].clone())
            .map_err(|e| {
                AppError::Invalid(format!(
                    "review item #{item_id}: its payment cannot be read: {e}"
                ))
            })?;
        let stored = self
            .store()
            .invoice(&invoice.normalized())
            .await?
            .ok_or_else(|| AppError::UnknownInvoice(invoice.to_string()))?;
        let currency = stored.invoice.amount.currency();
        if payment.amount.currency() != currency {
            return Err(AppError::Invalid(format!(
                "the payment of {} is not in {invoice}'s currency ({})",
                payment.amount.grouped(),
                currency.code()
            )));
        }
        let id = command_id(&payment.id, invoice);
        // Taken, or still on its way, for another invoice (an apply whose item a crash left
        // open): never a second time. One the chase refused paid nothing.
        let elsewhere = self
            .store()
            .commands_with_prefix(&command_prefix(&payment.id))
            .await?
            .into_iter()
            .find(|c| c.id != id && c.status != CommandStatus::Refused);
        if let Some(applied) = elsewhere {
            return Err(AppError::Invalid(format!(
                "payment {} was applied to {} already",
                payment.id, applied.invoice
            )));
        }
        self.not_refused_before(&id).await?;
        let command = Command::Payment {
            amount: payment.amount,
            paid_at: None,
            reference: Some(format!("{}: {}", payment.id, payment.remittance)),
        };
        let outcome = self
            .execute(invoice, Request::Command(command), by, Some(id))
            .await?;
        let mut note = format!("applied to {invoice}: {}", payment.amount.grouped());
        if let Outcome::Accepted { why } = &outcome {
            note.push_str(&format!(" ({why})"));
        }
        self.close_item(item_id, by, note, Some(outcome)).await
    }

    /// Settles a `vanished_from_export` item as the owner says, then closes it. A chase that
    /// closed meanwhile is no error: the item closes saying so.
    pub async fn resolve_vanished(
        &self,
        item_id: i64,
        resolution: VanishedResolution,
        by: &str,
    ) -> Result<Resolved, AppError> {
        let item = self
            .open_item(item_id, &[kind::VANISHED_FROM_EXPORT])
            .await?;
        let key = item.item.invoice.as_deref().unwrap_or_default();
        // The item keeps the normalised number; messages say it as the invoice writes it.
        let number = match self.store().invoice(key).await? {
            Some(stored) => stored.invoice.number,
            None => InvoiceNumber::parse(key).map_err(|_| {
                AppError::Invalid(format!("review item #{item_id} names no invoice"))
            })?,
        };
        let source = item.item.detail["source"].as_str().unwrap_or("import");
        let (command, note) = match &resolution {
            VanishedResolution::Paid => (
                Some(Command::Paid {
                    paid_at: Some(Timestamp::now()),
                    reference: None,
                }),
                format!("paid: {number} marked paid"),
            ),
            VanishedResolution::Void => (
                Some(Command::Void {
                    reason: format!("gone from the `{source}` export"),
                }),
                format!("void: {number} voided"),
            ),
            VanishedResolution::Renumbered { new_number } => {
                if new_number.normalized() == number.normalized() {
                    return Err(AppError::Invalid(format!(
                        "new number: {new_number} is the invoice's own number"
                    )));
                }
                let reason = format!("renumbered as {new_number}");
                (
                    Some(Command::Void {
                        reason: reason.clone(),
                    }),
                    format!("{reason}: {number} voided; {new_number} comes with the export"),
                )
            }
            VanishedResolution::KeepChasing => (None, format!("still owed: {number} is chased")),
        };
        let outcome = match command {
            Some(command) => {
                // The item's own id: resolving it again never does the command twice.
                let id = format!("review:{item_id}");
                self.not_refused_before(&id).await?;
                Some(
                    self.execute_from_source(&number, Request::Command(command), by, Some(id))
                        .await?,
                )
            }
            None => None,
        };
        let note = match &outcome {
            Some(Outcome::AlreadyClosed(state)) => {
                format!("{number} was {state} already: nothing done")
            }
            Some(Outcome::Accepted { why }) => format!("{note} ({why})"),
            _ => note,
        };
        self.close_item(item_id, by, note, outcome).await
    }

    /// The open review item `id`, which must be of one of `kinds`.
    async fn open_item(&self, id: i64, kinds: &[&str]) -> Result<ReviewItem, AppError> {
        let item = self.store().review_item(id).await?.ok_or_else(|| {
            AppError::Invalid(format!(
                "there is no review item #{id} (see `chaser review`)"
            ))
        })?;
        if !kinds.contains(&item.item.kind.as_str()) {
            return Err(AppError::Invalid(format!(
                "review item #{id} is {}, not {}",
                item.item.kind,
                kinds.join(" or ")
            )));
        }
        if item.resolved_at.is_some() {
            return Err(AppError::Invalid(format!(
                "review item #{id} is already resolved by {}: {}",
                item.resolved_by.as_deref().unwrap_or("someone"),
                item.resolution.as_deref().unwrap_or_default()
            )));
        }
        Ok(item)
    }

    /// A command under `id` that the chase refused is refused again, with its reason: the
    /// id would otherwise answer `already handled`, and the item would close as if done.
    async fn not_refused_before(&self, id: &str) -> Result<(), AppError> {
        match self.store().journaled_command(id).await? {
            Some(earlier) if earlier.status == CommandStatus::Refused => {
                Err(AppError::Refused(earlier.outcome.unwrap_or_default()))
            }
            _ => Ok(()),
        }
    }

    async fn close_item(
        &self,
        id: i64,
        by: &str,
        note: String,
        outcome: Option<Outcome>,
    ) -> Result<Resolved, AppError> {
        // Closed by someone else meanwhile: what this call did stands, under its own note.
        self.store()
            .resolve_review(id, by, &note, Timestamp::now())
            .await?;
        Ok(Resolved { note, outcome })
    }
}

#[cfg(test)]
mod tests;
