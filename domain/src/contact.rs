//! Who at the customer receives a message: contacts, their roles, and e-mail addresses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("`{0}` is not a valid e-mail address")]
    InvalidEmail(String),
    #[error(
        "`{0}` is not a role: expected billing (or ap), primary, executive, or a custom name of letters, digits, `_` and `-`"
    )]
    InvalidRole(String),
}

/// A syntactically valid address, without display name, compared case-insensitively.
#[derive(Debug, Clone, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Self, ContactError> {
        let trimmed = text.trim();
        // The crate accepts a display-name form ("Ann <a@b.c>"); we want the bare address only.
        let bare = !trimmed.contains(['<', '>', ' ']);
        if bare && email_address::EmailAddress::is_valid(trimmed) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(ContactError::InvalidEmail(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address lower-cased, for comparing recipients.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for Email {}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Email {
    type Err = ContactError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A contact's job in collections.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Billing or accounts payable: who actually pays.
    Billing,
    Primary,
    Executive,
    Custom(String),
}

impl Role {
    pub fn as_str(&self) -> &str {
        match self {
            Role::Billing => "billing",
            Role::Primary => "primary",
            Role::Executive => "executive",
            Role::Custom(name) => name,
        }
    }
}

impl FromStr for Role {
    type Err = ContactError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase().replace([' ', '/'], "_");
        Ok(match name.as_str() {
            "billing" | "ap" | "billing_ap" | "accounts_payable" => Role::Billing,
            "primary" => Role::Primary,
            "executive" | "exec" => Role::Executive,
            "" => return Err(ContactError::InvalidRole(s.to_owned())),
            // "any" and "owner" mean something else in the rules doc.
            "any" | "owner" => return Err(ContactError::InvalidRole(s.to_owned())),
            custom
                if custom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
            {
                Role::Custom(custom.to_owned())
            }
            _ => return Err(ContactError::InvalidRole(s.to_owned())),
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    #[serde(default)]
    pub name: String,
    pub email: Email,
    /// A contact with no roles is only reached through the `any` fallback.
    #[serde(default)]
    pub roles: Vec<Role>,
}

impl Contact {
    pub fn has_role(&self, role: &Role) -> bool {
        self.roles.contains(role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_aliases_map_to_billing() {
        for alias in ["billing", "AP", "Accounts Payable", "billing/ap"] {
            assert_eq!(alias.parse::<Role>().unwrap(), Role::Billing, "{alias}");
        }
        assert_eq!(
            "Legal".parse::<Role>().unwrap(),
            Role::Custom("legal".into())
        );
        assert!("any".parse::<Role>().is_err());
        assert!("a;b".parse::<Role>().is_err());
    }

    #[test]
    fn addresses_must_be_bare_and_valid() {
        assert!(Email::parse("ap@acme.example").is_ok());
        assert!(Email::parse("Ann <ap@acme.example>").is_err());
        assert!(Email::parse("ap@acme.example\r\nBcc: x@y.z").is_err());
        assert!(Email::parse("not-an-address").is_err());
        assert_eq!(
            Email::parse("AP@Acme.example").unwrap(),
            Email::parse("ap@acme.example").unwrap()
        );
    }
}
