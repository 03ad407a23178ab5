//! Whole files at the edges: ambiguous dates, the native format's row errors, amounts as
//! Europe writes them, spreadsheets, and the refusals that name the file.

use chaser_domain::Currency;
use chaser_intake::{
    DateFormat, FileError, Options, PresetName, RowStatus, read_export, read_export_with_progress,
};
use jiff::civil::date;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::{fixture, money, numbers, options, read, rejected, row};

#[test]
fn a_file_of_ambiguous_dates_is_refused_naming_the_flag() {
    let err = read_export(&fixture("ambiguous_dates.csv"), "invoices.csv", &options()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invoices.csv: the dates are ambiguous (no day above 12, so 03/04/2026 could be 3 April or 4 March): pass --date-format dd/mm/yyyy or --date-format mm/dd/yyyy"
    );
}

#[test]
fn a_forced_date_format_makes_the_ambiguous_file_import() {
    let day_first = read(
        "ambiguous_dates.csv",
        &Options {
            date_format: Some(DateFormat::DayMonthYear),
            ..options()
        },
    );
    let first = row(&day_first, "INV-2001");
    assert_eq!(first.invoice.issue_date, date(2026, 4, 3));
    assert_eq!(first.invoice.due_date, date(2026, 5, 3));

    let month_first = read(
        "ambiguous_dates.csv",
        &Options {
            date_format: Some(DateFormat::MonthDayYear),
            ..options()
        },
    );
    assert_eq!(
        row(&month_first, "INV-2001").invoice.issue_date,
        date(2026, 3, 4)
    );
}

const HEADER: &str = "number,customer,contact_email,amount,currency,issue_date,due_date,terms,pay_url,pdf_url,owner_email,paid\n";

fn native(body: &str) -> chaser_intake::Export {
    let text = format!("{HEADER}{body}");
    read_export(text.as_bytes(), "invoices.csv", &Options::default()).unwrap()
}

#[test]
fn bad_rows_are_reported_by_line_and_field_and_the_rest_survive() {
    let export = native(
        "INV-1,Acme Ltd,ap@acme.example,12.345,USD,2026-11-01,,net-30,,,owner@us.example,\n\
         INV-2,Beta GmbH,not-an-email,99,EUR,01-11-26,,,,,owner@us.example,maybe\n\
         INV-3,Gamma,ap@gamma.example,10,USD,2026-11-01,2026-12-01,,,,owner@us.example,\n\
         inv 3,Gamma,ap@gamma.example,10,USD,2026-11-01,2026-12-01,,,,owner@us.example,\n\
         ,Delta,,10,XYZ,2026-11-01,,custom:odd,,,owner@us.example,\n\
         INV-9,Acme,ap@acme.example,1,200.00,USD,2026-11-01,,net-30,,,owner@us.example,\n\
         INV-10,Acme,ap@acme.example,(120.00),USD,2026-11-01,,net-30,,,owner@us.example,\n",
    );
    assert_eq!(numbers(&export), ["INV-3"]);
    assert_eq!(
        rejected(&export),
        [
            "line 2: amount: 12.345 has more decimals than USD allows (2)",
            "line 3: paid: `maybe` is not yes or no",
            "line 3: issue_date: `01-11-26` is not a date: write YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY or 3 Dec 2026",
            "line 3: contact_email: `not-an-email` is not a valid e-mail address",
            "line 5: number: invoice inv 3 is also on line 4",
            "line 6: number: is empty",
            "line 6: currency: unknown currency `XYZ`: expected an ISO-4217 code such as USD, EUR or JPY",
            "line 7: has 13 fields but the header has 12 (is a value with a comma missing its quotes?)",
        ]
    );
    // A rejected row keeps its number, so a diff does not call the invoice vanished.
    assert_eq!(export.rejected[0].invoice.as_deref(), Some("INV-1"));
    // A negative amount on an unpaid row is no mistake to fix in the file but a question for
    // the owner (a credit note? an overpayment?): flagged, never chased.
    assert_eq!(
        export
            .flagged
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "line 8: INV-10 (Acme): a negative amount (USD -120.00) on an unpaid row: a credit, an overpayment or a mistake"
        ]
    );
}

#[test]
fn bom_crlf_and_blank_lines_change_nothing_but_line_numbers() {
    let text = "\u{feff}number,customer,amount,currency,issue_date,due_date,owner_email\r\n\r\n\
                INV-1,Acme,10.00,USD,2026-11-01,2026-12-01,o@us.example\r\n\r\n\r\n\
                INV-2,Beta,20.00,USD,2026-11-01,2026-12-01,o@us.example\r\n";
    let export = read_export(text.as_bytes(), "x.csv", &Options::default()).unwrap();
    assert_eq!(export.preset, PresetName::Chaser);
    let lines: Vec<u64> = export.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 6]);
}

#[test]
fn european_files_with_semicolons_and_decimal_commas_read_exactly() {
    let text = "number;customer;amount;balance;currency;issue_date;due_date;owner_email\n\
                R-1;Müller AG;1.234,50 €;234,50;EUR;14.11.2026;14.12.2026;o@us.example\n\
                R-2;Dupont SA;€ 980,00;980,00;EUR;01.12.2026;31.12.2026;o@us.example\n";
    let export = read_export(text.as_bytes(), "export.csv", &Options::default()).unwrap();
    assert!(export.rejected.is_empty(), "{:?}", rejected(&export));
    let first = row(&export, "R-1");
    assert_eq!(first.invoice.amount, money("EUR 1234.50"));
    assert_eq!(first.invoice.balance, money("EUR 234.50"));
    assert_eq!(first.invoice.issue_date, date(2026, 11, 14));
    assert_eq!(
        first.status,
        RowStatus::PartiallyPaid {
            paid: money("EUR 1000")
        }
    );
}

#[test]
fn a_file_that_mixes_decimal_marks_is_refused() {
    let text = "number,customer,amount,currency,issue_date,owner_email\n\
                A,Acme,\"1,200.50\",USD,2026-11-01,o@us.example\n\
                B,Beta,\"1.200,50\",EUR,2026-11-01,o@us.example\n";
    let err = read_export(text.as_bytes(), "x.csv", &Options::default()).unwrap_err();
    assert!(matches!(
        err,
        FileError::MixedDecimalMarks {
            point_line: 2,
            comma_line: 3,
            ..
        }
    ));
}

/// A tool whose export has no currency column.
fn no_currency_column(default_currency: Option<&str>) -> Options {
    let mapping = toml::from_str(
        "number = \"No\"\ncustomer = \"Client\"\namount = \"Amount\"\nissue_date = \"Date\"\ndue_date = \"Due\"\n",
    )
    .unwrap();
    Options {
        custom: Some(mapping),
        default_currency: default_currency.map(|c| Currency::parse(c).unwrap()),
        ..options()
    }
}

#[test]
fn currency_symbols_need_a_currency_only_when_they_are_shared() {
    let text = "No,Client,Amount,Date,Due\n\
                A,Acme,€12.00,2026-11-01,2026-12-01\n\
                B,Beta,£1,200.00,2026-11-01,2026-12-01\n";
    // An unquoted £1,200.00 spills into the next column: that row is rejected, not misread.
    let export = read_export(text.as_bytes(), "x.csv", &no_currency_column(None)).unwrap();
    assert_eq!(row(&export, "A").invoice.amount, money("EUR 12"));
    assert_eq!(
        rejected(&export),
        ["line 3: has 6 fields but the header has 5 (is a value with a comma missing its quotes?)"]
    );

    let dollars = "No,Client,Amount,Date,Due\nA,Acme,$12.00,2026-11-01,2026-12-01\n";
    let err = read_export(dollars.as_bytes(), "x.csv", &no_currency_column(None)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "x.csv: line 2: `$12.00` writes `$`, which several currencies share, and the file has no currency column: set a default currency"
    );
    let export = read_export(
        dollars.as_bytes(),
        "x.csv",
        &no_currency_column(Some("CAD")),
    )
    .unwrap();
    assert_eq!(row(&export, "A").invoice.amount, money("CAD 12"));
    let export = read_export(
        dollars.as_bytes(),
        "x.csv",
        &no_currency_column(Some("EUR")),
    )
    .unwrap();
    assert_eq!(
        rejected(&export),
        ["line 2: Amount: `$12.00` is not in EUR, the row's currency"]
    );
}

#[test]
fn file_level_problems_name_the_file() {
    let refused = |text: &str| {
        read_export(text.as_bytes(), "x.csv", &Options::default())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(refused(""), "x.csv: has no header row");
    assert_eq!(refused("\n\n,,\n"), "x.csv: has no header row");
    // Nothing fits, so no single tool is blamed: the closest layouts say what they lack.
    assert_eq!(
        refused("number,customer\nINV-1,Acme\n"),
        "x.csv: the header matches no known export; closest: Stripe invoices export lacks Amount Due, Date (UTC); plain spreadsheet lacks amount (Amount, Total, Amount Due...), issue date (Invoice Date, Date, Issue Date...); the header has: number, customer; `chaser import x.csv --suggest-mapping` prints an [intake.custom] block to start from"
    );
    assert!(
        refused("colour,size\nred,L\n").starts_with("x.csv: the header matches no known export")
    );
    assert_eq!(
        refused("InvoiceNumber,ContactName,InvoiceDate,Total\nINV-1,Acme,2026-11-01,10\n"),
        "x.csv: the file has no owner_email column and no default owner is configured"
    );
    let custom = read_export(
        b"a,b\n",
        "x.csv",
        &Options {
            preset: Some(PresetName::Custom),
            ..Options::default()
        },
    );
    assert!(matches!(custom, Err(FileError::NoCustomMapping { .. })));
}

#[test]
fn progress_is_reported_for_every_data_row() {
    let mut calls = Vec::new();
    read_export_with_progress(
        &fixture("chaser.csv"),
        "chaser.csv",
        &Options::default(),
        &mut |done, total| calls.push((done, total)),
    )
    .unwrap();
    assert_eq!(calls, [(1, 4), (2, 4), (3, 4), (4, 4)]);
}

/// A Zoho-style workbook with real date cells and numbers, as Excel saves it.
fn workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    let header = [
        "Invoice Date",
        "Invoice Number",
        "Invoice Status",
        "Customer Name",
        "Due Date",
        "Currency Code",
        "Total",
        "Balance",
        "Item Name",
    ];
    for (col, name) in header.iter().enumerate() {
        sheet.write_string(0, col as u16, *name).unwrap();
    }
    let rows = [
        (
            (2026, 11, 3),
            "INV-7",
            "Overdue",
            "Zylker",
            (2026, 12, 3),
            "USD",
            1200.1,
            1200.1,
        ),
        (
            (2026, 11, 5),
            "INV-8",
            "Partially Paid",
            "Elite",
            (2026, 12, 5),
            "EUR",
            300.0,
            125.5,
        ),
        (
            (2026, 10, 1),
            "INV-9",
            "Closed",
            "NewTech",
            (2026, 10, 31),
            "GBP",
            99.99,
            0.0,
        ),
    ];
    for (i, (issue, number, status, customer, due, currency, total, balance)) in
        rows.into_iter().enumerate()
    {
        let r = i as u32 + 1;
        let cell_date = |(y, m, d): (u16, u8, u8)| ExcelDateTime::from_ymd(y, m, d).unwrap();
        sheet
            .write_datetime_with_format(r, 0, cell_date(issue), &date_format)
            .unwrap();
        sheet.write_string(r, 1, number).unwrap();
        sheet.write_string(r, 2, status).unwrap();
        sheet.write_string(r, 3, customer).unwrap();
        sheet
            .write_datetime_with_format(r, 4, cell_date(due), &date_format)
            .unwrap();
        sheet.write_string(r, 5, currency).unwrap();
        sheet.write_number(r, 6, total).unwrap();
        sheet.write_number(r, 7, balance).unwrap();
        sheet.write_string(r, 8, "Item").unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn xlsx_exports_read_like_csv_with_dates_and_numbers_from_cells() {
    let export = read_export(&workbook(), "invoices.xlsx", &options()).unwrap();

    assert_eq!(export.preset, PresetName::Zoho);
    assert!(export.rejected.is_empty(), "{:?}", rejected(&export));
    assert_eq!(export.unmapped_columns, ["Item Name"]);
    let first = row(&export, "INV-7");
    // Spreadsheet rows are numbered as the spreadsheet shows them.
    assert_eq!(first.line, 2);
    assert_eq!(first.invoice.issue_date, date(2026, 11, 3));
    assert_eq!(first.invoice.amount, money("USD 1200.10"));
    assert_eq!(
        row(&export, "INV-8").status,
        RowStatus::PartiallyPaid {
            paid: money("EUR 174.50")
        }
    );
    assert_eq!(row(&export, "INV-9").status, RowStatus::Paid);
}

#[test]
fn a_workbook_is_known_by_its_bytes_whatever_its_name() {
    let export = read_export(&workbook(), "download", &options()).unwrap();
    assert_eq!(export.rows.len(), 3);
}

#[test]
fn the_native_format_reads_flags_and_a_status() {
    let text = "number,customer,contact_email,amount,currency,issue_date,terms,owner_email,already_sent,do_not_chase,status\n\
                INV-1,Acme Ltd,ap@acme.example,100.00,USD,2026-11-01,net-30,owner@us.example,yes,no,open\n\
                INV-2,Acme Ltd,ap@acme.example,100.00,USD,2026-11-01,net-30,owner@us.example,,yes,void\n\
                INV-3,Acme Ltd,ap@acme.example,100.00,USD,2026-11-01,net-30,owner@us.example,perhaps,,\n";
    let export = read_export(text.as_bytes(), "invoices.csv", &Options::default()).unwrap();
    let sent = row(&export, "INV-1");
    assert!(sent.invoice.already_sent && !sent.invoice.do_not_chase);
    let void = row(&export, "INV-2");
    assert_eq!(void.status, chaser_intake::RowStatus::Void);
    assert!(void.invoice.do_not_chase);
    assert_eq!(
        rejected(&export),
        ["line 4: already_sent: `perhaps` is not yes or no"]
    );
}
