//! A template at work: recognising its issuer's documents, and reading the fields it places
//! in place of what the labels gave.

use std::collections::BTreeMap;

use crate::evidence::{Confidence, Field, Flag, FlagKind, Origin};
use crate::grammar::fold;
use crate::reading::{Doc, Kind, Pick, Settled, word_ranges};
use crate::values::Order;

use super::{DateOrder, FieldRule, Template, squash};

/// A template's position rule finds the run starting within this many font sizes of it.
const POSITION_SLACK: f32 = 2.0;

impl Template {
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

fn describe(rule: &FieldRule) -> String {
    match (&rule.label, rule.place, rule.page, rule.x, rule.y) {
        (Some(label), Some(place), ..) => format!("{} `{label}`", place.describe()),
        (_, _, Some(page), Some(x), Some(y)) => format!("at page {page} ({x:.0}, {y:.0})"),
        _ => "nowhere".to_owned(),
    }
}
