//! The owner's cockpit over 10,000 open invoices: the digest read from a SQLite store (the
//! chases' own copies, the review queue, a day of the audit log, the aging report) and the
//! page rendered, as `GET /review` does.
//!
//! Run: `cargo bench -p chaser-api --bench cockpit`. The portfolio: 10,000 open invoices of
//! 400 customers in USD and EUR, due over the last 120 days and the next 30; one in twenty
//! failed, paused, disputed or escalated each; every chase's next message spread over the
//! coming week; 200 payments in the last day; 50 review items.

#![allow(clippy::print_stdout)]

use std::sync::Arc;

use chaser_activities::links::Links;
use chaser_activities::store::{AuditRecord, NewReviewItem, Store};
use chaser_api::review::{Reviewer, render_cockpit};
use chaser_app::Chaser;
use chaser_domain::{
    AuditAction, ChaseState, Customer, Email, Invoice, InvoiceNumber, Money, Rules, Terms, Zone,
};
use criterion::{Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde_json::json;

const INVOICES: usize = 10_000;

fn state(i: usize) -> ChaseState {
    match i % 20 {
        0 => ChaseState::Failed,
        1 => ChaseState::Paused,
        2 => ChaseState::Disputed,
        3 => ChaseState::Escalated,
        _ => ChaseState::Scheduled,
    }
}

/// The chase's view as it writes it to the store.
fn view(i: usize, invoice: &Invoice, now: Timestamp) -> serde_json::Value {
    let sent = now - SignedDuration::from_hours(30);
    let send = if state(i) == ChaseState::Failed {
        json!({"step_id": "nudge", "at": sent, "state": {"state": "failed", "error": "550 mailbox unavailable"}})
    } else {
        json!({"step_id": "nudge", "at": sent, "state": {"state": "done"}})
    };
    let moves = ["nudge", "follow_up", "escalate", "final_notice"];
    json!({
        "invoice": invoice.number.as_str(),
        "state": state(i),
        "balance": invoice.balance,
        "next_touch": {
            "step_id": format!("step_{}", i % 4),
            "move": moves[i % 4],
            "at": now + SignedDuration::from_mins((i % (7 * 24 * 60)) as i64),
        },
        "paused_until": (state(i) == ChaseState::Paused).then(|| now + SignedDuration::from_hours(24)),
        "pauses_used": 0,
        "paused_days_used": 0,
        "sends": [send],
    })
}

async fn seed(store: &Store, now: Timestamp) {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let owner = Email::parse("owner@company.example").expect("owner");
    for i in 0..INVOICES {
        let currency = if i % 5 == 0 { "EUR" } else { "USD" };
        let amount = Money::parse(
            &format!("{}.{:02}", 100 + i % 9_000, i % 100),
            currency.parse().expect("currency"),
        )
        .expect("amount");
        let due = today
            .checked_add(((i % 150) as i64 - 120).days())
            .expect("due");
        let issue = due.checked_sub(30.days()).expect("issue");
        let invoice = Invoice::new(
            InvoiceNumber::parse(&format!("INV-{i:05}")).expect("number"),
            Customer {
                id: format!("cust-{}", i % 400),
                name: format!("Customer {}", i % 400),
            },
            amount,
            issue,
            due,
            Terms::Net(30),
            owner.clone(),
        );
        let workflow_id = format!("invoice-{i:05}");
        let status = serde_json::from_value(view(i, &invoice, now)).expect("status view");
        store
            .project_chase(&invoice, &workflow_id, state(i), Some(&status), 1, now)
            .await
            .expect("seeded");
        if i % 50 == 7 {
            let paid = Money::parse("10.00", invoice.balance.currency()).expect("paid");
            let before = json!({"state": "scheduled", "balance": invoice.balance.checked_add(&paid).expect("sum"), "due_date": due});
            let after = json!({"state": "scheduled", "balance": invoice.balance, "due_date": due});
            let record = AuditRecord {
                at: now - SignedDuration::from_hours((i % 20) as i64),
                invoice: invoice.number.normalized(),
                workflow_id: workflow_id.clone(),
                action: AuditAction::Payment,
                actor: "bench".into(),
                before: Some(before),
                after: Some(after),
                detail: None,
                dedup_key: format!("bench/payment/{i}"),
            };
            store.append_audit(&record).await.expect("audit");
        }
        if i % 200 == 11 {
            let item = NewReviewItem {
                kind: "vanished_from_export".into(),
                dedup_key: format!("vanished_from_export/books/{i}"),
                invoice: Some(invoice.number.normalized()),
                summary: format!("{} is no longer in the `books` export", invoice.number),
                detail: json!({}),
            };
            store
                .flag_for_review(&item, now)
                .await
                .expect("review item");
        }
    }
}

fn bench_cockpit(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = std::env::temp_dir().join(format!("chaser-cockpit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let url = format!("sqlite://{}?mode=rwc", dir.join("store.db").display());
    let now = Timestamp::now();
    let reviewer = runtime.block_on(async {
        let store = Store::connect(&url).await.expect("store");
        seed(&store, now).await;
        Reviewer {
            chaser: Arc::new(Chaser::new(
                Err("no Temporal: the cockpit reads the store".to_owned()),
                store,
                Arc::new(Rules::default()),
                "bench".to_owned(),
            )),
            links: Links::new("bench-secret", "https://chaser.example"),
            action_ttl: SignedDuration::from_hours(72),
            approval_ttl: SignedDuration::from_hours(72),
            zone: Zone::parse("UTC").expect("zone"),
        }
    });
    let page = runtime.block_on(async {
        let digest = reviewer.digest(None, now).await.expect("digest");
        render_cockpit(&digest, "Bench Co", None).expect("page")
    });
    println!(
        "cockpit page for {INVOICES} open invoices: {} KiB",
        page.len() / 1024
    );
    let mut group = c.benchmark_group("cockpit");
    group.sample_size(10);
    // The baseline: only reading the open invoices, which any page over them must do.
    group.bench_function("10k_open_invoices_read_only", |b| {
        b.iter(|| {
            runtime.block_on(async {
                reviewer
                    .chaser
                    .store()
                    .open_invoices()
                    .await
                    .expect("open invoices")
            })
        });
    });
    group.bench_function("10k_open_invoices", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let digest = reviewer.digest(None, now).await.expect("digest");
                render_cockpit(&digest, "Bench Co", None).expect("page")
            })
        });
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench_cockpit);
criterion_main!(benches);
