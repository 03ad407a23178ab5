//! Who may hand in forwarded invoices by mail (`POST /inbound`), and how many. Every document
//! read costs a proposal, a reader run and an e-mail to the owner, so a stranger's message,
//! or a flood from one sender, must stop here, before anything is stored or started.
//!
//! The sender is the message's `From` address, which only means something because the
//! forwarder in front of the chaser (SES inbound, or any relay) signs the request with
//! `http.inbound_secret` after its own SPF and DKIM checks; the allow-list then names the
//! suppliers whose invoices the owner expects.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chaser_app::Chaser;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

/// The largest forwarded message read: two documents of the documented maximum size, as the
/// MIME reader allows.
pub const MAX_MESSAGE_BYTES: usize = 2 * chaser_extract::MAX_DOCUMENT_BYTES;

/// The configured gate.
#[derive(Debug, Clone, Default)]
pub struct InboundPolicy {
    /// `ap@supplier.example`, or `*@supplier.example` for a domain. Empty: nobody.
    pub allowed_senders: Vec<String>,
    pub max_documents_per_message: usize,
    pub max_documents_per_sender_per_day: usize,
}

impl InboundPolicy {
    /// Whether mail from `sender` (a bare address) may hand in documents.
    pub fn allows(&self, sender: &str) -> bool {
        let sender = sender.trim().to_ascii_lowercase();
        let Some((_, domain)) = sender.rsplit_once('@') else {
            return false;
        };
        self.allowed_senders.iter().any(|allowed| {
            let allowed = allowed.trim().to_ascii_lowercase();
            match allowed.strip_prefix("*@") {
                Some(allowed_domain) => allowed_domain == domain,
                None => allowed == sender,
            }
        })
    }
}

fn refuse(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// Admits a forwarded message: its sender is allowed, it carries no more documents than a
/// message may, and the sender is within its daily quota. Answers the sender's bare address
/// (lower case), or the refusal; nothing is stored either way.
pub(crate) async fn admit(
    chaser: &Chaser,
    policy: &InboundPolicy,
    body: &[u8],
) -> Result<String, Response> {
    let message = chaser_extract::read_message(body)
        .map_err(|e| refuse(StatusCode::BAD_REQUEST, e.to_string()))?;
    let Some(sender) = message.from.map(|f| f.trim().to_ascii_lowercase()) else {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "the message names no sender".into(),
        ));
    };
    if !policy.allows(&sender) {
        tracing::warn!(%sender, "inbound mail from a sender not on inbound.allowed_senders refused");
        return Err(refuse(
            StatusCode::FORBIDDEN,
            format!("{sender} is not on inbound.allowed_senders"),
        ));
    }
    let count = message.documents.len();
    if count > policy.max_documents_per_message {
        return Err(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the message carries {count} PDFs; at most {} are read from one message (inbound.max_documents_per_message)",
                policy.max_documents_per_message
            ),
        ));
    }
    let since = Timestamp::now()
        .checked_sub(SignedDuration::from_hours(24))
        .unwrap_or(Timestamp::MIN);
    let today = chaser
        .store()
        .documents_received_since(&received_by(&sender), since)
        .await
        .map_err(|e| {
            tracing::error!(error.message = %e, "counting a sender's documents failed");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily unavailable, retry later".into(),
            )
        })?;
    if today + count > policy.max_documents_per_sender_per_day {
        return Err(refuse(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "{sender} handed in {today} documents in the last 24 hours; at most {} are read a day (inbound.max_documents_per_sender_per_day)",
                policy.max_documents_per_sender_per_day
            ),
        ));
    }
    Ok(sender)
}

/// Who handed a document in, as the store and the audit log record it.
pub fn received_by(sender: &str) -> String {
    format!("inbound:{sender}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_match_by_address_or_by_domain() {
        let policy = InboundPolicy {
            allowed_senders: vec!["AP@Supplier.example".into(), "*@books.example".into()],
            ..InboundPolicy::default()
        };
        assert!(policy.allows("ap@supplier.example"));
        assert!(policy.allows("billing@BOOKS.example"));
        assert!(!policy.allows("other@supplier.example"));
        assert!(!policy.allows("ap@supplier.example.evil"));
        assert!(!policy.allows("x@sub.books.example"));
        assert!(!policy.allows("not an address"));
        assert!(!InboundPolicy::default().allows("ap@supplier.example"));
    }
}
