//! Where the money stands, for the whole company: the aging report's buckets per currency,
//! the last 30 days' collections, DSO and the top late payers (`chaser report aging`'s figures,
//! shaped for the page's charts and the e-mail's lines).

use chaser_app::reports;
use chaser_domain::Money;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MoneyView {
    /// One per currency with open invoices or recent collections, by code.
    pub currencies: Vec<CurrencyMoney>,
    /// Per currency, the customers owing the most past due.
    pub top_late_payers: Vec<LatePayerLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrencyMoney {
    pub currency: String,
    pub outstanding: String,
    pub open_invoices: usize,
    pub buckets: Vec<BucketBar>,
    pub collected_30_days: String,
    /// Days sales outstanding over the last 90 days, rounded; none without sales.
    pub dso_days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BucketBar {
    /// `current`, `1-30`, ... `90+` (days past due).
    pub label: &'static str,
    pub count: usize,
    pub total: String,
    /// Share of the currency's outstanding balance, in whole percent.
    pub percent: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatePayerLine {
    pub customer: String,
    pub overdue: String,
    pub invoices: usize,
    pub oldest_days_late: i64,
    /// Bar length: share of the largest overdue amount in the same currency, in percent.
    pub percent: u32,
}

/// `part` as a whole percent of `whole` (0 when the whole is zero).
fn percent(part: Decimal, whole: Decimal) -> u32 {
    if whole.is_zero() {
        return 0;
    }
    (part * Decimal::ONE_HUNDRED / whole)
        .round()
        .to_u32()
        .unwrap_or(0)
        .min(100)
}

impl MoneyView {
    /// The part as lines, for the e-mail and the terminal: one per currency, then the late
    /// payers.
    pub fn lines(&self) -> (Vec<String>, Vec<String>) {
        let currencies = self
            .currencies
            .iter()
            .map(|c| {
                let buckets: Vec<String> = c
                    .buckets
                    .iter()
                    .filter(|b| b.count > 0)
                    .map(|b| format!("{} {}", b.label, b.total))
                    .collect();
                let dso = c
                    .dso_days
                    .map_or_else(String::new, |d| format!("; DSO {d} days"));
                format!(
                    "{} open in {} invoice(s){}{}; collected in 30 days {}{dso}",
                    c.outstanding,
                    c.open_invoices,
                    if buckets.is_empty() { "" } else { ": " },
                    buckets.join(", "),
                    c.collected_30_days,
                )
            })
            .collect();
        let payers = self
            .top_late_payers
            .iter()
            .map(|p| {
                format!(
                    "{}: {} past due ({} invoice(s), oldest {} days)",
                    p.customer, p.overdue, p.invoices, p.oldest_days_late
                )
            })
            .collect();
        (currencies, payers)
    }

    pub fn from_report(view: &reports::AgingView) -> MoneyView {
        let mut codes: Vec<_> = view
            .aging
            .currencies
            .iter()
            .map(|c| c.currency)
            .chain(view.collected_last_30_days.iter().map(Money::currency))
            .collect();
        codes.sort_by_key(|c| c.code().to_owned());
        codes.dedup();
        let currencies = codes
            .into_iter()
            .map(|currency| {
                let aging = view.aging.currency(currency);
                let total = aging.map_or(Money::zero(currency), |a| a.total);
                CurrencyMoney {
                    currency: currency.code().to_owned(),
                    outstanding: total.grouped(),
                    open_invoices: aging.map_or(0, |a| a.count),
                    buckets: aging
                        .map(|a| {
                            a.buckets
                                .iter()
                                .map(|b| BucketBar {
                                    label: b.bucket.label(),
                                    count: b.count,
                                    total: b.total.grouped(),
                                    percent: percent(b.total.amount(), total.amount()),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    collected_30_days: view
                        .collected_last_30_days
                        .iter()
                        .find(|m| m.currency() == currency)
                        .map_or_else(|| Money::zero(currency).grouped(), Money::grouped),
                    dso_days: view
                        .dso
                        .iter()
                        .find(|(c, _)| *c == currency)
                        .and_then(|(_, d)| *d)
                        .and_then(|d| d.round().to_i64()),
                }
            })
            .collect();
        let top_late_payers = view
            .top_late_payers
            .iter()
            .map(|p| {
                let largest = view
                    .top_late_payers
                    .iter()
                    .filter(|q| q.currency == p.currency)
                    .map(|q| q.overdue.amount())
                    .max()
                    .unwrap_or_default();
                LatePayerLine {
                    customer: p.customer.clone(),
                    overdue: p.overdue.grouped(),
                    invoices: p.invoices,
                    oldest_days_late: p.oldest_days_late,
                    percent: percent(p.overdue.amount(), largest),
                }
            })
            .collect();
        MoneyView {
            currencies,
            top_late_payers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_and_never_divide_by_zero() {
        assert_eq!(percent(Decimal::new(1, 0), Decimal::new(3, 0)), 33);
        assert_eq!(percent(Decimal::new(2, 0), Decimal::new(3, 0)), 67);
        assert_eq!(percent(Decimal::ONE, Decimal::ZERO), 0);
    }
}
