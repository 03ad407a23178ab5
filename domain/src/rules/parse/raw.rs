//! The rules doc as TOML gives it: loose structs serde reads into, every value still text to
//! check, so that a bad value is reported with its place rather than refusing the whole doc.

use indexmap::IndexMap;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDoc {
    #[serde(default)]
    pub(super) company: RawCompany,
    #[serde(default)]
    pub(super) templates: RawTemplates,
    /// In file order, so a duplicate is reported where it appears.
    #[serde(default)]
    pub(super) cadences: IndexMap<String, RawCadence>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCompany {
    pub(super) time_zone: Option<String>,
    pub(super) send_hour: Option<String>,
    pub(super) quiet_hours: Option<String>,
    pub(super) business_days: Option<Vec<String>>,
    pub(super) holidays: Option<Vec<toml::Value>>,
    pub(super) min_gap: Option<String>,
    pub(super) catch_up: Option<String>,
    pub(super) pause_cap: Option<RawPauseCap>,
    pub(super) late_tolerance: Option<String>,
    pub(super) thank_you: Option<bool>,
    pub(super) daily_cap: Option<u32>,
    pub(super) locale: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPauseCap {
    pub(super) max_pauses: Option<u32>,
    pub(super) max_paused_days: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplates {
    #[serde(default)]
    pub(super) custom: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCadence {
    #[serde(default)]
    pub(super) steps: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    pub(super) id: Option<String>,
    pub(super) when: String,
    #[serde(rename = "move")]
    pub(super) action: String,
    pub(super) tone: Option<String>,
    pub(super) template: Option<String>,
    pub(super) channel: Option<String>,
    pub(super) to: Option<Vec<String>>,
    pub(super) cc: Option<Vec<String>>,
    pub(super) notify_owner: Option<bool>,
    pub(super) require_approval: Option<bool>,
}
