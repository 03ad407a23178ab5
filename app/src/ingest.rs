//! Invoices arriving from their source (an import, a scheduled sync, a webhook): new ones
//! start a chase, changed ones send the chase the new facts as an `update` command, paid,
//! void and written-off ones close it, all through [`Chaser::execute`].
//!
//! The source never outranks the owner: a field the owner overrode (chasing turned off or
//! on, the contacts reminders go to) is left out of the update, and a source that says
//! otherwise is reported as a disagreement for the review queue, never applied.

use chaser_domain::{ChaseState, Command, Invoice, InvoiceUpdate, Overrides};
use chaser_workflows::names;
use jiff::Timestamp;

use crate::chaser::Chaser;
use crate::error::AppError;
use crate::execute::{Outcome, Request};

/// One invoice from an import or a webhook.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub invoice: Invoice,
    pub paid: bool,
    /// The source states the open balance (otherwise partial payments already recorded
    /// by the chase are kept).
    pub balance_known: bool,
}

/// What happened to one incoming invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// A new chase was started.
    Started,
    /// In the store, but its chase could not be started now (`why`): the reconciler starts it.
    StartPending(String),
    /// A running chase learned new facts (the fields that changed).
    Updated(Vec<&'static str>),
    /// The invoice is now paid: the chase was told.
    Paid,
    /// The command is kept and applies when the chase can take it (`why`).
    Accepted(String),
    /// Nothing new.
    Unchanged,
    /// The source disagrees with the chase (a closed one it shows open, or an owner's
    /// decision): flagged, not applied.
    Conflict(String),
}

impl Ingested {
    /// Kept for later rather than done now: a door answers `202 Accepted`.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Ingested::Accepted(_) | Ingested::StartPending(_))
    }

    /// What happened, in a webhook's answer: `started`, `updated: due date`, `flagged: ...`.
    pub fn describe(&self) -> String {
        match self {
            Ingested::Started => "started".to_owned(),
            Ingested::StartPending(why) => format!("recorded; the chase starts later ({why})"),
            Ingested::Updated(fields) => format!("updated: {}", fields.join(", ")),
            Ingested::Paid => "paid".to_owned(),
            Ingested::Accepted(why) => why.clone(),
            Ingested::Unchanged => "unchanged".to_owned(),
            Ingested::Conflict(why) => format!("flagged: {why}"),
        }
    }
}

/// The changes a source may make to a chase's invoice: what differs, less what the owner
/// decided. A disagreement with the owner is named (`chasing`), never applied.
pub fn source_update(
    stored: &Invoice,
    incoming: &Invoice,
    overrides: &Overrides,
) -> (InvoiceUpdate, Vec<&'static str>) {
    let mut update = InvoiceUpdate::between(stored, incoming);
    let mut disagreements = vec![];
    if overrides.do_not_chase && update.do_not_chase.take().is_some() && incoming.do_not_chase {
        // Most sources have no such column, so only an explicit "do not chase" against the
        // owner's "chase" is news; a source's default never is.
        disagreements.push("chasing");
    }
    (update, disagreements)
}

fn changed_fields(update: &InvoiceUpdate) -> Vec<&'static str> {
    [
        update.due_date.map(|_| "due_date"),
        update.amount.map(|_| "amount"),
        update.balance.map(|_| "balance"),
        update.contacts.as_ref().map(|_| "contacts"),
        update.do_not_chase.map(|_| "do_not_chase"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

impl Chaser {
    /// Starts, updates or closes the chase for an invoice. Idempotent: the same input twice
    /// changes nothing the second time.
    pub async fn ingest(&self, incoming: Incoming, by: &str) -> Result<Ingested, AppError> {
        let mut invoice = incoming.invoice;
        invoice
            .check()
            .map_err(|e| AppError::Invalid(format!("invoice {}: {e}", invoice.number)))?;
        chaser_domain::limits::check_len("by", by, chaser_domain::limits::MAX_ID_CHARS)
            .map_err(|e| AppError::Invalid(e.to_string()))?;
        if !self.policy().allow_http_links {
            let links = [("pay_url", &invoice.pay_url), ("pdf_url", &invoice.pdf_url)];
            if let Some((field, _)) = links
                .iter()
                .find(|(_, url)| url.as_ref().is_some_and(|u| u.scheme() != "https"))
            {
                return Err(AppError::Invalid(format!(
                    "invoice {}: {field} must be an https:// link (set links.allow_http to accept http://)",
                    invoice.number
                )));
            }
        }
        let key = invoice.number.normalized();
        let workflow_id = names::workflow_id(&invoice.number);
        let now = Timestamp::now();
        let Some(stored) = self.store().invoice(&key).await? else {
            if incoming.paid {
                // Paid before we ever chased it: remember it, start nothing.
                self.store()
                    .upsert_invoice(&invoice, &workflow_id, ChaseState::Paid, now)
                    .await?;
                return Ok(Ingested::Paid);
            }
            // The store first: a start that fails is then found and repaired by the
            // reconciler, never forgotten.
            self.store()
                .upsert_invoice(&invoice, &workflow_id, ChaseState::Scheduled, now)
                .await?;
            return Ok(match self.start(&invoice, by).await {
                Ok(()) => Ingested::Started,
                Err(AppError::Temporal(why)) => Ingested::StartPending(why),
                Err(e) => return Err(e),
            });
        };
        if stored.state.is_closed() {
            return Ok(if incoming.paid || stored.state == ChaseState::Paid {
                Ingested::Unchanged
            } else {
                Ingested::Conflict(format!(
                    "the chase is {} but the source shows it unpaid; not reopened",
                    stored.state
                ))
            });
        }
        if incoming.paid {
            let paid = Command::Paid {
                paid_at: None,
                reference: None,
            };
            return Ok(
                match self
                    .execute(&invoice.number, Request::Command(paid), by, None)
                    .await?
                {
                    Outcome::Accepted { why } => Ingested::Accepted(why),
                    _ => Ingested::Paid,
                },
            );
        }
        if !incoming.balance_known {
            invoice.balance = stored.invoice.balance;
        }
        let overrides = stored.chase.map(|c| c.overrides).unwrap_or_default();
        let (update, disagreements) = source_update(&stored.invoice, &invoice, &overrides);
        let fields = changed_fields(&update);
        let applied = if update.is_empty() {
            None
        } else {
            let command = Command::Update { update };
            Some(
                self.execute(&invoice.number, Request::Command(command), by, None)
                    .await?,
            )
        };
        if !disagreements.is_empty() {
            let also = if fields.is_empty() {
                String::new()
            } else {
                format!("; the other changes were applied ({})", fields.join(", "))
            };
            return Ok(Ingested::Conflict(format!(
                "the source says otherwise about {}, which the owner decided; the owner's choice is kept{also}",
                disagreements.join(", ")
            )));
        }
        Ok(match applied {
            None => Ingested::Unchanged,
            Some(Outcome::Accepted { why }) => Ingested::Accepted(why),
            Some(_) => Ingested::Updated(fields),
        })
    }

    /// Ends the chase of an invoice its source closed (void, written off) with `command`.
    /// An invoice never chased is remembered as closed, and nothing starts. `false` when
    /// there was nothing to close.
    pub async fn close(
        &self,
        invoice: &Invoice,
        state: ChaseState,
        command: Command,
        by: &str,
    ) -> Result<bool, AppError> {
        match self.store().invoice(&invoice.number.normalized()).await? {
            None => {
                let workflow_id = names::workflow_id(&invoice.number);
                self.store()
                    .upsert_invoice(invoice, &workflow_id, state, Timestamp::now())
                    .await?;
                Ok(false)
            }
            Some(stored) if stored.state.is_closed() => Ok(false),
            Some(_) => {
                self.execute(&invoice.number, Request::Command(command), by, None)
                    .await?;
                Ok(true)
            }
        }
    }
}
