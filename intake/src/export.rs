//! Reading a whole export: the format, the header and its layout, the file-wide decisions
//! (date order, decimal mark, where the currency and the owner come from), then every row.
//! Bad rows never stop good ones. A report's furniture is skipped and its customer headings
//! followed; rows are then settled invoice by invoice ([`crate::group`]).
//!
//! The date order is asked about first: a file whose dates read both ways is refused with the
//! `--date-format` question even when its header fits no layout.

use std::borrow::Cow;

use chaser_domain::{Currency, Email};

use crate::amounts;
use crate::dates::{self, DateFormat};
use crate::error::{FileError, RowError};
use crate::field::Field;
use crate::format::{self, Format, MAX_ROWS, Record, Table};
use crate::group;
use crate::mapping::{self, Columns, Needs};
use crate::outcome::{Export, SkipReason, Skipped};
use crate::presets::{CustomMapping, Layout, PresetName};
use crate::report::{self, Furniture, Headings};
use crate::row::{self, Context, Outcome, Read};

/// What the caller knows that the file may not say.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Read the file as this tool's export instead of detecting it from the header.
    pub preset: Option<PresetName>,
    /// How numeric dates are written, when the file cannot tell (`--date-format`).
    pub date_format: Option<DateFormat>,
    /// For rows without a currency of their own (a report in the books' base currency).
    pub default_currency: Option<Currency>,
    /// For rows without an owner (most exports have no owner column).
    pub default_owner: Option<Email>,
    /// Used when no preset is forced, or when [`PresetName::Custom`] is.
    pub custom: Option<CustomMapping>,
}

/// Reads an export. `file_name` names the file in messages and hints at its format.
pub fn read_export(bytes: &[u8], file_name: &str, options: &Options) -> Result<Export, FileError> {
    read_export_with_progress(bytes, file_name, options, &mut |_, _| {})
}

/// The layouts to try, and whether the caller chose them.
fn layouts(file: &str, options: &Options) -> Result<(Cow<'static, [Layout]>, bool), FileError> {
    match (options.preset, &options.custom) {
        (Some(PresetName::Custom), None) => Err(FileError::NoCustomMapping {
            file: file.to_owned(),
        }),
        (Some(PresetName::Custom) | None, Some(mapping)) => {
            Ok((vec![Layout::custom(mapping)].into(), true))
        }
        (Some(name), _) => Ok((Layout::preset(name).into(), true)),
        (None, None) => Ok((Layout::known().into(), false)),
    }
}

/// The header and its layout; when none fits, the date question still comes first.
fn header(file: &str, table: &Table, options: &Options) -> Result<mapping::Header, FileError> {
    let (layouts, forced) = layouts(file, options)?;
    let needs = Needs {
        default_owner: options.default_owner.is_some(),
        default_currency: options.default_currency.is_some(),
    };
    mapping::find_header(file, &table.records, &layouts, &needs, forced).or_else(|layout_error| {
        // No column is known to hold dates, so every cell is asked.
        let every_cell = table
            .records
            .iter()
            .flat_map(|r| r.cells.iter().map(move |c| (r.line, c.as_str())));
        dates::settle(file, every_cell, options.date_format)?;
        Err(layout_error)
    })
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
    let header = header(file, &table, options)?;
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
        cells(&[Field::IssueDate, Field::DueDate, Field::DatePaid]),
        options.date_format,
    )?;
    let amounts = amounts::settle(
        file,
        cells(&[
            Field::Amount,
            Field::Balance,
            Field::AmountPaid,
            Field::LineAmount,
        ]),
    )?;
    let amount_field = columns.amount_field();
    if !columns.has(Field::Currency) && options.default_currency.is_none() {
        check_currencies(file, data, columns, amount_field, amounts)?;
    }
    let ctx = Context {
        layout: &header.layout,
        columns,
        amount_field,
        line_items: header.layout.line_items || columns.has(Field::LineAmount),
        dates,
        amounts,
        default_currency: options.default_currency,
        default_owner: options.default_owner.as_ref(),
    };
    let mut export = Export {
        preset: header.layout.name.preset(),
        layout: header.layout.name,
        unmapped_columns: columns.unmapped(),
        rows: Vec::new(),
        rejected: table.unreadable,
        skipped: Vec::new(),
        flagged: Vec::new(),
    };
    let nested = header.layout.customer_from_headings
        && report::closes_by_name(data.iter().map(|r| r.cells.as_slice()), columns);
    let mut headings = Headings::new(nested);
    let mut reads = Vec::new();
    for (done, record) in data.iter().enumerate() {
        if let Some(read) = read_record(&ctx, table.format, record, &mut headings, &mut export) {
            reads.push(read);
        }
        progress(done + 1, data.len());
    }
    group::settle_all(&ctx, reads, &mut export);
    // Stable sorts: a line's problems keep their order.
    export.rows.sort_by_key(|r| r.line);
    export.rejected.sort_by_key(|e| e.line);
    export.skipped.sort_by_key(|s| s.line);
    export.flagged.sort_by_key(|f| f.line);
    Ok(export)
}

/// Without a currency column or a default, every amount must name its own currency.
fn check_currencies(
    file: &str,
    data: &[Record],
    columns: &Columns,
    amount_field: Field,
    rules: amounts::AmountRules,
) -> Result<(), FileError> {
    for record in data {
        let numbered = columns
            .cell(Field::Number, &record.cells)
            .is_some_and(|c| !c.text.is_empty());
        let Some(cell) = columns
            .cell(amount_field, &record.cells)
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

/// One record: a report's furniture, or a row read as (part of) an invoice.
fn read_record(
    ctx: &Context<'_>,
    format: Format,
    record: &Record,
    headings: &mut Headings,
    export: &mut Export,
) -> Option<Read> {
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
        return None;
    }
    // After a report's grand total comes its footer, however many cells it has; a row with
    // an invoice number is still read, so a total mid-sheet never hides the rows below it.
    let numbered = ctx
        .columns
        .cell(Field::Number, &record.cells)
        .is_some_and(|c| !c.text.is_empty());
    if ctx.layout.report_rows && headings.ended() && !numbered {
        export.skipped.push(Skipped {
            line,
            reason: SkipReason::ReportRow,
        });
        return None;
    }
    if ctx.layout.report_rows
        && let Some(furniture) = report::furniture(&record.cells, ctx.columns)
    {
        let reason = match furniture {
            Furniture::Heading(name)
                if ctx.layout.customer_from_headings && headings.heading(&name) =>
            {
                SkipReason::CustomerHeading { customer: name }
            }
            Furniture::Total(name) => {
                headings.total(name.as_deref());
                SkipReason::ReportRow
            }
            Furniture::Heading(_) | Furniture::Other => SkipReason::ReportRow,
        };
        export.skipped.push(Skipped { line, reason });
        return None;
    }
    let customer = headings.customer();
    match row::read(ctx, line, &record.cells, customer.as_deref()) {
        Outcome::Read(read) => Some(*read),
        Outcome::Skip(reason) => {
            export.skipped.push(Skipped { line, reason });
            None
        }
        Outcome::Reject(problems, number) => {
            let key = number.map(|n| n.normalized());
            export.rejected.extend(
                problems
                    .into_iter()
                    .map(|(field, message)| reject(&field, message, key.clone())),
            );
            None
        }
    }
}
