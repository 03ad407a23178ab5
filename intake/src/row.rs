//! One row to the facts of one invoice: every cell parsed, every problem collected (a row is
//! rejected with all its problems, not the first), and rows that are not invoices (drafts,
//! payments, credit notes) set aside with the reason. Where the invoice stands (its status,
//! balance, whether the owner must look) is settled once its rows are together, by `group`,
//! which reads these facts.

use std::fmt;

use chaser_domain::{
    Contact, Currency, Customer, Email, Invoice, InvoiceNumber, Locale, Money, Role, Terms, Zone,
};
use jiff::civil::Date;
use url::Url;

use crate::amounts::{self, AmountRules};
use crate::dates::{self, DateRules};
use crate::field::Field;
use crate::mapping::Columns;
use crate::outcome::SkipReason;
use crate::presets::Layout;
use crate::status::{self, Word};

/// What the rest of the file decided, for reading any of its rows.
pub(crate) struct Context<'a> {
    pub layout: &'a Layout,
    pub columns: &'a Columns,
    /// Where the amount comes from: [`Field::Amount`], [`Field::Balance`] or
    /// [`Field::LineAmount`] (their sum makes the invoice's).
    pub amount_field: Field,
    /// Rows repeating an invoice are its line items.
    pub line_items: bool,
    pub dates: DateRules,
    pub amounts: AmountRules,
    pub default_currency: Option<Currency>,
    pub default_owner: Option<&'a Email>,
}

/// What one row states about an invoice, before its rows are together.
#[derive(Debug, Clone)]
pub(crate) struct Read {
    pub line: u64,
    /// The invoice as the row states it. Its amount is the row's (one line item's, when the
    /// invoice's amount is their sum); its balance is settled later.
    pub invoice: Invoice,
    pub balance: Option<Money>,
    pub paid: Option<Money>,
    /// The status word and its text, from a status column or a paid flag.
    pub word: Option<(Word, String)>,
    /// When the export says it was paid.
    pub paid_on: Option<Date>,
    /// Neither a due date nor terms that give one (the problem, for the due date column). A
    /// credit note has no due date and is no mistake, so this is judged with the invoice.
    pub undated: Option<String>,
}

/// A row's fate.
pub(crate) enum Outcome {
    Read(Box<Read>),
    /// Not an invoice to chase, and not a mistake: the reason.
    Skip(SkipReason),
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

/// Reads one data row; `heading` is the customer heading above it, in a report grouped by
/// customer.
pub(crate) fn read(
    ctx: &Context<'_>,
    line: u64,
    cells: &[String],
    heading: Option<&str>,
) -> Outcome {
    let mut row = Row {
        ctx,
        cells,
        problems: Vec::new(),
    };
    let kind = row.text(Field::Kind);
    if !kind.is_empty() && !status::is_invoice_kind(kind) {
        return Outcome::Skip(SkipReason::NotAnInvoice {
            kind: kind.to_owned(),
        });
    }
    // Reports without a type column write the document where its number would be.
    let written = row.text(Field::Number);
    if kind.is_empty() && status::is_non_debt_document(written) {
        return Outcome::Skip(SkipReason::NotAnInvoice {
            kind: written.to_owned(),
        });
    }
    let word = match (row.text(Field::Status), row.text(Field::Paid)) {
        ("", "") => None,
        ("", flag) => match status::paid_flag(flag) {
            Ok(true) => Some((Word::Paid, flag.to_owned())),
            Ok(false) => Some((Word::Open, flag.to_owned())),
            Err(e) => {
                row.problem(Field::Paid, e);
                None
            }
        },
        (text, _) => match status::word(text) {
            Ok(Word::NotSent) => {
                return Outcome::Skip(SkipReason::NotSent {
                    status: text.to_owned(),
                });
            }
            Ok(Word::NotADebt) => {
                return Outcome::Skip(SkipReason::NotAnInvoice {
                    kind: text.to_owned(),
                });
            }
            Ok(w) => Some((w, text.to_owned())),
            Err(e) => {
                row.problem(Field::Status, e);
                None
            }
        },
    };
    let number = row.required(Field::Number, InvoiceNumber::parse);
    let read = build(&mut row, line, word, number.clone(), heading);
    match read {
        Some(read) if row.problems.is_empty() => Outcome::Read(Box::new(read)),
        _ => Outcome::Reject(row.problems, number),
    }
}

/// Everything after the row-level filters; `None` when problems were collected.
fn build(
    row: &mut Row<'_>,
    line: u64,
    word: Option<(Word, String)>,
    number: Option<InvoiceNumber>,
    heading: Option<&str>,
) -> Option<Read> {
    let ctx = row.ctx;
    let customer_name = if ctx.layout.customer_from_headings {
        heading.map(str::to_owned).or_else(|| {
            row.problem(Field::Customer, "no customer heading above the row");
            None
        })
    } else {
        row.required(Field::Customer, |s| Ok::<_, String>(s.to_owned()))
    };
    let customer_id = row
        .optional(Field::CustomerId, |s| Ok::<_, String>(s.to_owned()))
        .flatten();
    let column_currency = row.optional(Field::Currency, Currency::parse);
    let amount = row.required(ctx.amount_field, |s| amounts::parse(s, ctx.amounts));
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
                    row.problem(ctx.amount_field, why);
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
        (Some(a), Some(c)) => a
            .money(c)
            .map_err(|e| row.problem(ctx.amount_field, e))
            .ok(),
        _ => None,
    };
    let balance = money(row, Field::Balance);
    let paid = money(row, Field::AmountPaid);
    let issue_date = row.required(Field::IssueDate, |s| dates::parse(s, ctx.dates));
    let due_date = row.optional(Field::DueDate, |s| dates::parse(s, ctx.dates));
    let paid_on = row.optional(Field::DatePaid, |s| dates::parse(s, ctx.dates));
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
    let (already_sent, do_not_chase, paid_on) = (already_sent?, do_not_chase?, paid_on?);
    if !row.problems.is_empty() {
        return None;
    }
    let (terms, due_date, undated) = match settle_terms(ctx, terms, issue_date, due_date) {
        Ok((terms, due)) => (terms, due, None),
        // Due when issued until the invoice is judged; an undated invoice is rejected then.
        Err(why) => (Terms::DueOnReceipt, issue_date, Some(why)),
    };
    let customer = Customer {
        id: customer_id.unwrap_or_else(|| slug(&customer_name)),
        name: customer_name,
    };
    let invoice = Invoice {
        contacts: contacts.unwrap_or_default(),
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
    Some(Read {
        line,
        invoice,
        balance,
        paid,
        word,
        paid_on,
        undated,
    })
}

/// Terms and due date from whichever the row gives, else the layout's default terms.
fn settle_terms(
    ctx: &Context<'_>,
    terms: Option<Terms>,
    issue: Date,
    due: Option<Date>,
) -> Result<(Terms, Date), String> {
    let terms = match (terms, due) {
        (None, None) => ctx.layout.default_terms.clone(),
        (terms, _) => terms,
    };
    Terms::settle(terms, issue, due)
}
