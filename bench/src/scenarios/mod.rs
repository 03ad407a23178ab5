//! The scenarios. Each child run starts its own server, emulator and worker (through the
//! test harness) and returns its figures.

mod actions;
mod at_scale;
mod scale;
mod stop_latency;
mod two_workers;

pub use actions::actions;
pub use at_scale::scale;
pub use scale::{INTAKE_SIZES, cockpit, footprint, intake, plan, storm};
pub use stop_latency::stop_latency;
pub use two_workers::two_workers;

use std::time::Duration;

use chaser_tests::{Backend, Chaser};
use jiff::Timestamp;

use crate::stack::{self, cadence, export, invoice_row};

/// Net-30 as the product ships it: nothing is due for weeks, so the chases sleep.
fn day_rules() -> String {
    cadence(
        "default",
        &[
            ("after_due 3d", "nudge"),
            ("after_due 10d", "follow_up"),
            ("after_due 21d", "escalate"),
        ],
    )
}

fn today() -> jiff::civil::Date {
    Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// `n` invoices due in 30 days, each with its own contact.
fn sleeping_invoices(prefix: &str, n: usize) -> String {
    let due = today()
        .checked_add(jiff::Span::new().days(30))
        .unwrap_or(today());
    let issued = Timestamp::now();
    export((0..n).map(|i| invoice_row(&format!("{prefix}-{i:05}"), "net-30", due, issued)))
}

/// Every scenario's worker keeps its store in PostgreSQL, as `docker-compose.yml` deploys it.
const STORE_NOTE: &str = "Store: PostgreSQL 15 on 127.0.0.1 (as docker-compose.yml deploys the chaser), one database per run.";

fn chaser_with(name: &str, rules: &str, settings: &[(&str, toml::Value)]) -> Chaser {
    // The run's codec key, which the bench's own client reads histories with.
    let mut settings = settings.to_vec();
    settings.push(("codec.key", stack::codec_key().into()));
    let mut chaser = Chaser::with_config(name, rules, Backend::Postgres, &settings);
    chaser.start_worker();
    chaser
}

/// Keeps a history in target/bench/<name>.json, for a closer look after the run.
fn keep_history(name: &str, history: &serde_json::Value) -> anyhow::Result<()> {
    let dir = chaser_tests::repo_root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_vec_pretty(history)?,
    )?;
    Ok(())
}

/// A scenario's size from the environment variable `knob`, or `default`. The knobs are the
/// bench's own (`BENCH_*`): `CHASER_*` variables are the chaser's config.
fn size_knob(knob: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(knob) {
        Ok(text) => match text.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => anyhow::bail!("{knob}: `{text}` is not a positive whole number"),
        },
        Err(_) => Ok(default),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_rows_read_as_invoices() {
        let csv = sleeping_invoices("T", 3);
        let export = chaser_intake::read_export(
            csv.as_bytes(),
            "gen.csv",
            &chaser_intake::Options::default(),
        );
        let export = export.expect("the generated export reads");
        assert_eq!(export.rows.len(), 3);
        assert!(export.rejected.is_empty(), "{:?}", export.rejected);
    }
}
