//! Baselines measured in the same run as the chaser, served by an in-process worker: the
//! intake's (the same client starts N trivial workflows, one timer and no activity, with as
//! many starts in flight as `chaser import` keeps) and the stop's (a bare workflow that
//! closes on a signal).

use std::time::{Duration, Instant, SystemTime};

use futures::{StreamExt, TryStreamExt};
use temporalio_client::{Client, WorkflowSignalOptions, WorkflowStartOptions};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::runtime::{Runtime, RuntimeOptions};
use temporalio_sdk::{Worker, WorkerOptions};
use temporalio_workflow::{SyncWorkflowContext, WorkflowContext, WorkflowResult};

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

#[workflow]
#[derive(Default)]
pub struct ClosesOnSignal {
    closing: bool,
}

#[workflow_methods]
impl ClosesOnSignal {
    #[run(name = "bench_closes_on_signal")]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<()> {
        ctx.wait_condition(|s| s.closing).await?;
        Ok(())
    }

    #[signal(name = "close")]
    pub fn close(&mut self, _ctx: &mut SyncWorkflowContext<Self>, _input: ()) {
        self.closing = true;
    }
}

/// Starts `n` bare workflows on `task_queue`, then signals one every `spacing` and returns,
/// per workflow, the time from sending its signal to the close the server recorded (ms).
pub async fn signal_to_close(
    client: &Client,
    task_queue: &str,
    n: usize,
    spacing: Duration,
) -> anyhow::Result<Vec<f64>> {
    let runtime = Runtime::from_current_tokio(RuntimeOptions::default())
        .map_err(|e| anyhow::anyhow!("Temporal runtime: {e}"))?;
    let options = WorkerOptions::new(task_queue.to_owned())
        .register_workflow::<ClosesOnSignal>()
        .map_err(|e| anyhow::anyhow!("registering the bare workflow: {e}"))?
        .build();
    let mut worker = Worker::new(&runtime, client.clone(), options)
        .map_err(|e| anyhow::anyhow!("starting the baseline worker: {e}"))?;
    let stop = worker.shutdown_handle();
    let id = |i: usize| format!("{task_queue}-{i}");
    let measured = async {
        let result = async {
            for i in 0..n {
                let options = WorkflowStartOptions::new(task_queue.to_owned(), id(i)).build();
                client
                    .start_workflow(ClosesOnSignal::run, (), options)
                    .await?;
            }
            let running = format!("TaskQueue = '{task_queue}' AND ExecutionStatus = 'Running'");
            crate::stack::wait_count(client, &running, n, crate::stack::patience(n)).await?;
            let mut sent = Vec::with_capacity(n);
            for i in 0..n {
                sent.push(SystemTime::now());
                client
                    .get_workflow_handle::<ClosesOnSignal>(id(i))
                    .signal(ClosesOnSignal::close, (), WorkflowSignalOptions::default())
                    .await?;
                tokio::time::sleep(spacing).await;
            }
            let closed = format!("TaskQueue = '{task_queue}' AND ExecutionStatus = 'Completed'");
            crate::stack::wait_count(client, &closed, n, crate::stack::patience(n)).await?;
            let mut latencies = Vec::with_capacity(n);
            for (i, sent) in sent.into_iter().enumerate() {
                let closed = crate::stack::close_time(client, &id(i))
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("{} has no close time", id(i)))?;
                latencies.push(
                    closed
                        .duration_since(sent)
                        .unwrap_or_default()
                        .as_secs_f64()
                        * 1000.0,
                );
            }
            Ok(latencies)
        }
        .await;
        stop();
        result
    };
    let (ran, measured) = tokio::join!(worker.run(), measured);
    ran.map_err(|e| anyhow::anyhow!("baseline worker: {e}"))?;
    measured
}
