//! Every layout of issue 13 on its sample export, line by line: which invoices the import
//! hands on (number, customer, balance and currency, due date, state), which rows are flagged
//! for the owner, which are skipped and why, and which are rejected. The samples are written from
//! each tool's documented layout, with the furniture the tools write around the rows.

use chaser_domain::{Currency, Terms};
use chaser_intake::{
    DateFormat, Export, FileError, FlagReason, LayoutName, Options, PresetName, RowStatus,
    read_export,
};
use jiff::civil::date;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use crate::{fixture, money, options, read, row};

fn with_currency(code: &str) -> Options {
    Options {
        default_currency: Some(Currency::parse(code).unwrap()),
        ..options()
    }
}

/// Every line's outcome, as a dry run prints it.
fn outcomes(export: &Export) -> Vec<String> {
    export.outcomes().iter().map(ToString::to_string).collect()
}

#[test]
fn a_plain_spreadsheet_imports_with_no_config() {
    // Arrange: the header of the issue, a BOM, CRLF, trailing blank lines, a total row.
    let export = read("generic_plain.csv", &options());

    // Assert
    assert_eq!(export.preset, PresetName::Spreadsheet);
    assert_eq!(export.layout, LayoutName::Spreadsheet);
    assert!(export.unmapped_columns.is_empty());
    assert_eq!(
        outcomes(&export),
        [
            "line 2: 00042 · Acme Ltd · GBP 1,200.00 · due 2026-11-13 · chase",
            "line 3: flagged: INV-1043 (Beta GmbH): the number is used for different customers (Beta GmbH, Theta Ltd) on lines 3, 9",
            "line 4: skipped: INV-1044 is paid with nothing due, and the export states no invoice amount: not imported",
            "line 5: skipped: status `Draft`: not sent yet",
            "line 6: flagged: INV-1046 (Epsilon SA): a negative amount (EUR -75.00) on an unpaid row: a credit, an overpayment or a mistake",
            "line 7: skipped: a `Credit Note` row, not an invoice",
            "line 8: rejected: Invoice Date: `31/02/2026` is not a real date: February 2026 has 28 days",
            "line 9: flagged: INV-1043 (Theta Ltd): the number is used for different customers (Beta GmbH, Theta Ltd) on lines 3, 9",
            "line 10: INV-1048 · Iota & Sons, Ltd · USD 2,500.50 · due 2026-12-16 · chase",
            "line 11: INV-1049 · Kappa Ltd · GBP 640.00 · due 2026-11-20 · void",
            "line 12: 1234567890123456789 · Lambda BV · EUR 99.95 · due 2026-12-22 · chase",
            "line 13: skipped: not an invoice row (a heading, subtotal or note)",
        ]
    );
    // `Amount Due` is what is owed: the balance, stated, and the amount when nothing else is.
    let first = row(&export, "00042");
    assert!(first.balance_known);
    assert_eq!(first.invoice.amount, money("GBP 1200"));
    assert_eq!(first.invoice.issue_date, date(2026, 10, 14));
    assert_eq!(first.invoice.customer.id, "acme-ltd");
    assert_eq!(first.invoice.contacts[0].email.as_str(), "ap@acme.example");
    // Partly paid with only the remainder stated: the remainder is chased.
    assert_eq!(row(&export, "INV-1048").status, RowStatus::Open);
    let duplicate = &export.flagged[0];
    assert_eq!(duplicate.reason.as_str(), "duplicate_number");
    assert_eq!(
        export.flagged[1].reason,
        FlagReason::NegativeAmount {
            amount: money("EUR -75")
        }
    );
}

#[test]
fn a_plain_workbook_keeps_ids_and_padded_numbers_as_text() {
    // The committed workbook is exactly what `plain_workbook` writes.
    let generated = plain_workbook();
    assert!(
        fixture("generic_plain.xlsx") == generated,
        "the committed workbook differs: run the tests with UPDATE_FIXTURES=1"
    );

    let export = read("generic_plain.xlsx", &options());
    assert_eq!(export.layout, LayoutName::Spreadsheet);
    assert_eq!(export.unmapped_columns, ["Notes"]);
    assert_eq!(
        outcomes(&export),
        [
            "line 4: 00042 · Acme Ltd · GBP 1,200.00 · due 2026-11-13 · chase",
            "line 5: INV-1050 · Beta GmbH · EUR 450.50 of EUR 950.50 · due 2026-12-02 · chase (EUR 500.00 paid)",
            "line 6: 1051 · Gamma Co · GBP 0.00 of GBP 300.00 · due 2026-10-20 · paid",
            "line 7: skipped: status `Draft`: not sent yet",
            "line 8: skipped: not an invoice row (a heading, subtotal or note)",
        ]
    );
    let first = row(&export, "00042");
    assert_eq!(first.invoice.customer.id, "4600000000000012345");
    assert_eq!(first.invoice.issue_date, date(2026, 10, 14));
}

/// One invoice row of [`plain_workbook`].
struct Line {
    number: &'static str,
    customer: &'static str,
    id: &'static str,
    email: &'static str,
    total: f64,
    balance: f64,
    currency: &'static str,
    issued: (u16, u8, u8),
    due: (u16, u8, u8),
    status: &'static str,
}

/// A hand-made workbook: a title above the header, text cells for a zero-padded number and
/// 19-digit ids (as spreadsheets keep them), date cells, numbers, a note with a line break,
/// and a total row.
fn plain_workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    // A fixed creation time, so the same workbook is the same bytes.
    let created = ExcelDateTime::from_ymd(2026, 12, 1).unwrap();
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let sheet = book.add_worksheet();
    let day = Format::new().set_num_format("dd/mm/yyyy");
    let wrap = Format::new().set_text_wrap();
    sheet.write_string(0, 0, "Invoices to chase").unwrap();
    let header = [
        "Inv No",
        "Bill To",
        "Customer ID",
        "E-mail",
        "Total",
        "Balance",
        "Currency",
        "Issued",
        "Due",
        "Status",
        "Notes",
    ];
    for (col, name) in header.iter().enumerate() {
        sheet.write_string(2, col as u16, *name).unwrap();
    }
    let rows = [
        Line {
            number: "00042",
            customer: "Acme Ltd",
            id: "4600000000000012345",
            email: "ap@acme.example",
            total: 1200.0,
            balance: 1200.0,
            currency: "GBP",
            issued: (2026, 10, 14),
            due: (2026, 11, 13),
            status: "Unpaid",
        },
        Line {
            number: "INV-1050",
            customer: "Beta GmbH",
            id: "4600000000000012346",
            email: "buchhaltung@beta.example",
            total: 950.5,
            balance: 450.5,
            currency: "EUR",
            issued: (2026, 11, 2),
            due: (2026, 12, 2),
            status: "Partially Paid",
        },
        Line {
            // Typed as a number, not text.
            number: "",
            customer: "Gamma Co",
            id: "4600000000000012347",
            email: "ap@gamma.example",
            total: 300.0,
            balance: 0.0,
            currency: "GBP",
            issued: (2026, 9, 20),
            due: (2026, 10, 20),
            status: "Paid",
        },
        Line {
            number: "INV-1052",
            customer: "Delta KK",
            id: "4600000000000012348",
            email: "keiri@delta.example",
            total: 98000.0,
            balance: 98000.0,
            currency: "JPY",
            issued: (2026, 11, 1),
            due: (2026, 12, 1),
            status: "Draft",
        },
    ];
    for (i, line) in rows.into_iter().enumerate() {
        let r = i as u32 + 3;
        let cell_date = |(y, m, d): (u16, u8, u8)| ExcelDateTime::from_ymd(y, m, d).unwrap();
        if line.number.is_empty() {
            // A number typed as a number: read back as its digits.
            sheet.write_number(r, 0, 1051.0).unwrap();
        } else {
            sheet.write_string(r, 0, line.number).unwrap();
        }
        sheet.write_string(r, 1, line.customer).unwrap();
        sheet.write_string(r, 2, line.id).unwrap();
        sheet.write_string(r, 3, line.email).unwrap();
        sheet.write_number(r, 4, line.total).unwrap();
        sheet.write_number(r, 5, line.balance).unwrap();
        sheet.write_string(r, 6, line.currency).unwrap();
        sheet
            .write_datetime_with_format(r, 7, cell_date(line.issued), &day)
            .unwrap();
        sheet
            .write_datetime_with_format(r, 8, cell_date(line.due), &day)
            .unwrap();
        sheet.write_string(r, 9, line.status).unwrap();
    }
    sheet
        .write_string_with_format(3, 10, "Call Ann\nbefore the 10th", &wrap)
        .unwrap();
    sheet.write_string(7, 0, "Total").unwrap();
    sheet.write_number(7, 4, 100450.5).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/exports/generic_plain.xlsx");
        std::fs::write(path, &bytes).unwrap();
    }
    bytes
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
fn an_ambiguous_plain_sheet_asks_for_the_date_format_and_imports_with_it() {
    let err = read_export(
        &fixture("generic_ambiguous_dates.csv"),
        "sheet.csv",
        &options(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "sheet.csv: the dates are ambiguous (no day above 12, so 03/04/2026 could be 3 April or 4 March): pass --date-format dd/mm/yyyy or --date-format mm/dd/yyyy"
    );

    let day_first = read(
        "generic_ambiguous_dates.csv",
        &Options {
            date_format: Some(DateFormat::DayMonthYear),
            ..options()
        },
    );
    assert_eq!(
        outcomes(&day_first),
        [
            "line 2: A-101 · Acme Ltd · USD 100.00 · due 2026-05-03 · chase (the export states no balance)",
            "line 3: A-102 · Beta GmbH · EUR 200.00 · due 2026-07-05 · chase (the export states no balance)",
        ]
    );
    assert_eq!(
        row(&day_first, "A-101").invoice.issue_date,
        date(2026, 4, 3)
    );
    let month_first = read(
        "generic_ambiguous_dates.csv",
        &Options {
            date_format: Some(DateFormat::MonthDayYear),
            ..options()
        },
    );
    assert_eq!(
        row(&month_first, "A-101").invoice.issue_date,
        date(2026, 3, 4)
    );
}

#[test]
fn the_date_question_comes_before_the_layout_question() {
    // No layout fits this header, and its dates read both ways: the date is asked first.
    let text = "Ref,Who,Gross,Raised\nA-1,Acme,10.00,03/04/2026\nA-2,Beta,20.00,05/06/2026\n";
    let err = read_export(text.as_bytes(), "odd.csv", &options()).unwrap_err();
    assert!(matches!(err, FileError::AmbiguousDates { .. }), "{err}");
    // With the order given, the layout is the remaining question.
    let err = read_export(
        text.as_bytes(),
        "odd.csv",
        &Options {
            date_format: Some(DateFormat::DayMonthYear),
            ..options()
        },
    )
    .unwrap_err();
    assert!(matches!(err, FileError::UnknownLayout { .. }), "{err}");
}

#[test]
fn a_date_that_does_not_exist_rejects_its_row_and_never_rolls_over() {
    let text = "Invoice No,Client,Total,Currency,Date,Due\n\
                A-1,Acme,10.00,USD,31/02/2026,31/03/2026\n\
                A-2,Beta,20.00,USD,28/02/2026,30/04/2026\n\
                A-3,Gamma,30.00,USD,15/03/2026,31/04/2026\n";
    let export = read_export(text.as_bytes(), "x.csv", &options()).unwrap();
    assert_eq!(
        crate::rejected(&export),
        [
            "line 2: Date: `31/02/2026` is not a real date: February 2026 has 28 days",
            "line 4: Due: `31/04/2026` is not a real date: April 2026 has 30 days",
        ]
    );
    assert_eq!(crate::numbers(&export), ["A-2"]);
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

#[test]
fn negative_amounts_are_flagged_when_unpaid_and_skipped_when_settled() {
    let text = "Invoice No,Client,Total,Balance,Currency,Date,Due,Status\n\
                A-1,Acme,-50.00,-50.00,USD,2026-11-01,2026-12-01,Unpaid\n\
                A-2,Beta,-50.00,0.00,USD,2026-11-01,2026-12-01,Paid\n\
                A-3,Gamma,100.00,-20.00,USD,2026-11-01,2026-12-01,Paid\n\
                A-4,Delta,100.00,-20.00,USD,2026-11-01,2026-12-01,Open\n";
    let export = read_export(text.as_bytes(), "neg.csv", &options()).unwrap();
    assert_eq!(
        outcomes(&export),
        [
            "line 2: flagged: A-1 (Acme): a negative amount (USD -50.00) on an unpaid row: a credit, an overpayment or a mistake",
            "line 3: skipped: a negative amount (USD -50.00) that is settled: a credit, not a debt",
            // Paid, and over-paid: paid, so a running chase ends.
            "line 4: A-3 · Gamma · USD 0.00 of USD 100.00 · due 2026-12-01 · paid",
            "line 5: flagged: A-4 (Delta): a negative amount (USD -20.00) on an unpaid row: a credit, an overpayment or a mistake",
        ]
    );
}
