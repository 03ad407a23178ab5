//! `MonthlySummary`: on the 1st (a Temporal Schedule), the month that ended is summarised —
//! receivables, collections, write-offs, aging, promises — and e-mailed to the owner with the
//! CSV attached. The numbers are computed deterministically; a model may write the narrative
//! from the aggregates only.

use std::time::Duration;

use temporalio_common::ActivityError;
use temporalio_macros::{activity_definitions, workflow, workflow_methods};
use temporalio_workflow::{ActivityOptions, RetryPolicy, WorkflowContext, WorkflowResult};

use crate::contracts::{MonthlySummaryInput, MonthlySummaryOutcome};
use crate::names;

/// Implemented in `chaser-api`, which reads the store.
pub struct MonthlySummaryActivities;

#[activity_definitions]
impl MonthlySummaryActivities {
    #[activity(name = names::activity::SEND_MONTHLY_SUMMARY)]
    pub fn send_monthly_summary(
        input: MonthlySummaryInput,
    ) -> Result<MonthlySummaryOutcome, ActivityError> {
        unimplemented!()
    }
}

pub mod activity_defs {
    pub use super::monthly_summary_activities::SendMonthlySummary;
}

#[workflow]
#[derive(Default)]
pub struct MonthlySummary;

#[workflow_methods]
impl MonthlySummary {
    #[run(name = names::workflow::MONTHLY_SUMMARY)]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        input: MonthlySummaryInput,
    ) -> WorkflowResult<MonthlySummaryOutcome> {
        let retry = RetryPolicy::builder()
            .initial_interval(Duration::from_secs(30))
            .backoff_coefficient(2.0)
            .maximum_attempts(5)
            .build();
        let options = ActivityOptions::with_start_to_close_timeout(Duration::from_secs(300))
            .retry_policy(retry)
            .summary("summarise the month and e-mail the owner".to_owned())
            .build();
        Ok(ctx
            .execute_activity(
                MonthlySummaryActivities::send_monthly_summary,
                input,
                options,
            )
            .await?)
    }
}
