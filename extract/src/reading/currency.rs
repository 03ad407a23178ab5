//! The invoice's currency worked out from the document's markers, the countries it names and
//! the issuer's template; a marker nothing settles is flagged, never chosen.

use crate::evidence::{Confidence, Field, Flag, FlagKind, Origin, Place};
use crate::grammar::Class;
use crate::template::Template;
use crate::values;

use super::doc::{Doc, Pick};
use super::parse::Kind;

impl Doc<'_> {
    /// The invoice's currency: the total's own marker, a `Currency:` label, the markers of
    /// the document's amounts, a `$` (or `¥`, `kr`, `Rs`) settled by the country in an
    /// address, or the issuer's template. A marker nothing settles is flagged, never chosen.
    pub(super) fn currency(
        &self,
        total: Option<&Pick>,
        template: Option<&Template>,
    ) -> Option<Pick> {
        // 1. The total's own code or symbol.
        if let Some(total) = total
            && let Some(marker) = &total.marker
            && let Some(code) = values::currency_of(marker)
        {
            return Some(worked_out(
                code,
                marker,
                total.run,
                total.label.clone(),
                Confidence::High,
                Some("printed with the total".into()),
            ));
        }
        // 2. A label: `Currency: EUR`.
        for (run, hits) in self.hits.iter().enumerate() {
            for (k, hit) in hits.iter().enumerate() {
                if hit.class == Class::Currency
                    && let Some(pick) = self.pick_at(
                        run,
                        k,
                        &[Place::After, Place::Right, Place::Below],
                        Kind::Currency,
                    )
                {
                    return Some(pick);
                }
            }
        }
        // 3. The markers of every amount on the document.
        let mut codes: Vec<(&'static str, String, usize)> = Vec::new();
        let mut open: Vec<(String, usize)> = Vec::new();
        for (run, r) in self.runs.iter().enumerate() {
            for found in values::amounts(&r.text) {
                match (found.currency, found.marker) {
                    (Some(code), Some(marker)) => codes.push((code, marker, run)),
                    (None, Some(marker)) => open.push((marker, run)),
                    _ => {}
                }
            }
        }
        if let Some((code, marker, run)) = codes.first() {
            if codes.iter().all(|(c, _, _)| c == code) {
                return Some(worked_out(
                    code,
                    marker,
                    *run,
                    None,
                    Confidence::High,
                    Some("the currency of the document's amounts".into()),
                ));
            }
            let all: Vec<&str> = codes.iter().map(|(c, _, _)| *c).collect();
            let mut pick = worked_out("", marker, *run, None, Confidence::Low, None);
            pick.flags.push(Flag {
                field: Field::Currency,
                kind: FlagKind::Ambiguous,
                reason: format!(
                    "the document's amounts are in several currencies ({})",
                    dedup(&all).join(", ")
                ),
            });
            return self.or_template(pick, template);
        }
        // 4. A marker several currencies use, settled by the countries the document names.
        let total_marker = total.and_then(|t| Some((t.marker.clone()?, t.run, t.label.clone())));
        let first_open = || open.first().map(|(m, run)| (m.clone(), *run, None));
        let Some((marker, run, label)) = total_marker.or_else(first_open) else {
            return template.and_then(|t| t.currency_pick(None));
        };
        let options = crate::grammar::currencies_of_marker(&marker).unwrap_or_default();
        let named: Vec<(&str, &str)> = self
            .countries
            .iter()
            .copied()
            .filter(|(_, code)| options.contains(code))
            .collect();
        if let [(country, code)] = named.as_slice() {
            let note = format!(
                "`{marker}` with the address country {}",
                title_case(country)
            );
            return Some(worked_out(
                code,
                &marker,
                run,
                label,
                Confidence::Medium,
                Some(note),
            ));
        }
        let why = if named.is_empty() {
            "no country on the document settles it".to_owned()
        } else {
            format!(
                "the document names {}",
                named
                    .iter()
                    .map(|(c, _)| title_case(c))
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        };
        let mut pick = worked_out("", &marker, run, label, Confidence::Low, None);
        pick.flags.push(Flag {
            field: Field::Currency,
            kind: FlagKind::Ambiguous,
            reason: format!("`{marker}` could be {}: {why}", options.join(", ")),
        });
        self.or_template(pick, template)
    }

    /// The issuer's template settles a currency the document leaves open.
    fn or_template(&self, open: Pick, template: Option<&Template>) -> Option<Pick> {
        match template.and_then(|t| t.currency_pick(Some(&open))) {
            Some(pick) => Some(pick),
            None => Some(open),
        }
    }
}

/// A currency worked out from the document's markers: `code`, or empty while it is open.
fn worked_out(
    code: &str,
    marker: &str,
    run: usize,
    label: Option<String>,
    confidence: Confidence,
    note: Option<String>,
) -> Pick {
    Pick {
        origin: Origin::Inferred,
        label,
        place: None,
        run,
        printed: marker.to_owned(),
        value: code.to_owned(),
        confidence,
        note,
        alternatives: vec![],
        marker: None,
        flags: vec![],
    }
}

fn title_case(name: &str) -> String {
    name.split(' ')
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) if w.len() > 3 => first.to_uppercase().chain(chars).collect(),
                _ => w.to_uppercase(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn dedup<'s>(items: &[&'s str]) -> Vec<&'s str> {
    let mut out: Vec<&str> = Vec::new();
    for item in items {
        if !out.contains(item) {
            out.push(item);
        }
    }
    out
}
