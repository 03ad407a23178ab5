//! The text layer of a PDF. PDF parsers are large and fed hostile input, so the size and the
//! header are checked first, then the document's structure (below), and a panic inside the
//! parser becomes an error.
//!
//! The structure check mirrors what `pdf-extract` will do and refuses what would take it down
//! before it starts: a page whose `/Parent` chain loops (its inherited-attribute lookup
//! recurses forever), a form XObject that draws itself or nests too deep (its `Do` recurses),
//! XObjects drawn more often than [`MAX_DRAWS`] (a small file that draws a form that draws two
//! forms... is exponential work), character-code ranges wider than [`MAX_MAPPED_CODES`] (it
//! fills a map with every code of a ToUnicode `bfrange` or CID `W` range: 2^32 of them from a
//! few bytes), more than [`MAX_PAGES`] pages, and more than [`MAX_INFLATED_BYTES`] of streams
//! inflated (a 1 MB stream can inflate to 1 GiB; a stream is inflated each time it is drawn).
//!
//! What this cannot catch, it cannot catch in-process: `lopdf` inflates object streams while
//! it loads, and a stack overflow or an allocation failure aborts the process whatever
//! `catch_unwind` does. So the worker never calls [`pdf_text`] itself: the isolated reader runs
//! it in a child process with its own memory, CPU and time limits.

mod decode;
mod limits;
mod scan;
mod structure;

use std::panic::{AssertUnwindSafe, catch_unwind};

use lopdf::Document;
use serde::{Deserialize, Serialize};

use crate::error::ExtractError;
use crate::layout::{Collector, Layout};

pub use limits::{
    MAX_DOCUMENT_BYTES, MAX_DRAWS, MAX_FORM_DEPTH, MAX_INFLATED_BYTES, MAX_MAPPED_CODES, MAX_PAGES,
};
use structure::check_structure;

/// A PDF's text layer: the text, pages in order, and where each run of it is printed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PdfContent {
    pub text: String,
    pub layout: Layout,
}

/// The text of a PDF, pages in order; see [`pdf_read`].
pub fn pdf_text(bytes: &[u8]) -> Result<String, ExtractError> {
    pdf_read(bytes).map(|content| content.text)
}

/// The text of a PDF and its layout, from one pass over the content streams. Refuses non-PDF
/// bytes, oversize input, documents over the limits above, unreadable files and PDFs without
/// a text layer (scans), each with its own [`ExtractError`].
pub fn pdf_read(bytes: &[u8]) -> Result<PdfContent, ExtractError> {
    check_pdf(bytes)?;
    let content = catch_unwind(AssertUnwindSafe(|| extract(bytes)))
        .map_err(|panic| ExtractError::Unreadable(panic_message(panic.as_ref())))??;
    if content.text.chars().any(char::is_alphanumeric) {
        Ok(content)
    } else {
        Err(ExtractError::NoText)
    }
}

fn extract(bytes: &[u8]) -> Result<PdfContent, ExtractError> {
    let unreadable = |e: &dyn std::fmt::Display| ExtractError::Unreadable(e.to_string());
    let mut doc = Document::load_mem(bytes).map_err(|e| unreadable(&e))?;
    // What `pdf-extract` does for its own loads: an owner password alone is opened.
    if doc.is_encrypted() {
        doc.decrypt("").map_err(|e| unreadable(&e))?;
    }
    check_structure(&doc)?;
    let mut text = String::new();
    let mut plain = pdf_extract::PlainTextOutput::new(&mut text as &mut String);
    let mut collector = Collector::new(&mut plain);
    pdf_extract::output_doc(&doc, &mut collector).map_err(|e| unreadable(&e))?;
    let layout = collector.layout;
    Ok(PdfContent { text, layout })
}

/// The cheap checks, before any parser sees the bytes.
pub(crate) fn check_pdf(bytes: &[u8]) -> Result<(), ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(ExtractError::TooLarge { size: bytes.len() });
    }
    // The spec allows up to 1024 bytes of junk before the header; some mailers add it.
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        Ok(())
    } else {
        Err(ExtractError::NotPdf)
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".to_owned());
    format!("the PDF parser gave up: {detail}")
}
