//! The payloads of a forwarded document's review: from the stored document to the owner's
//! decision.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Starts the review of one forwarded document, already kept in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalInput {
    pub document_id: String,
    /// Who handed it in: `cli:alice`, `inbound:owner@example.com`.
    #[serde(default)]
    pub received_by: String,
}

/// The document an activity works on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    pub document_id: String,
}

/// The fields read from a document, validated and stored for the owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalReady {
    pub document_id: String,
    /// `INV-2041 · Acme Ltd · USD 1,250.00 · due 2026-12-02`, as far as the document told.
    #[serde(default)]
    pub summary: String,
    /// `textract` or `local`; `rules` or `bedrock:<model>`.
    #[serde(default)]
    pub reader: String,
    #[serde(default)]
    pub proposer: String,
    /// What blocks approving it as read (the owner may correct the fields on the page).
    #[serde(default)]
    pub problems: Vec<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// The owner was sent the approval link, valid until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRequested {
    pub expires_at: Timestamp,
}

/// The owner's answer to a proposal. The approved fields are in the store by then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalDecisionSignal {
    pub approve: bool,
    #[serde(default)]
    pub by: String,
}

/// Where a forwarded document's review stands. The names are stored in the documents table
/// and written in the audit log as `proposal_<state>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    /// Handed in, not read yet.
    Received,
    /// Read; waiting for the owner.
    Proposed,
    Approved,
    Rejected,
    Expired,
    /// Could not be read or turned into an invoice.
    Failed,
}

impl ProposalState {
    pub const ALL: [ProposalState; 6] = [
        ProposalState::Received,
        ProposalState::Proposed,
        ProposalState::Approved,
        ProposalState::Rejected,
        ProposalState::Expired,
        ProposalState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Received => "received",
            ProposalState::Proposed => "proposed",
            ProposalState::Approved => "approved",
            ProposalState::Rejected => "rejected",
            ProposalState::Expired => "expired",
            ProposalState::Failed => "failed",
        }
    }

    pub fn parse(name: &str) -> Option<ProposalState> {
        ProposalState::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Still waiting for the owner.
    pub fn is_open(self) -> bool {
        matches!(self, ProposalState::Received | ProposalState::Proposed)
    }

    /// The audit action that records a review ending in this state.
    pub fn audit_action(self) -> chaser_domain::AuditAction {
        use chaser_domain::AuditAction;
        match self {
            ProposalState::Received | ProposalState::Proposed => AuditAction::ProposalSent,
            ProposalState::Approved => AuditAction::ProposalApproved,
            ProposalState::Rejected => AuditAction::ProposalRejected,
            ProposalState::Expired => AuditAction::ProposalExpired,
            ProposalState::Failed => AuditAction::ProposalFailed,
        }
    }
}

impl std::fmt::Display for ProposalState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a proposal ends: `approved` (with its invoice), `rejected`, `expired` or `failed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalOutcome {
    pub document_id: String,
    pub state: ProposalState,
    #[serde(default)]
    pub invoice: Option<String>,
    #[serde(default)]
    pub reason: String,
}

/// Records a proposal's end in the store and the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseProposal {
    pub document_id: String,
    /// `rejected`, `expired` or `failed`.
    pub state: ProposalState,
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub reason: String,
}
