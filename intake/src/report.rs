//! A report's furniture: the rows between and after the invoices that are no invoice (a
//! customer or aging-bucket heading, `Total for …`, a grand total, percentages, a footer),
//! and the customer headings of a report grouped by customer, nested where a tool nests
//! sub-customers (`Parent:Child`).

use crate::field::Field;
use crate::mapping::Columns;

/// A row that is no invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Furniture {
    /// A row with one value: a customer or bucket heading, or a note.
    Heading(String),
    /// `Total for Acme Ltd`, `Total Acme Ltd` (the group's name), or a grand `TOTAL`.
    Total(Option<String>),
    /// Anything else without a number or a date: percentages, unlabelled subtotals.
    Other,
}

/// Whether a row is furniture: it has neither an invoice number nor a date of issue (a cell
/// holding the row's label does not count, wherever the columns put it).
pub(crate) fn furniture(cells: &[String], columns: &Columns) -> Option<Furniture> {
    let values: Vec<&str> = cells
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    let label = values
        .iter()
        .find(|v| v.chars().any(char::is_alphabetic))
        .copied();
    let blank_or_label = |field: Field| {
        columns
            .cell(field, cells)
            .is_none_or(|c| c.text.is_empty() || Some(c.text.trim()) == label)
    };
    if !(blank_or_label(Field::Number) && blank_or_label(Field::IssueDate)) {
        return None;
    }
    let Some(label) = label else {
        return Some(Furniture::Other);
    };
    if let Some(group) = total(label) {
        return Some(Furniture::Total(group));
    }
    if values.len() == 1 {
        return Some(Furniture::Heading(label.to_owned()));
    }
    Some(Furniture::Other)
}

/// `Total for X` and `Total X` name the group they close; `Total`, `TOTAL`, `Grand Total`
/// close them all. `None` for a label that is no total.
fn total(label: &str) -> Option<Option<String>> {
    let label = label.trim();
    if ["total", "totals", "grand total"]
        .iter()
        .any(|t| label.eq_ignore_ascii_case(t))
    {
        return Some(None);
    }
    let rest = strip_prefix_ignoring_case(label, "total ")?.trim_start();
    let name = strip_prefix_ignoring_case(rest, "for ").unwrap_or(rest);
    Some(Some(name.trim().to_owned()))
}

/// `text` after `prefix` (ASCII, compared without regard to case).
fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
}

/// The customer headings above the current row.
#[derive(Debug, Default)]
pub(crate) struct Headings {
    /// The open groups, outermost first.
    open: Vec<String>,
    /// The report closes its groups by name, so a heading inside an open group is a
    /// sub-customer; without such totals each heading starts a new group.
    nested: bool,
    /// The grand total has passed: what follows is a footer.
    ended: bool,
}

impl Headings {
    /// `nested` when the report closes groups by name (any `Total for …` row).
    pub(crate) fn new(nested: bool) -> Headings {
        Headings {
            nested,
            ..Headings::default()
        }
    }

    /// A heading row: the customer of the rows below it, unless the report has ended.
    pub(crate) fn heading(&mut self, name: &str) -> bool {
        if self.ended {
            return false;
        }
        if !self.nested {
            self.open.clear();
        }
        self.open.push(name.to_owned());
        true
    }

    /// A total row: closes the group it names (and those inside it), or all of them.
    pub(crate) fn total(&mut self, name: Option<&str>) {
        match name {
            None => {
                self.open.clear();
                self.ended = true;
            }
            Some(name) => {
                let closed = self
                    .open
                    .iter()
                    .rposition(|open| open.eq_ignore_ascii_case(name));
                if let Some(at) = closed {
                    self.open.truncate(at);
                }
            }
        }
    }

    /// Whether the grand total has passed: every row after it is a footer.
    pub(crate) fn ended(&self) -> bool {
        self.ended
    }

    /// The current customer: the open headings joined as QuickBooks names sub-customers.
    pub(crate) fn customer(&self) -> Option<String> {
        (!self.open.is_empty()).then(|| self.open.join(":"))
    }
}

/// Whether any row closes a group by name.
pub(crate) fn closes_by_name<'a>(
    rows: impl IntoIterator<Item = &'a [String]>,
    columns: &Columns,
) -> bool {
    rows.into_iter()
        .any(|cells| matches!(furniture(cells, columns), Some(Furniture::Total(Some(_)))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_name_the_group_they_close() {
        assert_eq!(
            total("Total for Acme Ltd"),
            Some(Some("Acme Ltd".to_owned()))
        );
        assert_eq!(total("TOTAL FOR Acme"), Some(Some("Acme".to_owned())));
        assert_eq!(
            total("Total Ridgeway University"),
            Some(Some("Ridgeway University".to_owned()))
        );
        assert_eq!(total("TOTAL"), Some(None));
        assert_eq!(total("Grand Total"), Some(None));
        assert_eq!(total("Totally Fine Ltd"), None);
        assert_eq!(
            total("TOTAL FÜR İstanbul Ltd"),
            Some(Some("FÜR İstanbul Ltd".to_owned()))
        );
        assert_eq!(total("Ünal Total"), None);
        assert_eq!(total("Acme Ltd"), None);
    }

    #[test]
    fn headings_nest_when_the_report_closes_groups_by_name() {
        let mut nested = Headings::new(true);
        nested.heading("Freeman Sporting Goods");
        nested.heading("55 Twin Lane");
        assert_eq!(
            nested.customer().as_deref(),
            Some("Freeman Sporting Goods:55 Twin Lane")
        );
        nested.total(Some("55 twin lane"));
        assert_eq!(nested.customer().as_deref(), Some("Freeman Sporting Goods"));
        nested.total(Some("Freeman Sporting Goods"));
        assert_eq!(nested.customer(), None);
        nested.heading("Kookies by Kathy");
        nested.total(None);
        assert!(nested.ended());
        assert!(
            !nested.heading("Thursday, Dec 03, 2026 09:14:05 AM"),
            "a footer"
        );
        assert_eq!(nested.customer(), None);

        let mut flat = Headings::new(false);
        flat.heading("Acme Ltd");
        flat.heading("Beta GmbH");
        assert_eq!(flat.customer().as_deref(), Some("Beta GmbH"));
    }
}
