//! The forwarded-PDF lane: documents handed in (`chaser inbound`, `POST /inbound`) are kept in
//! the store and each gets an `InvoiceProposal` workflow. Its activities read the document,
//! propose the invoice, and e-mail the owner a signed, single-use approval link; the owner's
//! page (`/proposals/<token>`) shows the fields, editable, and only its POST approves. Only an
//! approval starts a chase, so nothing read from a document reaches a customer unchecked.

mod desk;
mod fields;
mod page;

pub use desk::DocumentDesk;
pub use page::{ProposalForm, decide_proposal, show_proposal};

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::json;

use crate::state::AppState;
use chaser_app::{AppError, Chaser};

/// A document as handed in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HandedIn {
    pub document_id: String,
    pub filename: String,
    /// `false` when the same document was handed in before (nothing new started).
    pub started: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    #[error("{0}")]
    Unreadable(#[from] chaser_extract::ExtractError),
    #[error(transparent)]
    Ops(#[from] AppError),
}

/// Keeps each PDF of `bytes` (a `.pdf`, or a MIME message) and starts its review.
pub async fn hand_in(
    chaser: &Chaser,
    name: &str,
    bytes: &[u8],
    by: &str,
) -> Result<Vec<HandedIn>, InboundError> {
    let documents = chaser_extract::documents_from_file(name, bytes)?;
    let mut handed = vec![];
    for document in documents {
        let (id, _) = chaser
            .store()
            .add_document(&document.filename, &document.bytes, by, Timestamp::now())
            .await
            .map_err(AppError::from)?;
        let started = chaser.start_proposal(&id, by).await?;
        handed.push(HandedIn {
            document_id: id,
            filename: document.filename,
            started,
        });
    }
    Ok(handed)
}

/// `POST /inbound`: a raw MIME message (as SES inbound stores it), signed with
/// `http.inbound_secret`, from an allowed sender. Answers 202 with the documents it started.
pub async fn inbound(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let error = |status: StatusCode, message: String| {
        (status, Json(json!({ "error": message }))).into_response()
    };
    if let Err(refused) = crate::signed::verify_signed(
        state.inbound_secret.as_ref(),
        "http.inbound_secret",
        &headers,
        &body,
    ) {
        return refused.into_response();
    }
    // Allowed senders, in allowed numbers: a stranger's mail stops here, stored nowhere.
    let from = match crate::inbound_gate::admit(&state.chaser, &state.inbound, &body).await {
        Ok(from) => from,
        Err(refused) => return refused,
    };
    let by = crate::inbound_gate::received_by(&from);
    match hand_in(&state.chaser, "inbound.eml", &body, &by).await {
        Ok(documents) => (
            StatusCode::ACCEPTED,
            Json(json!({ "documents": documents })),
        )
            .into_response(),
        Err(InboundError::Unreadable(e)) => error(StatusCode::BAD_REQUEST, e.to_string()),
        Err(InboundError::Ops(e)) => {
            tracing::error!(error.message = %e, "inbound mail failed");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily unavailable, retry later".into(),
            )
        }
    }
}
