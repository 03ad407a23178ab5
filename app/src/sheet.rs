//! The sheet lane at work: an export is read (chaser-intake) and compared with what the store
//! knows of its invoices, and the differences are applied through [`Chaser`], so an import, a
//! scheduled sync and a webhook act alike. Applying is idempotent: the same export twice
//! changes nothing the second time.
//!
//! A named source (a sync, or `chaser import --source`) also keeps a snapshot of its last
//! export: an invoice open in it and missing from the next one is flagged for the owner, never
//! closed. A plain import has no "last time", so nothing vanishes from it.

use chaser_activities::store::{NewReviewItem, StoredInvoice};
use chaser_domain::{ChaseState, Command, InvoiceNumber};
use chaser_intake::{Diff, Export, IntakeRow, RowStatus, Snapshot, Vanished, diff};
use futures::StreamExt;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{AppError, Chaser, Incoming, Ingested};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub started: usize,
    pub updated: usize,
    pub paid: usize,
    pub closed: usize,
    pub unchanged: usize,
    /// Kept, and applied when Temporal or a worker can take them (`line N: ...`).
    pub pending: Vec<String>,
    /// Rows that were refused, and actions that failed: `line N: ...`.
    pub problems: Vec<String>,
    /// Put in the owner's review queue.
    pub flagged: Vec<String>,
}

impl ImportReport {
    /// `2 started, 0 updated, 1 paid, 0 closed, 3 unchanged, 1 rejected, 1 flagged`, and
    /// `, 2 pending` when some wait for Temporal or a worker.
    pub fn counts(&self) -> String {
        let pending = if self.pending.is_empty() {
            String::new()
        } else {
            format!(", {} pending", self.pending.len())
        };
        format!(
            "{} started, {} updated, {} paid, {} closed, {} unchanged, {} rejected, {} flagged{pending}",
            self.started,
            self.updated,
            self.paid,
            self.closed,
            self.unchanged,
            self.problems.len(),
            self.flagged.len()
        )
    }
}

/// Where an invoice stands in the store, in an export's terms.
fn stored_status(stored: &StoredInvoice) -> RowStatus {
    let invoice = &stored.invoice;
    match stored.state {
        ChaseState::Paid => RowStatus::Paid,
        ChaseState::Void => RowStatus::Void,
        ChaseState::WrittenOff => RowStatus::WrittenOff,
        _ => match invoice.amount.checked_sub(&invoice.balance) {
            Ok(paid) if paid.is_positive() => RowStatus::PartiallyPaid { paid },
            _ => RowStatus::Open,
        },
    }
}

/// What the store knows of the export's invoices.
async fn known(chaser: &Chaser, export: &Export) -> Result<Snapshot, AppError> {
    let mut snapshot = Snapshot::new();
    for row in &export.rows {
        if let Some(stored) = chaser
            .store()
            .invoice(&row.invoice.number.normalized())
            .await?
        {
            let status = stored_status(&stored);
            snapshot.insert(stored.invoice, status);
        }
    }
    Ok(snapshot)
}

/// The snapshot `source` left last time (empty the first time).
async fn previous(chaser: &Chaser, source: &str) -> Result<Snapshot, AppError> {
    match chaser.store().snapshot_json(source).await? {
        None => Ok(Snapshot::new()),
        Some(json) => serde_json::from_str(&json).map_err(|e| {
            AppError::Invalid(format!(
                "the stored snapshot of `{source}` is unreadable: {e}"
            ))
        }),
    }
}

/// What applying `export` would do: the rows against the store, and, for a named source,
/// what vanished since its last export. Changes nothing.
pub async fn preview(
    chaser: &Chaser,
    source: Option<&str>,
    export: &Export,
) -> Result<Diff, AppError> {
    let mut changes = diff(&known(chaser, export).await?, export);
    changes.vanished = match source {
        Some(source) => diff(&previous(chaser, source).await?, export).vanished,
        None => vec![],
    };
    Ok(changes)
}

/// Applies `export` (from `source`, when named) and remembers it as the source's latest.
pub async fn apply(
    chaser: &Chaser,
    source: Option<&str>,
    export: &Export,
    by: &str,
) -> Result<ImportReport, AppError> {
    let changes = preview(chaser, source, export).await?;
    let mut report = ImportReport {
        problems: export.rejected.iter().map(ToString::to_string).collect(),
        ..ImportReport::default()
    };
    let label = source.unwrap_or("import");
    // Rows name distinct invoices (the export merges repeats), so they can go in parallel;
    // `buffered` keeps the report in line order.
    let pending: Vec<_> = export
        .rows
        .iter()
        .map(|row| apply_row(chaser, row, label, by))
        .collect();
    let outcomes: Vec<RowOutcome> = futures::stream::iter(pending)
        .buffered(IMPORT_CONCURRENCY)
        .collect()
        .await;
    for (row, outcome) in export.rows.iter().zip(outcomes) {
        let number = &row.invoice.number;
        match outcome {
            RowOutcome::Closed(Ok(true)) => report.closed += 1,
            RowOutcome::Closed(Ok(false)) | RowOutcome::Ingested(Ok(Ingested::Unchanged)) => {
                report.unchanged += 1;
            }
            RowOutcome::Ingested(Ok(Ingested::Started)) => report.started += 1,
            RowOutcome::Ingested(Ok(Ingested::Updated(_))) => report.updated += 1,
            RowOutcome::Ingested(Ok(Ingested::Paid)) => report.paid += 1,
            RowOutcome::Ingested(Ok(Ingested::StartPending(why) | Ingested::Accepted(why))) => {
                report
                    .pending
                    .push(format!("line {}: {number}: {why}", row.line))
            }
            RowOutcome::Ingested(Ok(Ingested::Conflict(why))) => {
                let summary = format!("{number} ({label}, line {}): {why}", row.line);
                let item = review_item(
                    "intake_conflict",
                    label,
                    number,
                    summary,
                    json!({ "line": row.line }),
                );
                flag(chaser, &mut report, item).await?;
            }
            RowOutcome::Closed(Err(e)) | RowOutcome::Ingested(Err(e)) => report
                .problems
                .push(format!("line {}: {number}: {e}", row.line)),
        }
    }
    if let Some(source) = source {
        for gone in &changes.vanished {
            flag(chaser, &mut report, vanished_item(source, gone)).await?;
        }
        save(chaser, source, export).await?;
    }
    Ok(report)
}

/// How many rows an import applies at once: each is a store write and one workflow start,
/// so the import keeps this many requests in flight to Temporal.
pub const IMPORT_CONCURRENCY: usize = 32;

enum RowOutcome {
    Closed(Result<bool, AppError>),
    Ingested(Result<Ingested, AppError>),
}

async fn apply_row(chaser: &Chaser, row: &IntakeRow, label: &str, by: &str) -> RowOutcome {
    if matches!(row.status, RowStatus::Void | RowStatus::WrittenOff) {
        return RowOutcome::Closed(close(chaser, row, label, by).await);
    }
    let incoming = Incoming {
        invoice: row.invoice.clone(),
        paid: row.status == RowStatus::Paid,
        balance_known: row.balance_known,
    };
    RowOutcome::Ingested(chaser.ingest(incoming, by).await)
}

/// Void or written off at the source: ends a running chase, or records one never chased.
async fn close(chaser: &Chaser, row: &IntakeRow, label: &str, by: &str) -> Result<bool, AppError> {
    let (state, word) = if row.status == RowStatus::Void {
        (ChaseState::Void, "void")
    } else {
        (ChaseState::WrittenOff, "written off")
    };
    let reason = format!("marked {word} in `{label}`");
    let command = if state == ChaseState::Void {
        Command::Void { reason }
    } else {
        Command::Writeoff { reason }
    };
    chaser.close(&row.invoice, state, command, by).await
}

fn review_item(
    kind: &str,
    source: &str,
    number: &InvoiceNumber,
    summary: String,
    detail: serde_json::Value,
) -> NewReviewItem {
    let invoice = number.normalized();
    NewReviewItem {
        kind: kind.to_owned(),
        dedup_key: format!("{kind}/{source}/{invoice}"),
        invoice: Some(invoice),
        summary,
        detail: json!({ "source": source, "detail": detail }),
    }
}

fn vanished_item(source: &str, gone: &Vanished) -> NewReviewItem {
    let invoice = &gone.invoice;
    let summary = format!(
        "{} ({}, {} due) is no longer in the `{source}` export: paid, voided or renumbered there? Nothing was closed.",
        invoice.number,
        invoice.customer.name,
        invoice.balance.grouped()
    );
    review_item(
        "vanished_from_export",
        source,
        &invoice.number,
        summary,
        json!({}),
    )
}

async fn flag(
    chaser: &Chaser,
    report: &mut ImportReport,
    item: NewReviewItem,
) -> Result<(), AppError> {
    chaser
        .store()
        .flag_for_review(&item, Timestamp::now())
        .await?;
    report.flagged.push(item.summary);
    Ok(())
}

/// Remembers the export as the source's latest word. Rejected rows keep what was known of
/// them, so a row that fails to parse once never reads as vanished next time.
async fn save(chaser: &Chaser, source: &str, export: &Export) -> Result<(), AppError> {
    let before = previous(chaser, source).await?;
    let mut next = Snapshot::from_export(export);
    for rejected in &export.rejected {
        if let Some(entry) = rejected
            .invoice
            .as_deref()
            .and_then(|n| InvoiceNumber::parse(n).ok())
            .and_then(|n| before.get(&n))
            && next.get(&entry.invoice.number).is_none()
        {
            next.insert(entry.invoice.clone(), entry.status.clone());
        }
    }
    let json = serde_json::to_string(&next).map_err(|e| AppError::Invalid(e.to_string()))?;
    chaser
        .store()
        .save_snapshot_json(source, &json, next.len(), Timestamp::now())
        .await?;
    Ok(())
}
