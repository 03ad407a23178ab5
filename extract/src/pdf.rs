//! The text layer of a PDF. PDF parsers are large and fed hostile input, so the size and the
//! header are checked first and a panic inside the parser becomes an error.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::ExtractError;

/// Largest document read, in bytes (20 MB, SES inbound's message limit is 40 MB).
pub const MAX_DOCUMENT_BYTES: usize = 20_000_000;

/// The text of a PDF, pages in order. Refuses non-PDF bytes, oversize input, unreadable
/// files and PDFs without a text layer (scans), each with its own [`ExtractError`].
pub fn pdf_text(bytes: &[u8]) -> Result<String, ExtractError> {
    check_pdf(bytes)?;
    let text = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem(bytes)
    }))
    .map_err(|panic| ExtractError::Unreadable(panic_message(panic.as_ref())))?
    .map_err(|e| ExtractError::Unreadable(e.to_string()))?;
    if text.chars().any(char::is_alphanumeric) {
        Ok(text)
    } else {
        Err(ExtractError::NoText)
    }
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
