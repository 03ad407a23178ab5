//! Invoices arriving from their source (an import, a scheduled sync, a webhook): new ones
//! start a chase, changed ones send the chase the new facts as an `update` command, paid,
//! void and written-off ones close it, all through [`Chaser::execute`].
//!
//! The source never outranks the owner: a field the owner overrode (chasing turned off or
//! on, the contacts reminders go to) is left out of the update, and a source that says
//! otherwise is reported as a disagreement for the review queue, never applied.
//!
//! What happens to each invoice is decided by [`plan`] (and [`close_plan`]) from the store's
//! copy alone, so a dry run shows exactly what an import then does.

use chaser_activities::store::StoredInvoice;
use chaser_domain::{ChaseState, Command, Invoice, InvoiceUpdate, Overrides};
use chaser_workflows::names;
use jiff::Timestamp;

use crate::chaser::Chaser;
use crate::error::AppError;
use crate::execute::{Outcome, Request};
use crate::review_queue::kind;

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

    /// What happened, as the `chaser_imports` counter labels it.
    pub fn label(&self) -> &'static str {
        match self {
            Ingested::Started => "started",
            Ingested::StartPending(_) => "start_pending",
            Ingested::Updated(_) => "updated",
            Ingested::Paid => "paid",
            Ingested::Accepted(_) => "accepted",
            Ingested::Unchanged => "unchanged",
            Ingested::Conflict(_) => "conflict",
        }
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

/// What ingesting an invoice does, decided from the store's copy of it alone. [`Chaser::ingest`]
/// and [`Chaser::close`] carry it out and a dry run shows it, so the two never disagree.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Unknown to the store: recorded, and its chase starts.
    Start,
    /// Unknown to the store and closed at the source (paid, void, written off): recorded in
    /// that state; no chase starts.
    Record(ChaseState),
    /// The chase is open and the source says paid: it ends paid.
    Pay,
    /// The chase is open and the source says void or written off: it ends so.
    Close(ChaseState),
    /// The chase is open and takes the changed `fields`. `kept` names what the source says
    /// otherwise about that the owner decided: not applied, and flagged for review.
    Update {
        update: InvoiceUpdate,
        fields: Vec<&'static str>,
        kept: Vec<&'static str>,
    },
    /// Nothing new (or the chase ended paid and the source has not caught up).
    Unchanged,
    /// The chase is closed and the source shows it unpaid: not reopened, flagged.
    Conflict(String),
}

impl Plan {
    /// Why it is flagged, in the review queue's words.
    pub fn flag_reason(&self) -> Option<String> {
        match self {
            Plan::Conflict(why) => Some(why.clone()),
            Plan::Update { fields, kept, .. } if !kept.is_empty() => {
                Some(kept_reason(fields, kept))
            }
            _ => None,
        }
    }
}

/// Why an update is flagged: the source disagrees with what the owner decided.
fn kept_reason(fields: &[&str], kept: &[&str]) -> String {
    let also = if fields.is_empty() {
        String::new()
    } else {
        format!("; the other changes were applied ({})", fields.join(", "))
    };
    format!(
        "the source says otherwise about {}, which the owner decided; the owner's choice is kept{also}",
        kept.join(", ")
    )
}

/// The plan for an invoice arriving open or paid; `stored` is the store's copy, if any.
pub fn plan(stored: Option<&StoredInvoice>, incoming: &Incoming) -> Plan {
    let Some(stored) = stored else {
        return if incoming.paid {
            Plan::Record(ChaseState::Paid)
        } else {
            Plan::Start
        };
    };
    if stored.state.is_closed() {
        return if incoming.paid || stored.state == ChaseState::Paid {
            Plan::Unchanged
        } else {
            Plan::Conflict(format!(
                "the chase is {} but the source shows it unpaid; not reopened",
                stored.state
            ))
        };
    }
    if incoming.paid {
        return Plan::Pay;
    }
    let mut invoice = incoming.invoice.clone();
    if !incoming.balance_known {
        invoice.balance = stored.invoice.balance;
    }
    let overrides = stored
        .chase
        .as_ref()
        .map(|c| c.overrides.clone())
        .unwrap_or_default();
    let (update, kept) = source_update(&stored.invoice, &invoice, &overrides);
    if update.is_empty() && kept.is_empty() {
        return Plan::Unchanged;
    }
    let fields = changed_fields(&update);
    Plan::Update {
        update,
        fields,
        kept,
    }
}

/// The plan for an invoice its source closed (`state`: void or written off).
pub fn close_plan(stored: Option<&StoredInvoice>, state: ChaseState) -> Plan {
    match stored {
        None => Plan::Record(state),
        Some(stored) if stored.state.is_closed() => Plan::Unchanged,
        Some(_) => Plan::Close(state),
    }
}

impl Chaser {
    /// Starts, updates or closes the chase for an invoice, as [`plan`] decides. Idempotent:
    /// the same input twice changes nothing the second time.
    pub async fn ingest(&self, incoming: Incoming, by: &str) -> Result<Ingested, AppError> {
        let result = self.ingest_once(incoming, by).await;
        self.metrics()
            .import(result.as_ref().map_or("rejected", Ingested::label));
        result
    }

    async fn ingest_once(&self, incoming: Incoming, by: &str) -> Result<Ingested, AppError> {
        let invoice = &incoming.invoice;
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
        let workflow_id = names::workflow_id(&invoice.number);
        let stored = self.store().invoice(&invoice.number.normalized()).await?;
        let now = Timestamp::now();
        match plan(stored.as_ref(), &incoming) {
            Plan::Record(state) => {
                // Closed before we ever chased it: remember it, start nothing.
                self.store()
                    .upsert_invoice(invoice, &workflow_id, state, now)
                    .await?;
                Ok(Ingested::Paid)
            }
            Plan::Start => {
                // The store first: a start that fails is then found and repaired by the
                // reconciler, never forgotten.
                self.store()
                    .upsert_invoice(invoice, &workflow_id, ChaseState::Scheduled, now)
                    .await?;
                Ok(match self.start(invoice, by).await {
                    Ok(()) => Ingested::Started,
                    Err(AppError::Temporal(why)) => Ingested::StartPending(why),
                    Err(e) => return Err(e),
                })
            }
            Plan::Pay => {
                let paid = Command::Paid {
                    paid_at: None,
                    reference: None,
                };
                Ok(
                    match self
                        .execute(&invoice.number, Request::Command(paid), by, None)
                        .await?
                    {
                        Outcome::Accepted { why } => Ingested::Accepted(why),
                        _ => Ingested::Paid,
                    },
                )
            }
            Plan::Update {
                update,
                fields,
                kept,
            } => {
                let applied = if update.is_empty() {
                    None
                } else {
                    let command = Command::Update { update };
                    Some(
                        self.execute(&invoice.number, Request::Command(command), by, None)
                            .await?,
                    )
                };
                if !kept.is_empty() {
                    return Ok(Ingested::Conflict(kept_reason(&fields, &kept)));
                }
                Ok(match applied {
                    None => Ingested::Unchanged,
                    Some(Outcome::Accepted { why }) => Ingested::Accepted(why),
                    Some(_) => Ingested::Updated(fields),
                })
            }
            Plan::Unchanged | Plan::Close(_) => Ok(Ingested::Unchanged),
            Plan::Conflict(why) => Ok(Ingested::Conflict(why)),
        }
    }

    /// Puts a source's disagreement with the chase in the owner's review queue (once while
    /// the item stays open): nothing was applied, a human decides.
    pub async fn flag_conflict(
        &self,
        number: &chaser_domain::InvoiceNumber,
        source: &str,
        why: &str,
        detail: serde_json::Value,
    ) -> Result<(), AppError> {
        let invoice = number.normalized();
        let item = chaser_activities::store::NewReviewItem {
            kind: kind::INTAKE_CONFLICT.to_owned(),
            dedup_key: format!("{}/{source}/{invoice}", kind::INTAKE_CONFLICT),
            invoice: Some(invoice),
            summary: format!("{number} ({source}): {why}"),
            detail: serde_json::json!({ "source": source, "detail": detail }),
        };
        self.store()
            .flag_for_review(&item, Timestamp::now())
            .await?;
        Ok(())
    }

    /// Ends the chase of an invoice its source closed (void, written off) with `command`, as
    /// [`close_plan`] decides: what became of the command, or `None` when there was nothing to
    /// close. An invoice never chased is remembered as closed, and nothing starts.
    pub async fn close(
        &self,
        invoice: &Invoice,
        state: ChaseState,
        command: Command,
        by: &str,
    ) -> Result<Option<Outcome>, AppError> {
        let stored = self.store().invoice(&invoice.number.normalized()).await?;
        match close_plan(stored.as_ref(), state) {
            Plan::Record(state) => {
                let workflow_id = names::workflow_id(&invoice.number);
                self.store()
                    .upsert_invoice(invoice, &workflow_id, state, Timestamp::now())
                    .await?;
                Ok(None)
            }
            Plan::Close(_) => Ok(Some(
                self.execute(&invoice.number, Request::Command(command), by, None)
                    .await?,
            )),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use chaser_workflows::contracts::StatusView;

    use super::*;
    use crate::test_support::invoice;

    fn stored(invoice: Invoice, state: ChaseState, overrides: Overrides) -> StoredInvoice {
        StoredInvoice {
            chase: Some(StatusView {
                invoice: invoice.number.to_string(),
                state,
                balance: invoice.balance,
                next_touch: None,
                paused_until: None,
                pauses_used: 0,
                paused_days_used: 0,
                sends: vec![],
                pay_clicks: vec![],
                chasing_disabled: invoice.do_not_chase,
                overrides,
            }),
            workflow_id: names::workflow_id(&invoice.number),
            state,
            updated_at: Timestamp::now(),
            invoice,
        }
    }

    fn arriving(invoice: Invoice, paid: bool) -> Incoming {
        Incoming {
            invoice,
            paid,
            balance_known: true,
        }
    }

    #[test]
    fn the_plan_follows_what_the_store_knows() {
        let a = || invoice("A-1", "Acme Ltd", "2026-12-01");
        let open = |state| stored(a(), state, Overrides::default());
        // Unknown: a chase starts, or a paid invoice is only recorded.
        assert_eq!(plan(None, &arriving(a(), false)), Plan::Start);
        assert_eq!(
            plan(None, &arriving(a(), true)),
            Plan::Record(ChaseState::Paid)
        );
        // Open: paid ends it; the same facts change nothing.
        let scheduled = open(ChaseState::Scheduled);
        assert_eq!(plan(Some(&scheduled), &arriving(a(), true)), Plan::Pay);
        assert_eq!(
            plan(Some(&scheduled), &arriving(a(), false)),
            Plan::Unchanged
        );
        // Closed: never reopened; a source lagging behind a payment is no news.
        assert_eq!(
            plan(Some(&open(ChaseState::Paid)), &arriving(a(), false)),
            Plan::Unchanged
        );
        let void = plan(Some(&open(ChaseState::Void)), &arriving(a(), false));
        assert_eq!(
            void.flag_reason().as_deref(),
            Some("the chase is void but the source shows it unpaid; not reopened")
        );
        // Closed at the source.
        assert_eq!(
            close_plan(None, ChaseState::Void),
            Plan::Record(ChaseState::Void)
        );
        assert_eq!(
            close_plan(Some(&scheduled), ChaseState::WrittenOff),
            Plan::Close(ChaseState::WrittenOff)
        );
        assert_eq!(
            close_plan(Some(&open(ChaseState::Paid)), ChaseState::Void),
            Plan::Unchanged
        );
    }

    #[test]
    fn a_source_that_overrules_the_owner_is_flagged_and_its_other_changes_applied() {
        // The owner turned chasing back on; the source says "do not chase" and moves the due
        // date.
        let overrides = Overrides {
            do_not_chase: true,
            ..Overrides::default()
        };
        let known = stored(
            invoice("A-1", "Acme Ltd", "2026-12-01"),
            ChaseState::Scheduled,
            overrides,
        );
        let mut now = invoice("A-1", "Acme Ltd", "2026-12-15");
        now.do_not_chase = true;

        let plan = plan(Some(&known), &arriving(now, false));

        let Plan::Update {
            update,
            fields,
            kept,
        } = &plan
        else {
            panic!("{plan:?}");
        };
        assert_eq!(fields, &["due_date"]);
        assert_eq!(kept, &["chasing"]);
        assert_eq!(update.do_not_chase, None, "the owner's choice is not sent");
        assert_eq!(
            plan.flag_reason().as_deref(),
            Some(
                "the source says otherwise about chasing, which the owner decided; the owner's choice is kept; the other changes were applied (due_date)"
            )
        );
    }

    #[test]
    fn a_source_never_undoes_what_the_owner_decided_and_only_an_explicit_no_is_news() {
        let mut chased = invoice("INV-1", "Acme Ltd", "2026-12-01");
        chased.do_not_chase = true;
        chased.contact_override = vec![chaser_domain::Email::parse("boss@x.example").unwrap()];
        let owner_off = Overrides {
            do_not_chase: true,
            contacts: true,
            schedule: false,
        };
        // An export without such columns: the same invoice, chasing on, no override.
        let (update, disagreements) = source_update(
            &chased,
            &invoice("INV-1", "Acme Ltd", "2026-12-01"),
            &owner_off,
        );
        assert!(update.is_empty(), "{update:?}");
        assert!(disagreements.is_empty());
        // The owner turned chasing back on; the source explicitly says "do not chase".
        let mut owner_on = invoice("INV-1", "Acme Ltd", "2026-12-01");
        owner_on.do_not_chase = false;
        let mut says_no = invoice("INV-1", "Acme Ltd", "2026-12-01");
        says_no.do_not_chase = true;
        let (update, disagreements) = source_update(&owner_on, &says_no, &owner_off);
        assert!(update.is_empty());
        assert_eq!(disagreements, ["chasing"]);
        // Without the owner's decision, the source's word is applied.
        let (update, _) = source_update(&owner_on, &says_no, &Overrides::default());
        assert_eq!(update.do_not_chase, Some(true));
    }
}
