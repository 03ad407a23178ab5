//! Time zones from the tzdb compiled into the binary, never from the host, so two workers with
//! different OS tzdata compute the same instants.

use std::fmt;
use std::sync::LazyLock;

use jiff::tz::{TimeZone, TimeZoneDatabase};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

static BUNDLED: LazyLock<TimeZoneDatabase> = LazyLock::new(TimeZoneDatabase::bundled);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone `{0}`: expected an IANA name such as Europe/London or America/New_York")]
pub struct UnknownZone(pub String);

/// An IANA time zone, resolved once and carried by its canonical name.
#[derive(Debug, Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    pub fn parse(name: &str) -> Result<Self, UnknownZone> {
        let trimmed = name.trim();
        // Offsets such as "+02:00" are not zones: they have no DST rules, so refuse them.
        let tz = BUNDLED
            .get(trimmed)
            .map_err(|_| UnknownZone(name.to_owned()))?;
        let name = tz.iana_name().unwrap_or(trimmed).to_owned();
        Ok(Self { name, tz })
    }

    pub fn utc() -> Self {
        Self {
            name: "UTC".to_owned(),
            tz: TimeZone::UTC,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Self::parse(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_canonicalised_and_unknown_ones_refused() {
        assert_eq!(
            Zone::parse("europe/london").unwrap().name(),
            "Europe/London"
        );
        assert_eq!(
            Zone::parse("Mars/Olympus").unwrap_err().to_string(),
            "unknown time zone `Mars/Olympus`: expected an IANA name such as Europe/London or America/New_York"
        );
        assert!(Zone::parse("").is_err());
    }
}
