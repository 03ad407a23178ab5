//! Where the document prints a value it is given rather than one it finds: a model's answer,
//! located for its evidence, and the owner's corrected value, located for a template to learn.

use std::ops::Range;

use rust_decimal::Decimal;

use crate::evidence::{Confidence, Field, Flag, FlagKind, Origin};
use crate::grammar::fold;
use crate::template::DateOrder;
use crate::values::{self, Order};

use super::doc::{Doc, Pick};
use super::parse::Kind;

impl Doc<'_> {
    /// The places in `text` that print `value` as `kind` (amounts and dates compared as
    /// amounts and dates, other text without case or accents), each with the date order a
    /// numeric date needs to mean `value`.
    pub(crate) fn occurrences(
        &self,
        kind: Kind,
        text: &str,
        value: &str,
        currency: Option<&str>,
    ) -> Vec<(Range<usize>, Option<DateOrder>)> {
        match kind {
            Kind::Amount => {
                let Some(wanted) = self.decimal_of(value, currency) else {
                    return vec![];
                };
                values::amounts_in_value(text)
                    .into_iter()
                    .filter(|found| {
                        ['.', ',']
                            .iter()
                            .filter_map(|m| values::plain_number(&found.digits, *m))
                            .filter_map(|p| p.parse::<Decimal>().ok())
                            .any(|d| d == wanted)
                    })
                    .map(|found| (found.start..found.end, None))
                    .collect()
            }
            Kind::Date(_) => {
                let wanted = match values::date(value, None) {
                    Ok(date) => date,
                    Err(_) => match values::date(value, self.order.as_ref().map(|o| o.value)) {
                        Ok(date) => date,
                        Err(_) => return vec![],
                    },
                };
                values::dates(text)
                    .into_iter()
                    .filter_map(|found| {
                        let printed = &text[found.start..found.end];
                        let day_first = values::date(printed, Some(Order::DayFirst)).ok();
                        let month_first = values::date(printed, Some(Order::MonthFirst)).ok();
                        let order = match (day_first == Some(wanted), month_first == Some(wanted)) {
                            (true, false) => Some(DateOrder::DayFirst),
                            (false, true) => Some(DateOrder::MonthFirst),
                            (true, true) => None,
                            (false, false) => return None,
                        };
                        // An order is worth keeping only when the printed date needed one.
                        let needed = order.filter(|_| values::order_of(printed).is_none());
                        Some((found.start..found.end, needed))
                    })
                    .collect()
            }
            _ => word_ranges(text, &fold(value.trim()).text)
                .into_iter()
                .filter(|r| self.parse(kind, &text[r.clone()]).is_some())
                .map(|r| (r, None))
                .collect(),
        }
    }

    /// An amount as a number: in `currency` when it is known, else with its own or the
    /// document's decimal mark.
    fn decimal_of(&self, value: &str, currency: Option<&str>) -> Option<Decimal> {
        if let Some(c) = currency.and_then(|c| chaser_domain::Currency::parse(c).ok())
            && let Ok(m) = values::money(values::without_marker(value, c), c)
        {
            return Some(m.amount());
        }
        let digits = values::amounts_in_value(value).into_iter().next()?.digits;
        let mark = values::decimal_mark_of(&digits)
            .or(self.decimal.as_ref().map(|d| d.value))
            .unwrap_or('.');
        values::plain_number(&digits, mark)?.parse().ok()
    }

    /// A model's value for `field`, with the evidence of where the document prints it.
    pub(super) fn locate_model_value(&self, field: Field, value: &str) -> Pick {
        let kind = Kind::of(field);
        let wanted = self.parse(kind, value);
        let settled_value = match (&wanted, kind) {
            // A date or amount the model wrote as printed is settled like the reader's own.
            (Some(p), Kind::Date(_) | Kind::Amount)
                if !p.flags.iter().any(|f| f.kind == FlagKind::Ambiguous) =>
            {
                p.value.clone()
            }
            _ => value.trim().to_owned(),
        };
        let located = self.runs.iter().enumerate().find_map(|(i, run)| {
            let (range, _) = self
                .occurrences(kind, &run.text, &settled_value, None)
                .into_iter()
                .next()?;
            Some((i, run.text[range].to_owned()))
        });
        let mut flags = wanted.as_ref().map(|p| p.flags.clone()).unwrap_or_default();
        let (run, printed, confidence, note) = match located {
            Some((run, printed)) => (run, printed, Confidence::Medium, None),
            None => {
                flags.push(Flag {
                    field,
                    kind: FlagKind::Guessed,
                    reason: format!(
                        "the model's `{}` is not printed in the document: check it",
                        value.trim()
                    ),
                });
                (usize::MAX, value.trim().to_owned(), Confidence::Low, None)
            }
        };
        Pick {
            origin: Origin::Model,
            label: None,
            place: None,
            run,
            printed,
            value: settled_value,
            confidence,
            note,
            alternatives: vec![],
            marker: wanted.and_then(|p| p.marker),
            flags,
        }
    }

    /// A currency a model named that the document's markers do not show.
    pub(super) fn model_currency(&self, said: &str) -> Pick {
        Pick {
            origin: Origin::Model,
            label: None,
            place: None,
            run: usize::MAX,
            printed: said.to_owned(),
            value: said.trim().to_uppercase(),
            confidence: Confidence::Low,
            note: None,
            alternatives: vec![],
            marker: None,
            flags: vec![Flag {
                field: Field::Currency,
                kind: FlagKind::Guessed,
                reason: format!("the model said {said}, but the document prints no currency"),
            }],
        }
    }
}

/// Where `wanted` (folded) is printed in `text`, as whole words, with the colon that ends it.
pub(crate) fn word_ranges(text: &str, wanted: &str) -> Vec<Range<usize>> {
    if wanted.is_empty() {
        return vec![];
    }
    let folded = fold(text);
    let squashed_text = folded.text.as_str();
    let mut found = Vec::new();
    for (i, _) in squashed_text.match_indices(wanted) {
        let end = i + wanted.len();
        let before = squashed_text[..i].chars().next_back();
        let after = squashed_text[end..].chars().next();
        let word_start =
            before.is_none_or(|c| !c.is_alphabetic()) || !wanted.starts_with(char::is_alphabetic);
        let word_end =
            after.is_none_or(|c| !c.is_alphabetic()) || !wanted.ends_with(char::is_alphabetic);
        if word_start && word_end {
            let mut end_byte = folded.origin[end];
            // The colon that ends the label belongs to it.
            let rest = &text[end_byte..];
            let colon = rest.len() - rest.trim_start_matches([' ', ':']).len();
            if rest[..colon].contains(':') {
                end_byte += rest[..colon].trim_end().len();
            }
            found.push(folded.origin[i]..end_byte);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_found_as_whole_words_without_case_or_accents() {
        assert_eq!(word_ranges("Réf.: 77 ref 8", "ref."), vec![(0..6)]);
        assert_eq!(word_ranges("Prefix 1", "ref"), Vec::<Range<usize>>::new());
        assert_eq!(word_ranges("To settle 5", "to settle"), vec![(0..9)]);
    }
}
