//! The owner's part in an import: a date format to choose when the export's dates are
//! ambiguous, a suggested mapping for an export no preset knows, and a dry run first.

use std::time::Duration;

use super::{
    far_rules, fixture, flagged, held, import_sample, invoices, layout_chaser, read_as, settled,
};
use crate::support::*;

#[test]
fn ambiguous_dates_are_refused_with_the_hint_and_import_with_the_format_given() {
    let chaser = layout_chaser("layout-ambiguous", None);

    let out = import_sample(&chaser, "generic_ambiguous_dates.csv", &[], true);
    assert!(
        out.contains("the dates are ambiguous (no day above 12, so 03/04/2026 could be 3 April or 4 March): pass --date-format dd/mm/yyyy or --date-format mm/dd/yyyy"),
        "{out}"
    );
    assert!(invoices(&chaser).is_empty(), "nothing imported");

    let out = import_sample(
        &chaser,
        "generic_ambiguous_dates.csv",
        &["--date-format", "dd/mm/yyyy"],
        false,
    );
    read_as(&out, "plain spreadsheet", 2);
    // The chaser's own columns, read month first this time.
    let out = import_sample(&chaser, "ambiguous_dates.csv", &[], true);
    assert!(out.contains("pass --date-format dd/mm/yyyy"), "{out}");
    let out = import_sample(
        &chaser,
        "ambiguous_dates.csv",
        &["--date-format", "mm/dd/yyyy"],
        false,
    );
    read_as(&out, "chaser CSV", 2);
    assert_eq!(
        held(&settled(&chaser)),
        [
            "INV-2001 · Acme Ltd · scheduled · USD 100.00 of USD 100.00 · due 2026-03-05",
            "A-101 · Acme Ltd · scheduled · USD 100.00 of USD 100.00 · due 2026-05-03",
            "INV-2002 · Beta GmbH · scheduled · EUR 200.00 of EUR 200.00 · due 2026-06-07",
            "A-102 · Beta GmbH · scheduled · EUR 200.00 of EUR 200.00 · due 2026-07-05",
        ]
    );
}

/// `--suggest-mapping` needs no config, store or Temporal: the block it prints, put in the
/// config, imports the file.
#[test]
fn a_suggested_mapping_imports_the_file_it_was_made_from() {
    let dir = scratch_dir().join("suggest");
    std::fs::create_dir_all(&dir).unwrap();
    let odd = dir.join("odd.csv");
    std::fs::write(
        &odd,
        "Ref,Who,Gross,Raised,Payable by,Cur,Notes\n\
         A-1,Acme Ltd,\"1,200.00\",2026-11-01,2026-12-01,USD,first\n\
         A-2,Beta GmbH,450.00,2026-11-03,2026-12-03,EUR,\n",
    )
    .unwrap();
    let odd = odd.display().to_string();

    let out = chaser_tests::chaser(&["import", &odd, "--suggest-mapping"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let block = stdout(&out);
    assert_eq!(
        block,
        format!(
            "# Suggested for {odd} from its header on line 1. Check each line (the ones marked\n\
             # \"guessed\" were read from the values), then put the block in the config.\n\
             [intake.custom]\n\
             number = \"Ref\"\n\
             customer = \"Who\"\n\
             amount = \"Gross\"\n\
             issue_date = \"Raised\"\n\
             due_date = \"Payable by\"\n\
             currency = \"Cur\"  # guessed\n\
             # not used: Notes\n"
        )
    );

    // Without the block the file is refused, pointing at --suggest-mapping; with it, imported.
    let name = "layout-suggested";
    let refused = Chaser::with_config(
        &format!("{name}-without"),
        &far_rules(),
        Backend::Sqlite,
        &[("email.default_owner", address(name, "owner").into())],
    );
    let out = refused.run(&["import", &odd]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("`chaser import {odd} --suggest-mapping` prints")),
        "{}",
        stderr(&out)
    );
    let config: toml::Table = toml::from_str(&block).unwrap();
    let custom = config["intake"]["custom"].clone();
    let mut chaser = Chaser::with_config(
        name,
        &far_rules(),
        Backend::Sqlite,
        &[
            ("email.default_owner", address(name, "owner").into()),
            ("intake.custom", custom),
        ],
    );
    chaser.own_namespace();
    chaser.start_worker();
    let out = chaser.ok(&["import", &odd]);
    assert!(out.contains("2 started"), "{out}");
    assert_eq!(
        held(&settled(&chaser)),
        [
            "A-1 · Acme Ltd · scheduled · USD 1200.00 of USD 1200.00 · due 2026-12-01",
            "A-2 · Beta GmbH · scheduled · EUR 450.00 of EUR 450.00 · due 2026-12-03",
        ]
    );

    // A file that names nothing an invoice needs gets a clear error, and exit code 1.
    let colours = dir.join("colours.csv");
    std::fs::write(&colours, "Colour,Size\nred,L\nblue,M\n").unwrap();
    let out = chaser_tests::chaser(&["import", colours.to_str().unwrap(), "--suggest-mapping"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot suggest a mapping: no column looks like"),
        "{}",
        stderr(&out)
    );
}

/// A dry run reads the store alone: with Temporal unreachable it prints every line of the
/// file with its state after the import, what vanished from the named source and the owner's
/// overrides the import keeps, and changes nothing. The import then does what it showed.
#[test]
fn a_dry_run_without_temporal_shows_each_line_and_the_import_then_does_it() {
    let name = "layout-dry-run";
    let chaser = layout_chaser(name, None);
    let books = chaser.csv(
        "books.csv",
        "Invoice Number,Customer,Email,Amount Due,Currency,Invoice Date,Due Date,Status\n\
         00042,Acme Ltd,ap@acme.example,\"1,200.00\",GBP,14/10/2026,12/11/2026,Unpaid\n\
         INV-1044,Gamma Co,ap@gamma.example,300.00,GBP,20/09/2026,20/10/2026,Unpaid\n\
         INV-2000,Omega Ltd,ap@omega.example,50.00,GBP,01/10/2026,31/10/2026,Unpaid\n",
    );
    chaser.ok(&["import", "--source", "books", &books]);
    chaser.ok(&["disable", "00042"]);
    wait_for(
        "the chase to write the owner's override",
        Duration::from_secs(20),
        || {
            invoices(&chaser)
                .iter()
                .any(|i| i["number"] == "00042" && i["overrides"] == serde_json::json!(["chasing"]))
                .then_some(())
        },
    );
    // Only the command line loses Temporal; the worker stays up for the import after.
    let unreachable = format!("127.0.0.1:{}", free_port());
    let offline = [("TEMPORAL_ADDRESS", unreachable.as_str())];
    let before = chaser.run_with_env(&["invoices", "--json"], &offline);
    assert!(before.status.success(), "{}", stderr(&before));

    let sample = fixture("generic_plain.csv");
    let out = chaser.run_with_env(
        &["import", "--dry-run", "--source", "books", &sample],
        &offline,
    );

    assert_eq!(
        out.status.code(),
        Some(1),
        "a rejected row: {}",
        stderr(&out)
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{sample} (dry run, nothing changed): 3 new, 1 changed, 1 paid, 0 partially paid, 0 closed, 0 unchanged, 1 rejected, 1 vanished, 3 flagged").as_str(),
            "  line 2: 00042 · Acme Ltd · GBP 1,200.00 · due 2026-11-13 · chase (update: due_date; owner overrides kept: chasing)",
            "  line 3: flagged: INV-1043 (Beta GmbH): the number is used for different customers (Beta GmbH, Theta Ltd) on lines 3, 9",
            "  line 4: INV-1044 · Gamma Co · GBP 0.00 of GBP 300.00 · due 2026-10-20 · paid (the chase ends)",
            "  line 5: skipped: status `Draft`: not sent yet",
            "  line 6: flagged: INV-1046 (Epsilon SA): a negative amount (EUR -75.00) on an unpaid row: a credit, an overpayment or a mistake",
            "  line 7: skipped: a `Credit Note` row, not an invoice",
            "  line 8: rejected: Invoice Date: `31/02/2026` is not a real date: February 2026 has 28 days",
            "  line 9: flagged: INV-1043 (Theta Ltd): the number is used for different customers (Beta GmbH, Theta Ltd) on lines 3, 9",
            "  line 10: INV-1048 · Iota & Sons, Ltd · USD 2,500.50 · due 2026-12-16 · chase (new)",
            "  line 11: INV-1049 · Kappa Ltd · GBP 640.00 · due 2026-11-20 · void (new: recorded, never chased)",
            "  line 12: 1234567890123456789 · Lambda BV · EUR 99.95 · due 2026-12-22 · chase (new)",
            "  line 13: skipped: not an invoice row (a heading, subtotal or note)",
            "  vanished: INV-2000 · Omega Ltd · GBP 50.00: open in the last `books` export and missing from this one; would be flagged for review, not closed",
        ]
    );
    let after = chaser.run_with_env(&["invoices", "--json"], &offline);
    assert_eq!(stdout(&after), stdout(&before), "the store is unchanged");
    assert!(review_items(&chaser).is_empty(), "nothing flagged yet");

    // With Temporal, the import does what the dry run showed.
    let out = import_sample(&chaser, "generic_plain.csv", &["--source", "books"], true);
    assert!(
        out.contains("2 started, 1 updated, 1 paid, 0 closed, 1 unchanged, 1 rejected, 4 flagged"),
        "{out}"
    );
    let held = wait_for(
        "INV-1044's chase to end paid",
        Duration::from_secs(20),
        || {
            let all = invoices(&chaser);
            all.iter()
                .any(|i| i["number"] == "INV-1044" && i["state"] == "paid")
                .then_some(all)
        },
    );
    let acme = held.iter().find(|i| i["number"] == "00042").unwrap();
    assert_eq!(acme["due_date"], "2026-11-13");
    assert_eq!(
        acme["overrides"],
        serde_json::json!(["chasing"]),
        "the owner's choice kept"
    );
    assert_eq!(
        flagged(&chaser),
        [
            "duplicate_number INV-1043",
            "negative_amount INV-1046",
            "vanished_from_export INV-2000"
        ]
    );
}
