//! Temporal workflows of the chaser. They orchestrate and call the pure domain for every
//! decision; they never do I/O (this crate depends on no I/O crate).

pub mod contracts;
pub mod invoice_chase;
pub mod names;

pub use invoice_chase::{ChaseActivities, InvoiceChase};
