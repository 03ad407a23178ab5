//! Learning a template from a proposal the owner approved: which fields the owner corrected,
//! and for each field the label and place (or the position) where the document prints it.

use std::collections::BTreeMap;
use std::ops::Range;

use chaser_domain::Currency;

use crate::evidence::{Confidence, Field, Origin, Place};
use crate::grammar::{Class, fold, is_title};
use crate::layout::Layout;
use crate::proposal::Proposal;
use crate::reading::{Doc, EMAIL, Kind, trimmed};
use crate::values;

use super::{DateOrder, FieldRule, PLACED, Template, squash};

/// Why nothing could be learned from an approved proposal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LearnError {
    #[error(
        "the document prints nothing that names its issuer (a name at its head that is not a label or a field), so no template can recognise the next one"
    )]
    NoIssuer,
}

impl Proposal {
    /// The fields the owner changed: their value is not the one the reader proposed (amounts
    /// and dates compared as amounts and dates, text without case or spacing).
    pub fn corrections(&self) -> Vec<Field> {
        PLACED
            .iter()
            .copied()
            .chain([Field::Currency])
            .filter(|&field| {
                let now = self.get(field).map(str::trim).filter(|v| !v.is_empty());
                let read = self.evidence_for(field).map(|e| e.value.as_str());
                match (now, read) {
                    (None, None) => false,
                    (Some(now), Some(read)) => {
                        !same_value(field, now, read, self.currency.as_deref())
                    }
                    _ => true,
                }
            })
            .collect()
    }
}

fn same_value(field: Field, a: &str, b: &str, currency: Option<&str>) -> bool {
    match field {
        Field::Amount => {
            let currency = currency.and_then(|c| Currency::parse(c).ok());
            match currency {
                Some(c) => {
                    let parse = |t: &str| values::money(values::without_marker(t, c), c).ok();
                    parse(a).is_some_and(|x| parse(b) == Some(x))
                }
                None => squash(a) == squash(b),
            }
        }
        Field::IssueDate | Field::DueDate => {
            let parse = |t: &str| values::date(t, None).ok();
            parse(a).is_some_and(|x| parse(b) == Some(x))
        }
        _ => squash(&fold(a).text) == squash(&fold(b).text),
    }
}

/// What [`learn`] made of an approved proposal.
#[derive(Debug, Clone, PartialEq)]
pub struct Learned {
    pub template: Template,
    /// Fields the owner corrected.
    pub corrected: Vec<Field>,
    /// Values the document does not print, so nothing was learned for them.
    pub unplaced: Vec<Field>,
}

/// A template from a proposal the owner approved, `approved` holding the owner's values and
/// the reader's evidence: each field's label and place (the reader's, when the owner kept the
/// value; else where the document prints the owner's value, beside which label), the date
/// order the owner's dates show, and the currency the owner chose when the document left it
/// open. `previous`, the issuer's template so far, keeps what this document does not change.
pub fn learn(
    approved: &Proposal,
    text: &str,
    layout: &Layout,
    previous: Option<&Template>,
    learned_from: &str,
) -> Result<Learned, LearnError> {
    let doc = Doc::new(text, layout);
    let corrected = approved.corrections();
    let mut template = match previous {
        Some(t) => t.clone(),
        None => {
            let (issuer, anchors) = issuer_of(&doc, approved).ok_or(LearnError::NoIssuer)?;
            Template {
                issuer,
                anchors,
                learned_from: None,
                date_order: None,
                currency: None,
                fields: BTreeMap::new(),
            }
        }
    };
    template.learned_from = Some(learned_from.to_owned());
    let mut unplaced = Vec::new();
    for field in PLACED {
        let Some(value) = approved.get(field).map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        let evidence = approved.evidence_for(field);
        let kept = !corrected.contains(&field);
        let from_evidence = evidence
            .filter(|_| kept)
            .filter(|e| matches!(e.origin, Origin::Label | Origin::Template))
            .and_then(|e| {
                Some(FieldRule {
                    label: Some(e.label.clone()?),
                    place: Some(e.place?),
                    page: None,
                    x: None,
                    y: None,
                })
            });
        let rule = from_evidence.or_else(|| {
            let (rule, order) = place_value(&doc, field, value, approved.currency.as_deref())?;
            if let Some(order) = order {
                template.date_order = Some(order);
            }
            Some(rule)
        });
        match rule {
            Some(rule) => {
                template.fields.insert(field.as_str().to_owned(), rule);
            }
            None => unplaced.push(field),
        }
    }
    let currency_evidence = approved.evidence_for(Field::Currency);
    let printed_plainly = currency_evidence.is_some_and(|e| {
        e.confidence == Confidence::High
            && e.origin != Origin::Template
            && !corrected.contains(&Field::Currency)
    });
    if let Some(code) = approved.currency.as_deref().filter(|_| !printed_plainly) {
        template.currency = Some(code.trim().to_uppercase());
    }
    Ok(Learned {
        template,
        corrected,
        unplaced,
    })
}

/// The issuer's name (the first line of the first page that is not a title, a label or a
/// field's value) and the texts that identify its invoices: the name, and an e-mail address
/// that is not the customer's.
fn issuer_of(doc: &Doc<'_>, approved: &Proposal) -> Option<(String, Vec<String>)> {
    let values: Vec<String> = crate::evidence::Field::ALL
        .iter()
        .filter_map(|f| approved.get(*f))
        .map(|v| fold(v).text)
        .collect();
    let mut order: Vec<usize> = (0..doc.runs.len())
        .filter(|&i| doc.runs[i].page == 1)
        .collect();
    order.sort_by_key(|&i| doc.rank(i));
    let name = order.iter().copied().find(|&i| {
        let text = doc.runs[i].text.trim();
        let folded = fold(text).text;
        text.chars().filter(|c| c.is_alphabetic()).count() >= 3
            && !is_title(text)
            && doc.hits[i].is_empty()
            && !EMAIL.is_match(text)
            && values::dates(text).is_empty()
            && values::amounts(text).is_empty()
            && !values
                .iter()
                .any(|v| folded.contains(v.as_str()) || v.contains(folded.as_str()))
    })?;
    let name = doc.runs[name].text.trim().to_owned();
    let customer_email = approved
        .contact_email
        .as_deref()
        .map(|e| e.trim().to_lowercase());
    let email = order.iter().find_map(|&i| {
        EMAIL
            .find_iter(&doc.runs[i].text)
            .map(|m| m.as_str().to_owned())
            .find(|e| Some(e.to_lowercase()) != customer_email)
    });
    let mut anchors = vec![name.clone()];
    anchors.extend(email);
    Some((name, anchors))
}

/// Where the document prints `value` for `field`, and the rule that finds it there: beside the
/// best label-like text around it, else its position. For a numeric date that reads two ways,
/// also the order that gives the owner's date.
fn place_value(
    doc: &Doc<'_>,
    field: Field,
    value: &str,
    currency: Option<&str>,
) -> Option<(FieldRule, Option<DateOrder>)> {
    let kind = Kind::of(field);
    let mut spots: Vec<(usize, Range<usize>, Option<DateOrder>)> = Vec::new();
    for (run, r) in doc.runs.iter().enumerate() {
        for (range, order) in doc.occurrences(kind, &r.text, value, currency) {
            spots.push((run, range, order));
        }
    }
    let mut best: Option<(u8, usize, FieldRule, Option<DateOrder>)> = None;
    for (run, range, order) in spots {
        let (score, rule) = label_for(doc, field, run, &range).unwrap_or_else(|| {
            let r = &doc.runs[run];
            (
                0,
                FieldRule {
                    label: None,
                    place: None,
                    page: Some(r.page),
                    x: Some(round(r.x)),
                    y: Some(round(r.y)),
                },
            )
        });
        let rank = doc.rank(run);
        let better = best
            .as_ref()
            .is_none_or(|(s, rk, _, _)| score > *s || (score == *s && rank < *rk));
        if better {
            best = Some((score, rank, rule, order));
        }
    }
    best.map(|(_, _, rule, order)| (rule, order))
}

fn round(v: f32) -> f64 {
    (f64::from(v) * 10.0).round() / 10.0
}

/// The label printed with a value at `range` of run `run`, and how good a label it is: 3 for
/// one the reader knows for this field, 2 for one that ends with a colon, 1 for other short
/// text without digits.
fn label_for(
    doc: &Doc<'_>,
    field: Field,
    run: usize,
    range: &Range<usize>,
) -> Option<(u8, FieldRule)> {
    let text = &doc.runs[run].text;
    let mut found: Vec<(u8, String, Place)> = Vec::new();
    let mut consider =
        |label_text: &str, place: Place, hits: &[crate::grammar::Hit], offset: usize| {
            let label = label_text.trim().trim_end_matches([':', '#']).trim();
            let words = label.split_whitespace().count();
            if label.chars().filter(|c| c.is_alphabetic()).count() < 2
                || words > 6
                || label.chars().any(|c| c.is_ascii_digit())
                || EMAIL.is_match(label)
            {
                return;
            }
            let known = hits
                .iter()
                .any(|h| h.start >= offset && class_field(h.class) == Some(field));
            let score = if known {
                3
            } else if label_text.trim_end().ends_with(':') {
                2
            } else {
                1
            };
            found.push((score, label.to_owned(), place));
        };
    // In the value's own run, before it, then after it.
    if let Some(before) = trimmed(text, 0..range.start) {
        consider(
            &text[before.clone()],
            Place::After,
            &doc.hits[run],
            before.start,
        );
    }
    if let Some(after) = trimmed(text, range.end..text.len()) {
        consider(
            &text[after.clone()],
            Place::Before,
            &doc.hits[run],
            after.start,
        );
    }
    // Beside it and over it (the value's label is to its left or above).
    for (place, label_place) in [
        (Place::Left, Place::Right),
        (Place::Above, Place::Below),
        (Place::Right, Place::Left),
    ] {
        if let Some(other) = doc.neighbour(run, place) {
            // The label's own neighbour at `label_place` must be this run.
            if doc.neighbour(other, label_place) == Some(run) {
                consider(&doc.runs[other].text, label_place, &doc.hits[other], 0);
            }
        }
    }
    let (score, label, place) = found.into_iter().max_by_key(|(s, _, _)| *s)?;
    Some((
        score,
        FieldRule {
            label: Some(label),
            place: Some(place),
            page: None,
            x: None,
            y: None,
        },
    ))
}

fn class_field(class: Class) -> Option<Field> {
    match class {
        Class::Number => Some(Field::Number),
        Class::IssueDate => Some(Field::IssueDate),
        Class::DueDate => Some(Field::DueDate),
        Class::Total(_) => Some(Field::Amount),
        Class::Customer => Some(Field::CustomerName),
        Class::Email => Some(Field::ContactEmail),
        Class::Terms => Some(Field::Terms),
        Class::Currency | Class::Other => None,
    }
}
