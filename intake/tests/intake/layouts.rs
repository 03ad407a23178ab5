//! Every layout of issue 13 on its sample export, line by line: which invoices the import
//! hands on (number, customer, balance and currency, due date, state), which rows are flagged
//! for the owner, which are skipped and why, and which are rejected. The samples are written from
//! each tool's documented layout, with the furniture the tools write around the rows. The plain
//! spreadsheet's are in `spreadsheet.rs`.

use chaser_domain::{Currency, Terms};
use chaser_intake::{Export, FileError, FlagReason, LayoutName, Options, PresetName, read_export};
use jiff::civil::date;

use crate::{fixture, money, options, outcomes, read, row};

fn with_currency(code: &str) -> Options {
    Options {
        default_currency: Some(Currency::parse(code).unwrap()),
        ..options()
    }
}

#[test]
fn quickbooks_open_invoices_takes_the_customer_from_its_group_headings() {
    let export = read("quickbooks_open_invoices.csv", &with_currency("USD"));

    assert_eq!(export.preset, PresetName::Quickbooks);
    assert_eq!(export.layout, LayoutName::QuickbooksByCustomer);
    assert!(export.unmapped_columns.is_empty());
    assert_eq!(
        outcomes(&export),
        [
            "line 6: skipped: the heading of customer `Amy's Bird Sanctuary`",
            "line 7: 1021 · Amy's Bird Sanctuary · USD 239.00 of USD 459.00 · due 2026-11-27 · chase (USD 220.00 paid)",
            "line 8: 1036 · Amy's Bird Sanctuary · USD 1,250.00 · due 2026-12-14 · chase",
            "line 9: skipped: a `Payment` row, not an invoice",
            "line 10: skipped: not an invoice row (a heading, subtotal or note)",
            "line 11: skipped: the heading of customer `Freeman Sporting Goods`",
            "line 12: skipped: the heading of customer `0969 Ocean View Road`",
            "line 13: 1028 · Freeman Sporting Goods:0969 Ocean View Road · USD 81.00 · due 2026-11-01 · chase",
            "line 14: skipped: not an invoice row (a heading, subtotal or note)",
            "line 15: skipped: the heading of customer `55 Twin Lane`",
            "line 16: 1031 · Freeman Sporting Goods:55 Twin Lane · USD 900.00 of USD 2,400.00 · due 2026-10-29 · chase (USD 1,500.00 paid)",
            "line 17: skipped: a `Credit Memo` row, not an invoice",
            "line 18: skipped: not an invoice row (a heading, subtotal or note)",
            "line 19: skipped: not an invoice row (a heading, subtotal or note)",
            "line 20: skipped: the heading of customer `Kookies by Kathy`",
            "line 21: 001019 · Kookies by Kathy · USD 75.00 · due 2026-07-02 · chase",
            "line 22: skipped: not an invoice row (a heading, subtotal or note)",
            "line 23: skipped: the heading of customer `Sonnenschein Family Store`",
            "line 24: 1037 · Sonnenschein Family Store · USD 362.07 · due 2026-12-20 · chase",
            "line 25: flagged: 1038 (Sonnenschein Family Store): a negative amount (USD -40.00) on an unpaid row: a credit, an overpayment or a mistake",
            "line 26: skipped: not an invoice row (a heading, subtotal or note)",
            "line 27: skipped: not an invoice row (a heading, subtotal or note)",
            "line 30: skipped: not an invoice row (a heading, subtotal or note)",
        ]
    );
    let sub = row(&export, "1028");
    assert_eq!(
        sub.invoice.customer.id,
        "freeman-sporting-goods-0969-ocean-view-road"
    );
    assert_eq!(sub.invoice.terms, Terms::Net(30));
    assert_eq!(row(&export, "001019").invoice.terms, Terms::DueOnReceipt);
}

#[test]
fn a_report_in_the_base_currency_needs_the_default_currency_and_says_so() {
    let err = read_export(
        &fixture("quickbooks_open_invoices.csv"),
        "open.csv",
        &options(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "open.csv: line 7: `459.00` names no currency, and the file has no currency column: set a default currency"
    );
    let err = read_export(
        &fixture("xero_aged_receivables_detail.csv"),
        "aged.csv",
        &options(),
    )
    .unwrap_err();
    assert!(
        matches!(err, FileError::NoCurrency { line: 8, .. }),
        "{err}"
    );
}

#[test]
fn quickbooks_aging_detail_grouped_by_customer_in_the_newer_layout() {
    let export = read("quickbooks_ar_aging_detail_2024.csv", &with_currency("USD"));

    assert_eq!(export.layout, LayoutName::QuickbooksByCustomer);
    assert_eq!(export.unmapped_columns, ["Past due"]);
    assert_eq!(
        outcomes(&export),
        [
            "line 6: skipped: the heading of customer `Cool Cars`",
            "line 7: 1008 · Cool Cars · USD 2,369.52 · due 2026-10-18 · chase",
            "line 8: skipped: a `Journal Entry` row, not an invoice",
            "line 9: skipped: not an invoice row (a heading, subtotal or note)",
            "line 10: skipped: the heading of customer `Geeta Kalapatapu`",
            "line 11: flagged: 1015 (Geeta Kalapatapu): the number is used for different customers (Geeta Kalapatapu, Red Rock Diner) on lines 11, 15",
            "line 12: skipped: not an invoice row (a heading, subtotal or note)",
            "line 13: skipped: the heading of customer `Red Rock Diner`",
            "line 14: 1003 · Red Rock Diner · USD 156.00 · due 2026-09-14 · chase",
            "line 15: flagged: 1015 (Red Rock Diner): the number is used for different customers (Geeta Kalapatapu, Red Rock Diner) on lines 11, 15",
            "line 16: skipped: not an invoice row (a heading, subtotal or note)",
            "line 17: skipped: not an invoice row (a heading, subtotal or note)",
            "line 19: skipped: not an invoice row (a heading, subtotal or note)",
        ]
    );
    assert_eq!(row(&export, "1008").invoice.issue_date, date(2026, 9, 18));
}

#[test]
fn quickbooks_aging_detail_in_the_older_layout_reads_its_customer_column() {
    let export = read("quickbooks_ar_aging_detail.csv", &with_currency("USD"));

    assert_eq!(export.layout, LayoutName::QuickbooksList);
    assert_eq!(
        outcomes(&export),
        [
            "line 6: skipped: not an invoice row (a heading, subtotal or note)",
            "line 7: 1037 · Sonnenschein Family Store · USD 362.07 · due 2026-12-20 · chase",
            "line 8: 1038 · Amy's Bird Sanctuary · USD 1,250.00 · due 2026-12-25 · chase",
            "line 9: skipped: not an invoice row (a heading, subtotal or note)",
            "line 10: skipped: not an invoice row (a heading, subtotal or note)",
            "line 11: 1031 · Freeman Sporting Goods:55 Twin Lane · USD 900.00 of USD 2,400.00 · due 2026-11-13 · chase (USD 1,500.00 paid)",
            "line 12: skipped: a `Payment` row, not an invoice",
            "line 13: skipped: not an invoice row (a heading, subtotal or note)",
            "line 14: skipped: not an invoice row (a heading, subtotal or note)",
            "line 15: 1019 · Kookies by Kathy · USD 75.00 · due 2026-08-01 · chase",
            "line 16: skipped: not an invoice row (a heading, subtotal or note)",
            "line 17: skipped: not an invoice row (a heading, subtotal or note)",
            "line 20: skipped: not an invoice row (a heading, subtotal or note)",
        ]
    );
}

#[test]
fn xero_aged_receivables_reads_contacts_buckets_and_named_dates() {
    let export = read("xero_aged_receivables_detail.csv", &with_currency("GBP"));

    assert_eq!(export.preset, PresetName::Xero);
    assert_eq!(export.layout, LayoutName::XeroAgedReceivables);
    assert_eq!(
        export.unmapped_columns,
        [
            "Invoice Reference",
            "Current",
            "< 1 Month",
            "1 Month",
            "2 Months",
            "3 Months",
            "Older"
        ]
    );
    assert_eq!(
        outcomes(&export),
        [
            "line 7: skipped: the heading of customer `Bayside Club`",
            "line 8: INV-0051 · Bayside Club · GBP 1,200.00 · due 2026-11-04 · chase",
            "line 10: skipped: not an invoice row (a heading, subtotal or note)",
            "line 11: skipped: the heading of customer `City Agency`",
            "line 12: INV-0063 · City Agency · GBP 2,400.00 · due 2026-12-14 · chase",
            "line 13: flagged: CN-0004 (City Agency): a negative amount (GBP -300.00) on an unpaid row: a credit, an overpayment or a mistake",
            "line 14: skipped: a `Overpayment` row, not an invoice",
            "line 15: skipped: not an invoice row (a heading, subtotal or note)",
            "line 16: skipped: the heading of customer `Marine Systems`",
            "line 17: INV-0031 · Marine Systems · GBP 1,750.00 · due 2026-08-01 · chase",
            "line 18: skipped: not an invoice row (a heading, subtotal or note)",
            "line 19: skipped: the heading of customer `Ridgeway University`",
            "line 20: INV-0041 · Ridgeway University · GBP 1,650.00 · due 2026-12-03 · chase",
            "line 21: rejected: Invoice Date: `31 Nov 2026` is not a real date: November 2026 has 30 days",
            "line 22: skipped: not an invoice row (a heading, subtotal or note)",
            "line 23: skipped: not an invoice row (a heading, subtotal or note)",
            "line 24: skipped: not an invoice row (a heading, subtotal or note)",
        ]
    );
    // The report states what is owed: that is the balance, known.
    let first = row(&export, "INV-0051");
    assert!(first.balance_known);
    assert_eq!(first.invoice.issue_date, date(2026, 10, 5));
}

#[test]
fn freshbooks_invoice_details_adds_up_line_items_and_flags_unknown_remainders() {
    let export = read("freshbooks_invoice_details_report.csv", &options());

    assert_eq!(export.layout, LayoutName::FreshbooksInvoiceDetails);
    assert_eq!(
        export.unmapped_columns,
        ["Item Name", "Item Description", "Rate", "Quantity"]
    );
    assert_eq!(
        outcomes(&export),
        [
            "line 6: 0000101 · Acme Corp · USD 1,400.00 · due 2026-12-02 · chase (the export states no balance)",
            "line 8: line item of 0000101 (line 6)",
            "line 9: line item of 0000101 (line 6)",
            "line 10: flagged: 0000098 (Globex): partly paid (`Partial`, last paid on 2026-10-20), and the export does not say how much of CAD 1,050.00 is still owed",
            "line 11: line item of 0000098 (line 10)",
            "line 12: 0000099 · Initech · USD 0.00 of USD 2,250.00 · due 2026-11-09 · paid",
            "line 13: skipped: status `Draft`: not sent yet",
            "line 14: 0000097 · Umbrella Ltd · GBP 640.00 · due 2026-10-20 · chase (the export states no balance)",
            "line 15: flagged: 0000103 (Umbrella Ltd): paid on 2026-11-25, and the export does not say how much of GBP 900.00 is still owed",
            "line 16: skipped: not an invoice row (a heading, subtotal or note)",
        ]
    );
    let partial = &export.flagged[0];
    assert_eq!(
        partial.reason,
        FlagReason::OutstandingUnknown {
            amount: money("CAD 1050"),
            status: Some("Partial".into()),
            paid_on: Some(date(2026, 10, 20)),
        }
    );
    assert_eq!(partial.item_lines, [11]);
    assert_eq!(row(&export, "0000101").item_lines, [8, 9]);
}

#[test]
fn the_older_exports_read_exactly_as_before() {
    let cases: [(&str, Options, LayoutName, &[&str]); 5] = [
        (
            "freshbooks_invoice_details.csv",
            options(),
            LayoutName::FreshbooksInvoiceDetails,
            &[
                "line 2: 0000101 · Acme Corp · USD 1,500.00 · due 2026-12-02 · chase",
                "line 3: 0000098 · Acme Corp · USD 500.00 of USD 800.00 · due 2026-10-31 · chase (USD 300.00 paid)",
                "line 4: 0000099 · Globex · CAD 0.00 of CAD 2,250.00 · due 2026-11-09 · paid",
                "line 5: line item of 0000099 (line 4)",
                "line 6: skipped: status `draft`: not sent yet",
                "line 7: 0000097 · Umbrella Ltd · GBP 640.00 · due 2026-10-20 · chase",
            ],
        ),
        (
            "xero_invoices.csv",
            options(),
            LayoutName::XeroInvoices,
            &[
                "line 2: INV-0041 · Ridgeway University · GBP 1,650.00 · due 2026-12-05 · chase",
                "line 3: line item of INV-0041 (line 2)",
                "line 4: INV-0042 · City Agency · EUR 1,400.00 of EUR 2,400.00 · due 2026-12-14 · chase (EUR 1,000.00 paid)",
                "line 5: INV-0043 · Marine Systems · USD 0.00 of USD 500.00 · due 2026-11-19 · paid",
                "line 6: skipped: status `Draft`: not sent yet",
                "line 7: INV-0045 · Hamilton Smith Ltd · GBP 0.00 of GBP 360.00 · due 2026-12-02 · void",
                "line 8: skipped: a `Sales credit note` row, not an invoice",
            ],
        ),
        (
            "zoho_invoices.csv",
            options(),
            LayoutName::ZohoInvoices,
            &[
                "line 2: INV-000051 · Zylker Electronics · INR 6,000.00 · due 2026-12-03 · chase",
                "line 3: line item of INV-000051 (line 2)",
                "line 4: INV-000052 · Elite International · USD 0.00 of USD 1,200.00 · due 2026-11-04 · paid",
                "line 5: INV-000053 · NewTech Industries · GBP 400.00 of GBP 900.00 · due 2026-11-12 · chase (GBP 500.00 paid)",
                "line 6: skipped: status `Draft`: not sent yet",
                "line 7: INV-000055 · AMS Stores · EUR 300.00 · due 2026-10-15 · void",
            ],
        ),
        (
            "stripe_invoices.csv",
            options(),
            LayoutName::StripeInvoices,
            &[
                "line 2: ACME-0001 · Acme Inc · USD 240.00 · due 2026-12-21 · chase",
                "line 3: LUM-0007 · Lumière SARL · EUR 600.00 of EUR 1,000.00 · due 2026-12-02 · chase (EUR 400.00 paid)",
                "line 4: STUP-0012 · Startup Co · USD 0.00 of USD 99.00 · due 2026-11-01 · paid",
                "line 5: ACME-0000 · Acme Inc · USD 50.00 · due 2026-11-04 · void",
                "line 6: GONE-0003 · Gone Ltd · GBP 120.00 · due 2026-07-01 · written off",
                "line 7: skipped: status `draft`: not sent yet",
                "line 8: SAKU-0002 · keiri@sakura.example · JPY 12,000 · due 2026-12-10 · chase",
                "line 9: skipped: a zero-amount invoice: nothing to chase",
            ],
        ),
        (
            "chaser.csv",
            Options::default(),
            LayoutName::Chaser,
            &[
                "line 2: INV-1001 · Acme Ltd · USD 1,200.00 · due 2026-12-01 · chase (the export states no balance)",
                "line 3: INV-1002 · Beta GmbH · EUR 450.00 of EUR 950.00 · due 2026-11-14 · chase (EUR 500.00 paid)",
                "line 4: INV-1003 · Gamma Co · GBP 0.00 of GBP 300.00 · due 2026-10-01 · paid",
                "line 5: INV-1004 · Delta KK · JPY 120,000 · due 2026-11-20 · chase (the export states no balance)",
            ],
        ),
    ];
    for (name, options, layout, want) in cases {
        let export = read(name, &options);
        assert_eq!(export.layout, layout, "{name}");
        assert_eq!(outcomes(&export), want, "{name}");
    }
}

#[test]
fn a_line_item_export_without_totals_reads_through_a_custom_mapping_too() {
    let text = "Ref,Client,Line,Cur,Date,Due\n\
                A-1,Acme,100.00,USD,2026-11-01,2026-12-01\n\
                A-1,Acme,-10.00,USD,2026-11-01,2026-12-01\n\
                A-2,Beta,50.00,USD,2026-11-02,2026-12-02\n";
    let mapping = toml::from_str(
        "number = \"Ref\"\ncustomer = \"Client\"\namount = \"Line\"\nline_amount = \"Line\"\n\
         currency = \"Cur\"\nissue_date = \"Date\"\ndue_date = \"Due\"\nline_items = true\n",
    )
    .unwrap();
    let export = read_export(
        text.as_bytes(),
        "lines.csv",
        &Options {
            custom: Some(mapping),
            ..options()
        },
    )
    .unwrap();
    assert_eq!(
        outcomes(&export),
        [
            "line 2: A-1 · Acme · USD 90.00 · due 2026-12-01 · chase (the export states no balance)",
            "line 3: line item of A-1 (line 2)",
            "line 4: A-2 · Beta · USD 50.00 · due 2026-12-02 · chase (the export states no balance)",
        ]
    );
}

#[test]
fn a_footer_after_the_grand_total_is_skipped_but_numbered_rows_are_still_read() {
    // An unquoted footer splits into cells that land in the date and type columns; a total
    // in the middle of a plain sheet hides nothing below it.
    let report = ",Date,Transaction Type,Num,Terms,Due Date,Amount,Open Balance\n\
                  Acme Ltd,,,,,,,\n\
                  ,11/20/2026,Invoice,1037,Net 30,12/20/2026,362.07,362.07\n\
                  Total for Acme Ltd,,,,,,$362.07,$362.07\n\
                  TOTAL,,,,,,$362.07,$362.07\n\
                  Accrual basis Thursday, December 3, 2026 09:14 AM GMT-08:00\n";
    let export = read_export(report.as_bytes(), "open.csv", &with_currency("USD")).unwrap();
    assert_eq!(
        outcomes(&export)[3..],
        [
            "line 5: skipped: not an invoice row (a heading, subtotal or note)",
            "line 6: skipped: not an invoice row (a heading, subtotal or note)",
        ]
    );
    let sheet = "Invoice No,Client,Total,Currency,Date,Due\n\
                 A-1,Acme,10.00,USD,2026-11-01,2026-12-01\n\
                 Total,,10.00,,,\n\
                 A-2,Beta,20.00,USD,2026-11-02,2026-12-02\n";
    let export = read_export(sheet.as_bytes(), "sheet.csv", &options()).unwrap();
    assert_eq!(crate::numbers(&export), ["A-1", "A-2"]);
}

#[test]
fn exports_and_their_line_outcomes_travel_as_json() {
    // Flagged, skipped and line items all survive the trip a workflow payload takes.
    for (name, options) in [
        ("generic_plain.csv", options()),
        ("freshbooks_invoice_details_report.csv", options()),
        ("quickbooks_open_invoices.csv", with_currency("USD")),
    ] {
        let export = read(name, &options);
        let json = serde_json::to_string(&export).unwrap();
        assert_eq!(
            serde_json::from_str::<Export>(&json).unwrap(),
            export,
            "{name}"
        );
        let lines = export.outcomes();
        let json = serde_json::to_string(&lines).unwrap();
        assert_eq!(
            serde_json::from_str::<Vec<chaser_intake::LineOutcome>>(&json).unwrap(),
            lines,
            "{name}"
        );
    }
    let flagged = serde_json::to_value(&read("generic_plain.csv", &options()).flagged[1]).unwrap();
    assert_eq!(flagged["reason"]["kind"], "negative_amount");
    assert_eq!(flagged["reason"]["amount"], "EUR -75.00");
}
