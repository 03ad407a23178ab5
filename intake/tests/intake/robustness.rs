//! Garbage in, a clear error out: never a panic, and never unbounded memory.

use std::io::Write;

use chaser_intake::{FileError, MAX_ROWS, Options, read_export, suggest_mapping};
use proptest::prelude::*;
use rust_xlsxwriter::Workbook;

use crate::{fixture, options};

const FIXTURES: [&str; 14] = [
    "chaser.csv",
    "quickbooks_ar_aging_detail.csv",
    "quickbooks_ar_aging_detail_2024.csv",
    "quickbooks_open_invoices.csv",
    "xero_invoices.csv",
    "xero_aged_receivables_detail.csv",
    "freshbooks_invoice_details.csv",
    "freshbooks_invoice_details_report.csv",
    "stripe_invoices.csv",
    "zoho_invoices.csv",
    "ambiguous_dates.csv",
    "generic_plain.csv",
    "generic_ambiguous_dates.csv",
    "generic_plain.xlsx",
];

fn small_workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, name) in [
        "number",
        "customer",
        "amount",
        "currency",
        "issue_date",
        "terms",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, col as u16, *name).unwrap();
    }
    sheet.write_string(1, 0, "INV-1").unwrap();
    sheet.write_string(1, 1, "Acme").unwrap();
    sheet.write_number(1, 2, 12.5).unwrap();
    sheet.write_string(1, 3, "USD").unwrap();
    sheet.write_string(1, 4, "2026-11-01").unwrap();
    sheet.write_string(1, 5, "Net 30").unwrap();
    book.save_to_buffer().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_export(&bytes, "random.csv", &options());
        let _ = read_export(&bytes, "random.xlsx", &options());
    }

    #[test]
    fn random_bytes_in_a_zip_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut zipped = b"PK\x03\x04".to_vec();
        zipped.extend(bytes);
        let _ = read_export(&zipped, "random.xlsx", &options());
    }

    #[test]
    fn csv_shaped_text_never_panics(text in "[a-zA-Z0-9 ,;\"\\n\\r$€£().:/-]{0,400}") {
        let with_header = format!("number,customer,amount,currency,issue_date,due_date,balance\n{text}");
        let _ = read_export(with_header.as_bytes(), "text.csv", &options());
        let _ = read_export(text.as_bytes(), "text.csv", &options());
    }

    #[test]
    fn truncated_exports_never_panic(which in 0..FIXTURES.len(), cut in 0.0f64..1.0) {
        let bytes = fixture(FIXTURES[which]);
        let end = (bytes.len() as f64 * cut) as usize;
        let _ = read_export(&bytes[..end], FIXTURES[which], &options());
        let _ = suggest_mapping(&bytes[..end], FIXTURES[which], &options());
    }

    #[test]
    fn suggesting_for_random_text_never_panics(text in "[a-zA-Z0-9 ,;\"\\n\\r$€£().:/#-]{0,400}") {
        let _ = suggest_mapping(text.as_bytes(), "text.csv", &options());
    }

    #[test]
    fn damaged_workbooks_never_panic(
        cut in 0.0f64..1.0,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let mut bytes = small_workbook();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let end = ((bytes.len() as f64 * cut) as usize).max(4);
        let _ = read_export(&bytes[..end], "damaged.xlsx", &options());
        let _ = read_export(&bytes, "damaged.xlsx", &options());
    }
}

#[test]
fn a_small_workbook_reads() {
    let export = read_export(&small_workbook(), "small.xlsx", &options()).unwrap();
    assert_eq!(
        export.rows.len(),
        1,
        "{:?} {:?}",
        export.rejected,
        export.skipped
    );
}

#[test]
fn random_bytes_named_xlsx_get_a_clear_error() {
    let err = read_export(b"\x00\x01garbage", "export.xlsx", &Options::default()).unwrap_err();
    assert!(matches!(err, FileError::Unreadable { .. }), "{err}");
    let err = read_export(b"PK\x03\x04garbage", "export.xlsx", &Options::default()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("export.xlsx: cannot read it: not a readable XLSX workbook"),
        "{err}"
    );
}

#[test]
fn a_zip_bomb_is_refused_before_it_inflates() {
    // 60 MiB of zeros deflate to about 60 KiB.
    let mut zipped = Vec::new();
    {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut zipped));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1));
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..60 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
    }
    assert!(zipped.len() < 1024 * 1024);
    let err = read_export(&zipped, "bomb.xlsx", &options()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "bomb.xlsx: inflates to more than 52428800 bytes; refused as a possible zip bomb"
    );
}

#[test]
fn too_many_rows_are_refused() {
    let mut text = String::from("number,customer,amount,currency,issue_date,owner_email\n");
    for i in 0..=MAX_ROWS + 20 {
        text.push_str(&format!("{i}\n"));
    }
    let err = read_export(text.as_bytes(), "huge.csv", &Options::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("huge.csv: has more than {MAX_ROWS} rows; split the export")
    );
}
