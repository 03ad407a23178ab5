//! The accounting webhook and the bank webhook: the `X-Chaser-Timestamp` header on the first
//! line, the body after it. The signature is checked as the server checks it, each event type
//! is read into what the chaser acts on, and a body signed with the secret must verify.
#![no_main]

use chaser_intake::signature;
use chaser_intake::webhook::{
    self, BankBatch, Envelope, InvoiceCreated, InvoicePaid, InvoiceVoided, PaymentReceived,
};
use libfuzzer_sys::fuzz_target;

const SECRET: &[u8] = b"whsec_fuzz";
const NOW: i64 = 1_793_000_000;

fuzz_target!(
    init: { chaser_fuzz::setup(&[]); },
    |data: &[u8]| {
        let (timestamp, body) = chaser_fuzz::header_and_body(data);
        let signed = signature::sign(SECRET, timestamp.trim(), body);
        let checked = signature::verify(SECRET, Some(&timestamp), Some(&signed), body, NOW);
        // A correct signature fails only on the timestamp.
        assert!(
            matches!(
                checked,
                Ok(()) | Err(signature::SignatureError::BadTimestamp | signature::SignatureError::Stale(_))
            ),
            "{checked:?}"
        );
        let _ = signature::verify(SECRET, Some(&timestamp), Some(&timestamp), body, NOW);
        if let Ok(envelope) = serde_json::from_slice::<Envelope>(body) {
            if let Ok(invoice) = webhook::parse::<InvoiceCreated>(&envelope.data) {
                let _ = invoice.into_invoice();
            }
            if let Ok(payment) = webhook::parse::<PaymentReceived>(&envelope.data) {
                let _ = payment.amount();
            }
            let _ = webhook::parse::<InvoicePaid>(&envelope.data);
            let _ = webhook::parse::<InvoiceVoided>(&envelope.data);
        }
        if let Ok(batch) = serde_json::from_slice::<BankBatch>(body) {
            let _ = batch.into_payments();
        }
    }
);
