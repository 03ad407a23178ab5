//! The owner's reports on a hand-computed portfolio and ledger, and CSV safety; their properties
//! are in `properties.rs`.

use chaser_domain::reports::{
    AgingReport, LatePayer, LedgerEvent, LedgerKind, ReportInvoice, aging, aging_csv, collected,
    dso, late_payers_csv, monthly_summary, neutralize, summary_csv, top_late_payers,
};
use chaser_domain::{AgingBucket, ChaseState, Currency, Money};
use jiff::ToSpan;
use jiff::civil::{Date, date};
use rust_decimal::Decimal;

mod properties;

fn cur(code: &str) -> Currency {
    code.parse().unwrap()
}

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

fn inv(number: &str, customer: &str, due: Date, balance: &str, state: ChaseState) -> ReportInvoice {
    let balance = money(balance);
    ReportInvoice {
        number: number.into(),
        customer: customer.into(),
        issue_date: due.checked_sub(30.days()).unwrap(),
        due_date: due,
        amount: balance
            .checked_add(&money(&format!("{} 100", balance.currency())))
            .unwrap(),
        balance,
        state,
    }
}

fn event(on: Date, invoice: &str, kind: LedgerKind) -> LedgerEvent {
    LedgerEvent {
        on,
        invoice: invoice.into(),
        customer: "Acme Ltd".into(),
        kind,
    }
}

/// Aged on 2026-06-30. Days late in the comments.
fn portfolio() -> Vec<ReportInvoice> {
    use ChaseState::*;
    vec![
        inv(
            "INV-U1",
            "Acme Ltd",
            date(2026, 7, 10),
            "USD 100.00",
            Scheduled,
        ), // -10
        inv(
            "INV-U2",
            "Acme Ltd",
            date(2026, 6, 30),
            "USD 250.00",
            Scheduled,
        ), // 0
        inv(
            "INV-U3",
            "Acme Ltd",
            date(2026, 6, 15),
            "USD 300.00",
            Escalated,
        ), // 15
        inv(
            "INV-U4",
            "Acme Ltd",
            date(2026, 5, 10),
            "USD 400.00",
            Paused,
        ), // 51
        inv(
            "INV-U5",
            "Birch plc",
            date(2026, 4, 10),
            "USD 1000.00",
            Failed,
        ), // 81
        inv(
            "INV-U6",
            "Cobalt AG",
            date(2026, 1, 15),
            "USD 50.00",
            Escalated,
        ), // 166
        inv("INV-U7", "Cobalt AG", date(2026, 3, 1), "USD 0.00", Paid),
        inv(
            "INV-U8",
            "Cobalt AG",
            date(2026, 2, 1),
            "USD 700.00",
            WrittenOff,
        ),
        inv(
            "INV-E1",
            "Acme Ltd",
            date(2026, 6, 29),
            "EUR 80.00",
            Scheduled,
        ), // 1
        inv(
            "INV-E2",
            "Delta SA",
            date(2026, 5, 31),
            "EUR 20.00",
            Scheduled,
        ), // 30
        inv(
            "INV-E3",
            "Birch plc",
            date(2026, 3, 1),
            "EUR 900.00",
            Disputed,
        ), // 121
        inv(
            "INV-E4",
            "Delta SA",
            date(2026, 6, 1),
            "EUR 0.00",
            Scheduled,
        ),
        inv("INV-E5", "Delta SA", date(2026, 4, 1), "EUR 300.00", Void),
    ]
}

/// `(count, total)` per bucket in `AgingBucket::ALL` order, then the currency's own.
fn lines(report: &AgingReport, code: &str) -> (Vec<(usize, Money)>, (usize, Money)) {
    let c = report.currency(cur(code)).unwrap();
    let buckets = c.buckets.iter().map(|b| (b.count, b.total)).collect();
    (buckets, (c.count, c.total))
}

#[test]
fn aging_buckets_open_invoices_per_currency() {
    let report = aging(&portfolio(), date(2026, 6, 30)).unwrap();
    let codes: Vec<&str> = report
        .currencies
        .iter()
        .map(|c| c.currency.code())
        .collect();
    assert_eq!(codes, ["EUR", "USD"]);
    assert_eq!(
        lines(&report, "USD"),
        (
            vec![
                (2, money("USD 350")),
                (1, money("USD 300")),
                (1, money("USD 400")),
                (1, money("USD 1000")),
                (1, money("USD 50")),
            ],
            (6, money("USD 2100")),
        )
    );
    assert_eq!(
        lines(&report, "EUR"),
        (
            vec![
                (0, money("EUR 0")),
                (2, money("EUR 100")),
                (0, money("EUR 0")),
                (0, money("EUR 0")),
                (1, money("EUR 900")),
            ],
            (3, money("EUR 1000")),
        )
    );
}

#[test]
fn aging_bucket_edges_are_inclusive() {
    let as_of = date(2026, 6, 30);
    let cases = [
        (0, AgingBucket::Current),
        (1, AgingBucket::Days1To30),
        (30, AgingBucket::Days1To30),
        (31, AgingBucket::Days31To60),
        (60, AgingBucket::Days31To60),
        (61, AgingBucket::Days61To90),
        (90, AgingBucket::Days61To90),
        (91, AgingBucket::Over90),
    ];
    for (days_late, expected) in cases {
        let due = as_of.checked_sub(days_late.days()).unwrap();
        let report = aging(&[inv("X", "X", due, "USD 1", ChaseState::Scheduled)], as_of).unwrap();
        let usd = report.currency(cur("USD")).unwrap();
        assert_eq!(usd.bucket(expected).count, 1, "{days_late} days late");
    }
}

#[test]
fn nothing_open_is_an_empty_report() {
    let closed: Vec<_> = portfolio().into_iter().filter(|i| !i.is_open()).collect();
    assert_eq!(closed.len(), 4);
    assert!(
        aging(&closed, date(2026, 6, 30))
            .unwrap()
            .currencies
            .is_empty()
    );
}

#[test]
fn top_late_payers_rank_within_each_currency() {
    let payers = top_late_payers(&portfolio(), date(2026, 6, 30), 2).unwrap();
    let got: Vec<(&str, &str, Money, usize, i64)> = payers
        .iter()
        .map(|p| {
            (
                p.currency.code(),
                p.customer.as_str(),
                p.overdue,
                p.invoices,
                p.oldest_days_late,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("EUR", "Birch plc", money("EUR 900"), 1, 121),
            ("EUR", "Acme Ltd", money("EUR 80"), 1, 1),
            ("USD", "Birch plc", money("USD 1000"), 1, 81),
            // U3 and U4; U1 and U2 are not late yet.
            ("USD", "Acme Ltd", money("USD 700"), 2, 51),
        ]
    );
}

#[test]
fn late_payer_ties_go_to_the_oldest_then_by_name() {
    let as_of = date(2026, 6, 30);
    let late = |customer, days: i64| {
        let due = as_of.checked_sub(days.days()).unwrap();
        inv("X", customer, due, "USD 100", ChaseState::Scheduled)
    };
    let invoices = [late("Zed", 10), late("Bee", 40), late("Ann", 10)];
    let names: Vec<String> = top_late_payers(&invoices, as_of, 10)
        .unwrap()
        .into_iter()
        .map(|p| p.customer)
        .collect();
    assert_eq!(names, ["Bee", "Ann", "Zed"]);
}

/// Two currencies around March 2026. Hand-computed March figures:
/// USD opening 1000 - 400 + 500 = 1100; issued 800 + 200; collected 600 + 300; written off 100;
/// closing 1100 (A2 400 + A3 500 + A4 200). EUR opening 2000 - 500 = 1500; issued 300;
/// voided 1500; closing 300 (B2).
fn ledger() -> Vec<LedgerEvent> {
    use LedgerKind::*;
    vec![
        event(date(2026, 2, 10), "INV-A1", Issued(money("USD 1000"))),
        event(date(2026, 2, 20), "INV-A1", Payment(money("USD 400"))),
        event(date(2026, 2, 25), "INV-A2", Issued(money("USD 500"))),
        event(date(2026, 3, 1), "INV-A1", Payment(money("USD 600"))),
        event(date(2026, 3, 5), "INV-A3", Issued(money("USD 800"))),
        event(date(2026, 3, 10), "INV-A2", WrittenOff(money("USD 100"))),
        event(
            date(2026, 3, 15),
            "INV-A3",
            PromiseMade {
                pay_by: date(2026, 3, 25),
            },
        ),
        event(date(2026, 3, 25), "INV-A3", PromiseKept),
        event(date(2026, 3, 25), "INV-A3", Payment(money("USD 300"))),
        event(date(2026, 3, 31), "INV-A4", Issued(money("USD 200"))),
        event(date(2026, 4, 1), "INV-A4", Payment(money("USD 200"))),
        event(date(2026, 1, 15), "INV-B1", Issued(money("EUR 2000"))),
        event(
            date(2026, 2, 27),
            "INV-B1",
            PromiseMade {
                pay_by: date(2026, 2, 28),
            },
        ),
        event(date(2026, 2, 28), "INV-B1", Payment(money("EUR 500"))),
        event(
            date(2026, 3, 2),
            "INV-B1",
            PromiseMade {
                pay_by: date(2026, 3, 9),
            },
        ),
        event(date(2026, 3, 10), "INV-B1", PromiseBroken),
        event(date(2026, 3, 12), "INV-B1", Voided(money("EUR 1500"))),
        event(date(2026, 3, 20), "INV-B2", Issued(money("EUR 300"))),
    ]
}

/// The store today (April): A4 has since been paid.
fn snapshot() -> Vec<ReportInvoice> {
    use ChaseState::*;
    vec![
        inv("INV-A1", "Acme Ltd", date(2026, 3, 12), "USD 0", Paid),
        inv(
            "INV-A2",
            "Acme Ltd",
            date(2026, 3, 27),
            "USD 400",
            Scheduled,
        ),
        inv(
            "INV-A3",
            "Birch plc",
            date(2026, 4, 4),
            "USD 500",
            Scheduled,
        ),
        inv("INV-A4", "Birch plc", date(2026, 4, 30), "USD 0", Paid),
        inv("INV-B1", "Cobalt AG", date(2026, 2, 14), "EUR 0", Void),
        inv(
            "INV-B2",
            "Cobalt AG",
            date(2026, 4, 19),
            "EUR 300",
            Scheduled,
        ),
    ]
}

#[test]
fn dso_divides_receivables_by_the_period_sales() {
    let mut invoices = snapshot();
    invoices.push(inv(
        "INV-G1",
        "Delta SA",
        date(2026, 3, 1),
        "GBP 100",
        ChaseState::Scheduled,
    ));
    let as_of = date(2026, 3, 31);
    let dec = |s: &str| Some(s.parse::<Decimal>().unwrap());
    // USD: 900 owed / (800 + 200) sold × 30; EUR: 300 / 300 × 30; GBP sold nothing.
    assert_eq!(
        dso(&invoices, &ledger(), as_of, 30).unwrap(),
        [
            (cur("EUR"), dec("30.0")),
            (cur("GBP"), None),
            (cur("USD"), dec("27.0")),
        ]
    );
    // 26 days end on 03-06: A3, issued on 03-05, falls out. USD: 900 / 200 × 26.
    let usd = dso(&invoices, &ledger(), as_of, 26).unwrap()[2];
    assert_eq!(usd, (cur("USD"), dec("117.0")));
    // Rounded to one decimal: 900 / 1000 × 31 = 27.9.
    assert_eq!(
        dso(&invoices, &ledger(), as_of, 31).unwrap()[2].1,
        dec("27.9")
    );
    assert_eq!(
        dso(&invoices, &[], as_of, 30).unwrap()[2],
        (cur("USD"), None)
    );
}

#[test]
fn collected_counts_payments_after_from_up_to_to() {
    let got = collected(&ledger(), date(2026, 2, 28), date(2026, 3, 31)).unwrap();
    assert_eq!(
        got,
        [money("USD 900")],
        "EUR 500 on 02-28 is not after `from`"
    );
    let got = collected(&ledger(), date(2026, 2, 27), date(2026, 4, 1)).unwrap();
    assert_eq!(got, [money("EUR 500"), money("USD 1100")]);
}

#[test]
fn monthly_summary_of_march() {
    let summary = monthly_summary(&snapshot(), &ledger(), 2026, 3).unwrap();
    assert_eq!(summary.first_day, date(2026, 3, 1));
    assert_eq!(summary.last_day, date(2026, 3, 31));
    let figures: Vec<[Money; 6]> = summary
        .currencies
        .iter()
        .map(|l| {
            [
                l.opening,
                l.issued,
                l.collected,
                l.written_off,
                l.voided,
                l.closing,
            ]
        })
        .collect();
    let m = |amounts: [&str; 6], code: &str| amounts.map(|a| money(&format!("{code} {a}")));
    assert_eq!(
        figures,
        [
            m(["1500", "300", "0", "0", "1500", "300"], "EUR"),
            m(["1100", "1000", "900", "100", "0", "1100"], "USD"),
        ]
    );
    // A4 is paid today but was open on 03-31; A2 was 4 days late.
    let aging = &summary.aging;
    assert_eq!(aging.as_of, date(2026, 3, 31));
    let (usd, usd_total) = lines(aging, "USD");
    assert_eq!(usd[0], (2, money("USD 700")));
    assert_eq!(usd[1], (1, money("USD 400")));
    assert_eq!(usd_total, (3, money("USD 1100")));
    assert_eq!(lines(aging, "EUR").1, (1, money("EUR 300")));
    assert_eq!(
        (
            summary.promises.made,
            summary.promises.kept,
            summary.promises.broken
        ),
        (2, 1, 1)
    );
}

#[test]
fn an_invalid_month_is_refused() {
    assert!(monthly_summary(&[], &[], 2026, 13).is_err());
    let empty = monthly_summary(&[], &[], 2026, 2).unwrap();
    assert_eq!(
        empty.deterministic_narrative(),
        "February 2026: no receivables and no activity."
    );
}

#[test]
fn aggregates_text_holds_numbers_and_no_names() {
    let summary = monthly_summary(&snapshot(), &ledger(), 2026, 3).unwrap();
    let text = summary.aggregates_text();
    assert!(
        text.contains("USD receivables: opening USD 1,100.00"),
        "{text}"
    );
    assert!(
        text.contains("Promises to pay: made 2, kept 1, broken 1"),
        "{text}"
    );
    let names = snapshot()
        .into_iter()
        .chain(portfolio())
        .flat_map(|i| [i.number, i.customer]);
    for name in names {
        assert!(!text.contains(&name), "{name} leaked into:\n{text}");
    }
}

#[test]
fn the_narrative_is_written_from_the_numbers() {
    let summary = monthly_summary(&snapshot(), &ledger(), 2026, 3).unwrap();
    assert_eq!(
        summary.deterministic_narrative(),
        "March 2026: EUR receivables went from EUR 1,500.00 to EUR 300.00 \
         (EUR 300.00 issued, EUR 0.00 collected, EUR 1,500.00 voided). \
         USD receivables went from USD 1,100.00 to USD 1,100.00 \
         (USD 1,000.00 issued, USD 900.00 collected, USD 100.00 written off). \
         No EUR invoice was past due at month end. \
         USD past due at month end: USD 400.00 (1 invoice) at 1-30 days. \
         Customers made 2 promises to pay; 1 was kept and 1 broken."
    );
}

#[test]
fn csv_exports_have_headers_and_plain_amounts() {
    let report = aging(&portfolio(), date(2026, 6, 30)).unwrap();
    let csv = aging_csv(&report).unwrap();
    let mut rows = csv.lines();
    assert_eq!(rows.next(), Some("as_of,currency,bucket,invoices,balance"));
    assert_eq!(rows.next(), Some("2026-06-30,EUR,current,0,0.00"));
    assert!(csv.contains("\n2026-06-30,USD,90+,1,50.00\n"));
    assert!(csv.ends_with("2026-06-30,USD,total,6,2100.00\n"));
    assert_eq!(csv.lines().count(), 1 + 2 * 6);

    let summary = monthly_summary(&snapshot(), &ledger(), 2026, 3).unwrap();
    let csv = summary_csv(&summary).unwrap();
    assert!(csv.starts_with("month,currency,measure,value\n2026-03,EUR,opening,1500.00\n"));
    assert!(csv.contains("\n2026-03,USD,closing,1100.00\n"));
    assert!(csv.contains("\n2026-03,USD,aging_1-30,400.00\n"));
    assert!(csv.ends_with("2026-03,,promises_broken,1\n"));
}

#[test]
fn formula_cells_are_neutralized() {
    for cell in ["=1+1", "+1", "-12.00", "@A1", "\tx", "\rx"] {
        assert_eq!(neutralize(cell), format!("'{cell}"));
    }
    assert!(matches!(
        neutralize("Acme = Ltd"),
        std::borrow::Cow::Borrowed(_)
    ));

    let payer = |customer: &str| LatePayer {
        customer: customer.into(),
        currency: cur("USD"),
        overdue: money("USD 100"),
        invoices: 1,
        oldest_days_late: 10,
    };
    let csv = late_payers_csv(&[payer("=cmd|' /C calc'!A0"), payer("@SUM(1+1)")]).unwrap();
    assert_eq!(
        csv,
        "currency,customer,overdue,invoices,oldest_days_late\n\
         USD,'=cmd|' /C calc'!A0,100.00,1,10\n\
         USD,'@SUM(1+1),100.00,1,10\n"
    );
}
