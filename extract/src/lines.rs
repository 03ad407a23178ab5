//! The line items, read off the text's lines: a table's rows between its header and its first
//! summary line.

use crate::grammar::MARKERS;
use crate::proposal::LineItem;
use crate::values::{Found, amounts};

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

/// Lines that end in an amount, between the table header and the first summary line.
pub(crate) fn line_items(text: &str) -> Vec<LineItem> {
    // PDF text puts blank lines wherever the layout has space, so they carry no meaning.
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
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
            for marker in MARKERS.iter().copied().chain(last.currency) {
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
