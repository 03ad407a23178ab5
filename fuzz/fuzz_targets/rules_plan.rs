//! The rules doc (TOML) and, when it is valid, the schedule it plans for an invoice.
#![no_main]

use std::sync::LazyLock;

use chaser_domain::{
    Currency, Customer, Email, Invoice, InvoiceNumber, Money, Rules, Terms, plan,
};
use jiff::Timestamp;
use jiff::civil::date;
use libfuzzer_sys::fuzz_target;

static INVOICE: LazyLock<Option<Invoice>> = LazyLock::new(|| {
    let usd = Currency::parse("USD").ok()?;
    Some(Invoice::new(
        InvoiceNumber::parse("INV-1").ok()?,
        Customer {
            id: "acme".into(),
            name: "Acme".into(),
        },
        Money::parse("1200.00", usd).ok()?,
        date(2026, 11, 1),
        date(2026, 12, 1),
        Terms::Net(30),
        Email::parse("owner@chaser.example").ok()?,
    ))
});

fuzz_target!(
    init: { chaser_fuzz::setup(&[]); },
    |data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let Ok(rules) = Rules::from_toml(text, "rules.toml") else {
            return;
        };
        let Some(invoice) = INVOICE.as_ref() else {
            return;
        };
        let now = Timestamp::constant(1_793_000_000, 0);
        for cadence in rules.cadences.values().chain([&rules.default_cadence]) {
            let schedule = plan(invoice, cadence, &rules.company, now);
            // The schedule is ordered by instant.
            assert!(schedule.steps.windows(2).all(|w| w[0].at <= w[1].at));
        }
    }
);
