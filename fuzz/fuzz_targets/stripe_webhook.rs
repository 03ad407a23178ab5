//! The Stripe webhook: the `Stripe-Signature` header on the first line, the event after it.
#![no_main]

use std::sync::LazyLock;

use chaser_domain::Email;
use chaser_intake::{StripeAction, parse_event, verify_signature};
use libfuzzer_sys::fuzz_target;

static OWNER: LazyLock<Option<Email>> = LazyLock::new(|| Email::parse("owner@chaser.example").ok());

fuzz_target!(
    init: { chaser_fuzz::setup(&[]); },
    |data: &[u8]| {
        let (header, body) = chaser_fuzz::header_and_body(data);
        let _ = verify_signature("whsec_fuzz", Some(&header), body, 1_793_000_000, 300);
        if let Ok(event) = parse_event(body)
            && let (StripeAction::Start(invoice), Some(owner)) = (&event.action, OWNER.as_ref())
            && let Ok(read) = invoice.to_invoice(owner)
        {
            assert!(read.check().is_ok());
        }
    }
);
