//! The reports as CSV, every cell neutralized so that a spreadsheet never reads one as a
//! formula.

use std::borrow::Cow;

use super::ReportError;
use super::aging::AgingReport;
use super::receivables::LatePayer;
use super::summary::{MonthlySummary, PromiseCounts};

/// Prefixes a cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, carriage
/// return) with `'`. Applied to every cell, amounts included, so a negative amount is written as
/// the text `'-12.00`: one rule with no exceptions is easier to trust than a list of safe columns.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn write_csv(header: &[&str], rows: Vec<Vec<String>>) -> Result<String, ReportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header)?;
    for row in rows {
        let cells: Vec<Cow<'_, str>> = row.iter().map(|cell| neutralize(cell)).collect();
        writer.write_record(cells.iter().map(|cell| cell.as_bytes()))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    // Every cell came from a `String`, so the bytes are UTF-8.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `as_of,currency,bucket,invoices,balance`: one row per bucket and a `total` row per currency.
pub fn aging_csv(report: &AgingReport) -> Result<String, ReportError> {
    let as_of = report.as_of.to_string();
    let mut rows = Vec::new();
    for aging in &report.currencies {
        let lines = aging
            .buckets
            .iter()
            .map(|b| (b.bucket.label(), b.count, b.total))
            .chain([("total", aging.count, aging.total)]);
        for (bucket, count, total) in lines {
            rows.push(vec![
                as_of.clone(),
                aging.currency.to_string(),
                bucket.to_owned(),
                count.to_string(),
                total.amount().to_string(),
            ]);
        }
    }
    write_csv(
        &["as_of", "currency", "bucket", "invoices", "balance"],
        rows,
    )
}

/// `month,currency,measure,value`: the movements per currency, the month-end aging balances
/// (`aging_<bucket>`), then the promise counts with no currency.
pub fn summary_csv(summary: &MonthlySummary) -> Result<String, ReportError> {
    let month = summary.month_label();
    let row = |currency: String, measure: &str, value: String| {
        vec![month.clone(), currency, measure.to_owned(), value]
    };
    let mut rows = Vec::new();
    for line in &summary.currencies {
        let figures = [
            ("opening", line.opening),
            ("issued", line.issued),
            ("collected", line.collected),
            ("written_off", line.written_off),
            ("voided", line.voided),
            ("closing", line.closing),
        ];
        for (measure, money) in figures {
            rows.push(row(
                line.currency.to_string(),
                measure,
                money.amount().to_string(),
            ));
        }
    }
    for aging in &summary.aging.currencies {
        for b in &aging.buckets {
            rows.push(row(
                aging.currency.to_string(),
                &format!("aging_{}", b.bucket),
                b.total.amount().to_string(),
            ));
        }
    }
    let PromiseCounts { made, kept, broken } = summary.promises;
    for (measure, count) in [
        ("promises_made", made),
        ("promises_kept", kept),
        ("promises_broken", broken),
    ] {
        rows.push(row(String::new(), measure, count.to_string()));
    }
    write_csv(&["month", "currency", "measure", "value"], rows)
}

/// `currency,customer,overdue,invoices,oldest_days_late`, in the order given.
pub fn late_payers_csv(payers: &[LatePayer]) -> Result<String, ReportError> {
    let rows = payers
        .iter()
        .map(|p| {
            vec![
                p.currency.to_string(),
                p.customer.clone(),
                p.overdue.amount().to_string(),
                p.invoices.to_string(),
                p.oldest_days_late.to_string(),
            ]
        })
        .collect();
    write_csv(
        &[
            "currency",
            "customer",
            "overdue",
            "invoices",
            "oldest_days_late",
        ],
        rows,
    )
}
