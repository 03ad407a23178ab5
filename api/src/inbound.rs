//! The forwarded-PDF lane: documents handed in (`chaser inbound`, `POST /inbound`) are kept in
//! the store and each gets an `InvoiceProposal` workflow. Its activities read the document,
//! propose the invoice, and e-mail the owner a signed, single-use approval link; the owner's
//! page (`/proposals/<token>`) shows the fields, editable, and only its POST approves. Only an
//! approval starts a chase, so nothing read from a document reaches a customer unchecked.

use std::sync::Arc;

use axum::Form;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chaser_activities::documents::{DocumentError, Proposer, Templates, TextReader};
use chaser_activities::links::{LinkError, Links, Purpose};
use chaser_activities::mail::{Mailer, OutgoingEmail};
use chaser_activities::store::{AuditRecord, ProposalRecord, StoredDocument};
use chaser_domain::{Contact, Currency, Customer, Email, Invoice, Money, Role, Terms};
use chaser_extract::{Proposal, Validated, validate};
use chaser_workflows::contracts::{ApprovalRequested, CloseProposal, DocumentRef, ProposalReady};
use chaser_workflows::invoice_proposal::activity_defs;
use chaser_workflows::names;
use jiff::{SignedDuration, Timestamp};
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::pages;
use crate::state::AppState;
use chaser_app::{AppError, Chaser, Incoming};
use chaser_domain::AuditAction;
use chaser_workflows::contracts::ProposalState;

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

/// `field: message` lines for the owner.
fn lines(problems: &[chaser_extract::Problem]) -> Vec<String> {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect()
}

/// `INV-2041 · Acme Ltd · USD 1,250.00 · due 2026-12-02`, as far as the fields go.
fn summary(v: &Validated) -> String {
    let parts = [
        v.number.as_ref().map(ToString::to_string),
        v.customer_name.clone(),
        v.amount.as_ref().map(Money::grouped),
        v.due_date.map(|d| format!("due {d}")),
    ];
    let known: Vec<String> = parts.into_iter().flatten().collect();
    if known.is_empty() {
        "nothing could be read".to_owned()
    } else {
        known.join(" · ")
    }
}

/// The invoice an approved proposal makes, or what is still missing.
fn invoice_of(v: &Validated, owner: &Email) -> Result<Invoice, String> {
    if !v.is_complete() {
        return Err(lines(&v.problems).join("; "));
    }
    let missing = |field: &str| format!("{field}: missing");
    let number = v.number.clone().ok_or_else(|| missing("number"))?;
    let name = v
        .customer_name
        .clone()
        .ok_or_else(|| missing("customer_name"))?;
    let amount = v.amount.ok_or_else(|| missing("amount"))?;
    let issue = v.issue_date.ok_or_else(|| missing("issue_date"))?;
    let due = v.due_date.ok_or_else(|| missing("due_date"))?;
    let terms = v
        .terms
        .clone()
        .unwrap_or(Terms::Custom("as printed".into()));
    let id: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let customer = Customer { id, name };
    let mut invoice = Invoice::new(number, customer, amount, issue, due, terms, owner.clone());
    if let Some(email) = &v.contact_email {
        invoice.contacts = vec![Contact {
            name: String::new(),
            email: email.clone(),
            roles: vec![Role::Billing],
        }];
    }
    invoice.check().map_err(|e| e.to_string())?;
    Ok(invoice)
}

/// The proposal activities, with their clients.
pub struct DocumentDesk {
    pub chaser: Arc<Chaser>,
    pub reader: TextReader,
    pub proposer: Proposer,
    pub mailer: Arc<dyn Mailer>,
    pub links: Links,
    /// Receives every approval link, and owns the invoices approved.
    pub owner: Option<Email>,
    pub from: String,
    pub company: String,
    pub default_currency: Option<Currency>,
    pub approval_ttl: SignedDuration,
    /// The issuers' reading templates: read for every proposal, learned when the owner
    /// approves a corrected one. `None` reads without them.
    pub templates: Option<Templates>,
}

fn unusable(message: String) -> ActivityError {
    ActivityError::application(
        ApplicationFailure::builder(message)
            .type_name(names::failure::DOCUMENT_UNUSABLE.to_owned())
            .non_retryable(true)
            .build(),
    )
}

fn retry(message: String) -> ActivityError {
    ActivityError::application(ApplicationFailure::builder(message).build())
}

fn store_failed(e: chaser_activities::store::StoreError) -> ActivityError {
    retry(e.to_string())
}

impl DocumentDesk {
    fn currency(&self) -> Option<String> {
        self.default_currency.map(|c| c.code().to_owned())
    }

    fn owner(&self) -> Result<&Email, ActivityError> {
        self.owner.as_ref().ok_or_else(|| {
            unusable(
                "email.default_owner is not set: forwarded documents need an owner to approve them"
                    .into(),
            )
        })
    }

    async fn document(&self, id: &str) -> Result<StoredDocument, ActivityError> {
        self.chaser
            .store()
            .document(id)
            .await
            .map_err(store_failed)?
            .ok_or_else(|| unusable(format!("document {id} is not in the store")))
    }

    async fn audit(
        &self,
        doc: &StoredDocument,
        action: AuditAction,
        by: &str,
        detail: String,
    ) -> Result<(), ActivityError> {
        let invoice = doc
            .proposal
            .as_ref()
            .and_then(|p| p.number.clone())
            .unwrap_or_else(|| format!("document-{}", doc.id));
        let workflow_id = names::proposal_workflow_id(&doc.id);
        let record = AuditRecord {
            at: Timestamp::now(),
            invoice,
            workflow_id: workflow_id.clone(),
            action,
            actor: by.to_owned(),
            before: None,
            after: doc.proposal.as_ref().map(|p| json!(p)),
            detail: Some(detail),
            dedup_key: format!("{workflow_id}/{}", action.as_str()),
        };
        self.chaser
            .store()
            .append_audit(&record)
            .await
            .map_err(store_failed)?;
        Ok(())
    }

    pub async fn propose(&self, id: &str) -> Result<ProposalReady, ActivityError> {
        let content = self
            .chaser
            .store()
            .document_content(id)
            .await
            .map_err(store_failed)?
            .ok_or_else(|| unusable(format!("document {id} is not in the store")))?;
        let read = self.reader.read(&content).await.map_err(|e| match e {
            DocumentError::Unreadable(m) => unusable(m),
            DocumentError::Service(m) => retry(m),
        })?;
        let templates = self
            .templates
            .as_ref()
            .map(Templates::load)
            .unwrap_or_default();
        let (proposal, proposer) = match self.proposer.propose(&read, &templates).await {
            Ok(p) => (p, self.proposer.name()),
            // A model that cannot answer this document leaves it to the rules.
            Err(DocumentError::Unreadable(why)) => {
                tracing::warn!(document = id, error.message = %why, "model proposal failed: using the rules");
                (
                    chaser_extract::read_invoice(&read.text, &read.layout, &templates),
                    "rules".to_owned(),
                )
            }
            Err(DocumentError::Service(m)) => return Err(retry(m)),
        };
        let checked = validate(&proposal, self.currency().as_deref());
        let problems = lines(&checked.problems);
        let warnings = lines(&checked.warnings);
        self.chaser
            .store()
            .save_proposal(
                id,
                &ProposalRecord {
                    reader: read.reader,
                    proposer: &proposer,
                    text: Some(&read.text),
                    proposal: &proposal,
                    problems: &problems,
                    warnings: &warnings,
                },
            )
            .await
            .map_err(store_failed)?;
        Ok(ProposalReady {
            document_id: id.to_owned(),
            summary: summary(&checked),
            reader: read.reader.to_owned(),
            proposer,
            problems,
            warnings,
        })
    }

    pub async fn request_approval(&self, id: &str) -> Result<ApprovalRequested, ActivityError> {
        let owner = self.owner()?.clone();
        let doc = self.document(id).await?;
        let now = Timestamp::now();
        let number = doc
            .proposal
            .as_ref()
            .and_then(|p| p.number.clone())
            .unwrap_or_default();
        let claims = Links::claims(
            Purpose::Proposal,
            &number,
            &names::proposal_workflow_id(id),
            id,
            owner.as_str(),
            now,
            self.approval_ttl,
        );
        let expires_at = Timestamp::from_second(claims.expires).unwrap_or(Timestamp::MAX);
        let url = self.links.url("proposals", &claims);
        let checked = doc
            .proposal
            .as_ref()
            .map(|p| validate(p, self.currency().as_deref()));
        let what = checked
            .as_ref()
            .map_or_else(|| "nothing could be read".to_owned(), summary);
        let expires = expires_at.strftime("%Y-%m-%d %H:%M UTC").to_string();
        let mut text = format!(
            "A forwarded invoice was read from {}:\n\n  {what}\n\n",
            doc.filename
        );
        if !doc.problems.is_empty() {
            text.push_str(&format!(
                "To fix before approving:\n  - {}\n\n",
                doc.problems.join("\n  - ")
            ));
        }
        text.push_str(&format!(
            "Check it and approve or reject it here (works once, until {expires}):\n{url}\n\nNothing is sent to the customer unless you approve.\n"
        ));
        let (pause_text, pause_sending) =
            crate::sending::pause_line(&self.links, owner.as_str(), self.approval_ttl);
        text.push_str(&format!("\n{pause_text}\n"));
        let html = pages::render_string(
            "proposal_email.html",
            context! { title => "Approve a forwarded invoice?", filename => &doc.filename, what => &what, problems => &doc.problems, url, expires => &expires, company => &self.company, pause_sending },
        )
        .map_err(retry)?;
        let email = OutgoingEmail {
            from: self.from.clone(),
            reply_to: None,
            to: vec![owner.to_string()],
            cc: vec![],
            subject: format!("Approve a forwarded invoice? {what}"),
            text,
            html,
            attachments: vec![],
        };
        self.mailer
            .send(&email)
            .await
            .map_err(|e| retry(e.to_string()))?;
        self.audit(
            &doc,
            AuditAction::ProposalSent,
            "system",
            format!("approval link e-mailed to {owner}, valid until {expires}"),
        )
        .await?;
        Ok(ApprovalRequested { expires_at })
    }

    pub async fn accept(&self, id: &str) -> Result<String, ActivityError> {
        let owner = self.owner()?.clone();
        let doc = self.document(id).await?;
        if doc.state == ProposalState::Approved {
            return Ok(doc.invoice.unwrap_or_default());
        }
        let proposal = doc
            .proposal
            .clone()
            .ok_or_else(|| unusable(format!("document {id} has no proposal")))?;
        let checked = validate(&proposal, self.currency().as_deref());
        let invoice = invoice_of(&checked, &owner).map_err(unusable)?;
        let number = invoice.number.to_string();
        let by = format!(
            "document:{id} approved by {}",
            doc.decided_by.as_deref().unwrap_or("the owner")
        );
        self.chaser
            .ingest(
                Incoming {
                    invoice,
                    paid: false,
                    balance_known: false,
                },
                &by,
            )
            .await
            .map_err(|e| retry(e.to_string()))?;
        let decided_by = doc.decided_by.clone().unwrap_or_default();
        self.chaser
            .store()
            .close_document(
                id,
                ProposalState::Approved,
                Some(&number),
                &decided_by,
                "approved",
                Timestamp::now(),
            )
            .await
            .map_err(store_failed)?;
        let learned = self.learn(id, &proposal).await;
        self.audit(
            &doc,
            AuditAction::ProposalApproved,
            &decided_by,
            format!("chase of {number} started{learned}"),
        )
        .await?;
        Ok(number)
    }

    /// Learns the issuer's template from an approved proposal the owner corrected (its values
    /// are the owner's, its evidence the reader's), reading the document again for its
    /// layout. Never fails the approval: says what it did, for the audit log.
    async fn learn(&self, id: &str, approved: &Proposal) -> String {
        let Some(templates) = &self.templates else {
            return String::new();
        };
        let corrected = approved.corrections();
        if corrected.is_empty() {
            return String::new();
        }
        let content = match self.chaser.store().document_content(id).await {
            Ok(Some(content)) => content,
            Ok(None) => return "; nothing learned: the document is not in the store".into(),
            Err(e) => return format!("; nothing learned: {e}"),
        };
        let read = match self.reader.read(&content).await {
            Ok(read) => read,
            Err(e) => return format!("; nothing learned: {e}"),
        };
        let known = templates.load();
        let previous = approved
            .template
            .as_ref()
            .and_then(|issuer| known.iter().find(|t| &t.issuer == issuer));
        let learned = match chaser_extract::learn(
            approved,
            &read.text,
            &read.layout,
            previous,
            &format!("document {id}"),
        ) {
            Ok(learned) => learned,
            Err(e) => return format!("; nothing learned: {e}"),
        };
        let fields: Vec<&str> = corrected.iter().map(|f| f.as_str()).collect();
        match templates.save(&learned.template) {
            Ok(path) => format!(
                "; corrected {}: template for {} saved to {}",
                fields.join(", "),
                learned.template.issuer,
                path.display()
            ),
            Err(e) => {
                tracing::warn!(document = id, error.message = %e, "saving a reading template failed");
                format!(
                    "; nothing learned: cannot write to {}: {e}",
                    templates.dir().display()
                )
            }
        }
    }

    pub async fn close(&self, input: &CloseProposal) -> Result<(), ActivityError> {
        let doc = self.document(&input.document_id).await?;
        self.chaser
            .store()
            .close_document(
                &input.document_id,
                input.state,
                None,
                &input.by,
                &input.reason,
                Timestamp::now(),
            )
            .await
            .map_err(store_failed)?;
        self.audit(
            &doc,
            input.state.audit_action(),
            &input.by,
            input.reason.clone(),
        )
        .await
    }
}

#[activities]
impl DocumentDesk {
    #[activity(definition = activity_defs::ProposeInvoice)]
    pub async fn propose_invoice(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: DocumentRef,
    ) -> Result<ProposalReady, ActivityError> {
        self.propose(&input.document_id).await
    }

    #[activity(definition = activity_defs::RequestProposalApproval)]
    pub async fn request_proposal_approval(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: DocumentRef,
    ) -> Result<ApprovalRequested, ActivityError> {
        self.request_approval(&input.document_id).await
    }

    #[activity(definition = activity_defs::AcceptProposal)]
    pub async fn accept_proposal(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: DocumentRef,
    ) -> Result<String, ActivityError> {
        self.accept(&input.document_id).await
    }

    #[activity(definition = activity_defs::CloseProposal)]
    pub async fn close_proposal(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: CloseProposal,
    ) -> Result<(), ActivityError> {
        self.close(&input).await
    }
}

// ---- HTTP ----

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
