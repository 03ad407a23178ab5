//! What is owed and what came in: days sales outstanding, payments collected in a period, and
//! the customers owing the most past due.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::{Decimal, RoundingStrategy};

use super::{LedgerEvent, LedgerKind, PerCurrency, ReportError, ReportInvoice};
use crate::invoice::days_between;
use crate::money::{Currency, Money, MoneyError};

/// Days sales outstanding per currency, by the standard formula:
///
/// `DSO = (receivables at as_of / credit sales in the period) × period_days`
///
/// Receivables are the open balances of `invoices` (the store's snapshot, so `as_of` is the day
/// it was taken). Credit sales are the ledger's `Issued` amounts in the `period_days` days ending
/// on `as_of` (`as_of - period_days < on <= as_of`). Rounded to one decimal, midpoint away from
/// zero. `None` when nothing was issued in the period. Sorted by currency code.
pub fn dso(
    invoices: &[ReportInvoice],
    ledger: &[LedgerEvent],
    as_of: Date,
    period_days: u32,
) -> Result<Vec<(Currency, Option<Decimal>)>, ReportError> {
    let mut receivables = PerCurrency::default();
    for invoice in invoices.iter().filter(|i| i.is_open()) {
        receivables.add(invoice.balance)?;
    }
    let mut sales = PerCurrency::default();
    for event in ledger {
        let days_ago = days_between(event.on, as_of);
        if let LedgerKind::Issued(amount) = event.kind
            && (0..i64::from(period_days)).contains(&days_ago)
        {
            sales.add(amount)?;
        }
    }
    let mut currencies: Vec<Currency> = receivables
        .0
        .values()
        .chain(sales.0.values())
        .map(Money::currency)
        .collect();
    currencies.sort_by_key(|c| c.code());
    currencies.dedup();
    currencies
        .into_iter()
        .map(|currency| {
            let sold = sales.get(currency).amount();
            if sold.is_zero() {
                return Ok((currency, None));
            }
            let days = receivables
                .get(currency)
                .amount()
                .checked_mul(Decimal::from(period_days))
                .and_then(|owed_days| owed_days.checked_div(sold))
                .ok_or(MoneyError::Overflow)?
                .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
            Ok((currency, Some(days)))
        })
        .collect()
}

/// Payments received with `from < on <= to`, one sum per currency, sorted by code.
pub fn collected(ledger: &[LedgerEvent], from: Date, to: Date) -> Result<Vec<Money>, ReportError> {
    let mut sums = PerCurrency::default();
    for event in ledger.iter().filter(|e| from < e.on && e.on <= to) {
        if let LedgerKind::Payment(amount) = event.kind {
            sums.add(amount)?;
        }
    }
    Ok(sums.0.into_values().collect())
}

/// What one customer owes past due in one currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LatePayer {
    pub customer: String,
    pub currency: Currency,
    pub overdue: Money,
    /// Open invoices at least one day past due.
    pub invoices: usize,
    pub oldest_days_late: i64,
}

/// The `n` customers owing the most past-due money in each currency: open invoices at least one
/// day past due at `as_of`, grouped by customer name and currency.
///
/// Amounts in different currencies cannot be ranked against each other, so the list is ordered
/// by currency code, then overdue amount descending, then oldest days late descending, then
/// customer name; ties always come out in the same order.
pub fn top_late_payers(
    invoices: &[ReportInvoice],
    as_of: Date,
    n: usize,
) -> Result<Vec<LatePayer>, ReportError> {
    let mut by_payer: BTreeMap<(&'static str, &str), LatePayer> = BTreeMap::new();
    for invoice in invoices.iter().filter(|i| i.is_open()) {
        let days_late = days_between(invoice.due_date, as_of);
        if days_late < 1 {
            continue;
        }
        let currency = invoice.balance.currency();
        let payer = by_payer
            .entry((currency.code(), &invoice.customer))
            .or_insert_with(|| LatePayer {
                customer: invoice.customer.clone(),
                currency,
                overdue: Money::zero(currency),
                invoices: 0,
                oldest_days_late: 0,
            });
        payer.overdue = payer.overdue.checked_add(&invoice.balance)?;
        payer.invoices += 1;
        payer.oldest_days_late = payer.oldest_days_late.max(days_late);
    }
    let mut payers: Vec<LatePayer> = by_payer.into_values().collect();
    payers.sort_by(|a, b| {
        a.currency
            .code()
            .cmp(b.currency.code())
            .then(b.overdue.amount().cmp(&a.overdue.amount()))
            .then(b.oldest_days_late.cmp(&a.oldest_days_late))
            .then(a.customer.cmp(&b.customer))
    });
    Ok(payers
        .chunk_by(|a, b| a.currency == b.currency)
        .flat_map(|same_currency| same_currency.iter().take(n).cloned())
        .collect())
}
