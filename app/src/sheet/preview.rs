//! The dry run: what applying an export would do, line by line, read from the store alone.

use std::collections::BTreeMap;
use std::fmt;

use chaser_domain::ChaseState;
use chaser_intake::{Export, IntakeRow, LineOutcome, LineState, RowStatus, Vanished};

use crate::{AppError, Chaser, Plan};

use super::{row_plan, settle_closed, vanished};

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
