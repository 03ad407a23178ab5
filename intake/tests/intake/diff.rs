//! The diff of an export against the previous snapshot.

use chaser_intake::{ChangedField, Diff, Options, RowStatus, Snapshot, diff, read_export};

use crate::{money, options};

const HEADER: &str =
    "number,customer,contact_email,amount,balance,currency,issue_date,due_date,owner_email,paid\n";

fn export(body: &str) -> chaser_intake::Export {
    let text = format!("{HEADER}{body}");
    read_export(text.as_bytes(), "invoices.csv", &Options::default()).unwrap()
}

const BEFORE: &str = "\
INV-1,Acme,ap@acme.example,100.00,100.00,USD,2026-11-01,2026-12-01,o@us.example,no\n\
INV-2,Beta,ap@beta.example,200.00,200.00,USD,2026-11-01,2026-12-01,o@us.example,no\n\
INV-3,Gamma,ap@gamma.example,300.00,300.00,USD,2026-11-01,2026-12-01,o@us.example,no\n\
INV-4,Delta,ap@delta.example,400.00,400.00,USD,2026-11-01,2026-12-01,o@us.example,no\n\
INV-5,Eps,ap@eps.example,500.00,0.00,USD,2026-11-01,2026-12-01,o@us.example,yes\n";

fn numbers(rows: &[chaser_intake::IntakeRow]) -> Vec<&str> {
    rows.iter().map(|r| r.invoice.number.as_str()).collect()
}

#[test]
fn the_same_export_twice_is_all_unchanged() {
    let previous = Snapshot::from_export(&export(BEFORE));
    let d = diff(&previous, &export(BEFORE));
    assert_eq!(
        numbers(&d.unchanged),
        ["INV-1", "INV-2", "INV-3", "INV-4", "INV-5"]
    );
    assert_eq!(
        d,
        Diff {
            unchanged: d.unchanged.clone(),
            ..Diff::default()
        }
    );
}

#[test]
fn every_kind_of_change_lands_in_its_own_list() {
    // Arrange: INV-1 paid, INV-2 part paid, INV-3 due later with a new contact, INV-4 gone,
    // INV-5 (paid before) gone too, INV-6 new, and a bad row for INV-7.
    let previous = Snapshot::from_export(&export(BEFORE));
    let now = export(
        "INV-1,Acme,ap@acme.example,100.00,0.00,USD,2026-11-01,2026-12-01,o@us.example,yes\n\
         INV-2,Beta,ap@beta.example,200.00,50.00,USD,2026-11-01,2026-12-01,o@us.example,no\n\
         inv 3,Gamma,new@gamma.example,300.00,300.00,USD,2026-11-01,2026-12-15,o@us.example,no\n\
         INV-6,Zeta,ap@zeta.example,600.00,600.00,USD,2026-11-20,2026-12-20,o@us.example,no\n\
         INV-7,Eta,ap@eta.example,70.00,70.00,USD,someday,,o@us.example,no\n",
    );

    // Act
    let d = diff(&previous, &now);

    // Assert
    assert_eq!(numbers(&d.new), ["INV-6"]);
    assert_eq!(numbers(&d.paid), ["INV-1"]);
    assert_eq!(d.partially_paid.len(), 1);
    let part = &d.partially_paid[0];
    assert_eq!(part.row.invoice.number.as_str(), "INV-2");
    assert_eq!(
        part.row.status,
        RowStatus::PartiallyPaid {
            paid: money("USD 150")
        }
    );
    assert_eq!(part.fields, [ChangedField::Balance, ChangedField::Status]);
    assert_eq!(part.update.balance, Some(money("USD 50")));

    assert_eq!(d.changed.len(), 1);
    let changed = &d.changed[0];
    assert_eq!(changed.row.invoice.number.as_str(), "inv 3");
    assert_eq!(
        changed.fields,
        [ChangedField::DueDate, ChangedField::Contacts]
    );
    assert!(d.unchanged.is_empty());
    // Only the open invoice that vanished is flagged; the paid one dropping out is no news.
    let vanished: Vec<&str> = d
        .vanished
        .iter()
        .map(|v| v.invoice.number.as_str())
        .collect();
    assert_eq!(vanished, ["INV-4"]);
    assert_eq!(d.rejected.len(), 1);
    assert_eq!(d.rejected[0].line, 6);
}

#[test]
fn a_rejected_row_is_not_reported_as_vanished() {
    let previous = Snapshot::from_export(&export(BEFORE));
    let now = export(
        "INV-1,Acme,ap@acme.example,100.00,100.00,USD,2026-11-01,2026-12-01,o@us.example,no\n\
         INV-2,Beta,ap@beta.example,200.00,200.00,USD,not a date,2026-12-01,o@us.example,no\n\
         INV-3,Gamma,ap@gamma.example,300.00,300.00,USD,2026-11-01,2026-12-01,o@us.example,no\n\
         INV-4,Delta,ap@delta.example,400.00,400.00,USD,2026-11-01,2026-12-01,o@us.example,no\n",
    );
    let d = diff(&previous, &now);
    assert!(d.vanished.is_empty(), "{:?}", d.vanished);
    assert_eq!(d.rejected.len(), 1);
}

#[test]
fn an_export_without_balances_keeps_the_balance_known_from_before() {
    let previous = Snapshot::from_export(&export(
        "INV-1,Acme,ap@acme.example,100.00,40.00,USD,2026-11-01,2026-12-01,o@us.example,no\n",
    ));
    let text = "number,customer,amount,currency,issue_date,due_date,owner_email\n\
                INV-1,Acme,100.00,USD,2026-11-01,2026-12-01,o@us.example\n";
    let now = read_export(text.as_bytes(), "x.csv", &options()).unwrap();
    let d = diff(&previous, &now);
    // No balance in the export: the part payment known before is not undone.
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].fields, [ChangedField::Contacts]);
    assert_eq!(d.changed[0].update.balance, None);
}

#[test]
fn voids_and_write_offs_are_closed_and_the_diff_travels_as_json() {
    let previous = Snapshot::from_export(&export(BEFORE));
    let text = "InvoiceNumber,ContactName,InvoiceDate,DueDate,Total,InvoiceAmountDue,Currency,Status\n\
                INV-1,Acme,2026-11-01,2026-12-01,100.00,100.00,USD,Voided\n\
                INV-2,Beta,2026-11-01,2026-12-01,200.00,200.00,USD,Awaiting Payment\n";
    let now = read_export(text.as_bytes(), "xero.csv", &options()).unwrap();
    let d = diff(&previous, &now);
    assert_eq!(numbers(&d.closed), ["INV-1"]);
    assert_eq!(d.closed[0].status, RowStatus::Void);

    let json = serde_json::to_string(&d).unwrap();
    let back: Diff = serde_json::from_str(&json).unwrap();
    assert_eq!(back, d);
    let snapshot_json = serde_json::to_string(&previous).unwrap();
    assert_eq!(
        serde_json::from_str::<Snapshot>(&snapshot_json).unwrap(),
        previous
    );
}

#[test]
fn a_flagged_row_is_neither_new_nor_vanished_and_the_next_snapshot_keeps_it() {
    // Arrange: INV-2 was open; now its row has a negative amount (flagged) and INV-3 was
    // rejected.
    let previous = Snapshot::from_export(&export(BEFORE));
    let now = export(
        "INV-1,Acme,ap@acme.example,100.00,100.00,USD,2026-11-01,2026-12-01,o@us.example,no\n\
         INV-2,Beta,ap@beta.example,-200.00,-200.00,USD,2026-11-01,2026-12-01,o@us.example,no\n\
         INV-3,Gamma,ap@gamma.example,300.00,300.00,USD,someday,2026-12-01,o@us.example,no\n\
         INV-4,Delta,ap@delta.example,400.00,400.00,USD,2026-11-01,2026-12-01,o@us.example,no\n",
    );

    // Act
    let d = diff(&previous, &now);
    let next = Snapshot::next(&previous, &now);

    // Assert
    assert!(d.new.is_empty() && d.vanished.is_empty(), "{d:#?}");
    let flagged: Vec<&str> = d.flagged.iter().map(|f| f.number.as_str()).collect();
    assert_eq!(flagged, ["INV-2"]);
    assert_eq!(d.flagged[0].reason.as_str(), "negative_amount");
    // What was known of the flagged and the rejected invoice stands; INV-5 (paid) is gone.
    let kept: Vec<&str> = next.entries().map(|e| e.invoice.number.as_str()).collect();
    assert_eq!(kept, ["INV-1", "INV-2", "INV-3", "INV-4"]);
    assert_eq!(
        next.entries().nth(1).map(|e| e.invoice.amount),
        Some(money("USD 200"))
    );
}
