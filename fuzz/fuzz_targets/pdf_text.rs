//! A forwarded PDF's text layer, read in-process as the isolated reader's child reads it. The
//! extractor's own panics are contained (caught and reported as unreadable); a stack overflow
//! or an allocation past the budget aborts, which is what the isolated reader exists for: each
//! such finding is recorded in RELIABILITY.md and kept under fuzz/regressions/pdf_text/.
#![no_main]

use chaser_extract::{ExtractError, pdf_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: { chaser_fuzz::setup(&["pdf-extract-", "lopdf-", "adobe-cmap-parser-"]); },
    |data: &[u8]| {
        match pdf_text(data) {
            Ok(text) => assert!(text.chars().any(char::is_alphanumeric)),
            Err(ExtractError::Empty) => assert!(data.is_empty()),
            Err(_) => {}
        }
    }
);
