//! New facts about the invoice after its chase started: from the owner, who may change
//! anything, and from the invoice's source, which may not undo what the owner decided.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Chase, ChaseError, Transition};
use crate::contact::{Contact, Email};
use crate::invoice::Invoice;
use crate::money::Money;

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

impl Chase {
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
}
