//! An accounting export as XLSX. Input that starts like a zip is the workbook itself; any other
//! is the sheet's XML, then optionally a NUL and the shared strings' XML, wrapped into a
//! workbook, so that the fuzzer mutates cells, references and dimensions, not zip headers.
#![no_main]

use std::sync::LazyLock;

use chaser_domain::{Currency, Email};
use chaser_intake::{Options, read_export};
use libfuzzer_sys::fuzz_target;

static OPTIONS: LazyLock<Options> = LazyLock::new(|| Options {
    default_owner: Email::parse("owner@chaser.example").ok(),
    default_currency: Currency::parse("USD").ok(),
    ..Options::default()
});

fuzz_target!(
    init: { chaser_fuzz::setup(&["calamine-", "quick-xml-"]); },
    |data: &[u8]| {
        let book = if data.starts_with(b"PK") {
            data.to_vec()
        } else {
            match data.iter().position(|b| *b == 0) {
                Some(at) => chaser_fuzz::workbook(&data[..at], Some(&data[at + 1..])),
                None => chaser_fuzz::workbook(data, None),
            }
        };
        if let Ok(export) = read_export(&book, "fuzz.xlsx", &OPTIONS) {
            assert!(export.rows.windows(2).all(|w| w[0].line <= w[1].line));
        }
    }
);
