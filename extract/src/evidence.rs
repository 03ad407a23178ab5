//! Where each proposed value came from, how sure the reader is of it, and what the owner must
//! look at: no field is filled in quietly. The owner's approval page and `chaser proposals`
//! show both; `learn` turns the evidence of an approved proposal into a template.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An invoice field the reader proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Number,
    CustomerName,
    ContactEmail,
    Amount,
    Currency,
    IssueDate,
    DueDate,
    Terms,
}

impl Field {
    pub const ALL: [Field; 8] = [
        Field::Number,
        Field::CustomerName,
        Field::ContactEmail,
        Field::Amount,
        Field::Currency,
        Field::IssueDate,
        Field::DueDate,
        Field::Terms,
    ];

    /// The proposal's field name, as the owner's page and validation name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Number => "number",
            Field::CustomerName => "customer_name",
            Field::ContactEmail => "contact_email",
            Field::Amount => "amount",
            Field::Currency => "currency",
            Field::IssueDate => "issue_date",
            Field::DueDate => "due_date",
            Field::Terms => "terms",
        }
    }

    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the reader is of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// The weakest evidence (a model's value the document does not print, a total before tax
    /// taken for want of another): always flagged for the owner.
    Low,
    /// Worked out (a `$` settled by the country in an address, a date's order from the
    /// document's language), a generic label (`Date`, `Total`), a model's answer found in the
    /// document, or several candidates that disagree.
    Medium,
    /// A label that names the field, a value that reads one way, or the issuer's template.
    High,
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        })
    }
}

/// Where a value is relative to its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// In the label's own run, after it: `Invoice No: 7731`.
    After,
    /// In the label's own run, before it: `993548900Factuurnummer:`.
    Before,
    /// The next run to the right on the label's line.
    Right,
    /// The next run to the left on the label's line.
    Left,
    /// The run under the label.
    Below,
    /// The run over the label.
    Above,
}

impl Place {
    pub fn describe(self) -> &'static str {
        match self {
            Place::After => "after",
            Place::Before => "before",
            Place::Right => "right of",
            Place::Left => "left of",
            Place::Below => "below",
            Place::Above => "above",
        }
    }
}

/// A point on a page: `x` from the left edge, `y` from the top, in points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub page: u16,
    pub x: f32,
    pub y: f32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "page {} at ({:.0}, {:.0})", self.page, self.x, self.y)
    }
}

/// Who gave a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The reader's labels (`read_invoice`).
    Label,
    /// The issuer's template, learned from the owner's corrections.
    Template,
    /// A model's answer (Bedrock).
    Model,
    /// Worked out from other evidence (the currency from a country, a symbol, or the amounts'
    /// markers).
    Inferred,
}

/// Another value that could have been taken, and why it was not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    pub label: String,
    pub printed: String,
    /// The value as the field would hold it (a plain amount, an ISO date).
    pub value: String,
}

/// The evidence for one proposed field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub field: Field,
    pub origin: Origin,
    /// The label as printed (`Total TTC`), when a label gave the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    /// Where the value is printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Position>,
    /// The value as printed: `1 234,56 €`, `7. Mai 2014`.
    pub printed: String,
    /// The value proposed: `1234.56`, `2014-05-07`. The owner's correction differs from it.
    pub value: String,
    pub confidence: Confidence,
    /// Why, when it is not plain from the label: `day first, as German dates are written`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Other candidates printed, for a field that had several (totals).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Alternative>,
}

impl fmt::Display for Evidence {
    /// `` `1,250.00` right of `Total due`, page 1 at (430, 412); high confidence ``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.printed)?;
        match (&self.label, self.place) {
            (Some(label), Some(place)) => write!(f, " {} `{label}`", place.describe())?,
            (Some(label), None) => write!(f, " by `{label}`")?,
            _ => {}
        }
        match self.origin {
            Origin::Template => f.write_str(" (the issuer's template)")?,
            Origin::Model => f.write_str(" (the model's answer)")?,
            Origin::Inferred | Origin::Label => {}
        }
        if let Some(at) = self.at {
            write!(f, ", {at}")?;
        }
        if let Some(note) = &self.note {
            write!(f, ", {note}")?;
        }
        for other in &self.alternatives {
            write!(f, "; also printed: `{}` {}", other.label, other.printed)?;
        }
        write!(f, "; {} confidence", self.confidence)
    }
}

/// Why a field needs the owner's eye.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// The document does not give it.
    Missing,
    /// It reads more than one way: a date's order, several totals, a `$` without a country.
    Ambiguous,
    /// It came from the configuration, not the document.
    Defaulted,
    /// It was worked out or is the weakest kind of evidence: check it.
    Guessed,
}

impl FlagKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::Missing => "missing",
            FlagKind::Ambiguous => "ambiguous",
            FlagKind::Defaulted => "defaulted",
            FlagKind::Guessed => "guessed",
        }
    }
}

/// A field the owner must look at, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub field: Field,
    pub kind: FlagKind,
    pub reason: String,
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.field, self.kind.as_str(), self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_reads_as_a_sentence() {
        let e = Evidence {
            field: Field::Amount,
            origin: Origin::Label,
            label: Some("Total TTC".into()),
            place: Some(Place::Right),
            at: Some(Position {
                page: 1,
                x: 430.2,
                y: 411.6,
            }),
            printed: "1 200,00 €".into(),
            value: "1200.00".into(),
            confidence: Confidence::High,
            note: None,
            alternatives: vec![Alternative {
                label: "Total HT".into(),
                printed: "1 000,00 €".into(),
                value: "1000.00".into(),
            }],
        };
        assert_eq!(
            e.to_string(),
            "`1 200,00 €` right of `Total TTC`, page 1 at (430, 412); also printed: `Total HT` 1 000,00 €; high confidence"
        );
        let flag = Flag {
            field: Field::Currency,
            kind: FlagKind::Ambiguous,
            reason: "`$` names no one currency".into(),
        };
        assert_eq!(
            flag.to_string(),
            "currency: ambiguous: `$` names no one currency"
        );
    }
}
