//! What the chase shows outside itself without being asked: its search attributes (what the
//! Temporal UI and `temporal workflow list --query` filter on) and the UI's current details.
//! Upserted only when something changed, since every upsert is an event in the history.

use jiff::Timestamp;
use temporalio_common::search_attributes::{SearchAttributeKey, Timestamp as SaTimestamp};
use temporalio_workflow::WorkflowContext;

use super::InvoiceChase;
use super::view::step_summary;
use crate::names;
use crate::names::search_attribute::key;
use chaser_domain::ChaseState;

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
        let next_same = match (self.next, other.next) {
            (Some(a), Some(b)) => a == b || (a <= now && b <= now),
            (a, b) => a == b,
        };
        next_same
            && self.state == other.state
            && self.balance == other.balance
            && self.due == other.due
    }
}

/// Clears a search attribute. `value_unset()` sends an empty payload, which Server 1.32
/// refuses for typed attributes (failing the workflow task); an empty list clears any type.
fn sa_clear(name: &'static str) -> temporalio_common::search_attributes::SearchAttributeUpdate {
    SearchAttributeKey::<Vec<String>>::keyword_list(name).value_set(vec![])
}

fn sa_time(t: Timestamp) -> SaTimestamp {
    SaTimestamp::new(t.as_second(), t.subsec_nanosecond())
}

impl InvoiceChase {
    /// Keeps the search attributes and the UI's current details in step with the chase.
    pub(super) fn publish(ctx: &mut WorkflowContext<Self>, now: Timestamp) {
        let lean = ctx.patched(names::patch::FEWER_ACTIONS);
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
                Some(published) if lean => !published.same_as(&current, now),
                published => published.as_ref() != Some(&current),
            };
            (
                changed.then_some(current),
                first,
                s.chase.invoice.number.to_string(),
                s.index_customer_name
                    .then(|| s.chase.invoice.customer.name.clone()),
                details,
            )
        });
        ctx.set_current_details(details);
        let Some(current) = current else { return };
        // Search attributes are for finding chases, not for arithmetic: a float is fine here.
        let amount = current
            .balance
            .amount()
            .to_string()
            .parse::<f64>()
            .unwrap_or(0.0);
        let due = current
            .due
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or(now);
        let mut values = vec![
            key::CHASE_STATE.value_set(current.state.as_str().to_owned()),
            key::AMOUNT_DUE.value_set(amount),
            key::DUE_DATE.value_set(sa_time(due)),
        ];
        values.push(match current.next {
            Some(at) => key::NEXT_TOUCH_AT.value_set(sa_time(at)),
            None => sa_clear(names::search_attribute::NEXT_TOUCH_AT),
        });
        if first {
            values.push(key::INVOICE_NUMBER.value_set(number));
            if let Some(customer) = customer {
                values.push(key::CUSTOMER.value_set(customer));
            }
        }
        ctx.upsert_search_attributes(values);
        ctx.state_mut(|s| s.published = Some(current));
    }
}
