//! The plain spreadsheet, read with no config: the sample CSV and the hand-made workbook (written
//! here, and committed as a fixture), numeric dates asked about before anything else, and rows
//! whose dates do not exist or whose amounts are negative.

use chaser_intake::{
    DateFormat, FileError, FlagReason, LayoutName, Options, PresetName, RowStatus, read_export,
};
use jiff::civil::date;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use crate::{fixture, money, options, outcomes, read, row};

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
