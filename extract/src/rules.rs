//! Deterministic extraction: labelled values read off the text of an invoice. Best effort by
//! design; [`crate::validate`] decides what is usable and the owner confirms the rest.

use std::sync::LazyLock;

use regex::Regex;

use crate::proposal::{LineItem, Proposal, ProposalSource};
use crate::values::{DATE, Found, amounts};

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
        .unwrap_or_else(|e| unreachable!("e-mail pattern: {e}"))
});

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*invoice\s*(?:number|num\.?|no\.?|#|id)?\s*[:#.]?\s*(?:(\S+)|$)")
        .unwrap_or_else(|e| unreachable!("invoice number pattern: {e}"))
});

static TERMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(net\s?\d{1,3}|due\s+(?:up)?on\s+receipt|eom\s?\+?\s?\d{0,3})\b")
        .unwrap_or_else(|e| unreachable!("terms pattern: {e}"))
});

const CUSTOMER_LABELS: &[&str] = &["bill to", "billed to", "invoice to", "sold to", "customer"];
const ISSUE_LABELS: &[&str] = &[
    "invoice date",
    "issue date",
    "date of issue",
    "issued",
    "date",
];
const DUE_LABELS: &[&str] = &["due date", "payment due", "due by", "due"];
const TERMS_LABELS: &[&str] = &["payment terms", "terms"];
/// Strongest first: `Amount due` beats `Total` when both are printed.
const TOTAL_LABELS: &[&str] = &[
    "amount due",
    "balance due",
    "total due",
    "amount payable",
    "grand total",
    "invoice total",
    "total",
];
/// Lines that end the line items.
const SUMMARY_LABELS: &[&str] = &[
    "subtotal",
    "sub-total",
    "sub total",
    "tax",
    "vat",
    "total",
    "amount due",
    "balance due",
];
/// Lines at the head of the line-item table.
const HEADER_WORDS: &[&str] = &["description", "item", "service", "details"];

/// Reads the invoice fields off a document's text with fixed rules. Never fails: what it
/// cannot find stays `None`.
pub fn propose_from_text(text: &str) -> Proposal {
    // PDF text puts blank lines wherever the layout has space, so they carry no meaning.
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let block = customer_block(&lines);
    let total = TOTAL_LABELS
        .iter()
        .find_map(|label| labelled(&lines, label, |v| amounts(v).pop()));
    let items = line_items(&lines);
    let currency = total
        .as_ref()
        .and_then(|t| t.currency)
        .or_else(|| amounts(text).iter().find_map(|f| f.currency));
    Proposal {
        number: lines.iter().enumerate().find_map(|(i, l)| {
            // `Invoice No: 7731`, or the label alone with the number on the next line.
            let value = match NUMBER.captures(l)?.get(1) {
                Some(m) => m.as_str(),
                None => lines.get(i + 1)?.split_whitespace().next()?,
            };
            let value = value.trim_end_matches(['.', ',', ';']);
            (value.chars().any(|c| c.is_ascii_digit()) && !DATE.is_match(value))
                .then(|| value.to_owned())
        }),
        customer_name: block.first().map(|s| (*s).to_owned()),
        contact_email: block
            .iter()
            .find_map(|l| EMAIL.find(l))
            .or_else(|| EMAIL.find(text))
            .map(|m| m.as_str().to_owned()),
        amount: total.map(|t| t.digits),
        currency: currency.map(str::to_owned),
        issue_date: first_labelled(&lines, ISSUE_LABELS, date_in),
        due_date: first_labelled(&lines, DUE_LABELS, date_in),
        terms: first_labelled(&lines, TERMS_LABELS, |v| Some(v.to_owned()))
            .or_else(|| TERMS.find(text).map(|m| m.as_str().to_owned())),
        line_items: items,
        source: ProposalSource::Rules,
    }
}

fn date_in(value: &str) -> Option<String> {
    DATE.find(value).map(|m| m.as_str().to_owned())
}

fn first_labelled<T>(
    lines: &[&str],
    labels: &[&str],
    read: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    labels
        .iter()
        .find_map(|label| labelled(lines, label, &read))
}

/// The value after `label` at the start of a line (`Label: value`), or on the next line when
/// the label stands alone; `read` picks the value out and can refuse it.
fn labelled<T>(lines: &[&str], label: &str, read: impl Fn(&str) -> Option<T>) -> Option<T> {
    lines.iter().enumerate().find_map(|(i, line)| {
        let rest = after_label(line, label)?;
        if rest.is_empty() {
            lines
                .get(i + 1..)?
                .iter()
                .find(|l| !l.is_empty())
                .and_then(|l| read(l))
        } else {
            read(rest)
        }
    })
}

/// The text after `label` when `line` starts with it as whole words.
fn after_label<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    let head = line.get(..label.len())?;
    if !head.eq_ignore_ascii_case(label) {
        return None;
    }
    let rest = &line[label.len()..];
    if rest.starts_with(|c: char| c.is_alphanumeric()) {
        return None;
    }
    Some(rest.trim_start_matches([':', '#', ' ', '\t', '.']).trim())
}

/// The lines of the customer's address block: from its label to the next label, at most six.
fn customer_block<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let Some((start, first)) = lines.iter().enumerate().find_map(|(i, l)| {
        CUSTOMER_LABELS
            .iter()
            .find_map(|label| after_label(l, label).map(|rest| (i, rest)))
    }) else {
        return Vec::new();
    };
    let mut block: Vec<&str> = Vec::new();
    if !first.is_empty() {
        block.push(first);
    }
    for line in lines.get(start + 1..).unwrap_or_default().iter().take(6) {
        let is_label = ISSUE_LABELS
            .iter()
            .chain(DUE_LABELS)
            .chain(TERMS_LABELS)
            .chain(HEADER_WORDS)
            .chain(TOTAL_LABELS)
            .any(|label| after_label(line, label).is_some());
        if is_label {
            break;
        }
        block.push(line);
    }
    block
}

/// Lines that end in an amount, between the table header and the first summary line.
fn line_items(lines: &[&str]) -> Vec<LineItem> {
    let Some(header) = lines.iter().position(|l| {
        let lower = l.to_ascii_lowercase();
        HEADER_WORDS.iter().any(|w| lower.starts_with(w))
            && (lower.contains("amount") || lower.contains("total"))
    }) else {
        return Vec::new();
    };
    lines[header + 1..]
        .iter()
        .take_while(|l| {
            !SUMMARY_LABELS
                .iter()
                .any(|label| after_label(l, label).is_some())
        })
        .filter_map(|line| {
            let last: Found = amounts(line).pop()?;
            if !line[last.end..].trim().is_empty() {
                return None;
            }
            let start = line[..last.end].rfind(&last.digits)?;
            let mut description = line[..start].trim_end();
            for marker in ["US$", "€", "£", "$", "¥", "₹"]
                .into_iter()
                .chain(last.currency)
            {
                if let Some(before) = description.strip_suffix(marker) {
                    description = before.trim_end();
                    break;
                }
            }
            (!description.is_empty()).then(|| LineItem {
                description: description.to_owned(),
                amount: last.digits,
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn labels_on_their_own_line_and_dollar_amounts_are_read() {
        let p = propose_from_text(
            "INVOICE\nInvoice Number\n7731\nDate\nMarch 3, 2026\nDue\n04/02/2026\n\
             Bill to: Globex Corp\nsales@globex.example\nItem Total\nConsulting $1,000.00\n\
             Balance due $1,000.00\nDue on receipt",
        );
        assert_eq!(p.number.as_deref(), Some("7731"));
        assert_eq!(p.issue_date.as_deref(), Some("March 3, 2026"));
        assert_eq!(p.due_date.as_deref(), Some("04/02/2026"));
        assert_eq!(p.customer_name.as_deref(), Some("Globex Corp"));
        assert_eq!(p.contact_email.as_deref(), Some("sales@globex.example"));
        assert_eq!(p.amount.as_deref(), Some("1,000.00"));
        assert_eq!(p.currency, None);
        assert_eq!(p.terms.as_deref(), Some("Due on receipt"));
        assert_eq!(p.line_items.len(), 1);
        assert_eq!(p.line_items[0].description, "Consulting");
    }

    #[test]
    fn text_without_labels_proposes_nothing() {
        let p = propose_from_text("Dear customer, thank you.\nInvoice date: tomorrow");
        assert_eq!(p, Proposal::default());
    }
}
