//! `chaser invoices`: what the store holds, invoice by invoice, with the chase's own last word
//! (its next touch, the owner's overrides) where the chase wrote one. Read from the store
//! alone, so it answers while Temporal or the worker is away.

use std::str::FromStr;

use chaser_domain::{ChaseState, Money};
use chaser_workflows::contracts::NextTouch;
use jiff::civil::Date;
use serde::Serialize;

use crate::{AppError, Chaser};

/// Every chase state, in the order the list of names is written.
const STATES: [ChaseState; 8] = [
    ChaseState::Scheduled,
    ChaseState::Escalated,
    ChaseState::Paused,
    ChaseState::Disputed,
    ChaseState::Failed,
    ChaseState::Paid,
    ChaseState::WrittenOff,
    ChaseState::Void,
];

/// Which invoices to list: one state, or all open (still chased) or closed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFilter {
    Open,
    Closed,
    Is(ChaseState),
}

impl StateFilter {
    fn keeps(self, state: ChaseState) -> bool {
        match self {
            StateFilter::Open => !state.is_closed(),
            StateFilter::Closed => state.is_closed(),
            StateFilter::Is(s) => s == state,
        }
    }
}

/// A state name that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a state: expected open, closed, {names}", names = STATES.map(ChaseState::as_str).join(", "))]
pub struct UnknownState(pub String);

impl FromStr for StateFilter {
    type Err = UnknownState;

    fn from_str(text: &str) -> Result<StateFilter, UnknownState> {
        let name = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        match name.as_str() {
            "open" => Ok(StateFilter::Open),
            "closed" => Ok(StateFilter::Closed),
            _ => STATES
                .into_iter()
                .find(|s| s.as_str() == name)
                .map(StateFilter::Is)
                .ok_or_else(|| UnknownState(text.to_owned())),
        }
    }
}

/// One invoice as the store holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvoiceLine {
    pub number: String,
    pub customer: String,
    pub state: ChaseState,
    pub amount: Money,
    pub balance: Money,
    /// The currency's code, for filtering without parsing amounts.
    pub currency: &'static str,
    pub due_date: Date,
    /// The chase's next touch, as it last wrote it to the store; none once it is closed,
    /// before it first wrote, or when nothing more is planned.
    pub next_touch: Option<NextTouch>,
    /// The owner's decisions an import keeps (`chasing`, `contacts`, `schedule`).
    pub overrides: Vec<&'static str>,
}

impl Chaser {
    /// The invoices the store holds (those in `filter`, when given), by due date and then
    /// number.
    pub async fn invoices(
        &self,
        filter: Option<StateFilter>,
    ) -> Result<Vec<InvoiceLine>, AppError> {
        let mut stored = self.store().all_invoices().await?;
        stored.retain(|s| filter.is_none_or(|f| f.keeps(s.state)));
        stored.sort_by(|a, b| {
            (a.invoice.due_date, a.invoice.number.normalized())
                .cmp(&(b.invoice.due_date, b.invoice.number.normalized()))
        });
        Ok(stored
            .into_iter()
            .map(|s| {
                let (next_touch, overrides) = match s.chase {
                    Some(chase) => (
                        chase.next_touch.filter(|_| !s.state.is_closed()),
                        chase.overrides.fields(),
                    ),
                    None => (None, vec![]),
                };
                InvoiceLine {
                    number: s.invoice.number.to_string(),
                    customer: s.invoice.customer.name,
                    state: s.state,
                    amount: s.invoice.amount,
                    currency: s.invoice.balance.currency().code(),
                    balance: s.invoice.balance,
                    due_date: s.invoice.due_date,
                    next_touch,
                    overrides,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use chaser_workflows::names;
    use jiff::Timestamp;

    use super::*;
    use crate::test_support::{invoice, offline};

    #[test]
    fn a_state_is_named_as_the_chase_names_it_or_as_open_or_closed() {
        assert_eq!("open".parse(), Ok(StateFilter::Open));
        assert_eq!(" Closed ".parse(), Ok(StateFilter::Closed));
        assert_eq!(
            "written off".parse(),
            Ok(StateFilter::Is(ChaseState::WrittenOff))
        );
        assert_eq!(
            "written_off".parse(),
            Ok(StateFilter::Is(ChaseState::WrittenOff))
        );
        for state in STATES {
            assert_eq!(state.as_str().parse(), Ok(StateFilter::Is(state)));
        }
    }

    #[test]
    fn an_unknown_state_is_refused_with_every_name() {
        let err = "unpaid".parse::<StateFilter>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "`unpaid` is not a state: expected open, closed, scheduled, escalated, paused, disputed, failed, paid, written_off, void"
        );
    }

    #[test]
    fn open_and_closed_split_the_states_as_the_chase_does() {
        for state in STATES {
            assert_eq!(StateFilter::Open.keeps(state), !state.is_closed());
            assert_eq!(StateFilter::Closed.keeps(state), state.is_closed());
        }
    }

    #[tokio::test]
    async fn invoices_are_listed_by_due_date_then_number_and_filtered_by_state() {
        let chaser = offline().await;
        let rows = [
            ("B-2", "2026-12-01", ChaseState::Scheduled),
            ("A-9", "2026-12-01", ChaseState::Paused),
            ("C-1", "2026-11-01", ChaseState::Paid),
        ];
        for (number, due, state) in rows {
            let invoice = invoice(number, "Acme Ltd", due);
            let id = names::workflow_id(&invoice.number);
            chaser
                .store()
                .upsert_invoice(&invoice, &id, state, Timestamp::now())
                .await
                .unwrap();
        }
        let numbers = |lines: Vec<InvoiceLine>| {
            lines
                .into_iter()
                .map(|l| format!("{} {}", l.number, l.state))
                .collect::<Vec<_>>()
        };

        assert_eq!(
            numbers(chaser.invoices(None).await.unwrap()),
            ["C-1 paid", "A-9 paused", "B-2 scheduled"]
        );
        assert_eq!(
            numbers(chaser.invoices(Some(StateFilter::Open)).await.unwrap()),
            ["A-9 paused", "B-2 scheduled"]
        );
        assert_eq!(
            numbers(
                chaser
                    .invoices(Some(StateFilter::Is(ChaseState::Paid)))
                    .await
                    .unwrap()
            ),
            ["C-1 paid"]
        );
        let line = chaser.invoices(None).await.unwrap().remove(0);
        assert_eq!(line.currency, "USD");
        assert_eq!(line.next_touch, None, "never chased: nothing planned");
    }
}
