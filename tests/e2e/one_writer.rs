//! The chase is the single writer of its state, and nothing a door accepts is lost: the
//! owner's decisions outrank later source data, a stop waits for a send in flight and cancels
//! one not yet handed over, a refusal is audited whichever door it came through, commands
//! wait when no worker runs, and the reconciler repairs what a failure left behind.

use std::time::{Duration, Instant, SystemTime};

use chaser_activities::store::{Claim, OutboxRow, OutboxStatus, Store};

use crate::doors::{api, doors_chaser, stored, trail};
use crate::support::*;

fn epoch_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn accounting_event(
    chaser: &Chaser,
    id: &str,
    kind: &str,
    data: serde_json::Value,
) -> (u16, serde_json::Value) {
    let body = serde_json::json!({ "id": id, "type": kind, "data": data }).to_string();
    post_webhook(
        &chaser.url("/webhooks/accounting"),
        &chaser.secrets.accounting,
        &body,
    )
}

#[test]
fn the_owners_decisions_survive_a_reimport_a_sync_and_an_update_webhook() {
    // Arrange: two invoices from a synced export; the owner turns A's reminders off and sends
    // B's to someone else.
    let name = "overrides";
    let source = format!("ovr-{}", std::process::id());
    let mut off = Invoice::new(name, "INV-OFF");
    let mut moved = Invoice::new(name, "INV-MOV");
    let boss = address(name, "boss");
    let export = stack().dir.join(name).join("export.csv");
    let mut sync = toml::Table::new();
    sync.insert("name".into(), source.clone().into());
    sync.insert("location".into(), export.display().to_string().into());
    sync.insert("every".into(), "1h".into());
    // Reminders at 15 s and 20 s: time for the owner's decisions and the source's three
    // messages to land first, however busy the machine.
    let rules = seconds_rules(
        r#"[[cadences.default.steps]]
when = "after_issue 15s"
move = "nudge"

[[cadences.default.steps]]
when = "after_issue 20s"
move = "follow_up"
"#,
    );
    let mut chaser = Chaser::with_config(
        name,
        &rules,
        Backend::Sqlite,
        &[("sync", toml::Value::Array(vec![toml::Value::Table(sync)]))],
    );
    let rows = format!("{HEADER}{}{}", off.row(false), moved.row(false));
    std::fs::write(&export, &rows).unwrap();
    chaser.start_worker();
    wait_for("the first sync", Duration::from_secs(20), || {
        let known = chaser.run(&["status", &off.number]).status.success()
            && chaser.run(&["status", &moved.number]).status.success();
        known.then_some(())
    });
    chaser.ok(&["disable", &off.number]);
    chaser.ok(&["contacts", &moved.number, &boss]);

    // Act: the source says the same as before, three ways.
    let path = export.display().to_string();
    let out = chaser.ok(&["import", &path]);
    assert!(
        out.contains("2 unchanged"),
        "a re-import changes nothing: {out}"
    );
    let runs = |state: &str| {
        workflows_matching(&format!(
            "WorkflowId STARTS_WITH 'sheet-sync-{source}' AND ExecutionStatus = '{state}'"
        ))
        .len()
    };
    let synced = runs("Completed");
    chaser.ok(&["sync", &source]);
    wait_for("a second sync run", Duration::from_secs(20), || {
        (runs("Completed") > synced).then_some(())
    });
    for (inv, event) in [(&off, "evt-upd-off"), (&moved, "evt-upd-mov")] {
        let data = serde_json::json!({
            "number": inv.number,
            "customer": { "id": "acme", "name": "Acme Ltd" },
            "contacts": [{ "email": inv.billing, "roles": ["billing"] }],
            "amount": "1200.00",
            "currency": "USD",
            "issue_date": today(),
            "due_date": today(),
            "owner_email": inv.owner,
        });
        let (status, answer) = accounting_event(
            &chaser,
            &format!("{event}-{}", inv.number),
            "invoice.updated",
            data,
        );
        assert_eq!(status, 200, "{answer}");
    }

    // Assert: the owner's choices stand, and `status` says which fields are the owner's.
    let boss_mail = moved.wait_mail(&boss, 2);
    assert!(
        boss_mail.iter().all(|m| m.subject.contains(&moved.number)),
        "{boss_mail:#?}"
    );
    assert!(
        stack().mail_to(&moved.billing).is_empty(),
        "the overridden contact gets nothing"
    );
    assert!(
        stack().mail_to(&off.billing).is_empty(),
        "no reminder while chasing is off"
    );
    let status = chaser.status(&off.number);
    assert!(status.chasing_disabled, "{status:?}");
    assert!(status.overrides.do_not_chase, "{status:?}");
    let text = chaser.ok(&["status", &moved.number]);
    assert!(
        text.contains("owner overrides (kept whatever the source says): contacts"),
        "{text}"
    );

    // A source that explicitly disagrees with the owner is flagged, never applied.
    chaser.ok(&["enable", &off.number]);
    let data = serde_json::json!({
        "number": off.number,
        "customer": { "id": "acme", "name": "Acme Ltd" },
        "contacts": [{ "email": off.billing, "roles": ["billing"] }],
        "amount": "1200.00",
        "currency": "USD",
        "issue_date": today(),
        "due_date": today(),
        "owner_email": off.owner,
        "do_not_chase": true,
    });
    let (status, answer) = accounting_event(
        &chaser,
        &format!("evt-upd-off-again-{}", off.number),
        "invoice.updated",
        data,
    );
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer["result"].as_str().unwrap().starts_with("flagged"),
        "{answer}"
    );
    let item = review_item(&chaser, "intake_conflict").expect("the disagreement is in review");
    assert!(
        item["summary"].as_str().unwrap().contains(&off.number),
        "{item}"
    );
    let status = chaser.status(&off.number);
    assert!(
        !status.chasing_disabled,
        "the owner's enable stands: {status:?}"
    );
    chaser.ok(&["writeoff", &moved.number]);
    wait_for("the chase to end", Duration::from_secs(20), || {
        (stored(&chaser, &moved.number).0 == "written_off").then_some(())
    });
    save_history_if_asked(&chaser, &moved.workflow_id(), "one_writer_owner_overrides");
}

#[test]
fn a_failed_start_and_a_failed_stop_are_repaired_by_the_reconciler() {
    // Arrange: a reconciler that runs every 2 s and touches what was quiet for 1 s.
    let name = "reconcile";
    let mut chaser = Chaser::with_config(
        name,
        &slow_rules(),
        Backend::Sqlite,
        &[
            ("reconcile.interval", "2s".into()),
            ("reconcile.grace", "1s".into()),
        ],
    );
    chaser.start_worker();
    let mut started = Invoice::new(name, "INV-RS");
    let mut stopped = Invoice::new(name, "INV-RP");
    import(&chaser, &[stopped.row(false)]);
    stopped.wait_mail(&stopped.billing, 1);

    // Act: an import and a `paid` while Temporal cannot be reached. Both are written to the
    // store (the invoice, the journaled command) and then fail to reach Temporal.
    let path = chaser.csv("late.csv", &format!("{HEADER}{}", started.row(false)));
    let out = chaser.run_without_temporal(&["import", &path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 pending"), "{}", stdout(&out));
    let out = chaser.run_without_temporal(&["paid", &stopped.number, "--by", "cli:offline"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("accepted; applies when Temporal is back"),
        "{}",
        stdout(&out)
    );

    // Assert: the reconciler starts the first chase (its nudge goes out) and delivers the
    // stop (the second is paid and thanked), each repair audited.
    started.wait_mail(&started.billing, 1);
    let thanks = stopped.wait_mail(&stopped.billing, 2);
    assert!(
        thanks[1].subject.starts_with("Thank you"),
        "{}",
        thanks[1].subject
    );
    wait_for(
        "the stop to reach the store",
        Duration::from_secs(10),
        || (stored(&chaser, &stopped.number).0 == "paid").then_some(()),
    );
    for inv in [&started, &stopped] {
        wait_for(
            "the repair in the audit log",
            Duration::from_secs(10),
            || {
                trail(&chaser, &inv.number)
                    .iter()
                    .any(|(a, who)| a == "reconciled" && who == "reconciler")
                    .then_some(())
            },
        );
    }
    assert!(
        trail(&chaser, &stopped.number)
            .iter()
            .any(|(a, who)| a == "paid" && who == "cli:offline")
    );

    // A message an attempt handed to the provider before it died, which no attempt came back
    // for (its chase has ended): the reconciler records it uncertain, as an attempt would.
    let workflow_id = stopped.workflow_id();
    left_handed_over(&chaser, &workflow_id, "final_notice");
    wait_for(
        "the reconciler to settle the message",
        Duration::from_secs(20),
        || {
            let row = outbox_row(&chaser, &workflow_id, "final_notice");
            (row.status == OutboxStatus::Uncertain).then_some(row)
        },
    );

    // Nothing is left to repair (the paid chase has ended; the started one runs).
    let plan = chaser.ok(&["reconcile", "--dry-run"]);
    assert!(plan.contains("nothing to repair"), "{plan}");
    save_completed_run_if_asked(&chaser, "reconcile", "scheduled_run");
}

/// Leaves `message` as an attempt that died after handing it to the provider leaves it:
/// claimed, handed over (ten minutes ago), never answered.
fn left_handed_over(chaser: &Chaser, workflow_id: &str, message: &str) {
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(10);
    let to = serde_json::json!({ "to": ["ap@example.com"], "cc": [] });
    with_store(chaser, |store| async move {
        let claim = store
            .claim_outbox(
                workflow_id,
                message,
                "dead-attempt",
                &to,
                "Final notice",
                at,
            )
            .await
            .unwrap();
        assert_eq!(claim, Claim::Fresh);
        assert!(
            store
                .hand_over(workflow_id, message, "dead-attempt", at)
                .await
                .unwrap()
        );
    });
}

fn outbox_row(chaser: &Chaser, workflow_id: &str, message: &str) -> OutboxRow {
    with_store(chaser, |store| async move {
        store
            .outbox_row(workflow_id, message)
            .await
            .unwrap()
            .unwrap()
    })
}

fn with_store<T, F: std::future::Future<Output = T>>(
    chaser: &Chaser,
    work: impl FnOnce(Store) -> F,
) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = Store::connect(&chaser.database_url).await.unwrap();
        work(store).await
    })
}

#[test]
fn a_pause_over_the_cap_is_refused_and_audited_through_every_door() {
    // The rules allow two paused days: every door asks for more.
    let name = "pause-cap-doors";
    let chaser = doors_chaser(name, Backend::Postgres);
    let mut inv = Invoice::new(name, "INV-PC");
    import(&chaser, &[inv.row(false)]);
    let n = inv.number.clone();
    let wf = inv.workflow_id();

    let cli = chaser.run(&["pause", &n, "--days", "5", "--by", "cli:doors"]);
    assert_eq!(cli.status.code(), Some(1));
    assert!(
        stderr(&cli).contains("over the cap of 2"),
        "{}",
        stderr(&cli)
    );
    let (status, answer) = api(&chaser, &n, "pause", r#"{"days": 5}"#);
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("over the cap of 2"),
        "{answer}"
    );
    let link = wait_for("the pause link", Duration::from_secs(10), || {
        review_action(&chaser, &n, "Pause 7 days")
    });
    let page = post_form(&link, &[]);
    assert!(
        page.body.contains("Not done") && page.body.contains("over the cap of 2"),
        "{}",
        page.body
    );
    let raw = chaser.temporal_decoded(&[
        "workflow",
        "update",
        "execute",
        "--workflow-id",
        &wf,
        "--name",
        "command",
        "--input",
        r#"{"command": "pause", "days": 5, "by": "ops:raw-update"}"#,
    ]);
    assert!(
        raw.contains("refused") && raw.contains("over the cap of 2"),
        "{raw}"
    );
    temporal(&[
        "workflow",
        "signal",
        "--workflow-id",
        &wf,
        "--name",
        "pause",
        "--input",
        r#"{"days": 5, "by": "ops:raw-signal"}"#,
    ]);

    // Every refusal is in the audit log, with who asked; the chase was never paused.
    wait_for(
        "five refusals in the audit log",
        Duration::from_secs(10),
        || {
            let refused: Vec<String> = trail(&chaser, &n)
                .into_iter()
                .filter(|(a, _)| a == "pause_refused")
                .map(|(_, who)| who)
                .collect();
            let by = |who: &str| refused.iter().any(|r| r.starts_with(who));
            (by("cli:doors")
                && by("api:doors")
                && by("owner-link:")
                && by("ops:raw-update")
                && by("ops:raw-signal"))
            .then_some(())
        },
    );
    assert_ne!(chaser.status(&n).state, ChaseState::Paused);
}

fn smtp_chaser(name: &str, sink: &SmtpSink) -> Chaser {
    let mut chaser = Chaser::with_config(name, &rules(), Backend::Sqlite, &sink.settings());
    chaser.start_worker();
    chaser
}

#[test]
fn a_stop_answers_after_the_send_in_flight_and_nothing_reaches_the_provider_after_it() {
    // Arrange: a provider that holds every message for 4 s.
    let name = "in-flight";
    let sink = SmtpSink::start(name);
    sink.delay(4.0);
    let chaser = smtp_chaser(name, &sink);
    let mut inv = Invoice::new(name, "INV-IF");
    import(&chaser, &[inv.row(false)]);
    wait_for("the nudge in flight", Duration::from_secs(20), || {
        sink.in_flight().then_some(())
    });

    // Act
    let asked = Instant::now();
    chaser.ok(&["paid", &inv.number]);
    let answered = epoch_now();

    // Assert: the answer came only once the provider had the nudge, which it took time to get.
    let mail = wait_for(
        "the nudge and the thank-you",
        Duration::from_secs(30),
        || {
            let mail = sink.mail_to(&inv.billing);
            (mail.len() >= 2).then_some(mail)
        },
    );
    let nudge = &mail[0];
    assert!(
        nudge.accepted_at <= answered,
        "the stop was answered before the send in flight finished"
    );
    assert!(
        asked.elapsed() >= Duration::from_millis(500),
        "the stop waited"
    );
    assert!(
        mail[1].subject.starts_with("Thank you"),
        "{}",
        mail[1].subject
    );
    inv.sleep_until(17.0);
    let all = sink.mail_to(&inv.billing);
    assert_eq!(
        all.len(),
        2,
        "nothing but the thank-you after the stop: {all:#?}"
    );
    assert!(
        all.iter()
            .skip(1)
            .all(|m| m.subject.starts_with("Thank you")),
        "{all:#?}"
    );
    assert!(sink.mail_to(&inv.owner).is_empty());
    save_history_if_asked(&chaser, &inv.workflow_id(), "one_writer_stop_during_send");
}

#[test]
fn a_stop_cancels_a_send_still_waiting_to_be_retried() {
    // Arrange: the provider turns the customer away for now (451), so the nudge waits to be
    // tried again.
    let name = "waiting-send";
    let sink = SmtpSink::start(name);
    let chaser = smtp_chaser(name, &sink);
    let mut inv = Invoice::new(name, "INV-WS");
    sink.tempfail(&[&inv.billing]);
    import(&chaser, &[inv.row(false)]);
    inv.sleep_until(6.0);

    // Act: the stop comes while the nudge waits for its retry; then the provider recovers.
    chaser.ok(&["paid", &inv.number]);
    sink.tempfail(&[]);

    // Assert: only the thank-you reaches the customer; the nudge never does.
    let mail = wait_for("the thank-you", Duration::from_secs(30), || {
        let mail = sink.mail_to(&inv.billing);
        (!mail.is_empty()).then_some(mail)
    });
    inv.sleep_until(17.0);
    let all = sink.mail_to(&inv.billing);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(
        mail[0].subject.starts_with("Thank you"),
        "{}",
        mail[0].subject
    );
    save_history_if_asked(&chaser, &inv.workflow_id(), "one_writer_stop_cancels_retry");
}

#[test]
fn with_no_worker_a_command_is_accepted_at_once_and_applied_when_the_worker_is_back() {
    // Arrange: two chases whose nudges went out; then the worker goes away.
    let name = "no-worker";
    let mut chaser = Chaser::new(name, &slow_rules(), Backend::Sqlite);
    chaser.start_worker();
    let mut by_cli = Invoice::new(name, "INV-NC");
    let mut by_hook = Invoice::new(name, "INV-NH");
    let mut by_api = Invoice::new(name, "INV-NA");
    import(
        &chaser,
        &[by_cli.row(false), by_hook.row(false), by_api.row(false)],
    );
    for inv in [&by_cli, &by_hook, &by_api] {
        inv.wait_mail(&inv.billing, 1);
        // Recorded, not merely delivered: a send cut off by the kill would stay in flight
        // until its timeout, and a stop waits for it.
        wait_for("the nudge recorded", Duration::from_secs(10), || {
            (sends(&chaser.status(&inv.number), done) == ["nudge"]).then_some(())
        });
    }
    chaser.kill_worker();

    // Act: `chaser paid`, and a paid webhook and API call through the HTTP doors alone
    // (`chaser serve`).
    let asked = Instant::now();
    let out = chaser.ok(&["paid", &by_cli.number]);
    assert!(
        out.contains("accepted; applies when the worker is back"),
        "{out}"
    );
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "answered at once"
    );
    chaser.start_http_only();
    let (status, answer) = accounting_event(
        &chaser,
        &format!("evt-paid-{}", by_hook.number),
        "invoice.paid",
        serde_json::json!({ "number": by_hook.number }),
    );
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["status"], "accepted", "{answer}");
    let (status, answer) = post_raw(
        &chaser.url(&format!("/api/invoices/{}/paid", by_api.number)),
        &[("Authorization", &format!("Bearer {}", chaser.secrets.api))],
        "{}",
    );
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["result"], "accepted", "{answer}");
    chaser.kill_worker();

    // Assert: once a worker is back, every chase closes with its thank-you.
    chaser.start_worker();
    for inv in [&by_cli, &by_hook, &by_api] {
        let mail = inv.wait_mail(&inv.billing, 2);
        assert!(
            mail[1].subject.starts_with("Thank you"),
            "{}",
            mail[1].subject
        );
        wait_for("paid in the store", Duration::from_secs(20), || {
            (stored(&chaser, &inv.number).0 == "paid").then_some(())
        });
    }
}
