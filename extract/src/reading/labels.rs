//! Every field as the document's labels give it: the value beside or under each label, the
//! best of several totals, and the e-mail in the customer's address block.

use std::collections::BTreeMap;

use crate::evidence::{Alternative, Confidence, Field, Flag, FlagKind, Origin, Place};
use crate::grammar::{Class, TotalKind};

use super::doc::{Doc, Pick};
use super::parse::{EMAIL, Kind, TERMS};

/// Lines of a customer's address block read for its e-mail.
const BLOCK_LINES: usize = 6;

impl Doc<'_> {
    /// Every field as the labels give it.
    pub(super) fn general_picks(&self) -> BTreeMap<Field, Pick> {
        let mut found: BTreeMap<Field, Vec<(bool, usize, Pick)>> = BTreeMap::new();
        let mut totals: Vec<(TotalKind, bool, usize, Pick)> = Vec::new();
        for (run, hits) in self.hits.iter().enumerate() {
            for (k, hit) in hits.iter().enumerate() {
                let field = match hit.class {
                    Class::Number => Field::Number,
                    Class::IssueDate => Field::IssueDate,
                    Class::DueDate => Field::DueDate,
                    Class::Total(_) => Field::Amount,
                    Class::Customer => Field::CustomerName,
                    Class::Terms => Field::Terms,
                    Class::Currency | Class::Email | Class::Other => continue,
                };
                if !self.label_stands(run, k) {
                    continue;
                }
                // A generic label takes a value beside it (or, for a date, under it); the
                // title `Invoice` takes only a number right after it.
                let places: &[Place] = match (hit.class, hit.weak) {
                    (Class::Customer, _) => &[Place::After, Place::Right, Place::Below],
                    (Class::IssueDate | Class::DueDate, true) => {
                        &[Place::After, Place::Right, Place::Below, Place::Left]
                    }
                    (Class::Number, true) => &[Place::After, Place::Right],
                    (_, true) => &[Place::After, Place::Right, Place::Left],
                    _ => &[
                        Place::After,
                        Place::Right,
                        Place::Before,
                        Place::Below,
                        Place::Left,
                    ],
                };
                let Some(pick) = self.pick_at(run, k, places, Kind::of(field)) else {
                    continue;
                };
                let mut pick = pick;
                if hit.weak {
                    pick.confidence = pick.confidence.min(Confidence::Medium);
                }
                let rank = self.rank(run);
                match hit.class {
                    Class::Total(kind) => totals.push((kind, hit.weak, rank, pick)),
                    _ => found.entry(field).or_default().push((hit.weak, rank, pick)),
                }
            }
        }
        let mut picks: BTreeMap<Field, Pick> = found
            .into_iter()
            .filter_map(|(field, mut list)| {
                // A label that names the field beats a generic one; then the first printed.
                list.sort_by_key(|(weak, rank, _)| (*weak, *rank));
                list.into_iter().next().map(|(_, _, pick)| (field, pick))
            })
            .collect();
        if let Some(total) = choose_total(totals) {
            picks.insert(Field::Amount, total);
        }
        if let Some(customer) = picks.get(&Field::CustomerName)
            && let Some(email) = self.block_email(customer)
        {
            picks.insert(Field::ContactEmail, email);
        }
        if !picks.contains_key(&Field::Terms)
            && let Some(m) = TERMS.find(self.text)
        {
            let at = self
                .runs
                .iter()
                .position(|r| r.text.contains(m.as_str()))
                .unwrap_or(0);
            picks.insert(
                Field::Terms,
                Pick {
                    origin: Origin::Label,
                    label: None,
                    place: None,
                    run: at,
                    printed: m.as_str().to_owned(),
                    value: m.as_str().to_owned(),
                    confidence: Confidence::Medium,
                    note: None,
                    alternatives: vec![],
                    marker: None,
                    flags: vec![],
                },
            );
        }
        picks
    }

    /// A label after words of its run counts only when it ends with a colon (`Guest Name:
    /// Sanjay Date: 31/12/2017`); otherwise it is part of a phrase (`Dear customer`, `Item
    /// total`).
    fn label_stands(&self, run: usize, k: usize) -> bool {
        let text = &self.runs[run].text;
        let hit = &self.hits[run][k];
        let start = k.checked_sub(1).map_or(0, |p| self.hits[run][p].end);
        let before = &text[start..hit.start];
        !before.chars().any(char::is_alphabetic) || text[..hit.end].trim_end().ends_with(':')
    }

    /// The e-mail in the customer's address block: the name's run and the runs under it,
    /// left-aligned with it and a line apart, up to the next label.
    fn block_email(&self, customer: &Pick) -> Option<Pick> {
        let mut run = customer.run;
        for _ in 0..=BLOCK_LINES {
            let text = &self.runs[run].text;
            if let Some(m) = EMAIL.find(text) {
                return Some(Pick {
                    origin: Origin::Label,
                    label: customer.label.clone(),
                    place: Some(Place::Below),
                    run,
                    printed: m.as_str().to_owned(),
                    value: m.as_str().to_owned(),
                    confidence: Confidence::High,
                    note: Some("in the customer's address block".into()),
                    alternatives: vec![],
                    marker: None,
                    flags: vec![],
                });
            }
            let next = self.neighbour(run, Place::Below)?;
            let starts_with_label = self.hits[next].first().is_some_and(|h| {
                h.class != Class::Email && self.runs[next].text[..h.start].trim().is_empty()
            });
            if starts_with_label
                || (self.runs[next].x - self.runs[customer.run].x).abs()
                    > self.runs[next].size * 2.0
            {
                return None;
            }
            run = next;
        }
        None
    }
}

/// The best total: what is owed over the total with tax over a plain total over a total
/// before tax. Totals of the best kind that disagree are flagged, and the last printed is
/// taken; a total before tax taken for want of another is flagged too.
fn choose_total(mut totals: Vec<(TotalKind, bool, usize, Pick)>) -> Option<Pick> {
    totals.sort_by_key(|(kind, weak, rank, _)| (*kind, *weak, std::cmp::Reverse(*rank)));
    let (best_kind, best_weak) = totals.first().map(|(k, w, _, _)| (*k, *w))?;
    let same: Vec<&Pick> = totals
        .iter()
        .filter(|(k, w, _, _)| *k == best_kind && *w == best_weak)
        .map(|(_, _, _, p)| p)
        .collect();
    let mut chosen = same.first().map(|p| (*p).clone())?;
    let mut others: Vec<Alternative> = Vec::new();
    for (_, _, _, p) in &totals {
        if p.value != chosen.value && !others.iter().any(|o| o.value == p.value) {
            others.push(Alternative {
                label: p.label.clone().unwrap_or_default(),
                printed: p.printed.clone(),
                value: p.value.clone(),
            });
        }
    }
    let disagreeing: Vec<&&Pick> = same.iter().filter(|p| p.value != chosen.value).collect();
    if !disagreeing.is_empty() {
        chosen.confidence = chosen.confidence.min(Confidence::Medium);
        let listed: Vec<String> = same
            .iter()
            .map(|p| format!("`{}` {}", p.label.as_deref().unwrap_or("?"), p.printed))
            .collect();
        chosen.flags.push(Flag {
            field: Field::Amount,
            kind: FlagKind::Ambiguous,
            reason: format!(
                "several totals disagree ({}): the last printed, {}, is taken",
                listed.join(", "),
                chosen.printed
            ),
        });
    }
    if best_kind == TotalKind::Net {
        chosen.confidence = Confidence::Low;
        chosen.flags.push(Flag {
            field: Field::Amount,
            kind: FlagKind::Guessed,
            reason: format!(
                "only a {} is printed (`{}`): check whether tax is due",
                best_kind.describe(),
                chosen.label.as_deref().unwrap_or("?")
            ),
        });
    }
    chosen.note = Some(match chosen.note.take() {
        Some(note) => format!("{}; {note}", best_kind.describe()),
        None => best_kind.describe().to_owned(),
    });
    chosen.alternatives = others;
    Some(chosen)
}
