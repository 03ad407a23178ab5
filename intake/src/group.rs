//! Rows to invoices: the rows of one number brought together (line items folded into one
//! invoice, their amounts added up when the export states no total), a number used for
//! different customers flagged rather than merged, and each invoice's standing settled once:
//! its status and balance, or why the owner must look first.

use std::collections::BTreeMap;

use chaser_domain::Money;
use chaser_domain::invoice::InvoiceError;

use crate::error::RowError;
use crate::field::Field;
use crate::outcome::{Export, FlagReason, Flagged, IntakeRow, SkipReason, Skipped};
use crate::row::{Context, Read};
use crate::status::{self, Facts, RowStatus, Unsettled, Word};

/// Settles every read row into `export`, invoice by invoice in the order numbers first
/// appear.
pub(crate) fn settle_all(ctx: &Context<'_>, reads: Vec<Read>, export: &mut Export) {
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, Vec<Read>> = BTreeMap::new();
    for read in reads {
        let key = read.invoice.number.normalized();
        groups
            .entry(key.clone())
            .or_insert_with(|| {
                order.push(key);
                Vec::new()
            })
            .push(read);
    }
    for key in order {
        if let Some(group) = groups.remove(&key) {
            settle_group(ctx, group, export);
        }
    }
}

/// Customer names compare without regard to case or spacing.
fn same_customer(a: &Read, b: &Read) -> bool {
    let squash = |r: &Read| {
        r.invoice
            .customer
            .name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    squash(a) == squash(b)
}

fn settle_group(ctx: &Context<'_>, group: Vec<Read>, export: &mut Export) {
    let Some(first) = group.first() else { return };
    if group.iter().any(|r| !same_customer(first, r)) {
        return flag_duplicates(group, export);
    }
    let key = first.invoice.number.normalized();
    let label = ctx.columns.label(Field::Number).to_owned();
    let reject = |read: &Read, message: String| RowError {
        line: read.line,
        field: label.clone(),
        message,
        invoice: Some(key.clone()),
    };
    let mut rows = group.into_iter();
    let Some(first) = rows.next() else { return };
    let mut items: Vec<Read> = Vec::new();
    for read in rows {
        let message = if ctx.line_items {
            let differ = differences(ctx, &first, &read);
            if differ.is_empty() {
                items.push(read);
                continue;
            }
            format!(
                "invoice {} is also on line {} with a different {}",
                read.invoice.number,
                first.line,
                differ.join(", ")
            )
        } else {
            format!(
                "invoice {} is also on line {}",
                read.invoice.number, first.line
            )
        };
        export.rejected.push(reject(&read, message));
    }
    finish(ctx, first, items, export);
}

/// One invoice number on rows for different customers: each customer's first row is
/// flagged, naming them all; nothing is merged or chased.
fn flag_duplicates(group: Vec<Read>, export: &mut Export) {
    let lines: Vec<u64> = group.iter().map(|r| r.line).collect();
    let mut by_customer: Vec<Vec<Read>> = Vec::new();
    for read in group {
        match by_customer
            .iter_mut()
            .find(|rows| rows.first().is_some_and(|f| same_customer(f, &read)))
        {
            Some(rows) => rows.push(read),
            None => by_customer.push(vec![read]),
        }
    }
    let customers: Vec<String> = by_customer
        .iter()
        .filter_map(|rows| rows.first())
        .map(|r| r.invoice.customer.name.clone())
        .collect();
    for rows in by_customer {
        let mut rows = rows.into_iter();
        let Some(first) = rows.next() else { continue };
        export.flagged.push(Flagged {
            line: first.line,
            number: first.invoice.number,
            customer: first.invoice.customer.name,
            reason: FlagReason::DuplicateNumber {
                customers: customers.clone(),
                lines: lines.clone(),
            },
            item_lines: rows.map(|r| r.line).collect(),
        });
    }
}

/// The invoice facts two rows of the same number disagree on. When the amount is the sum of
/// the line items', each row's amount is its own and only the currency must agree.
fn differences(ctx: &Context<'_>, a: &Read, b: &Read) -> Vec<&'static str> {
    let (x, y) = (&a.invoice, &b.invoice);
    let summed = ctx.amount_field == Field::LineAmount;
    let word = |r: &Read| r.word.as_ref().map(|(w, _)| *w);
    [
        ("amount", !summed && x.amount != y.amount),
        (
            "currency",
            summed && x.amount.currency() != y.amount.currency(),
        ),
        ("balance", a.balance != b.balance),
        ("amount paid", a.paid != b.paid),
        ("issue date", x.issue_date != y.issue_date),
        (
            "due date",
            x.due_date != y.due_date || a.undated != b.undated,
        ),
        ("status", word(a) != word(b)),
        ("contacts", x.contacts != y.contacts),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect()
}

/// An invoice's standing, from its first row and the line items that agree with it.
fn finish(ctx: &Context<'_>, first: Read, items: Vec<Read>, export: &mut Export) {
    let lines: Vec<u64> = std::iter::once(first.line)
        .chain(items.iter().map(|r| r.line))
        .collect();
    let item_lines: Vec<u64> = items.iter().map(|r| r.line).collect();
    let summed = ctx.amount_field == Field::LineAmount;
    let mut amount = first.invoice.amount;
    if summed {
        for item in &items {
            match amount.checked_add(&item.invoice.amount) {
                Ok(sum) => amount = sum,
                Err(e) => {
                    return reject_all(
                        ctx,
                        &first,
                        &lines,
                        Field::LineAmount,
                        e.to_string(),
                        export,
                    );
                }
            }
        }
    }
    let word = first.word.as_ref().map(|(w, text)| match w {
        // The export states only what is owed, so a part payment is already taken off.
        Word::Partial if ctx.amount_field == Field::Balance => (Word::Open, text.as_str()),
        w => (*w, text.as_str()),
    });
    let closed = matches!(word, Some((Word::Paid | Word::Void | Word::WrittenOff, _)));
    // Paid, and more than paid: the invoice is paid; what was paid over is no debt of theirs.
    let overpaid = amount.is_positive()
        && matches!(word, Some((Word::Paid, _)))
        && first.balance.is_some_and(|b| b.is_negative());
    let balance = if overpaid {
        Some(Money::zero(amount.currency()))
    } else {
        first.balance
    };
    let negative = [Some(amount), balance, first.paid]
        .into_iter()
        .flatten()
        .find(Money::is_negative);
    if let Some(negative) = negative {
        if closed {
            return skip_all(&lines, SkipReason::Credit { amount: negative }, export);
        }
        return flag(
            first,
            item_lines,
            FlagReason::NegativeAmount { amount: negative },
            export,
        );
    }
    let settled = match status::settle(&Facts {
        amount,
        balance,
        paid: first.paid,
        word,
    }) {
        Ok(s) => s,
        Err(Unsettled::Contradiction(why)) => {
            let field = if ctx.columns.has(Field::Status) {
                Field::Status
            } else {
                Field::Paid
            };
            return reject_all(ctx, &first, &lines, field, why, export);
        }
        Err(Unsettled::OutstandingUnknown) => {
            let reason = FlagReason::OutstandingUnknown {
                amount,
                status: first.word.as_ref().map(|(_, text)| text.clone()),
                paid_on: first.paid_on,
            };
            return flag(first, item_lines, reason, export);
        }
    };
    // A payment date on an invoice still open, and no remainder stated: some was paid. The
    // date is the evidence; the status only says the invoice is open.
    if first.paid_on.is_some() && !settled.balance_known && settled.status == RowStatus::Open {
        let reason = FlagReason::OutstandingUnknown {
            amount,
            status: None,
            paid_on: first.paid_on,
        };
        return flag(first, item_lines, reason, export);
    }
    if amount.is_zero() && matches!(settled.status, RowStatus::Paid | RowStatus::Void) {
        let reason = if ctx.amount_field == Field::Balance {
            SkipReason::ClosedWithoutAmount {
                number: first.invoice.number.clone(),
                status: settled.status,
            }
        } else {
            SkipReason::ZeroAmount
        };
        return skip_all(&lines, reason, export);
    }
    if let Some(why) = first.undated.clone() {
        return reject_all(ctx, &first, &lines, Field::DueDate, why, export);
    }
    let mut invoice = first.invoice.clone();
    invoice.amount = amount;
    invoice.balance = settled.balance;
    if let Err(e) = invoice.check() {
        let field = match e {
            InvoiceError::DueBeforeIssue { .. } => Field::DueDate,
            InvoiceError::BalanceAboveAmount { .. } | InvoiceError::NegativeBalance { .. } => {
                if ctx.columns.has(Field::Balance) {
                    Field::Balance
                } else {
                    Field::AmountPaid
                }
            }
            _ => ctx.amount_field,
        };
        return reject_all(ctx, &first, &lines, field, e.to_string(), export);
    }
    export.rows.push(IntakeRow {
        line: first.line,
        invoice,
        status: settled.status,
        balance_known: settled.balance_known,
        item_lines,
    });
}

fn flag(first: Read, item_lines: Vec<u64>, reason: FlagReason, export: &mut Export) {
    export.flagged.push(Flagged {
        line: first.line,
        number: first.invoice.number,
        customer: first.invoice.customer.name,
        reason,
        item_lines,
    });
}

fn skip_all(lines: &[u64], reason: SkipReason, export: &mut Export) {
    export.skipped.extend(lines.iter().map(|line| Skipped {
        line: *line,
        reason: reason.clone(),
    }));
}

/// A problem with the invoice as a whole, reported on each of its lines.
fn reject_all(
    ctx: &Context<'_>,
    first: &Read,
    lines: &[u64],
    field: Field,
    message: String,
    export: &mut Export,
) {
    let label = ctx.columns.label(field).to_owned();
    let key = first.invoice.number.normalized();
    export.rejected.extend(lines.iter().map(|line| RowError {
        line: *line,
        field: label.clone(),
        message: message.clone(),
        invoice: Some(key.clone()),
    }));
}
