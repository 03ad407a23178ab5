//! The diff between what the chaser saw last time (a [`Snapshot`]) and a new export: what is
//! new, changed, newly paid or closed, unchanged, and what vanished. Pure and deterministic
//! (sorted by line, or by number), and serializable so a workflow can carry it.
//!
//! Only invoices still open in the snapshot can vanish: an export of open invoices (an aging
//! report) drops the paid ones, and that is no news. A vanished invoice is flagged for its
//! owner, never closed; a rejected or flagged row is not counted as vanished.

use std::collections::{BTreeMap, BTreeSet};

use chaser_domain::{Invoice, InvoiceNumber, InvoiceUpdate};
use serde::{Deserialize, Serialize};

use crate::error::RowError;
use crate::outcome::{Export, Flagged, IntakeRow};
use crate::status::RowStatus;

/// An invoice as last seen, and where it stood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotEntry {
    pub invoice: Invoice,
    pub status: RowStatus,
}

/// What the chaser saw last time, keyed by normalized invoice number (`INV-1042`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    invoices: BTreeMap<String, SnapshotEntry>,
}

impl Snapshot {
    pub fn new() -> Snapshot {
        Snapshot::default()
    }

    /// Records an invoice, replacing one with the same normalized number.
    pub fn insert(&mut self, invoice: Invoice, status: RowStatus) {
        self.invoices.insert(
            invoice.number.normalized(),
            SnapshotEntry { invoice, status },
        );
    }

    /// The snapshot an export leaves: its rows, as they stand.
    pub fn from_export(export: &Export) -> Snapshot {
        export
            .rows
            .iter()
            .map(|r| (r.invoice.clone(), r.status.clone()))
            .collect()
    }

    /// The snapshot a named source keeps after `export`: its rows as they stand, and what
    /// `previous` knew of the invoices it rejected or flagged, so that a row that fails once
    /// (or waits for the owner) never reads as vanished next time.
    pub fn next(previous: &Snapshot, export: &Export) -> Snapshot {
        let mut next = Snapshot::from_export(export);
        let kept = export
            .rejected
            .iter()
            .filter_map(|e| e.invoice.clone())
            .chain(export.flagged.iter().map(|f| f.number.normalized()));
        for key in kept {
            if let Some(entry) = previous.invoices.get(&key) {
                next.invoices.entry(key).or_insert_with(|| entry.clone());
            }
        }
        next
    }

    pub fn get(&self, number: &InvoiceNumber) -> Option<&SnapshotEntry> {
        self.invoices.get(&number.normalized())
    }

    pub fn len(&self) -> usize {
        self.invoices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.invoices.is_empty()
    }

    /// Every entry, by normalized number.
    pub fn entries(&self) -> impl Iterator<Item = &SnapshotEntry> {
        self.invoices.values()
    }
}

impl FromIterator<(Invoice, RowStatus)> for Snapshot {
    fn from_iter<I: IntoIterator<Item = (Invoice, RowStatus)>>(iter: I) -> Snapshot {
        let mut snapshot = Snapshot::new();
        for (invoice, status) in iter {
            snapshot.insert(invoice, status);
        }
        snapshot
    }
}

/// A fact of an invoice that changed since the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangedField {
    DueDate,
    Amount,
    Balance,
    Contacts,
    Status,
}

/// An invoice that changed: the row, the changed fields, and the update a chase takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub row: IntakeRow,
    pub fields: Vec<ChangedField>,
    /// The new due date, amount, balance and contacts, for `update_invoice`.
    pub update: InvoiceUpdate,
}

/// An invoice open in the snapshot and absent from the export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vanished {
    pub invoice: Invoice,
    pub status: RowStatus,
}

/// Each export row lands in exactly one of `new`, `paid`, `closed`, `partially_paid`,
/// `changed` and `unchanged`, in that order of precedence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// Not in the snapshot, whatever their status.
    pub new: Vec<IntakeRow>,
    /// Paid now, not paid before.
    pub paid: Vec<IntakeRow>,
    /// Void or written off now, not before.
    pub closed: Vec<IntakeRow>,
    /// Partially paid now, with more paid than before.
    pub partially_paid: Vec<Change>,
    /// Any other change to the due date, amount, balance (when stated), contacts or status.
    pub changed: Vec<Change>,
    pub unchanged: Vec<IntakeRow>,
    /// Open in the snapshot, missing from the export: for the owner to look at.
    pub vanished: Vec<Vanished>,
    /// The export's rejected rows.
    pub rejected: Vec<RowError>,
    /// The export's rows for the owner to look at; they neither count as new nor vanish.
    #[serde(default)]
    pub flagged: Vec<Flagged>,
}

/// Compares an export with the previous snapshot.
pub fn diff(previous: &Snapshot, export: &Export) -> Diff {
    let mut out = Diff {
        rejected: export.rejected.clone(),
        flagged: export.flagged.clone(),
        ..Diff::default()
    };
    let mut rows: Vec<&IntakeRow> = export.rows.iter().collect();
    rows.sort_by_key(|r| r.line);
    for row in rows {
        match previous.get(&row.invoice.number) {
            None => out.new.push(row.clone()),
            Some(before) => classify(before, row, &mut out),
        }
    }
    let present: BTreeSet<String> = export
        .rows
        .iter()
        .map(|r| r.invoice.number.normalized())
        .chain(export.rejected.iter().filter_map(|e| e.invoice.clone()))
        .chain(export.flagged.iter().map(|f| f.number.normalized()))
        .collect();
    out.vanished = previous
        .invoices
        .iter()
        .filter(|(key, entry)| {
            !present.contains(*key)
                && matches!(
                    entry.status,
                    RowStatus::Open | RowStatus::PartiallyPaid { .. }
                )
        })
        .map(|(_, entry)| Vanished {
            invoice: entry.invoice.clone(),
            status: entry.status.clone(),
        })
        .collect();
    out
}

fn classify(before: &SnapshotEntry, row: &IntakeRow, out: &mut Diff) {
    let mut now = row.invoice.clone();
    let mut status = &row.status;
    if !row.balance_known {
        // The export does not say; the balance (and part payment) known from before stands.
        now.balance = before.invoice.balance;
        if *status == RowStatus::Open && matches!(before.status, RowStatus::PartiallyPaid { .. }) {
            status = &before.status;
        }
    }
    let update = InvoiceUpdate::between(&before.invoice, &now);
    let mut fields: Vec<ChangedField> = [
        (ChangedField::DueDate, update.due_date.is_some()),
        (ChangedField::Amount, update.amount.is_some()),
        (ChangedField::Balance, update.balance.is_some()),
        (ChangedField::Contacts, update.contacts.is_some()),
        (ChangedField::Status, before.status != *status),
    ]
    .into_iter()
    .filter_map(|(field, changed)| changed.then_some(field))
    .collect();
    let change = |fields: Vec<ChangedField>| Change {
        row: row.clone(),
        fields,
        update: update.clone(),
    };
    match (&before.status, status) {
        (RowStatus::Paid, RowStatus::Paid) => {}
        (_, RowStatus::Paid) => return out.paid.push(row.clone()),
        (old, new @ (RowStatus::Void | RowStatus::WrittenOff)) if old != new => {
            return out.closed.push(row.clone());
        }
        (old, RowStatus::PartiallyPaid { paid }) => {
            let more = match old {
                RowStatus::PartiallyPaid { paid: was } => {
                    paid.checked_cmp(was).is_ok_and(|o| o.is_gt())
                }
                _ => true,
            };
            if more {
                return out.partially_paid.push(change(fields));
            }
        }
        _ => {}
    }
    if fields.is_empty() {
        out.unchanged.push(row.clone());
    } else {
        fields.dedup();
        out.changed.push(change(fields));
    }
}
