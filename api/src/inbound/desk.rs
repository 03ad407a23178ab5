//! The `InvoiceProposal` workflow's activities: read a handed-in document, propose its invoice,
//! mail the owner the approval link, and start the chase once approved.

use std::sync::Arc;

use chaser_activities::documents::{DocumentError, Proposer, Templates, TextReader};
use chaser_activities::links::{Links, Purpose};
use chaser_activities::mail::{Mailer, OutgoingEmail};
use chaser_activities::store::{AuditRecord, ProposalRecord, StoredDocument};
use chaser_domain::{Currency, Email};
use chaser_extract::{Proposal, validate};
use chaser_workflows::contracts::{ApprovalRequested, CloseProposal, DocumentRef, ProposalReady};
use chaser_workflows::invoice_proposal::activity_defs;
use chaser_workflows::names;
use jiff::{SignedDuration, Timestamp};
use minijinja::context;
use serde_json::json;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::pages;
use chaser_app::{Chaser, Incoming};
use chaser_domain::AuditAction;
use chaser_workflows::contracts::ProposalState;

use super::fields::{invoice_of, lines, summary};

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
