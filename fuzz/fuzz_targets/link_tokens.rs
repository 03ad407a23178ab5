//! One-tap, pay, approval and proposal tokens as strangers send them back: any text is checked
//! for every purpose, claims built from the input round-trip through a token, and one-tap
//! subjects parse without panicking.
#![no_main]

use chaser_links::{Act, Links, Purpose, SendingSwitch};
use jiff::{SignedDuration, Timestamp};
use libfuzzer_sys::fuzz_target;

const PURPOSES: [Purpose; 5] = [
    Purpose::Pay,
    Purpose::Act,
    Purpose::Approve,
    Purpose::Proposal,
    Purpose::Sending,
];

fuzz_target!(
    init: { chaser_fuzz::setup(&[]); },
    |data: &[u8]| {
        let links = Links::new("fuzz-secret", "https://chaser.example");
        let now = Timestamp::constant(1_793_000_000, 0);
        let text = String::from_utf8_lossy(data);
        for purpose in PURPOSES {
            let _ = links.verify(&text, purpose, now);
        }
        let mut fields = text.split('\u{0}');
        let mut next = || fields.next().unwrap_or_default().to_owned();
        let (invoice, workflow, subject, issued_to) = (next(), next(), next(), next());
        // A one-tap subject that reads as an action writes back the same text.
        if let Some(act) = Act::parse(&subject) {
            assert_eq!(Act::parse(&act.subject()), Some(act));
        }
        if let Some(switch) = SendingSwitch::parse(&subject) {
            assert_eq!(switch.as_str(), subject);
        }
        let purpose = PURPOSES[data.first().map_or(0, |b| usize::from(*b) % PURPOSES.len())];
        let ttl = SignedDuration::from_secs(i64::from(data.len() as u32) * 3_600);
        let claims = Links::claims(purpose, &invoice, &workflow, &subject, &issued_to, now, ttl);
        let token = links.token(&claims);
        assert_eq!(links.verify(&token, purpose, now), Ok(claims));
    }
);
