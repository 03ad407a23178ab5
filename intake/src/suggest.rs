//! `chaser import FILE --suggest-mapping`: for a file no layout fits, a ready
//! `[intake.custom]` block to check and paste into the config. Columns are matched by name
//! first (the spreadsheet's names, every tool's names, then words such as `inv` + `no`), and
//! the required ones no name gives away by their values (dates, amounts, distinct numbers);
//! those guesses are marked for the owner to check.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chaser_domain::{Currency, Email};

use crate::amounts::{self, AmountRules};
use crate::dates::{self, DateFormat};
use crate::error::FileError;
use crate::export::Options;
use crate::field::Field;
use crate::format::{self, Record};
use crate::presets::Layout;
use crate::synonyms::{self, header_key};

/// How many rows from the top may be title lines before the header.
const HEADER_SEARCH_ROWS: usize = 20;
/// How many data rows are looked at to tell a column's kind.
const SAMPLE_ROWS: usize = 200;

/// The fields a custom mapping can name, in the order the block lists them.
const KEYS: [(Field, &str); 18] = [
    (Field::Number, "number"),
    (Field::Customer, "customer"),
    (Field::Amount, "amount"),
    (Field::IssueDate, "issue_date"),
    (Field::DueDate, "due_date"),
    (Field::Balance, "balance"),
    (Field::AmountPaid, "amount_paid"),
    (Field::LineAmount, "line_amount"),
    (Field::Currency, "currency"),
    (Field::CustomerId, "customer_id"),
    (Field::ContactEmail, "contact_email"),
    (Field::ContactName, "contact_name"),
    (Field::Terms, "terms"),
    (Field::Status, "status"),
    (Field::Paid, "paid"),
    (Field::PayUrl, "pay_url"),
    (Field::PdfUrl, "pdf_url"),
    (Field::OwnerEmail, "owner_email"),
];

/// What a column's values look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Values {
    Dates,
    Amounts,
    Emails,
    Currencies,
    Text,
    Empty,
}

/// One column of the file: its title, what its values look like, and whether they repeat.
struct Column {
    title: String,
    values: Values,
    distinct: bool,
    /// Letters and digits mixed (`INV-1042`): what invoice numbers look like.
    coded: bool,
}

/// Every name a field goes by (the spreadsheet's first, then each tool's), by title key.
struct Names(Vec<(String, Field)>);

impl Names {
    fn new() -> Names {
        let spreadsheet = synonyms::SPREADSHEET
            .iter()
            .flat_map(|(f, names)| names.iter().map(move |n| (header_key(n), *f)));
        let tools = Layout::known().iter().flat_map(|layout| {
            layout
                .columns
                .iter()
                .flat_map(|(f, names)| names.iter().map(move |n| (n.key.clone(), *f)))
        });
        Names(spreadsheet.chain(tools).collect())
    }

    /// A field a title names: by the spreadsheet's or a tool's name for it, then by its words.
    fn field(&self, title: &str) -> Option<Field> {
        let key = header_key(title);
        if key.is_empty() {
            return None;
        }
        self.0
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, f)| *f)
            .or_else(|| by_words(title))
    }
}

/// A field matched to a column, by its title or by its values.
struct Pick {
    field: Field,
    column: usize,
    by_values: bool,
}

/// Writes an `[intake.custom]` block for the file, which parses as a [`CustomMapping`]
/// (`crate::CustomMapping`).
pub fn suggest_mapping(
    bytes: &[u8],
    file_name: &str,
    options: &Options,
) -> Result<String, FileError> {
    let file = file_name;
    let table = format::read_table(bytes, file)?;
    let top = &table.records[..table.records.len().min(HEADER_SEARCH_ROWS)];
    let names = Names::new();
    let Some(header_at) = header_row(&names, top) else {
        return Err(FileError::Empty {
            file: file.to_owned(),
        });
    };
    let header = &top[header_at];
    let data: Vec<&Record> = table
        .records
        .iter()
        .skip(header_at + 1)
        .filter(|r| r.cells.iter().filter(|c| !c.is_empty()).count() >= 3)
        .take(SAMPLE_ROWS)
        .collect();
    let columns: Vec<Column> = header
        .cells
        .iter()
        .enumerate()
        .map(|(i, title)| describe(title, i, &data, options.date_format))
        .collect();
    let picks = pick(&names, &columns);
    let has = |f: Field| picks.iter().any(|p| p.field == f);
    let has_amount = [Field::Amount, Field::Balance, Field::LineAmount]
        .into_iter()
        .any(has);
    let mut missing: Vec<String> = [Field::Number, Field::Customer, Field::IssueDate]
        .into_iter()
        .filter(|f| !has(*f))
        .map(Field::spoken)
        .collect();
    if !has_amount {
        missing.push("an amount".to_owned());
    }
    if !missing.is_empty() {
        return Err(FileError::CannotSuggest {
            file: file.to_owned(),
            missing,
            found: header
                .cells
                .iter()
                .filter(|c| !c.is_empty())
                .cloned()
                .collect(),
        });
    }
    let repeats = picks
        .iter()
        .find(|p| p.field == Field::Number)
        .and_then(|p| columns.get(p.column))
        .is_some_and(|c| !c.distinct);
    Ok(block(file, header.line, &columns, &picks, repeats))
}

/// The header: the row among the first whose titles name most fields, else the first with
/// two or more values.
fn header_row(names: &Names, top: &[Record]) -> Option<usize> {
    let named = |r: &Record| r.cells.iter().filter(|c| names.field(c).is_some()).count();
    let best = top
        .iter()
        .enumerate()
        .max_by_key(|(i, r)| (named(r), std::cmp::Reverse(*i)))
        .filter(|(_, r)| named(r) >= 2)
        .map(|(i, _)| i);
    best.or_else(|| {
        top.iter()
            .position(|r| r.cells.iter().filter(|c| !c.is_empty()).count() >= 2)
    })
}

fn describe(title: &str, index: usize, data: &[&Record], order: Option<DateFormat>) -> Column {
    let cells: Vec<&str> = data
        .iter()
        .filter_map(|r| r.cells.get(index))
        .map(String::as_str)
        .filter(|c| !c.is_empty())
        .collect();
    let all = |test: &dyn Fn(&str) -> bool| !cells.is_empty() && cells.iter().all(|c| test(c));
    let values = if cells.is_empty() {
        Values::Empty
    } else if all(&|c| dates::is_date(c, order)) {
        Values::Dates
    } else if all(&|c| Email::parse(c).is_ok()) {
        Values::Emails
    } else if all(&|c| c.len() == 3 && Currency::parse(c).is_ok()) {
        Values::Currencies
    } else if all(&|c| amounts::parse(c, AmountRules::default()).is_ok()) {
        Values::Amounts
    } else {
        Values::Text
    };
    let distinct = cells.iter().collect::<BTreeSet<_>>().len() == cells.len();
    let coded =
        all(&|c| c.chars().any(|ch| ch.is_ascii_digit()) && c.chars().any(char::is_alphabetic));
    Column {
        title: title.to_owned(),
        values,
        distinct,
        coded,
    }
}

/// Titles no list names, read word by word: `Inv Ref`, `Who`, `Raised`, `Payable by`.
fn by_words(title: &str) -> Option<Field> {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let any = |list: &[&str]| words.iter().any(|w| list.contains(w));
    if lower.contains("mail") {
        return Some(Field::ContactEmail);
    }
    if any(&["currency", "curr", "ccy"]) {
        return Some(Field::Currency);
    }
    if any(&["status", "state"]) {
        return Some(Field::Status);
    }
    if any(&["due", "payable"]) && !any(&["amount", "balance", "sum"]) {
        return Some(Field::DueDate);
    }
    if any(&[
        "outstanding",
        "owing",
        "owed",
        "remaining",
        "unpaid",
        "open",
        "balance",
    ]) {
        return Some(Field::Balance);
    }
    if any(&["paid", "received"]) {
        return Some(Field::AmountPaid);
    }
    if any(&["date", "issued", "raised", "created", "dated"]) {
        return Some(Field::IssueDate);
    }
    if any(&["total", "amount", "gross", "value", "sum", "net"]) {
        return Some(Field::Amount);
    }
    let reference = any(&[
        "inv",
        "invoice",
        "bill",
        "doc",
        "document",
        "ref",
        "reference",
    ]);
    if reference && (lower.contains('#') || any(&["no", "nr", "num", "number", "ref", "id"])) {
        return Some(Field::Number);
    }
    if any(&[
        "customer", "client", "debtor", "buyer", "payer", "company", "who", "account",
    ]) {
        return Some(Field::Customer);
    }
    None
}

/// Fields to columns: by title first, then the required ones by their values.
fn pick(names: &Names, columns: &[Column]) -> Vec<Pick> {
    let mut picks: Vec<Pick> = Vec::new();
    for (column, c) in columns.iter().enumerate() {
        let Some(field) = names.field(&c.title) else {
            continue;
        };
        if KEYS.iter().any(|(f, _)| *f == field) && !picks.iter().any(|p| p.field == field) {
            picks.push(Pick {
                field,
                column,
                by_values: false,
            });
        }
    }
    let free = |picks: &[Pick], test: &dyn Fn(&Column) -> bool| {
        columns
            .iter()
            .enumerate()
            .find(|(i, c)| !c.title.is_empty() && !picks.iter().any(|p| p.column == *i) && test(c))
            .map(|(i, _)| i)
    };
    let by_values = |picks: &mut Vec<Pick>, field: Field, test: &dyn Fn(&Column) -> bool| {
        if picks.iter().any(|p| p.field == field) {
            return;
        }
        if let Some(column) = free(picks, test) {
            picks.push(Pick {
                field,
                column,
                by_values: true,
            });
        }
    };
    by_values(&mut picks, Field::Number, &|c| c.distinct && c.coded);
    by_values(&mut picks, Field::Number, &|c| {
        c.distinct && matches!(c.values, Values::Amounts | Values::Text)
    });
    by_values(&mut picks, Field::IssueDate, &|c| c.values == Values::Dates);
    by_values(&mut picks, Field::DueDate, &|c| c.values == Values::Dates);
    if !picks
        .iter()
        .any(|p| matches!(p.field, Field::Amount | Field::Balance | Field::LineAmount))
    {
        by_values(&mut picks, Field::Amount, &|c| c.values == Values::Amounts);
    }
    by_values(&mut picks, Field::Customer, &|c| {
        c.values == Values::Text && !c.coded
    });
    by_values(&mut picks, Field::ContactEmail, &|c| {
        c.values == Values::Emails
    });
    by_values(&mut picks, Field::Currency, &|c| {
        c.values == Values::Currencies
    });
    picks
}

/// The TOML block: our field = the file's column, in [`KEYS`] order.
fn block(file: &str, line: u64, columns: &[Column], picks: &[Pick], repeats: bool) -> String {
    let title = |f: Field| {
        picks.iter().find(|p| p.field == f).and_then(|p| {
            columns
                .get(p.column)
                .map(|c| (c.title.as_str(), p.by_values))
        })
    };
    let mut out = format!(
        "# Suggested for {file} from its header on line {line}. Check each line (the ones marked\n# \"guessed\" were read from the values), then put the block in the config.\n[intake.custom]\n"
    );
    let amount = title(Field::Amount);
    for (field, key) in KEYS {
        let value = match (field, amount) {
            // No total: the amount is what is owed, or the line items' amounts added up
            // (named twice, see `CustomMapping::line_amount`).
            (Field::Amount, None) => title(Field::Balance).or_else(|| title(Field::LineAmount)),
            _ => title(field),
        };
        let Some((column, guessed)) = value else {
            continue;
        };
        let _ = write!(out, "{key} = {}", toml_string(column));
        if guessed {
            out.push_str("  # guessed");
        }
        out.push('\n');
    }
    if repeats {
        out.push_str("line_items = true  # invoice numbers repeat: one row per line item\n");
    }
    let used: Vec<usize> = picks.iter().map(|p| p.column).collect();
    let unused: Vec<&str> = columns
        .iter()
        .enumerate()
        .filter(|(i, c)| !c.title.is_empty() && !used.contains(i))
        .map(|(_, c)| c.title.as_str())
        .collect();
    if !unused.is_empty() {
        let _ = writeln!(out, "# not used: {}", unused.join(", "));
    }
    out
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_no_list_names_are_read_word_by_word() {
        for (title, field) in [
            ("Inv Ref", Field::Number),
            ("Bill #", Field::Number),
            ("Who", Field::Customer),
            ("Raised", Field::IssueDate),
            ("Payable by", Field::DueDate),
            ("Still owing", Field::Balance),
            ("Gross value", Field::Amount),
            ("Contact e-mail", Field::ContactEmail),
        ] {
            assert_eq!(by_words(title), Some(field), "{title}");
        }
        assert_eq!(by_words("Colour"), None);
    }

    #[test]
    fn toml_strings_escape_what_toml_needs() {
        assert_eq!(
            toml_string(r#"Amount "gross" \ net"#),
            r#""Amount \"gross\" \\ net""#
        );
        assert_eq!(toml_string("Two\nlines"), r#""Two\nlines""#);
    }
}
