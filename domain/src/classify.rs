//! Where an invoice stands today: the seed's four moves and the aging buckets of reports.

use std::fmt;

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::invoice::Invoice;
use crate::rules::{Cadence, Move, Trigger};

/// The seed's four moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    Current,
    FirstNudge,
    FollowUp,
    Escalate,
}

/// The move the cadence has reached by `today`: the latest step whose date has come, for an
/// invoice that is unpaid and past due. Anything else is `Current`.
pub fn classify(invoice: &Invoice, cadence: &Cadence, today: Date) -> Classification {
    if invoice.is_settled() || today <= invoice.due_date {
        return Classification::Current;
    }
    let mut reached: Option<(Date, usize, Move)> = None;
    let mut latest_base: Option<Date> = None;
    for (index, step) in cadence.steps.iter().enumerate() {
        let dates: Vec<Date> = match step.trigger {
            Trigger::Repeat { every, times } => latest_base
                .map(|base| {
                    (1..=times)
                        .filter_map(|n| {
                            base.checked_add((every.whole_days() * i64::from(n)).days())
                                .ok()
                        })
                        .collect()
                })
                .unwrap_or_default(),
            trigger => step_date(invoice, trigger).into_iter().collect(),
        };
        for date in dates {
            if !matches!(step.trigger, Trigger::Repeat { .. }) {
                latest_base = latest_base.max(Some(date));
            }
            if date <= today && reached.is_none_or(|(d, i, _)| (date, index) > (d, i)) {
                reached = Some((date, index, step.action));
            }
        }
    }
    match reached.map(|(_, _, m)| m) {
        None => Classification::Current,
        Some(Move::Nudge) => Classification::FirstNudge,
        Some(Move::FollowUp) => Classification::FollowUp,
        Some(Move::Escalate | Move::FinalNotice) => Classification::Escalate,
    }
}

/// The calendar day a step aims at, counting sub-day offsets in whole days.
fn step_date(invoice: &Invoice, trigger: Trigger) -> Option<Date> {
    let shift = |date: Date, days: i64| date.checked_add(days.days()).ok();
    match trigger {
        Trigger::OnIssue => Some(invoice.issue_date),
        Trigger::AfterIssue(o) => shift(invoice.issue_date, o.whole_days()),
        Trigger::BeforeDue(o) => shift(invoice.due_date, -o.whole_days()),
        Trigger::AfterDue(o) => shift(invoice.due_date, o.whole_days()),
        Trigger::OnDate(date) => Some(date),
        Trigger::Repeat { .. } => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AgingBucket {
    #[serde(rename = "current")]
    Current,
    #[serde(rename = "1-30")]
    Days1To30,
    #[serde(rename = "31-60")]
    Days31To60,
    #[serde(rename = "61-90")]
    Days61To90,
    #[serde(rename = "90+")]
    Over90,
}

impl AgingBucket {
    pub const ALL: [AgingBucket; 5] = [
        AgingBucket::Current,
        AgingBucket::Days1To30,
        AgingBucket::Days31To60,
        AgingBucket::Days61To90,
        AgingBucket::Over90,
    ];

    /// Due today or not yet due (zero or negative days) is `current`.
    pub fn for_days_past_due(days: i64) -> AgingBucket {
        match days {
            ..=0 => AgingBucket::Current,
            1..=30 => AgingBucket::Days1To30,
            31..=60 => AgingBucket::Days31To60,
            61..=90 => AgingBucket::Days61To90,
            _ => AgingBucket::Over90,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgingBucket::Current => "current",
            AgingBucket::Days1To30 => "1-30",
            AgingBucket::Days31To60 => "31-60",
            AgingBucket::Days61To90 => "61-90",
            AgingBucket::Over90 => "90+",
        }
    }
}

impl fmt::Display for AgingBucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Days past due, bucketed: not yet due is `current`; 1-30, 31-60, 61-90, then 90+.
pub fn aging_bucket(invoice: &Invoice, today: Date) -> AgingBucket {
    AgingBucket::for_days_past_due(invoice.days_past_due(today))
}
