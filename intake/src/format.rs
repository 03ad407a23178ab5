//! File formats: which one a file is (CSV or XLSX), and its rows as text cells with their
//! line numbers. Owns the size limits, and knows nothing of columns or invoices.
//!
//! What the limits buy, measured (RELIABILITY.md has the figures): any input within them is
//! read in bounded time and in at most 256 MB, whatever its shape. Every structure that grows
//! with the input is counted before it grows: bytes in, bytes inflated, rows, fields in one
//! CSV record, cells held (each row as wide as its last filled cell) and the shared strings a
//! workbook declares. A file past any of them is refused with [`FileError::TooLarge`] naming
//! the file and the limit.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{DataRef, Reader, Xlsx};

use crate::error::{FileError, RowError};

/// Inputs larger than this are refused before parsing.
pub const MAX_INPUT_BYTES: usize = 50 * 1024 * 1024;
/// An XLSX workbook whose parts inflate beyond this is refused (a zip bomb, or not an export).
pub const MAX_UNCOMPRESSED_BYTES: u64 = 50 * 1024 * 1024;
/// More data rows than this and the file is refused. (It was 200,000: a valid export of that
/// many rows peaked at 357 MB, over the 256 MB every input must fit in.)
pub const MAX_ROWS: usize = 100_000;
/// Exports have a few dozen columns; a cell further right than this, or a CSV record with
/// more fields, is refused.
pub const MAX_COLUMNS: usize = 1_024;
/// Cells held at once, counting each row as wide as its last filled cell: the rows × columns
/// budget. 100,000 rows of 20 columns fit; a sheet with one cell per row at column 1,024, or a
/// CSV of millions of empty fields, does not.
pub const MAX_CELLS: usize = 2_000_000;
/// Parts in an XLSX container; a real workbook has a dozen or two.
const MAX_ZIP_ENTRIES: usize = 10_000;
/// Rows above the header (a report's title lines) that may come on top of `MAX_ROWS`.
const HEADER_SLACK: usize = 20;
/// How far into a shared-strings part its `<sst>` element must start: Excel writes it right
/// after the XML declaration, and calamine reserves room for the count it declares.
const SST_HEAD_BYTES: usize = 64 * 1024;

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

fn too_many_cells(file: &str) -> FileError {
    FileError::TooLarge {
        file: file.to_owned(),
        reason: format!(
            "has more than {MAX_CELLS} cells (rows × columns, up to each row's last filled cell); split the export"
        ),
    }
}

/// Counts the cells held against [`MAX_CELLS`].
struct CellBudget<'a> {
    file: &'a str,
    used: usize,
}

impl CellBudget<'_> {
    fn spend(&mut self, cells: usize) -> Result<(), FileError> {
        self.used = self.used.saturating_add(cells);
        if self.used > MAX_CELLS {
            Err(too_many_cells(self.file))
        } else {
            Ok(())
        }
    }
}

/// Reads CSV records with `csv_core` into buffers this function bounds: a record may not
/// have more than [`MAX_COLUMNS`] fields, and the fields kept count against [`MAX_CELLS`].
/// (The `csv` crate grows a record's buffers to whatever the line holds: a 50 MB line of
/// commas took 2.9 GB before the first check could run.) Quoting follows the `csv` crate's
/// defaults, which are `csv_core`'s: `"` quotes, `""` escapes, CRLF or LF ends a record.
fn read_csv(bytes: &[u8], file: &str) -> Result<Table, FileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv_core::ReaderBuilder::new()
        .delimiter(sniff_delimiter(bytes))
        .build();
    let mut records = Vec::new();
    let mut unreadable = Vec::new();
    let mut budget = CellBudget { file, used: 0 };
    let mut lines = LineCounter::default();
    // One record's field bytes (grown as needed, never past the input's size) and the ends of
    // its fields (fixed: a record that fills them has too many fields).
    let mut output = vec![0u8; 4096];
    let mut ends = [0usize; MAX_COLUMNS];
    let mut at = 0usize;
    loop {
        // Lines are counted from the record's first byte, after any blank lines before it.
        let line = lines.line_at(bytes, at as u64);
        let (mut out_len, mut end_len) = (0usize, 0usize);
        let finished = loop {
            let input = bytes.get(at..).unwrap_or_default();
            let (result, read, written, ended) = reader.read_record(
                input,
                output.get_mut(out_len..).unwrap_or_default(),
                ends.get_mut(end_len..).unwrap_or_default(),
            );
            at += read;
            out_len += written;
            end_len += ended;
            match result {
                // All the input is given at once; an empty slice then tells the end.
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => {
                    let grown = output.len().saturating_mul(2);
                    output.resize(grown, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    return Err(FileError::TooLarge {
                        file: file.to_owned(),
                        reason: format!(
                            "line {line} has more than {MAX_COLUMNS} fields; exports have at most {MAX_COLUMNS} columns"
                        ),
                    });
                }
                csv_core::ReadRecordResult::Record => break false,
                csv_core::ReadRecordResult::End => break true,
            }
        };
        if finished {
            break;
        }
        let mut start = 0;
        let mut cells = Vec::with_capacity(end_len);
        let mut utf8 = true;
        for &end in &ends[..end_len] {
            let field = output.get(start..end).unwrap_or_default();
            start = end;
            match std::str::from_utf8(field) {
                Ok(text) => cells.push(text.trim().to_owned()),
                Err(_) => utf8 = false,
            }
        }
        if !utf8 {
            unreadable.push(RowError {
                line,
                field: String::new(),
                message: "is not UTF-8 text: export the file as UTF-8 CSV".to_owned(),
                invoice: None,
            });
            continue;
        }
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if records.len() >= MAX_ROWS + HEADER_SLACK {
            return Err(too_many_rows(file));
        }
        budget.spend(cells.len())?;
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

/// Reads the first sheet. calamine does arithmetic on the cell references it reads, and some
/// of it overflows on references out of Excel's range (`A0`, `ZZZZZZZZ1`, a `dimension` whose
/// end is before its start): a panic in debug builds, a wrapped number in release. So the
/// reading runs under `catch_unwind`, and whatever position comes out is bounded here.
fn read_xlsx(bytes: &[u8], file: &str) -> Result<Table, FileError> {
    check_container(bytes, file)?;
    catch_unwind(AssertUnwindSafe(|| read_sheet(bytes, file))).unwrap_or_else(|_| {
        Err(FileError::Unreadable {
            file: file.to_owned(),
            reason: "not a readable XLSX workbook: a cell reference is out of range".to_owned(),
        })
    })
}

fn read_sheet(bytes: &[u8], file: &str) -> Result<Table, FileError> {
    let unreadable = |reason: String| FileError::Unreadable {
        file: file.to_owned(),
        reason,
    };
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
    // Only non-empty cells are kept, so a sparse sheet costs what it holds until the rows are
    // laid out; `widths` is what the laid-out rows will cost, checked as cells arrive. The
    // sheet's `dimension` tag is never used: it is the file's claim, not a count.
    let mut rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let mut widths: BTreeMap<u32, usize> = BTreeMap::new();
    let mut budget = CellBudget { file, used: 0 };
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| unreadable(format!("cannot read sheet `{sheet}`: {e}")))?
    {
        let (row, column) = cell.get_position();
        let width = usize::try_from(column).map_or(usize::MAX, |c| c.saturating_add(1));
        if width > MAX_COLUMNS {
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
        let known = widths.entry(row).or_insert(0);
        if width > *known {
            budget.spend(width - *known)?;
            *known = width;
        }
        rows.entry(row).or_default().push((column, text.to_owned()));
    }
    let records = rows
        .into_iter()
        .map(|(row, values)| {
            let width = widths.get(&row).copied().unwrap_or(0);
            let mut cells = vec![String::new(); width];
            for (column, text) in values {
                if let Some(cell) = cells.get_mut(column as usize) {
                    *cell = text;
                }
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
/// part really inflates to rather than trusting the sizes it declares, and a shared-strings
/// part that declares or holds more strings than [`MAX_CELLS`] (see [`check_shared_strings`]).
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
        let shared = entry
            .name()
            .is_ok_and(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"));
        let mut limited = entry.take(budget + 1);
        let read = if shared {
            check_shared_strings(&mut limited, file)?
        } else {
            std::io::copy(&mut limited, &mut std::io::sink()).map_err(|e| unreadable(&e))?
        };
        budget = budget.checked_sub(read).ok_or_else(too_large)?;
    }
    Ok(())
}

/// Reads a shared-strings part through, returning its inflated size. calamine reserves room
/// for the `uniqueCount` the `<sst>` element declares before reading a string (1,750 bytes
/// declaring 10^11 strings aborted the process), and keeps every string, so an empty `<si/>`
/// costs 24 bytes for 5 of XML. Both the declared count and the `<si` elements found must fit
/// in [`MAX_CELLS`]; an `<sst>` that does not start in the first 64 KB is refused, as Excel
/// writes it right after the XML declaration.
///
/// The declared count is looked for as [`DeclaredCounts`] does, not by reading the tag as XML:
/// calamine's attribute reader is more lenient than any grammar we would write (the fuzzer got
/// `<sst co<diunt="0" uniqueCount="2222222222221">` past one, and the process aborted).
fn check_shared_strings(part: &mut impl Read, file: &str) -> Result<u64, FileError> {
    let refuse = |reason: String| FileError::TooLarge {
        file: file.to_owned(),
        reason,
    };
    let unreadable = |e: std::io::Error| FileError::Unreadable {
        file: file.to_owned(),
        reason: format!("not a readable XLSX workbook: {e}"),
    };
    let mut total = 0u64;
    let mut strings = 0usize;
    let mut head = Vec::new();
    let mut declared = DeclaredCounts::default();
    // `<si>` split across two reads is found by keeping the last three bytes of each.
    let mut carry: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = part.read(&mut chunk).map_err(unreadable)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        let data = &chunk[..n];
        if head.len() < SST_HEAD_BYTES {
            let room = SST_HEAD_BYTES - head.len();
            head.extend_from_slice(&data[..n.min(room)]);
        }
        declared.feed(data);
        // A window is counted once it has all four bytes, so the three kept bytes were not.
        carry.extend_from_slice(data);
        strings += count_si(&carry);
        carry.drain(..carry.len() - carry.len().min(3));
        if strings > MAX_CELLS {
            return Err(refuse(format!(
                "its shared strings hold more than {MAX_CELLS} strings, more than the cells an export may have"
            )));
        }
    }
    declared.end();
    if declared.largest > MAX_CELLS as u64 {
        return Err(refuse(format!(
            "its shared strings declare {} strings, more than the {MAX_CELLS} cells an export may have",
            declared.largest
        )));
    }
    if total > 0 && !starts_sst(&head) {
        return Err(FileError::Unreadable {
            file: file.to_owned(),
            reason: "not a readable XLSX workbook: its shared strings do not start with <sst>"
                .to_owned(),
        });
    }
    Ok(total)
}

/// `<si` elements (with or without a namespace prefix) that start in `bytes`.
fn count_si(bytes: &[u8]) -> usize {
    bytes
        .windows(4)
        .filter(|w| {
            matches!(w[0], b'<' | b':')
                && w[1] == b's'
                && w[2] == b'i'
                && matches!(w[3], b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n')
        })
        .count()
}

/// Whether `head` holds the start of an `sst` element (with or without a namespace prefix).
fn starts_sst(head: &[u8]) -> bool {
    let is_name = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.');
    head.iter().enumerate().any(|(i, b)| {
        let rest = &head[i + 1..];
        let name = &rest[..rest.iter().take_while(|b| is_name(b)).count()];
        *b == b'<' && (name == b"sst" || name.ends_with(b":sst"))
    })
}

/// The largest number written as `uniqueCount = "digits"` anywhere in a part, fed in chunks.
/// Anywhere, not only in the `<sst>` tag, and with or without the quote, the `=` or spaces
/// around them: whatever calamine could read as the count is counted (a string that spells
/// it out is refused too, which no real export does).
#[derive(Default)]
struct DeclaredCounts {
    /// The last bytes seen, to recognise the name across chunks.
    window: [u8; 11],
    state: CountState,
    largest: u64,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum CountState {
    #[default]
    Name,
    /// After the name: spaces, `=`, a quote, a sign, until the first digit.
    Before,
    Digits(u64),
}

impl DeclaredCounts {
    const NAME: &'static [u8; 11] = b"uniqueCount";

    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.state = match (self.state, b) {
                (CountState::Before, b'0'..=b'9') | (CountState::Digits(_), b'0'..=b'9') => {
                    let so_far = match self.state {
                        CountState::Digits(n) => n,
                        _ => 0,
                    };
                    CountState::Digits(
                        so_far
                            .saturating_mul(10)
                            .saturating_add(u64::from(b - b'0')),
                    )
                }
                (CountState::Before, b' ' | b'\t' | b'\r' | b'\n' | b'=' | b'"' | b'\'' | b'+') => {
                    CountState::Before
                }
                (CountState::Digits(n), _) => {
                    self.largest = self.largest.max(n);
                    CountState::Name
                }
                _ => CountState::Name,
            };
            self.window.rotate_left(1);
            self.window[10] = b;
            if &self.window == Self::NAME {
                self.state = CountState::Before;
            }
        }
    }

    /// The part ended: a count written up to its last byte counts too.
    fn end(&mut self) {
        if let CountState::Digits(n) = self.state {
            self.largest = self.largest.max(n);
        }
    }
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
    fn a_declared_count_is_found_however_the_tag_is_written() {
        let largest = |chunks: &[&[u8]]| {
            let mut declared = DeclaredCounts::default();
            chunks.iter().for_each(|c| declared.feed(c));
            declared.end();
            declared.largest
        };
        // The fuzz finding: an attribute our XML reading stopped at, calamine did not.
        assert_eq!(
            largest(&[br#"<sst co<diunt="0" uniqueCount="2222222222221" t="x">"#]),
            2_222_222_222_221
        );
        assert_eq!(largest(&[b"<sst uniqueCo", b"unt = '12", b"34'>"]), 1234);
        assert_eq!(
            largest(&[b"<x:sst uniqueCount=\"7\" count=\"99999999\">"]),
            7
        );
        assert_eq!(largest(&[b"uniqueCount=99999999999999999999999"]), u64::MAX);
        assert_eq!(largest(&[b"<sst count=\"5\" uniqueCount>"]), 0);
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
