//! The rules doc: company settings and the cadences that say what to send, when and to whom.
//!
//! `Rules::from_toml` parses and validates a doc (see `examples/rules.toml`); every error names
//! the file, line, field and reason. The validated types serialize, so a running chase carries
//! a frozen copy of its cadence and settings and later edits to the doc do not change it.

mod parse;
mod trigger;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, Time, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::contact::{ContactError, Role};
use crate::offset::Offset;
use crate::terms::Terms;
use crate::zone::Zone;

pub use parse::{RuleError, RulesErrors};
pub use trigger::{Trigger, TriggerError};

/// At most this many steps per cadence.
pub const MAX_STEPS: usize = 25;
/// At most this many cadences per doc.
pub const MAX_CADENCES: usize = 50;
/// At most this many repeats per repeating step.
pub const MAX_REPEATS: u32 = 10;

/// Templates that ship with the chaser. `standard` picks new-invoice, reminder or past-due by
/// the invoice's status at send time.
pub const BUILTIN_TEMPLATES: [&str; 6] = [
    "standard",
    "new_invoice",
    "reminder",
    "past_due",
    "final_notice",
    "escalation",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub company: Settings,
    /// Cadences for specific terms; anything else uses `default_cadence`.
    pub cadences: BTreeMap<Terms, Cadence>,
    pub default_cadence: Cadence,
    /// Template names declared in the doc beyond the built-in ones.
    pub custom_templates: BTreeSet<String>,
}

impl Rules {
    pub fn cadence_for(&self, terms: &Terms) -> &Cadence {
        self.cadences.get(terms).unwrap_or(&self.default_cadence)
    }

    pub fn from_toml(source: &str, file: &str) -> Result<Rules, RulesErrors> {
        parse::parse(source, file)
    }
}

impl Default for Rules {
    /// The seed's net-30 example: nudge 3 days late, follow up at 10, escalate at 21.
    fn default() -> Self {
        Rules {
            company: Settings::default(),
            cadences: BTreeMap::new(),
            default_cadence: Cadence::seed(),
            custom_templates: BTreeSet::new(),
        }
    }
}

/// Company-wide settings that shape every chase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub time_zone: Zone,
    /// Local time at which day-granular steps go out.
    pub send_hour: ClockTime,
    /// No message goes out inside these hours (local to the recipient when known).
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    pub business_days: Weekdays,
    #[serde(default)]
    pub holidays: BTreeSet<Date>,
    /// Minimum time between two touches to the same contact.
    pub min_gap: Offset,
    pub pause_cap: PauseCap,
    pub catch_up: CatchUp,
    /// A step less than this far past is late, not missed: it still goes out at the next open
    /// minute. Further past (a late import, an outage, a pause), `catch_up` decides.
    #[serde(default = "default_late_tolerance")]
    pub late_tolerance: Offset,
    /// Thank the customer when an invoice is paid in full.
    #[serde(default = "yes")]
    pub thank_you: bool,
    /// At most this many reminders to one contact per day, across all their invoices.
    #[serde(default = "one")]
    pub daily_cap: u32,
    /// How amounts and dates are written when an invoice has no locale of its own.
    #[serde(default = "english")]
    pub locale: String,
}

fn one() -> u32 {
    1
}

fn english() -> String {
    "en".to_owned()
}

fn yes() -> bool {
    true
}

fn default_late_tolerance() -> Offset {
    Offset::Exact(jiff::SignedDuration::from_mins(5))
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            time_zone: Zone::utc(),
            send_hour: ClockTime(Time::constant(9, 0, 0, 0)),
            quiet_hours: Some(QuietHours {
                start: ClockTime(Time::constant(18, 0, 0, 0)),
                end: ClockTime(Time::constant(8, 0, 0, 0)),
            }),
            business_days: Weekdays::MON_TO_FRI,
            holidays: BTreeSet::new(),
            min_gap: Offset::Days(2),
            pause_cap: PauseCap::default(),
            catch_up: CatchUp::Latest,
            late_tolerance: default_late_tolerance(),
            thank_you: true,
            daily_cap: one(),
            locale: english(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseCap {
    /// Pauses allowed over the life of one chase.
    pub max_pauses: u32,
    /// Total paused days allowed over the life of one chase.
    pub max_paused_days: u32,
}

impl Default for PauseCap {
    fn default() -> Self {
        PauseCap {
            max_pauses: 3,
            max_paused_days: 30,
        }
    }
}

/// What to do with steps whose time has passed when a chase starts or resumes late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CatchUp {
    /// Send only the most recent overdue step now; record the others as skipped.
    Latest,
    /// Send none of them (an unsent `on_issue` still goes out once).
    Skip,
}

impl CatchUp {
    pub fn as_str(self) -> &'static str {
        match self {
            CatchUp::Latest => "latest",
            CatchUp::Skip => "skip",
        }
    }
}

/// A local time of day, written `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime(pub Time);

impl FromStr for ClockTime {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a time of day: write HH:MM, e.g. 09:00");
        let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
        let digits = |t: &str| t.len() == 2 && t.chars().all(|c| c.is_ascii_digit());
        if !digits(h) || !digits(m) {
            return Err(bad());
        }
        let (h, m) = (
            h.parse::<i8>().map_err(|_| bad())?,
            m.parse::<i8>().map_err(|_| bad())?,
        );
        Time::new(h, m, 0, 0).map(ClockTime).map_err(|_| bad())
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0.hour(), self.0.minute())
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A daily band of local time with no sends, e.g. 18:00 to 08:00 (it may wrap midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start: ClockTime,
    pub end: ClockTime,
}

impl QuietHours {
    pub fn contains(&self, t: Time) -> bool {
        let (start, end) = (self.start.0, self.end.0);
        if start < end {
            start <= t && t < end
        } else {
            t >= start || t < end
        }
    }
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

/// A set of weekdays, written as `["mon", "tue", ...]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weekdays(u8);

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Weekdays {
    pub const MON_TO_FRI: Weekdays = Weekdays(0b001_1111);
    pub const ALL: Weekdays = Weekdays(0b111_1111);

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.to_monday_zero_offset()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Reads day names such as `mon` or `Monday`; an unknown or repeated name is an error.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Weekdays, String> {
        const FULL: [&str; 7] = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        let mut bits = 0u8;
        for name in names {
            let lower = name.as_ref().trim().to_ascii_lowercase();
            let i = (0..7)
                .find(|&i| lower == DAY_NAMES[i] || lower == FULL[i])
                .ok_or_else(|| {
                    format!(
                        "`{}` is not a weekday: write mon, tue, wed, thu, fri, sat or sun",
                        name.as_ref()
                    )
                })?;
            if bits & (1 << i) != 0 {
                return Err(format!("`{}` is listed twice", name.as_ref()));
            }
            bits |= 1 << i;
        }
        Ok(Weekdays(bits))
    }
}

impl Serialize for Weekdays {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let names: Vec<&str> = (0..7)
            .filter(|i| self.0 & (1 << i) != 0)
            .map(|i| DAY_NAMES[i])
            .collect();
        names.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Weekdays {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        Weekdays::from_names(&names).map_err(serde::de::Error::custom)
    }
}

/// The seed's four moves, plus a final notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    Nudge,
    FollowUp,
    Escalate,
    FinalNotice,
}

impl Move {
    pub const ALL: [Move; 4] = [
        Move::Nudge,
        Move::FollowUp,
        Move::Escalate,
        Move::FinalNotice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Move::Nudge => "nudge",
            Move::FollowUp => "follow_up",
            Move::Escalate => "escalate",
            Move::FinalNotice => "final_notice",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Friendly,
    Neutral,
    Firm,
}

impl Tone {
    /// One rung up the ladder: friendly to neutral, neutral to firm; firm stays firm.
    pub fn firmer(self) -> Tone {
        match self {
            Tone::Friendly => Tone::Neutral,
            Tone::Neutral | Tone::Firm => Tone::Firm,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Friendly => "friendly",
            Tone::Neutral => "neutral",
            Tone::Firm => "firm",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
}

/// One entry in a step's `to` list: a contact role, or `any` contact at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientRole {
    Role(Role),
    Any,
}

impl FromStr for RecipientRole {
    type Err = ContactError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("any") {
            Ok(RecipientRole::Any)
        } else {
            s.parse().map(RecipientRole::Role)
        }
    }
}

impl fmt::Display for RecipientRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecipientRole::Role(role) => role.fmt(f),
            RecipientRole::Any => f.write_str("any"),
        }
    }
}

impl Serialize for RecipientRole {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RecipientRole {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// One step of a cadence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Stable within the cadence; with the workflow id it keys the outbox.
    pub id: String,
    pub trigger: Trigger,
    #[serde(rename = "move")]
    pub action: Move,
    pub tone: Tone,
    pub template: String,
    pub channel: Channel,
    /// Tried in order: the first role that matches any contact receives the message.
    pub to: Vec<RecipientRole>,
    pub cc: Vec<Role>,
    /// Also e-mail the account owner (an escalation with the invoice's context).
    pub notify_owner: bool,
    /// Hold this step's message for a human's approval, whatever the mode.
    #[serde(default)]
    pub require_approval: bool,
}

impl Step {
    /// A step with the defaults of its move: friendly nudges and neutral follow-ups to billing,
    /// then primary, then anyone; escalations to the account owner only; firm final notices.
    pub fn with_defaults(id: &str, trigger: Trigger, action: Move) -> Step {
        let customer = vec![
            RecipientRole::Role(Role::Billing),
            RecipientRole::Role(Role::Primary),
            RecipientRole::Any,
        ];
        let (tone, template, to, cc, notify_owner) = match action {
            Move::Nudge => (Tone::Friendly, "standard", customer, vec![], false),
            Move::FollowUp => (Tone::Neutral, "standard", customer, vec![], false),
            Move::Escalate => (Tone::Firm, "escalation", vec![], vec![], true),
            Move::FinalNotice => (
                Tone::Firm,
                "final_notice",
                customer,
                vec![Role::Executive],
                true,
            ),
        };
        Step {
            id: id.to_owned(),
            trigger,
            action,
            tone,
            template: template.to_owned(),
            channel: Channel::Email,
            to,
            cc,
            notify_owner,
            require_approval: false,
        }
    }

    /// Whether the step writes to the customer (as opposed to the owner only).
    pub fn reaches_customer(&self) -> bool {
        !self.to.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cadence {
    /// `default`, or the canonical terms it applies to (`net-30`).
    pub name: String,
    pub steps: Vec<Step>,
}

impl Cadence {
    /// The seed's net-30 example: a nudge 3 days after due, a follow-up at 10, an escalation at 21.
    pub fn seed() -> Cadence {
        Cadence {
            name: "default".to_owned(),
            steps: vec![
                Step::with_defaults("nudge", Trigger::AfterDue(Offset::Days(3)), Move::Nudge),
                Step::with_defaults(
                    "follow_up",
                    Trigger::AfterDue(Offset::Days(10)),
                    Move::FollowUp,
                ),
                Step::with_defaults(
                    "escalate",
                    Trigger::AfterDue(Offset::Days(21)),
                    Move::Escalate,
                ),
            ],
        }
    }
}
