//! `chaser import`: idempotent, and forgiving of bad rows.

use std::time::Duration;

use crate::support::*;

#[test]
fn importing_the_same_csv_twice_gives_one_chase_and_no_duplicate_email() {
    let name = "reimport";
    let chaser = chaser(name, Backend::Postgres);
    let mut a = Invoice::new(name, "INV-RA");
    let mut b = Invoice::new(name, "INV-RB");
    let path = chaser.csv(
        "invoices.csv",
        &format!("{HEADER}{}{}", a.row(false), b.row(false)),
    );

    let first = chaser.ok(&["import", &path]);
    assert!(
        first.contains("2 started, 0 updated, 0 paid, 0 unchanged, 0 rejected"),
        "{first}"
    );
    let second = chaser.ok(&["import", &path]);
    assert!(
        second.contains("0 started, 0 updated, 0 paid, 2 unchanged, 0 rejected"),
        "{second}"
    );

    a.wait_mail(&a.billing, 1);
    b.wait_mail(&b.billing, 1);
    // Again after the first reminders went out: still nothing new.
    let third = chaser.ok(&["import", &path]);
    assert!(third.contains("2 unchanged"), "{third}");
    a.sleep_until(8.0);
    assert_eq!(stack().mail_to(&a.billing).len(), 1, "one nudge, never two");
    assert_eq!(stack().mail_to(&b.billing).len(), 1);
    for inv in [&a, &b] {
        assert_eq!(
            workflows_matching(&format!("InvoiceNumber = '{}'", inv.number)).len(),
            1,
            "one chase per invoice"
        );
    }
}

#[test]
fn a_paid_row_in_a_later_import_stops_the_chase() {
    let name = "import-paid";
    let chaser = chaser(name, Backend::Sqlite);
    let mut inv = Invoice::new(name, "INV-IP");
    let unpaid = inv.row(false);
    import(&chaser, std::slice::from_ref(&unpaid));
    inv.wait_mail(&inv.billing, 1);
    let paid_row = unpaid.replace(",no,", ",yes,");
    let out = import(&chaser, &[paid_row]);
    assert!(out.contains("1 paid"), "{out}");
    wait_for("the chase to end paid", Duration::from_secs(20), || {
        (chaser.status(&inv.number)["state"] == "paid").then_some(())
    });
    inv.sleep_until(12.0);
    let mail = stack().mail_to(&inv.billing);
    assert_eq!(mail.len(), 2, "the nudge and the thank-you: {mail:#?}");
}

#[test]
fn a_csv_with_malformed_rows_reports_line_numbers_and_imports_the_good_rows() {
    let name = "bad-csv";
    let chaser = chaser(name, Backend::Sqlite);
    let mut good1 = Invoice::new(name, "INV-G1");
    let mut good2 = Invoice::new(name, "INV-G2");
    let bad_amount = good1
        .row(false)
        .replace("INV-G1", "INV-B1")
        .replace("1200.00", "12.00.0x");
    let bad_date = good1
        .row(false)
        .replace("INV-G1", "INV-B2")
        .replacen(&today(), "21/11/2026", 1);
    let body = format!(
        "{HEADER}{}{bad_amount}{}{bad_date}",
        good1.row(false),
        good2.row(false)
    );
    let path = chaser.csv("invoices.csv", &body);

    let out = chaser.run(&["import", &path]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "rejected rows make the exit code non-zero: {text}"
    );
    assert!(
        text.contains("2 started, 0 updated, 0 paid, 0 unchanged, 2 rejected"),
        "{text}"
    );
    assert!(
        text.contains("line 3: amount: `12.00.0x` is not an amount"),
        "{text}"
    );
    assert!(
        text.contains("line 5: issue_date: `21/11/2026` is not a date: write YYYY-MM-DD"),
        "{text}"
    );
    for inv in [&good1, &good2] {
        assert_eq!(chaser.status(&inv.number)["state"], "scheduled");
    }
    let unknown = chaser.run(&["status", &good1.number.replace("INV-G1", "INV-B1")]);
    assert_eq!(
        unknown.status.code(),
        Some(1),
        "the bad row started nothing"
    );
}
