//! File formats: which one a file is (CSV or XLSX), and its rows as text cells with their
//! line numbers. Owns the size limits, so no input can exhaust memory; knows nothing of
//! columns or invoices.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};

use crate::error::{FileError, RowError};

/// Inputs larger than this are refused before parsing.
pub const MAX_INPUT_BYTES: usize = 50 * 1024 * 1024;
/// An XLSX workbook whose parts inflate beyond this is refused (a zip bomb, or not an export).
pub const MAX_UNCOMPRESSED_BYTES: u64 = 50 * 1024 * 1024;
/// More data rows than this and the file is refused.
pub const MAX_ROWS: usize = 200_000;
/// Exports have a few dozen columns; a cell further right than this is refused.
const MAX_COLUMNS: u32 = 1_024;
/// Parts in an XLSX container; a real workbook has a dozen or two.
const MAX_ZIP_ENTRIES: usize = 10_000;
/// Rows above the header (a report's title lines) that may come on top of `MAX_ROWS`.
const HEADER_SLACK: usize = 20;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Csv,
    Xlsx,
}

/// One non-blank row: its line (CSV) or row number (spreadsheet), and its trimmed cells.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub line: u64,
    pub cells: Vec<String>,
}

/// Every non-blank row of the file, and the rows that could not be read at all.
#[derive(Debug)]
pub(crate) struct Table {
    pub format: Format,
    pub records: Vec<Record>,
    pub unreadable: Vec<RowError>,
}

/// Reads a file into rows of text. Spreadsheet values are turned into text the way a CSV
/// export would write them: dates as `YYYY-MM-DD`, numbers in their shortest exact form.
pub(crate) fn read_table(bytes: &[u8], file: &str) -> Result<Table, FileError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(FileError::TooLarge {
            file: file.to_owned(),
            reason: format!(
                "is {} bytes; exports over {MAX_INPUT_BYTES} bytes are refused",
                bytes.len()
            ),
        });
    }
    match detect(bytes, file)? {
        Format::Csv => read_csv(bytes, file),
        Format::Xlsx => read_xlsx(bytes, file),
    }
}

/// XLSX when the bytes are a zip container, CSV otherwise; the name only sharpens the error
/// for a file that claims to be a spreadsheet but is not one we read.
fn detect(bytes: &[u8], file: &str) -> Result<Format, FileError> {
    let lower = file.to_ascii_lowercase();
    let unreadable = |reason: &str| FileError::Unreadable {
        file: file.to_owned(),
        reason: reason.to_owned(),
    };
    if bytes.starts_with(OLE_MAGIC) || lower.ends_with(".xls") {
        return Err(unreadable(
            "it is an old Excel .xls workbook: save it as .xlsx or CSV",
        ));
    }
    if lower.ends_with(".ods") || lower.ends_with(".numbers") {
        return Err(unreadable(
            "only CSV and XLSX are read: save the export as .xlsx or CSV",
        ));
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return Ok(Format::Xlsx);
    }
    if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
        return Err(unreadable(
            "it is named like an XLSX workbook but is not one (XLSX files are zip archives)",
        ));
    }
    Ok(Format::Csv)
}

fn too_many_rows(file: &str) -> FileError {
    FileError::TooLarge {
        file: file.to_owned(),
        reason: format!("has more than {MAX_ROWS} rows; split the export"),
    }
}

fn read_csv(bytes: &[u8], file: &str) -> Result<Table, FileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(bytes))
        .from_reader(bytes);
    let mut records = Vec::new();
    let mut unreadable = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut lines = LineCounter::default();
    loop {
        // The csv crate counts a record's line from where it started looking, before any
        // blank lines, so lines are counted here from the record's first byte.
        let line = lines.line_at(bytes, reader.position().byte());
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                unreadable.push(RowError {
                    line,
                    field: String::new(),
                    message: format!("unreadable row: {e}"),
                    invoice: None,
                });
                continue;
            }
        }
        let cells: Result<Vec<String>, _> = record
            .iter()
            .map(|cell| std::str::from_utf8(cell).map(|s| s.trim().to_owned()))
            .collect();
        let Ok(cells) = cells else {
            unreadable.push(RowError {
                line,
                field: String::new(),
                message: "is not UTF-8 text: export the file as UTF-8 CSV".to_owned(),
                invoice: None,
            });
            continue;
        };
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if records.len() >= MAX_ROWS + HEADER_SLACK {
            return Err(too_many_rows(file));
        }
        records.push(Record { line, cells });
    }
    Ok(Table {
        format: Format::Csv,
        records,
        unreadable,
    })
}

/// Line numbers from byte offsets, counted forward only once.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    line: u64,
}

impl LineCounter {
    /// The line of the first byte at or after `from` that is not a line break (a record
    /// starts there once blank lines are skipped).
    fn line_at(&mut self, bytes: &[u8], from: u64) -> u64 {
        let from = usize::try_from(from)
            .unwrap_or(bytes.len())
            .min(bytes.len());
        let skipped = bytes[from..]
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        let start = (from + skipped).max(self.offset);
        let newlines = bytes[self.offset..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.line += newlines as u64;
        self.offset = start;
        self.line + 1
    }
}

/// Comma unless the first line is clearly separated by semicolons (European Excel) or tabs.
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |d: u8| first.iter().filter(|b| **b == d).count();
    let commas = count(b',');
    if count(b';') > commas && count(b';') >= count(b'\t') {
        b';'
    } else if count(b'\t') > commas {
        b'\t'
    } else {
        b','
    }
}

fn read_xlsx(bytes: &[u8], file: &str) -> Result<Table, FileError> {
    let unreadable = |reason: String| FileError::Unreadable {
        file: file.to_owned(),
        reason,
    };
    check_container(bytes, file)?;
    let mut workbook = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| unreadable(format!("not a readable XLSX workbook: {e}")))?;
    let Some(sheet) = workbook.sheet_names().into_iter().next() else {
        return Err(FileError::Empty {
            file: file.to_owned(),
        });
    };
    let mut cells = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(|e| unreadable(format!("cannot read sheet `{sheet}`: {e}")))?;
    // Only non-empty cells are kept, so a sparse sheet costs what it holds.
    let mut rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| unreadable(format!("cannot read sheet `{sheet}`: {e}")))?
    {
        let (row, column) = cell.get_position();
        if column >= MAX_COLUMNS {
            return Err(FileError::TooLarge {
                file: file.to_owned(),
                reason: format!(
                    "sheet `{sheet}` has a cell in column {}; exports have at most {MAX_COLUMNS}",
                    u64::from(column) + 1
                ),
            });
        }
        let text = cell_text(cell.get_value());
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if !rows.contains_key(&row) && rows.len() >= MAX_ROWS + HEADER_SLACK {
            return Err(too_many_rows(file));
        }
        rows.entry(row).or_default().push((column, text.to_owned()));
    }
    let records = rows
        .into_iter()
        .map(|(row, values)| {
            let width = values
                .iter()
                .map(|(c, _)| *c as usize + 1)
                .max()
                .unwrap_or(0);
            let mut cells = vec![String::new(); width];
            for (column, text) in values {
                cells[column as usize] = text;
            }
            Record {
                line: u64::from(row) + 1,
                cells,
            }
        })
        .collect();
    Ok(Table {
        format: Format::Xlsx,
        records,
        unreadable: Vec::new(),
    })
}

/// Refuses a container that inflates beyond [`MAX_UNCOMPRESSED_BYTES`], counting what each
/// part really inflates to rather than trusting the sizes it declares.
fn check_container(bytes: &[u8], file: &str) -> Result<(), FileError> {
    let unreadable = |e: &dyn std::fmt::Display| FileError::Unreadable {
        file: file.to_owned(),
        reason: format!("not a readable XLSX workbook: {e}"),
    };
    let too_large = || FileError::TooLarge {
        file: file.to_owned(),
        reason: format!(
            "inflates to more than {MAX_UNCOMPRESSED_BYTES} bytes; refused as a possible zip bomb"
        ),
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(FileError::TooLarge {
            file: file.to_owned(),
            reason: format!(
                "holds {} parts; a workbook has far fewer than {MAX_ZIP_ENTRIES}",
                archive.len()
            ),
        });
    }
    let mut budget = MAX_UNCOMPRESSED_BYTES;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|e| unreadable(&e))?;
        if entry.size() > budget {
            return Err(too_large());
        }
        let read = std::io::copy(&mut entry.take(budget + 1), &mut std::io::sink())
            .map_err(|e| unreadable(&e))?;
        budget = budget.checked_sub(read).ok_or_else(too_large)?;
    }
    Ok(())
}

fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        // The shortest text that reads back as the same float: 1200.5, not 1200.4999999.
        // Amounts are then parsed from that text as exact decimals, never computed as floats.
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (year, month, day, ..) = dt.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02}")
        }
        DataRef::DateTime(dt) => dt.as_f64().to_string(),
        DataRef::Error(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheets_are_told_from_csv_by_their_bytes() {
        assert_eq!(detect(b"PK\x03\x04rest", "export.csv"), Ok(Format::Xlsx));
        assert_eq!(detect(b"a,b\n", "export.csv"), Ok(Format::Csv));
        assert_eq!(detect(b"a,b\n", "export"), Ok(Format::Csv));
        assert_eq!(
            detect(b"a,b\n", "export.xlsx").unwrap_err().to_string(),
            "export.xlsx: cannot read it: it is named like an XLSX workbook but is not one (XLSX files are zip archives)"
        );
        assert!(detect(b"\xD0\xCF\x11\xE0", "old").is_err());
    }

    #[test]
    fn semicolon_and_tab_files_are_sniffed_from_the_first_line() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1,5;2;3"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a,b;c\n"), b',');
        assert_eq!(sniff_delimiter(b""), b',');
    }

    #[test]
    fn csv_rows_keep_their_file_lines_and_skip_blank_ones() {
        let table = read_table(
            b"\xEF\xBB\xBFnumber,amount\r\n\r\nINV-1, 12 \r\n,\n\"INV\n2\",3\nINV-3,4",
            "x.csv",
        )
        .unwrap();
        let lines: Vec<_> = table.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 3, 5, 7]);
        assert_eq!(table.records[0].cells, ["number", "amount"]);
        assert_eq!(table.records[1].cells, ["INV-1", "12"]);
        assert_eq!(table.records[2].cells, ["INV\n2", "3"]);
    }

    #[test]
    fn non_utf8_rows_are_reported_not_garbled() {
        let table = read_table(b"number,customer\nINV-1,Soci\xe9t\xe9\n", "x.csv").unwrap();
        assert_eq!(table.records.len(), 1);
        assert_eq!(
            table.unreadable[0].to_string(),
            "line 2: is not UTF-8 text: export the file as UTF-8 CSV"
        );
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let big = vec![b'a'; MAX_INPUT_BYTES + 1];
        assert!(matches!(
            read_table(&big, "big.csv"),
            Err(FileError::TooLarge { .. })
        ));
    }
}
