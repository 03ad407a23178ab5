//! Runs' figures, their median and spread, the table, and the entry in BENCHMARKS.md.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// What one run of a scenario measured, in the order it should be shown.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Run {
    pub figures: Vec<Figure>,
    /// Facts of the set-up (sticky cache, rates, counts) shown under the table.
    pub notes: Vec<String>,
    /// Checks that must hold in every run; a failed one fails the scenario.
    pub failures: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    pub name: String,
    pub unit: String,
    pub value: f64,
}

impl Run {
    pub fn figure(&mut self, name: &str, unit: &str, value: f64) {
        self.figures.push(Figure {
            name: name.to_owned(),
            unit: unit.to_owned(),
            value,
        });
    }

    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    pub fn check(&mut self, ok: bool, failure: impl FnOnce() -> String) {
        if !ok {
            self.failures.push(failure());
        }
    }
}

/// The median, lowest and highest value of one figure over the runs.
#[derive(Debug, Clone)]
pub struct Summary {
    pub name: String,
    pub unit: String,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The `q` quantile (0..=1) of `values`, nearest rank.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = (q * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

pub fn summarize(runs: &[Run]) -> Vec<Summary> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for run in runs {
        for f in &run.figures {
            if !values.contains_key(&f.name) {
                order.push((f.name.clone(), f.unit.clone()));
            }
            values.entry(f.name.clone()).or_default().push(f.value);
        }
    }
    order
        .into_iter()
        .map(|(name, unit)| {
            let v = &values[&name];
            Summary {
                median: median(v),
                min: v.iter().copied().fold(f64::INFINITY, f64::min),
                max: v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                runs: v.len(),
                name,
                unit,
            }
        })
        .collect()
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "n/a".to_owned()
    } else if v.abs() >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// The markdown table of the summaries.
pub fn table(summaries: &[Summary]) -> String {
    let mut out =
        String::from("| Figure | Median | Spread (min–max) | Runs |\n| --- | --- | --- | --- |\n");
    for s in summaries {
        let unit = if s.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", s.unit)
        };
        let _ = writeln!(
            out,
            "| {} | {}{unit} | {}–{}{unit} | {} |",
            s.name,
            number(s.median),
            number(s.min),
            number(s.max),
            s.runs
        );
    }
    out
}

/// The machine, as `2 cores (AMD EPYC ...), 23.4 GiB, Linux 6.1`.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kib: f64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|m| m.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{cores} cores ({model}), {:.1} GiB, Linux {}",
        memory_kib / 1024.0 / 1024.0,
        kernel.trim()
    )
}

/// The BENCHMARKS.md entry of one scenario's runs.
pub fn entry(
    scenario: &str,
    command: &str,
    summaries: &[Summary],
    runs: &[Run],
    verdicts: &[String],
) -> String {
    let mut out = String::new();
    let date = jiff::Zoned::now().strftime("%Y-%m-%d %H:%M %Z");
    let _ = writeln!(out, "### `{scenario}`, {date}\n");
    let _ = writeln!(out, "- Machine: {}", machine());
    let _ = writeln!(out, "- Command: `{command}`");
    let mut notes: Vec<&String> = Vec::new();
    for n in runs.iter().flat_map(|r| &r.notes) {
        if !notes.contains(&n) {
            notes.push(n);
        }
    }
    for n in notes {
        let _ = writeln!(out, "- {n}");
    }
    let _ = writeln!(out);
    out.push_str(&table(summaries));
    let _ = writeln!(out);
    for v in verdicts {
        let _ = writeln!(out, "- {v}");
    }
    for (i, run) in runs.iter().enumerate() {
        for f in &run.failures {
            let _ = writeln!(out, "- Run {}: check failed: {f}", i + 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_quantiles() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), 50.0);
        assert_eq!(quantile(&v, 0.99), 99.0);
        assert_eq!(quantile(&v, 1.0), 100.0);
        assert_eq!(quantile(&[7.0], 0.99), 7.0);
    }

    #[test]
    fn summaries_keep_the_order_of_the_figures() {
        let mut a = Run::default();
        a.figure("rate", "/s", 10.0);
        a.figure("ratio", "", 1.0);
        let mut b = Run::default();
        b.figure("rate", "/s", 20.0);
        b.figure("ratio", "", 0.5);
        let s = summarize(&[a, b]);
        assert_eq!(s[0].name, "rate");
        assert_eq!((s[0].median, s[0].min, s[0].max), (15.0, 10.0, 20.0));
        assert!(table(&s).contains("| ratio | 0.750 | 0.500–1 | 2 |"));
    }
}
