//! Everything an operator or an integration can do to a chase, in one place: the CLI, the
//! webhooks and (later) the review page all call these, so they behave the same.

use std::sync::Arc;
use std::time::Duration;

use chaser_activities::store::{AuditRecord, Store, StoreError};
use chaser_domain::schedule::StepState;
use chaser_domain::{ChaseState, Invoice, InvoiceNumber, InvoiceUpdate, Rules, Schedule};
use chaser_workflows::contracts::{
    ApprovalSignal, ChaseInput, DisputeSignal, PaidSignal, PauseReply, PauseSignal,
    PayLinkClickedSignal, PaymentSignal, PromiseSignal, ResendSignal, ResolveSignal, ResumeSignal,
    StatusView, UpdateInvoiceSignal, VoidSignal, WriteoffSignal,
};
use chaser_workflows::contracts::{ProposalDecisionSignal, ProposalInput, RescheduleSignal};
use chaser_workflows::names::search_attribute::key;
use chaser_workflows::{InvoiceChase, InvoiceProposal, names};
use jiff::Timestamp;
use temporalio_client::errors::{
    WorkflowInteractionError, WorkflowQueryError, WorkflowStartError, WorkflowUpdateError,
};
use temporalio_client::{
    Client, WorkflowExecuteUpdateOptions, WorkflowIdConflictPolicy, WorkflowIdReusePolicy,
    WorkflowQueryOptions, WorkflowSignalOptions, WorkflowStartOptions,
};
use temporalio_common::search_attributes::{SearchAttributes, Timestamp as SaTimestamp};

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("unknown invoice `{0}`: no chase has been started for it")]
    UnknownInvoice(String),
    #[error("invoice {number}: the chase is closed ({state})")]
    Closed { number: String, state: ChaseState },
    #[error("{0}")]
    Invalid(String),
    #[error("refused: {0}")]
    Refused(String),
    #[error("Temporal: {0}")]
    Temporal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What happened to one incoming invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// A new chase was started.
    Started,
    /// A running chase learned new facts (the fields that changed).
    Updated(Vec<&'static str>),
    /// The invoice is now paid: the chase was told.
    Paid,
    /// Nothing new.
    Unchanged,
    /// The chase is closed but the source says otherwise; flagged, not reopened.
    Conflict(String),
}

impl Ingested {
    /// What happened, in a webhook's answer: `started`, `updated: due date`, `flagged: ...`.
    pub fn describe(&self) -> String {
        match self {
            Ingested::Started => "started".to_owned(),
            Ingested::Updated(fields) => format!("updated: {}", fields.join(", ")),
            Ingested::Paid => "paid".to_owned(),
            Ingested::Unchanged => "unchanged".to_owned(),
            Ingested::Conflict(why) => format!("flagged: {why}"),
        }
    }
}

/// One invoice from an import or a webhook.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub invoice: Invoice,
    pub paid: bool,
    /// The source states the open balance (otherwise partial payments already recorded
    /// by the chase are kept).
    pub balance_known: bool,
}

/// What became of an approval decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// Recorded, and the chase told.
    Done,
    /// The message was no longer waiting (already decided, expired, or sent).
    NotWaiting(String),
}

/// An action on a running chase.
#[derive(Debug, Clone)]
pub enum Action {
    Paid(PaidSignal),
    Payment(PaymentSignal),
    Resume(ResumeSignal),
    Dispute(DisputeSignal),
    Resolve(ResolveSignal),
    Writeoff(WriteoffSignal),
    Void(VoidSignal),
    Promise(PromiseSignal),
    Reschedule(RescheduleSignal),
    UpdateInvoice(UpdateInvoiceSignal),
    Resend(ResendSignal),
}

pub struct Chaser {
    client: Client,
    store: Store,
    rules: Arc<Rules>,
    task_queue: String,
}

fn temporal(e: impl std::fmt::Display) -> OpsError {
    OpsError::Temporal(e.to_string())
}

impl Chaser {
    pub fn new(client: Client, store: Store, rules: Arc<Rules>, task_queue: String) -> Chaser {
        Chaser {
            client,
            store,
            rules,
            task_queue,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Starts, updates or closes the chase for an invoice. Idempotent: the same input twice
    /// changes nothing the second time.
    pub async fn ingest(&self, incoming: Incoming, by: &str) -> Result<Ingested, OpsError> {
        let mut invoice = incoming.invoice;
        invoice
            .check()
            .map_err(|e| OpsError::Invalid(format!("invoice {}: {e}", invoice.number)))?;
        let key = invoice.number.normalized();
        let workflow_id = names::workflow_id(&invoice.number);
        let now = Timestamp::now();
        let Some(stored) = self.store.invoice(&key).await? else {
            if incoming.paid {
                // Paid before we ever chased it: remember it, start nothing.
                self.store
                    .upsert_invoice(&invoice, &workflow_id, ChaseState::Paid, now)
                    .await?;
                return Ok(Ingested::Paid);
            }
            self.start(&invoice, &workflow_id, by).await?;
            return Ok(Ingested::Started);
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
            self.act(
                &invoice.number,
                Action::Paid(PaidSignal {
                    paid_at: None,
                    reference: None,
                    by: by.to_owned(),
                }),
            )
            .await?;
            return Ok(Ingested::Paid);
        }
        if !incoming.balance_known {
            invoice.balance = stored.invoice.balance;
        }
        let update = InvoiceUpdate::between(&stored.invoice, &invoice);
        if update.is_empty() {
            return Ok(Ingested::Unchanged);
        }
        let fields = changed_fields(&update);
        self.act(
            &invoice.number,
            Action::UpdateInvoice(UpdateInvoiceSignal {
                update,
                by: by.to_owned(),
            }),
        )
        .await?;
        self.store
            .upsert_invoice(&invoice, &workflow_id, stored.state, now)
            .await?;
        Ok(Ingested::Updated(fields))
    }

    async fn start(&self, invoice: &Invoice, workflow_id: &str, by: &str) -> Result<(), OpsError> {
        let now = Timestamp::now();
        // The store first: the chase's first send checks it.
        self.store
            .upsert_invoice(invoice, workflow_id, ChaseState::Scheduled, now)
            .await?;
        let input = ChaseInput {
            invoice: invoice.clone(),
            cadence: self.rules.cadence_for(&invoice.terms).clone(),
            settings: self.rules.company.clone(),
            started_by: by.to_owned(),
            carried: None,
        };
        let summary = format!(
            "{} · {} · {} · due {}",
            invoice.number,
            invoice.customer.name,
            invoice.balance.grouped(),
            invoice.due_date
        );
        let due = invoice
            .due_date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(temporal)?
            .timestamp();
        let amount = invoice
            .balance
            .amount()
            .to_string()
            .parse::<f64>()
            .unwrap_or(0.0);
        let options = WorkflowStartOptions::new(self.task_queue.clone(), workflow_id.to_owned())
            .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
            .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
            .static_summary(summary)
            .memo(memo(invoice))
            .search_attributes(SearchAttributes::new([
                key::INVOICE_NUMBER.value_set(invoice.number.to_string()),
                key::CUSTOMER.value_set(invoice.customer.name.clone()),
                key::CHASE_STATE.value_set(ChaseState::Scheduled.as_str().to_owned()),
                key::AMOUNT_DUE.value_set(amount),
                key::DUE_DATE.value_set(SaTimestamp::new(due.as_second(), 0)),
            ]))
            .build();
        // Starting twice finds the running chase (UseExisting). A plain start, not
        // signal-with-start: the signal would be one more event for the server per chase.
        self.client
            .start_workflow(InvoiceChase::run, input, options)
            .await
            .map_err(temporal)?;
        Ok(())
    }

    fn handle(
        &self,
        number: &InvoiceNumber,
    ) -> temporalio_client::WorkflowHandle<Client, InvoiceChase> {
        self.client
            .get_workflow_handle::<InvoiceChase>(names::workflow_id(number))
    }

    /// Starts the review of a stored document; `false` if one ran for it already.
    pub async fn start_proposal(&self, document_id: &str, by: &str) -> Result<bool, OpsError> {
        let options = WorkflowStartOptions::new(
            self.task_queue.clone(),
            names::proposal_workflow_id(document_id),
        )
        .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
        .static_summary(format!("forwarded document {document_id} · from {by}"))
        .build();
        let input = ProposalInput {
            document_id: document_id.to_owned(),
            received_by: by.to_owned(),
        };
        match self
            .client
            .start_workflow(InvoiceProposal::run, input, options)
            .await
        {
            Ok(_) => Ok(true),
            Err(WorkflowStartError::AlreadyStarted { .. }) => Ok(false),
            Err(e) => Err(temporal(e)),
        }
    }

    /// Custom steps for one invoice, written like a cadence's steps in the rules doc
    /// (`[[steps]]` tables); refused with the file, line and field of any mistake.
    pub async fn reschedule(
        &self,
        number: &InvoiceNumber,
        steps_toml: &str,
        source: &str,
        by: &str,
    ) -> Result<String, OpsError> {
        let cadence = custom_cadence(steps_toml, source)?;
        let summary: Vec<String> = cadence
            .steps
            .iter()
            .map(|s| format!("{} ({})", s.id, s.trigger))
            .collect();
        let signal = RescheduleSignal {
            cadence,
            by: by.to_owned(),
        };
        self.act(number, Action::Reschedule(signal)).await?;
        Ok(summary.join(", "))
    }

    /// Records a promise to pay, refusing at once what the chase would refuse: a closed or
    /// disputed chase, a day in the past, or one more than `MAX_PROMISE_DAYS` away.
    pub async fn promise(
        &self,
        number: &InvoiceNumber,
        signal: PromiseSignal,
    ) -> Result<(), OpsError> {
        self.open_chase(number).await?;
        if let Some(stored) = self.store.invoice(&number.normalized()).await?
            && stored.state == ChaseState::Disputed
        {
            return Err(OpsError::Refused(
                "the chase is disputed: resolve it first".into(),
            ));
        }
        let tz = self.rules.company.time_zone.tz().clone();
        let until = match (signal.until, signal.pay_by) {
            (Some(until), _) => until,
            (None, Some(day)) => day
                .tomorrow()
                .ok()
                .and_then(|d| d.to_zoned(tz).ok())
                .map_or(Timestamp::MAX, |z| z.timestamp()),
            (None, None) => {
                return Err(OpsError::Invalid("pay_by: a promise needs the day".into()));
            }
        };
        let now = Timestamp::now();
        let day = signal
            .pay_by
            .map_or_else(|| until.to_string(), |d| d.to_string());
        if until <= now {
            return Err(OpsError::Refused(format!("{day} is not in the future")));
        }
        if until.duration_since(now)
            > jiff::SignedDuration::from_hours(24 * chaser_domain::MAX_PROMISE_DAYS)
        {
            return Err(OpsError::Refused(format!(
                "{day} is more than {} days away: pause the chase or agree a payment plan",
                chaser_domain::MAX_PROMISE_DAYS
            )));
        }
        self.act(number, Action::Promise(signal)).await
    }

    /// Hands the owner's decision to a document's review.
    pub async fn decide_proposal(
        &self,
        document_id: &str,
        approve: bool,
        by: &str,
    ) -> Result<(), OpsError> {
        let signal = ProposalDecisionSignal {
            approve,
            by: by.to_owned(),
        };
        self.client
            .get_workflow_handle::<InvoiceProposal>(names::proposal_workflow_id(document_id))
            .signal(
                InvoiceProposal::decide,
                signal,
                WorkflowSignalOptions::default(),
            )
            .await
            .map_err(|e| match e {
                WorkflowInteractionError::NotFound(_) => OpsError::Invalid(format!(
                    "document {document_id} is no longer waiting for a decision"
                )),
                e => temporal(e),
            })
    }

    /// The invoice has a chase that is still open.
    async fn open_chase(&self, number: &InvoiceNumber) -> Result<(), OpsError> {
        match self.store.invoice(&number.normalized()).await? {
            None => Err(OpsError::UnknownInvoice(number.to_string())),
            Some(stored) if stored.state.is_closed() => Err(OpsError::Closed {
                number: number.to_string(),
                state: stored.state,
            }),
            Some(_) => Ok(()),
        }
    }

    /// Maps "no such workflow" to an unknown or closed invoice, using the store.
    async fn not_running(&self, number: &InvoiceNumber) -> OpsError {
        match self.store.invoice(&number.normalized()).await {
            Ok(Some(stored)) if stored.state.is_closed() => OpsError::Closed {
                number: number.to_string(),
                state: stored.state,
            },
            _ => OpsError::UnknownInvoice(number.to_string()),
        }
    }

    /// Sends a signal. Stop signals (paid, dispute, write-off) are written to the store
    /// first, so a send already in flight sees them in its fresh-state check.
    pub async fn act(&self, number: &InvoiceNumber, action: Action) -> Result<(), OpsError> {
        let key = number.normalized();
        self.open_chase(number).await?;
        let guard = match &action {
            Action::Paid(_) => Some(ChaseState::Paid),
            Action::Dispute(_) => Some(ChaseState::Disputed),
            Action::Writeoff(_) => Some(ChaseState::WrittenOff),
            Action::Void(_) => Some(ChaseState::Void),
            _ => None,
        };
        if let Some(state) = guard {
            self.store.set_state(&key, state, Timestamp::now()).await?;
        }
        let h = self.handle(number);
        let opts = WorkflowSignalOptions::default;
        let sent = match action {
            Action::Paid(s) => h.signal(InvoiceChase::paid, s, opts()).await,
            Action::Payment(s) => h.signal(InvoiceChase::payment, s, opts()).await,
            Action::Resume(s) => h.signal(InvoiceChase::resume, s, opts()).await,
            Action::Dispute(s) => h.signal(InvoiceChase::dispute, s, opts()).await,
            Action::Resolve(s) => h.signal(InvoiceChase::resolve, s, opts()).await,
            Action::Writeoff(s) => h.signal(InvoiceChase::writeoff, s, opts()).await,
            Action::Void(s) => h.signal(InvoiceChase::void, s, opts()).await,
            Action::Promise(s) => h.signal(InvoiceChase::promise, s, opts()).await,
            Action::Reschedule(s) => h.signal(InvoiceChase::reschedule, s, opts()).await,
            Action::UpdateInvoice(s) => h.signal(InvoiceChase::update_invoice, s, opts()).await,
            Action::Resend(s) => h.signal(InvoiceChase::resend, s, opts()).await,
        };
        match sent {
            Ok(()) => {}
            Err(WorkflowInteractionError::NotFound(_)) => {
                return Err(self.not_running(number).await);
            }
            Err(e) => return Err(temporal(e)),
        }
        if guard.is_some() {
            self.wait_for_sends_in_flight(number).await?;
        }
        Ok(())
    }

    /// A send that passed its last fresh-state check just before a stop signal may still be
    /// on its way to the provider: wait for it, so that once a stop is acknowledged nothing
    /// more goes out. Bounded: a provider call that hangs must not hang the webhook.
    async fn wait_for_sends_in_flight(&self, number: &InvoiceNumber) -> Result<(), OpsError> {
        const WAIT_AT_MOST: Duration = Duration::from_secs(10);
        let workflow_id = names::workflow_id(number);
        let since = Timestamp::now()
            .checked_sub(chaser_workflows::invoice_chase::SEND_TIMEOUT)
            .unwrap_or_else(|_| Timestamp::now());
        let deadline = tokio::time::Instant::now() + WAIT_AT_MOST;
        while self.store.sends_in_flight(&workflow_id, since).await? > 0 {
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(%workflow_id, "a send was still in flight when the stop was acknowledged");
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(())
    }

    /// `act` for a webhook: `done` when it was sent; `already <state>` when the chase had
    /// closed, which a late or repeated event from the source is no error for.
    pub async fn act_from_source(
        &self,
        number: &InvoiceNumber,
        action: Action,
        done: &str,
    ) -> Result<String, OpsError> {
        match self.act(number, action).await {
            Ok(()) => Ok(done.to_owned()),
            Err(OpsError::Closed { state, .. }) => Ok(format!("already {state}")),
            Err(e) => Err(e),
        }
    }

    /// Ends the chase of an invoice its source closed (void, written off) with `action`.
    /// An invoice never chased is remembered as closed, and nothing starts. `false` when
    /// there was nothing to close.
    pub async fn close(
        &self,
        invoice: &Invoice,
        state: ChaseState,
        action: Action,
    ) -> Result<bool, OpsError> {
        match self.store.invoice(&invoice.number.normalized()).await? {
            None => {
                let workflow_id = names::workflow_id(&invoice.number);
                self.store
                    .upsert_invoice(invoice, &workflow_id, state, Timestamp::now())
                    .await?;
                Ok(false)
            }
            Some(stored) if stored.state.is_closed() => Ok(false),
            Some(_) => {
                self.act(&invoice.number, action).await?;
                Ok(true)
            }
        }
    }

    /// Sends a failed step again, through the same guardrails. Anything but a failed step of
    /// an open chase is refused here, with the reason.
    pub async fn resend(
        &self,
        number: &InvoiceNumber,
        step_id: &str,
        by: &str,
    ) -> Result<(), OpsError> {
        let status = self.status(number).await?;
        if status.state.is_closed() {
            return Err(OpsError::Closed {
                number: number.to_string(),
                state: status.state,
            });
        }
        match status.sends.iter().find(|e| e.step_id == step_id) {
            Some(e) if matches!(e.state, StepState::Failed { .. }) => {}
            Some(e) => {
                let state = serde_json::to_value(&e.state)
                    .ok()
                    .and_then(|v| v.get("state").and_then(|s| s.as_str()).map(str::to_owned))
                    .unwrap_or_default();
                return Err(OpsError::Refused(format!(
                    "step `{step_id}` is {state}, not failed: only a failed step can be sent again"
                )));
            }
            None => {
                return Err(OpsError::Refused(format!(
                    "step `{step_id}` has not been sent yet (see `chaser schedule {number}`)"
                )));
            }
        }
        let signal = ResendSignal {
            step_id: step_id.to_owned(),
            by: by.to_owned(),
        };
        self.act(number, Action::Resend(signal)).await
    }

    /// Tells the chase its pay link was opened. A chase that has ended gets the click in the
    /// audit log directly.
    pub async fn record_pay_click(
        &self,
        number: &InvoiceNumber,
        to: &str,
        at: Timestamp,
    ) -> Result<(), OpsError> {
        let signal = PayLinkClickedSignal {
            at,
            to: to.to_owned(),
        };
        match self
            .handle(number)
            .signal(
                InvoiceChase::pay_link_clicked,
                signal,
                WorkflowSignalOptions::default(),
            )
            .await
        {
            Ok(()) => Ok(()),
            Err(WorkflowInteractionError::NotFound(_)) => {
                let record = AuditRecord {
                    at,
                    invoice: number.normalized(),
                    workflow_id: names::workflow_id(number),
                    action: "pay_link_clicked".to_owned(),
                    actor: "customer".to_owned(),
                    before: None,
                    after: None,
                    detail: Some(format!("to {to}")),
                    dedup_key: format!(
                        "{}/pay_click/{}",
                        names::workflow_id(number),
                        at.as_nanosecond()
                    ),
                };
                self.store.append_audit(&record).await?;
                Ok(())
            }
            Err(e) => Err(temporal(e)),
        }
    }

    /// Pauses through the update, so the cap's refusal comes back to the caller.
    pub async fn pause(
        &self,
        number: &InvoiceNumber,
        pause: PauseSignal,
    ) -> Result<PauseReply, OpsError> {
        self.open_chase(number).await?;
        match self
            .handle(number)
            .execute_update(
                InvoiceChase::request_pause,
                pause,
                WorkflowExecuteUpdateOptions::default(),
            )
            .await
        {
            Ok(reply) => Ok(reply),
            Err(WorkflowUpdateError::Failed(failure)) => Ok(PauseReply::Refused {
                reason: failure.message.clone(),
            }),
            Err(WorkflowUpdateError::NotFound(_)) => Err(self.not_running(number).await),
            Err(e) => Err(temporal(e)),
        }
    }

    /// Approves or rejects a message waiting for approval (`<workflow id>/<message key>`),
    /// then tells its chase. An expired or already decided message is left alone.
    pub async fn decide(
        &self,
        approval_id: &str,
        approved: bool,
        by: &str,
    ) -> Result<Decided, OpsError> {
        let Some(approval) = self.store.approval(approval_id).await? else {
            return Err(OpsError::Invalid(format!(
                "no message {approval_id} waits for approval"
            )));
        };
        let now = Timestamp::now();
        if approval.status != "pending" {
            return Ok(Decided::NotWaiting(approval.status));
        }
        if now > approval.expires_at {
            return Ok(Decided::NotWaiting("expired".to_owned()));
        }
        let to = if approved { "approved" } else { "rejected" };
        if !self
            .store
            .decide_approval(approval_id, "pending", to, by, now)
            .await?
        {
            let status = self
                .store
                .approval(approval_id)
                .await?
                .map_or_else(|| "gone".to_owned(), |a| a.status);
            return Ok(Decided::NotWaiting(status));
        }
        let signal = ApprovalSignal {
            key: approval.message_key.clone(),
            approved,
            by: by.to_owned(),
        };
        let handle = self
            .client
            .get_workflow_handle::<InvoiceChase>(approval.workflow_id.clone());
        match handle
            .signal(
                InvoiceChase::approval,
                signal,
                WorkflowSignalOptions::default(),
            )
            .await
        {
            Ok(()) => Ok(Decided::Done),
            Err(WorkflowInteractionError::NotFound(_)) => {
                // The chase ended meanwhile: nothing will be sent.
                self.store
                    .decide_approval(approval_id, to, "rejected", "chaser", now)
                    .await?;
                Ok(Decided::NotWaiting("closed".to_owned()))
            }
            Err(e) => Err(temporal(e)),
        }
    }

    /// The chase's own answer; for an invoice known only to the store (it arrived paid, so
    /// no chase started) the store's record.
    pub async fn status(&self, number: &InvoiceNumber) -> Result<StatusView, OpsError> {
        match self
            .handle(number)
            .query(InvoiceChase::status, (), WorkflowQueryOptions::default())
            .await
        {
            Ok(status) => Ok(status),
            Err(WorkflowQueryError::NotFound(_)) => {
                match self.store.invoice(&number.normalized()).await? {
                    Some(stored) => Ok(StatusView {
                        invoice: stored.invoice.number.to_string(),
                        state: stored.state,
                        balance: stored.invoice.balance,
                        next_touch: None,
                        paused_until: None,
                        pauses_used: 0,
                        paused_days_used: 0,
                        sends: vec![],
                        pay_clicks: vec![],
                    }),
                    None => Err(OpsError::UnknownInvoice(number.to_string())),
                }
            }
            Err(e) => Err(temporal(e)),
        }
    }

    pub async fn schedule(&self, number: &InvoiceNumber) -> Result<Schedule, OpsError> {
        match self
            .handle(number)
            .query(InvoiceChase::schedule, (), WorkflowQueryOptions::default())
            .await
        {
            Ok(schedule) => Ok(schedule),
            Err(WorkflowQueryError::NotFound(_)) => {
                Err(OpsError::UnknownInvoice(number.to_string()))
            }
            Err(e) => Err(temporal(e)),
        }
    }
}

fn changed_fields(update: &InvoiceUpdate) -> Vec<&'static str> {
    [
        update.due_date.map(|_| "due_date"),
        update.amount.map(|_| "amount"),
        update.balance.map(|_| "balance"),
        update.contacts.as_ref().map(|_| "contacts"),
        update.contact_override.as_ref().map(|_| "contact_override"),
        update.do_not_chase.map(|_| "do_not_chase"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A cadence from `[[steps]]` tables, checked by the rules doc's own parser. The tables are
/// read as the default cadence's steps, line for line, so errors point at the caller's lines.
pub fn custom_cadence(steps_toml: &str, source: &str) -> Result<chaser_domain::Cadence, OpsError> {
    if !steps_toml.lines().any(|l| l.trim() == "[[steps]]") {
        return Err(OpsError::Invalid(format!(
            "{source}: no [[steps]] table: write each step as [[steps]] with when = \"after_due 3d\" and move = \"nudge\""
        )));
    }
    let doc: String = steps_toml
        .lines()
        .map(|l| {
            if l.trim() == "[[steps]]" {
                "[[cadences.default.steps]]"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let rules = Rules::from_toml(&doc, source).map_err(|errors| {
        OpsError::Invalid(
            errors
                .to_string()
                .replace("cadences.default.steps", "steps"),
        )
    })?;
    let mut cadence = rules.default_cadence;
    cadence.name = "custom".to_owned();
    Ok(cadence)
}

/// The invoice's essentials, as the workflow's memo: what the Temporal UI shows beside the
/// search attributes.
fn memo(invoice: &Invoice) -> temporalio_common::MemoValues {
    let mut memo = temporalio_common::MemoValues::new();
    memo.insert(
        "invoice",
        serde_json::json!({
            "number": invoice.number.as_str(),
            "customer": invoice.customer.name,
            "amount": invoice.amount,
            "balance": invoice.balance,
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
            "terms": invoice.terms.to_string(),
            "owner": invoice.owner_email.as_str(),
            "contacts": invoice.contacts.iter().map(|c| c.email.as_str()).collect::<Vec<_>>(),
            "pay_url": invoice.pay_url.as_ref().map(ToString::to_string),
        }),
    );
    memo
}
