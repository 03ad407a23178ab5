//! A raw e-mail as SES inbound stores it: the sender, the subject and the PDF attachments.
#![no_main]

use chaser_extract::{documents_from_file, read_message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: { chaser_fuzz::setup(&[]); },
    |data: &[u8]| {
        if let Ok(message) = read_message(data) {
            assert!(!message.documents.is_empty());
            // No attachment is bigger than the message that carried it, decoded.
            assert!(message.documents.iter().all(|d| d.bytes.len() <= data.len()));
        }
        let _ = documents_from_file("fuzz.eml", data);
    }
);
