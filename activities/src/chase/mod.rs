//! The chase's activities: send one message through the four guardrails, expire approvals,
//! and record audit events.
//!
//! `send_message` is idempotent: an outcome recorded in the outbox is final, so a retry after
//! a recorded success never sends again. Each guardrail's verdict is written to the outbox
//! with its reason code. Permanent provider errors are non-retryable (`EmailRejected`);
//! everything transient is retried by Temporal with backoff.

mod approval;
mod compose;
mod deliver;

use std::sync::Arc;

use chaser_workflows::contracts::{
    AuditBatch, ExpireApproval, ExpiryOutcome, SendRequest, SendResult,
};
use chaser_workflows::invoice_chase::{SEND_HEARTBEAT_TIMEOUT, activity_defs};
use chaser_workflows::names;
use jiff::{SignedDuration, Timestamp};
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::links::Links;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::pacer::Pacer;
use crate::render::{Company, Renderer};
use crate::store::{AuditRecord, Store};

/// Whether messages really leave, and who decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Live,
    /// Render and record every message in the outbox as "would send"; send nothing.
    DryRun,
    /// Every customer message waits for a human's one-tap approval.
    Approve,
}

/// Sender identity, the company details templates show, and link lifetimes.
#[derive(Debug, Clone)]
pub struct Sender {
    pub from: String,
    pub reply_to: Option<String>,
    pub company: Company,
    pub pay_link_ttl: SignedDuration,
    pub action_link_ttl: SignedDuration,
    pub approval_ttl: SignedDuration,
}

pub struct ChaseActivities {
    store: Store,
    mailer: Arc<dyn Mailer>,
    renderer: Arc<Renderer>,
    links: Links,
    sender: Sender,
    mode: Mode,
    metrics: Metrics,
    /// Spaces this worker's provider calls at the provider's rate (none in most tests).
    pacer: Option<Arc<Pacer>>,
}

/// A send's outcome, as the `chaser_sends` counter labels it.
fn outcome(result: &Result<SendResult, ActivityError>) -> &'static str {
    match result {
        Ok(SendResult::Sent { .. }) => "sent",
        Ok(SendResult::DryRun) => "dry_run",
        Ok(SendResult::Declined { .. }) => "declined",
        Ok(SendResult::Deferred { .. }) => "deferred",
        Ok(SendResult::AwaitingApproval { .. }) => "awaiting_approval",
        Ok(SendResult::Unreachable { .. }) => "unreachable",
        Ok(SendResult::Uncertain { .. }) => "uncertain",
        Err(_) => "failed",
    }
}

/// `batch` with the provider's message id on the step this message went out for: only the
/// send knows it.
fn stamped(batch: &AuditBatch, request: &SendRequest, message_id: &str) -> AuditBatch {
    let mut batch = batch.clone();
    let step = request.step.as_ref().map(|s| s.id.as_str());
    if let Some(status) = &mut batch.status
        && let Some(entry) = status
            .sends
            .iter_mut()
            .rev()
            .find(|e| Some(e.step_id.as_str()) == step && e.message_id.is_none())
    {
        entry.message_id = Some(message_id.to_owned());
    }
    batch
}

fn rejected(message: String) -> ActivityError {
    ActivityError::application(
        ApplicationFailure::builder(message)
            .type_name(names::failure::EMAIL_REJECTED.to_owned())
            .non_retryable(true)
            .build(),
    )
}

/// The activity markers, to register a worker for only some of them (the sending worker
/// runs `SendMessage` alone).
pub mod registered {
    pub use super::chase_activities::{ExpireApproval, RecordAudit, SendMessage};
}

#[activities]
impl ChaseActivities {
    #[activity(definition = activity_defs::SendMessage)]
    pub async fn send_message(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: SendRequest,
    ) -> Result<SendResult, ActivityError> {
        let result = crate::heartbeat::beating(
            &ctx,
            SEND_HEARTBEAT_TIMEOUT / 4,
            self.send_and_record(&request, Timestamp::now()),
        )
        .await;
        self.metrics.send(outcome(&result));
        result
    }

    #[activity(definition = activity_defs::RecordAudit)]
    pub async fn record_audit(
        self: Arc<Self>,
        _ctx: ActivityContext,
        batch: AuditBatch,
    ) -> Result<(), ActivityError> {
        self.audit(&batch, Timestamp::now()).await?;
        Ok(())
    }

    #[activity(definition = activity_defs::ExpireApproval)]
    pub async fn expire_approval(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: ExpireApproval,
    ) -> Result<ExpiryOutcome, ActivityError> {
        Ok(self.expire(&input, Timestamp::now()).await?)
    }
}

impl ChaseActivities {
    pub fn new(
        store: Store,
        mailer: Arc<dyn Mailer>,
        renderer: Arc<Renderer>,
        links: Links,
        sender: Sender,
        mode: Mode,
    ) -> Self {
        ChaseActivities {
            store,
            mailer,
            renderer,
            links,
            sender,
            mode,
            metrics: Metrics::off(),
            pacer: None,
        }
    }

    /// The same activities, counting what they do on `metrics`.
    pub fn with_metrics(self, metrics: Metrics) -> Self {
        ChaseActivities { metrics, ..self }
    }

    /// The same activities, calling the provider at most `rate` times a second.
    pub fn with_send_rate(self, rate: f64) -> Self {
        ChaseActivities {
            pacer: Pacer::new(rate).map(Arc::new),
            ..self
        }
    }

    /// Delivers `request` and, once it went out, writes what the chase foresaw for that
    /// (`audit_when_sent`). A retry after a failed write finds the message sent in the outbox
    /// and writes again: both are idempotent.
    pub async fn send_and_record(
        &self,
        request: &SendRequest,
        now: Timestamp,
    ) -> Result<SendResult, ActivityError> {
        let result = self.deliver(request, now).await?;
        if let (SendResult::Sent { message_id }, Some(batch)) = (&result, &request.audit_when_sent)
        {
            self.audit(&stamped(batch, request, message_id), now)
                .await?;
        }
        Ok(result)
    }

    /// Appends the batch's events (each once, however often this runs) and writes the chase's
    /// projection: the invoice, its state and its `status` view.
    pub async fn audit(
        &self,
        batch: &AuditBatch,
        now: Timestamp,
    ) -> Result<(), crate::store::StoreError> {
        let key = batch.invoice.number.normalized();
        self.store
            .project_chase(
                &batch.invoice,
                &batch.workflow_id,
                batch.state,
                batch.status.as_ref(),
                batch.as_of,
                now,
            )
            .await?;
        for event in &batch.events {
            let record = AuditRecord {
                at: event.at,
                invoice: key.clone(),
                workflow_id: batch.workflow_id.clone(),
                action: event.action,
                actor: event.actor.clone(),
                before: event.before.clone(),
                after: event.after.clone(),
                detail: event.detail.clone(),
                dedup_key: format!("{}/{}/{}", batch.workflow_id, batch.chain, event.seq),
            };
            self.store.append_audit(&record).await?;
        }
        Ok(())
    }
}
