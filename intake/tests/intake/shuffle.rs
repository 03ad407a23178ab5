//! A header is understood, not matched: shuffling the columns, changing the case and spacing
//! of their titles and adding columns nobody knows never changes what an export reads as,
//! on every sample export.

use chaser_domain::Currency;
use chaser_intake::{Export, FileError, Options, read_export};
use proptest::prelude::*;

use crate::{fixture, options};

/// Every CSV sample, with the default currency its report needs.
const SAMPLES: [(&str, Option<&str>); 14] = [
    ("chaser.csv", None),
    ("quickbooks_ar_aging_detail.csv", Some("USD")),
    ("quickbooks_ar_aging_detail_2024.csv", Some("USD")),
    ("quickbooks_open_invoices.csv", Some("USD")),
    ("xero_invoices.csv", None),
    ("xero_aged_receivables_detail.csv", Some("GBP")),
    ("freshbooks_invoice_details.csv", None),
    ("freshbooks_invoice_details_report.csv", None),
    ("stripe_invoices.csv", None),
    ("zoho_invoices.csv", None),
    ("generic_plain.csv", None),
    ("generic_ambiguous_dates.csv", None),
    ("ambiguous_dates.csv", None),
    ("generic_plain.csv", Some("EUR")),
];

/// Titles that no layout knows.
const UNKNOWN: [&str; 4] = ["Colour", "Sales Region", "Internal Tag", "Warehouse"];

/// A sample's records, every one as wide as the widest.
fn table(name: &str) -> Vec<Vec<String>> {
    let bytes = fixture(name);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for row in &mut rows {
        row.resize(width, String::new());
    }
    rows
}

fn csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.into_inner().unwrap()
}

/// The header: the first row with four or more titles (titles above it have one cell).
fn header_at(rows: &[Vec<String>]) -> usize {
    rows.iter()
        .position(|r| r.iter().filter(|c| !c.is_empty()).count() >= 4)
        .unwrap()
}

/// A transaction row: it has a date (every sample's dates are in 2026); headings, totals and
/// footers get no value in the new columns, as the tools would write them.
fn transaction(row: &[String]) -> bool {
    row.iter().filter(|c| !c.is_empty()).count() >= 4 && row.iter().any(|c| c.contains("2026"))
}

/// A title in another case and spacing.
fn restyle(title: &str, style: u8) -> String {
    let words: Vec<&str> = title.split_whitespace().collect();
    match style % 5 {
        0 => title.to_owned(),
        1 => title.to_uppercase(),
        2 => title.to_lowercase(),
        3 if !words.is_empty() => format!("  {}  ", words.join("   ")),
        4 => words.concat(),
        _ => title.to_owned(),
    }
}

/// What an export read, with the column names as written left out (they are what changed).
#[derive(Debug, PartialEq)]
enum Read {
    Export {
        preset: String,
        layout: String,
        rows: String,
        flagged: String,
        skipped: String,
        rejected: Vec<(u64, String, String, Option<String>)>,
        unmapped: Vec<String>,
    },
    Refused(String),
}

fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn read(bytes: &[u8], options: &Options) -> Read {
    match read_export(bytes, "sample.csv", options) {
        Ok(export) => summary(&export),
        // Only the date questions can refuse a sample, and they name no column.
        Err(e @ (FileError::AmbiguousDates { .. } | FileError::ContradictoryDates { .. })) => {
            Read::Refused(e.to_string())
        }
        Err(e) => panic!("{e}"),
    }
}

fn summary(export: &Export) -> Read {
    let mut unmapped: Vec<String> = export
        .unmapped_columns
        .iter()
        .map(|c| squash(c))
        .filter(|c| !UNKNOWN.iter().any(|u| squash(u) == *c))
        .collect();
    unmapped.sort();
    Read::Export {
        preset: format!("{:?}", export.preset),
        layout: format!("{:?}", export.layout),
        rows: format!("{:?}", export.rows),
        flagged: format!("{:?}", export.flagged),
        skipped: format!("{:?}", export.skipped),
        rejected: export
            .rejected
            .iter()
            .map(|e| {
                (
                    e.line,
                    squash(&e.field),
                    e.message.clone(),
                    e.invoice.clone(),
                )
            })
            .collect(),
        unmapped,
    }
}

fn sample_options(currency: Option<&str>) -> Options {
    Options {
        default_currency: currency.map(|c| Currency::parse(c).unwrap()),
        ..options()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn column_order_title_style_and_unknown_columns_change_nothing(
        which in 0..SAMPLES.len(),
        order in proptest::collection::vec(any::<u32>(), 32),
        styles in proptest::collection::vec(any::<u8>(), 32),
        extra in proptest::collection::vec((0..UNKNOWN.len(), any::<u32>()), 0..3),
    ) {
        let (name, currency) = SAMPLES[which];
        let options = sample_options(currency);
        let rows = table(name);
        let header = header_at(&rows);
        let width = rows[0].len();

        // The sample as written by the same writer, so that only the changes differ.
        let base = read(&csv(&rows), &options);

        let mut changed = rows.clone();
        for (column, title) in changed[header].iter_mut().enumerate() {
            *title = restyle(title, styles[column % styles.len()]);
        }
        for (n, (unknown, at)) in extra.iter().enumerate() {
            let at = *at as usize % (width + n + 1);
            for (i, row) in changed.iter_mut().enumerate() {
                let value = if i == header {
                    UNKNOWN[*unknown].to_owned()
                } else if transaction(&rows[i]) {
                    "north wing".to_owned()
                } else {
                    String::new()
                };
                row.insert(at, value);
            }
        }
        // The same shuffle for every row: a column moves with its values.
        let mut permutation: Vec<usize> = (0..changed[0].len()).collect();
        permutation.sort_by_key(|i| order[i % order.len()].wrapping_mul(2_654_435_761).wrapping_add(*i as u32));
        let shuffled: Vec<Vec<String>> = changed
            .iter()
            .map(|row| permutation.iter().map(|i| row[*i].clone()).collect())
            .collect();

        prop_assert_eq!(read(&csv(&shuffled), &options), base);
    }
}

#[test]
fn the_rewritten_samples_read_as_the_originals_do() {
    // The property compares a sample with itself rewritten; rewriting alone must not change
    // what it reads as (only line numbers, where blank lines are dropped).
    for (name, currency) in SAMPLES {
        let options = sample_options(currency);
        let original = read(&fixture(name), &options);
        let rewritten = read(&csv(&table(name)), &options);
        match (&original, &rewritten) {
            (Read::Export { layout: a, .. }, Read::Export { layout: b, .. }) => {
                assert_eq!(a, b, "{name}");
            }
            (Read::Refused(a), Read::Refused(b)) => assert_eq!(a, b, "{name}"),
            _ => panic!("{name}: {original:?} / {rewritten:?}"),
        }
    }
}
