//! Fake activities bound to the chase's own activity definitions: they record every message
//! and audit batch the chase hands over, and answer as the test says, so a test sees what the
//! workflow did without a store or a mailer.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use chaser_domain::AuditAction;
use chaser_workflows::contracts::{
    AuditBatch, ExpireApproval, ExpiryOutcome, MessageKind, SendRequest, SendResult,
};
use chaser_workflows::invoice_chase::activity_defs;
use chaser_workflows::names;
use jiff::Timestamp;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError, ExecutableActivity};
use temporalio_sdk::{ApplicationFailure, WorkerOptions};

/// How the fake mailer answers one send.
pub enum Answer {
    Result(SendResult),
    /// The provider refused it for good (`EmailRejected`, not retried): the step fails.
    Reject,
}

/// A message the chase asked to send, and when.
#[derive(Debug, Clone)]
pub struct Received {
    pub request: SendRequest,
    pub at: Timestamp,
}

#[derive(Default)]
struct Book {
    sends: Vec<Received>,
    audits: Vec<AuditBatch>,
    /// Answers still to give, by message key; a key with none left is sent.
    answers: BTreeMap<String, VecDeque<Answer>>,
}

impl Book {
    /// Keeps the batch's events the store does not have yet: like the store, each once by
    /// its number.
    fn write(&mut self, mut batch: AuditBatch) {
        let seen: std::collections::BTreeSet<u64> = self
            .audits
            .iter()
            .flat_map(|b| b.events.iter().map(|e| e.seq))
            .collect();
        batch.events.retain(|e| !seen.contains(&e.seq));
        self.audits.push(batch);
    }
}

#[derive(Default)]
pub struct FakeActivities {
    book: Mutex<Book>,
}

impl FakeActivities {
    /// Registers the fakes on the chase's worker and on its sending worker, as the real
    /// worker splits them.
    pub fn register(self: &Arc<Self>, chases: &mut WorkerOptions, sending: &mut WorkerOptions) {
        register(chases, FakeActivities::record_audit, self);
        register(chases, FakeActivities::expire_approval, self);
        register(sending, FakeActivities::send_message, self);
    }

    /// The next send of `key` gets `answer` (answers queue up in order).
    pub fn answer(&self, key: &str, answer: Answer) {
        let mut book = self.book.lock().unwrap();
        book.answers
            .entry(key.to_owned())
            .or_default()
            .push_back(answer);
    }

    pub fn sends(&self) -> Vec<Received> {
        self.book.lock().unwrap().sends.clone()
    }

    /// The keys of every message asked for, in order.
    pub fn keys(&self) -> Vec<String> {
        self.sends().into_iter().map(|r| r.request.key).collect()
    }

    pub fn sends_of(&self, kind: MessageKind) -> Vec<SendRequest> {
        self.sends()
            .into_iter()
            .map(|r| r.request)
            .filter(|r| r.kind == kind)
            .collect()
    }

    /// Every audit action written to the store, in order.
    pub fn audit_actions(&self) -> Vec<AuditAction> {
        let book = self.book.lock().unwrap();
        book.audits
            .iter()
            .flat_map(|b| b.events.iter().map(|e| e.action))
            .collect()
    }

    /// Every audit event's sequence number, in the order the store got them.
    pub fn audit_seqs(&self) -> Vec<u64> {
        let book = self.book.lock().unwrap();
        book.audits
            .iter()
            .flat_map(|b| b.events.iter().map(|e| e.seq))
            .collect()
    }
}

/// Registers one fake, named by its marker.
fn register<A>(options: &mut WorkerOptions, _activity: A, fakes: &Arc<FakeActivities>)
where
    A: ExecutableActivity<Implementer = FakeActivities>,
    A::Input: Send + Sync,
    A::Output: Send + Sync,
{
    options.register_activity::<A>(fakes.clone());
}

#[activities]
impl FakeActivities {
    #[activity(definition = activity_defs::SendMessage)]
    pub async fn send_message(
        self: Arc<Self>,
        _ctx: ActivityContext,
        request: SendRequest,
    ) -> Result<SendResult, ActivityError> {
        let mut book = self.book.lock().unwrap();
        let answer = book
            .answers
            .get_mut(&request.key)
            .and_then(VecDeque::pop_front);
        let key = request.key.clone();
        let written = request.audit_when_sent.clone();
        book.sends.push(Received {
            request,
            at: crate::clock::now(),
        });
        let result = match answer {
            Some(Answer::Result(result)) => Ok(result),
            Some(Answer::Reject) => Err(ActivityError::application(
                ApplicationFailure::builder(format!("{key}: mailbox does not exist"))
                    .type_name(names::failure::EMAIL_REJECTED.to_owned())
                    .non_retryable(true)
                    .build(),
            )),
            None => Ok(SendResult::Sent {
                message_id: format!("msg-{key}"),
            }),
        };
        // The real send writes what the chase foresaw once the message is out.
        if let (Ok(SendResult::Sent { .. }), Some(batch)) = (&result, written) {
            book.write(batch);
        }
        result
    }

    #[activity(definition = activity_defs::RecordAudit)]
    pub async fn record_audit(
        self: Arc<Self>,
        _ctx: ActivityContext,
        batch: AuditBatch,
    ) -> Result<(), ActivityError> {
        self.book.lock().unwrap().write(batch);
        Ok(())
    }

    #[activity(definition = activity_defs::ExpireApproval)]
    pub async fn expire_approval(
        self: Arc<Self>,
        _ctx: ActivityContext,
        _input: ExpireApproval,
    ) -> Result<ExpiryOutcome, ActivityError> {
        Ok(ExpiryOutcome::Expired)
    }
}
