//! A document prepared for reading: its runs in reading order, the labels in each, what the
//! whole document settles (language, decimal mark, date order), and where a label's value is.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use crate::evidence::{Alternative, Confidence, Field, Flag, FlagKind, Origin, Place, Position};
use crate::grammar::{Hit, Lang, countries_in, labels_in};
use crate::layout::{Layout, TextRun, same_line};
use crate::values::{self, Order};

use super::parse::{
    EMAIL, Kind, Parsed, parse_currency, parse_name, parse_number, parse_terms, trimmed,
};

/// Runs farther apart than this many font sizes are not beside or below each other.
const BELOW_LINES: f32 = 3.0;
/// A customer's name is at most this many font sizes to the right of its label.
const NAME_GAP: f32 = 20.0;
/// Labels read from one document; an invoice has a few dozen.
const MAX_LABELS: usize = 1_000;

/// Something settled once for the whole document, with how sure and why.
#[derive(Debug, Clone)]
pub(crate) struct Settled<T> {
    pub value: T,
    pub confidence: Confidence,
    pub note: String,
}

/// A document prepared for reading: its runs, the labels in each, and what the whole
/// document says about its language, decimal mark and date order.
pub(crate) struct Doc<'a> {
    pub runs: &'a [TextRun],
    pub hits: Vec<Vec<Hit>>,
    /// Each run's place in reading order (page, top to bottom, left to right).
    rank: Vec<usize>,
    /// The runs in reading order.
    by_position: Vec<usize>,
    pub text: &'a str,
    pub lang: Option<Lang>,
    pub decimal: Option<Settled<char>>,
    pub order: Option<Settled<Order>>,
    pub(super) countries: Vec<(&'static str, &'static str)>,
}

/// A value found for a field, and the evidence for it.
#[derive(Debug, Clone)]
pub(crate) struct Pick {
    pub origin: Origin,
    pub label: Option<String>,
    pub place: Option<Place>,
    /// The run the value is printed in.
    pub run: usize,
    pub printed: String,
    pub value: String,
    pub confidence: Confidence,
    pub note: Option<String>,
    pub alternatives: Vec<Alternative>,
    /// For an amount: the currency its marker names, or the marker when it names several.
    pub marker: Option<String>,
    pub flags: Vec<Flag>,
}

impl<'a> Doc<'a> {
    pub(crate) fn new(text: &'a str, layout: &'a Layout) -> Doc<'a> {
        let runs = layout.runs();
        // A document with more labels than any invoice has keeps its first ones, so that no
        // document makes matching them quadratic work.
        let mut budget = MAX_LABELS;
        let hits: Vec<Vec<Hit>> = runs
            .iter()
            .map(|r| {
                let mut found = if budget > 0 {
                    labels_in(&r.text)
                } else {
                    vec![]
                };
                found.truncate(budget);
                budget -= found.len();
                found
            })
            .collect();
        let mut by_position: Vec<usize> = (0..runs.len()).collect();
        by_position.sort_by(|&a, &b| {
            let (ra, rb) = (&runs[a], &runs[b]);
            ra.page
                .cmp(&rb.page)
                .then(ra.y.total_cmp(&rb.y))
                .then(ra.x.total_cmp(&rb.x))
        });
        let mut rank = vec![0; runs.len()];
        for (position, &run) in by_position.iter().enumerate() {
            rank[run] = position;
        }
        let lang = language(&hits);
        let mut doc = Doc {
            runs,
            hits,
            rank,
            by_position,
            text,
            lang,
            decimal: None,
            order: None,
            countries: countries_in(text),
        };
        doc.decimal = doc.decimal_mark();
        doc.order = doc.date_order();
        doc
    }

    /// The mark most amounts prove to be decimal, or the language's.
    fn decimal_mark(&self) -> Option<Settled<char>> {
        let mut votes: HashMap<char, usize> = HashMap::new();
        for found in values::amounts(self.text) {
            if let Some(mark) = values::decimal_mark_of(&found.digits) {
                *votes.entry(mark).or_default() += 1;
            }
        }
        match (votes.get(&'.'), votes.get(&',')) {
            (Some(_), None) => Some(Settled {
                value: '.',
                confidence: Confidence::High,
                note: "the document's amounts use a decimal point".into(),
            }),
            (None, Some(_)) => Some(Settled {
                value: ',',
                confidence: Confidence::High,
                note: "the document's amounts use a decimal comma".into(),
            }),
            _ => self.lang.map(|lang| Settled {
                value: if lang == Lang::En { '.' } else { ',' },
                confidence: Confidence::Medium,
                note: format!(
                    "decimal {} as in {}",
                    if lang == Lang::En { "point" } else { "comma" },
                    lang.name()
                ),
            }),
        }
    }

    /// The order of numeric dates: proven by a date on the document with a part over 12, or
    /// day first in a language other than English.
    fn date_order(&self) -> Option<Settled<Order>> {
        let mut proven: Vec<(Order, &str)> = Vec::new();
        for found in values::dates(self.text) {
            let printed = &self.text[found.start..found.end];
            if let Some(order) = values::order_of(printed) {
                proven.push((order, printed));
            }
        }
        if let Some(&(order, printed)) = proven.first() {
            if proven.iter().all(|(o, _)| *o == order) {
                return Some(Settled {
                    value: order,
                    confidence: Confidence::High,
                    note: format!(
                        "{}, as `{printed}` on the document shows",
                        order_name(order)
                    ),
                });
            }
            return None;
        }
        match self.lang {
            Some(lang) if lang != Lang::En => Some(Settled {
                value: Order::DayFirst,
                confidence: Confidence::Medium,
                note: format!("day first, as {} dates are written", lang.name()),
            }),
            _ => None,
        }
    }

    /// The reading-order rank of a run.
    pub(crate) fn rank(&self, run: usize) -> usize {
        self.rank.get(run).copied().unwrap_or(usize::MAX)
    }

    pub(crate) fn position(&self, run: usize) -> Option<Position> {
        self.runs.get(run).map(|r| Position {
            page: r.page,
            x: r.x,
            y: r.y,
        })
    }

    /// The text of run `run` that can be a value: all of it, or what comes before its first
    /// label (a run that starts with a label is a label, not a value).
    fn value_part(&self, run: usize) -> Option<Range<usize>> {
        let text = &self.runs.get(run)?.text;
        let end = self.hits[run].first().map_or(text.len(), |h| h.start);
        trimmed(text, 0..end)
    }

    /// The nearest run beside or under `run`, in the direction `place`.
    pub(crate) fn neighbour(&self, run: usize, place: Place) -> Option<usize> {
        let me = self.runs.get(run)?;
        // Only the runs of the page within a few lines of this one.
        let window = me.size * BELOW_LINES * 2.0;
        let key = |i: &usize| (self.runs[*i].page, self.runs[*i].y);
        let from = self
            .by_position
            .partition_point(|i| key(i) < (me.page, me.y - window));
        let to = self
            .by_position
            .partition_point(|i| key(i) <= (me.page, me.y + window));
        let candidates = self.by_position[from..to.max(from)]
            .iter()
            .map(|&j| (j, &self.runs[j]))
            .filter(|&(j, _)| j != run);
        match place {
            Place::Right => candidates
                .filter(|(_, r)| same_line(me, r) && r.x >= me.right() - me.size * 0.5)
                .min_by(|(_, a), (_, b)| a.x.total_cmp(&b.x))
                .map(|(j, _)| j),
            Place::Left => candidates
                .filter(|(_, r)| same_line(me, r) && r.right() <= me.x + me.size * 0.5)
                .max_by(|(_, a), (_, b)| a.right().total_cmp(&b.right()))
                .map(|(j, _)| j),
            Place::Below | Place::Above => {
                let below = place == Place::Below;
                candidates
                    .filter(|(_, r)| {
                        let dy = if below { r.y - me.y } else { me.y - r.y };
                        r.page == me.page
                            && dy > me.size.min(r.size) * 0.5
                            && dy <= me.size.max(r.size) * BELOW_LINES
                            && r.x <= me.right() + me.size
                            && r.right() >= me.x - me.size
                    })
                    .min_by(|(_, a), (_, b)| {
                        let key = |r: &TextRun| ((r.y - me.y).abs(), (r.x - me.x).abs());
                        key(a)
                            .partial_cmp(&key(b))
                            .unwrap_or(std::cmp::Ordering::Equal)
                    })
                    .map(|(j, _)| j)
            }
            Place::After | Place::Before => None,
        }
    }

    /// Where the value of a label printed at `label` (bytes of run `run`) would be: in the
    /// run, after it up to the next label or before it from the last one, or in the nearest
    /// run beside or under it.
    pub(crate) fn segment_for(
        &self,
        run: usize,
        label: Range<usize>,
        place: Place,
    ) -> Option<(usize, Range<usize>)> {
        let text = &self.runs.get(run)?.text;
        let hits = &self.hits[run];
        let next = hits
            .iter()
            .find(|n| n.start >= label.end)
            .map_or(text.len(), |n| n.start);
        match place {
            Place::After => trimmed(text, label.end..next).map(|r| (run, r)),
            Place::Before => {
                // Only when nothing follows the label in its run: `993548900Factuurnummer:`.
                if trimmed(text, label.end..next).is_some() {
                    return None;
                }
                let start = hits
                    .iter()
                    .rev()
                    .find(|p| p.end <= label.start)
                    .map_or(0, |p| p.end);
                trimmed(text, start..label.start).map(|r| (run, r))
            }
            _ => {
                let other = self.neighbour(run, place)?;
                self.value_part(other).map(|r| (other, r))
            }
        }
    }

    /// A label's text as printed, without the punctuation that ends it.
    pub(crate) fn label_text(&self, run: usize, hit: &Hit) -> String {
        self.runs[run].text[hit.start..hit.end]
            .trim()
            .trim_end_matches([':', '#', ' '])
            .trim()
            .to_owned()
    }

    /// Reads `kind` out of `text`.
    pub(crate) fn parse(&self, kind: Kind, text: &str) -> Option<Parsed> {
        match kind {
            Kind::Number => parse_number(text),
            Kind::Date(field) => self.parse_date(field, text),
            Kind::Amount => self.parse_amount(text),
            Kind::Name => parse_name(text),
            Kind::Email => EMAIL
                .find(text)
                .map(|m| Parsed::plain(m.range(), m.as_str().to_owned())),
            Kind::Currency => parse_currency(text),
            Kind::Terms => parse_terms(text),
        }
    }

    /// The value at `place` of a label printed at `label` (bytes of run `run`), read as
    /// `kind`.
    pub(crate) fn value_at(
        &self,
        run: usize,
        label: Range<usize>,
        place: Place,
        kind: Kind,
    ) -> Option<(usize, Parsed)> {
        let (value_run, range) = self.segment_for(run, label, place)?;
        let text = &self.runs[value_run].text;
        let mut parsed = self.parse(kind, &text[range.clone()])?;
        parsed.range = range.start + parsed.range.start..range.start + parsed.range.end;
        Some((value_run, parsed))
    }

    /// The first place in `places` that holds a value of `kind` for the label `k` of `run`.
    pub(crate) fn pick_at(
        &self,
        run: usize,
        k: usize,
        places: &[Place],
        kind: Kind,
    ) -> Option<Pick> {
        let hit = self.hits.get(run)?.get(k)?;
        for &place in places {
            if kind == Kind::Name
                && place == Place::Right
                && let Some(j) = self.neighbour(run, place)
                && self.runs[j].x - self.runs[run].right() > self.runs[run].size * NAME_GAP
            {
                continue;
            }
            if let Some((value_run, parsed)) = self.value_at(run, hit.start..hit.end, place, kind) {
                return Some(Pick {
                    origin: Origin::Label,
                    label: Some(self.label_text(run, hit)),
                    place: Some(place),
                    run: value_run,
                    printed: self.runs[value_run].text[parsed.range.clone()].to_owned(),
                    value: parsed.value,
                    confidence: parsed.confidence,
                    note: parsed.note,
                    alternatives: vec![],
                    marker: parsed.marker,
                    flags: parsed.flags,
                });
            }
        }
        None
    }

    /// Reads a date for `field`, settling a numeric one with the document's order.
    fn parse_date(&self, field: Field, text: &str) -> Option<Parsed> {
        let found = values::dates(text).into_iter().next()?;
        let printed = &text[found.start..found.end];
        let range = found.start..found.end;
        let dotted = printed.contains('.') && printed.chars().filter(|c| *c == '.').count() == 2;
        let (order, confidence, note) = match (values::order_of(printed), dotted, &self.order) {
            (Some(o), _, _) => (Some(o), Confidence::High, None),
            (None, true, _) => (
                Some(Order::DayFirst),
                Confidence::High,
                Some("day first, as dates with dots are written".to_owned()),
            ),
            (None, false, Some(settled)) => (
                Some(settled.value),
                settled.confidence,
                Some(settled.note.clone()),
            ),
            (None, false, None) => (None, Confidence::High, None),
        };
        match values::date(printed, order) {
            Ok(date) => {
                let numeric = values::order_of(printed).is_some()
                    || values::date(printed, Some(Order::DayFirst))
                        != values::date(printed, Some(Order::MonthFirst));
                Some(Parsed {
                    range,
                    value: date.to_string(),
                    confidence: if numeric {
                        confidence
                    } else {
                        Confidence::High
                    },
                    note: if numeric { note } else { None },
                    marker: None,
                    flags: vec![],
                })
            }
            Err(why) if why.contains("could be") => Some(Parsed {
                range,
                value: printed.to_owned(),
                confidence: Confidence::Low,
                note: None,
                marker: None,
                flags: vec![Flag {
                    field,
                    kind: FlagKind::Ambiguous,
                    reason: why,
                }],
            }),
            Err(_) => None,
        }
    }

    /// Reads an amount, settling its decimal mark with the document's.
    fn parse_amount(&self, text: &str) -> Option<Parsed> {
        let found = values::amounts_in_value(text).into_iter().next()?;
        let own = values::decimal_mark_of(&found.digits);
        let has_mark = found.digits.contains([',', '.']);
        let (mark, confidence, note) = match (own, &self.decimal) {
            (Some(m), _) => (Some(m), Confidence::High, None),
            (None, _) if !has_mark => (Some('.'), Confidence::High, None),
            (None, Some(settled)) => (
                Some(settled.value),
                settled.confidence,
                Some(settled.note.clone()),
            ),
            (None, None) => (None, Confidence::Low, None),
        };
        let plain = mark.and_then(|m| values::plain_number(&found.digits, m));
        let (value, flags) = match plain {
            Some(plain) => (plain, vec![]),
            None => (
                found.digits.clone(),
                vec![Flag {
                    field: Field::Amount,
                    kind: FlagKind::Ambiguous,
                    reason: format!(
                        "`{}` could be read with either mark as the decimal one: confirm the amount",
                        found.digits
                    ),
                }],
            ),
        };
        Some(Parsed {
            range: found.start..found.end,
            value,
            confidence,
            note,
            marker: found.marker,
            flags,
        })
    }
}

/// The language most of a document's labels are in.
fn language(hits: &[Vec<Hit>]) -> Option<Lang> {
    let mut votes: BTreeMap<Lang, usize> = BTreeMap::new();
    for hit in hits.iter().flatten() {
        if let Some(lang) = hit.lang {
            *votes.entry(lang).or_default() += if hit.weak { 1 } else { 2 };
        }
    }
    let best = votes.values().copied().max()?;
    let leaders: Vec<Lang> = votes
        .iter()
        .filter(|(_, n)| **n == best)
        .map(|(l, _)| *l)
        .collect();
    match leaders.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

fn order_name(order: Order) -> &'static str {
    match order {
        Order::DayFirst => "day first",
        Order::MonthFirst => "month first",
    }
}
