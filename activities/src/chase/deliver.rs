//! One message through the guardrails to the provider: a recorded outcome is final, each
//! verdict is written to the outbox, and the provider's answer outlasts a store cut.

use std::collections::BTreeSet;

use chaser_workflows::contracts::{MessageKind, SendRequest, SendResult};
use jiff::Timestamp;
use serde_json::json;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::ActivityError;

use crate::guards::{self, code};
use crate::mail::{MailError, OutgoingEmail};
use crate::store::{Approval, ApprovalStatus, Claim, OutboxStatus};

use super::{ChaseActivities, Mode, Sender, rejected};

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

/// Why a message an earlier attempt handed over, and never heard back about, is uncertain.
const CUT_OFF: &str = "an earlier attempt handed it to the provider and was cut off before the answer: it may have been sent";

impl ChaseActivities {
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
        // An earlier attempt handed the message over and was cut off before the answer: the
        // provider may have it, whatever the guards below would say now. A deferral here would
        // put it back in the plan, and a later attempt could send it twice.
        if prior.as_ref().is_some_and(|r| !r.status.is_final())
            && store
                .handed_over(&request.workflow_id, &request.key)
                .await?
        {
            return self.uncertain(request, CUT_OFF.to_owned(), now).await;
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
                return self.uncertain(request, CUT_OFF.to_owned(), now).await;
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
        // Our turn at the provider first, so the checks below see the state of the moment
        // the message leaves.
        if let Some(pacer) = &self.pacer {
            pacer.wait().await;
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
        if let Some(pacer) = &self.pacer {
            pacer.call().await;
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
