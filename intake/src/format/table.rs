//! What a file is read into, whatever its format: its non-blank rows as text cells with their
//! lines, and the cell budget both readers count those rows against.

use crate::error::{FileError, RowError};

use super::limits::{MAX_CELLS, MAX_ROWS};

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

pub(super) fn too_many_rows(file: &str) -> FileError {
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
pub(super) struct CellBudget<'a> {
    pub(super) file: &'a str,
    pub(super) used: usize,
}

impl CellBudget<'_> {
    pub(super) fn spend(&mut self, cells: usize) -> Result<(), FileError> {
        self.used = self.used.saturating_add(cells);
        if self.used > MAX_CELLS {
            Err(too_many_cells(self.file))
        } else {
            Ok(())
        }
    }
}
