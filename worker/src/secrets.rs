//! What a secret must be before the worker starts with it. A careless deployment is the
//! attack that works: an empty variable, the `change-me` of an example file, a short word, or
//! one value reused for every lane (so whoever holds the bank's secret can also forge the
//! accounting tool's events). Each is refused at start-up, naming the key, never the value.

use std::collections::BTreeSet;

use secrecy::{ExposeSecret, SecretString};

/// Shorter than this is guessable; `openssl rand -hex 32` gives 64.
pub const MIN_LEN: usize = 32;
/// A random string of that length uses far more distinct characters than this.
const MIN_DISTINCT: usize = 10;
/// Words that mark a value copied from an example rather than generated.
const PLACEHOLDERS: [&str; 15] = [
    "change-me",
    "changeme",
    "change_me",
    "replace-me",
    "replace_me",
    "placeholder",
    "example",
    "password",
    "your-",
    "your_",
    "todo",
    "xxxx",
    "secret",
    "token",
    "demo",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeakSecret {
    #[error(
        "{key} is empty: set it to a long random value (`openssl rand -hex 32`), or remove it to turn its lane off"
    )]
    Empty { key: String },
    #[error(
        "{key} looks like a placeholder (it contains `{word}`): generate a random value (`openssl rand -hex 32`)"
    )]
    Placeholder { key: String, word: &'static str },
    #[error(
        "{key} is {len} characters long: use at least {MIN_LEN} random characters (`openssl rand -hex 32`)"
    )]
    Short { key: String, len: usize },
    #[error(
        "{key} uses only {distinct} different characters: generate a random value (`openssl rand -hex 32`)"
    )]
    NotRandom { key: String, distinct: usize },
    #[error(
        "{key} is the same as {other}: each lane needs its own secret, so one leaked secret opens one lane"
    )]
    Reused { key: String, other: String },
}

/// Checks one secret: not empty, not a placeholder, long and varied enough.
pub fn check(key: &str, value: &SecretString) -> Result<(), WeakSecret> {
    let text = value.expose_secret().trim();
    let key = key.to_owned();
    if text.is_empty() {
        return Err(WeakSecret::Empty { key });
    }
    let lower = text.to_ascii_lowercase();
    if let Some(word) = PLACEHOLDERS.into_iter().find(|w| lower.contains(w)) {
        return Err(WeakSecret::Placeholder { key, word });
    }
    let len = text.chars().count();
    if len < MIN_LEN {
        return Err(WeakSecret::Short { key, len });
    }
    let distinct = text.chars().collect::<BTreeSet<_>>().len();
    if distinct < MIN_DISTINCT {
        return Err(WeakSecret::NotRandom { key, distinct });
    }
    Ok(())
}

/// Checks every configured secret, and that no two lanes share one.
pub fn check_all<'a>(
    secrets: impl IntoIterator<Item = (&'a str, &'a SecretString)>,
) -> Result<(), WeakSecret> {
    let mut seen: Vec<(&str, &SecretString)> = vec![];
    for (key, value) in secrets {
        check(key, value)?;
        if let Some((other, _)) = seen
            .iter()
            .find(|(_, v)| v.expose_secret().trim() == value.expose_secret().trim())
        {
            return Err(WeakSecret::Reused {
                key: key.to_owned(),
                other: (*other).to_owned(),
            });
        }
        seen.push((key, value));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    const GOOD: &str = "3f9a1c7e5b2d8f4a6c0e9b1d7a3f5c2e";

    #[test]
    fn each_kind_of_weak_secret_is_named() {
        let kind = |text: &str| check("http.bank_secret", &secret(text)).err();
        assert_eq!(
            kind("  "),
            Some(WeakSecret::Empty {
                key: "http.bank_secret".into()
            })
        );
        assert!(matches!(
            kind("change-me-to-a-long-random-string"),
            Some(WeakSecret::Placeholder {
                word: "change-me",
                ..
            })
        ));
        assert!(matches!(
            kind("a1b2c3d4e5"),
            Some(WeakSecret::Short { len: 10, .. })
        ));
        assert!(matches!(
            kind("abababababababababababababababababab"),
            Some(WeakSecret::NotRandom { distinct: 2, .. })
        ));
        assert_eq!(kind(GOOD), None);
        let message = kind("whsec_test")
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.starts_with("http.bank_secret "), "{message}");
        assert!(!message.contains("whsec_test"), "{message}");
    }

    #[test]
    fn a_secret_shared_by_two_lanes_is_refused() {
        let (a, b) = (secret(GOOD), secret(GOOD));
        assert_eq!(
            check_all([("http.accounting_secret", &a), ("links.secret", &b)]),
            Err(WeakSecret::Reused {
                key: "links.secret".into(),
                other: "http.accounting_secret".into()
            })
        );
    }
}
