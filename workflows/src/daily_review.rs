//! `DailyReview`: each morning (a Temporal Schedule at the configured hour in the company's
//! time zone) every owner with something to look at gets the review e-mail: today's moves,
//! what is overdue, escalated, disputed, paused, failed or waiting for approval, with
//! one-tap actions.

use std::time::Duration;

use temporalio_common::ActivityError;
use temporalio_macros::{activity_definitions, workflow, workflow_methods};
use temporalio_workflow::{ActivityOptions, RetryPolicy, WorkflowContext, WorkflowResult};

use crate::contracts::{DailyReviewInput, DailyReviewOutcome};
use crate::names;

/// Implemented in `chaser-api`, which reads the chases' status.
pub struct DailyReviewActivities;

#[activity_definitions]
impl DailyReviewActivities {
    /// Builds and e-mails each owner's review.
    #[activity(name = names::activity::SEND_DIGESTS)]
    pub fn send_digests(input: DailyReviewInput) -> Result<DailyReviewOutcome, ActivityError> {
        unimplemented!()
    }
}

pub mod activity_defs {
    pub use super::daily_review_activities::SendDigests;
}

#[workflow]
#[derive(Default)]
pub struct DailyReview;

#[workflow_methods]
impl DailyReview {
    #[run(name = names::workflow::DAILY_REVIEW)]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        input: DailyReviewInput,
    ) -> WorkflowResult<DailyReviewOutcome> {
        let retry = RetryPolicy::builder()
            .initial_interval(Duration::from_secs(10))
            .backoff_coefficient(2.0)
            .maximum_attempts(5)
            .build();
        let options = ActivityOptions::with_start_to_close_timeout(Duration::from_secs(300))
            .retry_policy(retry)
            .summary("e-mail the owners' review".to_owned())
            .build();
        Ok(ctx
            .execute_activity(DailyReviewActivities::send_digests, input, options)
            .await?)
    }
}
