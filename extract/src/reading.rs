//! The layout-aware reader: each field's value is the one printed beside or below its label
//! (or before it, or to its left, when that is where the document put it), whatever order the
//! content stream drew them in, in any of the languages of [`crate::grammar`].
//!
//! Every value carries its evidence (label, place, page position, confidence) and every doubt
//! becomes a flag: a date that reads two ways, totals that disagree, a `$` no country settles.
//! A value the reader settles is written plainly (`1250.00`, `2026-11-02`); one it cannot stays
//! as printed, for validation to report. An issuer's template, when one matches the document,
//! reads the fields it knows first ([`crate::template`]).

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::Decimal;

use crate::evidence::{
    Alternative, Confidence, Evidence, Field, Flag, FlagKind, Origin, Place, Position,
};
use crate::grammar::{Class, Hit, Lang, TotalKind, countries_in, fold, labels_in};
use crate::layout::{Layout, TextRun, same_line};
use crate::proposal::{Proposal, ProposalSource};
use crate::rules::line_items;
use crate::template::{DateOrder, Template, word_ranges};
use crate::values::{self, Order};

pub(crate) static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
        .unwrap_or_else(|e| unreachable!("e-mail pattern: {e}"))
});

static TERMS: LazyLock<Regex> = LazyLock::new(|| {
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

/// Runs farther apart than this many font sizes are not beside or below each other.
const BELOW_LINES: f32 = 3.0;
/// A customer's name is at most this many font sizes to the right of its label.
const NAME_GAP: f32 = 20.0;
/// Lines of a customer's address block read for its e-mail.
const BLOCK_LINES: usize = 6;
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
    countries: Vec<(&'static str, &'static str)>,
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
    fn plain(range: Range<usize>, value: String) -> Parsed {
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

    /// Every field as the labels give it.
    fn general_picks(&self) -> BTreeMap<Field, Pick> {
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
    fn locate_model_value(&self, field: Field, value: &str) -> Pick {
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
    fn model_currency(&self, said: &str) -> Pick {
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

    /// The invoice's currency: the total's own marker, a `Currency:` label, the markers of
    /// the document's amounts, a `$` (or `¥`, `kr`, `Rs`) settled by the country in an
    /// address, or the issuer's template. A marker nothing settles is flagged, never chosen.
    fn currency(&self, total: Option<&Pick>, template: Option<&Template>) -> Option<Pick> {
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

/// An invoice number: the first word of `text` with a digit in it, not a date or an amount
/// with a currency: `INV-2041`, `2015/07-3`, `BLR_1234` (after `# `).
fn parse_number(text: &str) -> Option<Parsed> {
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
fn parse_name(text: &str) -> Option<Parsed> {
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
fn parse_currency(text: &str) -> Option<Parsed> {
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
fn parse_terms(text: &str) -> Option<Parsed> {
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
