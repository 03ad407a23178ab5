//! Each preset reads its sample export: detected from the header, every invoice with its
//! number, amounts, dates and status, and the ignored columns reported.

use chaser_domain::{Currency, Role, Terms};
use chaser_intake::{Options, PresetName, RowStatus, read_export};
use jiff::civil::date;

use crate::{fixture, money, numbers, options, read, rejected, row};

fn usd() -> Options {
    Options {
        default_currency: Some(Currency::parse("USD").unwrap()),
        ..options()
    }
}

#[test]
fn the_native_format_reads_every_column_it_always_has() {
    // Arrange: no defaults; the file names its owners and currencies.
    let export = read("chaser.csv", &Options::default());

    // Assert
    assert_eq!(export.preset, PresetName::Chaser);
    assert!(export.unmapped_columns.is_empty());
    assert!(export.rejected.is_empty(), "{:?}", rejected(&export));
    assert_eq!(
        numbers(&export),
        ["INV-1001", "INV-1002", "INV-1003", "INV-1004"]
    );

    let open = row(&export, "INV-1001");
    assert_eq!(open.line, 2);
    assert_eq!(open.status, RowStatus::Open);
    assert!(!open.balance_known);
    assert_eq!(open.invoice.amount, money("USD 1200"));
    assert_eq!(open.invoice.due_date, date(2026, 12, 1));
    assert_eq!(open.invoice.customer.id, "acme");
    assert_eq!(open.invoice.contacts[0].name, "Ann Payable");
    assert_eq!(open.invoice.contacts[0].roles, [Role::Billing]);
    assert_eq!(
        open.invoice.pay_url.as_ref().map(|u| u.as_str()),
        Some("https://pay.example/INV-1001")
    );
    assert_eq!(open.invoice.owner_email.as_str(), "owner@chaser.example");

    let partial = row(&export, "INV-1002");
    assert_eq!(
        partial.status,
        RowStatus::PartiallyPaid {
            paid: money("EUR 500")
        }
    );
    assert_eq!(partial.invoice.balance, money("EUR 450"));
    assert!(partial.balance_known);
    assert_eq!(partial.invoice.terms, Terms::Net(30));
    assert_eq!(partial.invoice.contacts.len(), 2);
    assert_eq!(partial.invoice.customer.id, "beta-gmbh");

    assert_eq!(row(&export, "INV-1003").status, RowStatus::Paid);
    let yen = row(&export, "INV-1004");
    assert_eq!(yen.invoice.amount, money("JPY 120000"));
    assert_eq!(yen.invoice.due_date, date(2026, 11, 20));
    assert_eq!(yen.invoice.terms, Terms::DueOnReceipt);
}

#[test]
fn quickbooks_aging_detail_skips_titles_headings_subtotals_and_payments() {
    let export = read("quickbooks_ar_aging_detail.csv", &usd());

    assert_eq!(export.preset, PresetName::Quickbooks);
    assert_eq!(export.unmapped_columns, ["Past Due"]);
    assert!(export.rejected.is_empty(), "{:?}", rejected(&export));
    assert_eq!(numbers(&export), ["1037", "1038", "1031", "1019"]);

    let first = row(&export, "1037");
    assert_eq!(first.line, 7);
    assert_eq!(first.invoice.customer.name, "Sonnenschein Family Store");
    // Month first: 11/20/2026 can only be read that way.
    assert_eq!(first.invoice.issue_date, date(2026, 11, 20));
    assert_eq!(first.invoice.due_date, date(2026, 12, 20));
    assert_eq!(first.invoice.amount, money("USD 362.07"));
    assert_eq!(first.status, RowStatus::Open);
    assert!(first.balance_known);

    assert_eq!(row(&export, "1038").invoice.amount, money("USD 1250"));
    let partial = row(&export, "1031");
    assert_eq!(partial.invoice.amount, money("USD 2400"));
    assert_eq!(partial.invoice.balance, money("USD 900"));
    assert_eq!(
        partial.status,
        RowStatus::PartiallyPaid {
            paid: money("USD 1500")
        }
    );
    assert_eq!(row(&export, "1019").invoice.issue_date, date(2026, 7, 2));

    let skipped: Vec<(u64, String)> = export
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.to_string()))
        .collect();
    assert!(skipped.contains(&(12, "a `Payment` row, not an invoice".to_owned())));
    assert!(skipped.contains(&(
        9,
        "not an invoice row (a heading, subtotal or note)".to_owned()
    )));
    assert!(skipped.iter().any(|(line, _)| *line == 20), "the footer");
}

#[test]
fn quickbooks_without_a_currency_needs_a_default_and_says_so() {
    let err = read_export(
        &fixture("quickbooks_ar_aging_detail.csv"),
        "aging.csv",
        &options(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "aging.csv: line 7: `362.07` names no currency, and the file has no currency column: set a default currency"
    );
}

#[test]
fn xero_folds_line_items_and_reads_amount_due_and_paid() {
    let export = read("xero_invoices.csv", &options());

    assert_eq!(export.preset, PresetName::Xero);
    assert!(export.rejected.is_empty(), "{:?}", rejected(&export));
    assert_eq!(
        numbers(&export),
        ["INV-0041", "INV-0042", "INV-0043", "INV-0045"]
    );

    let two_lines = row(&export, "INV-0041");
    assert_eq!(two_lines.line, 2);
    assert_eq!(two_lines.invoice.amount, money("GBP 1650"));
    assert_eq!(two_lines.status, RowStatus::Open);
    // Day first: 14/11/2026 elsewhere in the file settles it.
    assert_eq!(two_lines.invoice.issue_date, date(2026, 11, 5));
    assert_eq!(two_lines.invoice.due_date, date(2026, 12, 5));
    assert_eq!(
        two_lines.invoice.contacts[0].email.as_str(),
        "accounts@ridgeway.example"
    );

    let partial = row(&export, "INV-0042");
    assert_eq!(
        partial.status,
        RowStatus::PartiallyPaid {
            paid: money("EUR 1000")
        }
    );
    assert_eq!(partial.invoice.balance, money("EUR 1400"));
    assert_eq!(row(&export, "INV-0043").status, RowStatus::Paid);
    assert_eq!(row(&export, "INV-0045").status, RowStatus::Void);

    let reasons: Vec<String> = export
        .skipped
        .iter()
        .map(|s| s.reason.to_string())
        .collect();
    assert_eq!(
        reasons,
        [
            "status `Draft`: not sent yet",
            "a `Sales credit note` row, not an invoice"
        ]
    );
    for ignored in [
        "POAddressLine1",
        "Reference",
        "Description",
        "Sent",
        "TaxTotal",
    ] {
        assert!(
            export.unmapped_columns.iter().any(|c| c.ends_with(ignored)),
            "{ignored} in {:?}",
            export.unmapped_columns
        );
    }
}

#[test]
fn freshbooks_reads_paid_and_outstanding() {
    let export = read("freshbooks_invoice_details.csv", &options());

    assert_eq!(export.preset, PresetName::Freshbooks);
    assert!(export.rejected.is_empty(), "{:?}", rejected(&export));
    assert_eq!(
        numbers(&export),
        ["0000101", "0000098", "0000099", "0000097"]
    );
    // `Date Paid` and `Line Total` are read now (a payment date, the line items' amounts).
    assert_eq!(export.unmapped_columns, ["Item Name"]);

    let open = row(&export, "0000101");
    assert_eq!(open.invoice.amount, money("USD 1500"));
    assert_eq!(open.invoice.issue_date, date(2026, 11, 2));
    assert_eq!(open.status, RowStatus::Open);
    assert_eq!(
        row(&export, "0000098").status,
        RowStatus::PartiallyPaid {
            paid: money("USD 300")
        }
    );
    let paid = row(&export, "0000099");
    assert_eq!(paid.status, RowStatus::Paid);
    assert_eq!(paid.invoice.amount, money("CAD 2250"));
    assert_eq!(paid.invoice.balance, money("CAD 0"));
    assert_eq!(row(&export, "0000097").invoice.amount, money("GBP 640"));
    assert_eq!(export.skipped.len(), 1, "the draft");
}

#[test]
fn stripe_reads_amounts_remaining_statuses_and_automatic_invoices() {
    let export = read("stripe_invoices.csv", &options());

    assert_eq!(export.preset, PresetName::Stripe);
    assert!(export.rejected.is_empty(), "{:?}", rejected(&export));
    assert_eq!(
        numbers(&export),
        [
            "ACME-0001",
            "LUM-0007",
            "STUP-0012",
            "ACME-0000",
            "GONE-0003",
            "SAKU-0002"
        ]
    );

    let open = row(&export, "ACME-0001");
    assert_eq!(open.invoice.customer.name, "Acme Inc");
    assert_eq!(open.invoice.customer.id, "cus_R1aB2cD3");
    assert_eq!(open.invoice.amount, money("USD 240"));
    // The time of day is dropped.
    assert_eq!(open.invoice.issue_date, date(2026, 11, 21));
    assert_eq!(open.invoice.due_date, date(2026, 12, 21));
    assert_eq!(open.status, RowStatus::Open);

    assert_eq!(
        row(&export, "LUM-0007").status,
        RowStatus::PartiallyPaid {
            paid: money("EUR 400")
        }
    );
    let automatic = row(&export, "STUP-0012");
    assert_eq!(automatic.status, RowStatus::Paid);
    assert_eq!(automatic.invoice.due_date, date(2026, 11, 1));
    assert_eq!(automatic.invoice.terms, Terms::DueOnReceipt);
    assert_eq!(row(&export, "ACME-0000").status, RowStatus::Void);
    assert_eq!(row(&export, "GONE-0003").status, RowStatus::WrittenOff);
    let yen = row(&export, "SAKU-0002");
    assert_eq!(yen.invoice.amount, money("JPY 12000"));
    assert_eq!(yen.invoice.customer.name, "keiri@sakura.example");

    let reasons: Vec<String> = export
        .skipped
        .iter()
        .map(|s| s.reason.to_string())
        .collect();
    assert_eq!(
        reasons,
        [
            "status `draft`: not sent yet",
            "a zero-amount invoice: nothing to chase"
        ]
    );
    assert!(export.unmapped_columns.contains(&"Subscription".to_owned()));
}

#[test]
fn zoho_folds_line_items_and_reads_its_balance_and_terms() {
    let export = read("zoho_invoices.csv", &options());

    assert_eq!(export.preset, PresetName::Zoho);
    assert!(export.rejected.is_empty(), "{:?}", rejected(&export));
    assert_eq!(
        numbers(&export),
        ["INV-000051", "INV-000052", "INV-000053", "INV-000055"]
    );

    let overdue = row(&export, "INV-000051");
    assert_eq!(overdue.invoice.amount, money("INR 6000"));
    assert_eq!(overdue.invoice.terms, Terms::Net(30));
    assert_eq!(overdue.invoice.customer.id, "460000000030001");
    assert_eq!(overdue.status, RowStatus::Open);
    assert_eq!(row(&export, "INV-000052").status, RowStatus::Paid);
    assert_eq!(
        row(&export, "INV-000053").status,
        RowStatus::PartiallyPaid {
            paid: money("GBP 500")
        }
    );
    assert_eq!(row(&export, "INV-000055").status, RowStatus::Void);
    assert!(export.unmapped_columns.contains(&"Item Name".to_owned()));
}

#[test]
fn a_line_item_that_disagrees_with_its_invoice_is_rejected() {
    let text = String::from_utf8(fixture("zoho_invoices.csv"))
        .unwrap()
        .replacen(",6000,6000,6000,", ",6000,6500,6500,", 1);
    let export = read_export(text.as_bytes(), "zoho.csv", &options()).unwrap();
    assert_eq!(
        rejected(&export),
        [
            "line 3: Invoice Number: invoice INV-000051 is also on line 2 with a different amount, balance"
        ]
    );
}

#[test]
fn a_forced_preset_reports_what_the_file_lacks() {
    let forced = Options {
        preset: Some(PresetName::Xero),
        ..options()
    };
    let err = read_export(&fixture("stripe_invoices.csv"), "stripe.csv", &forced).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("stripe.csv: missing columns InvoiceNumber, ContactName, InvoiceDate for a Xero export; the header has: id, Amount Due"),
        "{err}"
    );
}

#[test]
fn a_custom_mapping_reads_any_other_tool() {
    let csv = "Inv No,Client,Gross,Curr,Date,Due,Open,State\n\
               A-1,Acme,\"1,000.00\",USD,2026-11-01,2026-12-01,400.00,Unpaid\n\
               A-2,Beta,250.00,EUR,2026-11-02,2026-12-02,0.00,Paid\n";
    let mapping = toml::from_str(
        r#"
        number = "Inv No"
        customer = "Client"
        amount = "Gross"
        currency = "Curr"
        issue_date = "Date"
        due_date = "Due"
        balance = "Open"
        status = "State"
        "#,
    )
    .unwrap();
    let export = read_export(
        csv.as_bytes(),
        "other.csv",
        &Options {
            custom: Some(mapping),
            ..options()
        },
    )
    .unwrap();
    assert_eq!(export.preset, PresetName::Custom);
    assert!(export.rejected.is_empty(), "{:?}", rejected(&export));
    assert_eq!(
        row(&export, "A-1").status,
        RowStatus::PartiallyPaid {
            paid: money("USD 600")
        }
    );
    assert_eq!(row(&export, "A-2").status, RowStatus::Paid);
}
