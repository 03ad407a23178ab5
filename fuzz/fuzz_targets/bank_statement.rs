//! A bank statement, as CSV bytes, or as a workbook when the input starts like a zip.
#![no_main]

use std::sync::LazyLock;

use chaser_domain::Currency;
use chaser_intake::{StatementOptions, read_statement};
use libfuzzer_sys::fuzz_target;

static OPTIONS: LazyLock<StatementOptions> = LazyLock::new(|| StatementOptions {
    default_currency: Currency::parse("EUR").ok(),
    ..StatementOptions::default()
});

fuzz_target!(
    init: { chaser_fuzz::setup(&["calamine-", "quick-xml-"]); },
    |data: &[u8]| {
        let name = if data.starts_with(b"PK") { "fuzz.xlsx" } else { "fuzz.csv" };
        if let Ok(statement) = read_statement(name, data, &OPTIONS) {
            // Only credits are payments, and every payment has an id.
            assert!(statement.payments.iter().all(|p| p.amount.is_positive() && !p.id.is_empty()));
        }
    }
);
