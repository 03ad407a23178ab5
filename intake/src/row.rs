//! One row to one invoice: every cell parsed and checked, every problem collected (a row is
//! rejected with all its problems, not the first), and rows that are not invoices (drafts,
//! payments, report subtotals) set aside with the reason.

use std::fmt;

use chaser_domain::invoice::InvoiceError;
use chaser_domain::{
    Contact, Currency, Customer, Email, Invoice, InvoiceNumber, Locale, Money, Role, Terms, Zone,
};
use jiff::civil::Date;
use url::Url;

use crate::amounts::{self, AmountRules};
use crate::dates::{self, DateRules};
use crate::export::IntakeRow;
use crate::mapping::{Columns, Field};
use crate::presets::Layout;
use crate::status::{self, Facts, Word};

/// What the rest of the file decided, for reading any of its rows.
pub(crate) struct Context<'a> {
    pub layout: &'a Layout,
    pub columns: &'a Columns,
    pub dates: DateRules,
    pub amounts: AmountRules,
    pub default_currency: Option<Currency>,
    pub default_owner: Option<&'a Email>,
}

/// A row's fate.
pub(crate) enum Outcome {
    Invoice(Box<IntakeRow>),
    /// Not an invoice to chase, and not a mistake: the reason.
    Skip(String),
    /// Each problem's column and message; the number, when readable, for the diff.
    Reject(Vec<(String, String)>, Option<InvoiceNumber>),
}

/// Collects every problem in a row rather than stopping at the first.
struct Row<'a> {
    ctx: &'a Context<'a>,
    cells: &'a [String],
    problems: Vec<(String, String)>,
}

impl<'a> Row<'a> {
    fn text(&self, field: Field) -> &'a str {
        self.ctx
            .columns
            .cell(field, self.cells)
            .map_or("", |c| c.text)
    }

    fn label(&self, field: Field) -> String {
        match self.ctx.columns.cell(field, self.cells) {
            Some(cell) => cell.label.to_owned(),
            None => self.ctx.columns.label(field).to_owned(),
        }
    }

    fn problem(&mut self, field: Field, message: impl Into<String>) {
        let label = self.label(field);
        self.problems.push((label, message.into()));
    }

    /// A required cell, parsed.
    fn required<T, E: fmt::Display>(
        &mut self,
        field: Field,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        if self.text(field).is_empty() {
            self.problem(field, "is empty");
            return None;
        }
        self.optional(field, parse).flatten()
    }

    /// An optional cell: `Some(None)` when empty or absent, `None` when it did not parse.
    fn optional<T, E: fmt::Display>(
        &mut self,
        field: Field,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        let text = self.text(field);
        if text.is_empty() {
            return Some(None);
        }
        match parse(text) {
            Ok(v) => Some(Some(v)),
            Err(e) => {
                self.problem(field, e.to_string());
                None
            }
        }
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

fn url(text: &str) -> Result<Url, String> {
    Url::parse(text).map_err(|e| format!("`{text}` is not a URL: {e}"))
}

fn instant(text: &str) -> Result<jiff::Timestamp, String> {
    text.parse::<jiff::Timestamp>()
        .map_err(|_| format!("`{text}` is not an instant: write e.g. 2026-11-21T09:00:00Z"))
}

/// Reads one data row.
pub(crate) fn read(ctx: &Context<'_>, line: u64, cells: &[String]) -> Outcome {
    let mut row = Row {
        ctx,
        cells,
        problems: Vec::new(),
    };
    if ctx.layout.report_rows
        && row.text(Field::Number).is_empty()
        && row.text(Field::IssueDate).is_empty()
    {
        return Outcome::Skip("not an invoice row (a heading, subtotal or note)".to_owned());
    }
    let kind = row.text(Field::Kind);
    if !kind.is_empty() && !status::is_invoice_kind(kind) {
        return Outcome::Skip(format!("a `{kind}` row, not an invoice"));
    }
    let word = match (row.text(Field::Status), row.text(Field::Paid)) {
        ("", "") => None,
        ("", flag) => match status::paid_flag(flag) {
            Ok(true) => Some((Word::Paid, flag)),
            Ok(false) => Some((Word::Open, flag)),
            Err(e) => {
                row.problem(Field::Paid, e);
                None
            }
        },
        (text, _) => match status::word(text) {
            Ok(Word::NotSent) => return Outcome::Skip(format!("status `{text}`: not sent yet")),
            Ok(w) => Some((w, text)),
            Err(e) => {
                row.problem(Field::Status, e);
                None
            }
        },
    };
    let number = row.required(Field::Number, InvoiceNumber::parse);
    let invoice = build(&mut row, line, word, number.clone());
    match invoice {
        Some(outcome) if row.problems.is_empty() => outcome,
        _ => Outcome::Reject(row.problems, number),
    }
}

/// Everything after the row-level filters; `None` when problems were collected.
fn build(
    row: &mut Row<'_>,
    line: u64,
    word: Option<(Word, &str)>,
    number: Option<InvoiceNumber>,
) -> Option<Outcome> {
    let ctx = row.ctx;
    let customer_name = row.required(Field::Customer, |s| Ok::<_, String>(s.to_owned()));
    let customer_id = row
        .optional(Field::CustomerId, |s| Ok::<_, String>(s.to_owned()))
        .flatten();
    let column_currency = row.optional(Field::Currency, Currency::parse);
    let amount = row.required(Field::Amount, |s| amounts::parse(s, ctx.amounts));
    let currency = match (column_currency, &amount) {
        (Some(column), Some(amount)) => {
            match amounts::row_currency(column, amount, ctx.default_currency) {
                Ok(c) => Some(c),
                Err(_) if ctx.columns.has(Field::Currency) => {
                    row.problem(
                        Field::Currency,
                        "is empty and no default currency is configured",
                    );
                    None
                }
                Err(why) => {
                    row.problem(Field::Amount, why);
                    None
                }
            }
        }
        _ => None,
    };
    let money = |row: &mut Row<'_>, field: Field| -> Option<Option<Money>> {
        let currency = currency?;
        row.optional(field, |s| {
            amounts::parse(s, ctx.amounts).and_then(|a| a.money(currency))
        })
    };
    let amount = match (&amount, currency) {
        (Some(a), Some(c)) => a.money(c).map_err(|e| row.problem(Field::Amount, e)).ok(),
        _ => None,
    };
    let balance = money(row, Field::Balance);
    let paid = money(row, Field::AmountPaid);
    let issue_date = row.required(Field::IssueDate, |s| dates::parse(s, ctx.dates));
    let due_date = row.optional(Field::DueDate, |s| dates::parse(s, ctx.dates));
    let terms = row.optional(Field::Terms, Terms::parse_lenient);
    let owner = match row.optional(Field::OwnerEmail, Email::parse) {
        Some(Some(e)) => Some(e),
        Some(None) => ctx.default_owner.cloned().or_else(|| {
            row.problem(
                Field::OwnerEmail,
                "is empty and no default owner is configured",
            );
            None
        }),
        None => None,
    };
    let contact_name = row.text(Field::ContactName).to_owned();
    let contacts = row.optional(Field::ContactEmail, |s| {
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
    let pay_url = row.optional(Field::PayUrl, url);
    let pdf_url = row.optional(Field::PdfUrl, url);
    let zone = row.optional(Field::CustomerTimeZone, Zone::parse);
    let locale = row.optional(Field::Locale, Locale::parse);
    let issued_at = row.optional(Field::IssuedAt, instant);
    let due_at = row.optional(Field::DueAt, instant);
    let already_sent = row.optional(Field::AlreadySent, status::yes_no);
    let do_not_chase = row.optional(Field::DoNotChase, status::yes_no);

    let (number, customer_name, amount, balance, paid, issue_date, due_date, terms) = (
        number?,
        customer_name?,
        amount?,
        balance?,
        paid?,
        issue_date?,
        due_date?,
        terms?,
    );
    let (owner, contacts, pay_url, pdf_url, zone, locale, issued_at, due_at) = (
        owner?, contacts?, pay_url?, pdf_url?, zone?, locale?, issued_at?, due_at?,
    );
    let (already_sent, do_not_chase) = (already_sent?, do_not_chase?);
    if !row.problems.is_empty() {
        return None;
    }
    let settled = match status::settle(&Facts {
        amount,
        balance,
        paid,
        word,
    }) {
        Ok(s) => s,
        Err(why) => {
            let field = if row.ctx.columns.has(Field::Status) {
                Field::Status
            } else {
                Field::Paid
            };
            row.problem(field, why);
            return None;
        }
    };
    if amount.is_zero()
        && matches!(
            settled.status,
            status::RowStatus::Paid | status::RowStatus::Void
        )
    {
        return Some(Outcome::Skip(
            "a zero-amount invoice: nothing to chase".to_owned(),
        ));
    }
    let (terms, due_date) = settle_terms(row, terms, issue_date, due_date)?;
    let customer = Customer {
        id: customer_id.unwrap_or_else(|| slug(&customer_name)),
        name: customer_name,
    };
    let invoice = Invoice {
        contacts: contacts.unwrap_or_default(),
        balance: settled.balance,
        pay_url,
        pdf_url,
        customer_time_zone: zone,
        locale,
        issued_at,
        due_at,
        already_sent: already_sent.unwrap_or(false),
        do_not_chase: do_not_chase.unwrap_or(false),
        ..Invoice::new(number, customer, amount, issue_date, due_date, terms, owner)
    };
    if let Err(e) = invoice.check() {
        let field = match e {
            InvoiceError::DueBeforeIssue { .. } => Field::DueDate,
            InvoiceError::BalanceAboveAmount { .. } | InvoiceError::NegativeBalance { .. } => {
                if row.ctx.columns.has(Field::Balance) {
                    Field::Balance
                } else {
                    Field::AmountPaid
                }
            }
            _ => Field::Amount,
        };
        row.problem(field, e.to_string());
        return None;
    }
    Some(Outcome::Invoice(Box::new(IntakeRow {
        line,
        invoice,
        status: settled.status,
        balance_known: settled.balance_known,
    })))
}

/// Terms and due date from whichever the row gives, else the layout's default terms.
fn settle_terms(
    row: &mut Row<'_>,
    terms: Option<Terms>,
    issue: Date,
    due: Option<Date>,
) -> Option<(Terms, Date)> {
    let terms = match (terms, due) {
        (None, None) => row.ctx.layout.default_terms.clone(),
        (terms, _) => terms,
    };
    Terms::settle(terms, issue, due)
        .map_err(|why| row.problem(Field::DueDate, why))
        .ok()
}
