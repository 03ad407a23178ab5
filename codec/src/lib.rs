//! Every payload the chaser hands to Temporal (workflow and activity inputs and results,
//! signals, updates, queries, the memo) is encrypted here before it leaves the process, so the
//! Temporal server, its database and its backups hold invoices, names, addresses and amounts
//! only as ciphertext. Search attributes cannot be encrypted (the server indexes them); which
//! ones the chaser sets is a deliberate, documented choice (README, SECURITY.md).
//!
//! A payload is sealed whole (its metadata and data, as protobuf bytes) with AES-256-GCM under
//! the current key, with a fresh random nonce, and the key's id as associated data. The sealed
//! payload says `encoding: binary/encrypted` and names the key in `encryption-key-id`, so keys
//! can rotate: any configured key opens what it sealed, only the current one seals.
//!
//! A payload that is not encrypted is passed through on decode. Histories written before
//! encryption was turned on keep replaying, and an operator's raw `temporal workflow signal
//! --input '{...}'` keeps working; what the chaser itself writes is always encrypted.
//!
//! [`server`] speaks Temporal's codec-server protocol, for the Web UI and the CLI.

pub mod server;

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use futures::future::BoxFuture;
use prost::Message;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretString};
use temporalio_common::data_converters::{
    DataConverter, DefaultFailureConverter, PayloadCodec, PayloadConversionError, PayloadConverter,
    SerializationContextData,
};
use temporalio_common::protos::temporal::api::common::v1::Payload;

/// The `encoding` of a sealed payload.
pub const ENCRYPTED: &str = "binary/encrypted";
/// The metadata key naming the key that sealed a payload.
pub const KEY_ID: &str = "encryption-key-id";
/// The metadata key naming the cipher, for people reading a history.
pub const CIPHER: &str = "encryption-cipher";
pub const AES_256_GCM_NAME: &str = "AES256-GCM";
const KEY_BYTES: usize = 32;
/// 32 random bytes have about 30 distinct values; an all-zero or repeated key has few.
const MIN_DISTINCT_BYTES: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("{key}: expected `ID:BASE64KEY` (an id, a colon, then 32 random bytes in base64)")]
    Shape { key: String },
    #[error(
        "{key}: the id `{id}` may use only letters, digits, `.`, `_` and `-` (at most 64 characters)"
    )]
    BadId { key: String, id: String },
    #[error("{key}: the key is not base64")]
    NotBase64 { key: String },
    #[error("{key}: the key must be 32 random bytes (AES-256), not {len}")]
    Length { key: String, len: usize },
    #[error(
        "{key}: the key is not random (it repeats a few bytes): generate one with `openssl rand -base64 32`"
    )]
    NotRandom { key: String },
    #[error("{key}: the id `{id}` is used twice")]
    DuplicateId { key: String, id: String },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodecError {
    #[error("the payload was encrypted with key `{0}`, which is not configured")]
    UnknownKey(String),
    #[error("an encrypted payload names no key")]
    NoKeyId,
    #[error("the payload does not open with key `{0}`: it was altered, or the key is wrong")]
    Tampered(String),
    #[error("the system's random source failed")]
    Random,
    #[error("the decrypted payload is not a payload")]
    NotAPayload,
    #[error("{0}")]
    BadRequest(String),
}

struct Key {
    id: String,
    key: LessSafeKey,
}

/// The keys: one seals, all open.
pub struct Keyring {
    current: Arc<Key>,
    by_id: HashMap<String, Arc<Key>>,
    random: SystemRandom,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Ids only: the keys themselves never reach a log.
        let mut ids: Vec<&str> = self.by_id.keys().map(String::as_str).collect();
        ids.sort_unstable();
        f.debug_struct("Keyring")
            .field("current", &self.current.id)
            .field("ids", &ids)
            .finish()
    }
}

fn parse_key(name: &str, spec: &SecretString) -> Result<Key, KeyError> {
    let text = spec.expose_secret().trim();
    let (id, encoded) = text.split_once(':').ok_or_else(|| KeyError::Shape {
        key: name.to_owned(),
    })?;
    let id_ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !id_ok {
        return Err(KeyError::BadId {
            key: name.to_owned(),
            id: id.to_owned(),
        });
    }
    let bytes = B64
        .decode(encoded.trim())
        .map_err(|_| KeyError::NotBase64 {
            key: name.to_owned(),
        })?;
    if bytes.len() != KEY_BYTES {
        return Err(KeyError::Length {
            key: name.to_owned(),
            len: bytes.len(),
        });
    }
    let distinct: std::collections::BTreeSet<&u8> = bytes.iter().collect();
    if distinct.len() < MIN_DISTINCT_BYTES {
        return Err(KeyError::NotRandom {
            key: name.to_owned(),
        });
    }
    // A 32-byte key is always a valid AES-256 key.
    let unbound = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| KeyError::Length {
        key: name.to_owned(),
        len: bytes.len(),
    })?;
    Ok(Key {
        id: id.to_owned(),
        key: LessSafeKey::new(unbound),
    })
}

impl Keyring {
    /// `current` seals and opens; `previous` (keys rotated out) only open. Each is
    /// `ID:BASE64KEY`; `current_name` and `previous_name` name them in errors (config keys).
    pub fn new(
        current_name: &str,
        current: &SecretString,
        previous_name: &str,
        previous: &[SecretString],
    ) -> Result<Keyring, KeyError> {
        let current = Arc::new(parse_key(current_name, current)?);
        let mut by_id = HashMap::from([(current.id.clone(), current.clone())]);
        for (n, spec) in previous.iter().enumerate() {
            let name = format!("{previous_name}[{n}]");
            let key = parse_key(&name, spec)?;
            if by_id.contains_key(&key.id) {
                return Err(KeyError::DuplicateId {
                    key: name,
                    id: key.id,
                });
            }
            by_id.insert(key.id.clone(), Arc::new(key));
        }
        Ok(Keyring {
            current,
            by_id,
            random: SystemRandom::new(),
        })
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// Seals a payload under the current key.
    pub fn seal(&self, payload: &Payload) -> Result<Payload, CodecError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| CodecError::Random)?;
        let mut sealed = payload.encode_to_vec();
        self.current
            .key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(self.current.id.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| CodecError::Random)?;
        let mut data = Vec::with_capacity(NONCE_LEN + sealed.len());
        data.extend_from_slice(&nonce);
        data.extend_from_slice(&sealed);
        Ok(Payload {
            metadata: HashMap::from([
                ("encoding".to_owned(), ENCRYPTED.as_bytes().to_vec()),
                (KEY_ID.to_owned(), self.current.id.as_bytes().to_vec()),
                (CIPHER.to_owned(), AES_256_GCM_NAME.as_bytes().to_vec()),
            ]),
            data,
            ..Payload::default()
        })
    }

    /// Opens a sealed payload; one that is not sealed comes back as it is.
    pub fn open(&self, payload: Payload) -> Result<Payload, CodecError> {
        if !is_sealed(&payload) {
            return Ok(payload);
        }
        let id = payload
            .metadata
            .get(KEY_ID)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .ok_or(CodecError::NoKeyId)?;
        let key = self
            .by_id
            .get(&id)
            .ok_or_else(|| CodecError::UnknownKey(id.clone()))?;
        if payload.data.len() < NONCE_LEN {
            return Err(CodecError::Tampered(id));
        }
        let (nonce, sealed) = payload.data.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| CodecError::Tampered(id.clone()))?;
        let mut buffer = sealed.to_vec();
        let plain = key
            .key
            .open_in_place(nonce, Aad::from(id.as_bytes()), &mut buffer)
            .map_err(|_| CodecError::Tampered(id.clone()))?;
        Payload::decode(&*plain).map_err(|_| CodecError::NotAPayload)
    }
}

/// Whether a payload is one this codec sealed.
pub fn is_sealed(payload: &Payload) -> bool {
    payload
        .metadata
        .get("encoding")
        .is_some_and(|e| e == ENCRYPTED.as_bytes())
}

/// The [`PayloadCodec`] every Temporal client of the chaser carries.
#[derive(Clone, Debug)]
pub struct Codec {
    keys: Arc<Keyring>,
}

impl Codec {
    pub fn new(keys: Keyring) -> Codec {
        Codec {
            keys: Arc::new(keys),
        }
    }

    pub fn keys(&self) -> &Keyring {
        &self.keys
    }

    /// The data converter for a client: the SDK's JSON payloads, sealed by this codec.
    pub fn data_converter(&self) -> DataConverter {
        DataConverter::new(
            PayloadConverter::default(),
            DefaultFailureConverter::default(),
            self.clone(),
        )
    }
}

fn conversion(e: CodecError) -> PayloadConversionError {
    PayloadConversionError::EncodingError(Box::new(e))
}

impl PayloadCodec for Codec {
    fn encode(
        &self,
        _context: &SerializationContextData,
        payloads: Vec<Payload>,
    ) -> BoxFuture<'static, Result<Vec<Payload>, PayloadConversionError>> {
        let keys = self.keys.clone();
        Box::pin(async move {
            payloads
                .iter()
                .map(|p| keys.seal(p).map_err(conversion))
                .collect()
        })
    }

    fn decode(
        &self,
        _context: &SerializationContextData,
        payloads: Vec<Payload>,
    ) -> BoxFuture<'static, Result<Vec<Payload>, PayloadConversionError>> {
        let keys = self.keys.clone();
        Box::pin(async move {
            payloads
                .into_iter()
                .map(|p| keys.open(p).map_err(conversion))
                .collect()
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key_bytes(seed: u8) -> Vec<u8> {
        (0..32u8)
            .map(|n| n.wrapping_mul(7).wrapping_add(seed))
            .collect()
    }

    fn spec(id: &str, seed: u8) -> SecretString {
        SecretString::from(format!("{id}:{}", B64.encode(key_bytes(seed))))
    }

    fn json(text: &str) -> Payload {
        Payload {
            metadata: HashMap::from([("encoding".to_owned(), b"json/plain".to_vec())]),
            data: text.as_bytes().to_vec(),
            ..Payload::default()
        }
    }

    #[test]
    fn a_sealed_payload_hides_its_content_and_opens_with_its_key() {
        let keys = Keyring::new("codec.key", &spec("k1", 1), "codec.previous_keys", &[]).unwrap();
        let plain = json(r#"{"email":"ap@acme.example"}"#);
        let sealed = keys.seal(&plain).unwrap();
        assert!(is_sealed(&sealed));
        assert_eq!(sealed.metadata[KEY_ID], b"k1");
        let bytes = [
            sealed.data.clone(),
            sealed.metadata.values().flatten().copied().collect(),
        ]
        .concat();
        assert!(!String::from_utf8_lossy(&bytes).contains("acme"));
        // A fresh nonce each time: the same payload seals differently.
        assert_ne!(keys.seal(&plain).unwrap().data, sealed.data);
        assert_eq!(keys.open(sealed).unwrap(), plain);
    }

    #[test]
    fn rotated_keys_still_open_and_only_the_current_one_seals() {
        let old = Keyring::new("codec.key", &spec("k1", 1), "codec.previous_keys", &[]).unwrap();
        let sealed_by_old = old.seal(&json("1")).unwrap();
        let rotated = Keyring::new(
            "codec.key",
            &spec("k2", 2),
            "codec.previous_keys",
            &[spec("k1", 1)],
        )
        .unwrap();
        assert_eq!(rotated.open(sealed_by_old.clone()).unwrap(), json("1"));
        assert_eq!(rotated.seal(&json("2")).unwrap().metadata[KEY_ID], b"k2");
        let without_old =
            Keyring::new("codec.key", &spec("k2", 2), "codec.previous_keys", &[]).unwrap();
        assert_eq!(
            without_old.open(sealed_by_old),
            Err(CodecError::UnknownKey("k1".into()))
        );
    }

    #[test]
    fn plaintext_passes_and_tampering_is_refused() {
        let keys = Keyring::new("codec.key", &spec("k1", 1), "codec.previous_keys", &[]).unwrap();
        assert_eq!(keys.open(json("{}")).unwrap(), json("{}"));
        let mut sealed = keys.seal(&json("{}")).unwrap();
        let last = sealed.data.len() - 1;
        sealed.data[last] ^= 1;
        assert_eq!(keys.open(sealed), Err(CodecError::Tampered("k1".into())));
        // The same bytes under another id (the id is authenticated too).
        let mut relabelled = keys.seal(&json("{}")).unwrap();
        relabelled.metadata.insert(KEY_ID.into(), b"k9".to_vec());
        assert_eq!(
            keys.open(relabelled),
            Err(CodecError::UnknownKey("k9".into()))
        );
    }

    #[test]
    fn bad_keys_are_named() {
        let bad = |text: &str| {
            Keyring::new(
                "codec.key",
                &SecretString::from(text.to_owned()),
                "codec.previous_keys",
                &[],
            )
            .unwrap_err()
        };
        assert_eq!(
            bad("no-colon"),
            KeyError::Shape {
                key: "codec.key".into()
            }
        );
        assert_eq!(
            bad(&format!("k1:{}", B64.encode([1u8; 16]))),
            KeyError::Length {
                key: "codec.key".into(),
                len: 16
            }
        );
        assert!(matches!(bad("k 1:AAAA"), KeyError::BadId { .. }));
        assert!(matches!(bad("k1:%%%"), KeyError::NotBase64 { .. }));
        assert_eq!(
            bad(&format!("k1:{}", B64.encode([0u8; 32]))),
            KeyError::NotRandom {
                key: "codec.key".into()
            }
        );
        let twice = Keyring::new(
            "codec.key",
            &spec("k1", 1),
            "codec.previous_keys",
            &[spec("k1", 2)],
        )
        .unwrap_err();
        assert_eq!(
            twice,
            KeyError::DuplicateId {
                key: "codec.previous_keys[0]".into(),
                id: "k1".into()
            }
        );
        // Debug names ids, never key bytes.
        let keys = Keyring::new("codec.key", &spec("k1", 7), "codec.previous_keys", &[]).unwrap();
        assert!(!format!("{keys:?}").contains(&B64.encode(key_bytes(7))));
    }
}
