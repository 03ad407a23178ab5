//! An invoice as read from a document, before validation: every value is the text as found,
//! so that the owner sees what the document said and what the chaser made of it.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ExtractError;
use crate::evidence::{Evidence, Field, Flag};

/// Who proposed the fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalSource {
    /// The deterministic rules of `propose_from_text`.
    #[default]
    Rules,
    /// A language model's answer, read by [`proposal_from_model_json`].
    Model,
}

/// One billed line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineItem {
    pub description: String,
    /// As written on the line, without its currency: `1,200.00`.
    pub amount: String,
}

/// The invoice fields a document gave; `None` where it gave nothing.
///
/// A value the reader settled is written plainly (an amount as `1250.00`, a date as
/// `2026-11-02`) and its [`Evidence`] keeps it as printed; a value it could not settle stays
/// as printed (`03/04/2026`) for `validate` to report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Proposal {
    pub number: Option<String>,
    pub customer_name: Option<String>,
    pub contact_email: Option<String>,
    /// The total due, without its currency: `1250.00`, or `1,250.00` as a model or the owner
    /// wrote it.
    pub amount: Option<String>,
    /// ISO-4217 code: `USD`.
    pub currency: Option<String>,
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    /// As written: `Net 30`, `Due on receipt`.
    pub terms: Option<String>,
    pub line_items: Vec<LineItem>,
    pub source: ProposalSource,
    /// Where each value came from. After the owner corrects a field, its evidence still says
    /// what was read, so the correction can be learned.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// What the owner must look at.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    /// The issuer whose template read the document, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

impl Proposal {
    /// The value of `field`.
    pub fn get(&self, field: Field) -> Option<&str> {
        match field {
            Field::Number => self.number.as_deref(),
            Field::CustomerName => self.customer_name.as_deref(),
            Field::ContactEmail => self.contact_email.as_deref(),
            Field::Amount => self.amount.as_deref(),
            Field::Currency => self.currency.as_deref(),
            Field::IssueDate => self.issue_date.as_deref(),
            Field::DueDate => self.due_date.as_deref(),
            Field::Terms => self.terms.as_deref(),
        }
    }

    /// Sets `field` (blank is `None`).
    pub fn set(&mut self, field: Field, value: Option<String>) {
        let value = value.filter(|v| !v.trim().is_empty());
        let slot = match field {
            Field::Number => &mut self.number,
            Field::CustomerName => &mut self.customer_name,
            Field::ContactEmail => &mut self.contact_email,
            Field::Amount => &mut self.amount,
            Field::Currency => &mut self.currency,
            Field::IssueDate => &mut self.issue_date,
            Field::DueDate => &mut self.due_date,
            Field::Terms => &mut self.terms,
        };
        *slot = value;
    }

    /// The evidence for `field`, if the reader found it.
    pub fn evidence_for(&self, field: Field) -> Option<&Evidence> {
        self.evidence.iter().find(|e| e.field == field)
    }
}

/// A model's answer: the fields of [`proposal_json_schema`] and nothing else, so that an
/// answer cannot bring evidence or flags of its own.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ModelAnswer {
    number: Option<String>,
    customer_name: Option<String>,
    contact_email: Option<String>,
    amount: Option<String>,
    currency: Option<String>,
    issue_date: Option<String>,
    due_date: Option<String>,
    terms: Option<String>,
    line_items: Vec<LineItem>,
}

/// The JSON schema of the answer asked of a model (Bedrock Converse tool input): every field
/// required, `null` when the document does not say, no other properties.
pub fn proposal_json_schema() -> Value {
    let text =
        |description: &str| json!({ "type": ["string", "null"], "description": description });
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": [
            "number", "customer_name", "contact_email", "amount", "currency",
            "issue_date", "due_date", "terms", "line_items"
        ],
        "properties": {
            "number": text("The invoice number exactly as printed, e.g. INV-2041."),
            "customer_name": text("The billed customer (the Bill to party), not the sender."),
            "contact_email": text("The billed customer's e-mail address, not the sender's."),
            "amount": text("The total due as printed, without currency, e.g. 1,250.00."),
            "currency": text("ISO-4217 code of the total, e.g. USD; null if the document does not make it certain."),
            "issue_date": text("The invoice date exactly as printed."),
            "due_date": text("The due date exactly as printed."),
            "terms": text("The payment terms as printed, e.g. Net 30 or Due on receipt."),
            "line_items": {
                "type": "array",
                "description": "The billed lines, in order.",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["description", "amount"],
                    "properties": {
                        "description": { "type": "string" },
                        "amount": { "type": "string", "description": "As printed, without currency." }
                    }
                }
            }
        }
    })
}

/// Reads a model's answer: the first JSON object in it, so fences (```json) and prose around
/// it are tolerated. A value of the wrong type is an error naming its field.
pub fn proposal_from_model_json(text: &str) -> Result<Proposal, ExtractError> {
    let json = first_object(text).ok_or(ExtractError::NoJson)?;
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let answer: ModelAnswer = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let field = e.path().to_string();
        let message = e.into_inner().to_string();
        // serde_json appends "at line 1 column 42", which means nothing to the owner.
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        ExtractError::ModelField { field, message }
    })?;
    Ok(Proposal {
        number: answer.number,
        customer_name: answer.customer_name,
        contact_email: answer.contact_email,
        amount: answer.amount,
        currency: answer.currency,
        issue_date: answer.issue_date,
        due_date: answer.due_date,
        terms: answer.terms,
        line_items: answer.line_items,
        source: ProposalSource::Model,
        ..Proposal::default()
    })
}

/// The first `{...}` in `text` that is a JSON object; prose may hold braces of its own.
fn first_object(text: &str) -> Option<&str> {
    text.match_indices('{')
        .filter_map(|(start, _)| balanced(&text[start..]))
        .find(|candidate| serde_json::from_str::<serde_json::Map<String, Value>>(candidate).is_ok())
}

/// The balanced `{...}` that `text` starts with, skipping braces inside JSON strings.
fn balanced(text: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(&text[..=i]);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_first_object_skips_fences_prose_and_braces_in_strings() {
        assert_eq!(
            first_object("Here: ```json\n{\"a\":\"}\"}\n```"),
            Some("{\"a\":\"}\"}")
        );
        assert_eq!(
            first_object("{\"a\":{\"b\":1}} {\"c\":2}"),
            Some("{\"a\":{\"b\":1}}")
        );
        assert_eq!(first_object("no json"), None);
        assert_eq!(first_object("{as asked} {\"a\":1}"), Some("{\"a\":1}"));
        assert_eq!(first_object("{\"unclosed\": 1"), None);
    }

    #[test]
    fn the_schema_requires_every_property_and_allows_no_other() {
        let schema = proposal_json_schema();
        let properties = schema["properties"].as_object().unwrap();
        let required = schema["required"].as_array().unwrap();
        assert_eq!(properties.len(), required.len());
        assert!(
            required
                .iter()
                .all(|r| properties.contains_key(r.as_str().unwrap()))
        );
        assert_eq!(schema["additionalProperties"], false);
    }
}
