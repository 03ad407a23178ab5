//! CSV read with `csv_core` into buffers bounded here, with the delimiter sniffed from the
//! first line and every record's line in the file kept.

use crate::error::{FileError, RowError};

use super::limits::{HEADER_SLACK, MAX_COLUMNS, MAX_ROWS};
use super::table::{CellBudget, Format, Record, Table, too_many_rows};

/// Reads CSV records with `csv_core` into buffers this function bounds: a record may not
/// have more than [`MAX_COLUMNS`] fields, and the fields kept count against
/// [`MAX_CELLS`](super::limits::MAX_CELLS).
/// (The `csv` crate grows a record's buffers to whatever the line holds: a 50 MB line of
/// commas took 2.9 GB before the first check could run.) Quoting follows the `csv` crate's
/// defaults, which are `csv_core`'s: `"` quotes, `""` escapes, CRLF or LF ends a record.
pub(super) fn read_csv(bytes: &[u8], file: &str) -> Result<Table, FileError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::read_table;

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
}
