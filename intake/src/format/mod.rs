//! File formats: which one a file is (CSV or XLSX), and its rows as text cells with their
//! line numbers. Owns the size limits, and knows nothing of columns or invoices.
//!
//! What the limits buy, measured (RELIABILITY.md has the figures): any input within them is
//! read in bounded time and in at most 256 MB, whatever its shape. Every structure that grows
//! with the input is counted before it grows: bytes in, bytes inflated, rows, fields in one
//! CSV record, cells held (each row as wide as its last filled cell) and the shared strings a
//! workbook declares. A file past any of them is refused with [`FileError::TooLarge`] naming
//! the file and the limit.

mod csv;
mod limits;
mod table;
mod xlsx;

use crate::error::FileError;
use csv::read_csv;
use xlsx::read_xlsx;

pub use limits::{MAX_CELLS, MAX_COLUMNS, MAX_INPUT_BYTES, MAX_ROWS, MAX_UNCOMPRESSED_BYTES};
pub(crate) use table::{Format, Record, Table};

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0";

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
    fn oversized_input_is_refused_before_parsing() {
        let big = vec![b'a'; MAX_INPUT_BYTES + 1];
        assert!(matches!(
            read_table(&big, "big.csv"),
            Err(FileError::TooLarge { .. })
        ));
    }
}
