//! The forwarded-PDF lane: an invoice that arrives as a PDF, alone or attached to an e-mail,
//! read into a [`Proposal`] and checked against the domain.
//!
//! Pure: no network, no AWS SDK, no disk. The caller fetches the bytes (S3, SES inbound) and
//! decides what to do with scans ([`ExtractError::NoText`], for Textract) and with the
//! problems [`validate`] reports.
//!
//! - [`documents_from_file`], [`read_message`], [`documents_from_mime`]: the PDFs to read.
//! - [`pdf_text`]: a PDF's text layer.
//! - [`propose_from_text`]: fields by fixed rules; [`proposal_from_model_json`] reads a
//!   model's answer to [`proposal_json_schema`] instead.
//! - [`validate`]: the proposal as domain types, with every problem and warning.
//! - [`reader`]: [`pdf_text`] in a child process with its own memory, CPU and time limits;
//!   the worker reads every forwarded PDF through it.

mod error;
mod mime;
mod pdf;
mod proposal;
pub mod reader;
mod rules;
mod validate;
mod values;

pub use error::ExtractError;
pub use mime::{Document, InboundMessage, documents_from_file, documents_from_mime, read_message};
pub use pdf::{
    MAX_DOCUMENT_BYTES, MAX_DRAWS, MAX_FORM_DEPTH, MAX_INFLATED_BYTES, MAX_MAPPED_CODES, MAX_PAGES,
    pdf_text,
};
pub use proposal::{
    LineItem, Proposal, ProposalSource, proposal_from_model_json, proposal_json_schema,
};
pub use rules::propose_from_text;
pub use validate::{Problem, Validated, ValidatedLine, validate};
