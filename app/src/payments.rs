//! Payment matching: incoming payments (a bank statement, `POST /webhooks/bank`) matched to
//! open invoices by chaser-intake's rules. A unique match (or an exact split) sends `payment`;
//! anything ambiguous or unmatched goes to the owner's review queue, never applied by
//! guesswork. Each payment is applied once: its id is kept like a webhook event id.

use chaser_activities::store::NewReviewItem;
use chaser_intake::{BankPayment, MatchOutcome, OpenInvoice, match_payment};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;

use chaser_domain::{Command, InvoiceNumber};

use crate::review_queue::kind;
use crate::{AppError, Chaser, Outcome, Request};

/// Every command id of one bank payment starts with this.
pub(crate) fn command_prefix(payment: &str) -> String {
    format!("bank:{payment}:")
}

/// The id of the command that applies bank payment `payment` to `invoice`: one per payment
/// and invoice, so a statement read twice, or an owner applying it by hand, pays once.
pub(crate) fn command_id(payment: &str, invoice: &InvoiceNumber) -> String {
    format!("{}{}", command_prefix(payment), invoice.normalized())
}

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
        // A payment is recorded as handled once its commands are journaled. One whose
        // commands are journaled but that was never recorded (the process died in between)
        // is not matched again: the invoices it paid have changed since, and a new match
        // could pay another one. Its commands are delivered under their own ids.
        let journaled = store
            .journaled_with_prefix(&command_prefix(&payment.id))
            .await?;
        if chaser.handled_before("bank", &payment.id).await? || journaled > 0 {
            chaser.record_delivery("bank", &payment.id).await?;
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
                    MatchOutcome::Ambiguous { .. } => kind::AMBIGUOUS_PAYMENT,
                    _ => kind::UNMATCHED_PAYMENT,
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
                chaser.record_delivery("bank", &payment.id).await?;
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
            let id = command_id(&payment.id, &invoice);
            let line = format!("{invoice}: {} ({label})", amount.grouped());
            match chaser
                .execute(&invoice, Request::Command(command), by, Some(id))
                .await
            {
                Ok(Outcome::Accepted { why }) => report.pending.push(format!("{line}: {why}")),
                Ok(_) => report.applied.push(line),
                // Not recorded: the next run tries this payment again.
                Err(e @ AppError::Store(_)) => return Err(e),
                Err(e) => report.problems.push(format!("{invoice}: {e} ({label})")),
            }
        }
        chaser.record_delivery("bank", &payment.id).await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Incoming;
    use crate::test_support::{invoice, offline};

    fn payment(id: &str) -> BankPayment {
        BankPayment {
            line: 2,
            id: id.to_owned(),
            date: jiff::civil::date(2026, 12, 1),
            amount: chaser_domain::Money::parse("100.00", "USD".parse().unwrap()).unwrap(),
            payer: Some("Acme Ltd".into()),
            remittance: "INV-1".into(),
        }
    }

    #[tokio::test]
    async fn a_payment_is_recorded_once_journaled_and_one_journaled_before_a_crash_is_not_matched_again()
     {
        let chaser = offline().await;
        let incoming = Incoming {
            invoice: invoice("INV-1", "Acme Ltd", "2026-12-01"),
            paid: false,
            balance_known: true,
        };
        chaser.ingest(incoming, "test").await.unwrap();

        // Journaled, then the process died before the delivery was recorded: the retry
        // records it and matches nothing again.
        let store = chaser.store();
        let request =
            json!({ "command": { "command": "paid" }, "by": "bank", "id": "bank:P1:INV-1" });
        store
            .journal_command(
                "bank:P1:INV-1",
                "INV-1",
                "invoice-INV-1",
                &request,
                Timestamp::now(),
            )
            .await
            .unwrap();
        assert!(!chaser.handled_before("bank", "P1").await.unwrap());
        let report = apply(&chaser, &[payment("P1")], "webhook:bank", "bank")
            .await
            .unwrap();
        assert_eq!(
            (report.already_seen, report.pending.len()),
            (1, 0),
            "{report:?}"
        );
        assert!(chaser.handled_before("bank", "P1").await.unwrap());

        // A new payment is journaled (Temporal is away: accepted) and then recorded.
        let report = apply(&chaser, &[payment("P2")], "webhook:bank", "bank")
            .await
            .unwrap();
        assert_eq!(report.pending.len(), 1, "{report:?}");
        assert!(chaser.handled_before("bank", "P2").await.unwrap());
        let again = apply(&chaser, &[payment("P2")], "webhook:bank", "bank")
            .await
            .unwrap();
        assert_eq!(again.already_seen, 1, "{again:?}");
    }
}
