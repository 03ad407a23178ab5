//! The owner's reports: aging, DSO, collections, late payers, the monthly summary and their CSV.
//!
//! Pure and deterministic: every date is passed in, every list is sorted (currencies by code),
//! and amounts are only ever added within one currency. Ledger amounts are summed as the caller
//! states them, so only an overpaid or credited invoice can make a receivable negative; the CSV
//! then writes it as text (`'-12.00`, see [`neutralize`]).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::civil::Date;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::chase::ChaseState;
use crate::classify::AgingBucket;
use crate::invoice::days_between;
use crate::money::{Currency, Money, MoneyError};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{year}-{month} is not a month")]
    InvalidMonth { year: i16, month: i8 },
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error("writing the CSV failed: {0}")]
    Csv(#[from] csv::Error),
}

/// One invoice as the store knows it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportInvoice {
    pub number: String,
    pub customer: String,
    pub issue_date: Date,
    pub due_date: Date,
    pub amount: Money,
    pub balance: Money,
    pub state: ChaseState,
}

impl ReportInvoice {
    /// Still owed: the chase is not closed and something is left to pay.
    pub fn is_open(&self) -> bool {
        !self.state.is_closed() && self.balance.is_positive()
    }
}

/// One fact of an invoice's history, as the caller maps it from the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEvent {
    pub on: Date,
    pub invoice: String,
    pub customer: String,
    pub kind: LedgerKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    Issued(Money),
    Payment(Money),
    WrittenOff(Money),
    Voided(Money),
    PromiseMade { pay_by: Date },
    PromiseKept,
    PromiseBroken,
}

/// The ledger events that move receivables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Movement {
    Issued,
    Collected,
    WrittenOff,
    Voided,
}

impl LedgerKind {
    fn movement(self) -> Option<(Movement, Money)> {
        match self {
            LedgerKind::Issued(m) => Some((Movement::Issued, m)),
            LedgerKind::Payment(m) => Some((Movement::Collected, m)),
            LedgerKind::WrittenOff(m) => Some((Movement::WrittenOff, m)),
            LedgerKind::Voided(m) => Some((Movement::Voided, m)),
            LedgerKind::PromiseMade { .. }
            | LedgerKind::PromiseKept
            | LedgerKind::PromiseBroken => None,
        }
    }

    /// The change to the invoice's receivable: issuing adds, the other movements remove.
    fn receivable_change(self) -> Option<Result<Money, MoneyError>> {
        self.movement().map(|(movement, m)| match movement {
            Movement::Issued => Ok(m),
            Movement::Collected | Movement::WrittenOff | Movement::Voided => {
                Money::zero(m.currency()).checked_sub(&m)
            }
        })
    }
}

/// Sums per currency, keyed by code so they come out sorted by code.
#[derive(Debug, Default)]
struct PerCurrency(BTreeMap<&'static str, Money>);

impl PerCurrency {
    fn add(&mut self, money: Money) -> Result<(), MoneyError> {
        let sum = match self.0.get(money.currency().code()) {
            Some(sum) => sum.checked_add(&money)?,
            None => money,
        };
        self.0.insert(money.currency().code(), sum);
        Ok(())
    }

    fn get(&self, currency: Currency) -> Money {
        self.0
            .get(currency.code())
            .copied()
            .unwrap_or_else(|| Money::zero(currency))
    }
}

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
fn age(
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

/// Prefixes a cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, carriage
/// return) with `'`. Applied to every cell, amounts included, so a negative amount is written as
/// the text `'-12.00`: one rule with no exceptions is easier to trust than a list of safe columns.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn write_csv(header: &[&str], rows: Vec<Vec<String>>) -> Result<String, ReportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header)?;
    for row in rows {
        let cells: Vec<Cow<'_, str>> = row.iter().map(|cell| neutralize(cell)).collect();
        writer.write_record(cells.iter().map(|cell| cell.as_bytes()))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    // Every cell came from a `String`, so the bytes are UTF-8.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `as_of,currency,bucket,invoices,balance`: one row per bucket and a `total` row per currency.
pub fn aging_csv(report: &AgingReport) -> Result<String, ReportError> {
    let as_of = report.as_of.to_string();
    let mut rows = Vec::new();
    for aging in &report.currencies {
        let lines = aging
            .buckets
            .iter()
            .map(|b| (b.bucket.label(), b.count, b.total))
            .chain([("total", aging.count, aging.total)]);
        for (bucket, count, total) in lines {
            rows.push(vec![
                as_of.clone(),
                aging.currency.to_string(),
                bucket.to_owned(),
                count.to_string(),
                total.amount().to_string(),
            ]);
        }
    }
    write_csv(
        &["as_of", "currency", "bucket", "invoices", "balance"],
        rows,
    )
}

/// `month,currency,measure,value`: the movements per currency, the month-end aging balances
/// (`aging_<bucket>`), then the promise counts with no currency.
pub fn summary_csv(summary: &MonthlySummary) -> Result<String, ReportError> {
    let month = summary.month_label();
    let row = |currency: String, measure: &str, value: String| {
        vec![month.clone(), currency, measure.to_owned(), value]
    };
    let mut rows = Vec::new();
    for line in &summary.currencies {
        let figures = [
            ("opening", line.opening),
            ("issued", line.issued),
            ("collected", line.collected),
            ("written_off", line.written_off),
            ("voided", line.voided),
            ("closing", line.closing),
        ];
        for (measure, money) in figures {
            rows.push(row(
                line.currency.to_string(),
                measure,
                money.amount().to_string(),
            ));
        }
    }
    for aging in &summary.aging.currencies {
        for b in &aging.buckets {
            rows.push(row(
                aging.currency.to_string(),
                &format!("aging_{}", b.bucket),
                b.total.amount().to_string(),
            ));
        }
    }
    let PromiseCounts { made, kept, broken } = summary.promises;
    for (measure, count) in [
        ("promises_made", made),
        ("promises_kept", kept),
        ("promises_broken", broken),
    ] {
        rows.push(row(String::new(), measure, count.to_string()));
    }
    write_csv(&["month", "currency", "measure", "value"], rows)
}

/// `currency,customer,overdue,invoices,oldest_days_late`, in the order given.
pub fn late_payers_csv(payers: &[LatePayer]) -> Result<String, ReportError> {
    let rows = payers
        .iter()
        .map(|p| {
            vec![
                p.currency.to_string(),
                p.customer.clone(),
                p.overdue.amount().to_string(),
                p.invoices.to_string(),
                p.oldest_days_late.to_string(),
            ]
        })
        .collect();
    write_csv(
        &[
            "currency",
            "customer",
            "overdue",
            "invoices",
            "oldest_days_late",
        ],
        rows,
    )
}
