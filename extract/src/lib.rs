//! The forwarded-PDF lane: an invoice that arrives as a PDF, alone or attached to an e-mail,
//! read into a [`Proposal`] and checked against the domain.
//!
//! Pure: no network, no AWS SDK, no disk. The caller fetches the bytes (S3, SES inbound) and
//! decides what to do with scans ([`ExtractError::NoText`], for Textract) and with the
//! problems [`validate`] reports.
//!
//! - [`documents_from_file`], [`read_message`], [`documents_from_mime`]: the PDFs to read.
//! - [`pdf_text`]: a PDF's text layer.
//! - [`pdf_read`]: the text layer with the [`Layout`] of its runs (page, position, size).
//! - [`read_invoice`]: fields by labels in seven languages, matched to their values by
//!   position, each with its [`Evidence`] and every doubt a [`Flag`];
//!   [`propose_from_text`] does the same for text alone. [`proposal_from_model_json`] reads a
//!   model's answer to [`proposal_json_schema`] instead, and [`check_model_proposal`] gives it
//!   the same evidence and flags.
//! - [`Template`]: how one issuer's invoices are read, [`learn`]ed from the owner's
//!   corrections; plain TOML files the caller keeps.
//! - [`validate`]: the proposal as domain types, with every problem and warning.
//! - [`reader`]: [`pdf_read`] in a child process with its own memory, CPU and time limits;
//!   the worker reads every forwarded PDF through it.

mod error;
mod evidence;
mod grammar;
mod layout;
mod lines;
mod mime;
mod pdf;
mod proposal;
pub mod reader;
mod reading;
mod rules;
mod template;
mod validate;
mod values;

pub use error::ExtractError;
pub use evidence::{
    Alternative, Confidence, Evidence, Field, Flag, FlagKind, Origin, Place, Position,
};
pub use layout::{Layout, MAX_RUN_TEXT_BYTES, MAX_RUNS, TextRun};
pub use mime::{Document, InboundMessage, documents_from_file, documents_from_mime, read_message};
pub use pdf::{
    MAX_DOCUMENT_BYTES, MAX_DRAWS, MAX_FORM_DEPTH, MAX_INFLATED_BYTES, MAX_MAPPED_CODES, MAX_PAGES,
    PdfContent, pdf_read, pdf_text,
};
pub use proposal::{
    LineItem, Proposal, ProposalSource, proposal_from_model_json, proposal_json_schema,
};
pub use reading::{check_model_proposal, read_invoice};
pub use rules::propose_from_text;
pub use template::{DateOrder, FieldRule, LearnError, Learned, Template, TemplateError, learn};
pub use validate::{Problem, Validated, ValidatedLine, validate};
