//! The monthly summary: one calendar month of the ledger per currency, the month-end aging and
//! the promises, with the plain-text forms written from its numbers.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::civil::Date;

use super::aging::{AgingReport, age};
use super::{LedgerEvent, LedgerKind, Movement, ReportError, ReportInvoice};
use crate::classify::AgingBucket;
use crate::money::{Currency, Money, MoneyError};

/// One calendar month of the ledger, per currency, with the month-end aging.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MonthlySummary {
    pub first_day: Date,
    pub last_day: Date,
    /// Currencies with any figure other than zero, sorted by code.
    pub currencies: Vec<CurrencySummary>,
    /// Balances at the end of `last_day` reconstructed from the ledger, aged on `last_day` with
    /// the snapshot's due dates; invoices missing from the snapshot cannot be aged.
    pub aging: AgingReport,
    /// Promises are counted, not valued, so they are not split by currency.
    pub promises: PromiseCounts,
}

/// Receivables move as `closing = opening + issued - collected - written_off - voided`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CurrencySummary {
    pub currency: Currency,
    /// Open at the start of the first day: everything the ledger recorded before the month.
    pub opening: Money,
    pub issued: Money,
    pub collected: Money,
    pub written_off: Money,
    pub voided: Money,
    pub closing: Money,
}

impl CurrencySummary {
    fn empty(currency: Currency) -> Self {
        let zero = Money::zero(currency);
        CurrencySummary {
            currency,
            opening: zero,
            issued: zero,
            collected: zero,
            written_off: zero,
            voided: zero,
            closing: zero,
        }
    }

    fn figure_mut(&mut self, movement: Movement) -> &mut Money {
        match movement {
            Movement::Issued => &mut self.issued,
            Movement::Collected => &mut self.collected,
            Movement::WrittenOff => &mut self.written_off,
            Movement::Voided => &mut self.voided,
        }
    }

    fn is_all_zero(&self) -> bool {
        [
            self.opening,
            self.issued,
            self.collected,
            self.written_off,
            self.voided,
            self.closing,
        ]
        .iter()
        .all(Money::is_zero)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PromiseCounts {
    pub made: usize,
    pub kept: usize,
    pub broken: usize,
}

/// The month `year`-`month`: opening receivables from the ledger before its first day, the
/// month's movements, the closing receivables by the identity, the aging on its last day and the
/// promises made, kept and broken in it.
pub fn monthly_summary(
    invoices: &[ReportInvoice],
    ledger: &[LedgerEvent],
    year: i16,
    month: i8,
) -> Result<MonthlySummary, ReportError> {
    let first_day =
        Date::new(year, month, 1).map_err(|_| ReportError::InvalidMonth { year, month })?;
    let last_day = first_day.last_of_month();

    let mut lines: BTreeMap<&'static str, CurrencySummary> = BTreeMap::new();
    let mut promises = PromiseCounts::default();
    for event in ledger.iter().filter(|e| e.on <= last_day) {
        let in_month = event.on >= first_day;
        if let Some((movement, amount)) = event.kind.movement() {
            let line = lines
                .entry(amount.currency().code())
                .or_insert_with(|| CurrencySummary::empty(amount.currency()));
            if in_month {
                let figure = line.figure_mut(movement);
                *figure = figure.checked_add(&amount)?;
            } else if let Some(change) = event.kind.receivable_change() {
                line.opening = line.opening.checked_add(&change?)?;
            }
        } else if in_month {
            match event.kind {
                LedgerKind::PromiseMade { .. } => promises.made += 1,
                LedgerKind::PromiseKept => promises.kept += 1,
                LedgerKind::PromiseBroken => promises.broken += 1,
                _ => {}
            }
        }
    }
    for line in lines.values_mut() {
        line.closing = line
            .opening
            .checked_add(&line.issued)?
            .checked_sub(&line.collected)?
            .checked_sub(&line.written_off)?
            .checked_sub(&line.voided)?;
    }

    let due_dates: BTreeMap<&str, Date> = invoices
        .iter()
        .map(|i| (i.number.as_str(), i.due_date))
        .collect();
    let month_end_open = balances_through(ledger, last_day)?
        .into_iter()
        .filter(|(_, balance)| balance.is_positive())
        .filter_map(|(number, balance)| due_dates.get(number).map(|&due| (due, balance)));

    Ok(MonthlySummary {
        first_day,
        last_day,
        currencies: lines.into_values().filter(|l| !l.is_all_zero()).collect(),
        aging: age(month_end_open, last_day)?,
        promises,
    })
}

/// Each invoice's receivable at the end of `day`, from the ledger alone.
fn balances_through(
    ledger: &[LedgerEvent],
    day: Date,
) -> Result<BTreeMap<&str, Money>, MoneyError> {
    let mut balances: BTreeMap<&str, Money> = BTreeMap::new();
    for event in ledger.iter().filter(|e| e.on <= day) {
        let Some(change) = event.kind.receivable_change() else {
            continue;
        };
        let change = change?;
        let balance = match balances.get(event.invoice.as_str()) {
            Some(balance) => balance.checked_add(&change)?,
            None => change,
        };
        balances.insert(&event.invoice, balance);
    }
    Ok(balances)
}

impl MonthlySummary {
    /// `2026-03`.
    pub fn month_label(&self) -> String {
        self.first_day.strftime("%Y-%m").to_string()
    }

    /// The numbers only, as plain text: the prompt for an optional LLM narrative. The summary
    /// holds no customer names, invoice numbers or addresses, so none can leak into the prompt.
    pub fn aggregates_text(&self) -> String {
        let mut text = format!(
            "Month: {} ({} to {})\n",
            self.month_label(),
            self.first_day,
            self.last_day
        );
        for line in &self.currencies {
            let _ = writeln!(
                text,
                "{} receivables: opening {}, issued {}, collected {}, written off {}, voided {}, closing {}",
                line.currency,
                line.opening.grouped(),
                line.issued.grouped(),
                line.collected.grouped(),
                line.written_off.grouped(),
                line.voided.grouped(),
                line.closing.grouped(),
            );
        }
        for aging in &self.aging.currencies {
            let buckets: Vec<String> = aging
                .buckets
                .iter()
                .map(|b| format!("{} {} ({})", b.bucket, b.total.grouped(), b.count))
                .collect();
            let _ = writeln!(
                text,
                "{} aging on {} (amount, invoices): {}; total {} ({})",
                aging.currency,
                self.aging.as_of,
                buckets.join(", "),
                aging.total.grouped(),
                aging.count,
            );
        }
        let _ = writeln!(
            text,
            "Promises to pay: made {}, kept {}, broken {}",
            self.promises.made, self.promises.kept, self.promises.broken
        );
        text
    }

    /// A short paragraph written from the numbers, the default when no model is configured.
    pub fn deterministic_narrative(&self) -> String {
        let month = self.first_day.strftime("%B %Y").to_string();
        if self.currencies.is_empty() && self.promises == PromiseCounts::default() {
            return format!("{month}: no receivables and no activity.");
        }
        let mut sentences = Vec::new();
        for line in &self.currencies {
            let mut moves = vec![
                format!("{} issued", line.issued.grouped()),
                format!("{} collected", line.collected.grouped()),
            ];
            if !line.written_off.is_zero() {
                moves.push(format!("{} written off", line.written_off.grouped()));
            }
            if !line.voided.is_zero() {
                moves.push(format!("{} voided", line.voided.grouped()));
            }
            sentences.push(format!(
                "{} receivables went from {} to {} ({}).",
                line.currency,
                line.opening.grouped(),
                line.closing.grouped(),
                moves.join(", "),
            ));
        }
        for aging in &self.aging.currencies {
            let past_due: Vec<String> = aging
                .buckets
                .iter()
                .filter(|b| b.bucket != AgingBucket::Current && b.count > 0)
                .map(|b| {
                    let n = invoices(b.count);
                    format!("{} ({n}) at {} days", b.total.grouped(), b.bucket)
                })
                .collect();
            sentences.push(if past_due.is_empty() {
                format!("No {} invoice was past due at month end.", aging.currency)
            } else {
                format!(
                    "{} past due at month end: {}.",
                    aging.currency,
                    past_due.join(", ")
                )
            });
        }
        let PromiseCounts { made, kept, broken } = self.promises;
        if made + kept + broken > 0 {
            sentences.push(format!(
                "Customers made {made} promise{} to pay; {kept} {} kept and {broken} broken.",
                if made == 1 { "" } else { "s" },
                if kept == 1 { "was" } else { "were" },
            ));
        }
        format!("{month}: {}", sentences.join(" "))
    }
}

fn invoices(count: usize) -> String {
    match count {
        1 => "1 invoice".to_owned(),
        n => format!("{n} invoices"),
    }
}
