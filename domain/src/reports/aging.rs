//! The aging report: open balances bucketed by days past due, per currency; the monthly
//! summary ages its month-end balances the same way.

use std::collections::BTreeMap;

use jiff::civil::Date;

use super::{ReportError, ReportInvoice};
use crate::classify::AgingBucket;
use crate::invoice::days_between;
use crate::money::{Currency, Money, MoneyError};

/// Open balances by days past due, per currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgingReport {
    pub as_of: Date,
    /// Currencies with at least one open invoice, sorted by code.
    pub currencies: Vec<CurrencyAging>,
}

impl AgingReport {
    pub fn currency(&self, currency: Currency) -> Option<&CurrencyAging> {
        self.currencies.iter().find(|c| c.currency == currency)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CurrencyAging {
    pub currency: Currency,
    /// Every bucket, empty ones included, in `AgingBucket::ALL` order.
    pub buckets: [BucketLine; 5],
    pub count: usize,
    pub total: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BucketLine {
    pub bucket: AgingBucket,
    pub count: usize,
    pub total: Money,
}

impl CurrencyAging {
    fn empty(currency: Currency) -> Self {
        let zero = Money::zero(currency);
        CurrencyAging {
            currency,
            buckets: AgingBucket::ALL.map(|bucket| BucketLine {
                bucket,
                count: 0,
                total: zero,
            }),
            count: 0,
            total: zero,
        }
    }

    pub fn bucket(&self, bucket: AgingBucket) -> &BucketLine {
        // `AgingBucket::ALL` lists the variants in declaration order.
        &self.buckets[bucket as usize]
    }

    fn add(&mut self, bucket: AgingBucket, balance: Money) -> Result<(), MoneyError> {
        let line = &mut self.buckets[bucket as usize];
        line.total = line.total.checked_add(&balance)?;
        line.count += 1;
        self.total = self.total.checked_add(&balance)?;
        self.count += 1;
        Ok(())
    }
}

/// Open invoices (chase not closed, balance above zero) bucketed by days past due at `as_of`:
/// due today or not yet due is `current`, then 1-30, 31-60, 61-90 and 90+.
pub fn aging(invoices: &[ReportInvoice], as_of: Date) -> Result<AgingReport, ReportError> {
    let open = invoices
        .iter()
        .filter(|i| i.is_open())
        .map(|i| (i.due_date, i.balance));
    Ok(age(open, as_of)?)
}

/// Ages `(due date, open balance)` pairs.
pub(super) fn age(
    open: impl IntoIterator<Item = (Date, Money)>,
    as_of: Date,
) -> Result<AgingReport, MoneyError> {
    let mut by_code: BTreeMap<&'static str, CurrencyAging> = BTreeMap::new();
    for (due_date, balance) in open {
        let bucket = AgingBucket::for_days_past_due(days_between(due_date, as_of));
        by_code
            .entry(balance.currency().code())
            .or_insert_with(|| CurrencyAging::empty(balance.currency()))
            .add(bucket, balance)?;
    }
    Ok(AgingReport {
        as_of,
        currencies: by_code.into_values().collect(),
    })
}
