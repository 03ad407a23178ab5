//! [`Chaser`]: the application layer's handle on Temporal, the store and the rules doc, and
//! what every door shares besides commands: starting chases, reading them, pay-link clicks,
//! approvals and forwarded documents.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chaser_activities::metrics::Metrics;
use chaser_activities::store::{ApprovalStatus, AuditRecord, Store};
use chaser_domain::{AuditAction, Invoice, InvoiceNumber, Rules, Schedule};
use chaser_workflows::contracts::{
    ApprovalSignal, ChaseInput, PayLinkClickedSignal, ProposalDecisionSignal, ProposalInput,
    StatusView,
};
use chaser_workflows::invoice_chase::start_search_attributes;
use chaser_workflows::{InvoiceChase, InvoiceProposal, names};
use jiff::Timestamp;
use temporalio_client::errors::{WorkflowInteractionError, WorkflowQueryError, WorkflowStartError};
use temporalio_client::{
    Client, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowQueryOptions,
    WorkflowSignalOptions, WorkflowStartOptions,
};
use temporalio_common::search_attributes::SearchAttributes;

use crate::error::{AppError, temporal};

/// How long a door waits for a worker to answer a query before it answers from the store.
const QUERY_WAIT: Duration = Duration::from_secs(5);

pub struct Chaser {
    /// The Temporal client, or why there is none (the server could not be reached yet):
    /// commands are then journaled and delivered later. The process that keeps reconnecting
    /// swaps it in when the server answers.
    temporal: RwLock<Result<Client, String>>,
    store: Store,
    rules: Arc<Rules>,
    task_queue: String,
    policy: Policy,
    metrics: Metrics,
}

/// What the deployment allows, beyond the rules doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Pay and PDF links may be `http:`; otherwise only `https:` is accepted.
    pub allow_http_links: bool,
    /// The customer's name is a search attribute (stored by Temporal in plaintext); `false`
    /// keeps it only inside encrypted payloads.
    pub index_customer_name: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allow_http_links: false,
            index_customer_name: true,
        }
    }
}

/// What became of an approval decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// Recorded, and the chase told.
    Done,
    /// The message was no longer waiting (already decided, expired, or sent).
    NotWaiting(String),
}

/// Where a `status` answer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusSource {
    /// The running chase answered.
    Chase,
    /// The store's copy, written by the chase when it last changed; the reason says why the
    /// chase itself did not answer.
    Store(String),
}

impl Chaser {
    pub fn new(
        temporal: Result<Client, String>,
        store: Store,
        rules: Arc<Rules>,
        task_queue: String,
    ) -> Chaser {
        Chaser {
            temporal: RwLock::new(temporal),
            store,
            rules,
            task_queue,
            policy: Policy::default(),
            metrics: Metrics::off(),
        }
    }

    /// The same chaser, counting imports and repairs on `metrics`.
    pub fn with_metrics(self, metrics: Metrics) -> Chaser {
        Chaser { metrics, ..self }
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The same chaser under the deployment's `policy`.
    pub fn with_policy(self, policy: Policy) -> Chaser {
        Chaser { policy, ..self }
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    pub fn task_queue(&self) -> &str {
        &self.task_queue
    }

    /// The Temporal client, or an error saying why Temporal cannot be reached.
    pub fn client(&self) -> Result<Client, AppError> {
        self.temporal().map_err(AppError::Temporal)
    }

    pub(crate) fn temporal(&self) -> Result<Client, String> {
        self.temporal
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the client, or says why there is none, when the connection comes or goes.
    pub fn set_temporal(&self, temporal: Result<Client, String>) {
        *self
            .temporal
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = temporal;
    }

    fn handle(
        &self,
        number: &InvoiceNumber,
    ) -> Result<temporalio_client::WorkflowHandle<Client, InvoiceChase>, AppError> {
        Ok(self
            .client()?
            .get_workflow_handle::<InvoiceChase>(names::workflow_id(number)))
    }

    /// Starts the chase of `invoice` (already in the store). Starting twice finds the running
    /// chase; a failure leaves the invoice for the reconciler to start.
    pub(crate) async fn start(&self, invoice: &Invoice, by: &str) -> Result<(), AppError> {
        let workflow_id = names::workflow_id(&invoice.number);
        let index_customer = self.policy.index_customer_name;
        let input = ChaseInput {
            invoice: invoice.clone(),
            cadence: self.rules.cadence_for(&invoice.terms).clone(),
            settings: self.rules.company.clone(),
            started_by: by.to_owned(),
            carried: None,
            index_customer_name: index_customer,
        };
        // The static summary is not encrypted (Temporal stores it beside the search
        // attributes), so it says only what they say.
        let summary = if index_customer {
            format!(
                "{} · {} · due {}",
                invoice.number, invoice.customer.name, invoice.due_date
            )
        } else {
            format!("{} · due {}", invoice.number, invoice.due_date)
        };
        // What the first task would publish, set now: start attributes are free, an upsert
        // is an event and a billable action.
        let attributes = start_search_attributes(&input, Timestamp::now());
        let options = WorkflowStartOptions::new(self.task_queue.clone(), workflow_id)
            .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
            .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
            .static_summary(summary)
            .memo(memo(invoice))
            .search_attributes(SearchAttributes::new(attributes))
            .build();
        // A plain start, not signal-with-start: the signal would be one more event per chase.
        self.client()?
            .start_workflow(InvoiceChase::run, input, options)
            .await
            .map_err(temporal)?;
        Ok(())
    }

    /// Everyone who owns an open invoice, and `default` (the config's default owner): who
    /// hears about the whole account (the daily review, a hold on sending).
    pub async fn owners(
        &self,
        default: Option<&chaser_domain::Email>,
    ) -> Result<std::collections::BTreeSet<chaser_domain::Email>, AppError> {
        Ok(owners_of(&self.store.open_invoices().await?, default))
    }

    /// Whether a delivery (a webhook event, a bank payment) from `source` was handled
    /// already. Keyed by source and id: two sources' ids never collide.
    pub async fn handled_before(&self, source: &str, id: &str) -> Result<bool, AppError> {
        Ok(self.store.delivery_seen(&format!("{source}:{id}")).await?)
    }

    /// Records a delivery as handled, once its effect is in the store. Recorded after, never
    /// before: a process killed in between lets the sender's retry through, and the
    /// effect's own command id keeps the retry from doing it twice (a delivery recorded first
    /// and then lost with the process would answer every retry `duplicate`, and the payment
    /// would never land).
    pub async fn record_delivery(&self, source: &str, id: &str) -> Result<(), AppError> {
        self.store
            .first_delivery(&format!("{source}:{id}"), source, Timestamp::now())
            .await?;
        Ok(())
    }

    /// Starts the review of a stored document; `false` if one ran for it already.
    pub async fn start_proposal(&self, document_id: &str, by: &str) -> Result<bool, AppError> {
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
            .client()?
            .start_workflow(InvoiceProposal::run, input, options)
            .await
        {
            Ok(_) => Ok(true),
            Err(WorkflowStartError::AlreadyStarted { .. }) => Ok(false),
            Err(e) => Err(temporal(e)),
        }
    }

    /// Hands the owner's decision to a document's review.
    pub async fn decide_proposal(
        &self,
        document_id: &str,
        approve: bool,
        by: &str,
    ) -> Result<(), AppError> {
        let signal = ProposalDecisionSignal {
            approve,
            by: by.to_owned(),
        };
        self.client()?
            .get_workflow_handle::<InvoiceProposal>(names::proposal_workflow_id(document_id))
            .signal(
                InvoiceProposal::decide,
                signal,
                WorkflowSignalOptions::default(),
            )
            .await
            .map_err(|e| match e {
                WorkflowInteractionError::NotFound(_) => AppError::Invalid(format!(
                    "document {document_id} is no longer waiting for a decision"
                )),
                e => temporal(e),
            })
    }

    /// Tells the chase its pay link was opened. A chase that has ended, or cannot be reached,
    /// gets the click in the audit log directly.
    pub async fn record_pay_click(
        &self,
        number: &InvoiceNumber,
        to: &str,
        at: Timestamp,
    ) -> Result<(), AppError> {
        let signal = PayLinkClickedSignal {
            at,
            to: to.to_owned(),
        };
        let sent = match self.handle(number) {
            Ok(handle) => handle
                .signal(
                    InvoiceChase::pay_link_clicked,
                    signal,
                    WorkflowSignalOptions::default(),
                )
                .await
                .map_err(|e| match e {
                    WorkflowInteractionError::NotFound(_) => None,
                    e => Some(temporal(e)),
                }),
            Err(_) => Err(None),
        };
        match sent {
            Ok(()) => Ok(()),
            Err(Some(e)) => Err(e),
            Err(None) => {
                let workflow_id = names::workflow_id(number);
                let record = AuditRecord {
                    at,
                    invoice: number.normalized(),
                    workflow_id: workflow_id.clone(),
                    action: AuditAction::PayLinkClicked,
                    actor: "customer".to_owned(),
                    before: None,
                    after: None,
                    detail: Some(format!("to {to}")),
                    dedup_key: format!("{workflow_id}/pay_click/{}", at.as_nanosecond()),
                };
                self.store.append_audit(&record).await?;
                Ok(())
            }
        }
    }

    /// Approves or rejects a message waiting for approval (`<workflow id>/<message key>`),
    /// then tells its chase. An expired or already decided message is left alone.
    pub async fn decide(
        &self,
        approval_id: &str,
        approved: bool,
        by: &str,
    ) -> Result<Decided, AppError> {
        let Some(approval) = self.store.approval(approval_id).await? else {
            return Err(AppError::Invalid(format!(
                "no message {approval_id} waits for approval"
            )));
        };
        let now = Timestamp::now();
        if approval.status != ApprovalStatus::Pending {
            return Ok(Decided::NotWaiting(approval.status.to_string()));
        }
        if now > approval.expires_at {
            return Ok(Decided::NotWaiting(ApprovalStatus::Expired.to_string()));
        }
        let handle = self
            .client()?
            .get_workflow_handle::<InvoiceChase>(approval.workflow_id.clone());
        let to = if approved {
            ApprovalStatus::Approved
        } else {
            ApprovalStatus::Rejected
        };
        if !self
            .store
            .decide_approval(approval_id, ApprovalStatus::Pending, to, by, now)
            .await?
        {
            let status = self
                .store
                .approval(approval_id)
                .await?
                .map_or_else(|| "gone".to_owned(), |a| a.status.to_string());
            return Ok(Decided::NotWaiting(status));
        }
        let signal = ApprovalSignal {
            key: approval.message_key.clone(),
            approved,
            by: by.to_owned(),
        };
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
                    .decide_approval(approval_id, to, ApprovalStatus::Rejected, "chaser", now)
                    .await?;
                Ok(Decided::NotWaiting("closed".to_owned()))
            }
            Err(e) => Err(temporal(e)),
        }
    }

    /// The chase's own answer when it gives one within a few seconds; otherwise the store's
    /// copy, which the chase wrote when it last changed, with the reason. An invoice never
    /// chased (it arrived paid) is known only to the store.
    pub async fn status(
        &self,
        number: &InvoiceNumber,
    ) -> Result<(StatusView, StatusSource), AppError> {
        let why = match self.handle(number) {
            Ok(handle) => {
                self.metrics().queried(names::query::STATUS);
                let query = handle.query(InvoiceChase::status, (), WorkflowQueryOptions::default());
                match tokio::time::timeout(QUERY_WAIT, query).await {
                    Ok(Ok(status)) => return Ok((status, StatusSource::Chase)),
                    Ok(Err(WorkflowQueryError::NotFound(_))) => "the chase has ended".to_owned(),
                    Ok(Err(e)) => format!("the chase did not answer ({e})"),
                    Err(_) => format!("no worker answered within {} s", QUERY_WAIT.as_secs()),
                }
            }
            Err(e) => e.to_string(),
        };
        let stored = self
            .store
            .invoice(&number.normalized())
            .await?
            .ok_or_else(|| AppError::UnknownInvoice(number.to_string()))?;
        let view = stored.status_view();
        Ok((view, StatusSource::Store(why)))
    }

    /// Every planned step of a running chase (only the chase knows its plan).
    pub async fn schedule(&self, number: &InvoiceNumber) -> Result<Schedule, AppError> {
        let handle = self.handle(number)?;
        self.metrics().queried(names::query::SCHEDULE);
        let query = handle.query(InvoiceChase::schedule, (), WorkflowQueryOptions::default());
        match tokio::time::timeout(QUERY_WAIT, query).await {
            Ok(Ok(schedule)) => Ok(schedule),
            Ok(Err(WorkflowQueryError::NotFound(_))) => {
                Err(match self.store.invoice(&number.normalized()).await? {
                    Some(stored) if stored.state.is_closed() => AppError::Closed {
                        number: number.to_string(),
                        state: stored.state,
                    },
                    _ => AppError::UnknownInvoice(number.to_string()),
                })
            }
            Ok(Err(e)) => Err(temporal(e)),
            Err(_) => Err(AppError::Temporal(format!(
                "no worker answered within {} s: the schedule is known only to a running chase (`chaser status` answers from the store)",
                QUERY_WAIT.as_secs()
            ))),
        }
    }
}

/// [`Chaser::owners`] of open invoices already read.
pub fn owners_of(
    open: &[chaser_activities::store::StoredInvoice],
    default: Option<&chaser_domain::Email>,
) -> std::collections::BTreeSet<chaser_domain::Email> {
    open.iter()
        .map(|s| s.invoice.owner_email.clone())
        .chain(default.cloned())
        .collect()
}

/// A cadence from `[[steps]]` tables, checked by the rules doc's own parser. The tables are
/// read as the default cadence's steps, line for line, so errors point at the caller's lines.
pub fn custom_cadence(steps_toml: &str, source: &str) -> Result<chaser_domain::Cadence, AppError> {
    if !steps_toml.lines().any(|l| l.trim() == "[[steps]]") {
        return Err(AppError::Invalid(format!(
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
        AppError::Invalid(
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
