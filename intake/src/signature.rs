//! The chaser's own webhook signatures (the accounting webhook, `/webhooks/bank`,
//! `/inbound`): HMAC-SHA256 over `"{timestamp}.{body}"`, sent as
//! `X-Chaser-Timestamp: <unix seconds>` and `X-Chaser-Signature: v1=<hex>`.
//!
//! Here rather than in the HTTP crate because the headers come from strangers: the check is
//! pure, so it is fuzzed (`fuzz/fuzz_targets/accounting_webhook.rs`) without linking Temporal.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far a signature's timestamp may be from now.
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing X-Chaser-Timestamp or X-Chaser-Signature header")]
    Missing,
    #[error("X-Chaser-Timestamp is not a unix time in seconds")]
    BadTimestamp,
    #[error("the signature is {0} seconds away from now; at most {TOLERANCE_SECS} are allowed")]
    Stale(i64),
    #[error("the signature does not match")]
    Mismatch,
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `X-Chaser-Signature` value for a body sent at `timestamp`.
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    format!(
        "v1={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// Checks a signature in constant time, within the tolerance around `now` (unix seconds).
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(SignatureError::Missing);
    };
    let sent: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    // Saturating: a timestamp of i64::MIN (or MAX) is a stranger's input, and plain `-` and
    // `abs` overflow on it (a panic in debug builds, a wrapped "fresh" skew in release).
    let skew = now.saturating_sub(sent).saturating_abs();
    if skew > TOLERANCE_SECS {
        return Err(SignatureError::Stale(skew));
    }
    let hex_part = signature
        .trim()
        .strip_prefix("v1=")
        .unwrap_or(signature.trim());
    let expected = hex::decode(hex_part).map_err(|_| SignatureError::Mismatch)?;
    mac(secret, timestamp.trim(), body)
        .verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_tampering_does_not() {
        let sig = sign(b"whsec", "1700000000", b"{}");
        assert_eq!(
            verify(
                b"whsec",
                Some("1700000000"),
                Some(&sig),
                b"{}",
                1_700_000_100
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                b"whsec",
                Some("1700000000"),
                Some(&sig),
                b"{ }",
                1_700_000_100
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                b"other",
                Some("1700000000"),
                Some(&sig),
                b"{}",
                1_700_000_100
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                b"whsec",
                Some("1700000000"),
                Some(&sig),
                b"{}",
                1_700_000_301
            ),
            Err(SignatureError::Stale(301))
        );
        assert_eq!(
            verify(b"whsec", None, Some(&sig), b"{}", 1_700_000_000),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(b"whsec", Some("soon"), Some(&sig), b"{}", 1_700_000_000),
            Err(SignatureError::BadTimestamp)
        );
        assert_eq!(
            verify(
                b"whsec",
                Some("1700000000"),
                Some("v1=zz"),
                b"{}",
                1_700_000_000
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn extreme_timestamps_are_stale_not_an_overflow() {
        let now = 1_700_000_000;
        for sent in [i64::MIN, i64::MAX, i64::MIN + 1] {
            let text = sent.to_string();
            let sig = sign(b"whsec", &text, b"{}");
            assert!(
                matches!(
                    verify(b"whsec", Some(&text), Some(&sig), b"{}", now),
                    Err(SignatureError::Stale(skew)) if skew > TOLERANCE_SECS
                ),
                "{sent}"
            );
        }
        // The server's own clock at an extreme does not overflow either.
        let sig = sign(b"whsec", "0", b"{}");
        assert_eq!(
            verify(b"whsec", Some("0"), Some(&sig), b"{}", i64::MIN),
            Err(SignatureError::Stale(i64::MAX))
        );
    }
}
