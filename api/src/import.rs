//! Reading `chaser import` CSV files into invoices.
//!
//! Columns (any order, header names case-insensitive): `number`, `customer`, `contact_email`,
//! `amount`, `currency`, `issue_date`, `due_date`, `terms`, `pay_url`, `pdf_url`,
//! `owner_email`, `paid`; optionally `customer_id`, `contact_name`, `balance`,
//! `customer_time_zone`, `locale`, and `issued_at`/`due_at` (RFC 3339 instants that sub-day
//! cadence offsets count from). A bad row is reported with its line number and field, and
//! never stops the good rows.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use chaser_domain::{
    Contact, Currency, Customer, Email, Invoice, InvoiceNumber, Locale, Money, Role, Terms, Zone,
};
use jiff::civil::Date;
use url::Url;

use crate::ops::Incoming;

const REQUIRED: [&str; 5] = ["number", "customer", "amount", "issue_date", "owner_email"];
const KNOWN: [&str; 19] = [
    "number",
    "customer",
    "customer_id",
    "contact_email",
    "contact_name",
    "amount",
    "balance",
    "currency",
    "issue_date",
    "due_date",
    "terms",
    "pay_url",
    "pdf_url",
    "owner_email",
    "paid",
    "customer_time_zone",
    "locale",
    "issued_at",
    "due_at",
];

/// A problem with the file as a whole.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{file}: cannot read it: {source}")]
    Read { file: String, source: csv::Error },
    #[error("{file}: missing column{} {}; the header has: {}", if .missing.len() > 1 { "s" } else { "" }, .missing.join(", "), .found.join(", "))]
    MissingColumns {
        file: String,
        missing: Vec<String>,
        found: Vec<String>,
    },
    #[error("{file}: unknown column `{column}`; known columns are: {}", KNOWN.join(", "))]
    UnknownColumn { file: String, column: String },
    #[error("{file}: has no header row")]
    Empty { file: String },
}

/// A row that was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.field, self.message)
        }
    }
}

/// A row that parsed into an invoice.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: u64,
    pub incoming: Incoming,
}

/// Fallbacks for columns a file leaves out.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub currency: Option<Currency>,
    pub owner_email: Option<Email>,
}

/// Reads every row; returns the good ones and a line-numbered error for each bad one.
pub fn read_csv(
    input: impl Read,
    file: &str,
    defaults: &Defaults,
) -> Result<(Vec<ImportRow>, Vec<RowError>), FileError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|source| FileError::Read {
            file: file.to_owned(),
            source,
        })?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(FileError::Empty {
            file: file.to_owned(),
        });
    }
    if let Some(unknown) = headers.iter().find(|h| !KNOWN.contains(&h.as_str())) {
        return Err(FileError::UnknownColumn {
            file: file.to_owned(),
            column: unknown.clone(),
        });
    }
    let mut required: Vec<&str> = REQUIRED.to_vec();
    if defaults.owner_email.is_some() {
        required.retain(|c| *c != "owner_email");
    }
    if defaults.currency.is_none() {
        required.push("currency");
    }
    let missing: Vec<String> = required
        .iter()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .map(|c| (*c).to_owned())
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns {
            file: file.to_owned(),
            missing,
            found: headers,
        });
    }

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                errors.push(RowError {
                    line,
                    field: String::new(),
                    message: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() > headers.len() {
            errors.push(RowError {
                line,
                field: String::new(),
                message: format!(
                    "has {} fields but the header has {} (is a value with a comma missing its quotes?)",
                    record.len(),
                    headers.len()
                ),
            });
            continue;
        }
        let cells: BTreeMap<&str, &str> = headers
            .iter()
            .map(String::as_str)
            .zip(record.iter())
            .collect();
        match parse_row(&cells, defaults) {
            Ok(incoming) => {
                let key = incoming.invoice.number.normalized();
                if let Some(first) = seen.get(&key) {
                    errors.push(RowError {
                        line,
                        field: "number".into(),
                        message: format!(
                            "invoice {} is also on line {first}",
                            incoming.invoice.number
                        ),
                    });
                    continue;
                }
                seen.insert(key, line);
                rows.push(ImportRow { line, incoming });
            }
            Err(problems) => errors.extend(problems.into_iter().map(|(field, message)| RowError {
                line,
                field,
                message,
            })),
        }
    }
    Ok((rows, errors))
}

/// Collects every problem in a row rather than stopping at the first.
struct Row<'a> {
    cells: &'a BTreeMap<&'a str, &'a str>,
    problems: Vec<(String, String)>,
}

impl<'a> Row<'a> {
    fn text(&self, column: &str) -> &'a str {
        self.cells.get(column).copied().unwrap_or("")
    }

    /// A required cell, parsed.
    fn required<T, E: fmt::Display>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let text = self.text(column);
        if text.is_empty() {
            self.problems
                .push((column.to_owned(), "is empty".to_owned()));
            return None;
        }
        self.optional(column, parse).flatten()
    }

    /// An optional cell: `Some(None)` when empty, `None` when it did not parse.
    fn optional<T, E: fmt::Display>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        let text = self.text(column);
        if text.is_empty() {
            return Some(None);
        }
        match parse(text) {
            Ok(v) => Some(Some(v)),
            Err(e) => {
                self.problems.push((column.to_owned(), e.to_string()));
                None
            }
        }
    }
}

fn date(text: &str) -> Result<Date, String> {
    text.parse::<Date>()
        .ok()
        .filter(|_| text.len() == 10)
        .ok_or_else(|| format!("`{text}` is not a date: write YYYY-MM-DD"))
}

fn paid_flag(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "paid" => Ok(true),
        "false" | "no" | "n" | "0" | "unpaid" | "open" => Ok(false),
        _ => Err(format!("`{text}` is not yes or no")),
    }
}

fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

fn parse_row(
    cells: &BTreeMap<&str, &str>,
    defaults: &Defaults,
) -> Result<Incoming, Vec<(String, String)>> {
    let mut row = Row {
        cells,
        problems: Vec::new(),
    };
    let number = row.required("number", InvoiceNumber::parse);
    let customer_name = row.required("customer", |s| Ok::<_, String>(s.to_owned()));
    let customer_id = row
        .optional("customer_id", |s| Ok::<_, String>(s.to_owned()))
        .flatten();
    let currency = match row.optional("currency", Currency::parse) {
        Some(Some(c)) => Some(c),
        Some(None) => defaults.currency.or_else(|| {
            row.problems.push((
                "currency".into(),
                "is empty and no default currency is configured".into(),
            ));
            None
        }),
        None => None,
    };
    let (amount, balance) = match currency {
        Some(c) => (
            row.required("amount", |s| Money::parse(s, c)),
            row.optional("balance", |s| Money::parse(s, c)),
        ),
        None => (None, Some(None)),
    };
    let issue_date = row.required("issue_date", date);
    let due_date = row.optional("due_date", date);
    let terms = row.optional("terms", Terms::parse_lenient);
    let owner = match row.optional("owner_email", Email::parse) {
        Some(Some(e)) => Some(e),
        Some(None) => defaults.owner_email.clone().or_else(|| {
            row.problems.push((
                "owner_email".into(),
                "is empty and no default owner is configured".into(),
            ));
            None
        }),
        None => None,
    };
    let contact_name = row.text("contact_name").to_owned();
    let contacts = row.optional("contact_email", |s| {
        s.split([';', ','])
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| {
                Email::parse(e).map(|email| Contact {
                    name: contact_name.clone(),
                    email,
                    roles: vec![Role::Billing],
                })
            })
            .collect::<Result<Vec<_>, _>>()
    });
    let pay_url = row.optional("pay_url", |s| {
        Url::parse(s).map_err(|e| format!("`{s}` is not a URL: {e}"))
    });
    let pdf_url = row.optional("pdf_url", |s| {
        Url::parse(s).map_err(|e| format!("`{s}` is not a URL: {e}"))
    });
    let paid = row.optional("paid", paid_flag);
    let zone = row.optional("customer_time_zone", Zone::parse);
    let locale = row.optional("locale", Locale::parse);
    let instant = |s: &str| {
        s.parse::<jiff::Timestamp>()
            .map_err(|_| format!("`{s}` is not an instant: write e.g. 2026-11-21T09:00:00Z"))
    };
    let issued_at = row.optional("issued_at", instant);
    let due_at = row.optional("due_at", instant);

    let (
        Some(number),
        Some(customer_name),
        Some(amount),
        Some(balance),
        Some(issue_date),
        Some(due_date),
        Some(terms),
    ) = (
        number,
        customer_name,
        amount,
        balance,
        issue_date,
        due_date,
        terms,
    )
    else {
        return Err(row.problems);
    };
    let (terms, due_date) = match Terms::settle(terms, issue_date, due_date) {
        Ok(v) => v,
        Err(why) => {
            row.problems.push(("due_date".to_owned(), why));
            return Err(row.problems);
        }
    };
    let (
        Some(owner),
        Some(contacts),
        Some(pay_url),
        Some(pdf_url),
        Some(paid),
        Some(zone),
        Some(locale),
        Some(issued_at),
        Some(due_at),
    ) = (
        owner, contacts, pay_url, pdf_url, paid, zone, locale, issued_at, due_at,
    )
    else {
        return Err(row.problems);
    };
    if !row.problems.is_empty() {
        return Err(row.problems);
    }
    let customer = Customer {
        id: customer_id.unwrap_or_else(|| slug(&customer_name)),
        name: customer_name,
    };
    let invoice = Invoice {
        contacts: contacts.unwrap_or_default(),
        balance: balance.unwrap_or(amount),
        pay_url,
        pdf_url,
        customer_time_zone: zone,
        locale,
        issued_at,
        due_at,
        ..Invoice::new(number, customer, amount, issue_date, due_date, terms, owner)
    };
    if let Err(e) = invoice.check() {
        let field = match e {
            chaser_domain::invoice::InvoiceError::DueBeforeIssue { .. } => "due_date",
            chaser_domain::invoice::InvoiceError::BalanceAboveAmount { .. }
            | chaser_domain::invoice::InvoiceError::NegativeBalance { .. } => "balance",
            _ => "amount",
        };
        return Err(vec![(field.to_owned(), e.to_string())]);
    }
    Ok(Incoming {
        invoice,
        paid: paid.unwrap_or(false),
        balance_known: balance.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "number,customer,contact_email,amount,currency,issue_date,due_date,terms,pay_url,pdf_url,owner_email,paid\n";

    fn read(body: &str) -> (Vec<ImportRow>, Vec<String>) {
        let text = format!("{HEADER}{body}");
        let (rows, errors) =
            read_csv(text.as_bytes(), "invoices.csv", &Defaults::default()).unwrap();
        (rows, errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn good_rows_become_invoices() {
        let (rows, errors) = read(
            "INV-1,Acme Ltd,ap@acme.example,1200.00,USD,2026-11-01,,net-30,https://pay.example/1,,owner@us.example,no\n\
             INV-2,Beta GmbH,ap@beta.example,99,EUR,2026-11-01,2026-11-15,,,,owner@us.example,yes\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows.len(), 2);
        let first = &rows[0].incoming;
        assert_eq!(rows[0].line, 2);
        assert_eq!(first.invoice.due_date, Date::constant(2026, 12, 1));
        assert_eq!(first.invoice.customer.id, "acme-ltd");
        assert_eq!(first.invoice.contacts[0].roles, [Role::Billing]);
        assert!(!first.paid && !first.balance_known);
        assert_eq!(rows[1].incoming.invoice.terms, Terms::Net(14));
        assert!(rows[1].incoming.paid);
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_field_and_the_rest_survive() {
        let (rows, errors) = read(
            "INV-1,Acme Ltd,ap@acme.example,12.345,USD,2026-11-01,,net-30,,,owner@us.example,\n\
             INV-2,Beta GmbH,not-an-email,99,EUR,01/11/2026,,,,,owner@us.example,maybe\n\
             INV-3,Gamma,ap@gamma.example,10,USD,2026-11-01,2026-12-01,,,,owner@us.example,\n\
             inv 3,Gamma,ap@gamma.example,10,USD,2026-11-01,2026-12-01,,,,owner@us.example,\n\
             ,Delta,,10,XYZ,2026-11-01,,custom:odd,,,owner@us.example,\n\
             INV-9,Acme,ap@acme.example,1,200.00,USD,2026-11-01,,net-30,,,owner@us.example,\n",
        );
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [4]);
        assert_eq!(
            errors,
            [
                "line 2: amount: 12.345 has more decimals than USD allows (2)",
                "line 3: issue_date: `01/11/2026` is not a date: write YYYY-MM-DD",
                "line 3: contact_email: `not-an-email` is not a valid e-mail address",
                "line 3: paid: `maybe` is not yes or no",
                "line 5: number: invoice inv 3 is also on line 4",
                "line 6: number: is empty",
                "line 6: currency: unknown currency `XYZ`: expected an ISO-4217 code such as USD, EUR or JPY",
                "line 7: has 13 fields but the header has 12 (is a value with a comma missing its quotes?)",
            ]
        );
    }

    #[test]
    fn file_level_problems_name_the_file() {
        let missing = read_csv(
            "number,customer\nINV-1,Acme\n".as_bytes(),
            "x.csv",
            &Defaults::default(),
        )
        .unwrap_err();
        assert_eq!(
            missing.to_string(),
            "x.csv: missing columns amount, issue_date, owner_email, currency; the header has: number, customer"
        );
        let unknown =
            read_csv("number,colour\n".as_bytes(), "x.csv", &Defaults::default()).unwrap_err();
        assert!(
            unknown
                .to_string()
                .starts_with("x.csv: unknown column `colour`")
        );
        assert!(matches!(
            read_csv("".as_bytes(), "x.csv", &Defaults::default()),
            Err(FileError::Empty { .. })
        ));
    }
}
