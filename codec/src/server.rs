//! Temporal's codec-server protocol, without the HTTP: a body `{"payloads": [...]}` in
//! protobuf's JSON form (metadata values and data in base64) comes in, the same shape goes
//! out, each payload sealed (`/encode`) or opened (`/decode`). The Web UI and
//! `temporal ... --codec-endpoint` call it to show people who may see them what the chases
//! hold; `chaser_api::codec` serves it behind authentication.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use serde::{Deserialize, Serialize};
use temporalio_common::protos::temporal::api::common::v1::Payload;

use crate::{CodecError, Keyring};

#[derive(Debug, Default, Deserialize, Serialize)]
struct Payloads {
    #[serde(default)]
    payloads: Vec<JsonPayload>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct JsonPayload {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    metadata: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    data: String,
}

fn bytes(field: &str, text: &str) -> Result<Vec<u8>, CodecError> {
    STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(text))
        .map_err(|_| CodecError::BadRequest(format!("{field} is not base64")))
}

fn from_json(body: &[u8]) -> Result<Vec<Payload>, CodecError> {
    let parsed: Payloads = serde_json::from_slice(body)
        .map_err(|e| CodecError::BadRequest(format!("expected {{\"payloads\": [...]}}: {e}")))?;
    parsed
        .payloads
        .into_iter()
        .enumerate()
        .map(|(n, p)| {
            let metadata = p
                .metadata
                .iter()
                .map(|(k, v)| Ok((k.clone(), bytes(&format!("payloads[{n}].metadata.{k}"), v)?)))
                .collect::<Result<_, CodecError>>()?;
            Ok(Payload {
                metadata,
                data: bytes(&format!("payloads[{n}].data"), &p.data)?,
                ..Payload::default()
            })
        })
        .collect()
}

fn to_json(payloads: Vec<Payload>) -> Vec<u8> {
    let payloads = payloads
        .into_iter()
        .map(|p| JsonPayload {
            metadata: p
                .metadata
                .iter()
                .map(|(k, v)| (k.clone(), STANDARD.encode(v)))
                .collect(),
            data: STANDARD.encode(&p.data),
        })
        .collect();
    // A struct of strings always serializes.
    serde_json::to_vec(&Payloads { payloads }).unwrap_or_default()
}

/// `POST /decode`: every sealed payload opened; others returned as they came.
pub fn decode(keys: &Keyring, body: &[u8]) -> Result<Vec<u8>, CodecError> {
    let opened = from_json(body)?
        .into_iter()
        .map(|p| keys.open(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(to_json(opened))
}

/// `POST /encode`: every payload sealed under the current key (what the UI sends, such as a
/// signal typed into it, reaches the chase encrypted like the chaser's own).
pub fn encode(keys: &Keyring, body: &[u8]) -> Result<Vec<u8>, CodecError> {
    let sealed = from_json(body)?
        .iter()
        .map(|p| keys.seal(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(to_json(sealed))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    #[test]
    fn encode_then_decode_gives_back_the_payloads() {
        let bytes: Vec<u8> = (0..32u8).collect();
        let key = SecretString::from(format!("k1:{}", STANDARD.encode(bytes)));
        let keys = Keyring::new("codec.key", &key, "codec.previous_keys", &[]).unwrap();
        let body = format!(
            r#"{{"payloads":[{{"metadata":{{"encoding":"{}"}},"data":"{}"}}]}}"#,
            STANDARD.encode("json/plain"),
            STANDARD.encode(r#"{"to":"ap@acme.example"}"#)
        );
        let sealed = encode(&keys, body.as_bytes()).unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains(&STANDARD.encode("json/plain")));
        let opened: serde_json::Value =
            serde_json::from_slice(&decode(&keys, &sealed).unwrap()).unwrap();
        let expected: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(opened, expected);
        assert!(matches!(
            decode(&keys, b"not json"),
            Err(CodecError::BadRequest(_))
        ));
        assert!(matches!(
            decode(&keys, br#"{"payloads":[{"data":"%%"}]}"#),
            Err(CodecError::BadRequest(_))
        ));
    }
}
