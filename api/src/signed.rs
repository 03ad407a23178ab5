//! The checks of who is calling: a lane's signature and a token compared in constant time,
//! shared by the webhooks, the inbound lane and the owner's doors.

use axum::http::{HeaderMap, StatusCode};
use chaser_intake::signature;
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};

use crate::error::ApiError;

pub(crate) fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks `X-Chaser-Timestamp` and `X-Chaser-Signature` against the lane's own secret
/// (`key` names it): 401 when they are missing, stale or wrong, or when it is not configured.
pub(crate) fn verify_signed(
    secret: Option<&SecretString>,
    key: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let Some(secret) = secret else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            format!("this webhook is disabled: {key} is not configured"),
        ));
    };
    signature::verify(
        secret.expose_secret().as_bytes(),
        header(headers, "x-chaser-timestamp"),
        header(headers, "x-chaser-signature"),
        body,
        Timestamp::now().as_second(),
    )
    .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, e.to_string()))
}

/// Equal, in a time that does not depend on where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
