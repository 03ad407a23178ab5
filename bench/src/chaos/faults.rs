//! The faults injected besides the provider's: worker kills, Temporal server restarts and
//! cut store connections, directed in time order.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use chaser_tests::{Chaser, DevServer, Service};

use crate::ses_front::{Fault, FaultCounts};

use super::doors::Run;
use super::plan::{Episode, Rng};

/// The worker process, killed and started again; notes any exit it made by itself.
pub(super) struct Workers<'a> {
    pub(super) chaser: &'a Chaser,
    pub(super) current: Option<Service>,
    pub(super) starts: usize,
    pub(super) kills: usize,
    pub(super) self_exits: Vec<String>,
}

impl<'a> Workers<'a> {
    pub(super) fn new(chaser: &'a Chaser) -> Workers<'a> {
        let mut workers = Workers {
            chaser,
            current: None,
            starts: 0,
            kills: 0,
            self_exits: Vec::new(),
        };
        workers.spawn();
        workers
    }

    pub(super) fn log(&self) -> std::path::PathBuf {
        self.chaser.dir.join(format!("worker-{}.log", self.starts))
    }

    pub(super) fn spawn(&mut self) {
        self.starts += 1;
        let mut cmd = self.chaser.command();
        cmd.arg("worker");
        self.current = Some(Service::spawn("chaser worker", cmd, &self.log()));
    }

    /// Whether the worker still runs; one that ended by itself is noted and started again.
    pub(super) fn check(&mut self) -> bool {
        let running = self.current.as_mut().is_some_and(Service::is_running);
        if !running {
            self.self_exits.push(self.log().display().to_string());
            self.spawn();
        }
        running
    }

    pub(super) fn kill_and_restart(&mut self) {
        if self.check()
            && let Some(mut worker) = self.current.take()
        {
            worker.signal("KILL");
            self.kills += 1;
            self.spawn();
        }
    }
}

/// What the director injected besides worker kills.
#[derive(Default)]
pub(super) struct Injected {
    pub(super) server_restarts: usize,
    pub(super) down_periods: usize,
    pub(super) down_seconds: u64,
    pub(super) store_cuts: usize,
    pub(super) connections_cut: u64,
    pub(super) episodes: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Event {
    RestartServer,
    Provider(Episode),
    CutStore,
}

/// Runs the server, provider and store faults in time order.
pub(super) fn direct(
    run: &Run<'_>,
    server: &mut DevServer,
    rng: &mut Rng,
) -> anyhow::Result<Injected> {
    let plan = run.plan;
    let mut events: Vec<(Duration, Event)> = plan
        .server_restarts
        .iter()
        .map(|t| (Duration::from_secs(*t), Event::RestartServer))
        .chain(
            plan.provider
                .iter()
                .map(|(t, e)| (Duration::from_secs(*t), Event::Provider(*e))),
        )
        .collect();
    let mut at = rng.seconds(plan.cut_between);
    while at < plan.chaos {
        events.push((at, Event::CutStore));
        at += rng.seconds(plan.cut_between);
    }
    events.sort_by_key(|(t, _)| *t);
    let database = run
        .chaser
        .database_url
        .rsplit_once('/')
        .map(|(_, db)| db.to_owned())
        .context("no database in the chaser's URL")?;
    let mut done = Injected::default();
    for (t, event) in events {
        run.until(t);
        match event {
            Event::RestartServer => {
                server.kill();
                std::thread::sleep(Duration::from_secs(3));
                server.start();
                done.server_restarts += 1;
            }
            Event::Provider(Episode::Down(length)) => {
                run.front.go_down();
                std::thread::sleep(length);
                run.runtime.block_on(run.front.come_up())?;
                done.down_periods += 1;
                done.down_seconds += length.as_secs();
                done.episodes.push(format!(
                    "down at {:.0} s for {} s",
                    t.as_secs_f64(),
                    length.as_secs()
                ));
            }
            Event::Provider(Episode::Faulty(fault, at_least)) => {
                let served = |c: FaultCounts| match fault {
                    Fault::ServerError => c.server_errors,
                    Fault::Throttle => c.throttled,
                    Fault::Hold(_) => c.held,
                };
                let before = served(run.front.counts());
                let began = Instant::now();
                run.front.set_fault(Some(fault));
                std::thread::sleep(at_least);
                // Until a send met it: a fault no send met was not injected.
                while served(run.front.counts()) == before
                    && began.elapsed() < Duration::from_secs(120)
                {
                    std::thread::sleep(Duration::from_millis(100));
                }
                run.front.set_fault(None);
                done.episodes.push(format!(
                    "{fault:?} at {:.0} s for {:.0} s",
                    t.as_secs_f64(),
                    began.elapsed().as_secs_f64()
                ));
            }
            Event::CutStore => {
                if let Ok(cut) = run
                    .runtime
                    .block_on(cut_connections(&run.chaser.database_url, &database))
                {
                    done.store_cuts += 1;
                    done.connections_cut += cut;
                }
            }
        }
    }
    Ok(done)
}

/// Terminates every other connection to `database`; returns how many.
pub(super) async fn cut_connections(url: &str, database: &str) -> anyhow::Result<u64> {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let cut: i64 = sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(database)
    .fetch_one(&mut conn)
    .await?;
    conn.close().await?;
    Ok(u64::try_from(cut).unwrap_or(0))
}

/// Outbox rows still claimed at the end: how many were handed to the provider first.
pub(super) async fn open_claims_handed(url: &str) -> anyhow::Result<i64> {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let handed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE status = 'sending' AND handed_at IS NOT NULL",
    )
    .fetch_one(&mut conn)
    .await?;
    conn.close().await?;
    Ok(handed)
}
