//! What every run uses: the harness's services, a Temporal client, visibility counts,
//! generated invoices and `/proc` readings.

use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use temporalio_client::{
    Client, ClientOptions, Connection, ConnectionOptions, WorkflowCountOptions,
    WorkflowDescribeOptions, WorkflowFetchHistoryOptions,
};

/// The line that tells the parent which folder to remove after the run.
pub const SCRATCH: &str = "SCRATCH ";

/// Starts this run's dev server and SES emulator, and a runtime for the async parts.
pub fn start() -> anyhow::Result<(tokio::runtime::Runtime, Client)> {
    chaser_tests::keep_server_in_memory();
    let stack = chaser_tests::stack();
    println!("{SCRATCH}{}", stack.dir.display());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let client = runtime.block_on(connect(&stack.temporal_address))?;
    Ok((runtime, client))
}

/// This run's `codec.key`: every chaser of the run seals with it, and the bench's client
/// opens with it.
pub fn codec_key() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| chaser_tests::Secrets::random().codec_key)
}

async fn connect(address: &str) -> anyhow::Result<Client> {
    let url: temporalio_client::Url = format!("http://{address}").parse()?;
    let connection = Connection::connect(ConnectionOptions::new(url).build())
        .await
        .context("connecting to Temporal")?;
    let mut options = ClientOptions::new("default").build();
    let mut secrets = chaser_tests::Secrets::random();
    secrets.codec_key = codec_key().to_owned();
    options.data_converter = secrets.codec().data_converter();
    Ok(Client::new(connection, options)?)
}

/// How many workflows visibility finds for `query`.
pub async fn count(client: &Client, query: &str) -> anyhow::Result<usize> {
    Ok(client
        .count_workflows(query, WorkflowCountOptions::default())
        .await
        .with_context(|| format!("counting {query}"))?
        .count())
}

/// How long to wait for `n` workflows to show in visibility: ten minutes, and 50 ms more per
/// workflow (a server that starts only 20 a second).
pub fn patience(n: usize) -> Duration {
    Duration::from_secs(600)
        + Duration::from_millis(50).saturating_mul(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Polls the store until `n` chases have run their first task (each audits `chase_started`
/// in it; their search attributes are all set at start, so visibility cannot tell).
pub async fn wait_first_tasks(
    database_url: &str,
    n: usize,
    timeout: Duration,
) -> anyhow::Result<Instant> {
    use sqlx::Connection as _;
    let mut db = sqlx::PgConnection::connect(database_url)
        .await
        .with_context(|| format!("connecting to {database_url}"))?;
    let deadline = Instant::now() + timeout;
    loop {
        let (seen,): (i64,) =
            sqlx::query_as("select count(*) from audit_log where action = 'chase_started'")
                .fetch_one(&mut db)
                .await?;
        if usize::try_from(seen).unwrap_or(0) >= n {
            return Ok(Instant::now());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "after {timeout:?} only {seen} of {n} chases ran their first task"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls visibility until `query` counts `n`; returns when that was seen.
pub async fn wait_count(
    client: &Client,
    query: &str,
    n: usize,
    timeout: Duration,
) -> anyhow::Result<Instant> {
    let deadline = Instant::now() + timeout;
    loop {
        let seen = count(client, query).await?;
        if seen >= n {
            return Ok(Instant::now());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "after {timeout:?} only {seen} of {n} workflows match {query}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The task queue the harness gives chaser `name`.
pub fn task_queue(name: &str) -> String {
    format!("e2e-{name}-{}", std::process::id())
}

/// When a workflow closed, per the server.
pub async fn close_time(client: &Client, workflow_id: &str) -> anyhow::Result<Option<SystemTime>> {
    let handle =
        client.get_workflow_handle::<chaser_workflows::InvoiceChase>(workflow_id.to_owned());
    let description = handle
        .describe(WorkflowDescribeOptions::default())
        .await
        .with_context(|| format!("describing {workflow_id}"))?;
    Ok(description
        .raw_description
        .workflow_execution_info
        .and_then(|i| i.close_time)
        .map(|t| {
            SystemTime::UNIX_EPOCH
                + Duration::from_secs(u64::try_from(t.seconds).unwrap_or(0))
                + Duration::from_nanos(u64::try_from(t.nanos).unwrap_or(0))
        }))
}

/// A workflow's history, as the replayer's JSON.
pub async fn history(client: &Client, workflow_id: &str) -> anyhow::Result<serde_json::Value> {
    let handle =
        client.get_workflow_handle::<chaser_workflows::InvoiceChase>(workflow_id.to_owned());
    let json = handle
        .fetch_history(WorkflowFetchHistoryOptions::default())
        .to_json()
        .await
        .with_context(|| format!("fetching the history of {workflow_id}"))?;
    Ok(serde_json::from_slice(&json)?)
}

pub const CSV_HEADER: &str = "number,customer,contact_email,amount,currency,issue_date,due_date,terms,pay_url,owner_email,paid,issued_at\n";

/// The generated contact of invoice `number`.
pub fn contact(number: &str) -> String {
    format!("ap-{}@bench.example", number.to_ascii_lowercase())
}

/// One generated invoice: USD 1,250.00, its own contact, issued at `issued`.
pub fn invoice_row(
    number: &str,
    terms: &str,
    due: jiff::civil::Date,
    issued: jiff::Timestamp,
) -> String {
    format!(
        "{number},Customer {number},{email},1250.00,USD,{issued_date},{due},{terms},https://pay.example/{number},owner@bench.example,no,{issued}\n",
        email = contact(number),
        issued_date = issued.to_zoned(jiff::tz::TimeZone::UTC).date(),
    )
}

/// A CSV export of `rows` (from `invoice_row`).
pub fn export(rows: impl IntoIterator<Item = String>) -> String {
    let mut csv = String::from(CSV_HEADER);
    csv.extend(rows);
    csv
}

/// A cadence of the rules doc: `(when, move)` steps for `terms`.
pub fn cadence(terms: &str, steps: &[(&str, &str)]) -> String {
    steps
        .iter()
        .map(|(when, step)| {
            format!("[[cadences.\"{terms}\".steps]]\nwhen = \"{when}\"\nmove = \"{step}\"\n\n")
        })
        .collect()
}

/// A signed-by-the-caller accounting webhook body: `number` is paid.
pub fn paid_event(number: &str) -> String {
    serde_json::json!({
        "id": format!("evt-paid-{number}"),
        "type": "invoice.paid",
        "data": { "number": number, "reference": "bench" },
    })
    .to_string()
}

/// `invoice-<number>` for the generated numbers (already normalised).
pub fn workflow_id(number: &str) -> String {
    format!("{}{number}", chaser_workflows::names::WORKFLOW_ID_PREFIX)
}

/// Resident and peak memory (MiB) and CPU seconds (user + system) of a process.
pub struct ProcessUse {
    pub rss_mib: f64,
    /// The part of RSS that is the process's own memory (heap, stacks), not mapped files.
    pub anon_mib: f64,
    /// The part that is pages of mapped files: the binary's code and tables, shared libraries.
    pub file_mib: f64,
    pub peak_mib: f64,
    pub cpu_seconds: f64,
}

pub fn process_use(pid: u32) -> anyhow::Result<ProcessUse> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = |field: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> f64 { fields.get(i).and_then(|v| v.parse().ok()).unwrap_or(0.0) };
    // utime and stime are fields 14 and 15 of stat; here 11 and 12 after the name.
    let per_second = clock_ticks();
    Ok(ProcessUse {
        rss_mib: kib("VmRSS:") / 1024.0,
        anon_mib: kib("RssAnon:") / 1024.0,
        file_mib: kib("RssFile:") / 1024.0,
        peak_mib: kib("VmHWM:") / 1024.0,
        cpu_seconds: (ticks(11) + ticks(12)) / per_second,
    })
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}
