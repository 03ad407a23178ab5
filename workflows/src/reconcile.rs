//! `Reconcile`: on a Temporal Schedule (every `reconcile.interval`), compares the store with
//! Temporal and repairs what drifted: commands the chases never got, open invoices without a
//! chase, closed invoices whose chase still runs. The survey and the repairs are one activity,
//! implemented in `chaser-app`, which owns the command path.

use std::time::Duration;

use temporalio_common::ActivityError;
use temporalio_macros::{activity_definitions, workflow, workflow_methods};
use temporalio_workflow::{ActivityOptions, RetryPolicy, WorkflowContext, WorkflowResult};

use crate::contracts::{ReconcileInput, ReconcileOutcome};
use crate::names;

/// A worker that dies mid-run is noticed this soon: until then the schedule skips every
/// later run, and commands wait in the journal.
pub const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(20);

pub struct ReconcileActivities;

#[activity_definitions]
impl ReconcileActivities {
    /// Surveys the store and Temporal and repairs each difference, audited.
    #[activity(name = names::activity::RECONCILE)]
    pub fn reconcile(input: ReconcileInput) -> Result<ReconcileOutcome, ActivityError> {
        unimplemented!()
    }
}

pub mod activity_defs {
    pub use super::reconcile_activities::Reconcile;
}

#[workflow]
#[derive(Default)]
pub struct Reconcile;

#[workflow_methods]
impl Reconcile {
    #[run(name = names::workflow::RECONCILE)]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        input: ReconcileInput,
    ) -> WorkflowResult<ReconcileOutcome> {
        // A failed run is simply the next run's work: no long retries that overlap it.
        let retry = RetryPolicy::builder()
            .initial_interval(Duration::from_secs(5))
            .maximum_attempts(3)
            .build();
        let options = ActivityOptions::with_start_to_close_timeout(Duration::from_secs(600))
            .heartbeat_timeout(HEARTBEAT_TIMEOUT)
            .retry_policy(retry)
            .summary("repair drift between the store and Temporal".to_owned())
            .build();
        Ok(ctx
            .execute_activity(ReconcileActivities::reconcile, input, options)
            .await?)
    }
}
