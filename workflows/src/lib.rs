//! Temporal workflows of the chaser. They orchestrate and call the pure domain for every
//! decision; they never do I/O (this crate depends on no I/O crate).

pub mod contracts;
pub mod daily_review;
pub mod invoice_chase;
pub mod invoice_proposal;
pub mod monthly_summary;
pub mod names;
pub mod reconcile;
pub mod sheet_sync;

pub use daily_review::{DailyReview, DailyReviewActivities};
pub use invoice_chase::{ChaseActivities, InvoiceChase};
pub use invoice_proposal::{InvoiceProposal, ProposalActivities};
pub use monthly_summary::{MonthlySummary, MonthlySummaryActivities};
pub use reconcile::{Reconcile, ReconcileActivities};
pub use sheet_sync::{SheetSync, SheetSyncActivities};
