//! Integration tests of the sheet lane: every layout on its sample export, line by line; the
//! file-level refusals, amounts and dates at their edges, spreadsheets, the diff, suggested
//! mappings, headers shuffled and restyled (a property), and garbage input.

// Test helpers outside `#[test]` functions unwrap too.
#![allow(clippy::unwrap_used)]

mod diff;
mod files;
mod layouts;
mod presets;
mod robustness;
mod shuffle;
mod spreadsheet;
mod stripe;
mod suggest;

use std::path::PathBuf;

use chaser_domain::{Email, Money};
use chaser_intake::{Export, IntakeRow, Options, read_export};

/// A sample export under `tests/fixtures/exports/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/exports")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Options with the default owner that most exports need.
pub fn options() -> Options {
    Options {
        default_owner: Some(Email::parse("owner@chaser.example").unwrap()),
        ..Options::default()
    }
}

pub fn read(name: &str, options: &Options) -> Export {
    read_export(&fixture(name), name, options).unwrap_or_else(|e| panic!("{e}"))
}

pub fn row<'a>(export: &'a Export, number: &str) -> &'a IntakeRow {
    export
        .rows
        .iter()
        .find(|r| r.invoice.number.as_str() == number)
        .unwrap_or_else(|| panic!("no invoice {number} in {:#?}", export.rows))
}

pub fn money(text: &str) -> Money {
    text.parse().unwrap()
}

/// Every rejected row, as the CLI prints it.
pub fn rejected(export: &Export) -> Vec<String> {
    export.rejected.iter().map(ToString::to_string).collect()
}

/// The invoice numbers read, in file order.
pub fn numbers(export: &Export) -> Vec<&str> {
    export
        .rows
        .iter()
        .map(|r| r.invoice.number.as_str())
        .collect()
}

/// Every line's outcome, as a dry run prints it.
pub fn outcomes(export: &Export) -> Vec<String> {
    export.outcomes().iter().map(ToString::to_string).collect()
}
