//! Per-issuer templates: how the invoices of one issuer are read, learned from the owner's
//! corrections ([`learn`]) and used for the next invoice from that issuer ([`read_invoice`]).
//!
//! A template is a plain TOML file the owner can read, edit and delete: the texts that
//! identify the issuer's invoices (`match`), and for each field the label and the place of its
//! value (`label = "Ref."`, `place = "right"`) or, when no label goes with it, its position on
//! the page. It may also say how the issuer writes numeric dates and which currency a bare
//! `$` means on its invoices. This module is pure: the caller reads and writes the files.
//!
//! [`read_invoice`]: crate::read_invoice

use std::collections::BTreeMap;
use std::ops::Range;

use chaser_domain::Currency;
use serde::{Deserialize, Serialize};

use crate::evidence::{Confidence, Field, Flag, FlagKind, Origin, Place};
use crate::grammar::{Class, fold, is_title};
use crate::layout::Layout;
use crate::proposal::Proposal;
use crate::reading::{Doc, EMAIL, Kind, Pick, Settled, trimmed};
use crate::values::{self, Order};

/// Why a template file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the template is not valid TOML: {0}")]
    Toml(String),
    #[error("the template {0}")]
    Invalid(String),
}

/// Why nothing could be learned from an approved proposal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LearnError {
    #[error(
        "the document prints nothing that names its issuer (a name at its head that is not a label or a field), so no template can recognise the next one"
    )]
    NoIssuer,
}

/// How an issuer writes numeric dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateOrder {
    DayFirst,
    MonthFirst,
}

impl DateOrder {
    fn order(self) -> Order {
        match self {
            DateOrder::DayFirst => Order::DayFirst,
            DateOrder::MonthFirst => Order::MonthFirst,
        }
    }
}

/// Where one field's value is: beside or under a label, or at a position on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    /// The label as the issuer prints it (compared without case or accents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    /// Without a label: the page and the point (in points from the top-left corner) where
    /// the value starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
}

/// How the invoices of one issuer are read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Who issues the invoices, for the owner's eye and the file's name.
    pub issuer: String,
    /// Texts every invoice of the issuer prints (its name, its e-mail): the template reads a
    /// document that prints all of them.
    #[serde(rename = "match")]
    pub anchors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learned_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_order: Option<DateOrder>,
    /// The currency of the issuer's invoices, for those that print only `$` or no currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// By field name: `number`, `customer_name`, `contact_email`, `amount`, `issue_date`,
    /// `due_date`, `terms`.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldRule>,
}

/// Fields a template can place (the currency is a setting of its own).
const PLACED: [Field; 7] = [
    Field::Number,
    Field::CustomerName,
    Field::ContactEmail,
    Field::Amount,
    Field::IssueDate,
    Field::DueDate,
    Field::Terms,
];

/// A template's position rule finds the run starting within this many font sizes of it.
const POSITION_SLACK: f32 = 2.0;

impl Template {
    /// Reads a template file, refusing what the reader could not use (a field it does not
    /// know, a rule with neither a label and a place nor a position, an unknown currency).
    pub fn from_toml(text: &str) -> Result<Template, TemplateError> {
        let template: Template =
            toml::from_str(text).map_err(|e| TemplateError::Toml(e.message().to_owned()))?;
        let invalid = |what: String| Err(TemplateError::Invalid(what));
        if template.issuer.trim().is_empty() {
            return invalid("names no issuer: set `issuer`".into());
        }
        if template.anchors.is_empty() || template.anchors.iter().any(|a| a.trim().is_empty()) {
            return invalid(
                "has no `match` texts: list texts every invoice of the issuer prints".into(),
            );
        }
        if let Some(code) = &template.currency
            && let Err(e) = Currency::parse(code)
        {
            return invalid(format!("has `currency = \"{code}\"`: {e}"));
        }
        for (name, rule) in &template.fields {
            let known = Field::parse(name).filter(|f| PLACED.contains(f));
            if known.is_none() {
                return invalid(format!(
                    "has a rule for `{name}`, which is not a field: use number, customer_name, contact_email, amount, issue_date, due_date or terms"
                ));
            }
            let labelled =
                rule.label.as_deref().is_some_and(|l| !l.trim().is_empty()) && rule.place.is_some();
            let positioned = rule.page.is_some() && rule.x.is_some() && rule.y.is_some();
            if !labelled && !positioned {
                return invalid(format!(
                    "field `{name}` needs a `label` and a `place`, or a `page`, `x` and `y`"
                ));
            }
        }
        Ok(template)
    }

    /// The file the owner sees: a comment saying what it is and how to change it, then the
    /// template.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!(
            "# How the chaser reads invoices from {}, learned from the owner's corrections.\n\
             # Edit it or delete it. It reads any forwarded invoice that prints every `match` text.\n\
             # Each field is read at `place` (after, before, right, left, below, above) of its\n\
             # `label`, or at `page`, `x`, `y` (points from the page's top-left corner).\n\
             # date_order: day-first or month-first. currency: for invoices that print only `$`.\n\n{body}",
            self.issuer
        )
    }

    /// A file name for the template: the issuer's name in lower case, letters and digits
    /// joined by `-`.
    pub fn file_name(&self) -> String {
        let mut slug = String::new();
        for c in fold(&self.issuer).text.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let slug: String = slug.trim_end_matches('-').chars().take(60).collect();
        if slug.is_empty() {
            "issuer.toml".to_owned()
        } else {
            format!("{}.toml", slug.trim_end_matches('-'))
        }
    }

    /// True when the document prints every `match` text.
    fn matches(&self, haystack: &str) -> bool {
        self.anchors
            .iter()
            .all(|a| haystack.contains(&squash(&fold(a).text)))
    }

    /// The template for the document: the one whose `match` texts it all prints, the one
    /// with most of them when several do.
    pub(crate) fn select<'t>(templates: &'t [Template], doc: &Doc<'_>) -> Option<&'t Template> {
        if templates.is_empty() {
            return None;
        }
        let mut all = String::from(doc.text);
        for run in doc.runs {
            all.push('\n');
            all.push_str(&run.text);
        }
        let haystack = squash(&fold(&all).text);
        templates
            .iter()
            .filter(|t| t.matches(&haystack))
            .max_by_key(|t| (t.anchors.len(), std::cmp::Reverse(t.issuer.clone())))
    }

    /// The issuer's date order, for the reader to settle numeric dates with.
    pub(crate) fn order(&self) -> Option<Settled<Order>> {
        self.date_order.map(|o| Settled {
            value: o.order(),
            confidence: Confidence::High,
            note: format!(
                "{}, as {} writes dates (its template)",
                match o {
                    DateOrder::DayFirst => "day first",
                    DateOrder::MonthFirst => "month first",
                },
                self.issuer
            ),
        })
    }

    /// Reads the fields the template places, replacing what the labels gave. A field the
    /// template expects and the document does not print keeps the labels' value, flagged.
    pub(crate) fn apply(&self, doc: &Doc<'_>, picks: &mut BTreeMap<Field, Pick>) -> Vec<Flag> {
        let mut flags = Vec::new();
        for (name, rule) in &self.fields {
            let Some(field) = Field::parse(name) else {
                continue;
            };
            match self.read_rule(doc, field, rule) {
                Some(pick) => {
                    picks.insert(field, pick);
                }
                None => flags.push(Flag {
                    field,
                    kind: FlagKind::Guessed,
                    reason: format!(
                        "{}'s template reads it {}, which this document does not print: {}",
                        self.issuer,
                        describe(rule),
                        if picks.contains_key(&field) {
                            "read by the labels instead"
                        } else {
                            "enter it"
                        }
                    ),
                }),
            }
        }
        flags
    }

    fn read_rule(&self, doc: &Doc<'_>, field: Field, rule: &FieldRule) -> Option<Pick> {
        let kind = Kind::of(field);
        let (run, parsed, label) = match (&rule.label, rule.place) {
            (Some(label), Some(place)) => {
                let wanted = squash(&fold(label.trim().trim_end_matches(':')).text);
                doc.runs.iter().enumerate().find_map(|(run, r)| {
                    word_ranges(&r.text, &wanted).into_iter().find_map(|range| {
                        let (value_run, parsed) = doc.value_at(run, range.clone(), place, kind)?;
                        Some((
                            value_run,
                            parsed,
                            Some(r.text[range].trim_end_matches(':').trim().to_owned()),
                        ))
                    })
                })?
            }
            _ => {
                let (page, x, y) = (rule.page?, rule.x? as f32, rule.y? as f32);
                let run = doc
                    .runs
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| {
                        r.page == page
                            && (r.x - x).abs() <= r.size * POSITION_SLACK * 3.0
                            && (r.y - y).abs() <= r.size * POSITION_SLACK
                    })
                    .min_by(|(_, a), (_, b)| {
                        let d = |r: &crate::layout::TextRun| (r.x - x).abs() + (r.y - y).abs();
                        d(a).total_cmp(&d(b))
                    })
                    .map(|(i, _)| i)?;
                let parsed = doc.parse(kind, &doc.runs[run].text)?;
                (run, parsed, None)
            }
        };
        Some(Pick {
            origin: Origin::Template,
            label,
            place: rule.place.filter(|_| rule.label.is_some()),
            run,
            printed: doc.runs[run].text[parsed.range.clone()].to_owned(),
            value: parsed.value,
            confidence: if parsed.flags.is_empty() {
                Confidence::High
            } else {
                parsed.confidence
            },
            note: parsed.note,
            alternatives: vec![],
            marker: parsed.marker,
            flags: parsed.flags,
        })
    }

    /// The template's currency, for a document that prints none or only an open marker.
    pub(crate) fn currency_pick(&self, open: Option<&Pick>) -> Option<Pick> {
        let code = self.currency.as_ref()?;
        Some(Pick {
            origin: Origin::Template,
            label: None,
            place: None,
            run: open.map_or(usize::MAX, |p| p.run),
            printed: open.map_or_else(|| code.clone(), |p| p.printed.clone()),
            value: code.to_uppercase(),
            confidence: Confidence::High,
            note: Some(format!("{}'s invoices are in {code}", self.issuer)),
            alternatives: vec![],
            marker: None,
            flags: vec![],
        })
    }
}

/// `text` with every run of spaces as one.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn describe(rule: &FieldRule) -> String {
    match (&rule.label, rule.place, rule.page, rule.x, rule.y) {
        (Some(label), Some(place), ..) => format!("{} `{label}`", place.describe()),
        (_, _, Some(page), Some(x), Some(y)) => format!("at page {page} ({x:.0}, {y:.0})"),
        _ => "nowhere".to_owned(),
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_template_file_round_trips_and_bad_ones_say_why() {
        let mut fields = BTreeMap::new();
        fields.insert(
            "number".to_owned(),
            FieldRule {
                label: Some("Ref.".into()),
                place: Some(Place::Right),
                page: None,
                x: None,
                y: None,
            },
        );
        fields.insert(
            "customer_name".to_owned(),
            FieldRule {
                label: None,
                place: None,
                page: Some(1),
                x: Some(50.0),
                y: Some(180.5),
            },
        );
        let t = Template {
            issuer: "Zuiderzee Tech B.V.".into(),
            anchors: vec![
                "Zuiderzee Tech B.V.".into(),
                "billing@zuiderzee.example".into(),
            ],
            learned_from: Some("document 1f2e".into()),
            date_order: Some(DateOrder::DayFirst),
            currency: Some("CAD".into()),
            fields,
        };
        let text = t.to_toml();
        assert!(text.starts_with("# How the chaser reads invoices from Zuiderzee Tech B.V."));
        assert!(
            text.contains("match = [\"Zuiderzee Tech B.V.\", \"billing@zuiderzee.example\"]"),
            "{text}"
        );
        assert!(
            text.contains("[fields.number]\nlabel = \"Ref.\"\nplace = \"right\""),
            "{text}"
        );
        assert!(text.contains("date_order = \"day-first\""), "{text}");
        assert_eq!(Template::from_toml(&text), Ok(t.clone()));
        assert_eq!(t.file_name(), "zuiderzee-tech-b-v.toml");

        let bad = |toml: &str| Template::from_toml(toml).unwrap_err().to_string();
        assert_eq!(
            bad(
                "issuer = \"A\"\nmatch = [\"A\"]\n[fields.total]\nlabel = \"T\"\nplace = \"right\""
            ),
            "the template has a rule for `total`, which is not a field: use number, customer_name, contact_email, amount, issue_date, due_date or terms"
        );
        assert_eq!(
            bad("issuer = \"A\"\nmatch = [\"A\"]\n[fields.amount]\nlabel = \"T\""),
            "the template field `amount` needs a `label` and a `place`, or a `page`, `x` and `y`"
        );
        assert_eq!(
            bad("issuer = \"A\"\nmatch = []"),
            "the template has no `match` texts: list texts every invoice of the issuer prints"
        );
        assert!(
            bad("issuer = \"A\"\nmatch = [\"A\"]\ncurrency = \"XYZ\"")
                .contains("unknown currency `XYZ`")
        );
        assert!(bad("issuer = ").starts_with("the template is not valid TOML"));
        assert!(bad("issuer = \"A\"\nmatch = [\"A\"]\ncolour = 1").contains("colour"));
    }

    #[test]
    fn labels_are_found_as_whole_words_without_case_or_accents() {
        assert_eq!(word_ranges("Réf.: 77 ref 8", "ref."), vec![(0..6)]);
        assert_eq!(word_ranges("Prefix 1", "ref"), Vec::<Range<usize>>::new());
        assert_eq!(word_ranges("To settle 5", "to settle"), vec![(0..9)]);
    }
}
