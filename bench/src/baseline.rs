//! The intake baseline: the same client starts N trivial workflows (one timer, no activity)
//! with as many starts in flight as `chaser import` keeps, served by an in-process worker.

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use temporalio_client::{Client, WorkflowStartOptions};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::runtime::{Runtime, RuntimeOptions};
use temporalio_sdk::{Worker, WorkerOptions};
use temporalio_workflow::{WorkflowContext, WorkflowResult};

#[workflow]
#[derive(Default)]
pub struct TrivialTimer;

#[workflow_methods]
impl TrivialTimer {
    #[run(name = "bench_trivial_timer")]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<()> {
        ctx.timer(Duration::from_secs(24 * 3600)).await;
        Ok(())
    }
}

/// Starts `n` trivial workflows on `task_queue` and waits until visibility shows them all
/// running; returns the time that took.
pub async fn start_trivial(
    client: &Client,
    task_queue: &str,
    n: usize,
) -> anyhow::Result<Duration> {
    let runtime = Runtime::from_current_tokio(RuntimeOptions::default())
        .map_err(|e| anyhow::anyhow!("Temporal runtime: {e}"))?;
    let options = WorkerOptions::new(task_queue.to_owned())
        .register_workflow::<TrivialTimer>()
        .map_err(|e| anyhow::anyhow!("registering the trivial workflow: {e}"))?
        .build();
    let mut worker = Worker::new(&runtime, client.clone(), options)
        .map_err(|e| anyhow::anyhow!("starting the baseline worker: {e}"))?;
    let stop = worker.shutdown_handle();
    let measured = async {
        let started = Instant::now();
        let result = async {
            futures::stream::iter(0..n)
                .map(|i| {
                    let options = WorkflowStartOptions::new(
                        task_queue.to_owned(),
                        format!("{task_queue}-{i}"),
                    )
                    .build();
                    client.start_workflow(TrivialTimer::run, (), options)
                })
                .buffer_unordered(chaser_app::sheet::IMPORT_CONCURRENCY)
                .try_for_each(|_| async { Ok(()) })
                .await?;
            let query = format!("TaskQueue = '{task_queue}' AND ExecutionStatus = 'Running'");
            crate::stack::wait_count(client, &query, n, crate::stack::patience(n)).await
        }
        .await;
        stop();
        result.map(|done| done.duration_since(started))
    };
    let (ran, measured) = tokio::join!(worker.run(), measured);
    ran.map_err(|e| anyhow::anyhow!("baseline worker: {e}"))?;
    measured
}
