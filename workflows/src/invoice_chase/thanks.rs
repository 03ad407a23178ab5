//! The thank-you: sent once the invoice is paid in full, after waiting out the send window,
//! and audited by the send itself when it goes out.

use chaser_domain::AuditAction;
use jiff::Timestamp;
use temporalio_workflow::{TimerOptions, WorkflowContext};

use super::{InvoiceChase, timestamp};
use crate::contracts::{AuditEvent, MessageKind, SendRequest, SendResult};
use crate::names;

impl InvoiceChase {
    /// Thanks the customer once the invoice is paid in full; outside the send window it waits
    /// for the window to open.
    pub(super) async fn thank(ctx: &mut WorkflowContext<Self>) {
        let workflow_id = ctx.workflow_id().to_owned();
        let (invoice, to, settings) = ctx.state(|s| {
            let to = s.chase.thank_you_recipients();
            (s.chase.invoice.clone(), to, s.settings.clone())
        });
        if to.is_empty() {
            return;
        }
        // The thank-you writes its own audit event when it goes out.
        let foreseen = ctx
            .patched(names::patch::FEWER_ACTIONS_2)
            .then(|| ctx.state_mut(|s| s.reserve_seq()));
        let one_writer = ctx.patched(names::patch::ONE_WRITER);
        let request = SendRequest {
            workflow_id,
            key: "thank_you".to_owned(),
            kind: MessageKind::ThankYou,
            step: None,
            invoice,
            to,
            cc: vec![],
            history: vec![],
            settings: Some(settings),
            approved: false,
            note: None,
            audit_when_sent: None,
        };
        // Foreseen afresh for each try: the chase may have changed while one waited.
        let attempt = |ctx: &mut WorkflowContext<Self>| {
            let mut request = request.clone();
            let at = timestamp(ctx.workflow_time());
            if let Some(seq) = foreseen {
                let batch = ctx.state(|s| {
                    let mut after = s.clone();
                    after.thanked(at, THANKS_SENT.to_owned(), Some(seq));
                    after.batch(one_writer)
                });
                request.audit_when_sent = Some(Self::addressed(ctx, batch));
            }
            (request, at)
        };
        let (first, mut at) = attempt(ctx);
        let mut result = Self::send(ctx, first, "thank the customer".to_owned())
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| Err("not sent".to_owned()));
        let mut waited = false;
        while let Ok(SendResult::Deferred { until, .. }) = &result {
            // Histories from before the global stop waited once (for the send window); a
            // held sending can defer the thank-you any number of times.
            if waited && !ctx.patched(names::patch::THANK_YOU_WAITS_OUT_HOLDS) {
                break;
            }
            waited = true;
            let wait = timestamp(ctx.workflow_time())
                .duration_until(*until)
                .unsigned_abs();
            ctx.timer(
                TimerOptions::builder(wait)
                    .summary("thank-you waits for the send window".to_owned())
                    .build(),
            )
            .await;
            let (again, again_at) = attempt(ctx);
            at = again_at;
            result = Self::send(ctx, again, "thank the customer".to_owned())
                .await
                .ok()
                .flatten()
                .unwrap_or_else(|| Err("not sent".to_owned()));
        }
        let written = foreseen.is_some() && matches!(result, Ok(SendResult::Sent { .. }));
        let now = if written {
            at
        } else {
            timestamp(ctx.workflow_time())
        };
        ctx.state_mut(|s| {
            let detail = match &result {
                Ok(SendResult::Sent { .. }) if written => THANKS_SENT.to_owned(),
                Ok(SendResult::Sent { message_id }) => format!("sent ({message_id})"),
                Ok(SendResult::DryRun) => "dry run: rendered, not sent".to_owned(),
                Ok(other) => format!("not sent: {other:?}"),
                Err(e) => format!("failed: {e}"),
            };
            s.thanked(now, detail, foreseen);
            if let (true, Some(seq)) = (written, foreseen) {
                s.written_by_send(seq);
            }
        });
    }

    /// The thank-you is done with (sent or not, as `detail` says), audited under `seq` if one
    /// was reserved for it.
    fn thanked(&mut self, at: Timestamp, detail: String, seq: Option<u64>) {
        self.chase.record_thanks();
        let seq = seq.unwrap_or_else(|| self.reserve_seq());
        self.audit_queue.push(AuditEvent {
            seq,
            at,
            action: AuditAction::ThankYou,
            actor: "chaser".to_owned(),
            before: None,
            after: None,
            detail: Some(detail),
        });
    }
}

/// A thank-you that went out, in the audit log (the outbox has its message id).
const THANKS_SENT: &str = "sent";
