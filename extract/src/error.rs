//! What can go wrong reading a forwarded document, each message saying what to do next.

use crate::pdf::MAX_DOCUMENT_BYTES;

/// Serializable, because the isolated reader's child sends it to the worker as JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum ExtractError {
    #[error("the file is empty: forward the invoice again with the PDF attached")]
    Empty,
    #[error(
        "the file is {} MB, over the {} MB limit: send the invoice on its own, or compress it",
        size.div_ceil(1_000_000),
        MAX_DOCUMENT_BYTES / 1_000_000
    )]
    TooLarge { size: usize },
    #[error(
        "the file does not start with `%PDF-`, so it is not a PDF: attach the invoice as a PDF exported from the accounting tool"
    )]
    NotPdf,
    #[error(
        "the PDF could not be read ({0}): it may be damaged, truncated or password-protected; export it again from the accounting tool"
    )]
    Unreadable(String),
    #[error(
        "the PDF {found}, over the limit of {limit}: the chaser does not read it; export the invoice again from the accounting tool, on its own"
    )]
    OverLimit {
        /// What the document has: `has more than 100 pages`.
        found: String,
        /// The limit it is over: `100 pages`.
        limit: String,
    },
    #[error(
        "the PDF is malformed ({0}): the chaser does not read it; export the invoice again from the accounting tool"
    )]
    Malformed(String),
    #[error(
        "the PDF reader stopped on this document ({0}): it is damaged or built to exhaust the reader; export the invoice again from the accounting tool"
    )]
    ReaderStopped(String),
    #[error(
        "the PDF has no text layer, so it is probably a scan or a photo: send the PDF the accounting tool exported, or have Textract (AWS), which reads scans, extract it"
    )]
    NoText,
    #[error(
        "the message is not a MIME e-mail: pass the raw message as SES stores it, headers included"
    )]
    NotMime,
    #[error(
        "the message has no PDF attachment{}: forward the e-mail with the invoice attached as a PDF",
        found_list(.found)
    )]
    NoPdfAttachment {
        /// Names of the attachments that were not PDFs.
        found: Vec<String>,
    },
    #[error("`{0}` is neither a .pdf nor an .eml file: pass the invoice PDF or the saved e-mail")]
    UnsupportedFile(String),
    #[error(
        "the model's answer holds no JSON object: ask it again to answer with the proposal as JSON only"
    )]
    NoJson,
    #[error("the model's answer, field `{field}`: {message}")]
    ModelField { field: String, message: String },
}

fn found_list(found: &[String]) -> String {
    if found.is_empty() {
        String::new()
    } else {
        format!(" (found {})", found.join(", "))
    }
}
