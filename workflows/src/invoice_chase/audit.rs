//! The chase's audit trail and the store's copy of the chase.
//!
//! Handlers queue audit events; the loop flushes them with one local activity that appends
//! them to the log (each once, keyed by the chase's sequence) and writes the chase as it now
//! stands to the store. That write is the only one the store's copy of a chase ever gets from
//! a running chase: the workflow is its single writer.

use std::time::Duration;

use chaser_domain::{AuditAction, AuditSnapshot};
use jiff::Timestamp;
use temporalio_workflow::{
    ActivityOptions, LocalActivityOptions, RetryPolicy, WorkflowContext, WorkflowResult,
};

use super::{ChaseActivities, InvoiceChase};
use crate::contracts::{AuditBatch, AuditEvent};
use crate::names;

impl InvoiceChase {
    /// The chase as an audit row's `before` and `after` show it.
    pub(super) fn snapshot(&self) -> serde_json::Value {
        let c = &self.chase;
        let snapshot = AuditSnapshot {
            state: c.state,
            balance: c.invoice.balance,
            due_date: c.invoice.due_date,
            paused_until: c.paused_until,
            pauses_used: c.pauses_used,
            paused_days_used: c.paused_days_used,
            contacts: c
                .invoice
                .contacts
                .iter()
                .map(|x| x.email.as_str().to_owned())
                .collect(),
            overrides: c.overrides.clone(),
            promised_by: c.promise.as_ref().map(|p| p.pay_by),
        };
        serde_json::to_value(snapshot).unwrap_or_default()
    }

    /// Queues an event; the loop writes it with the next flush.
    pub(super) fn audit(
        &mut self,
        at: Timestamp,
        action: AuditAction,
        actor: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
        detail: Option<String>,
    ) {
        let seq = self.reserve_seq();
        self.audit_queue.push(AuditEvent {
            seq,
            at,
            action,
            actor: actor.to_owned(),
            before,
            after,
            detail,
        });
    }

    /// The next audit number, taken now for an event that is written later (by a send that
    /// goes out): a command that arrives meanwhile numbers its own after it.
    pub(super) fn reserve_seq(&mut self) -> u64 {
        self.audit_seq += 1;
        self.audit_seq
    }

    /// Gives back a reserved number nothing used, unless a later one was taken meanwhile (the
    /// log then skips it).
    pub(super) fn release(&mut self, seq: Option<u64>) {
        if seq == Some(self.audit_seq) {
            self.audit_seq -= 1;
        }
    }

    /// A send wrote every event up to `seq` and the chase as it stood after it.
    pub(super) fn written_by_send(&mut self, seq: u64) {
        self.audit_queue.retain(|e| e.seq > seq);
        self.flushed_seq = self.flushed_seq.max(seq);
    }

    /// The queued events and the store's copy of the chase as it now stands.
    pub(super) fn batch(&self, one_writer: bool) -> AuditBatch {
        AuditBatch {
            workflow_id: String::new(),
            chain: String::new(),
            invoice: self.chase.invoice.clone(),
            state: self.chase.state,
            events: self.audit_queue.clone(),
            status: one_writer.then(|| self.view()),
            as_of: self.audit_seq,
        }
    }

    /// Says which chase `batch` belongs to.
    pub(super) fn addressed(ctx: &WorkflowContext<Self>, mut batch: AuditBatch) -> AuditBatch {
        batch.workflow_id = ctx.workflow_id().to_owned();
        batch.chain = ctx.info().first_execution_run_id().to_owned();
        batch
    }

    /// Writes the queued events and the store's copy of the chase.
    pub(super) async fn flush_audit(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<()> {
        let one_writer = ctx.patched(names::patch::ONE_WRITER);
        let batch = ctx.state_mut(|s| {
            if s.audit_queue.is_empty() {
                return None;
            }
            let batch = s.batch(one_writer);
            s.audit_queue.clear();
            Some(batch)
        });
        let Some(batch) = batch else {
            return Ok(());
        };
        let last = batch.events.last().map_or(0, |e| e.seq);
        let batch = Self::addressed(ctx, batch);
        let summary = format!(
            "audit: {}",
            batch
                .events
                .iter()
                .map(|e| e.action.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let retry = RetryPolicy::builder()
            .initial_interval(Duration::from_secs(1))
            .maximum_interval(Duration::from_secs(60))
            .build();
        if ctx.patched(names::patch::FEWER_ACTIONS) {
            // A store write next to the worker: no trip through the server's task queue.
            let options = LocalActivityOptions::builder()
                .start_to_close_timeout(Duration::from_secs(30))
                // Retried like the activity it replaces: until the store is back.
                .schedule_to_close_timeout(Duration::from_secs(365 * 24 * 3600))
                .retry_policy(retry)
                .summary(summary)
                .build();
            ctx.execute_local_activity(ChaseActivities::record_audit, batch, options)
                .await?;
        } else {
            let options = ActivityOptions::with_start_to_close_timeout(Duration::from_secs(30))
                .retry_policy(retry)
                .summary(summary)
                .build();
            ctx.execute_activity(ChaseActivities::record_audit, batch, options)
                .await?;
        }
        ctx.state_mut(|s| s.flushed_seq = s.flushed_seq.max(last));
        Ok(())
    }
}
