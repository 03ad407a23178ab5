//! The limits every input is read within, apart from the readers: the CSV and XLSX readers
//! both count against them, and callers name them in their own checks and messages.

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
pub(super) const MAX_ZIP_ENTRIES: usize = 10_000;
/// Rows above the header (a report's title lines) that may come on top of `MAX_ROWS`.
pub(super) const HEADER_SLACK: usize = 20;
/// How far into a shared-strings part its `<sst>` element must start: Excel writes it right
/// after the XML declaration, and calamine reserves room for the count it declares.
pub(super) const SST_HEAD_BYTES: usize = 64 * 1024;
