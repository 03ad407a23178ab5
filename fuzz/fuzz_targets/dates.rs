//! A date as outsiders write it: in a document (`validate`, which also works out a due date
//! from terms), in an export's cells with any date order, and as payment terms.
#![no_main]

use chaser_domain::Terms;
use chaser_extract::{Proposal, validate};
use chaser_intake::{DateFormat, Options, read_export};
use jiff::civil::date;
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: { chaser_fuzz::setup(&[]); },
    |data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let proposal = Proposal {
            issue_date: Some(text.to_owned()),
            due_date: Some(text.to_owned()),
            terms: Some(text.to_owned()),
            ..Proposal::default()
        };
        let _ = validate(&proposal, Some("USD"));
        if let Ok(terms) = Terms::parse_lenient(text) {
            let _ = terms.due_date(date(2026, 11, 1));
        }
        let cell = text.replace(['"', '\n', '\r'], "");
        let csv = format!(
            "number,customer,amount,currency,issue_date,due_date,owner_email\nINV-1,Acme,1.00,USD,\"{cell}\",\"{cell}\",o@x.example\n"
        );
        for date_format in [None, Some(DateFormat::DayMonthYear), Some(DateFormat::MonthDayYear)] {
            let options = Options {
                date_format,
                ..Options::default()
            };
            let _ = read_export(csv.as_bytes(), "dates.csv", &options);
        }
    }
);
