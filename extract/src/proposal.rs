//! An invoice as read from a document, before validation: every value is the text as found,
//! so that the owner sees what the document said and what the chaser made of it.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ExtractError;

/// Who proposed the fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalSource {
    /// The deterministic rules of [`crate::propose_from_text`].
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Proposal {
    pub number: Option<String>,
    pub customer_name: Option<String>,
    pub contact_email: Option<String>,
    /// The total due, without its currency: `1,250.00`.
    pub amount: Option<String>,
    /// ISO-4217 code: `USD`.
    pub currency: Option<String>,
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    /// As written: `Net 30`, `Due on receipt`.
    pub terms: Option<String>,
    pub line_items: Vec<LineItem>,
    pub source: ProposalSource,
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
    let mut proposal: Proposal =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
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
    proposal.source = ProposalSource::Model;
    Ok(proposal)
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
