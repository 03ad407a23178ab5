//! `plan` over 100,000 generated invoices on one core.
//!
//! Run: `cargo bench -p chaser-domain --bench plan`. The invoices mix terms, customer time
//! zones, contacts and "now" (from before issue to long overdue, so catch-up runs too), and
//! are planned against the cadences of `examples/rules.toml`.

use std::hint::black_box;

use chaser_domain::{
    Contact, Customer, Email, Invoice, InvoiceNumber, Money, Role, Rules, Terms, Zone, plan,
};
use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};

const INVOICES: usize = 100_000;

/// A small deterministic generator, so every run plans the same invoices.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn generate(rng: &mut SplitMix, n: usize) -> Vec<(Invoice, Timestamp)> {
    let zones: Vec<Option<Zone>> = [
        None,
        Some("America/New_York"),
        Some("Asia/Tokyo"),
        Some("Australia/Sydney"),
    ]
    .iter()
    .map(|z| z.map(|name| Zone::parse(name).expect("zone")))
    .collect();
    let terms = [
        Terms::Net(30),
        Terms::Net(15),
        Terms::DueOnReceipt,
        Terms::EndOfMonth(10),
        Terms::Net(60),
    ];
    let usd = "USD".parse().expect("USD");
    let base = Date::constant(2026, 1, 1);
    (0..n)
        .map(|i| {
            let issue = base
                .checked_add((rng.below(700) as i64).days())
                .expect("date");
            let terms = terms[rng.below(terms.len() as u64) as usize].clone();
            let due = terms.due_date(issue).expect("due date");
            let amount = Money::parse(
                &format!("{}.{:02}", 50 + rng.below(20_000), rng.below(100)),
                usd,
            )
            .expect("amount");
            let contacts = (0..rng.below(3))
                .map(|c| Contact {
                    name: String::new(),
                    email: Email::parse(&format!("c{c}.{i}@customer.example")).expect("email"),
                    roles: vec![
                        [Role::Billing, Role::Primary, Role::Executive][c as usize % 3].clone(),
                    ],
                })
                .collect();
            let invoice = Invoice {
                contacts,
                customer_time_zone: zones[rng.below(zones.len() as u64) as usize].clone(),
                already_sent: rng.below(2) == 0,
                ..Invoice::new(
                    InvoiceNumber::parse(&format!("INV-{i}")).expect("number"),
                    Customer {
                        id: format!("cust-{}", i % 997),
                        name: "Customer".into(),
                    },
                    amount,
                    issue,
                    due,
                    terms,
                    Email::parse("owner@company.example").expect("owner"),
                )
            };
            let start = issue
                .to_zoned(jiff::tz::TimeZone::UTC)
                .expect("zoned")
                .timestamp();
            let now = start + SignedDuration::from_hours(rng.below(24 * 120) as i64);
            (invoice, now)
        })
        .collect()
}

fn bench_plan(c: &mut Criterion) {
    let rules = Rules::from_toml(
        include_str!("../../examples/rules.toml"),
        "examples/rules.toml",
    )
    .expect("rules");
    let invoices = generate(&mut SplitMix(42), INVOICES);
    let mut group = c.benchmark_group("plan");
    group
        .sample_size(10)
        .measurement_time(std::time::Duration::from_secs(12));
    group.bench_function("100k_invoices", |b| {
        b.iter(|| {
            let mut steps = 0usize;
            for (invoice, now) in &invoices {
                let schedule = plan(
                    invoice,
                    rules.cadence_for(&invoice.terms),
                    &rules.company,
                    *now,
                );
                steps += black_box(schedule).steps.len();
            }
            steps
        })
    });
    group.finish();
}

criterion_group!(benches, bench_plan);
criterion_main!(benches);
