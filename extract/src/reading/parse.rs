//! A value of one kind (number, name, currency, terms) read out of a piece of text, and the
//! patterns that find it; what does not depend on the document as a whole.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::evidence::{Confidence, Field, Flag};
use crate::values;

pub(crate) static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
        .unwrap_or_else(|e| unreachable!("e-mail pattern: {e}"))
});

pub(super) static TERMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(net\s?\d{1,3}|due\s+(?:up)?on\s+receipt|eom\s?\+?\s?\d{0,3})\b")
        .unwrap_or_else(|e| unreachable!("terms pattern: {e}"))
});

/// `30 days`, `30 jours`, `30 Tage netto`, `30 dagen`, `30 días`, `30 giorni`, `30 dias`.
static DAYS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(\d{1,3})\s*(?:days?|jours?|tagen?|dagen|d[ií]as|giorni)\b")
        .unwrap_or_else(|e| unreachable!("days pattern: {e}"))
});

/// `à réception`, `sofort`, `bij ontvangst`, `a la recepción`, `al ricevimento`, `a pronto`.
static ON_RECEIPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:on|upon|[àa])\s+r[ée]ception|\bsofort\b|bij\s+ontvangst|a\s+la\s+recepci[óo]n|al\s+ricevimento|a\s+pronto|contado|due\s+(?:up)?on\s+receipt",
    )
    .unwrap_or_else(|e| unreachable!("on-receipt pattern: {e}"))
});

/// A value read out of a piece of text: where it is in that text, and what it is.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub range: Range<usize>,
    pub value: String,
    pub confidence: Confidence,
    pub note: Option<String>,
    pub marker: Option<String>,
    pub flags: Vec<Flag>,
}

impl Parsed {
    pub(super) fn plain(range: Range<usize>, value: String) -> Parsed {
        Parsed {
            range,
            value,
            confidence: Confidence::High,
            note: None,
            marker: None,
            flags: vec![],
        }
    }
}

/// How a value is read for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Number,
    Date(Field),
    Amount,
    Name,
    Email,
    Currency,
    Terms,
}

impl Kind {
    pub(crate) fn of(field: Field) -> Kind {
        match field {
            Field::Number => Kind::Number,
            Field::IssueDate | Field::DueDate => Kind::Date(field),
            Field::Amount => Kind::Amount,
            Field::CustomerName => Kind::Name,
            Field::ContactEmail => Kind::Email,
            Field::Currency => Kind::Currency,
            Field::Terms => Kind::Terms,
        }
    }
}

/// `range` of `text` without the spaces and separators around a value; `None` when nothing
/// is left.
pub(crate) fn trimmed(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let piece = text.get(range.clone())?;
    let separators =
        |c: char| c.is_whitespace() || matches!(c, ':' | '#' | '|' | '–' | '—' | ',' | ';');
    let start = range.start + (piece.len() - piece.trim_start_matches(separators).len());
    let end = range.end - (piece.len() - piece.trim_end_matches(separators).len());
    (start < end).then_some(start..end)
}

/// An invoice number: the first word of `text` with a digit in it, not a date or an amount
/// with a currency: `INV-2041`, `2015/07-3`, `BLR_1234` (after `# `).
pub(super) fn parse_number(text: &str) -> Option<Parsed> {
    let start = text.len()
        - text
            .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '#' | '.' | '('))
            .len();
    let rest = &text[start..];
    let word_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let word = rest[..word_len].trim_end_matches(['.', ',', ';', ':', ')']);
    let is_date = values::dates(word)
        .first()
        .is_some_and(|d| d.end - d.start == word.len());
    let is_money = values::amounts(word)
        .first()
        .is_some_and(|a| a.marker.is_some());
    (word.chars().any(|c| c.is_ascii_digit()) && word.len() <= 40 && !is_date && !is_money)
        .then(|| Parsed::plain(start..start + word.len(), word.to_owned()))
}

/// A customer's name: text with letters that is not a date, an amount or an e-mail; an
/// e-mail printed after it is cut off.
pub(super) fn parse_name(text: &str) -> Option<Parsed> {
    let end = EMAIL.find(text).map_or(text.len(), |m| m.start());
    let range = trimmed(text, 0..end)?;
    let name = text[range.clone()]
        .trim_end_matches([',', ';', '-', '–', '('])
        .trim_end();
    let letters = name.chars().filter(|c| c.is_alphabetic()).count();
    let only_date = values::dates(name)
        .first()
        .is_some_and(|d| d.start == 0 && d.end == name.len());
    (letters >= 2 && name.chars().count() <= 80 && !only_date)
        .then(|| Parsed::plain(range.start..range.start + name.len(), name.to_owned()))
}

/// A currency code or a symbol that names one currency.
pub(super) fn parse_currency(text: &str) -> Option<Parsed> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .find_map(|word| {
            let code = values::currency_of(word)?;
            let start = text.find(word)?;
            let mut parsed = Parsed::plain(start..start + word.len(), code.to_owned());
            parsed.marker = Some(word.to_owned());
            Some(parsed)
        })
}

/// Payment terms: `Net 30`, `Due on receipt`, or the same in another language (`30 jours`,
/// `sofort`), written the way [`chaser_domain::Terms`] reads them.
pub(super) fn parse_terms(text: &str) -> Option<Parsed> {
    if let Some(m) = TERMS.find(text) {
        return Some(Parsed::plain(m.range(), m.as_str().to_owned()));
    }
    if let Some(c) = DAYS.captures(text)
        && let (Some(whole), Some(days)) = (c.get(0), c.get(1))
    {
        let mut parsed = Parsed::plain(whole.range(), format!("Net {}", days.as_str()));
        parsed.note = Some(format!(
            "`{}` read as net {}",
            whole.as_str(),
            days.as_str()
        ));
        return Some(parsed);
    }
    if let Some(m) = ON_RECEIPT.find(text) {
        let mut parsed = Parsed::plain(m.range(), "Due on receipt".to_owned());
        parsed.note = Some(format!("`{}` read as due on receipt", m.as_str()));
        return Some(parsed);
    }
    let range = trimmed(text, 0..text.len())?;
    (text[range.clone()].chars().any(char::is_alphabetic))
        .then(|| Parsed::plain(range.clone(), text[range].to_owned()))
}
