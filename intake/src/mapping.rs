//! From a header row to our fields: finding the header (a report may have title lines above
//! it), choosing the layout it matches, and reading a row's cells by field. Knows nothing of
//! what the cells mean.

use std::collections::BTreeMap;

use crate::error::FileError;
use crate::format::Record;
use crate::presets::{Layout, normalize_header};

/// How many rows from the top may be title lines before the header.
const HEADER_SEARCH_ROWS: usize = 20;

/// What a column can mean to the chaser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Field {
    Number,
    Customer,
    CustomerId,
    ContactEmail,
    ContactName,
    Amount,
    /// The open balance.
    Balance,
    /// Paid so far, for exports that state it instead of (or beside) the balance.
    AmountPaid,
    Currency,
    IssueDate,
    DueDate,
    Terms,
    PayUrl,
    PdfUrl,
    OwnerEmail,
    /// A yes/no paid flag (the native format).
    Paid,
    /// The tool's status word.
    Status,
    /// The kind of transaction, where an export mixes invoices with payments or credits.
    Kind,
    CustomerTimeZone,
    Locale,
    IssuedAt,
    DueAt,
    /// The tool already e-mailed the invoice (yes/no): `on_issue` steps are skipped.
    AlreadySent,
    /// Never remind this invoice's customer (yes/no).
    DoNotChase,
}

impl Field {
    /// Without these four there is no invoice.
    pub const REQUIRED: [Field; 4] = [
        Field::Number,
        Field::Customer,
        Field::Amount,
        Field::IssueDate,
    ];

    /// The native format's column name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Number => "number",
            Field::Customer => "customer",
            Field::CustomerId => "customer_id",
            Field::ContactEmail => "contact_email",
            Field::ContactName => "contact_name",
            Field::Amount => "amount",
            Field::Balance => "balance",
            Field::AmountPaid => "amount_paid",
            Field::Currency => "currency",
            Field::IssueDate => "issue_date",
            Field::DueDate => "due_date",
            Field::Terms => "terms",
            Field::PayUrl => "pay_url",
            Field::PdfUrl => "pdf_url",
            Field::OwnerEmail => "owner_email",
            Field::Paid => "paid",
            Field::Status => "status",
            Field::Kind => "kind",
            Field::CustomerTimeZone => "customer_time_zone",
            Field::Locale => "locale",
            Field::IssuedAt => "issued_at",
            Field::DueAt => "due_at",
            Field::AlreadySent => "already_sent",
            Field::DoNotChase => "do_not_chase",
        }
    }
}

/// Which columns of the header hold which field.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    /// The header as written.
    headers: Vec<String>,
    /// Each mapped field's columns, most preferred first.
    fields: BTreeMap<Field, Vec<usize>>,
}

/// A cell read for a field: its text, and the column name to blame in an error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cell<'a> {
    pub text: &'a str,
    pub label: &'a str,
}

impl Columns {
    pub(crate) fn resolve(layout: &Layout, header: &[String]) -> Columns {
        let normalized: Vec<String> = header.iter().map(|h| normalize_header(h)).collect();
        let mut fields = BTreeMap::new();
        for (field, names) in &layout.columns {
            let found: Vec<usize> = names
                .iter()
                .flat_map(|name| {
                    let name = normalize_header(name);
                    normalized
                        .iter()
                        .enumerate()
                        .filter(move |(_, h)| !h.is_empty() && **h == name)
                        .map(|(i, _)| i)
                        .collect::<Vec<_>>()
                })
                .collect();
            if !found.is_empty() {
                fields.insert(*field, found);
            }
        }
        Columns {
            headers: header.to_vec(),
            fields,
        }
    }

    pub(crate) fn has(&self, field: Field) -> bool {
        self.fields.contains_key(&field)
    }

    /// How many of the header's columns this layout reads: the better match scores higher.
    fn score(&self) -> usize {
        let mut used: Vec<usize> = self.fields.values().flatten().copied().collect();
        used.sort_unstable();
        used.dedup();
        used.len()
    }

    pub(crate) fn width(&self) -> usize {
        self.headers.len()
    }

    /// A field's cell in a row: the first of its columns with a value, else its first
    /// column (empty); `None` when the file has no column for it.
    pub(crate) fn cell<'a>(&'a self, field: Field, cells: &'a [String]) -> Option<Cell<'a>> {
        let columns = self.fields.get(&field)?;
        let at = |i: usize| Cell {
            text: cells.get(i).map_or("", String::as_str),
            label: self.headers.get(i).map_or(field.name(), |h| h.as_str()),
        };
        columns
            .iter()
            .map(|i| at(*i))
            .find(|c| !c.text.is_empty())
            .or_else(|| columns.first().map(|i| at(*i)))
    }

    /// The column name to blame for a field: its first column's header, or our name for it.
    pub(crate) fn label(&self, field: Field) -> &str {
        self.fields
            .get(&field)
            .and_then(|c| c.first())
            .and_then(|i| self.headers.get(*i))
            .map_or(field.name(), |h| h.as_str())
    }

    /// Named columns that no field reads, as written, for the caller to show as ignored.
    pub(crate) fn unmapped(&self) -> Vec<String> {
        let used: Vec<usize> = self.fields.values().flatten().copied().collect();
        self.headers
            .iter()
            .enumerate()
            .filter(|(i, h)| !h.is_empty() && !used.contains(i))
            .map(|(_, h)| h.clone())
            .collect()
    }
}

/// The header found: which record it is, the layout it matched, and its columns.
#[derive(Debug)]
pub(crate) struct Header {
    pub index: usize,
    pub layout: Layout,
    pub columns: Columns,
}

/// Which columns a layout needs in this file, given the defaults the caller has.
pub(crate) struct Needs {
    pub default_owner: bool,
    pub default_currency: bool,
}

impl Needs {
    fn required(&self, layout: &Layout) -> Vec<Field> {
        let optional = |f: &Field| match f {
            Field::OwnerEmail => !self.default_owner,
            Field::Currency => !self.default_currency,
            _ => true,
        };
        Field::REQUIRED
            .into_iter()
            .chain(layout.also_required.iter().copied().filter(optional))
            .collect()
    }
}

/// Finds the header among the first rows: the first row that some layout fully matches,
/// with the layout that reads most of its columns (the earlier layout on a tie).
pub(crate) fn find_header(
    file: &str,
    records: &[Record],
    layouts: &[Layout],
    needs: &Needs,
) -> Result<Header, FileError> {
    if records.is_empty() {
        return Err(FileError::Empty {
            file: file.to_owned(),
        });
    }
    let top = &records[..records.len().min(HEADER_SEARCH_ROWS)];
    // The closest miss, for the error: (required fields found, columns read, row, layout).
    let mut closest: Option<(usize, usize, usize, usize)> = None;
    for (index, record) in top.iter().enumerate() {
        let mut best: Option<(usize, &Layout, Columns)> = None;
        for (which, layout) in layouts.iter().enumerate() {
            let columns = Columns::resolve(layout, &record.cells);
            let required = needs.required(layout);
            let found = required.iter().filter(|f| columns.has(**f)).count();
            let score = columns.score();
            if found == required.len() {
                if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                    best = Some((score, layout, columns));
                }
            } else if closest.is_none_or(|(f, s, _, _)| (found, score) > (f, s)) {
                closest = Some((found, score, index, which));
            }
        }
        if let Some((_, layout, columns)) = best {
            return Ok(Header {
                index,
                layout: layout.clone(),
                columns,
            });
        }
    }
    let found = |index: usize| -> Vec<String> {
        top.get(index)
            .map(|r| r.cells.iter().filter(|c| !c.is_empty()).cloned().collect())
            .unwrap_or_default()
    };
    // A single layout was asked for, or one came close: say what it misses.
    let near = closest.filter(|(found, ..)| layouts.len() == 1 || *found >= 2);
    match near.and_then(|(_, _, index, which)| Some((index, layouts.get(which)?))) {
        Some((index, layout)) => {
            let columns = Columns::resolve(layout, &top[index].cells);
            let missing = needs
                .required(layout)
                .into_iter()
                .filter(|f| !columns.has(*f))
                .map(|f| {
                    layout
                        .columns
                        .iter()
                        .find(|(field, _)| *field == f)
                        .and_then(|(_, names)| names.first().cloned())
                        .unwrap_or_else(|| f.name().to_owned())
                })
                .collect();
            Err(FileError::MissingColumns {
                file: file.to_owned(),
                preset: layout.name,
                missing,
                found: found(index),
            })
        }
        None => Err(FileError::UnknownLayout {
            file: file.to_owned(),
            found: found(0),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::PresetName;

    fn record(line: u64, cells: &[&str]) -> Record {
        Record {
            line,
            cells: cells.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    fn all() -> Vec<Layout> {
        PresetName::KNOWN
            .into_iter()
            .filter_map(Layout::preset)
            .collect()
    }

    const NO_DEFAULTS: Needs = Needs {
        default_owner: false,
        default_currency: false,
    };

    #[test]
    fn the_header_may_sit_below_a_report_title() {
        let records = [
            record(1, &["Craig's Design and Landscaping"]),
            record(2, &["A/R Aging Detail"]),
            record(
                4,
                &[
                    "",
                    "Date",
                    "Transaction Type",
                    "Num",
                    "Customer",
                    "Due Date",
                    "Amount",
                    "Open Balance",
                ],
            ),
        ];
        let header = find_header("x.csv", &records, &all(), &NO_DEFAULTS).unwrap();
        assert_eq!(header.index, 2);
        assert_eq!(header.layout.name, PresetName::Quickbooks);
        assert!(header.columns.unmapped().is_empty());
    }

    #[test]
    fn header_names_match_in_any_case_and_spacing() {
        let records = [record(
            1,
            &[
                " NUMBER",
                "Customer ",
                "amount",
                "Issue_Date",
                "owner_email",
                "currency",
                "colour",
            ],
        )];
        let header = find_header("x.csv", &records, &all(), &NO_DEFAULTS).unwrap();
        assert_eq!(header.layout.name, PresetName::Chaser);
        assert_eq!(header.columns.unmapped(), ["colour"]);
        let row = ["INV-1".to_owned()];
        let cell = header.columns.cell(Field::Number, &row).unwrap();
        assert_eq!((cell.text, cell.label), ("INV-1", " NUMBER"));
        assert!(header.columns.cell(Field::Balance, &row).is_none());
    }

    #[test]
    fn a_near_miss_names_the_missing_columns_and_the_header() {
        let records = [record(1, &["number", "customer"])];
        let err = find_header("x.csv", &records, &all(), &NO_DEFAULTS).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.csv: missing columns amount, issue_date, owner_email, currency for a chaser export; the header has: number, customer"
        );
        let unknown = find_header(
            "x.csv",
            &[record(1, &["colour", "size"])],
            &all(),
            &NO_DEFAULTS,
        )
        .unwrap_err();
        assert!(unknown.to_string().starts_with("x.csv: the header matches no known export (chaser, QuickBooks Online, Xero, FreshBooks, Stripe, Zoho Books); the header has: colour, size"));
    }

    #[test]
    fn a_field_reads_its_first_column_with_a_value() {
        let layout = Layout::preset(PresetName::Stripe).unwrap();
        let columns = Columns::resolve(
            &layout,
            &[
                "Customer".into(),
                "Customer Name".into(),
                "Customer Email".into(),
            ],
        );
        let row: Vec<String> = vec!["cus_1".into(), "".into(), "ap@acme.example".into()];
        assert_eq!(
            columns.cell(Field::Customer, &row).unwrap().text,
            "ap@acme.example"
        );
        assert_eq!(columns.cell(Field::CustomerId, &row).unwrap().text, "cus_1");
    }
}
