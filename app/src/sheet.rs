//! The sheet lane at work: an export is read (chaser-intake) and compared with what the store
//! knows of its invoices, and the differences are applied through [`Chaser`], so an import, a
//! scheduled sync and a webhook act alike. Applying is idempotent: the same export twice
//! changes nothing the second time. [`preview`] (a dry run) shows the same decisions
//! ([`crate::Plan`]) line by line and changes nothing; it reads the store alone, so it needs
//! no Temporal.
//!
//! Rows the export sets aside for the owner (a part payment of unknown size, a negative
//! amount, one number for two customers) go to the owner's review queue: one item per
//! source, invoice and reason, never raised again once the owner resolved it. A named source
//! (a sync, or `chaser import --source`) also keeps a snapshot of its last export: an invoice
//! open in it and missing from the next one is flagged for the owner, never closed. A plain
//! import has no "last time", so nothing vanishes from it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chaser_activities::store::{NewReviewItem, StoredInvoice};
use chaser_domain::{ChaseState, Command, InvoiceNumber, Money};
use chaser_intake::{
    Export, Flagged, IntakeRow, LineOutcome, LineState, RowStatus, SkipReason, Snapshot, Vanished,
    diff,
};
use futures::StreamExt;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::ingest::{close_plan, plan};
use crate::{AppError, Chaser, Incoming, Ingested, Outcome, Plan};

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

/// A row closed at the source without an invoice amount (`Amount Due` 0 and `Paid`, with no
/// total column) names an invoice but cannot be made into one. When the store knows the
/// number, the store's invoice stands in for it, with nothing due, and the row takes the
/// path of every paid or void row: an open chase ends through [`Chaser::ingest`] (the `paid`
/// command) or [`Chaser::close`] (`void`), a closed one is left alone. The status is the
/// export's word and the invoice the store's; nothing is guessed. A number the store does not
/// know stays skipped: there is no invoice to record.
async fn settle_closed(chaser: &Chaser, export: &Export) -> Result<Export, AppError> {
    let mut settled = export.clone();
    settled.skipped.clear();
    // Line items of one closed invoice are skipped line by line with the same reason.
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    for skip in &export.skipped {
        let SkipReason::ClosedWithoutAmount { number, status } = &skip.reason else {
            settled.skipped.push(skip.clone());
            continue;
        };
        let key = number.normalized();
        if let Some(&at) = taken.get(&key) {
            if let Some(row) = settled.rows.get_mut(at) {
                row.item_lines.push(skip.line);
            }
            continue;
        }
        match chaser.store().invoice(&key).await? {
            Some(stored) => {
                let mut invoice = stored.invoice;
                invoice.balance = Money::zero(invoice.balance.currency());
                taken.insert(key, settled.rows.len());
                settled.rows.push(IntakeRow {
                    line: skip.line,
                    invoice,
                    status: status.clone(),
                    balance_known: true,
                    item_lines: vec![],
                });
            }
            None => settled.skipped.push(skip.clone()),
        }
    }
    settled.rows.sort_by_key(|r| r.line);
    Ok(settled)
}

/// For a named source: the invoices open in its last export and missing from this one.
async fn vanished(
    chaser: &Chaser,
    source: Option<&str>,
    export: &Export,
) -> Result<Vec<Vanished>, AppError> {
    let Some(source) = source else {
        return Ok(vec![]);
    };
    // A row closed without an amount is still in the export, even when it stays skipped.
    let present: BTreeSet<String> = export
        .skipped
        .iter()
        .filter_map(|s| match &s.reason {
            SkipReason::ClosedWithoutAmount { number, .. } => Some(number.normalized()),
            _ => None,
        })
        .collect();
    Ok(diff(&previous(chaser, source).await?, export)
        .vanished
        .into_iter()
        .filter(|v| !present.contains(&v.invoice.number.normalized()))
        .collect())
}

fn incoming(row: &IntakeRow) -> Incoming {
    Incoming {
        invoice: row.invoice.clone(),
        paid: row.status == RowStatus::Paid,
        balance_known: row.balance_known,
    }
}

/// What importing `row` does, given the store's copy of its invoice.
fn row_plan(stored: Option<&StoredInvoice>, row: &IntakeRow) -> Plan {
    match row.status {
        RowStatus::Void => close_plan(stored, ChaseState::Void),
        RowStatus::WrittenOff => close_plan(stored, ChaseState::WrittenOff),
        _ => plan(stored, &incoming(row)),
    }
}

/// What the import does with one line of the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    /// An invoice: the store's state before (`None`: unknown), what happens to it, and the
    /// owner's decisions the import keeps (`chasing`, `contacts`, `schedule`).
    Invoice {
        row: Box<IntakeRow>,
        before: Option<ChaseState>,
        plan: Plan,
        overrides: Vec<&'static str>,
    },
    /// A line item, or a flagged, skipped or rejected row, as the file reads.
    Other(LineState),
}

/// One line of the file, and what the import does with it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedLine {
    pub line: u64,
    pub planned: Planned,
}

/// How a chase state reads after an import, in an export's words: `chase` while it is open.
fn word(state: ChaseState) -> &'static str {
    match state {
        ChaseState::Paid => "paid",
        ChaseState::Void => "void",
        ChaseState::WrittenOff => "written off",
        _ => "chase",
    }
}

impl fmt::Display for PlannedLine {
    /// `line 7: 1037 · Sonnenschein Family Store · USD 362.07 · due 2026-12-20 · chase (new)`:
    /// the invoice, its state after the import, and why.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (row, before, plan, overrides) = match &self.planned {
            Planned::Invoice {
                row,
                before,
                plan,
                overrides,
            } => (row, before, plan, overrides),
            Planned::Other(state) => {
                let outcome = LineOutcome {
                    line: self.line,
                    state: state.clone(),
                };
                return write!(f, "{outcome}");
            }
        };
        let invoice = &row.invoice;
        write!(
            f,
            "line {}: {} · {} · {}",
            self.line,
            invoice.number,
            invoice.customer.name,
            invoice.balance.grouped()
        )?;
        if invoice.balance != invoice.amount {
            write!(f, " of {}", invoice.amount.grouped())?;
        }
        write!(f, " · due {} · ", invoice.due_date)?;
        let mut notes = vec![];
        let after = match plan {
            Plan::Start => {
                notes.push("new".to_owned());
                "chase"
            }
            Plan::Record(state) => {
                notes.push("new: recorded, never chased".to_owned());
                word(*state)
            }
            Plan::Pay => {
                notes.push("the chase ends".to_owned());
                "paid"
            }
            Plan::Close(state) => {
                notes.push("the chase ends".to_owned());
                word(*state)
            }
            Plan::Update { fields, .. } => {
                if !fields.is_empty() {
                    notes.push(format!("update: {}", fields.join(", ")));
                }
                "chase"
            }
            Plan::Unchanged => {
                notes.push("unchanged".to_owned());
                before.map_or(row.status.word(), word)
            }
            Plan::Conflict(_) => before.map_or(row.status.word(), word),
        };
        if matches!(plan, Plan::Start | Plan::Update { .. }) {
            if let RowStatus::PartiallyPaid { paid } = &row.status {
                notes.push(format!("{} paid", paid.grouped()));
            }
            if !row.balance_known {
                notes.push("the export states no balance".to_owned());
            }
        }
        if !overrides.is_empty() {
            notes.push(format!("owner overrides kept: {}", overrides.join(", ")));
        }
        f.write_str(after)?;
        if !notes.is_empty() {
            write!(f, " ({})", notes.join("; "))?;
        }
        if let Some(why) = plan.flag_reason() {
            write!(f, " · flagged: {why}")?;
        }
        Ok(())
    }
}

/// What a dry run shows: every line of the file with its state after the import, and what
/// vanished from a named source.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub lines: Vec<PlannedLine>,
    pub vanished: Vec<Vanished>,
}

impl Preview {
    /// `1 new, 0 changed, 0 paid, 0 partially paid, 0 closed, 0 unchanged, 1 rejected,
    /// 0 vanished, 2 flagged`. Flagged counts the rows set aside for the owner (the file's
    /// own, and disagreements with the chase or the owner).
    pub fn counts(&self) -> String {
        let mut n: BTreeMap<&str, usize> = BTreeMap::new();
        for line in &self.lines {
            let what = match &line.planned {
                Planned::Invoice { plan, row, .. } => match plan {
                    _ if plan.flag_reason().is_some() => "flagged",
                    Plan::Start | Plan::Record(_) => "new",
                    Plan::Pay => "paid",
                    Plan::Close(_) => "closed",
                    Plan::Update { fields, .. }
                        if fields.contains(&"balance")
                            && matches!(row.status, RowStatus::PartiallyPaid { .. }) =>
                    {
                        "partially paid"
                    }
                    Plan::Update { .. } => "changed",
                    Plan::Unchanged | Plan::Conflict(_) => "unchanged",
                },
                Planned::Other(LineState::Flagged(_)) => "flagged",
                Planned::Other(LineState::Rejected(_)) => "rejected",
                Planned::Other(_) => continue,
            };
            *n.entry(what).or_default() += 1;
        }
        let count = |what: &str| n.get(what).copied().unwrap_or(0);
        format!(
            "{} new, {} changed, {} paid, {} partially paid, {} closed, {} unchanged, {} rejected, {} vanished, {} flagged",
            count("new"),
            count("changed"),
            count("paid"),
            count("partially paid"),
            count("closed"),
            count("unchanged"),
            count("rejected"),
            self.vanished.len(),
            count("flagged")
        )
    }

    /// The file has rows that were rejected.
    pub fn has_rejected(&self) -> bool {
        self.lines
            .iter()
            .any(|l| matches!(l.planned, Planned::Other(LineState::Rejected(_))))
    }
}

/// What applying `export` would do, line by line, and, for a named source, what vanished
/// since its last export. Reads the store and nothing else; changes nothing.
pub async fn preview(
    chaser: &Chaser,
    source: Option<&str>,
    export: &Export,
) -> Result<Preview, AppError> {
    let export = settle_closed(chaser, export).await?;
    let mut lines = vec![];
    for outcome in export.outcomes() {
        let planned = match outcome.state {
            LineState::Invoice(row) => {
                let stored = chaser
                    .store()
                    .invoice(&row.invoice.number.normalized())
                    .await?;
                let overrides = stored
                    .as_ref()
                    .filter(|s| !s.state.is_closed())
                    .and_then(|s| s.chase.as_ref())
                    .map(|c| c.overrides.fields())
                    .unwrap_or_default();
                Planned::Invoice {
                    plan: row_plan(stored.as_ref(), &row),
                    before: stored.map(|s| s.state),
                    row,
                    overrides,
                }
            }
            state => Planned::Other(state),
        };
        lines.push(PlannedLine {
            line: outcome.line,
            planned,
        });
    }
    Ok(Preview {
        lines,
        vanished: vanished(chaser, source, &export).await?,
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{export, offline};

    /// The last export: five open invoices.
    fn first() -> Export {
        export(
            "A-1,Acme Ltd,ap@acme.example,100.00,USD,2026-11-01,2026-12-01,Unpaid\n\
             A-2,Beta GmbH,ap@beta.example,200.00,USD,2026-11-01,2026-12-01,Unpaid\n\
             A-3,Gamma Co,ap@gamma.example,300.00,USD,2026-11-01,2026-12-01,Unpaid\n\
             A-4,Delta KK,ap@delta.example,400.00,USD,2026-11-01,2026-12-01,Unpaid\n\
             A-8,Theta Ltd,ap@theta.example,800.00,USD,2026-11-01,2026-12-01,Unpaid\n",
        )
    }

    /// The next one: A-1's due date moved, A-2 paid and A-8 void with nothing due (and no
    /// amount), A-3 gone, A-4 open again though its chase ended void, a negative row, a paid
    /// row the store never saw, and a new void one.
    fn second() -> Export {
        export(
            "A-1,Acme Ltd,ap@acme.example,100.00,USD,2026-11-01,2026-12-15,Unpaid\n\
             A-2,Beta GmbH,ap@beta.example,0.00,USD,2026-11-01,2026-12-01,Paid\n\
             A-4,Delta KK,ap@delta.example,400.00,USD,2026-11-01,2026-12-01,Unpaid\n\
             A-5,Epsilon SA,ap@epsilon.example,-75.00,USD,2026-11-01,2026-12-01,Unpaid\n\
             A-6,Zeta Oy,ap@zeta.example,0.00,USD,2026-11-01,2026-12-01,Paid\n\
             A-7,Eta Ltd,ap@eta.example,50.00,USD,2026-11-01,2026-12-01,Void\n\
             A-8,Theta Ltd,ap@theta.example,0.00,USD,2026-11-01,2026-12-01,Void\n",
        )
    }

    /// The store after the first export, with A-4's chase ended void.
    async fn known() -> Chaser {
        let chaser = offline().await;
        let report = apply(&chaser, Some("books"), &first(), "test")
            .await
            .unwrap();
        assert_eq!(report.pending.len(), 5, "{report:?}");
        chaser
            .store()
            .set_state("A-4", ChaseState::Void, Timestamp::now())
            .await
            .unwrap();
        chaser
    }

    #[tokio::test]
    async fn a_dry_run_shows_every_line_with_its_state_after_the_import_and_changes_nothing() {
        let chaser = known().await;
        let before = chaser.store().all_invoices().await.unwrap();

        let preview = preview(&chaser, Some("books"), &second()).await.unwrap();

        let lines: Vec<String> = preview.lines.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "line 2: A-1 · Acme Ltd · USD 100.00 · due 2026-12-15 · chase (update: due_date)",
                "line 3: A-2 · Beta GmbH · USD 0.00 of USD 200.00 · due 2026-12-01 · paid (the chase ends)",
                "line 4: A-4 · Delta KK · USD 400.00 · due 2026-12-01 · void · flagged: the chase is void but the source shows it unpaid; not reopened",
                "line 5: flagged: A-5 (Epsilon SA): a negative amount (USD -75.00) on an unpaid row: a credit, an overpayment or a mistake",
                "line 6: skipped: A-6 is paid with nothing due, and the export states no invoice amount: not imported",
                "line 7: A-7 · Eta Ltd · USD 50.00 · due 2026-12-01 · void (new: recorded, never chased)",
                "line 8: A-8 · Theta Ltd · USD 0.00 of USD 800.00 · due 2026-12-01 · void (the chase ends)",
            ]
        );
        let gone: Vec<&str> = preview
            .vanished
            .iter()
            .map(|v| v.invoice.number.as_str())
            .collect();
        assert_eq!(gone, ["A-3"]);
        assert_eq!(
            preview.counts(),
            "1 new, 1 changed, 1 paid, 0 partially paid, 1 closed, 0 unchanged, 0 rejected, 1 vanished, 2 flagged"
        );
        assert!(!preview.has_rejected());
        assert_eq!(chaser.store().all_invoices().await.unwrap(), before);
        assert!(chaser.store().review_items(true).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn applying_closes_a_known_chase_the_export_closes_and_routes_flagged_rows_once() {
        let chaser = known().await;
        let journaled = |chaser: &Chaser| {
            let store = chaser.store().clone();
            async move {
                store
                    .pending_commands(Timestamp::now())
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|e| (e.invoice, e.request["command"].clone()))
                    .collect::<Vec<_>>()
            }
        };
        assert!(journaled(&chaser).await.is_empty());

        let report = apply(&chaser, Some("books"), &second(), "test")
            .await
            .unwrap();

        // A-1's update, A-2's payment and A-8's void wait for Temporal; A-7 is recorded void.
        assert_eq!(
            report.counts(),
            "0 started, 0 updated, 0 paid, 0 closed, 1 unchanged, 0 rejected, 3 flagged, 3 pending"
        );
        let kept = journaled(&chaser).await;
        let commands: Vec<(&str, &str)> = kept
            .iter()
            .map(|(invoice, command)| (invoice.as_str(), command.as_str().unwrap_or("?")))
            .collect();
        assert_eq!(
            commands,
            [("A-1", "update"), ("A-2", "paid"), ("A-8", "void")],
            "{kept:?}"
        );
        assert_eq!(
            chaser.store().invoice("A-7").await.unwrap().unwrap().state,
            ChaseState::Void
        );
        assert!(chaser.store().invoice("A-6").await.unwrap().is_none());
        let kinds = |items: Vec<chaser_activities::store::ReviewItem>| {
            items
                .into_iter()
                .map(|i| format!("{} {}", i.item.kind, i.item.invoice.unwrap_or_default()))
                .collect::<Vec<_>>()
        };
        let open = chaser.store().review_items(false).await.unwrap();
        assert_eq!(
            kinds(open.clone()),
            [
                "intake_conflict A-4",
                "negative_amount A-5",
                "vanished_from_export A-3"
            ]
        );
        let negative = open
            .iter()
            .find(|i| i.item.kind == "negative_amount")
            .unwrap();
        assert_eq!(
            negative.item.summary,
            "A-5 (Epsilon SA, books line 5): a negative amount (USD -75.00) on an unpaid row: a credit, an overpayment or a mistake; not chased"
        );
        assert_eq!(negative.item.dedup_key, "negative_amount/books/A-5");

        // The same export again raises nothing new; once resolved, the row stays resolved.
        apply(&chaser, Some("books"), &second(), "test")
            .await
            .unwrap();
        assert_eq!(chaser.store().review_items(false).await.unwrap().len(), 3);
        chaser
            .store()
            .resolve_review(negative.id, "owner", "a credit note", Timestamp::now())
            .await
            .unwrap();
        let report = apply(&chaser, Some("books"), &second(), "test")
            .await
            .unwrap();
        assert_eq!(
            report.flagged[1],
            "A-5 (Epsilon SA, books line 5): a negative amount (USD -75.00) on an unpaid row: a credit, an overpayment or a mistake; not chased (resolved before: not raised again)",
            "still counted: {:?}",
            report.flagged
        );
        assert_eq!(report.flagged.len(), 2);
        assert_eq!(
            kinds(chaser.store().review_items(false).await.unwrap()),
            ["intake_conflict A-4", "vanished_from_export A-3"]
        );
    }
}
