//! The owner's proposal page (`/proposals/<token>`): shows the fields read, editable, and only
//! its POST approves or rejects, once.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chaser_activities::links::{LinkError, Purpose};
use chaser_activities::store::{ProposalRecord, StoredDocument};
use chaser_extract::{Proposal, validate};
use jiff::Timestamp;
use minijinja::context;
use serde::Deserialize;

use crate::pages;
use crate::state::AppState;
use chaser_workflows::contracts::ProposalState;

use super::fields::lines;

fn link_error(state: &AppState, error: &LinkError) -> Response {
    let status = match error {
        LinkError::Expired(_) => StatusCode::GONE,
        LinkError::Tampered | LinkError::WrongPurpose => StatusCode::BAD_REQUEST,
    };
    let message = format!("{error}. Forward the invoice again for a new one.");
    pages::notice(state, status, "This link cannot be used", &message)
}

/// The open document a proposal link names, or the page saying why not.
async fn open_document(
    state: &AppState,
    token: &str,
) -> Result<(StoredDocument, chaser_activities::links::Claims), Response> {
    let claims = state
        .links
        .verify(token, Purpose::Proposal, Timestamp::now())
        .map_err(|e| link_error(state, &e))?;
    let doc = match state.chaser.store().document(&claims.subject).await {
        Ok(Some(doc)) => doc,
        Ok(None) => {
            return Err(pages::notice(
                state,
                StatusCode::NOT_FOUND,
                "Not found",
                "This document is no longer on record.",
            ));
        }
        Err(e) => {
            tracing::error!(error.message = %e, "reading a document failed");
            return Err(pages::notice(
                state,
                StatusCode::SERVICE_UNAVAILABLE,
                "Not now",
                "Please try again in a minute.",
            ));
        }
    };
    if doc.state == ProposalState::Expired {
        let message = "This link expired: nobody approved the invoice in time. Forward it again for a new one.";
        return Err(pages::notice(
            state,
            StatusCode::GONE,
            "This link cannot be used",
            message,
        ));
    }
    if !doc.is_open() {
        let message = format!(
            "This invoice was {} already{}.",
            doc.state,
            doc.decided_by
                .as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default()
        );
        return Err(pages::notice(
            state,
            StatusCode::CONFLICT,
            "Already decided",
            &message,
        ));
    }
    Ok((doc, claims))
}

const FIELDS: [(&str, &str); 8] = [
    ("number", "Invoice number"),
    ("customer_name", "Customer"),
    ("contact_email", "Customer e-mail"),
    ("amount", "Amount due"),
    ("currency", "Currency"),
    ("issue_date", "Issue date"),
    ("due_date", "Due date"),
    ("terms", "Terms"),
];

fn field_value(p: &Proposal, name: &str) -> String {
    let value = match name {
        "number" => &p.number,
        "customer_name" => &p.customer_name,
        "contact_email" => &p.contact_email,
        "amount" => &p.amount,
        "currency" => &p.currency,
        "issue_date" => &p.issue_date,
        "due_date" => &p.due_date,
        _ => &p.terms,
    };
    value.clone().unwrap_or_default()
}

fn proposal_page(
    state: &AppState,
    status: StatusCode,
    doc: &StoredDocument,
    proposal: &Proposal,
    problems: &[String],
    expires: i64,
) -> Response {
    // Where each value came from, as the reader saw it.
    let fields: Vec<_> = FIELDS
        .iter()
        .map(|&(name, label)| {
            let source = chaser_extract::Field::parse(name)
                .and_then(|f| proposal.evidence_for(f))
                .map(ToString::to_string)
                .unwrap_or_default();
            context! { name, label, value => field_value(proposal, name), source }
        })
        .collect();
    let expires = Timestamp::from_second(expires).map_or_else(
        |_| "-".to_owned(),
        |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
    );
    let ctx = context! {
        title => "Approve this invoice?",
        filename => &doc.filename,
        reader => doc.reader.as_deref().unwrap_or("-"),
        proposer => doc.proposer.as_deref().unwrap_or("-"),
        problems => minijinja::Value::from(minijinja::value::Serde(problems)),
        warnings => &doc.warnings,
        fields,
        lines => minijinja::Value::from(minijinja::value::Serde(&proposal.line_items)),
        template => &proposal.template,
        expires,
        company => &state.company_name,
    };
    pages::render(status, "proposal.html", ctx)
}

/// `GET /proposals/<token>`: the proposal, editable. Never decides anything.
pub async fn show_proposal(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Response {
    match open_document(&state, &token).await {
        Ok((doc, claims)) => {
            let proposal = doc.proposal.clone().unwrap_or_default();
            proposal_page(
                &state,
                StatusCode::OK,
                &doc,
                &proposal,
                &doc.problems,
                claims.expires,
            )
        }
        Err(page) => page,
    }
}

#[derive(Debug, Deserialize)]
pub struct ProposalForm {
    decision: String,
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

/// `POST /proposals/<token>`: approve (with the owner's corrections) or reject, once.
pub async fn decide_proposal(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    Form(form): Form<ProposalForm>,
) -> Response {
    let (doc, claims) = match open_document(&state, &token).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let by = format!("link:{}", claims.issued_to);
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        other => {
            return pages::notice(
                &state,
                StatusCode::BAD_REQUEST,
                "Not done",
                &format!("`{other}` is not a decision: approve or reject"),
            );
        }
    };
    let stored = doc.proposal.clone().unwrap_or_default();
    let mut proposal = stored.clone();
    if approve {
        let get = |name: &str| {
            form.fields
                .get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        proposal.number = get("number");
        proposal.customer_name = get("customer_name");
        proposal.contact_email = get("contact_email");
        proposal.amount = get("amount");
        proposal.currency = get("currency");
        proposal.issue_date = get("issue_date");
        proposal.due_date = get("due_date");
        proposal.terms = get("terms");
        let default_currency = state.default_currency.map(|c| c.code().to_owned());
        let checked = validate(&proposal, default_currency.as_deref());
        if !checked.is_complete() {
            return proposal_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &doc,
                &proposal,
                &lines(&checked.problems),
                claims.expires,
            );
        }
    }
    match state
        .chaser
        .store()
        .use_link(&claims.nonce, "proposal", Timestamp::now())
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return pages::notice(
                &state,
                StatusCode::CONFLICT,
                "Already used",
                "This link was used already; it works once.",
            );
        }
        Err(e) => {
            tracing::error!(error.message = %e, "spending a proposal link failed");
            return pages::notice(
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                "Not now",
                "Please try again in a minute.",
            );
        }
    }
    let store = state.chaser.store();
    if approve && proposal != stored {
        let proposer = format!(
            "{} (corrected by {})",
            doc.proposer.as_deref().unwrap_or("rules"),
            claims.issued_to
        );
        if let Err(e) = store
            .save_proposal(
                &doc.id,
                &ProposalRecord {
                    reader: doc.reader.as_deref().unwrap_or("-"),
                    proposer: &proposer,
                    text: None,
                    proposal: &proposal,
                    problems: &[],
                    warnings: &doc.warnings,
                },
            )
            .await
        {
            tracing::error!(error.message = %e, "saving the corrected proposal failed");
        }
    }
    if let Err(e) = store.set_document_decider(&doc.id, &by).await {
        tracing::error!(error.message = %e, "recording who decided failed");
    }
    match state.chaser.decide_proposal(&doc.id, approve, &by).await {
        Ok(()) if approve => pages::notice(
            &state,
            StatusCode::OK,
            "Approved",
            "The chase starts now. You can follow it with `chaser status` and in the Temporal UI.",
        ),
        Ok(()) => pages::notice(
            &state,
            StatusCode::OK,
            "Rejected",
            "Nothing will be sent for this document.",
        ),
        Err(e) => {
            tracing::error!(error.message = %e, "deciding a proposal failed");
            pages::notice(&state, StatusCode::CONFLICT, "Not done", &e.to_string())
        }
    }
}
