//! The layout-aware reader: each field's value is the one printed beside or below its label
//! (or before it, or to its left, when that is where the document put it), whatever order the
//! content stream drew them in, in any of the languages of [`crate::grammar`].
//!
//! Every value carries its evidence (label, place, page position, confidence) and every doubt
//! becomes a flag: a date that reads two ways, totals that disagree, a `$` no country settles.
//! A value the reader settles is written plainly (`1250.00`, `2026-11-02`); one it cannot stays
//! as printed, for validation to report. An issuer's template, when one matches the document,
//! reads the fields it knows first ([`crate::template`]).

mod currency;
mod doc;
mod labels;
mod locate;
mod parse;

use std::collections::BTreeMap;

use crate::evidence::{Confidence, Evidence, Field, Flag, FlagKind, Origin};
use crate::layout::Layout;
use crate::lines::line_items;
use crate::proposal::{Proposal, ProposalSource};
use crate::template::Template;

pub(crate) use doc::{Doc, Pick, Settled};
pub(crate) use locate::word_ranges;
pub(crate) use parse::{EMAIL, Kind, trimmed};

/// The fields every invoice to chase has: one the document does not give is flagged.
const REQUIRED: [Field; 7] = [
    Field::Number,
    Field::CustomerName,
    Field::ContactEmail,
    Field::Amount,
    Field::Currency,
    Field::IssueDate,
    Field::DueDate,
];

/// Reads the invoice fields of a document: its text as the reader gave it and the layout of
/// its runs (from the PDF, from Textract's boxes, or [`Layout::from_text`]). The template of
/// the issuer, when one of `templates` matches the document, reads the fields it knows.
/// Never fails: what it cannot find stays `None`.
pub fn read_invoice(text: &str, layout: &Layout, templates: &[Template]) -> Proposal {
    let (doc, template) = Doc::with_template(text, layout, templates);
    let mut picks = doc.general_picks();
    let mut flags = Vec::new();
    if let Some(t) = template {
        flags.extend(t.apply(&doc, &mut picks));
    }
    let currency = doc.currency(picks.get(&Field::Amount), template);
    if let Some(c) = currency {
        picks.insert(Field::Currency, c);
    }
    let mut proposal = Proposal {
        line_items: line_items(text),
        source: ProposalSource::Rules,
        template: template.map(|t| t.issuer.clone()),
        ..Proposal::default()
    };
    doc.finish(&mut proposal, picks, flags);
    proposal
}

/// Adds the evidence and flags of the reader to a model's proposal: each value is looked for
/// in the document (a value it does not print is flagged), dates and amounts are settled as
/// the reader settles them, the currency is checked against the document's markers, and the
/// issuer's template, when one matches, reads the fields it knows.
pub fn check_model_proposal(
    model: Proposal,
    text: &str,
    layout: &Layout,
    templates: &[Template],
) -> Proposal {
    let (doc, template) = Doc::with_template(text, layout, templates);
    let mut picks = BTreeMap::new();
    for field in Field::ALL {
        if field == Field::Currency {
            continue;
        }
        if let Some(value) = model.get(field).filter(|v| !v.trim().is_empty()) {
            picks.insert(field, doc.locate_model_value(field, value));
        }
    }
    let mut flags = Vec::new();
    if let Some(t) = template {
        flags.extend(t.apply(&doc, &mut picks));
    }
    let printed = doc.currency(picks.get(&Field::Amount), template);
    match (
        model
            .currency
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty()),
        printed,
    ) {
        (_, Some(pick)) if pick.origin == Origin::Template || pick.flags.is_empty() => {
            picks.insert(Field::Currency, pick);
        }
        (Some(said), Some(mut pick)) => {
            // The document leaves the currency open; the model named one: flag it as a guess.
            let options = pick
                .flags
                .iter()
                .map(|f| f.reason.clone())
                .collect::<Vec<_>>();
            pick.value = said.to_uppercase();
            pick.origin = Origin::Model;
            pick.confidence = Confidence::Low;
            pick.flags = vec![Flag {
                field: Field::Currency,
                kind: FlagKind::Ambiguous,
                reason: format!("the model said {said}, but {}", options.join("; ")),
            }];
            picks.insert(Field::Currency, pick);
        }
        (Some(said), None) => {
            picks.insert(Field::Currency, doc.model_currency(said));
        }
        (None, Some(open)) => {
            picks.insert(Field::Currency, open);
        }
        (None, None) => {}
    }
    let mut proposal = Proposal {
        source: model.source,
        line_items: model.line_items,
        template: template.map(|t| t.issuer.clone()),
        ..Proposal::default()
    };
    doc.finish(&mut proposal, picks, flags);
    proposal
}

impl<'a> Doc<'a> {
    /// The document and the template of its issuer, if one of `templates` matches it (its
    /// date order then settles the document's numeric dates).
    fn with_template<'t>(
        text: &'a str,
        layout: &'a Layout,
        templates: &'t [Template],
    ) -> (Doc<'a>, Option<&'t Template>) {
        let mut doc = Doc::new(text, layout);
        let template = Template::select(templates, &doc);
        if let Some(order) = template.and_then(Template::order) {
            doc.order = Some(order);
        }
        (doc, template)
    }

    /// Fills `proposal` with the picks, their evidence and every flag.
    fn finish(&self, proposal: &mut Proposal, picks: BTreeMap<Field, Pick>, mut flags: Vec<Flag>) {
        for (field, pick) in picks {
            let ambiguous_currency = field == Field::Currency && pick.value.is_empty();
            if !ambiguous_currency {
                proposal.set(field, Some(pick.value.clone()));
            }
            flags.extend(pick.flags.iter().cloned());
            if pick.confidence == Confidence::Low && pick.flags.is_empty() {
                flags.push(Flag {
                    field,
                    kind: FlagKind::Guessed,
                    reason: format!("low confidence in `{}`: check it", pick.printed),
                });
            }
            if ambiguous_currency {
                continue;
            }
            proposal.evidence.push(Evidence {
                field,
                origin: pick.origin,
                label: pick.label,
                place: pick.place,
                at: self.position(pick.run),
                printed: pick.printed,
                value: pick.value,
                confidence: pick.confidence,
                note: pick.note,
                alternatives: pick.alternatives,
            });
        }
        // A field the document does not give is flagged too, unless a flag says more.
        for field in REQUIRED {
            if proposal.get(field).is_none() && !flags.iter().any(|f| f.field == field) {
                flags.push(Flag {
                    field,
                    kind: FlagKind::Missing,
                    reason: if field == Field::Currency {
                        "the document prints no currency code or symbol".to_owned()
                    } else {
                        "not printed beside a label the reader knows".to_owned()
                    },
                });
            }
        }
        flags.sort_by_key(|f| f.field);
        flags.dedup();
        proposal.flags = flags;
    }
}
