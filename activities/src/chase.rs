//! The chase's activities: send one message through the four guardrails, expire approvals,
//! and record audit events.
//!
//! `send_message` is idempotent: an outcome recorded in the outbox is final, so a retry after
//! a recorded success never sends again. Each guardrail's verdict is written to the outbox
//! with its reason code. Permanent provider errors are non-retryable (`EmailRejected`);
//! everything transient is retried by Temporal with backoff.

use std::collections::BTreeSet;
use std::sync::Arc;

use chaser_domain::{Settings, StepState, Zone};
use chaser_workflows::contracts::{
    AuditBatch, ExpireApproval, ExpiryOutcome, MessageKind, SendRequest, SendResult,
};
use chaser_workflows::invoice_chase::{SEND_HEARTBEAT_TIMEOUT, activity_defs};
use chaser_workflows::names;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::guards::{self, code};
use crate::links::{LinkAction, Links, Purpose, SendingSwitch};
use crate::locale;
use crate::mail::{MailError, Mailer, OutgoingEmail};
use crate::metrics::Metrics;
use crate::render::{
    ActionLinks, ApprovalView, Company, MessageContext, Presentation, Renderer, family_for,
};
use crate::store::{
    Approval, ApprovalStatus, AuditRecord, Claim, OutboxStatus, Store, StoredInvoice,
};

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

/// The first pause between tries of a store write the provider's answer depends on; doubling,
/// six tries span about eight seconds: long enough for a cut connection to be replaced, well
/// inside the send's timeout.
const STORE_RETRY: std::time::Duration = std::time::Duration::from_millis(250);

/// Runs a store write until it succeeds, six tries at most, pausing `pause`, then doubling.
async fn retried<Fut>(
    mut pause: std::time::Duration,
    mut write: impl FnMut() -> Fut,
) -> Result<(), crate::store::StoreError>
where
    Fut: std::future::Future<Output = Result<(), crate::store::StoreError>>,
{
    for _ in 0..5 {
        match write().await {
            Ok(()) => return Ok(()),
            Err(e) => tracing::warn!(error.message = %e, "a store write failed; trying again"),
        }
        tokio::time::sleep(pause).await;
        pause *= 2;
    }
    write().await
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
            self.deliver(&request, Timestamp::now()),
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
        }
    }

    /// The same activities, counting what they do on `metrics`.
    pub fn with_metrics(self, metrics: Metrics) -> Self {
        ChaseActivities { metrics, ..self }
    }

    /// Records a guardrail's "no" and says so.
    async fn decline(
        &self,
        request: &SendRequest,
        code: &str,
        why: String,
        now: Timestamp,
    ) -> Result<SendResult, ActivityError> {
        let reason = format!("{code}: {why}");
        self.metrics.guardrail(code, "declined");
        self.store
            .mark_outbox(
                &request.workflow_id,
                &request.key,
                OutboxStatus::Declined,
                &reason,
                now,
            )
            .await?;
        tracing::info!(%reason, "declined");
        Ok(SendResult::Declined { reason })
    }

    /// Records a guardrail's "not yet" and says until when.
    async fn defer(
        &self,
        request: &SendRequest,
        code: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<SendResult, ActivityError> {
        let reason = format!("{code}: not before {until}");
        self.metrics.guardrail(code, "deferred");
        self.store
            .mark_outbox(
                &request.workflow_id,
                &request.key,
                OutboxStatus::Deferred,
                &reason,
                now,
            )
            .await?;
        tracing::info!(%reason, "deferred");
        Ok(SendResult::Deferred { until, reason })
    }

    /// Sends `request` unless a guardrail says no. Safe to call any number of times.
    #[tracing::instrument(skip_all, fields(workflow_id = %request.workflow_id, key = %request.key))]
    pub async fn deliver(
        &self,
        request: &SendRequest,
        now: Timestamp,
    ) -> Result<SendResult, ActivityError> {
        let store = &self.store;
        let prior = store.outbox_row(&request.workflow_id, &request.key).await?;
        if let Some(row) = &prior
            && let Some(result) = recorded(row.status, row.message_id.clone(), row.error.clone())?
        {
            return Ok(result);
        }
        let approval_id = format!("{}/{}", request.workflow_id, request.key);
        if prior
            .as_ref()
            .is_some_and(|r| r.status == OutboxStatus::AwaitingApproval)
            && !request.approved
        {
            let expires_at = store
                .approval(&approval_id)
                .await?
                .map_or(now, |a| a.expires_at);
            return Ok(SendResult::AwaitingApproval { expires_at });
        }
        let stored = store.invoice(&request.invoice.number.normalized()).await?;

        // 1. Fresh state.
        if let Err(why) = guards::fresh_state(request.kind, stored.as_ref()) {
            return self.decline(request, code::FRESH_STATE, why, now).await;
        }
        let Some(stored) = stored else {
            return self
                .decline(request, code::FRESH_STATE, "gone".into(), now)
                .await;
        };
        let number = request.invoice.number.normalized();
        if let Err(until) = guards::pending_command(
            request.kind,
            store.pending_command_for(&number).await?.as_ref(),
            now,
        ) {
            return self.defer(request, code::PENDING_COMMAND, until, now).await;
        }
        if let Err(until) =
            guards::sending_hold(request.kind, store.sending_hold().await?.as_ref(), now)
        {
            return self.defer(request, code::SENDING_HELD, until, now).await;
        }
        let settings = request.settings.clone().unwrap_or_default();
        let zone = request
            .step
            .as_ref()
            .map_or_else(|| settings.time_zone.clone(), |s| s.zone.clone());

        // 2. The send window, on the recipient's clock.
        if let Err(until) = guards::send_window(&settings, &zone, now) {
            return self.defer(request, code::SEND_WINDOW, until, now).await;
        }

        let (email, amount_text) = if request.approved {
            match store.approval(&approval_id).await? {
                Some(a) if a.status == ApprovalStatus::Approved => {
                    (approved_email(&self.sender, &a), None)
                }
                _ => {
                    return self
                        .decline(
                            request,
                            code::APPROVAL,
                            "the message was not approved".into(),
                            now,
                        )
                        .await;
                }
            }
        } else {
            let (email, amount) = self
                .compose(request, &settings, now)
                .map_err(|e| rejected(e.to_string()))?;
            (email, Some(amount))
        };

        // 4a. Never to a suppressed address; nobody left means the owner must step in.
        let addresses: Vec<String> = email
            .to
            .iter()
            .chain(&email.cc)
            .map(|a| a.to_ascii_lowercase())
            .collect();
        let mut suppressed = BTreeSet::new();
        for address in &addresses {
            if store.suppression(address).await?.is_some() {
                suppressed.insert(address.clone());
            }
        }
        let Some(email) = guards::without_suppressed(&email, &suppressed) else {
            let reason = format!(
                "{}: every recipient is suppressed ({})",
                code::SUPPRESSED,
                email.to.join(", ")
            );
            store
                .mark_outbox(
                    &request.workflow_id,
                    &request.key,
                    OutboxStatus::Declined,
                    &reason,
                    now,
                )
                .await?;
            return Ok(if request.kind == MessageKind::OwnerEscalation {
                SendResult::Declined { reason }
            } else {
                SendResult::Unreachable { reason }
            });
        };

        // 3. The outbox: one send per chase and message, ever. Then the pace per contact.
        let recipients = json!({ "to": email.to, "cc": email.cc });
        let attempt = uuid::Uuid::new_v4().to_string();
        match store
            .claim_outbox(
                &request.workflow_id,
                &request.key,
                &attempt,
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
            // An earlier attempt handed the message over and was cut off before the answer
            // (the worker died, the attempt timed out): the provider may have it. Sending
            // again could send it twice, so it is asked about instead.
            Claim::Unfinished { handed: true } => {
                let reason = "an earlier attempt handed it to the provider and was cut off before the answer: it may have been sent".to_owned();
                return self.uncertain(request, reason, now).await;
            }
            Claim::Fresh | Claim::Unfinished { handed: false } => {}
        }
        store
            .keep_body(&request.workflow_id, &request.key, &email.text, &email.html)
            .await?;
        if request.kind == MessageKind::Reminder {
            let since = now
                .checked_sub(guards::pacing_lookback(&settings))
                .unwrap_or(now);
            let mut touches = Vec::new();
            for address in email.to.iter().chain(&email.cc) {
                touches.push((address.clone(), store.touches_since(address, since).await?));
            }
            if let Err((until, why)) = guards::contact_pacing(&settings, &zone, &touches, now) {
                return self.defer(request, why, until, now).await;
            }
        }

        // 4b. The content says what the store says.
        if let Some(amount_text) = &amount_text
            && let Err(why) = guards::content_check(&email, request.kind, &stored, amount_text)
        {
            return self.decline(request, code::CONTENT, why, now).await;
        }

        let customer_facing = matches!(request.kind, MessageKind::Reminder | MessageKind::ThankYou);
        let needs_approval = customer_facing
            && (self.mode == Mode::Approve
                || request.step.as_ref().is_some_and(|s| s.require_approval));
        if needs_approval && !request.approved {
            return self
                .request_approval(request, &stored, &email, &approval_id, now)
                .await;
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
        // The fresh state once more, right before the provider call: a `paid` that landed
        // while this activity was in flight stops it here.
        let current = store.invoice(&number).await?;
        if let Err(why) = guards::fresh_state(request.kind, current.as_ref()) {
            return self.decline(request, code::FRESH_STATE, why, now).await;
        }
        let pending = store.pending_command_for(&number).await?;
        if let Err(until) = guards::pending_command(request.kind, pending.as_ref(), now) {
            return self.defer(request, code::PENDING_COMMAND, until, now).await;
        }
        let hold = store.sending_hold().await?;
        if let Err(until) = guards::sending_hold(request.kind, hold.as_ref(), now) {
            return self.defer(request, code::SENDING_HELD, until, now).await;
        }
        self.send(request, &email, &approval_id, &attempt, now)
            .await
    }

    async fn send(
        &self,
        request: &SendRequest,
        email: &OutgoingEmail,
        approval_id: &str,
        attempt: &str,
        now: Timestamp,
    ) -> Result<SendResult, ActivityError> {
        let store = &self.store;
        if !store
            .hand_over(&request.workflow_id, &request.key, attempt, now)
            .await?
        {
            // Temporal gave up on this attempt and started another, which owns the message.
            return Err(ActivityError::application(
                ApplicationFailure::builder(
                    "a later attempt took this message over; this one sends nothing".to_owned(),
                )
                .build(),
            ));
        }
        match self.mailer.send(email).await {
            Ok(message_id) => {
                // The provider has it: a store hiccup must not lose that, or the next attempt
                // could only call the message uncertain. Each write is safe to repeat.
                let record = || async {
                    store
                        .finish_outbox(
                            &request.workflow_id,
                            &request.key,
                            OutboxStatus::Sent,
                            Some(&message_id),
                            None,
                            now,
                        )
                        .await?;
                    if request.kind != MessageKind::OwnerEscalation {
                        let to: Vec<String> = email.to.iter().chain(&email.cc).cloned().collect();
                        store
                            .record_touches(&to, &request.workflow_id, &request.key, now)
                            .await?;
                    }
                    if request.approved {
                        store
                            .decide_approval(
                                approval_id,
                                ApprovalStatus::Approved,
                                ApprovalStatus::Sent,
                                "chaser",
                                now,
                            )
                            .await?;
                    }
                    Ok::<(), crate::store::StoreError>(())
                };
                retried(STORE_RETRY, record).await?;
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
                        now,
                    )
                    .await?;
                tracing::warn!(%why, "rejected");
                Err(rejected(why))
            }
            // The provider does not have it: the retry may hand it over again.
            Err(transient @ MailError::Transient(_)) => {
                store
                    .take_back(&request.workflow_id, &request.key, attempt)
                    .await?;
                Err(transient.into())
            }
            Err(MailError::Unknown(why)) => {
                let reason = format!("no answer from the provider ({why}): it may have been sent");
                self.uncertain(request, reason, now).await
            }
        }
    }

    /// Records a message whose fate is unknown; it is never sent again under this key.
    async fn uncertain(
        &self,
        request: &SendRequest,
        reason: String,
        now: Timestamp,
    ) -> Result<SendResult, ActivityError> {
        self.store
            .finish_outbox(
                &request.workflow_id,
                &request.key,
                OutboxStatus::Uncertain,
                None,
                Some(&reason),
                now,
            )
            .await?;
        tracing::warn!(%reason, "uncertain");
        Ok(SendResult::Uncertain { reason })
    }

    /// Stores the rendered message and asks the owner, by e-mail, to approve it.
    async fn request_approval(
        &self,
        request: &SendRequest,
        stored: &StoredInvoice,
        email: &OutgoingEmail,
        approval_id: &str,
        now: Timestamp,
    ) -> Result<SendResult, ActivityError> {
        let expires_at = now
            .checked_add(self.sender.approval_ttl)
            .unwrap_or(Timestamp::MAX);
        let approval = Approval {
            id: approval_id.to_owned(),
            workflow_id: request.workflow_id.clone(),
            invoice: request.invoice.number.normalized(),
            message_key: request.key.clone(),
            recipients: json!({ "to": email.to, "cc": email.cc }),
            subject: email.subject.clone(),
            text_body: email.text.clone(),
            html_body: email.html.clone(),
            status: ApprovalStatus::Pending,
            created_at: now,
            expires_at,
            decided_by: None,
        };
        self.store.create_approval(&approval).await?;
        let waiting = self.store.pending_approvals().await?.len();
        self.metrics.approvals_waiting(waiting as u64);
        // Re-read: a retried activity keeps the first request's expiry.
        let approval = self.store.approval(approval_id).await?.unwrap_or(approval);
        let owner = stored.invoice.owner_email.to_string();
        let claims = Links::claims(
            Purpose::Approve,
            stored.invoice.number.as_str(),
            &request.workflow_id,
            &request.key,
            &owner,
            now,
            approval.expires_at.duration_since(now),
        );
        let locale = request.invoice.locale.as_ref().map_or("en", |l| l.as_str());
        let view = ApprovalView {
            url: self.links.url("approvals", &claims),
            to: email.to.join(", "),
            subject: email.subject.clone(),
            text: email.text.clone(),
            expires: approval
                .expires_at
                .strftime("%Y-%m-%d %H:%M UTC")
                .to_string(),
        };
        let presentation = Presentation {
            locale: locale.to_owned(),
            approval: Some(view),
            pause_sending: Some(self.pause_link(request, now)),
            ..self.presentation(request, now)
        };
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let context = MessageContext::new(
            &self.sender.company,
            &request.invoice,
            request.step.as_ref(),
            &[],
            today,
            presentation,
        );
        let rendered = self
            .renderer
            .render("approval_request", &context)
            .map_err(|e| rejected(e.to_string()))?;
        let ask = OutgoingEmail {
            from: self.sender.from.clone(),
            reply_to: self.sender.reply_to.clone(),
            to: vec![owner],
            cc: vec![],
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            attachments: vec![],
        };
        let ask_key = format!("{}/approval", request.key);
        let attempt = uuid::Uuid::new_v4().to_string();
        // An ask an earlier attempt handed over is not sent again: the owner may have it.
        if let Claim::Fresh | Claim::Unfinished { handed: false } = self
            .store
            .claim_outbox(
                &request.workflow_id,
                &ask_key,
                &attempt,
                &json!({ "to": ask.to }),
                &ask.subject,
                now,
            )
            .await?
            && self
                .store
                .hand_over(&request.workflow_id, &ask_key, &attempt, now)
                .await?
        {
            let message_id = self.mailer.send(&ask).await.map_err(|e| match e {
                MailError::Permanent(why) => rejected(why),
                transient => transient.into(),
            })?;
            self.store
                .finish_outbox(
                    &request.workflow_id,
                    &ask_key,
                    OutboxStatus::Sent,
                    Some(&message_id),
                    None,
                    now,
                )
                .await?;
        }
        let reason = format!(
            "{}: waiting for approval until {}",
            code::APPROVAL,
            approval.expires_at
        );
        self.store
            .mark_outbox(
                &request.workflow_id,
                &request.key,
                OutboxStatus::AwaitingApproval,
                &reason,
                now,
            )
            .await?;
        Ok(SendResult::AwaitingApproval {
            expires_at: approval.expires_at,
        })
    }

    /// Drops a message whose approval ran out, unless it was decided in the meantime.
    pub async fn expire(
        &self,
        input: &ExpireApproval,
        now: Timestamp,
    ) -> Result<ExpiryOutcome, crate::store::StoreError> {
        let id = format!("{}/{}", input.workflow_id, input.key);
        if self
            .store
            .decide_approval(
                &id,
                ApprovalStatus::Pending,
                ApprovalStatus::Expired,
                "chaser",
                now,
            )
            .await?
        {
            self.store
                .mark_outbox(
                    &input.workflow_id,
                    &input.key,
                    OutboxStatus::Expired,
                    "approval: expired",
                    now,
                )
                .await?;
            Ok(ExpiryOutcome::Expired)
        } else {
            Ok(ExpiryOutcome::AlreadyDecided)
        }
    }

    /// The owner's one-tap link to hold all sending.
    fn pause_link(&self, request: &SendRequest, now: Timestamp) -> String {
        self.links.sending_url(
            SendingSwitch::Pause,
            request.invoice.owner_email.as_str(),
            now,
            self.sender.action_link_ttl,
        )
    }

    /// Links and formatting for one message.
    fn presentation(&self, request: &SendRequest, now: Timestamp) -> Presentation {
        let invoice = &request.invoice;
        let number = invoice.number.as_str();
        let pay = Links::claims(
            Purpose::Pay,
            number,
            &request.workflow_id,
            "",
            "",
            now,
            self.sender.pay_link_ttl,
        );
        let actions = (request.kind == MessageKind::OwnerEscalation).then(|| {
            let owner = invoice.owner_email.as_str();
            let link = |action: LinkAction| {
                let claims = Links::claims(
                    Purpose::Act,
                    number,
                    &request.workflow_id,
                    action.as_str(),
                    owner,
                    now,
                    self.sender.action_link_ttl,
                );
                self.links.url("act", &claims)
            };
            ActionLinks {
                pause_7d: link(LinkAction::Pause7d),
                dispute: link(LinkAction::Dispute),
                writeoff: link(LinkAction::Writeoff),
            }
        });
        // Every message to the owner carries the global stop, and no customer's message
        // does: an overridden template could show it.
        let pause_sending =
            (request.kind == MessageKind::OwnerEscalation).then(|| self.pause_link(request, now));
        Presentation {
            locale: String::new(),
            pay_link: self.links.url("pay", &pay),
            actions,
            approval: None,
            note: request.note.clone(),
            pause_sending,
        }
    }

    /// Renders the message and returns it with the amount due as written in it.
    fn compose(
        &self,
        request: &SendRequest,
        settings: &Settings,
        now: Timestamp,
    ) -> Result<(OutgoingEmail, String), crate::render::RenderError> {
        let zone: Zone = request
            .step
            .as_ref()
            .map(|s| s.zone.clone())
            .or_else(|| request.invoice.customer_time_zone.clone())
            .unwrap_or_else(|| settings.time_zone.clone());
        let today = now.to_zoned(zone.tz().clone()).date();
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
        let locale = request
            .invoice
            .locale
            .as_ref()
            .map_or(settings.locale.clone(), |l| l.as_str().to_owned());
        let amount_text = locale::money(&request.invoice.balance, &locale);
        let presentation = Presentation {
            locale,
            ..self.presentation(request, now)
        };
        let context = MessageContext::new(
            &self.sender.company,
            &request.invoice,
            request.step.as_ref(),
            &history,
            today,
            presentation,
        );
        let rendered = self.renderer.render(&family, &context)?;
        let email = OutgoingEmail {
            from: self.sender.from.clone(),
            reply_to: self.sender.reply_to.clone(),
            to: request.to.iter().map(ToString::to_string).collect(),
            cc: request.cc.iter().map(ToString::to_string).collect(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            attachments: vec![],
        };
        Ok((email, amount_text))
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

/// The message exactly as the human approved it.
fn approved_email(sender: &Sender, approval: &Approval) -> OutgoingEmail {
    let list = |key: &str| -> Vec<String> {
        approval.recipients[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    OutgoingEmail {
        from: sender.from.clone(),
        reply_to: sender.reply_to.clone(),
        to: list("to"),
        cc: list("cc"),
        subject: approval.subject.clone(),
        text: approval.text_body.clone(),
        html: approval.html_body.clone(),
        attachments: vec![],
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
        OutboxStatus::Rejected | OutboxStatus::Expired => Ok(Some(SendResult::Declined {
            reason: format!("approval: already {}", status.as_str()),
        })),
        OutboxStatus::Uncertain => Ok(Some(SendResult::Uncertain {
            reason: error.unwrap_or_else(|| "it may have been sent".to_owned()),
        })),
        // A guardrail's "no" or "not yet" is asked again: the checks look at the state now.
        OutboxStatus::Sending
        | OutboxStatus::Declined
        | OutboxStatus::Deferred
        | OutboxStatus::AwaitingApproval => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use std::time::Duration;

    use super::retried;
    use crate::store::StoreError;

    fn cut() -> StoreError {
        StoreError::Db(sqlx::Error::PoolClosed)
    }

    #[tokio::test]
    async fn a_write_after_the_provider_took_the_message_outlasts_a_store_cut() {
        let tries = AtomicU32::new(0);
        let write = || async {
            if tries.fetch_add(1, Ordering::SeqCst) < 3 {
                Err(cut())
            } else {
                Ok(())
            }
        };
        retried(Duration::from_millis(1), write).await.unwrap();
        assert_eq!(tries.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_store_that_stays_away_fails_the_attempt_after_six_tries() {
        let tries = AtomicU32::new(0);
        let write = || async {
            tries.fetch_add(1, Ordering::SeqCst);
            Err(cut())
        };
        assert!(retried(Duration::from_millis(1), write).await.is_err());
        assert_eq!(tries.load(Ordering::SeqCst), 6);
    }
}
