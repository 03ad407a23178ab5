//! Applying an export through [`Chaser`]: rows in parallel, closed chases closed, and the
//! rows set aside (or vanished) raised once in the owner's review queue.

use std::collections::BTreeSet;

use chaser_activities::store::NewReviewItem;
use chaser_domain::{ChaseState, Command, InvoiceNumber};
use chaser_intake::{Export, Flagged, IntakeRow, RowStatus, Snapshot, Vanished};
use futures::StreamExt;
use jiff::Timestamp;
use serde_json::json;

use crate::review_queue::kind;
use crate::{AppError, Chaser, Ingested, Outcome};

use super::{ImportReport, incoming, previous, settle_closed, vanished};

/// Applies `export` (from `source`, when named) and remembers it as the source's latest.
pub async fn apply(
    chaser: &Chaser,
    source: Option<&str>,
    export: &Export,
    by: &str,
) -> Result<ImportReport, AppError> {
    let export = settle_closed(chaser, export).await?;
    let vanished = vanished(chaser, source, &export).await?;
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
            RowOutcome::Closed(Ok(Some(Outcome::Accepted { why }))) => report
                .pending
                .push(format!("line {}: {number}: {why}", row.line)),
            RowOutcome::Closed(Ok(Some(_))) => report.closed += 1,
            RowOutcome::Closed(Ok(None)) | RowOutcome::Ingested(Ok(Ingested::Unchanged)) => {
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
                    kind::INTAKE_CONFLICT,
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
    flag_rows(chaser, &mut report, label, &export.flagged).await?;
    if let Some(source) = source {
        for gone in &vanished {
            flag(chaser, &mut report, vanished_item(source, gone)).await?;
        }
        save(chaser, source, &export).await?;
    }
    Ok(report)
}

/// How many rows an import applies at once: each is a store write and one workflow start,
/// so the import keeps this many requests in flight to Temporal.
pub const IMPORT_CONCURRENCY: usize = 32;

enum RowOutcome {
    Closed(Result<Option<Outcome>, AppError>),
    Ingested(Result<Ingested, AppError>),
}

async fn apply_row(chaser: &Chaser, row: &IntakeRow, label: &str, by: &str) -> RowOutcome {
    if matches!(row.status, RowStatus::Void | RowStatus::WrittenOff) {
        return RowOutcome::Closed(close(chaser, row, label, by).await);
    }
    RowOutcome::Ingested(chaser.ingest(incoming(row), by).await)
}
/// Void or written off at the source: ends a running chase, or records one never chased.
async fn close(
    chaser: &Chaser,
    row: &IntakeRow,
    label: &str,
    by: &str,
) -> Result<Option<Outcome>, AppError> {
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
        kind::VANISHED_FROM_EXPORT,
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

/// The rows the export set aside for the owner, in the review queue: one item per source,
/// invoice and reason while it is open, and none again for an item the owner resolved (the
/// same row in every later sync would otherwise come back after each resolution). Each row
/// counts as flagged in the report.
async fn flag_rows(
    chaser: &Chaser,
    report: &mut ImportReport,
    source: &str,
    flagged: &[Flagged],
) -> Result<(), AppError> {
    if flagged.is_empty() {
        return Ok(());
    }
    let resolved: BTreeSet<String> = chaser
        .store()
        .review_items(true)
        .await?
        .into_iter()
        .filter(|i| i.resolved_at.is_some())
        .map(|i| i.item.dedup_key)
        .collect();
    for row in flagged {
        let summary = format!(
            "{} ({}, {source} line {}): {}; not chased",
            row.number, row.customer, row.line, row.reason
        );
        let detail = serde_json::to_value(row).map_err(|e| AppError::Invalid(e.to_string()))?;
        let item = review_item(row.reason.as_str(), source, &row.number, summary, detail);
        if resolved.contains(&item.dedup_key) {
            report.flagged.push(format!(
                "{} (resolved before: not raised again)",
                item.summary
            ));
        } else {
            flag(chaser, report, item).await?;
        }
    }
    Ok(())
}

/// Remembers the export as the source's latest word ([`Snapshot::next`]): rejected and
/// flagged rows keep what was known of them, so a row that fails once, or waits for the
/// owner, never reads as vanished next time.
async fn save(chaser: &Chaser, source: &str, export: &Export) -> Result<(), AppError> {
    let next = Snapshot::next(&previous(chaser, source).await?, export);
    let json = serde_json::to_string(&next).map_err(|e| AppError::Invalid(e.to_string()))?;
    chaser
        .store()
        .save_snapshot_json(source, &json, next.len(), Timestamp::now())
        .await?;
    Ok(())
}
