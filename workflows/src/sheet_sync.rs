//! `SheetSync`: one run of a scheduled export sync. A Temporal Schedule per `[[sync]]` source
//! starts it (every 15 minutes by default); the activity reads the export, diffs it against the
//! source's last snapshot and applies the changes idempotently, so a retried or overlapping run
//! never acts twice.

use std::time::Duration;

use temporalio_common::ActivityError;
use temporalio_macros::{activity_definitions, workflow, workflow_methods};
use temporalio_workflow::{ActivityOptions, RetryPolicy, WorkflowContext, WorkflowResult};

use crate::contracts::{SheetSyncInput, SheetSyncOutcome};
use crate::names;

/// The activity a sync calls; implemented in `chaser-api`, which owns the operations that
/// start and signal chases.
pub struct SheetSyncActivities;

#[activity_definitions]
impl SheetSyncActivities {
    /// Reads the source's export and applies what changed since the last run.
    #[activity(name = names::activity::SYNC_SHEET)]
    pub fn sync_sheet(input: SheetSyncInput) -> Result<SheetSyncOutcome, ActivityError> {
        unimplemented!()
    }
}

/// The activity markers, for `#[activity(definition = ...)]` in the implementing crate.
pub mod activity_defs {
    pub use super::sheet_sync_activities::SyncSheet;
}

#[workflow]
#[derive(Default)]
pub struct SheetSync;

#[workflow_methods]
impl SheetSync {
    #[run(name = names::workflow::SHEET_SYNC)]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        input: SheetSyncInput,
    ) -> WorkflowResult<SheetSyncOutcome> {
        // A source that cannot be read now is tried a few times; the next scheduled run tries
        // again after that, and a broken export is reported as the run's failure.
        let retry = RetryPolicy::builder()
            .initial_interval(Duration::from_secs(5))
            .backoff_coefficient(2.0)
            .maximum_attempts(3)
            .non_retryable_error_types([names::failure::SOURCE_UNUSABLE])
            .build();
        let summary = format!("sync `{}`", input.source);
        let options = ActivityOptions::with_start_to_close_timeout(Duration::from_secs(300))
            .retry_policy(retry)
            .summary(summary)
            .build();
        Ok(ctx
            .execute_activity(SheetSyncActivities::sync_sheet, input, options)
            .await?)
    }
}
