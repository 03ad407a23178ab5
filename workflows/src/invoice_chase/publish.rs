//! What the chase shows outside itself without being asked: its search attributes (what the
//! Temporal UI and `temporal workflow list --query` filter on) and the UI's current details.
//! Upserted only when something changed, since every upsert is an event in the history and a
//! billable action; the attributes a chase starts with cost nothing, so the starter sets them.

use jiff::Timestamp;
use temporalio_common::search_attributes::{
    SearchAttributeKey, SearchAttributeUpdate, SearchAttributes, Timestamp as SaTimestamp,
};
use temporalio_workflow::WorkflowContext;

use super::InvoiceChase;
use super::view::{next_touch_of, step_summary};
use crate::contracts::ChaseInput;
use crate::names;
use crate::names::search_attribute::key;
use chaser_domain::{Chase, ChaseState, plan_with_history};

/// What the search attributes last said, so they are only upserted when something changed.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Published {
    state: ChaseState,
    balance: chaser_domain::Money,
    due: jiff::civil::Date,
    next: Option<Timestamp>,
}

impl Published {
    /// The same for the search attributes: a step that was due and is still due "now" has
    /// not moved.
    fn same_as(&self, other: &Published, now: Timestamp) -> bool {
        next_same(self.next, other.next, now) && self.same_facts(other)
    }

    /// The same state, balance and due date: under `FEWER_ACTIONS_2` only these move
    /// `NextTouchAt`, which a step that goes out leaves as it was.
    fn same_facts(&self, other: &Published) -> bool {
        self.state == other.state && self.balance == other.balance && self.due == other.due
    }

    // Search attributes are for finding chases, not for arithmetic: a float is fine here.
    fn amount(&self) -> f64 {
        self.balance
            .amount()
            .to_string()
            .parse::<f64>()
            .unwrap_or(0.0)
    }

    fn due_at(&self) -> SaTimestamp {
        let due = self
            .due
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_or(Timestamp::UNIX_EPOCH, |z| z.timestamp());
        sa_time(due)
    }

    /// The attributes to set; `first` adds the ones that never change.
    fn updates(
        &self,
        first: bool,
        number: &str,
        customer: Option<&str>,
    ) -> Vec<SearchAttributeUpdate> {
        let mut values = vec![
            key::CHASE_STATE.value_set(self.state.as_str().to_owned()),
            key::AMOUNT_DUE.value_set(self.amount()),
            key::DUE_DATE.value_set(self.due_at()),
        ];
        values.push(match self.next {
            Some(at) => key::NEXT_TOUCH_AT.value_set(sa_time(at)),
            None => sa_clear(names::search_attribute::NEXT_TOUCH_AT),
        });
        if first {
            values.push(key::INVOICE_NUMBER.value_set(number.to_owned()));
            if let Some(customer) = customer {
                values.push(key::CUSTOMER.value_set(customer.to_owned()));
            }
        }
        values
    }

    /// Whether `shown` (the attributes as the chase started with them) already says this.
    fn shown_by(&self, shown: &SearchAttributes, now: Timestamp) -> bool {
        let next = shown
            .get(&key::NEXT_TOUCH_AT)
            .map(|t| Timestamp::new(t.seconds(), t.nanos()).unwrap_or(Timestamp::UNIX_EPOCH));
        shown.get(&key::CHASE_STATE).as_deref() == Some(self.state.as_str())
            && shown.get(&key::AMOUNT_DUE) == Some(self.amount())
            && shown.get(&key::DUE_DATE) == Some(self.due_at())
            && next_same(next, self.next, now)
    }
}

/// Two next touches are the same when equal, or both already due at `now`.
fn next_same(a: Option<Timestamp>, b: Option<Timestamp>, now: Timestamp) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b || (a <= now && b <= now),
        (a, b) => a == b,
    }
}

/// Clears a search attribute. `value_unset()` sends an empty payload, which Server 1.32
/// refuses for typed attributes (failing the workflow task); an empty list clears any type.
fn sa_clear(name: &'static str) -> SearchAttributeUpdate {
    SearchAttributeKey::<Vec<String>>::keyword_list(name).value_set(vec![])
}

fn sa_time(t: Timestamp) -> SaTimestamp {
    SaTimestamp::new(t.as_second(), t.subsec_nanosecond())
}

/// The search attributes a new chase starts with, planned at `now` the way its first task
/// plans: when they still hold there, that task upserts nothing.
pub fn start_search_attributes(input: &ChaseInput, now: Timestamp) -> Vec<SearchAttributeUpdate> {
    let chase = Chase::new(input.invoice.clone());
    let schedule = plan_with_history(
        &chase.invoice,
        &input.cadence,
        &input.settings,
        now,
        &chase.history,
    );
    let published = Published {
        state: chase.state,
        balance: chase.invoice.balance,
        due: chase.invoice.due_date,
        next: next_touch_of(&chase, &schedule).map(|n| n.at),
    };
    let customer = input
        .index_customer_name
        .then_some(chase.invoice.customer.name.as_str());
    published.updates(true, chase.invoice.number.as_str(), customer)
}

impl InvoiceChase {
    /// Keeps the search attributes and the UI's current details in step with the chase.
    pub(super) fn publish(ctx: &mut WorkflowContext<Self>, now: Timestamp) {
        let lean = ctx.patched(names::patch::FEWER_ACTIONS);
        let lean_2 = ctx.patched(names::patch::FEWER_ACTIONS_2);
        let shown = ctx.search_attributes();
        let (current, first, number, customer, details) = ctx.state(|s| {
            let next = s.next_touch().map(|n| n.at);
            let current = Published {
                state: s.chase.state,
                balance: s.chase.invoice.balance,
                due: s.chase.invoice.due_date,
                next,
            };
            let details = match (s.chase.state, s.schedule.next_pending()) {
                (ChaseState::Paused, _) => {
                    format!("paused until {}", s.chase.paused_until.unwrap_or(now))
                }
                (state, Some(step)) if state.is_sending() => {
                    format!("{state} · next: {}", step_summary(step))
                }
                (state, _) => format!("{state} · balance {}", s.chase.invoice.balance.grouped()),
            };
            let first = s.published.is_none();
            let changed = match &s.published {
                Some(published) if lean_2 => !published.same_facts(&current),
                Some(published) if lean => !published.same_as(&current, now),
                None if lean_2 => !current.shown_by(&shown, now),
                published => published.as_ref() != Some(&current),
            };
            (
                (changed, current),
                first,
                s.chase.invoice.number.to_string(),
                s.index_customer_name
                    .then(|| s.chase.invoice.customer.name.clone()),
                details,
            )
        });
        ctx.set_current_details(details);
        let (changed, current) = current;
        if changed {
            let values = current.updates(first, &number, customer.as_deref());
            ctx.upsert_search_attributes(values);
        } else if !first {
            // What the attributes say is still `published`.
            return;
        }
        ctx.state_mut(|s| s.published = Some(current));
    }
}
