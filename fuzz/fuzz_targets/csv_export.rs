//! An accounting export as CSV: any bytes, read as every preset would read them.
#![no_main]

use std::sync::LazyLock;

use chaser_domain::{Currency, Email};
use chaser_intake::{Options, read_export};
use libfuzzer_sys::fuzz_target;

static WITH_DEFAULTS: LazyLock<Options> = LazyLock::new(|| Options {
    default_owner: Email::parse("owner@chaser.example").ok(),
    default_currency: Currency::parse("USD").ok(),
    ..Options::default()
});

fuzz_target!(
    init: { chaser_fuzz::setup(&[]); },
    |data: &[u8]| {
        for options in [&*WITH_DEFAULTS, &Options::default()] {
            if let Ok(export) = read_export(data, "fuzz.csv", options) {
                // Rows keep file order (lines count `\n`, so records ended by a bare `\r`
                // share one).
                assert!(export.rows.windows(2).all(|w| w[0].line <= w[1].line));
                assert!(export.rejected.windows(2).all(|w| w[0].line <= w[1].line));
            }
        }
    }
);
