//! One path for every command: [`Chaser::execute`].
//!
//! A door hands in a [`Request`] (its input, translated and nothing more). Here it becomes a
//! [`Command`] (amounts in the invoice's currency, days and deadlines), is journaled in the
//! store, and goes to the chase as the `command` update, whose answer comes once the store
//! shows the change and, for a stop, once nothing it makes wrong is on its way. When no worker
//! takes the update, the same request goes as the `command` signal, which Temporal keeps until
//! a worker is back; when Temporal cannot be reached it waits in the journal for the
//! reconciler. The id makes every path safe to repeat: the chase does a command once.

use std::time::Duration;

use chaser_activities::store::{AuditRecord, CommandStatus, StoredInvoice};
use chaser_domain::{ChaseState, Command, InvoiceNumber, Money};
use chaser_workflows::InvoiceChase;
use chaser_workflows::contracts::{CommandReply, CommandRequest};
use jiff::Timestamp;
use jiff::civil::Date;
use temporalio_client::errors::{WorkflowInteractionError, WorkflowUpdateError};
use temporalio_client::{
    Client, RpcOptions, WorkflowHandle, WorkflowSignalOptions, WorkflowStartUpdateOptions,
};

use crate::chaser::{Chaser, custom_cadence};
use crate::error::AppError;

/// The journal's note on a command queued as a signal: Temporal keeps it for the chase.
pub(crate) const QUEUED_AS_SIGNAL: &str = "queued as a signal";

/// How long a door waits for a worker to take a command before it falls back to the signal.
const ACCEPT_WITHIN: Duration = Duration::from_secs(3);

/// What a door asks, in the door's own terms; [`Chaser::execute`] turns it into a [`Command`].
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Needs no translation (a webhook's payment names its currency, a bank's too).
    Command(Command),
    /// A payment written in the invoice's currency (`250.00`), or with its code
    /// (`USD 250.00`).
    Payment {
        amount: String,
        reference: Option<String>,
    },
    /// A pause for `days`, or until `until`: a day (`YYYY-MM-DD`, midnight UTC) or an instant
    /// (RFC 3339).
    Pause {
        days: Option<u32>,
        until: Option<String>,
        reason: String,
    },
    /// A promise to pay by `pay_by`, or within `within_days` of today in the company's zone;
    /// `until`, an instant, is for tests that run in seconds.
    Promise {
        pay_by: Option<Date>,
        within_days: Option<u32>,
        until: Option<Timestamp>,
        note: String,
    },
    /// Custom steps as `[[steps]]` tables, checked like the rules doc; `source` names them in
    /// errors (a file name).
    Reschedule { steps: String, source: String },
    /// Hold a step's message until `until`: by default the chase's next step, until the same
    /// time tomorrow on the company's clock (the send window still applies when it wakes).
    Hold {
        step: Option<String>,
        until: Option<Timestamp>,
    },
}

impl From<Command> for Request {
    fn from(command: Command) -> Request {
        Request::Command(command)
    }
}

/// What became of a command.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The chase did it. For a stop, nothing it makes wrong was still on its way by then.
    Done {
        state: ChaseState,
        balance: Money,
        paused_until: Option<Timestamp>,
        pauses_used: u32,
        detail: Option<String>,
    },
    /// Kept, and applied when the chase can take it: `why` says what it waits for.
    Accepted { why: String },
    /// This request (its id) was handled before: nothing was done again.
    Repeated,
    /// The chase had closed already (only from [`Chaser::execute_from_source`], for which a
    /// late or repeated event is no error).
    AlreadyClosed(ChaseState),
}

impl Outcome {
    /// In a webhook's or a page's answer: `done (paid)`, `accepted; applies when ...`.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Done { state, .. } => format!("done ({state})"),
            Outcome::Accepted { why } => why.clone(),
            Outcome::Repeated => "already handled".to_owned(),
            Outcome::AlreadyClosed(state) => format!("already {state}"),
        }
    }

    /// Kept for later rather than done now: a door answers `202 Accepted`.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Outcome::Accepted { .. })
    }
}

impl Chaser {
    /// The one entry point for a command on an invoice's chase, whichever door it came
    /// through. `id` names the request when the door has a name for it (a webhook's event,
    /// a bank payment); the same id twice is done once.
    pub async fn execute(
        &self,
        number: &InvoiceNumber,
        request: Request,
        by: &str,
        id: Option<String>,
    ) -> Result<Outcome, AppError> {
        let key = number.normalized();
        let stored = self
            .store()
            .invoice(&key)
            .await?
            .ok_or_else(|| AppError::UnknownInvoice(number.to_string()))?;
        if stored.state.is_closed() {
            return Err(AppError::Closed {
                number: number.to_string(),
                state: stored.state,
            });
        }
        let command = self.command(number, request, &stored).await?;
        // Checked before anything is journaled or sent: Temporal would take a huge reason
        // into the chase's history for good.
        check_command(&command, by)?;
        let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let request = CommandRequest {
            command,
            by: by.to_owned(),
            id: id.clone(),
        };
        let json = serde_json::to_value(&request)
            .map_err(|e| AppError::Invalid(format!("the command cannot be written: {e}")))?;
        let fresh = self
            .store()
            .journal_command(&id, &key, &stored.workflow_id, &json, Timestamp::now())
            .await?;
        if !fresh {
            let pending = self
                .store()
                .journaled_command(&id)
                .await?
                .is_some_and(|e| e.status == CommandStatus::Pending);
            // A repeat of one that never reached the chase is delivered; otherwise it is done.
            if !pending {
                return Ok(Outcome::Repeated);
            }
        }
        self.deliver(&stored.workflow_id, &request).await
    }

    /// [`Chaser::execute`] for an invoice's source (a webhook, a sync): a chase that has
    /// closed is no error for a late or repeated event, just `already <state>`.
    pub async fn execute_from_source(
        &self,
        number: &InvoiceNumber,
        request: Request,
        by: &str,
        id: Option<String>,
    ) -> Result<Outcome, AppError> {
        match self.execute(number, request, by, id).await {
            Err(AppError::Closed { state, .. }) => Ok(Outcome::AlreadyClosed(state)),
            other => other,
        }
    }

    /// The door's request as a command: amounts, days and steps parsed here, once.
    async fn command(
        &self,
        number: &InvoiceNumber,
        request: Request,
        stored: &StoredInvoice,
    ) -> Result<Command, AppError> {
        Ok(match request {
            Request::Command(command) => command,
            Request::Payment { amount, reference } => Command::Payment {
                amount: payment_amount(&amount, stored)?,
                paid_at: Some(Timestamp::now()),
                reference,
            },
            Request::Pause {
                days,
                until,
                reason,
            } => Command::Pause {
                until: until.as_deref().map(pause_until).transpose()?,
                days,
                reason,
            },
            Request::Promise {
                pay_by,
                within_days,
                until,
                note,
            } => {
                let pay_by = match (pay_by, within_days) {
                    (Some(day), _) => Some(day),
                    (None, Some(days)) => Some(
                        Timestamp::now()
                            .to_zoned(self.rules().company.time_zone.tz().clone())
                            .date()
                            .checked_add(jiff::Span::new().days(i64::from(days)))
                            .map_err(|e| AppError::Invalid(format!("days: {e}")))?,
                    ),
                    (None, None) if until.is_some() => None,
                    (None, None) => {
                        return Err(AppError::Invalid(
                            "pay_by: a promise needs the day the customer will pay by".into(),
                        ));
                    }
                };
                Command::Promise {
                    pay_by,
                    until,
                    note,
                }
            }
            Request::Reschedule { steps, source } => Command::Reschedule {
                cadence: custom_cadence(&steps, &source)?,
            },
            Request::Hold {
                step: Some(step_id),
                until: Some(until),
            } => Command::Hold { step_id, until },
            Request::Hold { step, until } => self.hold_command(number, step, until).await?,
        })
    }

    /// Gives a journaled command to its chase and settles its journal entry; the reconciler
    /// delivers what is still pending the same way.
    pub(crate) async fn deliver(
        &self,
        workflow_id: &str,
        request: &CommandRequest,
    ) -> Result<Outcome, AppError> {
        let client = match self.temporal() {
            Ok(client) => client,
            Err(why) => {
                return Ok(Outcome::Accepted {
                    why: format!("accepted; applies when Temporal is back ({why})"),
                });
            }
        };
        let handle: WorkflowHandle<Client, InvoiceChase> =
            client.get_workflow_handle::<InvoiceChase>(workflow_id.to_owned());
        let options = WorkflowStartUpdateOptions::builder()
            .update_id(request.id.clone())
            .build();
        let update = handle.start_update(InvoiceChase::command, request.clone(), options);
        let reply = match tokio::time::timeout(ACCEPT_WITHIN, update).await {
            Ok(Ok(update)) => update.get_result(RpcOptions::default()).await,
            Ok(Err(e)) => Err(e),
            Err(_) => {
                let why = format!("no worker took it within {} s", ACCEPT_WITHIN.as_secs());
                return self.queue(&handle, request, &why).await;
            }
        };
        let now = Timestamp::now();
        match reply {
            Ok(CommandReply::Done {
                state,
                balance,
                paused_until,
                pauses_used,
                detail,
            }) => {
                self.store()
                    .settle_command(&request.id, CommandStatus::Delivered, state.as_str(), now)
                    .await?;
                Ok(Outcome::Done {
                    state,
                    balance,
                    paused_until,
                    pauses_used,
                    detail,
                })
            }
            // Refused by the handler itself: the chase audited it.
            Ok(CommandReply::Refused { reason }) => {
                self.store()
                    .settle_command(&request.id, CommandStatus::Refused, &reason, now)
                    .await?;
                Err(AppError::Refused(reason))
            }
            // Refused by the validator: Temporal keeps no trace of it, so the audit row is
            // written here.
            Err(WorkflowUpdateError::Failed(failure)) => {
                let reason = failure.message.clone();
                self.audit_refusal(workflow_id, request, &reason, now)
                    .await?;
                self.store()
                    .settle_command(&request.id, CommandStatus::Refused, &reason, now)
                    .await?;
                Err(AppError::Refused(reason))
            }
            Err(WorkflowUpdateError::NotFound(_)) => Ok(not_running()),
            Err(e) => self.queue(&handle, request, &e.to_string()).await,
        }
    }

    /// The update could not be answered: the signal carries the same request, and Temporal
    /// keeps it in the chase's history until a worker runs it.
    async fn queue(
        &self,
        handle: &WorkflowHandle<Client, InvoiceChase>,
        request: &CommandRequest,
        why: &str,
    ) -> Result<Outcome, AppError> {
        tracing::warn!(id = %request.id, %why, "the command goes as a signal");
        match handle
            .signal(
                InvoiceChase::command_signal,
                request.clone(),
                WorkflowSignalOptions::default(),
            )
            .await
        {
            Ok(()) => {
                // Still pending: Temporal holds the signal, but until a worker runs the chase
                // nothing has changed, and the pending command must go on holding messages.
                self.store()
                    .settle_command(
                        &request.id,
                        CommandStatus::Pending,
                        &format!("{QUEUED_AS_SIGNAL}: {why}"),
                        Timestamp::now(),
                    )
                    .await?;
                Ok(Outcome::Accepted {
                    why: "accepted; applies when the worker is back".to_owned(),
                })
            }
            Err(WorkflowInteractionError::NotFound(_)) => Ok(not_running()),
            Err(e) => Ok(Outcome::Accepted {
                why: format!("accepted; applies when Temporal is back ({e})"),
            }),
        }
    }

    async fn audit_refusal(
        &self,
        workflow_id: &str,
        request: &CommandRequest,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let invoice = workflow_id
            .strip_prefix(chaser_workflows::names::WORKFLOW_ID_PREFIX)
            .unwrap_or(workflow_id)
            .to_owned();
        let record = AuditRecord {
            at: now,
            invoice,
            workflow_id: workflow_id.to_owned(),
            action: request.command.refused_action(),
            actor: request.by.clone(),
            before: None,
            after: None,
            detail: Some(reason.to_owned()),
            dedup_key: format!("{workflow_id}/refused/{}", request.id),
        };
        self.store().append_audit(&record).await?;
        Ok(())
    }
}

/// A command's fields, and who sent it, within their limits.
fn check_command(command: &Command, by: &str) -> Result<(), AppError> {
    use chaser_domain::limits;
    limits::check_len("by", by, limits::MAX_ID_CHARS)
        .and_then(|()| command.check_limits())
        .map_err(|e| AppError::Invalid(e.to_string()))
}

/// The store says the chase is open, but Temporal has no running chase: the command waits in
/// the journal, and the reconciler starts the chase and delivers it.
fn not_running() -> Outcome {
    Outcome::Accepted {
        why: "accepted; the chase is not running: the reconciler restarts it and applies this"
            .to_owned(),
    }
}

/// `250.00` in the invoice's currency, or `USD 250.00` with the code (which must match).
fn payment_amount(text: &str, stored: &StoredInvoice) -> Result<Money, AppError> {
    let currency = stored.invoice.amount.currency();
    let text = text.trim();
    let amount = match text.split_once(' ') {
        Some((code, _)) if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) => text
            .parse::<Money>()
            .map_err(|e| AppError::Invalid(format!("amount: {e}")))?,
        _ => Money::parse(text, currency).map_err(|e| AppError::Invalid(format!("amount: {e}")))?,
    };
    if amount.currency() != currency {
        return Err(AppError::Invalid(format!(
            "amount: {amount} is not in the invoice's currency ({})",
            currency.code()
        )));
    }
    Ok(amount)
}

/// A pause's end: a day (midnight UTC) or an instant.
fn pause_until(text: &str) -> Result<Timestamp, AppError> {
    text.parse::<Timestamp>()
        .or_else(|_| {
            text.parse::<Date>()
                .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC))
                .map(|z| z.timestamp())
        })
        .map_err(|_| {
            AppError::Invalid(format!(
                "until: `{text}` is not a date (YYYY-MM-DD) or an instant (RFC 3339)"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chaser_domain::{Customer, Email, Invoice, Terms};
    use jiff::civil::date;

    fn stored(currency: &str) -> StoredInvoice {
        StoredInvoice {
            invoice: Invoice::new(
                InvoiceNumber::parse("INV-1").unwrap(),
                Customer {
                    id: "acme".into(),
                    name: "Acme Ltd".into(),
                },
                Money::parse("1000", currency.parse().unwrap()).unwrap(),
                date(2026, 11, 1),
                date(2026, 12, 1),
                Terms::Net(30),
                Email::parse("owner@x.example").unwrap(),
            ),
            workflow_id: "invoice-INV-1".into(),
            state: ChaseState::Scheduled,
            updated_at: "2026-12-01T00:00:00Z".parse().unwrap(),
            chase: None,
        }
    }

    #[test]
    fn a_payment_is_read_in_the_invoices_currency_or_with_a_matching_code() {
        let eur = stored("EUR");
        assert_eq!(
            payment_amount("250.5", &eur).unwrap().to_string(),
            "EUR 250.50"
        );
        assert_eq!(
            payment_amount(" EUR 250.00 ", &eur).unwrap().to_string(),
            "EUR 250.00"
        );
        let wrong = payment_amount("USD 250.00", &eur).unwrap_err().to_string();
        assert_eq!(
            wrong,
            "amount: USD 250.00 is not in the invoice's currency (EUR)"
        );
        assert!(
            payment_amount("12.345", &eur)
                .unwrap_err()
                .to_string()
                .starts_with("amount: ")
        );
    }

    #[test]
    fn a_pause_ends_on_a_day_or_at_an_instant() {
        assert_eq!(
            pause_until("2026-12-24").unwrap(),
            "2026-12-24T00:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            pause_until("2026-12-24T15:30:00Z").unwrap(),
            "2026-12-24T15:30:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            pause_until("next week").unwrap_err().to_string(),
            "until: `next week` is not a date (YYYY-MM-DD) or an instant (RFC 3339)"
        );
    }
}
