//! What the chase shows: its status (as `status` answers and the store keeps it), its next
//! touch, and the summary the Web UI shows on a timer.

use chaser_domain::{Chase, Move, PlannedStep, Schedule};

use super::InvoiceChase;
use crate::contracts::{NextTouch, StatusView};

/// The next message `chase` sends on `schedule`, if it is sending at all.
pub(super) fn next_touch_of(chase: &Chase, schedule: &Schedule) -> Option<NextTouch> {
    if !chase.state.is_sending() {
        return None;
    }
    chase.next_step(schedule).map(|st| NextTouch {
        step_id: st.id,
        action: st.action,
        at: st.at,
    })
}

impl InvoiceChase {
    pub(super) fn next_touch(&self) -> Option<NextTouch> {
        next_touch_of(&self.chase, &self.schedule)
    }

    /// The chase as `status` answers and the store keeps it.
    pub(super) fn view(&self) -> StatusView {
        StatusView {
            invoice: self.chase.invoice.number.to_string(),
            state: self.chase.state,
            balance: self.chase.invoice.balance,
            next_touch: self.next_touch(),
            paused_until: self.chase.paused_until,
            pauses_used: self.chase.pauses_used,
            paused_days_used: self.chase.paused_days_used,
            sends: self.chase.history.entries.clone(),
            pay_clicks: self.chase.pay_clicks.clone(),
            chasing_disabled: self.chase.invoice.do_not_chase,
            overrides: self.chase.overrides.clone(),
        }
    }
}

/// "follow-up · 2026-12-11 09:00 Europe/London": what the UI shows on a timer.
pub(super) fn step_summary(step: &PlannedStep) -> String {
    let local = step.zone.tz().to_datetime(step.at);
    let label = match step.action {
        Move::Nudge => "nudge",
        Move::FollowUp => "follow-up",
        Move::Escalate => "escalation",
        Move::FinalNotice => "final notice",
    };
    format!(
        "{label} ({}) · {} {}",
        step.id,
        local.strftime("%Y-%m-%d %H:%M"),
        step.zone
    )
}
