//! The application layer: everything anyone can do to the chaser, in one place.
//!
//! Every door (the CLI, the owner API, one-tap links, the review page, webhooks, bank
//! matching, the sheet sync) is a thin adapter that turns its input into a [`Request`] and
//! calls [`Chaser::execute`], so amounts, deadlines, repeated deliveries and closed chases are
//! handled once, the same way for all of them. The chase itself (the workflow) decides and is
//! the only writer of its state; this layer journals each command so none is lost when
//! Temporal or the worker is away, and the [`reconcile`] run repairs what still drifted.

mod chaser;
mod error;
mod execute;
mod hold;
mod ingest;
pub mod invoices;
pub mod payments;
pub mod reconcile;
pub mod reports;
pub mod review_queue;
pub mod sending;
pub mod sheet;
pub mod sync;
#[cfg(test)]
mod test_support;

pub use chaser::{Chaser, Decided, Policy, StatusSource, custom_cadence, owners_of};
pub use error::AppError;
pub use execute::{Outcome, Request};
pub use ingest::{Incoming, Ingested, Plan};
pub use review_queue::{Resolved, VanishedResolution};
