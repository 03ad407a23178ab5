//! Properties of the reports over random portfolios and ledgers: bucket totals add up, and a
//! month's closing is its opening plus its movements, as an independent sum recomputes them.

use std::collections::BTreeMap;

use chaser_domain::reports::{LedgerEvent, LedgerKind, ReportInvoice, aging, monthly_summary};
use chaser_domain::{ChaseState, Currency};
use jiff::ToSpan;
use jiff::civil::{Date, date};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::{event, inv, money};

const CODES: [&str; 3] = ["EUR", "JPY", "USD"];

fn open_invoice() -> impl Strategy<Value = ReportInvoice> {
    let states = prop::sample::select(
        &[
            ChaseState::Scheduled,
            ChaseState::Disputed,
            ChaseState::Paid,
            ChaseState::Void,
        ][..],
    );
    (
        prop::sample::select(&CODES[..]),
        0u32..1_000_000,
        -200i64..200,
        states,
    )
        .prop_map(|(code, units, days_late, state)| {
            let due = date(2026, 6, 30).checked_sub(days_late.days()).unwrap();
            inv("X", "X", due, &format!("{code} {units}"), state)
        })
}

/// Events on invoices `I0`..`I5`, each in one currency, between December and May.
fn ledger_event() -> impl Strategy<Value = LedgerEvent> {
    (0usize..6, 0i64..180, 0u8..7, 1u32..100_000).prop_map(|(invoice, day, kind, units)| {
        let amount = money(&format!("{} {units}", CODES[invoice % 3]));
        let kind = match kind {
            0 | 1 => LedgerKind::Issued(amount),
            2 => LedgerKind::Payment(amount),
            3 => LedgerKind::WrittenOff(amount),
            4 => LedgerKind::Voided(amount),
            5 => LedgerKind::PromiseKept,
            _ => LedgerKind::PromiseBroken,
        };
        let on = date(2025, 12, 1).checked_add(day.days()).unwrap();
        event(on, &format!("I{invoice}"), kind)
    })
}

/// Each currency's receivable after every event up to `day`, summed independently.
fn receivables_through(ledger: &[LedgerEvent], day: Date) -> BTreeMap<Currency, Decimal> {
    let mut sums = BTreeMap::new();
    for e in ledger.iter().filter(|e| e.on <= day) {
        let (m, sign) = match e.kind {
            LedgerKind::Issued(m) => (m, Decimal::ONE),
            LedgerKind::Payment(m) | LedgerKind::WrittenOff(m) | LedgerKind::Voided(m) => {
                (m, Decimal::NEGATIVE_ONE)
            }
            _ => continue,
        };
        *sums.entry(m.currency()).or_insert(Decimal::ZERO) += sign * m.amount();
    }
    sums
}

proptest! {
    #[test]
    fn bucket_totals_add_up_to_the_currency_total(
        invoices in prop::collection::vec(open_invoice(), 0..40),
    ) {
        let report = aging(&invoices, date(2026, 6, 30)).unwrap();
        for c in &report.currencies {
            let count: usize = c.buckets.iter().map(|b| b.count).sum();
            let total: Decimal = c.buckets.iter().map(|b| b.total.amount()).sum();
            prop_assert_eq!(count, c.count);
            prop_assert_eq!(total, c.total.amount());
            let open: Decimal = invoices
                .iter()
                .filter(|i| i.is_open() && i.balance.currency() == c.currency)
                .map(|i| i.balance.amount())
                .sum();
            prop_assert_eq!(open, c.total.amount());
        }
    }

    #[test]
    fn closing_is_opening_plus_the_month_movements(
        ledger in prop::collection::vec(ledger_event(), 0..60),
        (year, month) in prop::sample::select(&[(2025, 12), (2026, 1), (2026, 2), (2026, 3)][..]),
    ) {
        let summary = monthly_summary(&[], &ledger, year, month).unwrap();
        let day_before = summary.first_day.yesterday().unwrap();
        let opening = receivables_through(&ledger, day_before);
        let closing = receivables_through(&ledger, summary.last_day);
        for line in &summary.currencies {
            let moved = line.issued.amount() - line.collected.amount()
                - line.written_off.amount() - line.voided.amount();
            prop_assert_eq!(line.closing.amount(), line.opening.amount() + moved);
            let zero = Decimal::ZERO;
            prop_assert_eq!(line.opening.amount(), *opening.get(&line.currency).unwrap_or(&zero));
            prop_assert_eq!(line.closing.amount(), *closing.get(&line.currency).unwrap_or(&zero));
        }
        // Every invoice is in the snapshot, so the month-end aging holds each positive balance.
        let snapshot: Vec<ReportInvoice> = (0..6)
            .map(|i| {
                let due = date(2026, 1, 15).checked_add((20 * i).days()).unwrap();
                inv(&format!("I{i}"), "X", due, &format!("{} 0", CODES[i as usize % 3]), ChaseState::Paid)
            })
            .collect();
        let aged = monthly_summary(&snapshot, &ledger, year, month).unwrap().aging;
        let mut owed: BTreeMap<Currency, Decimal> = BTreeMap::new();
        for i in 0..6 {
            let mine: Vec<LedgerEvent> =
                ledger.iter().filter(|e| e.invoice == format!("I{i}")).cloned().collect();
            for (currency, balance) in receivables_through(&mine, summary.last_day) {
                if balance > Decimal::ZERO {
                    *owed.entry(currency).or_insert(Decimal::ZERO) += balance;
                }
            }
        }
        let aged_totals: BTreeMap<Currency, Decimal> =
            aged.currencies.iter().map(|c| (c.currency, c.total.amount())).collect();
        prop_assert_eq!(aged_totals, owed);
        for (currency, amount) in closing.iter().filter(|(_, a)| !a.is_zero()) {
            prop_assert!(summary.currencies.iter().any(|l| l.currency == *currency), "{amount}");
        }
    }
}
