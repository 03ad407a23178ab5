//! Riding out Temporal going away: the workers reconnect with backoff, and a probe notices a
//! server that is gone while the workers' own polls retry quietly.

use std::time::Duration;

use chaser_api::state::Health;
use chaser_app::Chaser;
use temporalio_sdk::runtime::Runtime;
use temporalio_sdk::{Worker, WorkerOptions};

/// The first wait before reconnecting to Temporal, and the longest.
const RECONNECT_FIRST: Duration = Duration::from_millis(500);
const RECONNECT_MOST: Duration = Duration::from_secs(10);
/// How often a running worker asks the server whether it is there, and how long it waits for
/// the answer: the workers' own polls retry quietly forever, so without this nobody would
/// notice the server is gone.
const PROBE_EVERY: Duration = Duration::from_secs(2);
const PROBE_WAIT: Duration = Duration::from_secs(3);

/// Doubling waits between reconnection attempts, from [`RECONNECT_FIRST`] to
/// [`RECONNECT_MOST`]; `reset` once the workers poll.
#[derive(Default)]
pub(super) struct Backoff {
    attempts: u32,
}

impl Backoff {
    pub(super) fn next_delay(&mut self) -> Duration {
        let delay = RECONNECT_FIRST
            .saturating_mul(2u32.saturating_pow(self.attempts))
            .min(RECONNECT_MOST);
        self.attempts = self.attempts.saturating_add(1);
        delay
    }

    fn reset(&mut self) {
        self.attempts = 0;
    }
}

/// Whether the Temporal server answers its health check.
async fn probe(client: &temporalio_client::Client) -> Result<(), String> {
    use temporalio_common::protos::grpc::health::v1::HealthCheckRequest;
    let request = HealthCheckRequest {
        service: "temporal.api.workflowservice.v1.WorkflowService".to_owned(),
    };
    match tokio::time::timeout(
        PROBE_WAIT,
        client
            .connection()
            .health_service()
            .check(tonic::Request::new(request)),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(status)) => Err(format!("the server answers {}", status.message())),
        Err(_) => Err(format!(
            "the server gave no answer within {} s",
            PROBE_WAIT.as_secs()
        )),
    }
}

/// The two workers (chases, and sends at the provider's rate), run again on each connection.
pub(super) struct Workers<'a> {
    pub(super) runtime: &'a Runtime,
    pub(super) options: WorkerOptions,
    pub(super) sending_options: WorkerOptions,
    pub(super) chaser: &'a Chaser,
    pub(super) health: &'a Health,
}

/// How one connection's run ended.
enum Ended {
    Signalled,
    /// The server went away or refused the workers; the reason is logged and reported.
    Lost(String),
}

impl Workers<'_> {
    /// Connects, keeps the schedules in step, and runs the workers; when Temporal goes away,
    /// reports it and starts over with backoff. Returns on `signalled`, or on an error no
    /// retry can fix.
    pub(super) async fn run_until(
        &self,
        schedules: crate::sync::Schedules,
        config: &crate::config::Config,
        signalled: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    ) -> anyhow::Result<()> {
        let mut backoff = Backoff::default();
        loop {
            let why = match self.chaser.client() {
                Ok(client) => match self
                    .connected(client, &schedules, &mut backoff, signalled)
                    .await?
                {
                    Ended::Signalled => return Ok(()),
                    Ended::Lost(why) => {
                        // A new connection next time: nothing of the lost one is trusted.
                        self.chaser.set_temporal(Err(why.clone()));
                        why
                    }
                },
                Err(_) => {
                    let connect = crate::context::connect_temporal(config);
                    tokio::select! {
                        connected = connect => match connected {
                            Ok(client) => {
                                self.chaser.set_temporal(Ok(client));
                                continue;
                            }
                            Err(why) => why,
                        },
                        () = signalled.as_mut() => return Ok(()),
                    }
                }
            };
            self.health
                .unhealthy(&format!("reconnecting to Temporal: {why}"));
            let delay = backoff.next_delay();
            tracing::warn!(%why, retry_in_ms = delay.as_millis(), "Temporal is not available: the worker keeps trying");
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = signalled.as_mut() => return Ok(()),
            }
        }
    }

    /// One connection's life: the schedules, then the workers until a signal or a loss.
    async fn connected(
        &self,
        client: temporalio_client::Client,
        schedules: &crate::sync::Schedules,
        backoff: &mut Backoff,
        signalled: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    ) -> anyhow::Result<Ended> {
        let prepare = async {
            schedules.ensure(&client).await?;
            schedules.reconcile_now(&client).await
        };
        tokio::select! {
            prepared = prepare => if let Err(e) = prepared {
                return Ok(Ended::Lost(format!("keeping the schedules: {e:#}")));
            },
            () = signalled.as_mut() => return Ok(Ended::Signalled),
        }
        let mut worker = Worker::new(self.runtime, client.clone(), self.options.clone())
            .map_err(|e| anyhow::anyhow!("starting the worker: {e}"))?;
        let mut sending = Worker::new(self.runtime, client.clone(), self.sending_options.clone())
            .map_err(|e| anyhow::anyhow!("starting the sending worker: {e}"))?;
        let (stop_main, stop_sending) = (worker.shutdown_handle(), sending.shutdown_handle());
        let stop_both = || {
            stop_main();
            stop_sending();
        };
        self.health.healthy();
        backoff.reset();
        tracing::info!("connected to Temporal: polling");
        // `Worker::run` is not `Send`: both run on this task. Either one ending, for a signal
        // or an error, ends the other.
        let run = async {
            let main = async {
                let result = worker.run().await;
                stop_sending();
                result
            };
            let sending_run = async {
                let result = sending.run().await;
                stop_main();
                result
            };
            tokio::join!(main, sending_run)
        };
        let mut was_signalled = false;
        let watch = async {
            let mut down = false;
            loop {
                tokio::select! {
                    () = signalled.as_mut(), if !was_signalled => {
                        tracing::info!("shutting down");
                        was_signalled = true;
                        stop_both();
                    }
                    () = tokio::time::sleep(PROBE_EVERY) => match probe(&client).await {
                        Ok(()) if down => {
                            down = false;
                            tracing::info!("Temporal answers again: polling");
                            self.chaser.set_temporal(Ok(client.clone()));
                            self.health.healthy();
                            if let Err(e) = schedules.reconcile_now(&client).await {
                                tracing::warn!(error = %format!("{e:#}"), "the reconciler did not start: it runs at its interval");
                            }
                        }
                        Ok(()) => {}
                        Err(why) => {
                            if !down {
                                tracing::warn!(%why, "Temporal does not answer: the workers keep polling");
                            }
                            down = true;
                            self.chaser.set_temporal(Err(format!("Temporal does not answer: {why}")));
                            self.health.unhealthy(&format!("Temporal does not answer: {why}"));
                        }
                    },
                }
            }
        };
        let (result, sending_result) = tokio::select! {
            results = run => results,
            never = watch => never,
        };
        if was_signalled {
            result.map_err(|e| anyhow::anyhow!("worker: {e}"))?;
            sending_result.map_err(|e| anyhow::anyhow!("sending worker: {e}"))?;
            return Ok(Ended::Signalled);
        }
        let why = match (result, sending_result) {
            (Err(e), _) => format!("the worker stopped: {e}"),
            (_, Err(e)) => format!("the sending worker stopped: {e}"),
            (Ok(()), Ok(())) => "the workers stopped".to_owned(),
        };
        Ok(Ended::Lost(why))
    }
}
