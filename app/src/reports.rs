//! The owner's reports from the store: aging (with DSO, collections and the top late payers)
//! and the monthly summary. The numbers come from `chaser_domain::reports`; this module maps
//! the store's invoices and audit log into its inputs.

use chaser_activities::store::{AuditRecord, StoredInvoice};
use chaser_domain::reports::{
    self, AgingReport, LatePayer, LedgerEvent, LedgerKind, MonthlySummary, ReportInvoice,
};
use chaser_domain::{AuditAction, AuditSnapshot, Currency, Money};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use serde::{Deserialize as _, Serialize};

use crate::{AppError, Chaser};

/// DSO looks back over this many days of sales.
pub const DSO_PERIOD_DAYS: u32 = 90;
/// Collections are counted over this many days.
pub const COLLECTED_DAYS: i64 = 30;
/// How many late payers the report names, per currency.
pub const TOP_LATE_PAYERS: usize = 5;

#[derive(Debug, Clone, Serialize)]
pub struct AgingView {
    pub aging: AgingReport,
    pub dso: Vec<(Currency, Option<Decimal>)>,
    pub collected_last_30_days: Vec<Money>,
    pub top_late_payers: Vec<LatePayer>,
}

fn report_error(e: reports::ReportError) -> AppError {
    AppError::Invalid(format!("computing the report: {e}"))
}

fn report_invoice(stored: &StoredInvoice) -> ReportInvoice {
    let i = &stored.invoice;
    ReportInvoice {
        number: i.number.to_string(),
        customer: i.customer.name.clone(),
        issue_date: i.issue_date,
        due_date: i.due_date,
        amount: i.amount,
        balance: i.balance,
        state: stored.state,
    }
}

/// An audit row's `before` or `after`, when it holds a chase (read in place, not copied).
fn snapshot(value: Option<&serde_json::Value>) -> Option<AuditSnapshot> {
    AuditSnapshot::deserialize(value?).ok()
}

/// How much an audited change took off the balance (a payment, a write-off, a void).
pub fn balance_moved(record: &AuditRecord) -> Option<Money> {
    let before = snapshot(record.before.as_ref())?.balance;
    let after =
        snapshot(record.after.as_ref()).map_or(Money::zero(before.currency()), |a| a.balance);
    before.checked_sub(&after).ok().filter(Money::is_positive)
}

/// The ledger: every invoice issued (from its snapshot), every audited change of balance, and
/// the promises made, kept and broken.
fn ledger(invoices: &[StoredInvoice], audit: &[AuditRecord]) -> Vec<LedgerEvent> {
    let mut events: Vec<LedgerEvent> = invoices
        .iter()
        .map(|s| LedgerEvent {
            on: s.invoice.issue_date,
            invoice: s.invoice.number.normalized(),
            customer: s.invoice.customer.name.clone(),
            kind: LedgerKind::Issued(s.invoice.amount),
        })
        .collect();
    let customers: std::collections::BTreeMap<String, String> = invoices
        .iter()
        .map(|s| {
            (
                s.invoice.number.normalized(),
                s.invoice.customer.name.clone(),
            )
        })
        .collect();
    for record in audit {
        let after = snapshot(record.after.as_ref());
        let moved = || balance_moved(record);
        let kind = match record.action {
            AuditAction::Paid | AuditAction::Payment => moved().map(LedgerKind::Payment),
            AuditAction::Writeoff | AuditAction::ResolveWriteoff => {
                moved().map(LedgerKind::WrittenOff)
            }
            AuditAction::Void => moved().map(LedgerKind::Voided),
            AuditAction::Promise => after
                .as_ref()
                .and_then(|a| a.promised_by)
                .map(|pay_by| LedgerKind::PromiseMade { pay_by }),
            AuditAction::PromiseKept => Some(LedgerKind::PromiseKept),
            AuditAction::PromiseBroken => Some(LedgerKind::PromiseBroken),
            _ => None,
        };
        let Some(kind) = kind else { continue };
        events.push(LedgerEvent {
            on: record.at.to_zoned(TimeZone::UTC).date(),
            invoice: record.invoice.clone(),
            customer: customers.get(&record.invoice).cloned().unwrap_or_default(),
            kind,
        });
    }
    events
}

async fn inputs(chaser: &Chaser) -> Result<(Vec<ReportInvoice>, Vec<LedgerEvent>), AppError> {
    let stored = chaser.store().all_invoices().await?;
    let actions: Vec<AuditAction> = AuditAction::MONEY
        .into_iter()
        .chain(AuditAction::PROMISES)
        .collect();
    let audit = chaser.store().audit_with_actions(&actions).await?;
    let ledger = ledger(&stored, &audit);
    Ok((stored.iter().map(report_invoice).collect(), ledger))
}

/// The first day whose collections count towards the report as of `as_of`.
fn collected_from(as_of: Date) -> Date {
    as_of
        .checked_sub(jiff::Span::new().days(COLLECTED_DAYS))
        .unwrap_or(as_of)
}

/// The audit events aging needs besides the invoices: the money that moved in its
/// collections window. Only that window is read (through `audit_log_at`), never the whole
/// log, which grows with every chase for years.
pub async fn aging_audit(chaser: &Chaser, as_of: Date) -> Result<Vec<AuditRecord>, AppError> {
    let since = collected_from(as_of)
        .to_zoned(TimeZone::UTC)
        .map_or(jiff::Timestamp::MIN, |z| z.timestamp());
    Ok(chaser
        .store()
        .audit_since(since, &AuditAction::MONEY)
        .await?)
}

/// Aging as of `as_of`, with DSO, the last 30 days' collections and the top late payers.
pub async fn aging(chaser: &Chaser, as_of: Date) -> Result<AgingView, AppError> {
    let (stored, audit) = tokio::try_join!(
        async { Ok::<_, AppError>(chaser.store().all_invoices().await?) },
        aging_audit(chaser, as_of)
    )?;
    aging_of(&stored, &audit, as_of)
}

/// Aging from invoices already read (every one, open or closed: DSO counts the closed ones'
/// sales) and [`aging_audit`]'s events, for a caller that has read them for more than this.
pub fn aging_of(
    stored: &[StoredInvoice],
    audit: &[AuditRecord],
    as_of: Date,
) -> Result<AgingView, AppError> {
    let ledger = ledger(stored, audit);
    let invoices: Vec<ReportInvoice> = stored.iter().map(report_invoice).collect();
    Ok(AgingView {
        aging: reports::aging(&invoices, as_of).map_err(report_error)?,
        dso: reports::dso(&invoices, &ledger, as_of, DSO_PERIOD_DAYS).map_err(report_error)?,
        collected_last_30_days: reports::collected(&ledger, collected_from(as_of), as_of)
            .map_err(report_error)?,
        top_late_payers: reports::top_late_payers(&invoices, as_of, TOP_LATE_PAYERS)
            .map_err(report_error)?,
    })
}

pub fn aging_csv(view: &AgingView) -> Result<String, AppError> {
    reports::aging_csv(&view.aging).map_err(report_error)
}

/// The summary of one calendar month.
pub async fn monthly(chaser: &Chaser, year: i16, month: i8) -> Result<MonthlySummary, AppError> {
    let (invoices, ledger) = inputs(chaser).await?;
    reports::monthly_summary(&invoices, &ledger, year, month).map_err(report_error)
}

/// `YYYY-MM` as a year and month.
pub fn parse_month(text: &str) -> Result<(i16, i8), AppError> {
    let bad = || AppError::Invalid(format!("`{text}` is not a month: write YYYY-MM"));
    let (y, m) = text.split_once('-').ok_or_else(bad)?;
    let month: i8 = m.parse().map_err(|_| bad())?;
    if !(1..=12).contains(&month) {
        return Err(bad());
    }
    Ok((y.parse().map_err(|_| bad())?, month))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chaser_domain::{ChaseState, Customer, Email, Invoice, InvoiceNumber, Terms};
    use jiff::civil::date;
    use serde_json::json;

    fn stored(number: &str) -> StoredInvoice {
        let usd = |s: &str| Money::parse(s, "USD".parse().unwrap()).unwrap();
        StoredInvoice {
            invoice: Invoice::new(
                InvoiceNumber::parse(number).unwrap(),
                Customer {
                    id: "acme".into(),
                    name: "Acme Ltd".into(),
                },
                usd("1000"),
                date(2026, 11, 1),
                date(2026, 12, 1),
                Terms::Net(30),
                Email::parse("owner@x.example").unwrap(),
            ),
            workflow_id: format!("invoice-{number}"),
            state: ChaseState::Scheduled,
            updated_at: "2026-12-01T00:00:00Z".parse().unwrap(),
            chase: None,
        }
    }

    fn record(action: AuditAction, at: &str, after: Option<serde_json::Value>) -> AuditRecord {
        AuditRecord {
            at: at.parse().unwrap(),
            invoice: "INV-1".into(),
            workflow_id: "invoice-INV-1".into(),
            action,
            actor: "cli:alice".into(),
            before: None,
            after,
            detail: None,
            dedup_key: format!("{at}/{action}"),
        }
    }

    #[tokio::test]
    async fn aging_reads_the_collections_window_of_the_audit_log_and_counts_what_it_holds() {
        // Arrange: one invoice, paid in part twice: 40 days before the report and 10 days
        // before it. Only the second is in the 30 days' collections.
        let chaser = crate::test_support::offline().await;
        let store = chaser.store();
        let invoice = stored("INV-1");
        store
            .upsert_invoice(
                &invoice.invoice,
                &invoice.workflow_id,
                invoice.state,
                "2026-12-01T00:00:00Z".parse().unwrap(),
            )
            .await
            .unwrap();
        let payment = |at: &str, before: &str, after: &str| AuditRecord {
            before: Some(
                json!({ "state": "scheduled", "balance": before, "due_date": "2026-12-01" }),
            ),
            ..record(
                AuditAction::Payment,
                at,
                Some(json!({ "state": "scheduled", "balance": after, "due_date": "2026-12-01" })),
            )
        };
        for p in [
            payment("2026-11-22T10:00:00Z", "USD 1000.00", "USD 900.00"),
            payment("2026-12-22T10:00:00Z", "USD 900.00", "USD 750.00"),
        ] {
            assert!(store.append_audit(&p).await.unwrap());
        }
        let as_of = date(2027, 1, 1);

        // Act
        let window = aging_audit(&chaser, as_of).await.unwrap();
        let view = aging(&chaser, as_of).await.unwrap();

        // Assert: the older payment is not even read, and the report counts the other.
        assert_eq!(window.len(), 1, "{window:?}");
        assert_eq!(window[0].at, "2026-12-22T10:00:00Z".parse().unwrap());
        let usd = "USD".parse().unwrap();
        assert_eq!(
            view.collected_last_30_days,
            [Money::parse("150", usd).unwrap()]
        );
        assert_eq!(view.aging.currencies.len(), 1);
    }

    #[test]
    fn the_monthly_summary_counts_the_promises_the_chase_writes() {
        // What the chase writes: a promise with the day in its `after` snapshot, then kept
        // or broken.
        let promised = json!({
            "state": "paused", "balance": "USD 1000.00", "due_date": "2026-12-01",
            "promised_by": "2026-12-12",
        });
        let audit = vec![
            record(
                AuditAction::Promise,
                "2026-12-05T10:00:00Z",
                Some(promised.clone()),
            ),
            record(AuditAction::PromiseBroken, "2026-12-13T00:00:00Z", None),
            record(AuditAction::Promise, "2026-12-14T10:00:00Z", Some(promised)),
            record(AuditAction::PromiseKept, "2026-12-15T10:00:00Z", None),
        ];
        let invoices = [stored("INV-1")];
        let ledger = ledger(&invoices, &audit);
        let summary = reports::monthly_summary(
            &invoices.iter().map(report_invoice).collect::<Vec<_>>(),
            &ledger,
            2026,
            12,
        )
        .unwrap();
        assert_eq!(
            (
                summary.promises.made,
                summary.promises.kept,
                summary.promises.broken
            ),
            (2, 1, 1)
        );
    }
}
