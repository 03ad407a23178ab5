//! Payment matching: incoming payments (a bank statement, `POST /webhooks/bank`) matched to
//! open invoices by chaser-intake's rules. A unique match (or an exact split) sends `payment`;
//! anything ambiguous or unmatched goes to the owner's review queue, never applied by
//! guesswork. Each payment is applied once: its id is kept like a webhook event id.

use chaser_activities::store::NewReviewItem;
use chaser_intake::{BankPayment, MatchOutcome, OpenInvoice, match_payment};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;

use chaser_domain::Command;

use crate::{AppError, Chaser, Outcome, Request};

/// What matching a batch of payments did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PaymentsReport {
    /// `INV-1042: USD 500.00 (line 4)`.
    pub applied: Vec<String>,
    /// Sent to the review queue, with the reason.
    pub flagged: Vec<String>,
    /// Seen in an earlier statement or delivery: nothing done again.
    pub already_seen: usize,
    /// Matched, but the chase refused the payment (closed meanwhile, say).
    pub problems: Vec<String>,
    /// Matched and kept: applied when Temporal or a worker can take them.
    pub pending: Vec<String>,
}

impl PaymentsReport {
    pub fn counts(&self) -> String {
        let pending = if self.pending.is_empty() {
            String::new()
        } else {
            format!(", {} pending", self.pending.len())
        };
        format!(
            "{} applied, {} for review, {} already seen, {} failed{pending}",
            self.applied.len(),
            self.flagged.len(),
            self.already_seen,
            self.problems.len()
        )
    }
}

/// Matches and applies `payments` from `source` (`statement.csv`, `webhook:bank`).
pub async fn apply(
    chaser: &Chaser,
    payments: &[BankPayment],
    source: &str,
    by: &str,
) -> Result<PaymentsReport, AppError> {
    let mut report = PaymentsReport::default();
    for payment in payments {
        let store = chaser.store();
        if !chaser.first_delivery("bank", &payment.id).await? {
            report.already_seen += 1;
            continue;
        }
        let open: Vec<OpenInvoice> = store
            .open_invoices()
            .await?
            .into_iter()
            .map(|s| OpenInvoice {
                number: s.invoice.number.clone(),
                customer_name: s.invoice.customer.name.clone(),
                balance: s.invoice.balance,
            })
            .collect();
        let outcome = match_payment(payment, &open);
        let label = format!(
            "{} on {} ({source}, line {})",
            payment.amount.grouped(),
            payment.date,
            payment.line
        );
        let allocations = match &outcome {
            MatchOutcome::Unique {
                invoice, amount, ..
            } => vec![(invoice.clone(), *amount)],
            MatchOutcome::Split { allocations, .. } => allocations
                .iter()
                .map(|a| (a.invoice.clone(), a.amount))
                .collect(),
            MatchOutcome::Ambiguous { .. } | MatchOutcome::Unmatched { .. } => {
                let kind = match outcome {
                    MatchOutcome::Ambiguous { .. } => "ambiguous_payment",
                    _ => "unmatched_payment",
                };
                let summary = format!(
                    "payment of {label}: {}. Remittance: \"{}\". Nothing was applied.",
                    outcome.reason(),
                    payment.remittance
                );
                let item = NewReviewItem {
                    kind: kind.to_owned(),
                    invoice: None,
                    summary: summary.clone(),
                    detail: json!({ "payment": payment, "outcome": outcome }),
                    dedup_key: format!("{kind}/{}", payment.id),
                };
                store.flag_for_review(&item, Timestamp::now()).await?;
                report.flagged.push(summary);
                continue;
            }
        };
        for (invoice, amount) in allocations {
            let command = Command::Payment {
                amount,
                paid_at: None,
                reference: Some(format!("{}: {}", payment.id, payment.remittance)),
            };
            // One command per payment and invoice: a statement read twice pays once.
            let id = format!("bank:{}:{}", payment.id, invoice.normalized());
            let line = format!("{invoice}: {} ({label})", amount.grouped());
            match chaser
                .execute(&invoice, Request::Command(command), by, Some(id))
                .await
            {
                Ok(Outcome::Accepted { why }) => report.pending.push(format!("{line}: {why}")),
                Ok(_) => report.applied.push(line),
                Err(e @ AppError::Store(_)) => {
                    // Not recorded: let the next run try this payment again.
                    chaser.forget_delivery("bank", &payment.id).await?;
                    return Err(e);
                }
                Err(e) => report.problems.push(format!("{invoice}: {e} ({label})")),
            }
        }
    }
    Ok(report)
}
