//! An amount as outsiders write it: in a webhook (`Money::parse`, the `"USD 12.00"` wire form),
//! in a document read by the rules or a model (`validate`), and in an export's cell.
#![no_main]

use chaser_domain::{Currency, Money};
use chaser_extract::{Proposal, validate};
use chaser_intake::{Options, read_export};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: { chaser_fuzz::setup(&[]); },
    |data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        for code in ["USD", "JPY", "KWD"] {
            if let (Ok(currency), false) = (Currency::parse(code), text.contains('\n')) {
                if let Ok(money) = Money::parse(text, currency) {
                    // The wire form reads back to the same amount.
                    assert_eq!(money.to_string().parse::<Money>(), Ok(money));
                }
            }
        }
        let _ = text.parse::<Money>();
        let proposal = Proposal {
            amount: Some(text.to_owned()),
            currency: Some("EUR".to_owned()),
            ..Proposal::default()
        };
        let _ = validate(&proposal, None);
        let _ = validate(&proposal, Some("USD"));
        let cell = text.replace(['"', '\n', '\r'], "");
        let csv = format!(
            "number,customer,amount,currency,issue_date,owner_email\nINV-1,Acme,\"{cell}\",USD,2026-11-01,o@x.example\nINV-2,Acme,{cell},,2026-11-01,o@x.example\n"
        );
        let _ = read_export(csv.as_bytes(), "amounts.csv", &Options::default());
    }
);
