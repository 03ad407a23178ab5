//! Addresses that must not be mailed, learned from SES: its account-level suppression list
//! (polled), and bounce and complaint events (pushed through SNS to `POST /webhooks/ses`).
//!
//! Only hard bounces and complaints suppress. A soft bounce (mailbox full, greylisting) is
//! left to the next reminder.

use jiff::Timestamp;
use serde_json::Value;

use crate::store::{Store, StoreError};

/// One address to suppress, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressed {
    pub address: String,
    /// `bounce` or `complaint`.
    pub reason: String,
    pub detail: Option<String>,
}

/// Every address on the SES account's suppression list, all pages.
pub async fn ses_list(client: &aws_sdk_sesv2::Client) -> Result<Vec<Suppressed>, String> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_suppressed_destinations()
            .set_next_token(token.take())
            .page_size(1000)
            .send()
            .await
            .map_err(|e| {
                use aws_sdk_sesv2::error::ProvideErrorMetadata;
                let code = e.code().unwrap_or("error").to_owned();
                let message = e.message().map_or_else(|| format!("{e:?}"), str::to_owned);
                format!("ListSuppressedDestinations: {code}: {message}")
            })?;
        for summary in page.suppressed_destination_summaries() {
            found.push(Suppressed {
                address: summary.email_address().to_ascii_lowercase(),
                reason: summary.reason().as_str().to_ascii_lowercase(),
                detail: Some("on the SES account suppression list".to_owned()),
            });
        }
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return Ok(found),
        }
    }
}

/// Why an SES event could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct EventError {
    pub field: String,
    pub message: String,
}

fn event_error(field: &str, message: impl Into<String>) -> EventError {
    EventError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The addresses an SES event says to suppress: a permanent bounce's recipients, or a
/// complaint's. Reads both event publishing (`eventType`) and feedback notifications
/// (`notificationType`). Other events (deliveries, soft bounces) suppress nobody.
pub fn from_ses_event(event: &Value) -> Result<Vec<Suppressed>, EventError> {
    let kind = event
        .get("eventType")
        .or_else(|| event.get("notificationType"))
        .and_then(Value::as_str)
        .ok_or_else(|| event_error("eventType", "missing: not an SES event"))?;
    let recipients = |section: &str,
                      list: &str|
     -> Result<Vec<(String, Option<String>)>, EventError> {
        let field = format!("{section}.{list}");
        let entries = event
            .get(section)
            .and_then(|s| s.get(list))
            .and_then(Value::as_array)
            .ok_or_else(|| event_error(&field, "missing"))?;
        entries
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let address = r
                    .get("emailAddress")
                    .and_then(Value::as_str)
                    .ok_or_else(|| event_error(&format!("{field}[{i}].emailAddress"), "missing"))?;
                let diagnostic = r
                    .get("diagnosticCode")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                Ok((address.to_ascii_lowercase(), diagnostic))
            })
            .collect()
    };
    let suppressed = |reason: &str, list: Vec<(String, Option<String>)>| {
        list.into_iter()
            .map(|(address, detail)| Suppressed {
                address,
                reason: reason.to_owned(),
                detail,
            })
            .collect()
    };
    match kind {
        "Bounce" => {
            let bounce_type = event
                .pointer("/bounce/bounceType")
                .and_then(Value::as_str)
                .ok_or_else(|| event_error("bounce.bounceType", "missing"))?;
            if bounce_type == "Permanent" {
                Ok(suppressed(
                    "bounce",
                    recipients("bounce", "bouncedRecipients")?,
                ))
            } else {
                Ok(vec![])
            }
        }
        "Complaint" => Ok(suppressed(
            "complaint",
            recipients("complaint", "complainedRecipients")?,
        )),
        _ => Ok(vec![]),
    }
}

/// Records `entries` as suppressed by `source`; returns how many were new.
pub async fn record(
    store: &Store,
    entries: &[Suppressed],
    source: &str,
    now: Timestamp,
) -> Result<usize, StoreError> {
    let mut added = 0;
    for entry in entries {
        if store
            .suppress(
                &entry.address,
                &entry.reason,
                source,
                entry.detail.as_deref(),
                now,
            )
            .await?
        {
            tracing::info!(address = %entry.address, reason = %entry.reason, source, "suppressed");
            added += 1;
        }
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_hard_bounce_and_a_complaint_suppress_a_soft_bounce_does_not() {
        let hard = json!({
            "eventType": "Bounce",
            "bounce": {
                "bounceType": "Permanent",
                "bouncedRecipients": [{ "emailAddress": "Gone@Acme.example", "diagnosticCode": "550 5.1.1 user unknown" }]
            },
            "mail": { "messageId": "m-1" }
        });
        assert_eq!(
            from_ses_event(&hard).unwrap(),
            [Suppressed {
                address: "gone@acme.example".into(),
                reason: "bounce".into(),
                detail: Some("550 5.1.1 user unknown".into()),
            }]
        );
        let soft = json!({
            "notificationType": "Bounce",
            "bounce": { "bounceType": "Transient", "bouncedRecipients": [{ "emailAddress": "full@acme.example" }] }
        });
        assert_eq!(from_ses_event(&soft).unwrap(), []);
        let complaint = json!({
            "notificationType": "Complaint",
            "complaint": { "complainedRecipients": [{ "emailAddress": "angry@acme.example" }] }
        });
        assert_eq!(from_ses_event(&complaint).unwrap()[0].reason, "complaint");
        let delivery = json!({ "eventType": "Delivery", "delivery": {} });
        assert_eq!(from_ses_event(&delivery).unwrap(), []);
    }

    #[test]
    fn a_malformed_event_names_the_field() {
        assert_eq!(
            from_ses_event(&json!({ "hello": 1 })).unwrap_err().field,
            "eventType"
        );
        let no_address = json!({
            "eventType": "Complaint",
            "complaint": { "complainedRecipients": [{}] }
        });
        assert_eq!(
            from_ses_event(&no_address).unwrap_err().field,
            "complaint.complainedRecipients[0].emailAddress"
        );
    }
}
