//! The payloads of the scheduled runs: the sheet sync, the daily review, the monthly summary
//! and the reconciler.

use serde::{Deserialize, Serialize};

/// Starts one run of a scheduled sync: the `[[sync]]` source's name in the config. Where the
/// export lives is read from the config at each run, so editing it needs no new schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetSyncInput {
    pub source: String,
}

/// What one sync run did, as the run's result in the Temporal UI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetSyncOutcome {
    pub source: String,
    /// Where the export was read from, and as which preset.
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub preset: String,
    /// `2 started, 0 updated, 1 paid, ...`.
    #[serde(default)]
    pub counts: String,
    /// Rows refused and actions that failed: `line N: ...`.
    #[serde(default)]
    pub problems: Vec<String>,
    /// What went to the owner's review queue.
    #[serde(default)]
    pub flagged: Vec<String>,
}

/// Starts one daily review (the schedule passes nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyReviewInput {}

/// Who got a review e-mail, and how many items it held in all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyReviewOutcome {
    #[serde(default)]
    pub sent_to: Vec<String>,
    #[serde(default)]
    pub items: usize,
}

/// One monthly summary: `month` is `YYYY-MM`; the schedule passes none, meaning the month
/// that just ended (in the company's time zone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlySummaryInput {
    #[serde(default)]
    pub month: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlySummaryOutcome {
    pub month: String,
    #[serde(default)]
    pub sent_to: Vec<String>,
    /// `deterministic` or `bedrock:<model>`.
    #[serde(default)]
    pub narrative_by: String,
}

/// Starts one reconcile run (the schedule passes nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileInput {}

/// What a reconcile run repaired, one line each (`INV-7: start the chase: ...`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileOutcome {
    #[serde(default)]
    pub repaired: Vec<String>,
}
