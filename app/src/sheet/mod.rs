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

mod apply;
mod preview;

pub use apply::{IMPORT_CONCURRENCY, apply};
pub use preview::{Planned, PlannedLine, Preview, preview};

use std::collections::{BTreeMap, BTreeSet};

use chaser_activities::store::StoredInvoice;
use chaser_domain::{ChaseState, Money};
use chaser_intake::{Export, IntakeRow, RowStatus, SkipReason, Snapshot, Vanished, diff};
use serde::{Deserialize, Serialize};

use crate::ingest::{close_plan, plan};
use crate::{AppError, Chaser, Incoming, Plan};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{export, offline};
    use jiff::Timestamp;

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
