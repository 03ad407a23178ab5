//! Hostile files within the size limits: each is refused by name (or read) in bounded time
//! and in at most 256 MiB. The findings of issue 14 and of the fuzz runs, and every input
//! committed under `fuzz/regressions/` for the intake targets, run here, so `cargo test`
//! (and `make test`) keeps them fixed without libFuzzer.
//!
//! A binary of its own because its allocator counts: `cap` refuses any allocation past the
//! budget, so a regression aborts this test binary instead of passing slowly.
#![allow(clippy::unwrap_used)]

use std::alloc::System;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cap::Cap;
use chaser_domain::Email;
use chaser_intake::webhook::{self, BankBatch, Envelope, InvoiceCreated, PaymentReceived};
use chaser_intake::{
    FileError, MAX_CELLS, MAX_COLUMNS, Options, StatementOptions, parse_event, read_export,
    read_statement, signature, verify_signature,
};

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// What one input may allocate on top of what the test holds when it starts.
const BUDGET: usize = 256 * 1024 * 1024;
/// Wall-clock bound per input in a debug build (release is about ten times faster).
const TIME: Duration = Duration::from_secs(20);

/// The tests share the allocator's count, so they take turns.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `read` under the memory budget and the time bound.
fn bounded<T>(what: &str, read: impl FnOnce() -> T) -> T {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    ALLOCATOR.set_limit(ALLOCATOR.allocated() + BUDGET).unwrap();
    let start = Instant::now();
    let out = read();
    let took = start.elapsed();
    ALLOCATOR.set_limit(usize::MAX).unwrap();
    assert!(took < TIME, "{what} took {took:?}");
    out
}

fn options() -> Options {
    Options {
        default_owner: Some(Email::parse("owner@chaser.example").unwrap()),
        ..Options::default()
    }
}

/// A workbook of the given sheet XML (and shared strings), with only the parts calamine needs.
fn xlsx(sheet_data: &str, shared_strings: Option<&str>) -> Vec<u8> {
    const NS: &str = "http://schemas.openxmlformats.org";
    let parts = [
        (
            "[Content_Types].xml",
            format!(
                r#"<Types xmlns="{NS}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#
            ),
        ),
        (
            "_rels/.rels",
            format!(
                r#"<Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<workbook xmlns="{NS}/spreadsheetml/2006/main" xmlns:r="{NS}/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{NS}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(r#"<worksheet xmlns="{NS}/spreadsheetml/2006/main">{sheet_data}</worksheet>"#),
        ),
    ];
    let mut out = Vec::new();
    {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in &parts {
            zip.start_file(*name, options).unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        if let Some(strings) = shared_strings {
            zip.start_file("xl/sharedStrings.xml", options).unwrap();
            zip.write_all(strings.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }
    out
}

fn too_large(result: Result<impl std::fmt::Debug, FileError>) -> String {
    match result {
        Err(e @ FileError::TooLarge { .. }) => e.to_string(),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn a_50_mb_csv_line_of_empty_fields_is_refused_at_its_1025th_field() {
    let line = vec![b','; 50 * 1024 * 1024 - 1];
    let err = bounded("50 MB of commas", || {
        too_large(read_export(&line, "commas.csv", &options()))
    });
    assert_eq!(
        err,
        format!(
            "commas.csv: line 1 has more than {MAX_COLUMNS} fields; exports have at most {MAX_COLUMNS} columns"
        )
    );
}

#[test]
fn csv_rows_times_columns_past_the_cell_budget_are_refused() {
    // 40,000 rows of 60 one-letter fields: under the row and column limits, over the cells.
    let row = format!("{}a\n", "a,".repeat(59));
    let text = row.repeat(40_000);
    let err = bounded("2.4M cells", || {
        too_large(read_export(text.as_bytes(), "cells.csv", &options()))
    });
    assert!(
        err.starts_with(&format!("cells.csv: has more than {MAX_CELLS} cells")),
        "{err}"
    );
}

#[test]
fn an_xlsx_with_one_cell_per_row_at_column_1024_over_200k_rows_is_refused() {
    let mut rows = String::from("<sheetData>");
    for r in 1..=200_000 {
        rows.push_str(&format!(
            r#"<row r="{r}"><c r="AMJ{r}" t="inlineStr"><is><t>x</t></is></c></row>"#
        ));
    }
    rows.push_str("</sheetData>");
    let book = xlsx(&rows, None);
    drop(rows);
    assert!(book.len() < 1024 * 1024, "{} bytes", book.len());
    let err = bounded("column 1024 x 200k rows", || {
        too_large(read_export(&book, "wide.xlsx", &options()))
    });
    assert!(
        err.starts_with(&format!("wide.xlsx: has more than {MAX_CELLS} cells")),
        "{err}"
    );
}

#[test]
fn out_of_range_xlsx_references_are_errors_not_panics() {
    for (what, cells) in [
        ("row 0", r#"<c r="A0" t="inlineStr"><is><t>x</t></is></c>"#),
        (
            "column past u32",
            r#"<c r="ZZZZZZZZZZ1" t="inlineStr"><is><t>x</t></is></c>"#,
        ),
        (
            "row past u32",
            r#"<c r="A99999999999" t="inlineStr"><is><t>x</t></is></c>"#,
        ),
        (
            "column XFE",
            r#"<c r="XFE1" t="inlineStr"><is><t>x</t></is></c>"#,
        ),
    ] {
        let book = xlsx(
            &format!(r#"<sheetData><row r="1">{cells}</row></sheetData>"#),
            None,
        );
        let result = bounded(what, || read_export(&book, "refs.xlsx", &options()));
        assert!(
            matches!(
                result,
                Err(FileError::Unreadable { .. } | FileError::TooLarge { .. })
            ),
            "{what}: {result:?}"
        );
    }
    // A row number at the top of u32 followed by another row: the row counter wraps in
    // calamine; whatever it makes of it, the reader answers.
    let book = xlsx(
        r#"<sheetData><row r="4294967295"><c t="inlineStr"><is><t>x</t></is></c></row><row><c t="inlineStr"><is><t>y</t></is></c></row></sheetData>"#,
        None,
    );
    let result = bounded("last row", || read_export(&book, "rows.xlsx", &options()));
    assert!(result.is_err(), "{result:?}");
}

#[test]
fn a_dimension_tag_that_lies_costs_nothing() {
    for dimension in ["A1:XFD1048576", "A5:A1", "B2"] {
        let book = xlsx(
            &format!(
                r#"<dimension ref="{dimension}"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>number</t></is></c></row></sheetData>"#
            ),
            None,
        );
        let result = bounded(dimension, || read_export(&book, "dim.xlsx", &options()));
        assert!(result.is_err(), "{dimension}: {result:?}");
    }
}

#[test]
fn shared_strings_that_declare_or_hold_too_many_strings_are_refused() {
    let one_cell = r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#;
    let declared = xlsx(
        one_cell,
        Some(
            r#"<?xml version="1.0"?><sst xmlns="x" count="1" uniqueCount="100000000000"><si><t>a</t></si></sst>"#,
        ),
    );
    let err = bounded("uniqueCount 1e11", || {
        too_large(read_export(&declared, "sst.xlsx", &options()))
    });
    assert_eq!(
        err,
        format!(
            "sst.xlsx: its shared strings declare 100000000000 strings, more than the {MAX_CELLS} cells an export may have"
        )
    );
    let held = xlsx(
        one_cell,
        Some(&format!(
            r#"<x:sst xmlns:x="x">{}</x:sst>"#,
            "<x:si/>".repeat(MAX_CELLS + 1)
        )),
    );
    let err = bounded("2M empty strings", || {
        too_large(read_export(&held, "si.xlsx", &options()))
    });
    assert!(err.contains("hold more than"), "{err}");
}

/// The committed inputs of one fuzz target.
fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

#[test]
fn fuzz_regressions_of_the_exports_and_statements_are_read_within_bounds() {
    for target in ["csv_export", "xlsx_export", "bank_statement"] {
        for (name, bytes) in regressions(target) {
            let what = format!("{target}/{name}");
            bounded(&what, || {
                let _ = read_export(&bytes, "fuzz.csv", &options());
                let _ = read_export(&bytes, "fuzz.xlsx", &options());
                let _ = read_statement("fuzz.csv", &bytes, &StatementOptions::default());
            });
        }
    }
}

#[test]
fn fuzz_regressions_of_the_webhooks_are_answered_within_bounds() {
    for target in ["accounting_webhook", "stripe_webhook"] {
        for (name, bytes) in regressions(target) {
            let what = format!("{target}/{name}");
            bounded(&what, || {
                // The fuzz targets' layout: the header line, then the body.
                let (header, body) = match bytes.iter().position(|b| *b == b'\n') {
                    Some(at) => (&bytes[..at], &bytes[at + 1..]),
                    None => (&bytes[..], &[][..]),
                };
                let header = String::from_utf8_lossy(header);
                let _ =
                    signature::verify(b"whsec", Some(&header), Some("v1=00"), body, 1_700_000_000);
                let _ = verify_signature("whsec", Some(&header), body, 1_700_000_000, 300);
                let _ = parse_event(body);
                if let Ok(envelope) = serde_json::from_slice::<Envelope>(body) {
                    if let Ok(invoice) = webhook::parse::<InvoiceCreated>(&envelope.data) {
                        let _ = invoice.into_invoice();
                    }
                    if let Ok(payment) = webhook::parse::<PaymentReceived>(&envelope.data) {
                        let _ = payment.amount();
                    }
                }
                if let Ok(batch) = serde_json::from_slice::<BankBatch>(body) {
                    let _ = batch.into_payments();
                }
            });
        }
    }
}
