//! What can go wrong for a door, in words the door can pass on.

use chaser_activities::store::StoreError;
use chaser_domain::ChaseState;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("unknown invoice `{0}`: no chase has been started for it")]
    UnknownInvoice(String),
    #[error("invoice {number}: the chase is closed ({state})")]
    Closed { number: String, state: ChaseState },
    /// The request itself is wrong (a bad amount, a missing day).
    #[error("{0}")]
    Invalid(String),
    /// The chase refused it; the audit log has the refusal.
    #[error("refused: {0}")]
    Refused(String),
    #[error("Temporal: {0}")]
    Temporal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A Temporal client error, for the operator.
pub(crate) fn temporal(e: impl std::fmt::Display) -> AppError {
    AppError::Temporal(e.to_string())
}
