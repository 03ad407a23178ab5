//! Heartbeats for long activities: Temporal notices within the heartbeat timeout, not at the
//! end of the start-to-close timeout, that the worker running an attempt died, and tries again.

use std::future::Future;
use std::time::Duration;

use temporalio_sdk::activities::ActivityContext;

/// Runs `work`, recording a heartbeat every `every` until it is done. Pick `every` well
/// inside the activity's heartbeat timeout (a quarter of it).
pub async fn beating<T>(
    ctx: &ActivityContext,
    every: Duration,
    work: impl Future<Output = T>,
) -> T {
    tokio::pin!(work);
    let mut beat = tokio::time::interval(every);
    loop {
        tokio::select! {
            done = &mut work => return done,
            _ = beat.tick() => {
                if let Err(e) = ctx.record_heartbeat(()).await {
                    tracing::warn!(error.message = %e, "a heartbeat was not recorded");
                }
            }
        }
    }
}
