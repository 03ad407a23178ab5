//! A forwarded PDF's text layer and layout, read in-process as the isolated reader's child
//! reads them, then its fields as the worker reads them. The extractor's own panics are
//! contained (caught and reported as unreadable); a stack overflow or an allocation past the
//! budget aborts, which is what the isolated reader exists for: each such finding is recorded
//! in RELIABILITY.md and kept under fuzz/regressions/pdf_text/.
#![no_main]

use chaser_extract::{ExtractError, pdf_read, read_invoice, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: { chaser_fuzz::setup(&["pdf-extract-", "lopdf-", "adobe-cmap-parser-"]); },
    |data: &[u8]| {
        match pdf_read(data) {
            Ok(content) => {
                assert!(content.text.chars().any(char::is_alphanumeric));
                assert!(content.layout.is_bounded());
                // What the worker does next with a document's text and positions.
                let proposal = read_invoice(&content.text, &content.layout, &[]);
                let _ = validate(&proposal, Some("USD"));
            }
            Err(ExtractError::Empty) => assert!(data.is_empty()),
            Err(_) => {}
        }
    }
);
