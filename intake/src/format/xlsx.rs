//! XLSX: the container measured before calamine opens it (what each part inflates to, what its
//! shared strings declare), then the first sheet read into rows as a CSV export would write them.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{DataRef, Reader, Xlsx};

use crate::error::FileError;

use super::limits::{
    HEADER_SLACK, MAX_CELLS, MAX_COLUMNS, MAX_ROWS, MAX_UNCOMPRESSED_BYTES, MAX_ZIP_ENTRIES,
    SST_HEAD_BYTES,
};
use super::table::{CellBudget, Format, Record, Table, too_many_rows};

/// Reads the first sheet. calamine does arithmetic on the cell references it reads, and some
/// of it overflows on references out of Excel's range (`A0`, `ZZZZZZZZ1`, a `dimension` whose
/// end is before its start): a panic in debug builds, a wrapped number in release. So the
/// reading runs under `catch_unwind`, and whatever position comes out is bounded here.
pub(super) fn read_xlsx(bytes: &[u8], file: &str) -> Result<Table, FileError> {
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
}
