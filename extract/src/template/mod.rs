//! Per-issuer templates: how the invoices of one issuer are read, learned from the owner's
//! corrections ([`learn()`]) and used for the next invoice from that issuer (by `read_invoice`).
//!
//! A template is a plain TOML file the owner can read, edit and delete: the texts that
//! identify the issuer's invoices (`match`), and for each field the label and the place of its
//! value (`label = "Ref."`, `place = "right"`) or, when no label goes with it, its position on
//! the page. It may also say how the issuer writes numeric dates and which currency a bare
//! `$` means on its invoices. This module is pure: the caller reads and writes the files.

mod apply;
mod learn;

use std::collections::BTreeMap;

use chaser_domain::Currency;
use serde::{Deserialize, Serialize};

use crate::evidence::{Field, Place};
use crate::grammar::fold;
use crate::values::Order;

pub use learn::{LearnError, Learned, learn};

/// Why a template file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the template is not valid TOML: {0}")]
    Toml(String),
    #[error("the template {0}")]
    Invalid(String),
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
}

/// `text` with every run of spaces as one.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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
}
