//! The owner's reports from the store: aging (with DSO, collections and the top late payers)
//! and the monthly summary. The numbers come from `chaser_domain::reports`; this module maps
//! the store's invoices and audit log into its inputs.

use chaser_activities::store::{AuditRecord, StoredInvoice};
use chaser_domain::reports::{
    self, AgingReport, LatePayer, LedgerEvent, LedgerKind, MonthlySummary, ReportInvoice,
};
use chaser_domain::{Currency, Money};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::ops::{Chaser, OpsError};

/// DSO looks back over this many days of sales.
pub const DSO_PERIOD_DAYS: u32 = 90;
/// Collections are counted over this many days.
pub const COLLECTED_DAYS: i64 = 30;
/// How many late payers the report names, per currency.
pub const TOP_LATE_PAYERS: usize = 5;

/// Audit actions that move money, and so feed the ledger.
const MONEY_ACTIONS: [&str; 6] = [
    "paid",
    "payment",
    "writeoff",
    "resolve_writeoff",
    "void",
    "chase_started",
];

#[derive(Debug, Clone, Serialize)]
pub struct AgingView {
    pub aging: AgingReport,
    pub dso: Vec<(Currency, Option<Decimal>)>,
    pub collected_last_30_days: Vec<Money>,
    pub top_late_payers: Vec<LatePayer>,
}

fn report_error(e: reports::ReportError) -> OpsError {
    OpsError::Invalid(format!("computing the report: {e}"))
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

/// The balance in an audit snapshot (`{"balance": "USD 700.00", ...}`).
fn balance(snapshot: Option<&serde_json::Value>) -> Option<Money> {
    snapshot?.get("balance")?.as_str()?.parse().ok()
}

/// The ledger: every invoice issued (from its snapshot), and every audited change of balance.
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
        let (Some(before), after) = (
            balance(record.before.as_ref()),
            balance(record.after.as_ref()),
        ) else {
            continue;
        };
        let after = after.unwrap_or(Money::zero(before.currency()));
        let Ok(moved) = before.checked_sub(&after) else {
            continue;
        };
        if !moved.is_positive() {
            continue;
        }
        let kind = match record.action.as_str() {
            "paid" | "payment" => LedgerKind::Payment(moved),
            "writeoff" | "resolve_writeoff" => LedgerKind::WrittenOff(moved),
            "void" => LedgerKind::Voided(moved),
            _ => continue,
        };
        events.push(LedgerEvent {
            on: record.at.to_zoned(TimeZone::UTC).date(),
            invoice: record.invoice.clone(),
            customer: customers.get(&record.invoice).cloned().unwrap_or_default(),
            kind,
        });
    }
    events
}

async fn inputs(chaser: &Chaser) -> Result<(Vec<ReportInvoice>, Vec<LedgerEvent>), OpsError> {
    let stored = chaser.store().all_invoices().await?;
    let audit = chaser.store().audit_with_actions(&MONEY_ACTIONS).await?;
    let ledger = ledger(&stored, &audit);
    Ok((stored.iter().map(report_invoice).collect(), ledger))
}

/// Aging as of `as_of`, with DSO, the last 30 days' collections and the top late payers.
pub async fn aging(chaser: &Chaser, as_of: Date) -> Result<AgingView, OpsError> {
    let (invoices, ledger) = inputs(chaser).await?;
    let from = as_of
        .checked_sub(jiff::Span::new().days(COLLECTED_DAYS))
        .unwrap_or(as_of);
    Ok(AgingView {
        aging: reports::aging(&invoices, as_of).map_err(report_error)?,
        dso: reports::dso(&invoices, &ledger, as_of, DSO_PERIOD_DAYS).map_err(report_error)?,
        collected_last_30_days: reports::collected(&ledger, from, as_of).map_err(report_error)?,
        top_late_payers: reports::top_late_payers(&invoices, as_of, TOP_LATE_PAYERS)
            .map_err(report_error)?,
    })
}

pub fn aging_csv(view: &AgingView) -> Result<String, OpsError> {
    reports::aging_csv(&view.aging).map_err(report_error)
}

/// The summary of one calendar month.
pub async fn monthly(chaser: &Chaser, year: i16, month: i8) -> Result<MonthlySummary, OpsError> {
    let (invoices, ledger) = inputs(chaser).await?;
    reports::monthly_summary(&invoices, &ledger, year, month).map_err(report_error)
}

/// Who writes the monthly narrative.
#[derive(Clone)]
pub enum Narrator {
    /// `MonthlySummary::deterministic_narrative`, from the numbers.
    Deterministic,
    /// A model on Bedrock, from `aggregates_text` only (no names, numbers of invoices or
    /// addresses leave the store).
    Bedrock {
        client: aws_sdk_bedrockruntime::Client,
        model_id: String,
    },
}

/// The monthly summary's activity and the CLI's `report monthly --send`.
pub struct SummaryDesk {
    pub chaser: std::sync::Arc<Chaser>,
    pub mailer: std::sync::Arc<dyn chaser_activities::mail::Mailer>,
    pub narrator: Narrator,
    pub from: String,
    pub company: String,
    /// Receives the summary; without one, every owner with an invoice on record does.
    pub owner: Option<chaser_domain::Email>,
    pub zone: chaser_domain::Zone,
}

/// `YYYY-MM` as a year and month.
pub fn parse_month(text: &str) -> Result<(i16, i8), OpsError> {
    let bad = || OpsError::Invalid(format!("`{text}` is not a month: write YYYY-MM"));
    let (y, m) = text.split_once('-').ok_or_else(bad)?;
    let month: i8 = m.parse().map_err(|_| bad())?;
    if !(1..=12).contains(&month) {
        return Err(bad());
    }
    Ok((y.parse().map_err(|_| bad())?, month))
}

impl SummaryDesk {
    /// The month before the one `now` falls in, in the company's time zone.
    pub fn last_month(&self, now: jiff::Timestamp) -> (i16, i8) {
        let day = now.to_zoned(self.zone.tz().clone()).date().first_of_month();
        let last = day.yesterday().unwrap_or(day);
        (last.year(), last.month())
    }

    /// Computes, narrates and e-mails one month's summary.
    pub async fn send(
        &self,
        month: Option<&str>,
        now: jiff::Timestamp,
    ) -> Result<chaser_workflows::contracts::MonthlySummaryOutcome, OpsError> {
        let (year, month) = match month {
            Some(text) => parse_month(text)?,
            None => self.last_month(now),
        };
        let summary = monthly(&self.chaser, year, month).await?;
        let (narrative, narrative_by) = match &self.narrator {
            Narrator::Deterministic => (
                summary.deterministic_narrative(),
                "deterministic".to_owned(),
            ),
            Narrator::Bedrock { client, model_id } => {
                match chaser_activities::documents::narrate(
                    client,
                    model_id,
                    &summary.aggregates_text(),
                )
                .await
                {
                    Ok(text) => (text, format!("bedrock:{model_id}")),
                    Err(e) => {
                        tracing::warn!(error.message = %e, "the model could not narrate: using the numbers' own narrative");
                        (
                            summary.deterministic_narrative(),
                            "deterministic".to_owned(),
                        )
                    }
                }
            }
        };
        let csv = reports::summary_csv(&summary).map_err(report_error)?;
        let label = summary.month_label();
        let text = format!(
            "{narrative}\n\n{}\n\nThe figures are attached as CSV. Generated by the chaser from its store.\n",
            summary.aggregates_text()
        );
        let html = crate::pages::render_string(
            "summary_email.html",
            minijinja::context! {
                title => format!("Receivables summary · {label}"),
                narrative,
                figures => summary.aggregates_text(),
                company => &self.company,
            },
        )
        .map_err(OpsError::Invalid)?;
        let recipients: Vec<String> = match &self.owner {
            Some(owner) => vec![owner.to_string()],
            None => {
                let owners: std::collections::BTreeSet<String> = self
                    .chaser
                    .store()
                    .all_invoices()
                    .await?
                    .into_iter()
                    .map(|s| s.invoice.owner_email.to_string())
                    .collect();
                owners.into_iter().collect()
            }
        };
        for to in &recipients {
            let email = chaser_activities::mail::OutgoingEmail {
                from: self.from.clone(),
                reply_to: None,
                to: vec![to.clone()],
                cc: vec![],
                subject: format!("Receivables summary for {label}"),
                text: text.clone(),
                html: html.clone(),
                attachments: vec![chaser_activities::mail::Attachment {
                    filename: format!("receivables-{year:04}-{month:02}.csv"),
                    content_type: "text/csv; charset=utf-8".into(),
                    bytes: csv.clone().into_bytes(),
                }],
            };
            self.mailer
                .send(&email)
                .await
                .map_err(|e| OpsError::Invalid(format!("sending the summary to {to}: {e}")))?;
        }
        Ok(chaser_workflows::contracts::MonthlySummaryOutcome {
            month: format!("{year:04}-{month:02}"),
            sent_to: recipients,
            narrative_by,
        })
    }
}

#[temporalio_macros::activities]
impl SummaryDesk {
    #[activity(definition = chaser_workflows::monthly_summary::activity_defs::SendMonthlySummary)]
    pub async fn send_monthly_summary(
        self: std::sync::Arc<Self>,
        _ctx: temporalio_sdk::activities::ActivityContext,
        input: chaser_workflows::contracts::MonthlySummaryInput,
    ) -> Result<
        chaser_workflows::contracts::MonthlySummaryOutcome,
        temporalio_sdk::activities::ActivityError,
    > {
        self.send(input.month.as_deref(), jiff::Timestamp::now())
            .await
            .map_err(|e| {
                temporalio_sdk::activities::ActivityError::application(
                    temporalio_sdk::ApplicationFailure::builder(e.to_string()).build(),
                )
            })
    }
}
