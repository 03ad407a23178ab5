//! The sheet lane: accounting exports (CSV or XLSX) read into invoices, and the diff against
//! what the chaser saw last time.
//!
//! Pure: the caller reads the bytes (a file, S3, HTTPS) and acts on the result. Nothing here
//! touches the network, the disk, the clock or Temporal, so a workflow can run it as is.
//!
//! - [`read_export`] detects the format and the layout that wrote the file (a tool's export
//!   or report, [`LayoutName`], or a plain spreadsheet read by common column names), and
//!   returns every invoice as an [`IntakeRow`], every row the owner must look at first as
//!   [`Flagged`], every row that is no debt as [`Skipped`] and every bad one as a
//!   [`RowError`]; [`Export::outcomes`] lists them line by line. A problem with the file as a
//!   whole is a [`FileError`].
//! - [`suggest_mapping`] writes an `[intake.custom]` block for a file no layout fits.
//! - [`diff`] compares an [`Export`] with the previous [`Snapshot`].
//! - [`read_statement`] reads a bank statement into incoming payments ([`BankPayment`]), and
//!   [`match_payment`] decides which open invoice each one pays.
//! - [`verify_signature`] checks a Stripe webhook, and [`parse_event`] reads it into a
//!   [`StripeAction`].
//! - [`webhook`] reads the bodies of the chaser's own webhooks (accounting events, bank
//!   payments), and [`signature`] checks their `X-Chaser-Signature`.

mod amounts;
mod bank;
mod dates;
mod diff;
mod error;
mod export;
mod field;
mod format;
mod group;
mod mapping;
mod matching;
mod outcome;
mod presets;
mod report;
mod row;
pub mod signature;
mod status;
mod stripe;
mod suggest;
mod synonyms;
pub mod webhook;

pub use bank::{BankPayment, Statement, StatementOptions, StatementRowError, read_statement};
pub use dates::DateFormat;
pub use diff::{Change, ChangedField, Diff, Snapshot, SnapshotEntry, Vanished, diff};
pub use error::{FileError, NearMiss, RowError};
pub use export::{Options, read_export, read_export_with_progress};
pub use format::{MAX_CELLS, MAX_COLUMNS, MAX_INPUT_BYTES, MAX_ROWS, MAX_UNCOMPRESSED_BYTES};
pub use matching::{Allocation, MatchBasis, MatchOutcome, OpenInvoice, match_payment};
pub use outcome::{
    Export, FlagReason, Flagged, IntakeRow, LineOutcome, LineState, SkipReason, Skipped,
};
pub use presets::{CustomMapping, LayoutName, PresetName};
pub use status::RowStatus;
pub use stripe::{
    DEFAULT_TOLERANCE_SECS, StripeAction, StripeEvent, StripeEventError, StripeInvoice,
    StripeSignatureError, parse_event, verify_signature,
};
pub use suggest::suggest_mapping;
