//! What can go wrong: with the file as a whole ([`FileError`], nothing is read), or with one
//! row ([`RowError`], the other rows are read anyway).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::presets::{LayoutName, PresetName};

/// A problem with the file as a whole. Every message starts with the file's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("{file}: cannot read it: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("{file}: {reason}")]
    TooLarge { file: String, reason: String },
    #[error("{file}: has no header row")]
    Empty { file: String },
    #[error(
        "{file}: missing column{} {} for a {preset} export; the header has: {}",
        plural(.missing),
        .missing.join(", "),
        .found.join(", ")
    )]
    MissingColumns {
        file: String,
        preset: PresetName,
        missing: Vec<String>,
        found: Vec<String>,
    },
    #[error(
        "{file}: the header matches no known export ({}); the header has: {}; `chaser import {file} --suggest-mapping` prints an [intake.custom] block to start from",
        PresetName::KNOWN.map(PresetName::title).join(", "),
        .found.join(", ")
    )]
    UnknownLayout { file: String, found: Vec<String> },
    #[error(
        "{file}: the header matches no known export; closest: {}; the header has: {}; `chaser import {file} --suggest-mapping` prints an [intake.custom] block to start from",
        .closest.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
        .found.join(", ")
    )]
    NoLayoutFits {
        file: String,
        /// The closest layouts first.
        closest: Vec<NearMiss>,
        found: Vec<String>,
    },
    #[error(
        "{file}: cannot suggest a mapping: no column looks like {}; the header has: {}",
        .missing.join(" or "),
        .found.join(", ")
    )]
    CannotSuggest {
        file: String,
        missing: Vec<String>,
        found: Vec<String>,
    },
    #[error("{file}: a custom mapping was asked for, but none is configured")]
    NoCustomMapping { file: String },
    #[error(
        "{file}: the dates are ambiguous (no day above 12, so {sample} could be {day_first} or {month_first}): pass --date-format dd/mm/yyyy or --date-format mm/dd/yyyy"
    )]
    AmbiguousDates {
        file: String,
        sample: String,
        day_first: String,
        month_first: String,
    },
    #[error(
        "{file}: the dates contradict each other: line {day_first_line} has {day_first}, which only reads day first, and line {month_first_line} has {month_first}, which only reads month first; pass --date-format dd/mm/yyyy or --date-format mm/dd/yyyy and fix the rows it rejects"
    )]
    ContradictoryDates {
        file: String,
        day_first_line: u64,
        day_first: String,
        month_first_line: u64,
        month_first: String,
    },
    #[error(
        "{file}: the amounts mix decimal marks: line {point_line} has `{point}` (decimal point) and line {comma_line} has `{comma}` (decimal comma)"
    )]
    MixedDecimalMarks {
        file: String,
        point_line: u64,
        point: String,
        comma_line: u64,
        comma: String,
    },
    #[error(
        "{file}: line {line}: `{sample}` {why}, and the file has no currency column: set a default currency"
    )]
    NoCurrency {
        file: String,
        line: u64,
        sample: String,
        why: String,
    },
    #[error(
        "{file}: not a bank statement: no {} column; the header has: {}; expected {}",
        .missing.join(" or "),
        .found.join(", "),
        crate::bank::EXPECTED_COLUMNS
    )]
    NotAStatement {
        file: String,
        missing: Vec<String>,
        found: Vec<String>,
    },
    #[error("{file}: the file has no owner_email column and no default owner is configured")]
    NoOwner { file: String },
}

/// A layout that almost fits a header, and the columns it misses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearMiss {
    pub layout: LayoutName,
    pub missing: Vec<String>,
}

impl fmt::Display for NearMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} lacks {}", self.layout, self.missing.join(", "))
    }
}

fn plural(items: &[String]) -> &'static str {
    if items.len() > 1 { "s" } else { "" }
}

/// A row that was rejected: which line, which column, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The line in a CSV file, or the row number in a spreadsheet (both 1-based).
    pub line: u64,
    /// The column as the file names it; empty when the problem is the row as a whole.
    pub field: String,
    pub message: String,
    /// The row's invoice number (normalized) when it had a readable one, so that a diff does
    /// not report a rejected invoice as vanished from the export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<String>,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.field, self.message)
        }
    }
}
