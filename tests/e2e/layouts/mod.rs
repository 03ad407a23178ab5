//! Every sample export of `tests/fixtures/exports/`, imported through the binary into a
//! chaser with a real worker: the exact invoices the store then holds (number, customer,
//! state, balance and amount with their currency, due date), the next touch each chase wrote
//! back, and the rows the owner finds in the review queue. Each sample runs in a Temporal
//! namespace of its own, because the samples' invoice numbers are fixed and shared.

use std::time::Duration;

use serde_json::Value;

use crate::support::*;

mod choices;

/// One step, ten years after the due date: every chase starts and plans it, and none sends
/// anything or changes state while the test looks.
pub(crate) fn far_rules() -> String {
    seconds_rules(
        r#"[[cadences.default.steps]]
when = "after_due 3650d"
move = "nudge"
"#,
    )
}

/// A chaser in its own namespace, with a running worker, a default owner (most exports name
/// none) and, for reports in the books' base currency, a default currency.
fn layout_chaser(name: &str, currency: Option<&str>) -> Chaser {
    let mut settings = vec![
        ("email.default_owner", address(name, "owner").into()),
        ("mode", "dry_run".into()),
    ];
    if let Some(code) = currency {
        settings.push(("email.default_currency", code.into()));
    }
    let mut chaser = Chaser::with_config(name, &far_rules(), Backend::Sqlite, &settings);
    chaser.own_namespace();
    chaser.start_worker();
    chaser
}

fn fixture(name: &str) -> String {
    repo_root()
        .join("tests/fixtures/exports")
        .join(name)
        .display()
        .to_string()
}

/// `chaser invoices --json`, parsed.
pub(crate) fn invoices(chaser: &Chaser) -> Vec<Value> {
    serde_json::from_str(&chaser.ok(&["invoices", "--json"])).unwrap()
}

/// The store's invoices, one line each: `number · customer · state · balance of amount · due`.
fn held(invoices: &[Value]) -> Vec<String> {
    invoices
        .iter()
        .map(|i| {
            let balance = i["balance"].as_str().unwrap();
            assert!(
                balance.starts_with(i["currency"].as_str().unwrap()),
                "the currency is the balance's: {i:#}"
            );
            format!(
                "{} · {} · {} · {} of {} · due {}",
                i["number"].as_str().unwrap(),
                i["customer"].as_str().unwrap(),
                i["state"].as_str().unwrap(),
                balance,
                i["amount"].as_str().unwrap(),
                i["due_date"].as_str().unwrap()
            )
        })
        .collect()
}

/// Imports a sample; `rejected` says whether it has rows the import refuses (exit code 1).
fn import_sample(chaser: &Chaser, sample: &str, extra: &[&str], rejected: bool) -> String {
    let path = fixture(sample);
    let mut args = vec!["import", path.as_str()];
    args.extend_from_slice(extra);
    let out = chaser.run(&args);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        out.status.code(),
        Some(i32::from(rejected)),
        "exit code of importing {sample}: {text}"
    );
    text
}

/// The import said which layout it read the file as, and how many invoices it found.
fn read_as(out: &str, layout: &str, invoices: usize) {
    assert!(
        out.contains(&format!(": read as {layout} ({invoices} invoices)")),
        "{out}"
    );
}

/// Waits until every open chase has written its next touch to the store, then checks it is
/// the one step, ten years after the due date; returns the store's invoices.
fn settled(chaser: &Chaser) -> Vec<Value> {
    let all = wait_for(
        "every chase to write its view to the store",
        Duration::from_secs(30),
        || {
            let all = invoices(chaser);
            all.iter()
                .filter(|i| i["state"] == "scheduled")
                .all(|i| !i["next_touch"].is_null())
                .then_some(all)
        },
    );
    for i in &all {
        if i["state"] != "scheduled" {
            assert!(
                i["next_touch"].is_null(),
                "a closed invoice has no next touch: {i:#}"
            );
            continue;
        }
        let due: jiff::civil::Date = i["due_date"].as_str().unwrap().parse().unwrap();
        let at = due.checked_add(jiff::Span::new().days(3650)).unwrap();
        assert_eq!(i["next_touch"]["step_id"], "nudge", "{i:#}");
        // At the send hour on the customer's clock, when the export names their zone.
        assert!(
            i["next_touch"]["at"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{at}T")),
            "{i:#}"
        );
    }
    all
}

/// The open review items, as `kind invoice`.
fn flagged(chaser: &Chaser) -> Vec<String> {
    let mut items: Vec<String> = review_items(chaser)
        .iter()
        .map(|i| {
            format!(
                "{} {}",
                i["kind"].as_str().unwrap(),
                i["invoice"].as_str().unwrap()
            )
        })
        .collect();
    items.sort();
    items
}

#[test]
fn a_plain_spreadsheet_csv_imports_as_the_store_shows() {
    let chaser = layout_chaser("layout-plain-csv", None);

    let out = import_sample(&chaser, "generic_plain.csv", &[], true);

    read_as(&out, "plain spreadsheet", 4);
    assert!(
        out.contains("3 started, 0 updated, 0 paid, 0 closed, 1 unchanged, 1 rejected, 3 flagged"),
        "{out}"
    );
    assert!(
        out.contains(
            "line 8: Invoice Date: `31/02/2026` is not a real date: February 2026 has 28 days"
        ),
        "{out}"
    );
    assert_eq!(
        held(&settled(&chaser)),
        [
            "00042 · Acme Ltd · scheduled · GBP 1200.00 of GBP 1200.00 · due 2026-11-13",
            "INV-1049 · Kappa Ltd · void · GBP 640.00 of GBP 640.00 · due 2026-11-20",
            "INV-1048 · Iota & Sons, Ltd · scheduled · USD 2500.50 of USD 2500.50 · due 2026-12-16",
            "1234567890123456789 · Lambda BV · scheduled · EUR 99.95 of EUR 99.95 · due 2026-12-22",
        ]
    );
    // Two rows share INV-1043: one item names both customers.
    assert_eq!(
        flagged(&chaser),
        ["duplicate_number INV-1043", "negative_amount INV-1046"]
    );
    let items = review_items(&chaser);
    let duplicate = items
        .iter()
        .find(|i| i["kind"] == "duplicate_number")
        .unwrap();
    assert_eq!(
        duplicate["summary"],
        "INV-1043 (Beta GmbH, import line 3): the number is used for different customers (Beta GmbH, Theta Ltd) on lines 3, 9; not chased"
    );

    // Importing the file again raises nothing new.
    let again = import_sample(&chaser, "generic_plain.csv", &[], true);
    assert!(
        again
            .contains("0 started, 0 updated, 0 paid, 0 closed, 4 unchanged, 1 rejected, 3 flagged"),
        "{again}"
    );
    assert_eq!(review_items(&chaser).len(), 2);
}

#[test]
fn a_plain_spreadsheet_workbook_imports_as_the_store_shows() {
    let chaser = layout_chaser("layout-plain-xlsx", None);

    let out = import_sample(&chaser, "generic_plain.xlsx", &[], false);
    read_as(&out, "plain spreadsheet", 3);

    assert!(out.contains("ignored columns: Notes"), "{out}");
    assert_eq!(
        held(&settled(&chaser)),
        [
            "1051 · Gamma Co · paid · GBP 0.00 of GBP 300.00 · due 2026-10-20",
            "00042 · Acme Ltd · scheduled · GBP 1200.00 of GBP 1200.00 · due 2026-11-13",
            "INV-1050 · Beta GmbH · scheduled · EUR 450.50 of EUR 950.50 · due 2026-12-02",
        ]
    );
    assert!(flagged(&chaser).is_empty());
}

#[test]
fn quickbooks_open_invoices_imports_as_the_store_shows() {
    let chaser = layout_chaser("layout-qbo-open", Some("USD"));

    let out = import_sample(&chaser, "quickbooks_open_invoices.csv", &[], false);
    read_as(
        &out,
        "QuickBooks Online report grouped by customer (Open Invoices, A/R Aging Detail)",
        6,
    );

    assert!(
        out.contains("6 started, 0 updated, 0 paid, 0 closed, 0 unchanged, 0 rejected, 1 flagged"),
        "{out}"
    );
    assert_eq!(
        held(&settled(&chaser)),
        [
            "001019 · Kookies by Kathy · scheduled · USD 75.00 of USD 75.00 · due 2026-07-02",
            "1031 · Freeman Sporting Goods:55 Twin Lane · scheduled · USD 900.00 of USD 2400.00 · due 2026-10-29",
            "1028 · Freeman Sporting Goods:0969 Ocean View Road · scheduled · USD 81.00 of USD 81.00 · due 2026-11-01",
            "1021 · Amy's Bird Sanctuary · scheduled · USD 239.00 of USD 459.00 · due 2026-11-27",
            "1036 · Amy's Bird Sanctuary · scheduled · USD 1250.00 of USD 1250.00 · due 2026-12-14",
            "1037 · Sonnenschein Family Store · scheduled · USD 362.07 of USD 362.07 · due 2026-12-20",
        ]
    );
    assert_eq!(flagged(&chaser), ["negative_amount 1038"]);
}

#[test]
fn quickbooks_aging_detail_by_customer_imports_as_the_store_shows() {
    let chaser = layout_chaser("layout-qbo-aging-2024", Some("USD"));

    let out = import_sample(&chaser, "quickbooks_ar_aging_detail_2024.csv", &[], false);
    read_as(
        &out,
        "QuickBooks Online report grouped by customer (Open Invoices, A/R Aging Detail)",
        2,
    );

    assert_eq!(
        held(&settled(&chaser)),
        [
            "1003 · Red Rock Diner · scheduled · USD 156.00 of USD 156.00 · due 2026-09-14",
            "1008 · Cool Cars · scheduled · USD 2369.52 of USD 2369.52 · due 2026-10-18",
        ]
    );
    assert_eq!(flagged(&chaser), ["duplicate_number 1015"]);
}

#[test]
fn quickbooks_aging_detail_with_a_customer_column_imports_as_the_store_shows() {
    let chaser = layout_chaser("layout-qbo-aging", Some("USD"));

    let out = import_sample(&chaser, "quickbooks_ar_aging_detail.csv", &[], false);
    read_as(
        &out,
        "QuickBooks Online A/R Aging Detail or Invoice List",
        4,
    );

    assert_eq!(
        held(&settled(&chaser)),
        [
            "1019 · Kookies by Kathy · scheduled · USD 75.00 of USD 75.00 · due 2026-08-01",
            "1031 · Freeman Sporting Goods:55 Twin Lane · scheduled · USD 900.00 of USD 2400.00 · due 2026-11-13",
            "1037 · Sonnenschein Family Store · scheduled · USD 362.07 of USD 362.07 · due 2026-12-20",
            "1038 · Amy's Bird Sanctuary · scheduled · USD 1250.00 of USD 1250.00 · due 2026-12-25",
        ]
    );
    assert!(flagged(&chaser).is_empty());
}

#[test]
fn xero_aged_receivables_imports_as_the_store_shows() {
    let chaser = layout_chaser("layout-xero-aged", Some("GBP"));

    let out = import_sample(&chaser, "xero_aged_receivables_detail.csv", &[], true);
    read_as(&out, "Xero Aged Receivables Detail report", 4);

    assert!(
        out.contains(
            "line 21: Invoice Date: `31 Nov 2026` is not a real date: November 2026 has 30 days"
        ),
        "{out}"
    );
    assert_eq!(
        held(&settled(&chaser)),
        [
            "INV-0031 · Marine Systems · scheduled · GBP 1750.00 of GBP 1750.00 · due 2026-08-01",
            "INV-0051 · Bayside Club · scheduled · GBP 1200.00 of GBP 1200.00 · due 2026-11-04",
            "INV-0041 · Ridgeway University · scheduled · GBP 1650.00 of GBP 1650.00 · due 2026-12-03",
            "INV-0063 · City Agency · scheduled · GBP 2400.00 of GBP 2400.00 · due 2026-12-14",
        ]
    );
    assert_eq!(flagged(&chaser), ["negative_amount CN-0004"]);
}

#[test]
fn freshbooks_invoice_details_imports_as_the_store_shows() {
    let chaser = layout_chaser("layout-freshbooks-report", None);

    let out = import_sample(&chaser, "freshbooks_invoice_details_report.csv", &[], false);
    read_as(&out, "FreshBooks Invoice Details report", 3);

    assert_eq!(
        held(&settled(&chaser)),
        [
            "0000097 · Umbrella Ltd · scheduled · GBP 640.00 of GBP 640.00 · due 2026-10-20",
            "0000099 · Initech · paid · USD 0.00 of USD 2250.00 · due 2026-11-09",
            "0000101 · Acme Corp · scheduled · USD 1400.00 of USD 1400.00 · due 2026-12-02",
        ]
    );
    assert_eq!(
        flagged(&chaser),
        ["outstanding_unknown 0000098", "outstanding_unknown 0000103"]
    );
}

/// The exports the chaser read before issue 13: FreshBooks with totals, Xero's invoice
/// export, Zoho, Stripe and the chaser's own columns.
#[test]
fn the_older_exports_import_as_the_store_shows() {
    let cases: [(&str, &str, &[&str]); 5] = [
        (
            "freshbooks_invoice_details.csv",
            "FreshBooks Invoice Details report",
            &[
                "0000097 · Umbrella Ltd · scheduled · GBP 640.00 of GBP 640.00 · due 2026-10-20",
                "0000098 · Acme Corp · scheduled · USD 500.00 of USD 800.00 · due 2026-10-31",
                "0000099 · Globex · paid · CAD 0.00 of CAD 2250.00 · due 2026-11-09",
                "0000101 · Acme Corp · scheduled · USD 1500.00 of USD 1500.00 · due 2026-12-02",
            ],
        ),
        (
            "xero_invoices.csv",
            "Xero invoices export",
            &[
                "INV-0043 · Marine Systems · paid · USD 0.00 of USD 500.00 · due 2026-11-19",
                "INV-0045 · Hamilton Smith Ltd · void · GBP 0.00 of GBP 360.00 · due 2026-12-02",
                "INV-0041 · Ridgeway University · scheduled · GBP 1650.00 of GBP 1650.00 · due 2026-12-05",
                "INV-0042 · City Agency · scheduled · EUR 1400.00 of EUR 2400.00 · due 2026-12-14",
            ],
        ),
        (
            "zoho_invoices.csv",
            "Zoho Books invoices export",
            &[
                "INV-000055 · AMS Stores · void · EUR 300.00 of EUR 300.00 · due 2026-10-15",
                "INV-000052 · Elite International · paid · USD 0.00 of USD 1200.00 · due 2026-11-04",
                "INV-000053 · NewTech Industries · scheduled · GBP 400.00 of GBP 900.00 · due 2026-11-12",
                "INV-000051 · Zylker Electronics · scheduled · INR 6000.00 of INR 6000.00 · due 2026-12-03",
            ],
        ),
        (
            "stripe_invoices.csv",
            "Stripe invoices export",
            &[
                "GONE-0003 · Gone Ltd · written_off · GBP 120.00 of GBP 120.00 · due 2026-07-01",
                "STUP-0012 · Startup Co · paid · USD 0.00 of USD 99.00 · due 2026-11-01",
                "ACME-0000 · Acme Inc · void · USD 50.00 of USD 50.00 · due 2026-11-04",
                "LUM-0007 · Lumière SARL · scheduled · EUR 600.00 of EUR 1000.00 · due 2026-12-02",
                "SAKU-0002 · keiri@sakura.example · scheduled · JPY 12000 of JPY 12000 · due 2026-12-10",
                "ACME-0001 · Acme Inc · scheduled · USD 240.00 of USD 240.00 · due 2026-12-21",
            ],
        ),
        (
            "chaser.csv",
            "chaser CSV",
            &[
                "INV-1003 · Gamma Co · paid · GBP 0.00 of GBP 300.00 · due 2026-10-01",
                "INV-1002 · Beta GmbH · scheduled · EUR 450.00 of EUR 950.00 · due 2026-11-14",
                "INV-1004 · Delta KK · scheduled · JPY 120000 of JPY 120000 · due 2026-11-20",
                "INV-1001 · Acme Ltd · scheduled · USD 1200.00 of USD 1200.00 · due 2026-12-01",
            ],
        ),
    ];
    for (sample, layout, want) in cases {
        let name = format!(
            "layout-{}",
            sample.trim_end_matches(".csv").replace('_', "-")
        );
        let chaser = layout_chaser(&name, None);
        let out = import_sample(&chaser, sample, &[], false);
        read_as(&out, layout, want.len());
        assert_eq!(held(&settled(&chaser)), want, "{sample}");
        assert!(flagged(&chaser).is_empty(), "{sample}");
    }
}
