//! The kinds of item the application layer puts in the owner's review queue, as the store
//! keeps them: writers and readers (the CLI, the cockpit, the review e-mail) share these, so a
//! page never waits for a kind no writer raises.

/// A bank payment no open invoice matched (the detail holds the payment).
pub const UNMATCHED_PAYMENT: &str = "unmatched_payment";
/// A bank payment several open invoices matched (the detail holds the payment).
pub const AMBIGUOUS_PAYMENT: &str = "ambiguous_payment";
/// An invoice open in a source's last export and missing from this one; its chase goes on.
pub const VANISHED_FROM_EXPORT: &str = "vanished_from_export";
/// A source says otherwise than the owner decided (never applied).
pub const INTAKE_CONFLICT: &str = "intake_conflict";
/// A scheduled sync could not read its export.
pub const SYNC_FAILED: &str = "sync_failed";
/// The store and Temporal disagree in a way the reconciler leaves to a human.
pub const CHASE_DRIFT: &str = "chase_drift";
/// A Stripe dispute that names no invoice being chased.
pub const UNMATCHED_DISPUTE: &str = "unmatched_dispute";
