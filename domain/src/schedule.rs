//! The engine: from an invoice, its cadence, the company settings and "now", every step with
//! its concrete UTC instant, recipients and state.
//!
//! Pure and deterministic: the same inputs always give the same schedule. The workflow calls
//! it with its own deterministic clock and re-plans after every signal, passing what already
//! happened as a `History`.

use std::collections::BTreeMap;

use jiff::civil::{Date, Time};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::calendar::Window;
use crate::contact::{Contact, Email};
use crate::invoice::Invoice;
use crate::offset::Offset;
use crate::rules::{Cadence, CatchUp, Channel, Move, RecipientRole, Settings, Step, Tone, Trigger};
use crate::zone::Zone;

/// Pushing a step past the one before it moves it by at least this much.
const MIN_SEPARATION: SignedDuration = SignedDuration::from_secs(1);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Every step, ordered by instant.
    pub steps: Vec<PlannedStep>,
}

impl Schedule {
    /// The next step still to send.
    pub fn next_pending(&self) -> Option<&PlannedStep> {
        self.steps.iter().find(|s| s.state == StepState::Pending)
    }

    pub fn step(&self, id: &str) -> Option<&PlannedStep> {
        self.steps.iter().find(|s| s.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedStep {
    /// The cadence step id; repeats are `<id>#<n>`.
    pub id: String,
    /// Position of the step in its cadence (repeats share their step's position).
    pub index: usize,
    pub trigger: Trigger,
    #[serde(rename = "move")]
    pub action: Move,
    pub tone: Tone,
    pub template: String,
    pub channel: Channel,
    #[serde(default)]
    pub require_approval: bool,
    /// When it goes out, went out, or would have gone out.
    pub at: Timestamp,
    /// The clock the send window was read on.
    pub zone: Zone,
    pub recipients: Recipients,
    pub state: StepState,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Recipients {
    /// The entry of the step's `to` list that matched, if any.
    pub role: Option<RecipientRole>,
    pub to: Vec<Email>,
    pub cc: Vec<Email>,
    /// The account owner gets this message (an escalation, or a fallback with no contact).
    pub owner: bool,
    /// The step wanted a customer contact and the invoice has none that fits.
    pub no_contact: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StepState {
    Pending,
    Done,
    Failed {
        error: String,
    },
    Skipped {
        reason: SkipReason,
    },
    /// The message may or may not have reached the provider (an attempt was cut off after
    /// handing it over): never sent again by itself; the owner decides (`resend`).
    Uncertain {
        reason: String,
    },
}

impl StepState {
    /// The message may have reached its recipients: a touch for the pacing rules.
    pub fn may_have_reached(&self) -> bool {
        matches!(self, StepState::Done | StepState::Uncertain { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Its time would fall before the invoice was issued.
    BeforeIssue,
    /// Its time had passed when the chase started (catch-up policy `skip`).
    Backdated,
    /// Its time had passed and a later step was sent instead (catch-up policy `latest`).
    CatchUp,
    /// An `on_issue` step for an invoice the accounting tool already delivered.
    AlreadySent,
    /// Nothing is owed.
    Settled,
    /// The send-time checks declined it; the entry's note says which one.
    Declined,
}

/// What the chase already did, so a re-plan keeps it and spaces new touches from it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct History {
    pub entries: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub step_id: String,
    pub at: Timestamp,
    pub state: StepState,
    /// Who was written to (empty unless sent).
    #[serde(default)]
    pub recipients: Vec<Email>,
    /// The provider's id for the sent message.
    #[serde(default)]
    pub message_id: Option<String>,
    /// Why a send was declined, or what a dry run would have sent.
    #[serde(default)]
    pub note: Option<String>,
    /// The owner accepted this failed or uncertain send (`dismiss`): it is not sent again and
    /// no longer needs anyone. Left out of the wire form while false, as histories before it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dismissed: bool,
}

impl HistoryEntry {
    /// A failed send, or one that may not have gone out, that nobody has dealt with yet.
    pub fn needs_owner(&self) -> bool {
        !self.dismissed
            && matches!(
                self.state,
                StepState::Failed { .. } | StepState::Uncertain { .. }
            )
    }
}

/// `plan_with_history` for a chase that has done nothing yet.
pub fn plan(invoice: &Invoice, cadence: &Cadence, settings: &Settings, now: Timestamp) -> Schedule {
    plan_with_history(invoice, cadence, settings, now, &History::default())
}

/// Every step of `cadence` for `invoice`, as seen at `now`.
///
/// - Nothing is scheduled before the issue date.
/// - Day offsets land on the send hour of a working day; finer offsets count exactly. Both
///   then roll forward out of quiet hours, weekends and holidays, on the recipient's clock
///   when known, else the company's.
/// - A step whose time passed less than `late_tolerance` ago is late and goes out at the next open
///   minute. Steps missed for longer are not sent in a burst: with catch-up `latest` only the
///   most recent is sent now and the rest are skipped (catch-up); with `skip` they are all
///   skipped (backdated), except an `on_issue` step, which is sent once unless the invoice
///   was already delivered.
/// - Touches to the same contact are at least `min_gap` apart: a step is pushed later, never
///   dropped. Instants of steps still to send, and of those done, strictly increase.
/// - A history entry still `pending` is a step asked to be sent again: it is due at the next
///   open minute and never caught up.
pub fn plan_with_history(
    invoice: &Invoice,
    cadence: &Cadence,
    settings: &Settings,
    now: Timestamp,
    history: &History,
) -> Schedule {
    let company = Window::new(settings, &settings.time_zone);
    let customer_zone = invoice
        .customer_time_zone
        .as_ref()
        .unwrap_or(&settings.time_zone);
    let anchors = Anchors::of(invoice, &company);
    let done: BTreeMap<&str, &HistoryEntry> = history
        .entries
        .iter()
        .map(|e| (e.step_id.as_str(), e))
        .collect();

    let mut drafts = Vec::with_capacity(cadence.steps.len() + 4);
    for (index, step) in cadence.steps.iter().enumerate() {
        let recipients = resolve_recipients(step, invoice);
        let zone = if recipients.to.is_empty() {
            &settings.time_zone
        } else {
            customer_zone
        };
        let window = Window::new(settings, zone);
        match step.trigger {
            Trigger::Repeat { every, times } => {
                let Some(base) = drafts
                    .iter()
                    .max_by_key(|d: &&Draft<'_>| (d.nominal, d.index))
                    .map(|d| (d.target, d.nominal))
                else {
                    continue;
                };
                for n in 1..=times {
                    let target = base.0.shifted(base.1, every.times(n));
                    let id = format!("{}#{n}", step.id);
                    drafts.push(Draft::new(
                        id,
                        index,
                        step,
                        target,
                        &window,
                        recipients.clone(),
                        &anchors,
                    ));
                }
            }
            trigger => {
                let target = anchors.target(trigger);
                drafts.push(Draft::new(
                    step.id.clone(),
                    index,
                    step,
                    target,
                    &window,
                    recipients,
                    &anchors,
                ));
            }
        }
    }
    drafts.sort_by_key(|d| (d.nominal, d.index));

    // Decide each step's fate; `None` means it still has to be sent.
    let missed_before = now
        .checked_sub(settings.late_tolerance.as_duration())
        .unwrap_or(now);
    let mut states: Vec<Option<StepState>> = Vec::with_capacity(drafts.len());
    let mut overdue: Vec<usize> = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        let requested_again = done
            .get(d.id.as_str())
            .is_some_and(|e| e.state == StepState::Pending);
        let state = if requested_again {
            None
        } else if let Some(entry) = done.get(d.id.as_str()) {
            Some(entry.state.clone())
        } else if d.before_issue {
            Some(StepState::Skipped {
                reason: SkipReason::BeforeIssue,
            })
        } else if invoice.is_settled() {
            Some(StepState::Skipped {
                reason: SkipReason::Settled,
            })
        } else if d.step.trigger == Trigger::OnIssue && invoice.already_sent {
            Some(StepState::Skipped {
                reason: SkipReason::AlreadySent,
            })
        } else {
            if d.nominal < missed_before && !requested_again {
                overdue.push(i);
            }
            None
        };
        states.push(state);
    }
    let catch_up = match settings.catch_up {
        CatchUp::Latest => overdue.last().copied(),
        CatchUp::Skip => overdue
            .iter()
            .copied()
            .find(|&i| drafts[i].step.trigger == Trigger::OnIssue),
    };
    let skipped_overdue = match settings.catch_up {
        CatchUp::Latest => SkipReason::CatchUp,
        CatchUp::Skip => SkipReason::Backdated,
    };
    for &i in overdue.iter().filter(|&&i| Some(i) != catch_up) {
        states[i] = Some(StepState::Skipped {
            reason: skipped_overdue,
        });
    }

    // Instants: history as recorded, skipped steps where they would have been, and steps to
    // send spaced from every earlier touch.
    // Anything still to send whose time has come goes out at the next open minute: a worker
    // that was down overnight waits for the window instead of sending at 3 a.m.
    let instants: Vec<Timestamp> = drafts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let due = states[i].is_none() && d.nominal < now;
            if due || Some(i) == catch_up {
                Window::new(settings, &d.zone).next_open(now)
            } else {
                d.nominal
            }
        })
        .collect();
    let mut instants = instants;
    let mut last_touch: BTreeMap<String, Timestamp> = BTreeMap::new();
    let mut previous: Option<Timestamp> = None;
    for entry in &history.entries {
        previous = previous.max(Some(entry.at));
        if entry.state.may_have_reached() {
            for email in &entry.recipients {
                let last = last_touch.entry(email.key()).or_insert(entry.at);
                *last = (*last).max(entry.at);
            }
        }
    }
    let mut to_send: Vec<usize> = (0..drafts.len()).filter(|&i| states[i].is_none()).collect();
    to_send.sort_by_key(|&i| (instants[i], drafts[i].index));
    for i in to_send {
        let d = &drafts[i];
        let window = Window::new(settings, &d.zone);
        let mut at = instants[i];
        let mut pushed = false;
        if let Some(p) = previous
            && at <= p
        {
            at = p.checked_add(MIN_SEPARATION).unwrap_or(p);
            pushed = true;
        }
        for email in d.recipients.to.iter().chain(&d.recipients.cc) {
            if let Some(&last) = last_touch.get(&email.key()) {
                let earliest = window.add(last, settings.min_gap);
                if at < earliest {
                    at = earliest;
                    pushed = true;
                }
            }
        }
        if pushed {
            at = window.next_open(at);
        }
        instants[i] = at;
        previous = Some(at);
        for email in d.recipients.to.iter().chain(&d.recipients.cc) {
            last_touch.insert(email.key(), at);
        }
    }

    let mut steps: Vec<PlannedStep> = drafts
        .into_iter()
        .zip(states)
        .zip(instants)
        .map(|((d, state), at)| {
            let at = done
                .get(d.id.as_str())
                .filter(|e| e.state != StepState::Pending)
                .map_or(at, |e| e.at);
            PlannedStep {
                id: d.id,
                index: d.index,
                trigger: d.step.trigger,
                action: d.step.action,
                tone: d.step.tone,
                template: d.step.template.clone(),
                channel: d.step.channel,
                require_approval: d.step.require_approval,
                at,
                zone: d.zone,
                recipients: d.recipients,
                state: state.unwrap_or(StepState::Pending),
            }
        })
        .collect();
    steps.sort_by_key(|s| (s.at, s.index));
    Schedule { steps }
}

/// Who receives `step`: the first `to` role that matches a contact, the CC roles, and the
/// account owner for escalations or when no contact fits.
pub fn resolve_recipients(step: &Step, invoice: &Invoice) -> Recipients {
    let contacts = &invoice.contacts;
    let mut recipients = Recipients::default();
    if step.reaches_customer() && !invoice.contact_override.is_empty() {
        recipients.to = invoice.contact_override.clone();
    }
    for wanted in step.to.iter().filter(|_| recipients.to.is_empty()) {
        let matches: Vec<&Contact> = match wanted {
            RecipientRole::Role(role) => contacts.iter().filter(|c| c.has_role(role)).collect(),
            RecipientRole::Any => contacts.iter().take(1).collect(),
        };
        if !matches.is_empty() {
            recipients.role = Some(wanted.clone());
            recipients.to = unique_emails(matches.into_iter());
            break;
        }
    }
    recipients.no_contact = step.reaches_customer() && recipients.to.is_empty();
    if !recipients.to.is_empty() {
        let cc = contacts
            .iter()
            .filter(|c| step.cc.iter().any(|r| c.has_role(r)))
            .filter(|c| !recipients.to.contains(&c.email));
        recipients.cc = unique_emails(cc);
    }
    recipients.owner = step.notify_owner || recipients.no_contact;
    recipients
}

fn unique_emails<'c>(contacts: impl Iterator<Item = &'c Contact>) -> Vec<Email> {
    let mut out: Vec<Email> = Vec::new();
    for c in contacts {
        if !out.contains(&c.email) {
            out.push(c.email.clone());
        }
    }
    out
}

/// When a step is aimed at, before the send window is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A calendar day: goes out at the send hour.
    Day(Date),
    /// An exact instant (sub-day offsets, or a known issue time).
    Instant(Timestamp),
}

impl Target {
    /// This target moved later by `offset`; `nominal` is where it was actually placed.
    fn shifted(self, nominal: Timestamp, offset: Offset) -> Target {
        match (self, offset) {
            (Target::Day(date), Offset::Days(days)) => date
                .checked_add(i64::from(days).days())
                .map_or(Target::Instant(Timestamp::MAX), Target::Day),
            _ => Target::Instant(
                nominal
                    .checked_add(offset.as_duration())
                    .unwrap_or(Timestamp::MAX),
            ),
        }
    }
}

/// The issue and due dates, and the instants that sub-day offsets count from: the invoice's
/// exact times when known, otherwise midnight at the start of the date on the company's clock.
struct Anchors {
    issue_date: Date,
    due_date: Date,
    issued_at: Option<Timestamp>,
    issue_instant: Timestamp,
    due_instant: Timestamp,
}

impl Anchors {
    fn of(invoice: &Invoice, company: &Window<'_>) -> Anchors {
        Anchors {
            issue_date: invoice.issue_date,
            due_date: invoice.due_date,
            issued_at: invoice.issued_at,
            issue_instant: invoice
                .issued_at
                .unwrap_or_else(|| company.at(invoice.issue_date, Time::midnight())),
            due_instant: invoice
                .due_at
                .unwrap_or_else(|| company.at(invoice.due_date, Time::midnight())),
        }
    }

    fn target(&self, trigger: Trigger) -> Target {
        let days = |date: Date, n: i64| {
            date.checked_add(n.days())
                .map_or(Target::Instant(Timestamp::MAX), Target::Day)
        };
        let exact = |t: Timestamp, d: SignedDuration| {
            Target::Instant(t.checked_add(d).unwrap_or(Timestamp::MAX))
        };
        match trigger {
            Trigger::OnIssue => self
                .issued_at
                .map_or(Target::Day(self.issue_date), Target::Instant),
            Trigger::AfterIssue(Offset::Days(n)) => days(self.issue_date, i64::from(n)),
            Trigger::AfterIssue(Offset::Exact(d)) => exact(self.issue_instant, d),
            Trigger::BeforeDue(Offset::Days(n)) => days(self.due_date, -i64::from(n)),
            Trigger::BeforeDue(Offset::Exact(d)) => exact(self.due_instant, -d),
            Trigger::AfterDue(Offset::Days(n)) => days(self.due_date, i64::from(n)),
            Trigger::AfterDue(Offset::Exact(d)) => exact(self.due_instant, d),
            Trigger::OnDate(date) => Target::Day(date),
            // Repeats are expanded from the step before them.
            Trigger::Repeat { .. } => Target::Instant(Timestamp::MAX),
        }
    }

    fn before_issue(&self, target: Target) -> bool {
        match target {
            Target::Day(date) => date < self.issue_date,
            Target::Instant(t) => t < self.issue_instant,
        }
    }
}

/// A step occurrence while planning.
struct Draft<'c> {
    id: String,
    index: usize,
    step: &'c Step,
    target: Target,
    nominal: Timestamp,
    zone: Zone,
    recipients: Recipients,
    before_issue: bool,
}

impl<'c> Draft<'c> {
    fn new(
        id: String,
        index: usize,
        step: &'c Step,
        target: Target,
        window: &Window<'_>,
        recipients: Recipients,
        anchors: &Anchors,
    ) -> Draft<'c> {
        let placed = match target {
            Target::Day(date) => window.send_time_from(date),
            Target::Instant(t) => window.next_open(t),
        };
        // On a clock east of the company's, the issue day can start before the invoice exists.
        let nominal = if placed < anchors.issue_instant {
            window.next_open(anchors.issue_instant)
        } else {
            placed
        };
        Draft {
            id,
            index,
            step,
            target,
            nominal,
            zone: window.zone().clone(),
            recipients,
            before_issue: anchors.before_issue(target),
        }
    }
}
