//! Messages that wait for a human: the rendered message is stored and the owner asked by
//! e-mail; an approval that runs out is expired, never sent.

use chaser_workflows::contracts::{ExpireApproval, ExpiryOutcome, SendRequest, SendResult};
use jiff::Timestamp;
use serde_json::json;
use temporalio_sdk::activities::ActivityError;

use crate::guards::code;
use crate::links::{Links, Purpose};
use crate::mail::{MailError, OutgoingEmail};
use crate::render::{ApprovalView, MessageContext, Presentation};
use crate::store::{Approval, ApprovalStatus, Claim, OutboxStatus, StoredInvoice};

use super::{ChaseActivities, rejected};

impl ChaseActivities {
    /// Stores the rendered message and asks the owner, by e-mail, to approve it.
    pub(super) async fn request_approval(
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
}
