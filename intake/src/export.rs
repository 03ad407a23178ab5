//! Reading a whole export: the format, the header and its layout, the file-wide decisions
//! (date order, decimal mark, where the currency and the owner come from), then every row.
//! Bad rows never stop good ones; an invoice number may appear once (or, in exports with
//! one row per line item, on several rows that agree).

use std::collections::BTreeMap;

use chaser_domain::{Currency, Email, Invoice};
use serde::{Deserialize, Serialize};

use crate::amounts;
use crate::dates::{self, DateFormat};
use crate::error::{FileError, RowError};
use crate::format::{self, Format, MAX_ROWS, Record};
use crate::mapping::{self, Columns, Field, Needs};
use crate::presets::{CustomMapping, Layout, PresetName};
use crate::row::{self, Context, Outcome};
use crate::status::RowStatus;

/// What the caller knows that the file may not say.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Read the file as this tool's export instead of detecting it from the header.
    pub preset: Option<PresetName>,
    /// How numeric dates are written, when the file cannot tell (`--date-format`).
    pub date_format: Option<DateFormat>,
    /// For rows without a currency of their own.
    pub default_currency: Option<Currency>,
    /// For rows without an owner (most exports have no owner column).
    pub default_owner: Option<Email>,
    /// Used when no preset is forced, or when [`PresetName::Custom`] is.
    pub custom: Option<CustomMapping>,
}

/// One invoice read from the export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeRow {
    /// The line in a CSV file, or the row number in a spreadsheet.
    pub line: u64,
    pub invoice: Invoice,
    pub status: RowStatus,
    /// The export states the open balance (or the amount paid); otherwise `invoice.balance`
    /// is the full amount and a running chase keeps the balance it knows.
    pub balance_known: bool,
}

/// A row that is not an invoice to chase (a draft, a payment, a report's subtotal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub line: u64,
    pub reason: String,
}

/// Everything read from one export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub preset: PresetName,
    /// Named columns that were ignored, as the file writes them.
    pub unmapped_columns: Vec<String>,
    /// In file order.
    pub rows: Vec<IntakeRow>,
    /// In file order.
    pub rejected: Vec<RowError>,
    pub skipped: Vec<Skipped>,
}

/// Reads an export. `file_name` names the file in messages and hints at its format.
pub fn read_export(bytes: &[u8], file_name: &str, options: &Options) -> Result<Export, FileError> {
    read_export_with_progress(bytes, file_name, options, &mut |_, _| {})
}

/// [`read_export`], calling `progress(rows_done, rows_total)` after each data row.
pub fn read_export_with_progress(
    bytes: &[u8],
    file_name: &str,
    options: &Options,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Export, FileError> {
    let file = file_name;
    let table = format::read_table(bytes, file)?;
    let layouts = match (options.preset, &options.custom) {
        (Some(PresetName::Custom), None) => {
            return Err(FileError::NoCustomMapping {
                file: file.to_owned(),
            });
        }
        (Some(PresetName::Custom) | None, Some(mapping)) => vec![Layout::custom(mapping)],
        (Some(name), _) => Layout::preset(name).into_iter().collect(),
        (None, None) => PresetName::KNOWN
            .into_iter()
            .filter_map(Layout::preset)
            .collect(),
    };
    let needs = Needs {
        default_owner: options.default_owner.is_some(),
        default_currency: options.default_currency.is_some(),
    };
    let header = mapping::find_header(file, &table.records, &layouts, &needs)?;
    let data = table.records.get(header.index + 1..).unwrap_or_default();
    if data.len() > MAX_ROWS {
        return Err(FileError::TooLarge {
            file: file.to_owned(),
            reason: format!("has {} rows; at most {MAX_ROWS} are read", data.len()),
        });
    }
    let columns = &header.columns;
    if !columns.has(Field::OwnerEmail) && options.default_owner.is_none() {
        return Err(FileError::NoOwner {
            file: file.to_owned(),
        });
    }
    let cells = |fields: &'static [Field]| {
        data.iter().flat_map(move |r| {
            fields
                .iter()
                .filter_map(|f| columns.cell(*f, &r.cells))
                .map(|c| (r.line, c.text))
        })
    };
    let dates = dates::settle(
        file,
        cells(&[Field::IssueDate, Field::DueDate]),
        options.date_format,
    )?;
    let amounts = amounts::settle(
        file,
        cells(&[Field::Amount, Field::Balance, Field::AmountPaid]),
    )?;
    if !columns.has(Field::Currency) && options.default_currency.is_none() {
        check_currencies(file, data, columns, amounts)?;
    }
    let ctx = Context {
        layout: &header.layout,
        columns,
        dates,
        amounts,
        default_currency: options.default_currency,
        default_owner: options.default_owner.as_ref(),
    };
    let mut export = Export {
        preset: header.layout.name,
        unmapped_columns: columns.unmapped(),
        rows: Vec::new(),
        rejected: table.unreadable,
        skipped: Vec::new(),
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (done, record) in data.iter().enumerate() {
        read_record(&ctx, table.format, record, &mut seen, &mut export);
        progress(done + 1, data.len());
    }
    export.rejected.sort_by_key(|e| e.line);
    Ok(export)
}

/// Without a currency column or a default, every amount must name its own currency.
fn check_currencies(
    file: &str,
    data: &[Record],
    columns: &Columns,
    rules: amounts::AmountRules,
) -> Result<(), FileError> {
    for record in data {
        let numbered = columns
            .cell(Field::Number, &record.cells)
            .is_some_and(|c| !c.text.is_empty());
        let Some(cell) = columns
            .cell(Field::Amount, &record.cells)
            .filter(|_| numbered)
        else {
            continue;
        };
        // An amount that does not parse is the row's problem, reported with the row.
        let Ok(amount) = amounts::parse(cell.text, rules) else {
            continue;
        };
        let why = match amount.named_currency() {
            Ok(Some(_)) => continue,
            Ok(None) => "names no currency".to_owned(),
            Err(sign) => format!("writes `{sign}`, which several currencies share"),
        };
        return Err(FileError::NoCurrency {
            file: file.to_owned(),
            line: record.line,
            sample: cell.text.to_owned(),
            why,
        });
    }
    Ok(())
}

fn read_record(
    ctx: &Context<'_>,
    format: Format,
    record: &Record,
    seen: &mut BTreeMap<String, usize>,
    export: &mut Export,
) {
    let line = record.line;
    let reject = |field: &str, message: String, invoice: Option<String>| RowError {
        line,
        field: field.to_owned(),
        message,
        invoice,
    };
    // Spreadsheet rows end at their last value; CSV rows have every field they were written
    // with, so an unquoted comma shows even when the value it split off is empty.
    let used = record.cells.len();
    if used > ctx.columns.width() {
        let hint = match format {
            Format::Csv => "is a value with a comma missing its quotes?",
            Format::Xlsx => "a cell right of the last named column",
        };
        export.rejected.push(reject(
            "",
            format!(
                "has {used} fields but the header has {} ({hint})",
                ctx.columns.width()
            ),
            None,
        ));
        return;
    }
    let row = match row::read(ctx, line, &record.cells) {
        Outcome::Invoice(row) => row,
        Outcome::Skip(reason) => {
            export.skipped.push(Skipped { line, reason });
            return;
        }
        Outcome::Reject(problems, number) => {
            let key = number.map(|n| n.normalized());
            export.rejected.extend(
                problems
                    .into_iter()
                    .map(|(field, message)| reject(&field, message, key.clone())),
            );
            return;
        }
    };
    let key = row.invoice.number.normalized();
    let Some(&first) = seen.get(&key) else {
        seen.insert(key, export.rows.len());
        export.rows.push(*row);
        return;
    };
    let Some(earlier) = export.rows.get(first) else {
        return;
    };
    let message = if ctx.layout.line_items {
        let differ = differences(earlier, &row);
        if differ.is_empty() {
            // Another line item of the same invoice.
            return;
        }
        format!(
            "invoice {} is also on line {} with a different {}",
            row.invoice.number,
            earlier.line,
            differ.join(", ")
        )
    } else {
        format!(
            "invoice {} is also on line {}",
            row.invoice.number, earlier.line
        )
    };
    export
        .rejected
        .push(reject(ctx.columns.label(Field::Number), message, Some(key)));
}

/// The invoice facts two rows of the same number disagree on.
fn differences(a: &IntakeRow, b: &IntakeRow) -> Vec<&'static str> {
    let (x, y) = (&a.invoice, &b.invoice);
    [
        ("customer", x.customer != y.customer),
        ("amount", x.amount != y.amount),
        ("balance", x.balance != y.balance),
        ("issue date", x.issue_date != y.issue_date),
        ("due date", x.due_date != y.due_date),
        ("status", a.status != b.status),
        ("contacts", x.contacts != y.contacts),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect()
}
