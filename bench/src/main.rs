//! `chaser-bench <scenario>`: measures the chaser on the real stack (a Temporal dev server,
//! the SES emulator and the release `chaser` binary, all on free ports) and appends the
//! result to BENCHMARKS.md. Each run of a scenario is a child process with its own server,
//! emulator and worker, which die with it. `chaser-bench chaos` is the fault-injection
//! harness instead: it prints its checks and fails if one does not hold.

#![allow(clippy::print_stdout)]

mod baseline;
mod chaos;
mod report;
mod scenarios;
mod ses_front;
mod stack;

use std::process::{Command, ExitCode, Stdio};

use anyhow::Context as _;
use clap::{Parser, ValueEnum};

use report::{Run, Summary};

#[derive(Parser)]
#[command(about = "Benchmarks of the chaser on the real stack; results go to BENCHMARKS.md")]
struct Cli {
    scenario: Scenario,
    /// Runs per scenario; the table gives their median and spread.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Print the table only; leave BENCHMARKS.md alone.
    #[arg(long)]
    no_record: bool,
    /// `chaos` only: the short version (`make test` runs it).
    #[arg(long)]
    short: bool,
    /// `chaos` only: the seed of its random moments, to run the same plan again.
    #[arg(long)]
    seed: Option<u64>,
    /// Internal: measure one run in this process and print it as JSON.
    #[arg(long, hide = true)]
    child_run: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    Intake,
    StopLatency,
    Footprint,
    Actions,
    Storm,
    Plan,
    Cockpit,
    Scale,
    TwoWorkers,
    All,
    /// The fault-injection harness (not part of `all`).
    Chaos,
}

impl Scenario {
    const EACH: [Scenario; 9] = [
        Scenario::Plan,
        Scenario::Cockpit,
        Scenario::Actions,
        Scenario::StopLatency,
        Scenario::Intake,
        Scenario::Footprint,
        Scenario::Storm,
        Scenario::TwoWorkers,
        Scenario::Scale,
    ];

    fn name(self) -> &'static str {
        match self {
            Scenario::Intake => "intake",
            Scenario::StopLatency => "stop-latency",
            Scenario::Footprint => "footprint",
            Scenario::Actions => "actions",
            Scenario::Storm => "storm",
            Scenario::Plan => "plan",
            Scenario::Cockpit => "cockpit",
            Scenario::Scale => "scale",
            Scenario::TwoWorkers => "two-workers",
            Scenario::All => "all",
            Scenario::Chaos => "chaos",
        }
    }
}

const RESULT: &str = "RESULT ";

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.scenario == Scenario::Chaos {
        return match chaos::run(cli.short, cli.seed) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("chaser-bench chaos: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(run) = cli.child_run {
        let result = match cli.scenario {
            Scenario::Intake => scenarios::intake(run),
            Scenario::StopLatency => scenarios::stop_latency(),
            Scenario::Footprint => scenarios::footprint(),
            Scenario::Actions => scenarios::actions(),
            Scenario::Storm => scenarios::storm(),
            Scenario::Scale => scenarios::scale(run),
            Scenario::TwoWorkers => scenarios::two_workers(),
            Scenario::Plan | Scenario::Cockpit | Scenario::All | Scenario::Chaos => {
                Err(anyhow::anyhow!("not a child scenario"))
            }
        };
        return match result {
            Ok(run) => {
                println!(
                    "{RESULT}{}",
                    serde_json::to_string(&run).unwrap_or_default()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("chaser-bench: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let scenarios: Vec<Scenario> = match cli.scenario {
        Scenario::All => Scenario::EACH.to_vec(),
        one => vec![one],
    };
    let mut failed = false;
    for scenario in scenarios {
        if let Err(e) = measure(scenario, &cli) {
            eprintln!("chaser-bench {}: {e:#}", scenario.name());
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs `scenario` `cli.runs` times, prints the table and records it.
fn measure(scenario: Scenario, cli: &Cli) -> anyhow::Result<()> {
    let mut runs = Vec::new();
    for run in 1..=cli.runs {
        eprintln!(
            "chaser-bench {}: run {run} of {}",
            scenario.name(),
            cli.runs
        );
        runs.push(match scenario {
            Scenario::Plan => scenarios::plan()?,
            Scenario::Cockpit => scenarios::cockpit()?,
            _ => child(scenario, run)?,
        });
    }
    let summaries = report::summarize(&runs);
    let verdicts = verdicts(scenario, &summaries);
    let command = format!(
        "make bench (target/release/chaser-bench {} --runs {})",
        scenario.name(),
        cli.runs
    );
    let entry = report::entry(scenario.name(), &command, &summaries, &runs, &verdicts);
    println!("{entry}");
    if !cli.no_record {
        let path = chaser_tests::repo_root().join("BENCHMARKS.md");
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        if !text.ends_with("\n\n") {
            text.push('\n');
        }
        text.push_str(&entry);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let failures: usize = runs.iter().map(|r| r.failures.len()).sum();
    anyhow::ensure!(failures == 0, "{failures} check(s) failed (see above)");
    Ok(())
}

/// One run in a child process, which takes its services down with it.
fn child(scenario: Scenario, run: usize) -> anyhow::Result<Run> {
    let exe = std::env::current_exe()?;
    let output = Command::new(exe)
        .args([scenario.name(), "--child-run", &run.to_string()])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "run {run} failed ({}):\n{stdout}",
        output.status
    );
    let json = stdout
        .lines()
        .find_map(|l| l.strip_prefix(RESULT))
        .context("the run printed no result")?;
    // The child's services go when it does; its files can go too.
    std::thread::sleep(std::time::Duration::from_secs(2));
    if let Some(dir) = stdout.lines().find_map(|l| l.strip_prefix(stack::SCRATCH)) {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(serde_json::from_str(json)?)
}

fn find<'a>(summaries: &'a [Summary], name: &str) -> Option<&'a Summary> {
    summaries.iter().find(|s| s.name == name)
}

/// Each target against the median.
fn verdicts(scenario: Scenario, summaries: &[Summary]) -> Vec<String> {
    let mut out = Vec::new();
    let mut target = |name: &str, ok: fn(f64) -> bool, wanted: &str| {
        if let Some(s) = find(summaries, name) {
            let mark = if ok(s.median) { "met" } else { "MISSED" };
            out.push(format!("Target {wanted}: {mark} ({name}, median)."));
        }
    };
    match scenario {
        Scenario::Intake => {
            for n in scenarios::INTAKE_SIZES {
                let name = format!("ratio, {n} invoices");
                if let Some(s) = find(summaries, &name) {
                    let mark = if s.median >= 0.9 { "met" } else { "MISSED" };
                    out.push(format!(
                        "Target ours ≥ 0.9 × baseline at {n}: {mark} (median ratio {:.2}).",
                        s.median
                    ));
                }
            }
        }
        Scenario::StopLatency => {
            target("POST → closed as paid, p99", |v| v < 250.0, "p99 < 250 ms");
            target(
                "ratio to bare, p99",
                |v| v <= 1.5,
                "p99 ≤ 1.5 × the bare workflow's",
            );
        }
        Scenario::Footprint => {
            target("worker RSS after 60 s idle", |v| v < 100.0, "< 100 MB RSS");
        }
        Scenario::Actions => target(
            "typical chase: billable actions",
            |v| v <= 10.0,
            "≤ 10 actions for the typical chase",
        ),
        Scenario::Storm => {
            target("achieved ÷ configured rate", |v| v >= 0.95, "ratio ≥ 0.95");
            target("throttling errors", |v| v == 0.0, "no throttling errors");
        }
        Scenario::Plan => target("100,000 invoices", |v| v < 1000.0, "< 1 s per 100,000"),
        Scenario::Cockpit => target("10,000 open invoices", |v| v < 500.0, "< 0.5 s"),
        Scenario::Scale => {
            target("import ÷ baseline", |v| v >= 0.9, "import ≥ 0.9 × baseline");
            target(
                "workflow queries by the review, report and cockpit",
                |v| v == 0.0,
                "0 workflow queries from the review and the cockpit",
            );
        }
        Scenario::TwoWorkers => {
            target("duplicates", |v| v == 0.0, "0 duplicates");
            target("missed", |v| v == 0.0, "0 missed sends");
        }
        Scenario::All | Scenario::Chaos => {}
    }
    out
}
