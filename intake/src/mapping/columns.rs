//! A header's columns by field: the titles keyed once, the columns a layout reads in them, and
//! a row's cell for a field.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::field::Field;
use crate::presets::Layout;
use crate::synonyms::header_key;

/// A header row as written, and each title's columns by [`header_key`]: keyed once per row,
/// then shared by every layout tried on it.
#[derive(Debug)]
pub(crate) struct Titles {
    headers: Vec<String>,
    by_key: BTreeMap<String, Vec<usize>>,
}

impl Titles {
    pub(crate) fn new(header: &[String]) -> Titles {
        let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, title) in header.iter().enumerate() {
            let key = header_key(title);
            if !key.is_empty() {
                by_key.entry(key).or_default().push(i);
            }
        }
        Titles {
            headers: header.to_vec(),
            by_key,
        }
    }
}

/// Which columns of the header hold which field.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    /// The header as written.
    titles: Arc<Titles>,
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
    #[cfg(test)]
    pub(crate) fn resolve(layout: &Layout, header: &[String]) -> Columns {
        Columns::of(layout, &Arc::new(Titles::new(header)))
    }

    /// The layout's fields in a keyed header. (Detection tries every layout on each of the
    /// top rows: looking its names' keys up is what keeps that cheap.)
    pub(crate) fn of(layout: &Layout, titles: &Arc<Titles>) -> Columns {
        let mut fields = BTreeMap::new();
        for (field, names) in &layout.columns {
            let found: Vec<usize> = names
                .iter()
                .filter_map(|name| titles.by_key.get(&name.key))
                .flatten()
                .copied()
                .collect();
            if !found.is_empty() {
                fields.insert(*field, found);
            }
        }
        Columns {
            titles: Arc::clone(titles),
            fields,
        }
    }

    pub(crate) fn has(&self, field: Field) -> bool {
        self.fields.contains_key(&field)
    }

    /// Where the invoice's amount comes from: its own column, else the balance (a report of
    /// what is owed), else the sum of its line items.
    pub(crate) fn amount_field(&self) -> Field {
        [Field::Amount, Field::Balance]
            .into_iter()
            .find(|f| self.has(*f))
            .unwrap_or(Field::LineAmount)
    }

    /// Whether the header has a column named `name`.
    pub(super) fn named(&self, name: &str) -> bool {
        self.titles.by_key.contains_key(&header_key(name))
    }

    /// How many of the header's columns this layout reads: the better match scores higher.
    pub(super) fn score(&self) -> usize {
        let mut used: Vec<usize> = self.fields.values().flatten().copied().collect();
        used.sort_unstable();
        used.dedup();
        used.len()
    }

    pub(crate) fn width(&self) -> usize {
        self.titles.headers.len()
    }

    /// A field's cell in a row: the first of its columns with a value, else its first
    /// column (empty); `None` when the file has no column for it.
    pub(crate) fn cell<'a>(&'a self, field: Field, cells: &'a [String]) -> Option<Cell<'a>> {
        let columns = self.fields.get(&field)?;
        let at = |i: usize| Cell {
            text: cells.get(i).map_or("", String::as_str),
            label: self
                .titles
                .headers
                .get(i)
                .map_or(field.name(), |h| h.as_str()),
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
            .and_then(|i| self.titles.headers.get(*i))
            .map_or(field.name(), |h| h.as_str())
    }

    /// Named columns that no field reads, as written, for the caller to show as ignored.
    pub(crate) fn unmapped(&self) -> Vec<String> {
        let used: Vec<usize> = self.fields.values().flatten().copied().collect();
        self.titles
            .headers
            .iter()
            .enumerate()
            .filter(|(i, h)| !h.is_empty() && !used.contains(i))
            .map(|(_, h)| h.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::PresetName;

    #[test]
    fn a_field_reads_its_first_column_with_a_value() {
        let layout = Layout::preset(PresetName::Stripe).remove(0);
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
