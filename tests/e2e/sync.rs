//! The scheduled sheet sync: a Temporal Schedule, created by the worker, re-reads the export
//! and applies what changed since the last run.

use std::time::Duration;

use crate::support::*;

fn assert_running(status: &StatusView) {
    let state = status.state;
    assert!(
        state == ChaseState::Scheduled || state == ChaseState::Escalated,
        "the chase is left running: {state}"
    );
}

#[test]
fn the_scheduled_sync_picks_up_an_edit_including_a_newly_paid_row() {
    let name = "sync";
    let source = format!("books-{}", std::process::id());
    let mut a = Invoice::new(name, "INV-SA");
    let mut b = Invoice::new(name, "INV-SB");
    // The config names the export before the worker starts; the directory is the test's own.
    let export = stack()
        .dir
        .join(name)
        .join("export.csv")
        .display()
        .to_string();
    let mut sync = toml::Table::new();
    sync.insert("name".into(), source.clone().into());
    sync.insert("location".into(), export.clone().into());
    sync.insert("every".into(), "2s".into());
    let mut chaser = Chaser::with_config(
        name,
        &rules(),
        Backend::Sqlite,
        &[("sync", toml::Value::Array(vec![toml::Value::Table(sync)]))],
    );
    std::fs::write(&export, format!("{HEADER}{}", a.row(false))).unwrap();
    chaser.start_worker();

    // The worker creates the schedule and runs it at once: A is chased.
    wait_for("the first sync", Duration::from_secs(30), || {
        let out = chaser.run(&["status", &a.number, "--json"]);
        out.status.success().then_some(())
    });
    assert_eq!(chaser.status(&a.number).state, ChaseState::Scheduled);

    // The owner's tool marks A paid and adds B: one run later both are applied.
    std::fs::write(&export, format!("{HEADER}{}{}", a.row(true), b.row(false))).unwrap();
    wait_for("the edit to be synced", Duration::from_secs(20), || {
        let b_known = chaser
            .run(&["status", &b.number, "--json"])
            .status
            .success();
        (b_known && chaser.status(&a.number).state == ChaseState::Paid).then_some(())
    });
    save_completed_run_if_asked(&chaser, "sheet_sync", "edit_synced");

    // B vanishes from the export: flagged for the owner, its chase left running.
    std::fs::write(&export, format!("{HEADER}{}", a.row(true))).unwrap();
    let item = wait_for(
        "the vanished row to be flagged",
        Duration::from_secs(20),
        || review_item(&chaser, "vanished_from_export"),
    );
    assert_eq!(item["invoice"], b.number.to_uppercase());
    assert_running(&chaser.status(&b.number));

    // A broken export is reported once in the review queue and changes nothing.
    std::fs::write(&export, "this is not,an export\n1,2\n").unwrap();
    wait_for(
        "the broken export to be flagged",
        Duration::from_secs(20),
        || review_item(&chaser, "sync_failed"),
    );
    assert_running(&chaser.status(&b.number));

    // `chaser sync` runs it on demand; an unknown source is refused by name.
    let out = chaser.run(&["sync", "nope"]);
    assert!(
        stderr(&out).contains("no [[sync]] source named `nope`"),
        "{}",
        stderr(&out)
    );
    chaser.ok(&["sync", &source]);
}
