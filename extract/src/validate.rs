//! A proposal checked against the domain: every field parsed into its domain type, and every
//! problem collected, so the owner fixes them all in one pass.

use chaser_domain::{Currency, Email, InvoiceNumber, Money, Terms};
use jiff::civil::Date;
use serde::Serialize;

use crate::evidence::{Field, FlagKind};
use crate::proposal::Proposal;
use crate::values::{self, Order};

/// One thing the owner must decide or fix, naming the proposal field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
}

/// A line item whose amount parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedLine {
    pub description: String,
    pub amount: Money,
}

/// What of a proposal the domain accepts. `problems` block creating the invoice; `warnings`
/// are worth a look but do not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated {
    pub number: Option<InvoiceNumber>,
    pub customer_name: Option<String>,
    pub contact_email: Option<Email>,
    pub amount: Option<Money>,
    pub issue_date: Option<Date>,
    /// As printed, or worked out from the terms (with a warning saying so).
    pub due_date: Option<Date>,
    pub terms: Option<Terms>,
    pub line_items: Vec<ValidatedLine>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl Validated {
    /// True when nothing blocks creating the invoice.
    pub fn is_complete(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks every field of `p`. `default_currency` (the owner's) applies when the document
/// names none, e.g. a bare `$`, and says so: a defaulted currency is a warning, never silent.
/// The reader's flags are warnings too, unless the field has a problem already.
pub fn validate(p: &Proposal, default_currency: Option<&str>) -> Validated {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut problem = |field, message: String| problems.push(Problem { field, message });

    let number = match present(&p.number) {
        None => {
            problem(
                "number",
                "not found: enter the invoice number as printed".to_owned(),
            );
            None
        }
        Some(text) => InvoiceNumber::parse(text)
            .map_err(|e| problem("number", e.to_string()))
            .ok(),
    };
    let customer_name = present(&p.customer_name).map(str::to_owned);
    if customer_name.is_none() {
        problem(
            "customer_name",
            "not found: enter the billed customer's name".to_owned(),
        );
    }
    let contact_email = match present(&p.contact_email) {
        None => {
            warnings.push(Problem {
                field: "contact_email",
                message: "not found: the customer's saved contacts will be used, or add one"
                    .to_owned(),
            });
            None
        }
        Some(text) => Email::parse(text)
            .map_err(|e| problem("contact_email", e.to_string()))
            .ok(),
    };

    // Why the document's currency is open, when the reader said (`$` could be ...).
    let open = p
        .flags
        .iter()
        .find(|f| f.field == Field::Currency && f.kind == FlagKind::Ambiguous)
        .map(|f| format!(" ({})", f.reason));
    let currency = match (present(&p.currency), default_currency) {
        (Some(code), _) => Currency::parse(code)
            .map_err(|e| problem("currency", e.to_string()))
            .ok(),
        (None, Some(code)) => {
            let parsed = Currency::parse(code)
                .map_err(|e| problem("currency", e.to_string()))
                .ok();
            if parsed.is_some() {
                warnings.push(Problem {
                    field: "currency",
                    message: format!(
                        "defaulted: the document names no one currency{}; {code} is the configured default (email.default_currency): check it",
                        open.as_deref().unwrap_or("")
                    ),
                });
            }
            parsed
        }
        (None, None) => {
            problem(
                "currency",
                format!(
                    "not found: the document names no one currency{}; set it, or set a default currency",
                    open.as_deref().unwrap_or("")
                ),
            );
            None
        }
    };
    let amount = match (present(&p.amount), currency) {
        (None, _) => {
            problem("amount", "not found: enter the total due".to_owned());
            None
        }
        (Some(text), Some(c)) => values::money(values::without_marker(text, c), c)
            .map_err(|e| problem("amount", e))
            .ok(),
        (Some(_), None) => None,
    };
    let amount = amount.filter(|m| {
        let positive = m.is_positive();
        if !positive {
            problem(
                "amount",
                format!(
                    "{} is not a positive total: an invoice to chase must be owed money",
                    m.grouped()
                ),
            );
        }
        positive
    });

    // A numeric date that reads one way only settles the order for the other.
    let orders: Vec<Order> = [&p.issue_date, &p.due_date]
        .into_iter()
        .filter_map(|d| present(d).and_then(values::order_of))
        .collect();
    let order = orders
        .first()
        .copied()
        .filter(|o| orders.iter().all(|x| x == o));
    let mut date = |field, text: Option<&str>| {
        text.and_then(|t| values::date(t, order).map_err(|e| problem(field, e)).ok())
    };
    let issue_date = date("issue_date", present(&p.issue_date));
    let mut due_date = date("due_date", present(&p.due_date));
    if present(&p.issue_date).is_none() {
        problem("issue_date", "not found: enter the invoice date".to_owned());
    }

    let terms = present(&p.terms).and_then(|t| {
        Terms::parse_lenient(t)
            .map_err(|e| problem("terms", e.to_string()))
            .ok()
    });
    if present(&p.due_date).is_none() {
        match (&terms, issue_date) {
            (Some(t), Some(issue)) if t.due_date(issue).is_some() => {
                due_date = t.due_date(issue);
                warnings.push(Problem {
                    field: "due_date",
                    message: format!(
                        "not printed: worked out as {} from terms {t} and the invoice date; check it",
                        due_date.map_or_else(String::new, |d| d.to_string())
                    ),
                });
            }
            _ => problem(
                "due_date",
                "not found, and no terms to work it out from: enter the due date".to_owned(),
            ),
        }
    }
    if let (Some(issue), Some(due)) = (issue_date, due_date)
        && due < issue
    {
        problem(
            "due_date",
            format!("{due} is before the invoice date {issue}: check both dates"),
        );
    }

    let mut line_items = Vec::new();
    for (i, item) in p.line_items.iter().enumerate() {
        let Some(c) = currency else { break };
        match values::money(&item.amount, c) {
            Ok(amount) => line_items.push(ValidatedLine {
                description: item.description.trim().to_owned(),
                amount,
            }),
            Err(e) => warnings.push(Problem {
                field: "line_items",
                message: format!("line {} (`{}`): {e}", i + 1, item.description.trim()),
            }),
        }
    }
    if let (Some(total), Some(c)) = (&amount, currency)
        && !line_items.is_empty()
        && line_items.len() == p.line_items.len()
    {
        let sum = line_items
            .iter()
            .try_fold(Money::zero(c), |sum, l| sum.checked_add(&l.amount));
        // Lines that add up to a subtotal the document prints (before tax, before a part
        // payment) agree with it.
        let printed_subtotal = |sum: &Money| {
            p.evidence_for(Field::Amount).is_some_and(|e| {
                e.alternatives
                    .iter()
                    .any(|a| values::money(&a.value, c).is_ok_and(|m| m == *sum))
            })
        };
        if let Ok(sum) = sum
            && sum != *total
            && !printed_subtotal(&sum)
        {
            warnings.push(Problem {
                field: "amount",
                message: format!(
                    "total {} but line items add up to {}: check the total before chasing",
                    figures(total),
                    figures(&sum)
                ),
            });
        }
    }

    // The reader's flags, for fields without a problem already (which says more). A missing
    // field has its own message above, with what to do.
    for flag in p.flags.iter().filter(|f| f.kind != FlagKind::Missing) {
        let field = flag.field.as_str();
        // An open currency with no value is in the currency's own message above.
        let covered = problems.iter().any(|x| x.field == field)
            || (flag.field == Field::Currency
                && flag.kind == FlagKind::Ambiguous
                && present(&p.currency).is_none());
        if !covered {
            warnings.push(Problem {
                field,
                message: format!("{}: {}", flag.kind.as_str(), flag.reason),
            });
        }
    }

    Validated {
        number,
        customer_name,
        contact_email,
        amount,
        issue_date,
        due_date,
        terms,
        line_items,
        problems,
        warnings,
    }
}

/// The trimmed text of a field, `None` when absent or blank.
fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `1,200.00`: the grouped amount without its currency code.
fn figures(m: &Money) -> String {
    let grouped = m.grouped();
    grouped
        .strip_prefix(m.currency().code())
        .map_or(grouped.clone(), |s| s.trim().to_owned())
}
