//! `scale`: one company with 100,000 open invoices on Postgres. How long the import takes
//! against the server's own start rate, what the sleeping fleet costs the worker, and whether
//! the owner's reads (the daily review, the cockpit, the aging report) stay quick and ask no
//! chase anything at that size.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::StreamExt as _;
use sqlx::Connection as _;
use temporalio_client::WorkflowListOptions;
use temporalio_client::schedules::ScheduleOverlapPolicy;

use crate::report::Run;
use crate::stack;

use super::scale::import_against_baseline;
use super::{STORE_NOTE, chaser_with, day_rules, ms, size_knob, sleeping_invoices};

/// The open invoices, unless `BENCH_SCALE_N` says otherwise (to try the scenario small).
const INVOICES: usize = 100_000;
const SIZE_KNOB: &str = "BENCH_SCALE_N";
/// How long the fleet sleeps before its memory is read again.
const SOAK: Duration = Duration::from_secs(120);

pub fn scale(run: usize) -> anyhow::Result<Run> {
    let n = size_knob(SIZE_KNOB, INVOICES)?;
    let (runtime, client) = stack::start()?;
    let name = "scale";
    let metrics_port = chaser_tests::free_port();
    let chaser = chaser_with(
        name,
        &day_rules(),
        &[("metrics.listen", format!("127.0.0.1:{metrics_port}").into())],
    );
    let pid = chaser.worker_pid().context("no worker")?;
    let queue = stack::task_queue(name);
    let csv = chaser.csv("invoices.csv", &sleeping_invoices("SC", n));
    let baseline_queue = format!("baseline-scale-{}", std::process::id());
    let ((running, planned), trivial) = import_against_baseline(
        &runtime,
        &client,
        &chaser,
        (&queue, &csv, n),
        &baseline_queue,
        run,
    )?;
    // Let the last workflow tasks and audit writes finish.
    std::thread::sleep(Duration::from_secs(10));
    let imported = stack::process_use(pid)?;
    std::thread::sleep(SOAK);
    let soaked = stack::process_use(pid)?;

    let queries_before = chase_queries(metrics_port)?;
    let review = runtime.block_on(daily_review(&client, &queue))?;
    let started = Instant::now();
    chaser.ok(&["report", "aging"]);
    let aging = started.elapsed();
    let bearer = format!("Bearer {}", chaser.secrets.api);
    let started = Instant::now();
    let page = chaser_tests::get_with(&chaser.url("/review"), &[("Authorization", &bearer)]);
    let cockpit = started.elapsed();
    let queries = chase_queries(metrics_port)? - queries_before;
    let read = stack::process_use(pid)?;
    let store = runtime.block_on(store_size(&chaser.database_url))?;

    let mut out = Run::default();
    out.check(page.status == 200, || {
        format!("GET /review answered {}: {}", page.status, page.body)
    });
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    out.figure("import: running", "chases/s", rate(running));
    out.figure(
        "import: planned (first task done)",
        "chases/s",
        rate(planned),
    );
    out.figure(
        "baseline: trivial workflows running",
        "workflows/s",
        rate(trivial),
    );
    out.figure("import ÷ baseline", "", rate(running) / rate(trivial));
    out.figure(
        "import: until every chase planned",
        "s",
        planned.as_secs_f64(),
    );
    out.figure("worker RSS after the import", "MiB", imported.rss_mib);
    out.figure(
        &format!("worker RSS after {} s asleep", SOAK.as_secs()),
        "MiB",
        soaked.rss_mib,
    );
    out.figure(
        "worker RSS after the review and the cockpit",
        "MiB",
        read.rss_mib,
    );
    out.figure("worker peak RSS (VmHWM)", "MiB", read.peak_mib);
    out.figure("daily review (workflow start → close)", "ms", ms(review));
    out.figure("aging report (`chaser report aging`)", "ms", ms(aging));
    out.figure("cockpit (GET /review)", "ms", ms(cockpit));
    out.figure(
        "workflow queries by the review, report and cockpit",
        "",
        queries,
    );
    out.figure("store size", "MiB", store.bytes / 1024.0 / 1024.0);
    out.figure(
        "store size per invoice",
        "KiB",
        store.bytes / 1024.0 / n as f64,
    );
    out.figure("audit rows per invoice", "", store.audit_rows / n as f64);
    out.note(format!(
        "{n} invoices (net-30, due in 30 days, each its own customer and contact, one owner) imported with `chaser import` of one CSV, timed from the command's start until visibility shows every chase Running, and until every chase has run its first task (its `chase_started` in the store). Baseline: the same temporalio-client starts {n} trivial workflows (one 24 h timer), {} in flight like the import, timed until visibility shows them Running; the order alternates per run. Size: `{SIZE_KNOB}` (default {INVOICES}).",
        chaser_app::sheet::IMPORT_CONCURRENCY
    ));
    out.note(format!(
        "Worker memory from /proc/<pid>/status: 10 s after the last chase was planned, then after {} s with every chase asleep (a bounded soak, not an hour), then after the reads below.",
        SOAK.as_secs()
    ));
    out.note("Reads, one after the other: the daily review's schedule triggered as an operator would (time from the workflow's start to its close, as the server recorded them; the review builds each owner's digest from the store and e-mails it); `chaser report aging` (the whole command, connecting included); `GET /review` with the owner's token. Queries: the worker's `chaser_chase_queries_total` (its /metrics) before and after them.");
    out.note("Store size: Postgres `pg_database_size` of the run's database after the reads; audit rows: `count(*)` of `audit_log`.");
    out.note(STORE_NOTE);
    drop(runtime);
    Ok(out)
}

/// Triggers the daily review's schedule and waits for its run to close; returns how long
/// the run took, by the server's start and close times.
async fn daily_review(client: &temporalio_client::Client, queue: &str) -> anyhow::Result<Duration> {
    let id = chaser_workflows::names::daily_review_schedule_id(queue);
    client
        .get_schedule_handle(id.clone())
        .trigger(ScheduleOverlapPolicy::AllowAll, Default::default())
        .await
        .with_context(|| format!("triggering {id}"))?;
    let closed = format!(
        "WorkflowType = '{}' AND TaskQueue = '{queue}' AND ExecutionStatus != 'Running'",
        chaser_workflows::names::workflow::DAILY_REVIEW
    );
    stack::wait_count(client, &closed, 1, Duration::from_secs(900)).await?;
    let mut runs = client.list_workflows(closed.clone(), WorkflowListOptions::default());
    let run = runs
        .next()
        .await
        .context("the review's run is not listed")??;
    anyhow::ensure!(
        run.status() == temporalio_client::WorkflowExecutionStatus::Completed,
        "the daily review ended {:?}",
        run.status()
    );
    let (Some(start), Some(close)) = (run.start_time(), run.close_time()) else {
        anyhow::bail!("the review's run has no start or close time");
    };
    Ok(close.duration_since(start).unwrap_or_default())
}

/// The workflow queries the worker has made, by its `chaser_chase_queries_total` counters.
fn chase_queries(metrics_port: u16) -> anyhow::Result<f64> {
    let page = chaser_tests::get(&format!("http://127.0.0.1:{metrics_port}/metrics"));
    anyhow::ensure!(page.status == 200, "/metrics answered {}", page.status);
    Ok(page
        .body
        .lines()
        .filter(|l| l.starts_with("chaser_chase_queries_total"))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum())
}

struct StoreSize {
    bytes: f64,
    audit_rows: f64,
}

async fn store_size(database_url: &str) -> anyhow::Result<StoreSize> {
    let mut db = sqlx::PgConnection::connect(database_url)
        .await
        .context("connecting to the run's database")?;
    let (bytes,): (i64,) = sqlx::query_as("select pg_database_size(current_database())")
        .fetch_one(&mut db)
        .await?;
    let (audit_rows,): (i64,) = sqlx::query_as("select count(*) from audit_log")
        .fetch_one(&mut db)
        .await?;
    Ok(StoreSize {
        bytes: bytes as f64,
        audit_rows: audit_rows as f64,
    })
}
