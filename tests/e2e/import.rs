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
        first
            .contains("2 started, 0 updated, 0 paid, 0 closed, 0 unchanged, 0 rejected, 0 flagged"),
        "{first}"
    );
    let second = chaser.ok(&["import", &path]);
    assert!(
        second
            .contains("0 started, 0 updated, 0 paid, 0 closed, 2 unchanged, 0 rejected, 0 flagged"),
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
        (chaser.status(&inv.number).state == ChaseState::Paid).then_some(())
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
        .replacen(&today(), "2026-13-45", 1);
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
        text.contains("2 started, 0 updated, 0 paid, 0 closed, 0 unchanged, 2 rejected"),
        "{text}"
    );
    assert!(text.contains("line 3: amount: `12.00.0x`"), "{text}");
    assert!(
        text.contains("line 5: issue_date: `2026-13-45` is not a real date"),
        "{text}"
    );
    for inv in [&good1, &good2] {
        assert_eq!(chaser.status(&inv.number).state, ChaseState::Scheduled);
    }
    let unknown = chaser.run(&["status", &good1.number.replace("INV-G1", "INV-B1")]);
    assert_eq!(
        unknown.status.code(),
        Some(1),
        "the bad row started nothing"
    );
}

#[test]
fn a_dry_run_prints_the_diff_and_changes_nothing() {
    let name = "import-dry";
    let chaser = chaser(name, Backend::Sqlite);
    let mut inv = Invoice::new(name, "INV-DR");
    let path = chaser.csv("invoices.csv", &format!("{HEADER}{}", inv.row(false)));

    let out = chaser.ok(&["import", "--dry-run", &path]);
    assert!(out.contains("(dry run, nothing changed): 1 new"), "{out}");
    assert!(out.contains(&inv.number), "the diff names the row: {out}");
    assert_eq!(
        chaser.run(&["status", &inv.number]).status.code(),
        Some(1),
        "no chase started"
    );
    assert!(workflows_matching(&format!("InvoiceNumber = '{}'", inv.number)).is_empty());

    // Once imported, a dry run of the paid row shows it as paid and still acts on nothing.
    chaser.ok(&["import", &path]);
    let paid = chaser.csv("paid.csv", &format!("{HEADER}{}", inv.row(true)));
    let out = chaser.ok(&["import", "--dry-run", &paid]);
    assert!(out.contains("0 new, 0 changed, 1 paid"), "{out}");
    std::thread::sleep(Duration::from_secs(1));
    assert_ne!(chaser.status(&inv.number).state, ChaseState::Paid);
}

/// A Xero invoice export, exactly as Xero writes it (one line per line item, DD/MM/YYYY),
/// starts a chase per invoice with no hand-editing.
#[test]
fn a_xero_export_starts_chases_without_hand_editing() {
    let name = "import-xero";
    // Xero's export names no account owner: the config's default owner takes them.
    let owner = address(name, "owner");
    let mut chaser = Chaser::with_config(
        name,
        &rules(),
        Backend::Sqlite,
        &[("email.default_owner", owner.into())],
    );
    chaser.start_worker();
    let header =
        std::fs::read_to_string(repo_root().join("tests/fixtures/exports/xero_invoices.csv"))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned();
    let columns: Vec<&str> = header.split(',').collect();
    let date = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let due = date.checked_add(jiff::ToSpan::days(30)).unwrap();
    let number = format!("INV-X-{}", std::process::id());
    let email = address(name, "accounts");
    let line = |description: &str, amount: &str| {
        let value = |column: &str| match column.trim_start_matches('*') {
            "ContactName" => "Ridgeway University".to_owned(),
            "EmailAddress" => email.clone(),
            "InvoiceNumber" => number.clone(),
            "InvoiceDate" => date.strftime("%d/%m/%Y").to_string(),
            "DueDate" => due.strftime("%d/%m/%Y").to_string(),
            "Total" | "InvoiceAmountDue" => "1650.00".to_owned(),
            "InvoiceAmountPaid" => "0.00".to_owned(),
            "Description" => description.to_owned(),
            "LineAmount" => amount.to_owned(),
            "Currency" => "GBP".to_owned(),
            "Status" => "Awaiting Payment".to_owned(),
            _ => String::new(),
        };
        columns
            .iter()
            .map(|c| value(c))
            .collect::<Vec<_>>()
            .join(",")
            + "\n"
    };
    let body = format!(
        "{header}\n{}{}",
        line("Workshop day", "1000.00"),
        line("Materials", "650.00")
    );
    let path = chaser.csv("Export.csv", &body);

    let out = chaser.run(&["import", "--date-format", "dd/mm/yyyy", &path]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("read as Xero"), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 started"), "{}", stdout(&out));
    let status = chaser.status(&number);
    assert_eq!(status.balance, money("GBP 1650.00"), "{status:#?}");
}

#[test]
fn an_invoice_gone_from_a_named_source_is_flagged_never_closed() {
    let name = "import-vanish";
    let chaser = chaser(name, Backend::Sqlite);
    let mut kept = Invoice::new(name, "INV-VK");
    let mut gone = Invoice::new(name, "INV-VG");
    let first = chaser.csv(
        "first.csv",
        &format!("{HEADER}{}{}", kept.row(false), gone.row(false)),
    );
    chaser.ok(&["import", "--source", "books", &first]);
    let second = chaser.csv("second.csv", &format!("{HEADER}{}", kept.row(false)));

    let out = chaser.ok(&["import", "--source", "books", &second]);
    assert!(out.contains("1 flagged"), "{out}");
    assert!(out.contains(&format!("{} (Acme Ltd", gone.number)), "{out}");
    let items = review_items(&chaser);
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0]["kind"], "vanished_from_export");
    assert_ne!(
        chaser.status(&gone.number).state,
        ChaseState::Void,
        "nothing closed"
    );

    // The next sync without it flags nothing twice; resolving clears the queue.
    let again = chaser.ok(&["import", "--source", "books", &second]);
    assert!(again.contains("0 flagged"), "{again}");
    let id = items[0]["id"].to_string();
    chaser.ok(&["review", "resolve", &id, "--note", "paid by cheque"]);
    assert_eq!(chaser.ok(&["review"]).trim(), "nothing to review");
}

#[test]
fn a_void_row_closes_the_chase_as_void() {
    let name = "import-void";
    let chaser = chaser(name, Backend::Sqlite);
    let mut inv = Invoice::new(name, "INV-VD");
    let open = inv.row(false);
    import(&chaser, std::slice::from_ref(&open));
    let header = HEADER.replace(",paid,", ",status,");
    let void = open.replace(",no,", ",Void,");
    let path = chaser.csv("void.csv", &format!("{header}{void}"));

    let out = chaser.ok(&["import", &path]);
    assert!(out.contains("1 closed"), "{out}");
    wait_for("the chase to end void", Duration::from_secs(20), || {
        (chaser.status(&inv.number).state == ChaseState::Void).then_some(())
    });
    inv.sleep_until(7.0);
    assert!(
        stack().mail_to(&inv.billing).is_empty(),
        "a void invoice is never chased"
    );
}

/// `chaser status` answers from the store, with a note saying why, when no worker answers and
/// when Temporal itself cannot be reached; `chaser invoices` needs neither.
#[test]
fn status_and_invoices_answer_from_the_store_without_a_worker_or_temporal() {
    let name = "status-offline";
    let mut chaser = Chaser::with_config(
        name,
        &crate::layouts::far_rules(),
        Backend::Sqlite,
        &[("mode", "dry_run".into())],
    );
    chaser.start_worker();
    let mut inv = Invoice::new(name, "INV-SO");
    import(&chaser, &[inv.row(false)]);
    let live = wait_for("the chase to plan", Duration::from_secs(20), || {
        let status = chaser.status(&inv.number);
        (status.next_touch.is_some()).then_some(status)
    });
    chaser.kill_worker();

    // No worker: the query times out and the store's copy answers.
    let out = chaser.run(&["status", &inv.number, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "note: from the store, as the chase last wrote it (no worker answered within 5 s)"
        ),
        "{}",
        stderr(&out)
    );
    let stored: StatusView = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(stored.state, ChaseState::Scheduled);
    assert_eq!(stored.balance, money("USD 1200.00"));
    assert_eq!(stored.next_touch, live.next_touch);

    // No Temporal at all: the same answer, and why.
    let unreachable = format!("127.0.0.1:{}", free_port());
    let offline = [("TEMPORAL_ADDRESS", unreachable.as_str())];
    let out = chaser.run_with_env(&["status", &inv.number], &offline);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "note: from the store, as the chase last wrote it (Temporal: cannot reach Temporal at"
        ),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "{} · scheduled · balance USD 1,200.00\nnext: nudge (nudge) at ",
            inv.number
        )),
        "{text}"
    );

    let out = chaser.run_with_env(&["invoices", "--state", "open"], &offline);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with(&inv.number))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains(" scheduled "), "{line}");
    assert!(line.contains("USD 1,200.00  due "), "{line}");
    assert!(line.contains("Acme Ltd  next: nudge at "), "{line}");
    let closed = chaser.ok(&["invoices", "--state", "closed"]);
    assert_eq!(closed.trim(), "no invoices");
    let out = chaser.run(&["invoices", "--state", "unpaid"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`unpaid` is not a state: expected open, closed, scheduled, escalated, paused, disputed, failed, paid, written_off, void"),
        "{}",
        stderr(&out)
    );
}
