//! `InvoiceProposal`: one forwarded invoice document, from its text to a chase. The fields are
//! read and validated, the owner gets a one-tap approval link, and only the owner's approval
//! starts a chase: nothing read from a document reaches a customer before that. Rejected and
//! expired proposals are closed and audited.

use std::time::Duration;

use temporalio_common::ActivityError;
use temporalio_common::error::IncomingError;
use temporalio_macros::{activity_definitions, workflow, workflow_methods};
use temporalio_workflow::{
    ActivityExecutionError, ActivityOptions, CancellableFuture, RetryPolicy, SyncWorkflowContext,
    TimerOptions, WorkflowContext, WorkflowContextView, WorkflowResult, workflows::select,
};

use crate::contracts::{
    ApprovalRequested, CloseProposal, DocumentRef, ProposalDecisionSignal, ProposalInput,
    ProposalOutcome, ProposalReady, ProposalState,
};
use crate::names;

/// The activities of a proposal; implemented in `chaser-api`, whose operations start chases.
pub struct ProposalActivities;

#[activity_definitions]
impl ProposalActivities {
    /// Reads the document's text and proposes the invoice fields; stores the proposal.
    #[activity(name = names::activity::PROPOSE_INVOICE)]
    pub fn propose_invoice(input: DocumentRef) -> Result<ProposalReady, ActivityError> {
        unimplemented!()
    }

    /// E-mails the owner the signed approval link.
    #[activity(name = names::activity::REQUEST_PROPOSAL_APPROVAL)]
    pub fn request_proposal_approval(
        input: DocumentRef,
    ) -> Result<ApprovalRequested, ActivityError> {
        unimplemented!()
    }

    /// Starts the chase of the approved invoice; returns its number.
    #[activity(name = names::activity::ACCEPT_PROPOSAL)]
    pub fn accept_proposal(input: DocumentRef) -> Result<String, ActivityError> {
        unimplemented!()
    }

    #[activity(name = names::activity::CLOSE_PROPOSAL)]
    pub fn close_proposal(input: CloseProposal) -> Result<(), ActivityError> {
        unimplemented!()
    }
}

pub mod activity_defs {
    pub use super::proposal_activities::{
        AcceptProposal, CloseProposal, ProposeInvoice, RequestProposalApproval,
    };
}

#[workflow]
#[derive(Default)]
pub struct InvoiceProposal {
    decision: Option<ProposalDecisionSignal>,
}

fn options(summary: &str) -> ActivityOptions {
    let retry = RetryPolicy::builder()
        .initial_interval(Duration::from_secs(2))
        .backoff_coefficient(2.0)
        .maximum_interval(Duration::from_secs(60))
        .maximum_attempts(8)
        .non_retryable_error_types([names::failure::DOCUMENT_UNUSABLE])
        .build();
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(120))
        .retry_policy(retry)
        .summary(summary.to_owned())
        .build()
}

fn reason(error: &ActivityExecutionError) -> String {
    match error {
        ActivityExecutionError::Failed(f) => match f.cause() {
            Some(IncomingError::Application(app)) => app.to_string(),
            Some(other) => other.failure().message.clone(),
            None => f.failure().message.clone(),
        },
        other => other.to_string(),
    }
}

#[workflow_methods]
impl InvoiceProposal {
    #[run(name = names::workflow::INVOICE_PROPOSAL)]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        input: ProposalInput,
    ) -> WorkflowResult<ProposalOutcome> {
        let document = DocumentRef {
            document_id: input.document_id.clone(),
        };
        let outcome =
            |state: ProposalState, invoice: Option<String>, reason: String| ProposalOutcome {
                document_id: input.document_id.clone(),
                state,
                invoice,
                reason,
            };
        let close = |state: ProposalState, by: &str, reason: &str| CloseProposal {
            document_id: input.document_id.clone(),
            state,
            by: by.to_owned(),
            reason: reason.to_owned(),
        };

        let read = ctx
            .execute_activity(
                ProposalActivities::propose_invoice,
                document.clone(),
                options("read the document"),
            )
            .await;
        if let Err(error) = read {
            let why = reason(&error);
            ctx.execute_activity(
                ProposalActivities::close_proposal,
                close(ProposalState::Failed, "system", &why),
                options("failed"),
            )
            .await?;
            return Ok(outcome(ProposalState::Failed, None, why));
        }
        let requested = ctx
            .execute_activity(
                ProposalActivities::request_proposal_approval,
                document.clone(),
                options("ask the owner"),
            )
            .await?;

        let now = jiff::Timestamp::try_from(ctx.workflow_time().unwrap_or(std::time::UNIX_EPOCH))
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let wait = now.duration_until(requested.expires_at).unsigned_abs();
        let expires = requested
            .expires_at
            .strftime("%Y-%m-%d %H:%M UTC")
            .to_string();
        let mut timer = std::pin::pin!(
            ctx.timer(
                TimerOptions::builder(wait)
                    .summary(format!("approval link expires · {expires}"))
                    .build()
            )
        );
        let decided = select! {
            _ = timer.as_mut() => false,
            woken = ctx.wait_condition(|s| s.decision.is_some()) => { woken?; true },
        };
        if decided {
            timer.cancel();
        }
        match ctx.state(|s| s.decision.clone()) {
            Some(ProposalDecisionSignal { approve: true, .. }) => {
                let invoice = ctx
                    .execute_activity(
                        ProposalActivities::accept_proposal,
                        document,
                        options("start the chase"),
                    )
                    .await?;
                Ok(outcome(
                    ProposalState::Approved,
                    Some(invoice),
                    String::new(),
                ))
            }
            Some(ProposalDecisionSignal { by, .. }) => {
                ctx.execute_activity(
                    ProposalActivities::close_proposal,
                    close(ProposalState::Rejected, &by, "rejected by the owner"),
                    options("rejected"),
                )
                .await?;
                Ok(outcome(
                    ProposalState::Rejected,
                    None,
                    format!("rejected by {by}"),
                ))
            }
            None => {
                let why = format!("nobody approved it before {expires}");
                ctx.execute_activity(
                    ProposalActivities::close_proposal,
                    close(ProposalState::Expired, "system", &why),
                    options("expired"),
                )
                .await?;
                Ok(outcome(ProposalState::Expired, None, why))
            }
        }
    }

    /// The first decision counts; the link is single-use, so a second one means a race.
    #[signal(name = names::signal::PROPOSAL_DECISION)]
    pub fn decide(&mut self, _ctx: &mut SyncWorkflowContext<Self>, input: ProposalDecisionSignal) {
        if self.decision.is_none() {
            self.decision = Some(input);
        }
    }

    #[query(name = names::query::DECISION)]
    pub fn decision(&self, _ctx: &WorkflowContextView) -> Option<ProposalDecisionSignal> {
        self.decision.clone()
    }
}
