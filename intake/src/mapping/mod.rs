//! From a header row to our fields: finding the header (a report may have title lines above
//! it), choosing the layout it fits (a tool's layout when one fits, else the plain
//! spreadsheet's common names), and reading a row's cells by field. When nothing fits, the
//! error says what the closest layouts miss. Knows nothing of what the cells mean.

mod columns;

use std::sync::Arc;

use crate::error::{FileError, NearMiss};
use crate::field::Field;
use crate::format::Record;
use crate::presets::{Layout, LayoutName, PresetName};
use crate::synonyms;

pub(crate) use columns::Columns;
use columns::Titles;

/// How many rows from the top may be title lines before the header.
const HEADER_SEARCH_ROWS: usize = 20;

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
    /// The fields the layout needs a column for. [`Field::Amount`] stands for any amount
    /// (the amount, the balance or the line items' amounts); a layout that takes the
    /// customer from headings needs no customer column.
    fn required(&self, layout: &Layout) -> Vec<Field> {
        let optional = |f: &Field| match f {
            Field::OwnerEmail => !self.default_owner,
            Field::Currency => !self.default_currency,
            _ => true,
        };
        Field::REQUIRED
            .into_iter()
            .filter(|f| !(layout.customer_from_headings && *f == Field::Customer))
            .chain(layout.also_required.iter().copied().filter(optional))
            .collect()
    }

    /// What the layout misses in this header: none when it fits.
    fn missing(&self, layout: &Layout, columns: &Columns) -> Missing {
        let has = |f: Field| match f {
            Field::Amount => [Field::Amount, Field::Balance, Field::LineAmount]
                .into_iter()
                .any(|a| columns.has(a)),
            f => columns.has(f),
        };
        let required = self.required(layout);
        let mut fields: Vec<Field> = required.iter().copied().filter(|f| !has(*f)).collect();
        let marker = layout.markers.is_empty() || layout.markers.iter().any(|m| columns.named(m));
        // A report grouped by customer never fits a header that names the customer.
        let excluded = layout.customer_from_headings && columns.has(Field::Customer);
        if excluded {
            fields.push(Field::Customer);
        }
        Missing {
            found: required.len() - fields.len().min(required.len())
                + usize::from(marker && !layout.markers.is_empty()),
            fields,
            marker,
            excluded,
        }
    }
}

/// What a layout misses in a header.
struct Missing {
    /// Required items present (fields, and the marker column).
    found: usize,
    fields: Vec<Field>,
    marker: bool,
    excluded: bool,
}

impl Missing {
    fn fits(&self) -> bool {
        self.fields.is_empty() && self.marker && !self.excluded
    }

    fn count(&self) -> usize {
        self.fields.len() + usize::from(!self.marker)
    }

    /// The missing columns as the layout names them.
    fn names(&self, layout: &Layout) -> Vec<String> {
        let first = |field: Field| {
            layout
                .columns
                .iter()
                .find(|(f, _)| *f == field)
                .and_then(|(_, names)| names.first().map(|n| n.text.clone()))
        };
        let mut names: Vec<String> = self
            .fields
            .iter()
            .map(|f| {
                let named = match f {
                    Field::Amount => first(Field::Amount).or_else(|| first(Field::Balance)),
                    f => first(*f),
                };
                match (layout.name, named) {
                    (LayoutName::Spreadsheet, _) => {
                        let examples = match f {
                            Field::Amount => vec!["Amount", "Total", "Amount Due"],
                            f => synonyms::names(*f).iter().take(3).copied().collect(),
                        };
                        format!("{} ({}...)", f.spoken(), examples.join(", "))
                    }
                    (_, Some(name)) => name,
                    (_, None) => f.name().to_owned(),
                }
            })
            .collect();
        if !self.marker {
            names.push(layout.markers.join(" or "));
        }
        names
    }
}

/// Finds the header among the first rows: the first row that some layout fits, read by the
/// tool's layout that uses most of its columns (the earlier on a tie), or else by the plain
/// spreadsheet's names. `forced`: the caller chose the tool, so a miss names its columns.
pub(crate) fn find_header(
    file: &str,
    records: &[Record],
    layouts: &[Layout],
    needs: &Needs,
    forced: bool,
) -> Result<Header, FileError> {
    if records.is_empty() {
        return Err(FileError::Empty {
            file: file.to_owned(),
        });
    }
    let top = &records[..records.len().min(HEADER_SEARCH_ROWS)];
    // Each layout's closest miss, for the error.
    let mut closest: Vec<Option<Miss>> = vec![None; layouts.len()];
    for (index, record) in top.iter().enumerate() {
        let titles = Arc::new(Titles::new(&record.cells));
        let mut best: Option<((bool, usize), &Layout, Columns)> = None;
        for (which, layout) in layouts.iter().enumerate() {
            let columns = Columns::of(layout, &titles);
            let missing = needs.missing(layout, &columns);
            let score = columns.score();
            if missing.fits() {
                let rank = (!layout.fallback, score);
                if best.as_ref().is_none_or(|(r, _, _)| rank > *r) {
                    best = Some((rank, layout, columns));
                }
            } else if missing.found > 0 && !missing.excluded {
                let miss = Miss {
                    which,
                    missing: missing.count(),
                    found: missing.found,
                    score,
                    row: index,
                };
                if closest[which]
                    .as_ref()
                    .is_none_or(|m| miss.rank() < m.rank())
                {
                    closest[which] = Some(miss);
                }
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
    let mut ranked: Vec<Miss> = closest.into_iter().flatten().collect();
    ranked.sort_by_key(Miss::rank);
    let describe = |miss: &Miss| -> Option<NearMiss> {
        let layout = layouts.get(miss.which)?;
        let columns = Columns::of(layout, &Arc::new(Titles::new(&top.get(miss.row)?.cells)));
        Some(NearMiss {
            layout: layout.name,
            missing: needs.missing(layout, &columns).names(layout),
        })
    };
    if forced {
        // The caller named the tool: say what its closest layout misses.
        let miss = ranked.first();
        let near = miss.and_then(describe).or_else(|| {
            let layout = layouts.first()?;
            let columns = Columns::of(layout, &Arc::new(Titles::new(&top[0].cells)));
            Some(NearMiss {
                layout: layout.name,
                missing: needs.missing(layout, &columns).names(layout),
            })
        });
        return Err(FileError::MissingColumns {
            file: file.to_owned(),
            preset: near
                .as_ref()
                .map_or(PresetName::Custom, |n| n.layout.preset()),
            missing: near.map(|n| n.missing).unwrap_or_default(),
            found: found(miss.map_or(0, |m| m.row)),
        });
    }
    // A layout that found only one of its columns is no hint.
    let near: Vec<&Miss> = ranked.iter().filter(|m| m.found >= 2).take(2).collect();
    match near.first() {
        None => Err(FileError::UnknownLayout {
            file: file.to_owned(),
            found: found(0),
        }),
        Some(first) => Err(FileError::NoLayoutFits {
            file: file.to_owned(),
            closest: near.iter().filter_map(|m| describe(m)).collect(),
            found: found(first.row),
        }),
    }
}

/// A layout's closest miss: which layout, on which row, and how close.
#[derive(Debug, Clone, Copy)]
struct Miss {
    which: usize,
    /// Required columns missing.
    missing: usize,
    /// Required columns found.
    found: usize,
    /// Columns read.
    score: usize,
    row: usize,
}

impl Miss {
    /// Closer first: fewest missing, then most columns read, then the earlier layout.
    fn rank(&self) -> (usize, std::cmp::Reverse<usize>, usize) {
        (self.missing, std::cmp::Reverse(self.score), self.which)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: u64, cells: &[&str]) -> Record {
        Record {
            line,
            cells: cells.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    fn all() -> Vec<Layout> {
        Layout::known().to_vec()
    }

    fn detect(records: &[Record]) -> Result<Header, FileError> {
        find_header("x.csv", records, &all(), &NO_DEFAULTS, false)
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
        let header = detect(&records).unwrap();
        assert_eq!(header.index, 2);
        assert_eq!(header.layout.name, LayoutName::QuickbooksList);
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
        let header = detect(&records).unwrap();
        assert_eq!(header.layout.name, LayoutName::Chaser);
        assert_eq!(header.columns.unmapped(), ["colour"]);
        let row = ["INV-1".to_owned()];
        let cell = header.columns.cell(Field::Number, &row).unwrap();
        assert_eq!((cell.text, cell.label), ("INV-1", " NUMBER"));
        assert!(header.columns.cell(Field::Balance, &row).is_none());
    }

    #[test]
    fn a_near_miss_names_what_the_closest_layouts_lack_and_the_header() {
        // Stripe's export and a plain sheet both lack two columns here; the native format
        // lacks four, so it is not named.
        let err = detect(&[record(1, &["number", "customer"])]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.csv: the header matches no known export; closest: Stripe invoices export lacks Amount Due, Date (UTC); plain spreadsheet lacks amount (Amount, Total, Amount Due...), issue date (Invoice Date, Date, Issue Date...); the header has: number, customer; `chaser import x.csv --suggest-mapping` prints an [intake.custom] block to start from"
        );
        let unknown = detect(&[record(1, &["colour", "size"])]).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "x.csv: the header matches no known export (chaser, QuickBooks Online, Xero, FreshBooks, Stripe, Zoho Books, plain spreadsheet); the header has: colour, size; `chaser import x.csv --suggest-mapping` prints an [intake.custom] block to start from"
        );
    }

    #[test]
    fn a_forced_tool_names_the_columns_its_closest_layout_lacks() {
        let records = [record(1, &["Num", "Date", "Amount"])];
        let err = find_header(
            "x.csv",
            &records,
            &Layout::preset(PresetName::Quickbooks),
            &NO_DEFAULTS,
            true,
        )
        .unwrap_err();
        assert_eq!(
            err,
            FileError::MissingColumns {
                file: "x.csv".into(),
                preset: PresetName::Quickbooks,
                missing: vec!["Customer".into()],
                found: vec!["Num".into(), "Date".into(), "Amount".into()],
            }
        );
    }

    #[test]
    fn a_tool_layout_wins_over_the_plain_spreadsheet_and_the_spreadsheet_reads_synonyms() {
        let xero = detect(&[record(
            1,
            &[
                "InvoiceNumber",
                "ContactName",
                "InvoiceDate",
                "Total",
                "owner_email",
            ],
        )])
        .unwrap();
        assert_eq!(xero.layout.name, LayoutName::XeroInvoices);

        let plain = detect(&[record(
            1,
            &[
                "Inv #",
                "Bill To",
                "Amount Due",
                "Date",
                "Date Due",
                "Colour",
            ],
        )])
        .unwrap();
        assert_eq!(plain.layout.name, LayoutName::Spreadsheet);
        assert_eq!(plain.columns.amount_field(), Field::Balance);
        assert_eq!(plain.columns.label(Field::DueDate), "Date Due");
        assert_eq!(plain.columns.unmapped(), ["Colour"]);
    }

    #[test]
    fn the_spreadsheet_titles_the_docs_list_name_their_fields() {
        // docs/intake.md, "Column names".
        let listed: [(Field, &[&str]); 13] = [
            (
                Field::Number,
                &[
                    "Invoice Number",
                    "Invoice No",
                    "Invoice #",
                    "Inv #",
                    "Num",
                    "Number",
                    "Document Number",
                ],
            ),
            (
                Field::Customer,
                &[
                    "Customer",
                    "Customer Name",
                    "Client",
                    "Client Name",
                    "Contact",
                    "Bill To",
                    "Company",
                ],
            ),
            (
                Field::Amount,
                &[
                    "Amount",
                    "Total",
                    "Invoice Total",
                    "Invoice Amount",
                    "Gross",
                ],
            ),
            (
                Field::Balance,
                &[
                    "Amount Due",
                    "Balance",
                    "Balance Due",
                    "Open Balance",
                    "Outstanding",
                    "Amount Remaining",
                ],
            ),
            (
                Field::IssueDate,
                &[
                    "Invoice Date",
                    "Date",
                    "Issue Date",
                    "Date Issued",
                    "Issued",
                ],
            ),
            (
                Field::DueDate,
                &["Due", "Due Date", "Date Due", "Payment Due"],
            ),
            (Field::Currency, &["Currency"]),
            (Field::ContactEmail, &["Email"]),
            (Field::Status, &["Status"]),
            (Field::Terms, &["Terms"]),
            (Field::AmountPaid, &["Amount Paid"]),
            (Field::LineAmount, &["Line Total"]),
            (Field::DatePaid, &["Date Paid"]),
        ];
        let spreadsheet = Layout::preset(PresetName::Spreadsheet).remove(0);
        for (field, titles) in listed {
            for title in titles {
                let columns = Columns::resolve(&spreadsheet, &[(*title).to_owned()]);
                assert!(columns.has(field), "{title} is not {field:?}");
            }
        }
        let id = Columns::resolve(&spreadsheet, &["Customer ID".to_owned()]);
        assert!(id.has(Field::CustomerId));
    }

    #[test]
    fn xeros_aged_report_needs_an_aging_bucket_column() {
        let mut header = vec!["Invoice Date", "Invoice Number", "Due Date", "Total"];
        let err = detect(&[record(1, &header)]).unwrap_err();
        assert!(matches!(err, FileError::NoLayoutFits { .. }), "{err}");
        header.insert(3, "< 1 Month");
        let header = detect(&[record(1, &header)]).unwrap();
        assert_eq!(header.layout.name, LayoutName::XeroAgedReceivables);
        assert_eq!(header.columns.amount_field(), Field::Balance);
    }

    #[test]
    fn a_report_grouped_by_customer_fits_only_a_header_without_a_customer_column() {
        let grouped = [
            "",
            "Date",
            "Transaction Type",
            "Num",
            "Terms",
            "Due Date",
            "Amount",
            "Open Balance",
        ];
        let header = detect(&[record(1, &grouped)]).unwrap();
        assert_eq!(header.layout.name, LayoutName::QuickbooksByCustomer);
        let mut listed = grouped.to_vec();
        listed.push("Customer");
        let header = detect(&[record(1, &listed)]).unwrap();
        assert_eq!(header.layout.name, LayoutName::QuickbooksList);
        // Without its marker column (the open balance) the layout does not fit.
        let err = detect(&[record(1, &grouped[..7])]).unwrap_err();
        assert!(matches!(err, FileError::NoLayoutFits { .. }), "{err}");
    }
}
