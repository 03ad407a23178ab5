//! Checking the loose doc into `Rules`: every field parsed and checked, every problem recorded
//! with its path, defaults used so that the rest is still checked.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::SignedDuration;
use jiff::civil::Date;

use super::path::FieldPath;
use super::raw::{RawCadence, RawCompany, RawDoc, RawStep, RawTemplates};
use crate::contact::Role;
use crate::offset::Offset;
use crate::rules::{
    BUILTIN_TEMPLATES, Cadence, CatchUp, Channel, ClockTime, MAX_CADENCES, MAX_STEPS, Move,
    PauseCap, QuietHours, RecipientRole, Rules, Settings, Step, Tone, Trigger, Weekdays,
};
use crate::terms::Terms;
use crate::zone::Zone;

const MAX_GAP_DAYS: i64 = 30;
const MAX_PAUSES: u32 = 100;
const MAX_PAUSED_DAYS: u32 = 365;
const MAX_ID_LEN: usize = 40;

#[derive(Clone, Copy)]
struct Position {
    first: bool,
    last: bool,
}

#[derive(Default)]
pub(super) struct Checker {
    pub(super) problems: Vec<(FieldPath, String)>,
}

impl Checker {
    fn fail(&mut self, path: FieldPath, reason: impl Into<String>) {
        self.problems.push((path, reason.into()));
    }

    /// Parses an optional field, recording a problem and using the default on error.
    fn field<T, E: fmt::Display>(
        &mut self,
        path: FieldPath,
        raw: Option<&str>,
        default: T,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> T {
        match raw.map(parse) {
            None => default,
            Some(Ok(v)) => v,
            Some(Err(e)) => {
                self.fail(path, e.to_string());
                default
            }
        }
    }

    pub(super) fn doc(&mut self, raw: RawDoc) -> Rules {
        let root = FieldPath::default();
        let company = self.company(&root.key("company"), raw.company);
        let custom_templates = self.templates(&root.key("templates").key("custom"), raw.templates);
        let mut rules = Rules {
            company,
            custom_templates,
            ..Rules::default()
        };

        let cadences_path = root.key("cadences");
        if raw.cadences.len() > MAX_CADENCES {
            self.fail(
                cadences_path.clone(),
                format!(
                    "{} cadences; at most {MAX_CADENCES} are allowed",
                    raw.cadences.len()
                ),
            );
        }
        let mut seen: BTreeMap<Terms, String> = BTreeMap::new();
        for (key, raw_cadence) in raw.cadences {
            let path = cadences_path.key(&key);
            if key == "default" {
                rules.default_cadence =
                    self.cadence(&path, "default", None, raw_cadence, &rules.custom_templates);
                continue;
            }
            let terms = match Terms::parse_strict(&key) {
                Ok(terms) => terms,
                Err(e) => {
                    self.fail(path, format!("{e} (or `default`)"));
                    continue;
                }
            };
            if let Some(first) = seen.get(&terms) {
                self.fail(
                    path,
                    format!("`{key}` and `{first}` are the same terms ({terms})"),
                );
                continue;
            }
            seen.insert(terms.clone(), key.clone());
            let cadence = self.cadence(
                &path,
                &terms.to_string(),
                Some(&terms),
                raw_cadence,
                &rules.custom_templates,
            );
            rules.cadences.insert(terms, cadence);
        }
        rules
    }

    fn company(&mut self, path: &FieldPath, raw: RawCompany) -> Settings {
        let d = Settings::default();
        let time_zone = self.field(
            path.key("time_zone"),
            raw.time_zone.as_deref(),
            d.time_zone,
            Zone::parse,
        );
        let send_hour = self.field(
            path.key("send_hour"),
            raw.send_hour.as_deref(),
            d.send_hour,
            str::parse,
        );
        let quiet_hours = self.field(
            path.key("quiet_hours"),
            raw.quiet_hours.as_deref(),
            d.quiet_hours,
            parse_quiet_hours,
        );
        if let Some(quiet) = quiet_hours
            && quiet.contains(send_hour.0)
        {
            self.fail(
                path.key("send_hour"),
                format!("send_hour {send_hour} falls inside quiet hours {quiet}"),
            );
        }
        let business_days = match raw.business_days {
            None => d.business_days,
            Some(names) => match Weekdays::from_names(&names) {
                Ok(days) if days.is_empty() => {
                    self.fail(
                        path.key("business_days"),
                        "at least one business day is needed",
                    );
                    d.business_days
                }
                Ok(days) => days,
                Err(e) => {
                    self.fail(path.key("business_days"), e);
                    d.business_days
                }
            },
        };
        let mut holidays = BTreeSet::new();
        for (i, value) in raw.holidays.unwrap_or_default().iter().enumerate() {
            match holiday_date(value) {
                Some(date) => {
                    holidays.insert(date);
                }
                None => self.fail(
                    path.key("holidays").index(i),
                    format!("{value} is not a date: write YYYY-MM-DD"),
                ),
            }
        }
        let min_gap = self.field(
            path.key("min_gap"),
            raw.min_gap.as_deref(),
            d.min_gap,
            |text| {
                let gap: Offset = text
                    .parse()
                    .map_err(|e: crate::offset::OffsetError| e.to_string())?;
                if gap.as_duration() > SignedDuration::from_hours(MAX_GAP_DAYS * 24) {
                    return Err(format!(
                        "`{text}` is too long: at most {MAX_GAP_DAYS}d between touches"
                    ));
                }
                Ok(gap)
            },
        );
        let catch_up = self.field(
            path.key("catch_up"),
            raw.catch_up.as_deref(),
            d.catch_up,
            |text| match text.trim().to_ascii_lowercase().as_str() {
                "latest" => Ok(CatchUp::Latest),
                "skip" => Ok(CatchUp::Skip),
                _ => Err(format!(
                    "`{text}` is not a catch-up policy: write latest or skip"
                )),
            },
        );
        let pause_cap = match raw.pause_cap {
            None => d.pause_cap,
            Some(cap) => {
                let default = PauseCap::default();
                let max_pauses = cap.max_pauses.unwrap_or(default.max_pauses);
                let max_paused_days = cap.max_paused_days.unwrap_or(default.max_paused_days);
                if max_pauses > MAX_PAUSES {
                    self.fail(
                        path.key("pause_cap").key("max_pauses"),
                        format!("{max_pauses} is too many: at most {MAX_PAUSES}"),
                    );
                }
                if max_paused_days > MAX_PAUSED_DAYS {
                    self.fail(
                        path.key("pause_cap").key("max_paused_days"),
                        format!("{max_paused_days} days is too long: at most {MAX_PAUSED_DAYS}"),
                    );
                }
                PauseCap {
                    max_pauses,
                    max_paused_days,
                }
            }
        };
        let late_tolerance = self.field(
            path.key("late_tolerance"),
            raw.late_tolerance.as_deref(),
            d.late_tolerance,
            |text| {
                let tolerance: Offset = text
                    .parse()
                    .map_err(|e: crate::offset::OffsetError| e.to_string())?;
                if tolerance.as_duration() > SignedDuration::from_hours(24) {
                    return Err(format!("`{text}` is too long: at most 1d"));
                }
                Ok(tolerance)
            },
        );
        let thank_you = raw.thank_you.unwrap_or(d.thank_you);
        let daily_cap = raw.daily_cap.unwrap_or(d.daily_cap);
        if daily_cap == 0 || daily_cap > 50 {
            self.fail(
                path.key("daily_cap"),
                format!("{daily_cap} is not a daily cap: write 1 to 50"),
            );
        }
        let locale = self.field(path.key("locale"), raw.locale.as_deref(), d.locale, |tag| {
            crate::invoice::Locale::parse(tag).map(|l| l.as_str().to_owned())
        });
        Settings {
            time_zone,
            send_hour,
            quiet_hours,
            business_days,
            holidays,
            min_gap,
            pause_cap,
            catch_up,
            late_tolerance,
            thank_you,
            daily_cap,
            locale,
        }
    }

    fn templates(&mut self, path: &FieldPath, raw: RawTemplates) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for (i, name) in raw.custom.into_iter().enumerate() {
            if is_identifier(&name) {
                names.insert(name);
            } else {
                self.fail(
                    path.index(i),
                    format!("`{name}` is not a template name: use a-z, 0-9 and `_`"),
                );
            }
        }
        names
    }

    fn cadence(
        &mut self,
        path: &FieldPath,
        name: &str,
        terms: Option<&Terms>,
        raw: RawCadence,
        custom_templates: &BTreeSet<String>,
    ) -> Cadence {
        let steps_path = path.key("steps");
        if raw.steps.is_empty() {
            self.fail(path.clone(), "a cadence needs at least one step");
        }
        if raw.steps.len() > MAX_STEPS {
            self.fail(
                steps_path.clone(),
                format!(
                    "{} steps; at most {MAX_STEPS} are allowed per cadence",
                    raw.steps.len()
                ),
            );
        }
        let last = raw.steps.len().saturating_sub(1);
        let mut steps: Vec<Step> = Vec::with_capacity(raw.steps.len());
        let mut ids: BTreeMap<String, usize> = BTreeMap::new();
        for (i, raw_step) in raw.steps.into_iter().enumerate() {
            let path = steps_path.index(i);
            let position = Position {
                first: i == 0,
                last: i == last,
            };
            let Some(mut step) = self.step(&path, raw_step, position, terms, custom_templates)
            else {
                continue;
            };
            if step.id.is_empty() {
                step.id = unique_id(step.action.as_str(), &ids);
            } else if let Some(first) = ids.get(&step.id) {
                self.fail(
                    path.key("id"),
                    format!("step id `{}` is already used by steps[{first}]", step.id),
                );
            }
            ids.insert(step.id.clone(), i);
            steps.push(step);
        }
        Cadence {
            name: name.to_owned(),
            steps,
        }
    }

    /// Checks every field of a step, reporting all problems; `None` if there were any.
    fn step(
        &mut self,
        path: &FieldPath,
        raw: RawStep,
        position: Position,
        terms: Option<&Terms>,
        custom_templates: &BTreeSet<String>,
    ) -> Option<Step> {
        let problems_before = self.problems.len();
        let trigger = match raw.when.parse::<Trigger>() {
            Ok(t) => Some(t),
            Err(e) => {
                self.fail(path.key("when"), e.to_string());
                None
            }
        };
        if let Some(Trigger::Repeat { .. }) = trigger {
            if !position.last {
                self.fail(
                    path.key("when"),
                    "a repeat step must be the last step of its cadence",
                );
            } else if position.first {
                self.fail(
                    path.key("when"),
                    "a repeat step needs an earlier step to repeat after",
                );
            }
        }
        let action = match parse_move(&raw.action) {
            Ok(m) => Some(m),
            Err(e) => {
                self.fail(path.key("move"), e);
                None
            }
        };
        // Keep checking the other fields against placeholder defaults, to report every problem.
        let mut step = Step::with_defaults(
            "",
            trigger.unwrap_or(Trigger::OnIssue),
            action.unwrap_or(Move::Nudge),
        );

        if let Some(id) = raw.id {
            if is_identifier(&id) && id.len() <= MAX_ID_LEN {
                step.id = id;
            } else {
                self.fail(
                    path.key("id"),
                    format!("`{id}` is not a step id: use up to {MAX_ID_LEN} of a-z, 0-9 and `_`"),
                );
            }
        }
        step.tone = self.field(path.key("tone"), raw.tone.as_deref(), step.tone, parse_tone);
        if let Some(template) = raw.template {
            if BUILTIN_TEMPLATES.contains(&template.as_str())
                || custom_templates.contains(&template)
            {
                step.template = template;
            } else {
                self.fail(
                    path.key("template"),
                    format!(
                        "unknown template `{template}`: the built-in ones are {}; declare others under [templates] custom",
                        BUILTIN_TEMPLATES.join(", ")
                    ),
                );
            }
        }
        step.channel = self.field(
            path.key("channel"),
            raw.channel.as_deref(),
            step.channel,
            |c| match c.trim().to_ascii_lowercase().as_str() {
                "email" => Ok(Channel::Email),
                _ => Err(format!(
                    "channel `{c}` is not supported: the chaser sends email"
                )),
            },
        );
        if let Some(to) = raw.to {
            step.to = Vec::with_capacity(to.len());
            for (j, role) in to.iter().enumerate() {
                if role.trim().eq_ignore_ascii_case("owner") {
                    self.fail(path.key("to").index(j), "`owner` is not a contact role: set notify_owner = true to write to the account owner");
                    continue;
                }
                match role.parse::<RecipientRole>() {
                    Ok(r) => step.to.push(r),
                    Err(e) => self.fail(path.key("to").index(j), e.to_string()),
                }
            }
        }
        if let Some(cc) = raw.cc {
            step.cc = Vec::with_capacity(cc.len());
            for (j, role) in cc.iter().enumerate() {
                match role.parse::<Role>() {
                    Ok(r) => step.cc.push(r),
                    Err(_) if role.trim().eq_ignore_ascii_case("any") => {
                        self.fail(path.key("cc").index(j), "cc takes contact roles, not `any`");
                    }
                    Err(e) => self.fail(path.key("cc").index(j), e.to_string()),
                }
            }
        }
        if let Some(notify) = raw.notify_owner {
            step.notify_owner = notify;
        }
        step.require_approval = raw.require_approval.unwrap_or(false);
        if step.to.is_empty() && !step.notify_owner && self.problems.len() == problems_before {
            self.fail(
                path.clone(),
                "this step reaches nobody: give it `to` roles or set notify_owner = true",
            );
        }
        if let (Some(Trigger::BeforeDue(offset)), Some(terms)) = (trigger, terms)
            && let Some(min_days) = terms.min_days_to_due()
            && offset.as_duration() > SignedDuration::from_hours(min_days * 24)
        {
            self.fail(
                path.key("when"),
                format!(
                    "`{}` falls before the issue date: {terms} invoices can be due {min_days} days after issue",
                    step.trigger
                ),
            );
        }
        (self.problems.len() == problems_before).then_some(step)
    }
}

fn unique_id(base: &str, taken: &BTreeMap<String, usize>) -> String {
    if !taken.contains_key(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|id| !taken.contains_key(id))
        .unwrap_or_else(|| base.to_owned())
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn parse_move(text: &str) -> Result<Move, String> {
    let key = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    let key = if key == "followup" {
        "follow_up".to_owned()
    } else {
        key
    };
    Move::ALL
        .into_iter()
        .find(|m| m.as_str() == key)
        .ok_or_else(|| {
            format!("unknown move `{text}`: expected nudge, follow_up, escalate or final_notice")
        })
}

fn parse_tone(text: &str) -> Result<Tone, String> {
    [Tone::Friendly, Tone::Neutral, Tone::Firm]
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
        .ok_or_else(|| format!("unknown tone `{text}`: expected friendly, neutral or firm"))
}

fn parse_quiet_hours(text: &str) -> Result<Option<QuietHours>, String> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let (start, end) = text.split_once('-').ok_or_else(|| {
        format!("`{text}` is not a band of hours: write e.g. \"18:00-08:00\", or \"none\"")
    })?;
    let quiet = QuietHours {
        start: start.parse::<ClockTime>()?,
        end: end.parse::<ClockTime>()?,
    };
    if quiet.start == quiet.end {
        return Err(format!(
            "quiet hours `{text}` start and end at the same time: write \"none\" to turn them off"
        ));
    }
    Ok(Some(quiet))
}

fn holiday_date(value: &toml::Value) -> Option<Date> {
    match value {
        toml::Value::String(s) if s.len() == 10 => s.parse().ok(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            let d = dt.date?;
            Date::new(
                i16::try_from(d.year).ok()?,
                i8::try_from(d.month).ok()?,
                i8::try_from(d.day).ok()?,
            )
            .ok()
        }
        _ => None,
    }
}
