//! The chase's activities: send one message through the guardrails, and record audit events.
//!
//! `send_message` is idempotent: an outcome recorded in the outbox is final, so a retry after
//! a recorded success never sends again. Permanent provider errors are non-retryable and come
//! back as `EmailRejected`; everything transient is retried by Temporal with backoff.

use std::sync::Arc;

use chaser_domain::{ChaseState, StepState};
use chaser_workflows::contracts::{AuditBatch, MessageKind, SendRequest, SendResult};
use chaser_workflows::invoice_chase::activity_defs;
use chaser_workflows::names;
use jiff::Timestamp;
use serde_json::json;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::mail::{MailError, Mailer, OutgoingEmail};
use crate::render::{Company, MessageContext, Renderer, family_for};
use crate::store::{AuditRecord, Claim, OutboxStatus, Store};

/// Whether messages really leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Live,
    /// Render and record every message in the outbox as "would send"; send nothing.
    DryRun,
}

/// Sender identity and the company details templates show.
#[derive(Debug, Clone)]
pub struct Sender {
    pub from: String,
    pub reply_to: Option<String>,
    pub company: Company,
}

pub struct ChaseActivities {
    store: Store,
    mailer: Arc<dyn Mailer>,
    renderer: Arc<Renderer>,
    sender: Sender,
    mode: Mode,
}

fn rejected(message: String) -> ActivityError {
    ActivityError::application(
        ApplicationFailure::builder(message)
            .type_name(names::failure::EMAIL_REJECTED.to_owned())
            .non_retryable(true)
            .build(),
    )
}

#[activities]
impl ChaseActivities {
    #[activity(definition = activity_defs::SendMessage)]
    pub async fn send_message(
        self: Arc<Self>,
        _ctx: ActivityContext,
        request: SendRequest,
    ) -> Result<SendResult, ActivityError> {
        self.deliver(&request, Timestamp::now()).await
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
}

impl ChaseActivities {
    pub fn new(
        store: Store,
        mailer: Arc<dyn Mailer>,
        renderer: Arc<Renderer>,
        sender: Sender,
        mode: Mode,
    ) -> Self {
        ChaseActivities {
            store,
            mailer,
            renderer,
            sender,
            mode,
        }
    }

    /// Sends `request` unless a guard says no. Safe to call any number of times.
    #[tracing::instrument(skip_all, fields(workflow_id = %request.workflow_id, key = %request.key))]
    pub async fn deliver(
        &self,
        request: &SendRequest,
        now: Timestamp,
    ) -> Result<SendResult, ActivityError> {
        let store = &self.store;
        if let Some(row) = store.outbox_row(&request.workflow_id, &request.key).await?
            && let Some(result) = recorded(row.status, row.message_id, row.error)?
        {
            return Ok(result);
        }
        if let Some(reason) = self.fresh_state(request).await? {
            tracing::info!(%reason, "declined");
            return Ok(SendResult::Declined { reason });
        }
        let email = self
            .compose(request, now)
            .map_err(|e| rejected(e.to_string()))?;
        let recipients = json!({ "to": email.to, "cc": email.cc });
        match store
            .claim_outbox(
                &request.workflow_id,
                &request.key,
                &recipients,
                &email.subject,
                now,
            )
            .await?
        {
            Claim::Finished {
                status,
                message_id,
                error,
            } => {
                if let Some(result) = recorded(status, message_id, error)? {
                    return Ok(result);
                }
            }
            Claim::Fresh | Claim::Unfinished => {}
        }
        if self.mode == Mode::DryRun {
            store
                .finish_outbox(
                    &request.workflow_id,
                    &request.key,
                    OutboxStatus::DryRun,
                    None,
                    None,
                    now,
                )
                .await?;
            return Ok(SendResult::DryRun);
        }
        match self.mailer.send(&email).await {
            Ok(message_id) => {
                store
                    .finish_outbox(
                        &request.workflow_id,
                        &request.key,
                        OutboxStatus::Sent,
                        Some(&message_id),
                        None,
                        Timestamp::now(),
                    )
                    .await?;
                tracing::info!(%message_id, "sent");
                Ok(SendResult::Sent { message_id })
            }
            Err(MailError::Permanent(why)) => {
                store
                    .finish_outbox(
                        &request.workflow_id,
                        &request.key,
                        OutboxStatus::Failed,
                        None,
                        Some(&why),
                        Timestamp::now(),
                    )
                    .await?;
                tracing::warn!(%why, "rejected");
                Err(rejected(why))
            }
            // The claim stays unfinished, so the retry sends.
            Err(transient @ MailError::Transient(_)) => Err(transient.into()),
        }
    }

    /// Guard 1: the invoice as the store knows it now. Anything but an open, unpaid chase
    /// (or a paid one, for a thank-you) means no send.
    async fn fresh_state(&self, request: &SendRequest) -> Result<Option<String>, ActivityError> {
        let Some(stored) = self
            .store
            .invoice(&request.invoice.number.normalized())
            .await?
        else {
            return Ok(Some(
                "fresh state: the invoice is not in the store".to_owned(),
            ));
        };
        let wanted_paid = request.kind == MessageKind::ThankYou;
        let reason = match stored.state {
            ChaseState::Paid if wanted_paid => None,
            _ if wanted_paid => Some(format!(
                "fresh state: the invoice is {}, not paid",
                stored.state
            )),
            state if !state.is_sending() => Some(format!("fresh state: the invoice is {state}")),
            _ if stored.invoice.balance.is_zero() => {
                Some("fresh state: nothing is owed".to_owned())
            }
            _ => None,
        };
        Ok(reason)
    }

    fn compose(
        &self,
        request: &SendRequest,
        now: Timestamp,
    ) -> Result<OutgoingEmail, crate::render::RenderError> {
        let zone = request
            .step
            .as_ref()
            .map(|s| s.zone.clone())
            .or_else(|| request.invoice.customer_time_zone.clone());
        let today = zone.map_or_else(
            || now.to_zoned(jiff::tz::TimeZone::UTC).date(),
            |z| now.to_zoned(z.tz().clone()).date(),
        );
        let family = match (request.kind, &request.step) {
            (MessageKind::ThankYou, _) => "thank_you".to_owned(),
            (MessageKind::OwnerEscalation, _) => "escalation".to_owned(),
            (MessageKind::Reminder, Some(step)) => {
                family_for(&step.template, &request.invoice, &request.history, today)
            }
            (MessageKind::Reminder, None) => "past_due".to_owned(),
        };
        let history: Vec<_> = request
            .history
            .iter()
            .filter(|h| h.state != StepState::Pending)
            .cloned()
            .collect();
        let context = MessageContext::new(
            &self.sender.company,
            &request.invoice,
            request.step.as_ref(),
            &history,
            today,
        );
        let rendered = self.renderer.render(&family, &context)?;
        Ok(OutgoingEmail {
            from: self.sender.from.clone(),
            reply_to: self.sender.reply_to.clone(),
            to: request.to.iter().map(ToString::to_string).collect(),
            cc: request.cc.iter().map(ToString::to_string).collect(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
        })
    }

    /// Appends the batch's events (each once, however often this runs) and records the
    /// invoice's current state.
    pub async fn audit(
        &self,
        batch: &AuditBatch,
        now: Timestamp,
    ) -> Result<(), crate::store::StoreError> {
        let key = batch.invoice.number.normalized();
        self.store
            .sync_invoice(&batch.invoice, &batch.workflow_id, batch.state, now)
            .await?;
        for event in &batch.events {
            let record = AuditRecord {
                at: event.at,
                invoice: key.clone(),
                workflow_id: batch.workflow_id.clone(),
                action: event.action.clone(),
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

/// The result an earlier attempt already settled, if it did.
fn recorded(
    status: OutboxStatus,
    message_id: Option<String>,
    error: Option<String>,
) -> Result<Option<SendResult>, ActivityError> {
    match status {
        OutboxStatus::Sent => Ok(Some(SendResult::Sent {
            message_id: message_id.unwrap_or_default(),
        })),
        OutboxStatus::DryRun => Ok(Some(SendResult::DryRun)),
        OutboxStatus::Failed => Err(rejected(
            error.unwrap_or_else(|| "rejected earlier".to_owned()),
        )),
        OutboxStatus::Sending | OutboxStatus::Declined => Ok(None),
    }
}
