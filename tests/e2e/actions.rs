//! The owner's actions on one step and on the review queue, through every door that offers
//! them: `hold` (the CLI, the owner API, and the raw Temporal update and signal an operator
//! types), `dismiss` (the CLI, the owner API), and the review queue's `apply` (a bank payment
//! nothing matched) and `vanished` (an invoice gone from its export), both in the CLI. One
//! chaser serves the whole file; each test has invoices of its own.

use std::sync::OnceLock;
use std::time::Duration;

use chaser_workflows::contracts::NextTouch;
use jiff::SignedDuration;
use serde_json::json;

use crate::support::*;

const PATIENCE: Duration = Duration::from_secs(30);

/// A nudge two seconds after issue and a follow-up a minute later: the nudge is what fails,
/// the follow-up what is held.
const STEPS: &str = r#"[[cadences.default.steps]]
when = "after_issue 2s"
move = "nudge"

[[cadences.default.steps]]
when = "after_issue 60s"
move = "follow_up"
"#;

/// The file's chaser: mail through an SMTP sink that refuses whom a test says; bank
/// statements without a currency read as USD.
fn shared() -> &'static (Chaser, SmtpSink) {
    static SHARED: OnceLock<(Chaser, SmtpSink)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let name = "actions";
        let sink = SmtpSink::start(name);
        let mut settings = sink.settings();
        settings.push(("email.default_currency", "USD".into()));
        let mut chaser =
            Chaser::with_config(name, &seconds_rules(STEPS), Backend::Sqlite, &settings);
        chaser.start_worker();
        (chaser, sink)
    })
}

/// Imports `rows` from a file of the test's own (tests share the chaser's folder).
fn import_as(chaser: &Chaser, test: &str, rows: &[String], source: Option<&str>) -> String {
    let path = chaser.csv(
        &format!("{test}.csv"),
        &format!("{HEADER}{}", rows.concat()),
    );
    match source {
        Some(source) => chaser.ok(&["import", "--source", source, &path]),
        None => chaser.ok(&["import", &path]),
    }
}

fn owner_api(chaser: &Chaser, invoice: &str, action: &str, body: &str) -> (u16, serde_json::Value) {
    let url = chaser.url(&format!("/api/invoices/{invoice}/{action}"));
    let token = format!("Bearer {}", chaser.secrets.api);
    post_raw(
        &url,
        &[("Authorization", &token), ("X-Chaser-Actor", "alice")],
        body,
    )
}

/// The follow-up, once the nudge went out and it is the chase's next touch.
fn follow_up_planned(chaser: &Chaser, inv: &Invoice) -> NextTouch {
    wait_for("the follow-up to be next", PATIENCE, || {
        chaser
            .status(&inv.number)
            .next_touch
            .filter(|n| n.step_id == "follow_up")
    })
}

/// Waits until `inv`'s audit trail has an `action` row by `actor` whose detail contains
/// `detail`.
fn audited(chaser: &Chaser, inv: &str, action: &str, actor: &str, detail: &str) {
    wait_for(
        &format!("{action} by {actor} in {inv}'s trail"),
        PATIENCE,
        || {
            let trail: Vec<serde_json::Value> =
                serde_json::from_str(&chaser.ok(&["audit", inv, "--json"])).unwrap();
            trail
                .iter()
                .any(|r| {
                    r["action"] == action
                        && r["actor"] == actor
                        && r["detail"].as_str().unwrap_or("").contains(detail)
                })
                .then_some(())
        },
    );
}

fn refused(chaser: &Chaser, args: &[&str]) -> String {
    let out = chaser.run(args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
    stderr(&out)
}

#[test]
fn hold_moves_a_steps_send_time_through_the_cli_the_api_and_a_raw_temporal_update_or_signal() {
    let (chaser, _) = shared();
    let name = "hold";
    let mut cli = Invoice::new(name, "INV-HC");
    let mut api = Invoice::new(name, "INV-HA");
    let mut raw = Invoice::new(name, "INV-HR");
    import_as(
        chaser,
        name,
        &[cli.row(false), api.row(false), raw.row(false)],
        None,
    );

    // The CLI's defaults: the next step, the same time tomorrow.
    let planned = follow_up_planned(chaser, &cli);
    let tomorrow = planned.at + SignedDuration::from_hours(24);
    let out = chaser.ok(&["hold", &cli.number, "--by", "owner:carol"]);
    assert!(
        out.contains(&format!("held: follow_up held until {tomorrow}")),
        "{out}"
    );
    let held = NextTouch {
        at: tomorrow,
        ..planned
    };
    assert_eq!(chaser.status(&cli.number).next_touch, Some(held));
    let until = tomorrow.to_string();
    let why = refused(chaser, &["hold", &cli.number, "nope", "--until", &until]);
    assert!(
        why.contains("hold refused: this chase has no step `nope`"),
        "{why}"
    );
    audited(
        chaser,
        &cli.number,
        "held",
        "owner:carol",
        "follow_up held until",
    );

    // The owner API, with the step and the instant; refusals name the problem.
    let planned = follow_up_planned(chaser, &api);
    let later = planned.at + SignedDuration::from_hours(2);
    let body = json!({"step": "follow_up", "until": later}).to_string();
    let (status, answer) = owner_api(chaser, &api.number, "hold", &body);
    assert_eq!(
        (status, answer["result"].as_str()),
        (200, Some("held")),
        "{answer}"
    );
    assert_eq!(answer["detail"], format!("follow_up held until {later}"));
    assert_eq!(chaser.status(&api.number).next_touch.unwrap().at, later);
    let (status, answer) = owner_api(
        chaser,
        &api.number,
        "hold",
        r#"{"step": "follow_up", "until": "2020-01-01"}"#,
    );
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("is not in the future"),
        "{answer}"
    );
    let (status, answer) = owner_api(chaser, &api.number, "hold", r#"{"until": "soon"}"#);
    assert_eq!(status, 400, "{answer}");
    audited(
        chaser,
        &api.number,
        "held",
        "api:alice",
        "follow_up held until",
    );

    // What an operator types: the `command` update, answered, then the signal.
    let planned = follow_up_planned(chaser, &raw);
    let first = planned.at + SignedDuration::from_hours(1);
    let input =
        json!({"command": "hold", "step_id": "follow_up", "until": first, "by": "ops:raw-update"});
    let out = chaser.temporal_decoded(&[
        "workflow",
        "update",
        "execute",
        "--workflow-id",
        &raw.workflow_id(),
        "--name",
        "command",
        "--input",
        &input.to_string(),
    ]);
    assert!(
        out.contains(&format!("follow_up held until {first}")),
        "{out}"
    );
    let second = planned.at + SignedDuration::from_hours(3);
    let input =
        json!({"command": "hold", "step_id": "follow_up", "until": second, "by": "ops:raw-signal"});
    chaser.temporal_decoded(&[
        "workflow",
        "signal",
        "--workflow-id",
        &raw.workflow_id(),
        "--name",
        "command",
        "--input",
        &input.to_string(),
    ]);
    wait_for("the signalled hold", PATIENCE, || {
        let next = chaser.status(&raw.number).next_touch?;
        (next.at == second).then_some(())
    });
    audited(
        chaser,
        &raw.number,
        "held",
        "ops:raw-update",
        "follow_up held until",
    );
    audited(
        chaser,
        &raw.number,
        "held",
        "ops:raw-signal",
        "follow_up held until",
    );
}

#[test]
fn dismiss_accepts_a_failed_send_through_the_cli_and_the_api_and_the_chase_goes_on() {
    let (chaser, sink) = shared();
    let name = "dismiss";
    let mut cli = Invoice::new(name, "INV-DC");
    let mut api = Invoice::new(name, "INV-DA");
    sink.reject(&[&cli.billing, &api.billing]);
    import_as(chaser, name, &[cli.row(false), api.row(false)], None);
    for inv in [&cli, &api] {
        wait_for("the nudge to fail", PATIENCE, || {
            (chaser.status(&inv.number).state == ChaseState::Failed).then_some(())
        });
    }

    let out = chaser.ok(&["dismiss", &cli.number, "nudge", "--by", "owner:carol"]);
    assert!(
        out.contains("nudge dismissed: it is not sent again"),
        "{out}"
    );
    let status = chaser.status(&cli.number);
    assert_eq!(
        status.state,
        ChaseState::Scheduled,
        "where it was before the failure"
    );
    assert!(
        status.sends[0].dismissed && failed(&status.sends[0].state),
        "{status:#?}"
    );
    assert_eq!(
        status.next_touch.unwrap().step_id,
        "follow_up",
        "the chase goes on"
    );
    let text = chaser.ok(&["status", &cli.number]);
    assert!(text.contains("(dismissed)"), "{text}");
    // The store's copy (what `status` shows when no worker answers) says so too.
    let kept: StatusView = invoice_row(
        chaser,
        &cli.number,
        "select chase from invoices where number_key = $1",
        |row| serde_json::from_str(&sqlx::Row::get::<String, _>(row, "chase")).unwrap(),
    );
    assert!(kept.sends[0].dismissed, "{kept:#?}");
    let why = refused(chaser, &["dismiss", &cli.number, "nudge"]);
    assert!(why.contains("step `nudge` is dismissed already"), "{why}");
    audited(chaser, &cli.number, "dismissed", "owner:carol", "nudge");
    // Recorded with a hold after it and an end, as a replay fixture.
    chaser.ok(&["hold", &cli.number, "follow_up"]);
    chaser.ok(&["paid", &cli.number]);
    let ended = format!(
        "WorkflowId = '{}' AND ExecutionStatus = 'Completed'",
        cli.workflow_id()
    );
    wait_for("the chase to end", PATIENCE, || {
        (!workflows_matching(&ended).is_empty()).then_some(())
    });
    save_history_if_asked(chaser, &cli.workflow_id(), "failed_then_dismissed_and_held");

    let (status, answer) = owner_api(chaser, &api.number, "dismiss", r#"{"step": "nudge"}"#);
    assert_eq!(
        (status, answer["result"].as_str(), answer["state"].as_str()),
        (200, Some("dismissed"), Some("scheduled")),
        "{answer}"
    );
    let (status, answer) = owner_api(chaser, &api.number, "dismiss", "{}");
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = owner_api(chaser, &api.number, "dismiss", r#"{"step": "follow_up"}"#);
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("is not sent yet"),
        "{answer}"
    );
    assert!(chaser.status(&api.number).sends[0].dismissed);
    audited(chaser, &api.number, "dismissed", "api:alice", "nudge");
}

#[test]
fn an_unmatched_payment_is_applied_once_to_the_invoice_the_owner_chooses() {
    let (chaser, _) = shared();
    let name = "apply";
    let mut usd = Invoice::new(name, "INV-AU");
    let mut eur = Invoice::new(name, "INV-AE");
    let euro_row = eur.row(false).replace(",USD,", ",EUR,");
    import_as(chaser, name, &[usd.row(false), euro_row], None);
    let payer = format!("Stranger {}", std::process::id());
    let statement = chaser.csv(
        "apply-statement.csv",
        &format!(
            "Date,Description,Amount\n{},{payer} thanks,99.00\n",
            today()
        ),
    );
    let out = chaser.ok(&["payments", "--date-format", "iso", &statement]);
    assert!(out.contains("0 applied, 1 for review"), "{out}");
    let item = review_items(chaser)
        .into_iter()
        .find(|i| {
            i["kind"] == "unmatched_payment" && i["summary"].as_str().unwrap().contains(&payer)
        })
        .expect("the payment waits for review");
    let id = item["id"].to_string();

    let why = refused(chaser, &["review", "apply", &id, &eur.number]);
    assert!(
        why.contains(&format!(
            "the payment of USD 99.00 is not in {}'s currency (EUR)",
            eur.number
        )),
        "{why}"
    );
    let out = chaser.ok(&["review", "apply", &id, &usd.number, "--by", "owner:carol"]);
    assert!(
        out.contains(&format!(
            "#{id}: resolved: applied to {}: USD 99.00",
            usd.number
        )),
        "{out}"
    );
    wait_for("the payment to land", PATIENCE, || {
        (chaser.status(&usd.number).balance == money("USD 1101.00")).then_some(())
    });
    let why = refused(chaser, &["review", "apply", &id, &usd.number]);
    assert!(
        why.contains(&format!(
            "review item #{id} is already resolved by owner:carol"
        )),
        "{why}"
    );
    audited(chaser, &usd.number, "payment", "owner:carol", "USD 99.00");
    assert_eq!(
        chaser.status(&usd.number).balance,
        money("USD 1101.00"),
        "paid once"
    );
}

#[test]
fn a_vanished_invoice_is_settled_as_paid_void_renumbered_or_still_owed() {
    let (chaser, _) = shared();
    let name = "vanished";
    let source = format!("books-{}", std::process::id());
    let mut invoices: Vec<Invoice> = ["INV-VP", "INV-VV", "INV-VR", "INV-VK", "INV-VX"]
        .into_iter()
        .map(|n| Invoice::new(name, n))
        .collect();
    let rows: Vec<String> = invoices.iter_mut().map(|i| i.row(false)).collect();
    import_as(chaser, name, &rows, Some(&source));
    let kept = invoices[4].row(false);
    let out = import_as(chaser, &format!("{name}-2"), &[kept], Some(&source));
    assert!(out.contains("4 flagged"), "{out}");
    let [paid, void, renumbered, keep, _] = &invoices[..] else {
        unreachable!()
    };
    let item = |inv: &Invoice| {
        review_items(chaser)
            .into_iter()
            .find(|i| {
                i["kind"] == "vanished_from_export" && i["invoice"] == inv.number.to_uppercase()
            })
            .unwrap_or_else(|| panic!("{} is not in review", inv.number))["id"]
            .to_string()
    };
    let vanished = |inv: &Invoice, how: &[&str]| {
        let id = item(inv);
        let mut args = vec!["review", "vanished", id.as_str(), "--as"];
        args.extend(how);
        (id.clone(), chaser.run(&args))
    };

    let (_, out) = vanished(paid, &["paid"]);
    assert!(
        stdout(&out).contains(&format!("resolved: paid: {} marked paid", paid.number)),
        "{}",
        stderr(&out)
    );
    let (_, out) = vanished(void, &["void"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (_, out) = vanished(
        renumbered,
        &["renumbered", "--new-number", &renumbered.number],
    );
    assert!(
        stderr(&out).contains("is the invoice's own number"),
        "{}",
        stderr(&out)
    );
    let (_, out) = vanished(renumbered, &["renumbered"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--new-number is required: {}",
        stderr(&out)
    );
    let new_number = format!("{}-B", renumbered.number);
    let (_, out) = vanished(renumbered, &["renumbered", "--new-number", &new_number]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (id, out) = vanished(keep, &["keep"]);
    assert!(stdout(&out).contains("still owed"), "{}", stderr(&out));
    let why = refused(chaser, &["review", "vanished", &id, "--as", "paid"]);
    assert!(why.contains("is already resolved"), "{why}");

    let settled = |inv: &Invoice, state: ChaseState| {
        wait_for(&format!("{} to be {state}", inv.number), PATIENCE, || {
            (chaser.status(&inv.number).state == state).then_some(())
        });
    };
    settled(paid, ChaseState::Paid);
    settled(void, ChaseState::Void);
    settled(renumbered, ChaseState::Void);
    assert!(
        chaser.status(&keep.number).state.is_sending(),
        "still chased"
    );
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    );
    audited(chaser, &paid.number, "paid", &actor, "");
    audited(
        chaser,
        &void.number,
        "void",
        &actor,
        &format!("gone from the `{source}` export"),
    );
    audited(
        chaser,
        &renumbered.number,
        "void",
        &actor,
        &format!("renumbered as {new_number}"),
    );
    let open: Vec<String> = review_items(chaser)
        .iter()
        .filter(|i| i["kind"] == "vanished_from_export")
        .map(|i| i["invoice"].to_string())
        .collect();
    assert!(
        !open.iter().any(|i| invoices
            .iter()
            .any(|inv| i.contains(&inv.number.to_uppercase()))),
        "every item closed: {open:?}"
    );
}

/// The cockpit's form for review items: the same operations as `chaser review`, for the owner
/// only, and a refusal comes back on the page with its reason.
#[test]
fn the_cockpit_settles_a_review_item_and_shows_a_refusal_with_its_reason() {
    let (chaser, _) = shared();
    let name = "cockpit-form";
    let source = format!("shelf-{}", std::process::id());
    let mut gone = Invoice::new(name, "INV-CF");
    let mut stays = Invoice::new(name, "INV-CS");
    let kept = stays.row(false);
    import_as(
        chaser,
        name,
        &[gone.row(false), kept.clone()],
        Some(&source),
    );
    import_as(chaser, &format!("{name}-2"), &[kept], Some(&source));
    let id = review_items(chaser)
        .into_iter()
        .find(|i| i["kind"] == "vanished_from_export" && i["invoice"] == gone.number.to_uppercase())
        .unwrap_or_else(|| panic!("{} is not in review", gone.number))["id"]
        .to_string();
    let url = chaser.url(&format!("/review/items/{id}"));
    let bearer = format!("Bearer {}", chaser.secrets.api);
    let owner = [("Authorization", bearer.as_str())];

    let stranger = post_form(&url, &[("do", "void")]);
    assert_eq!(
        (stranger.status, stranger.location.as_deref()),
        (303, Some("/login"))
    );
    let refused = post_form_with(
        &url,
        &owner,
        &[("do", "renumbered"), ("new_number", &gone.number)],
    );
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert!(
        refused.body.contains("not done") && refused.body.contains("own number"),
        "{}",
        refused.body
    );
    let done = post_form_with(&url, &owner, &[("do", "void")]);
    assert!(
        done.body.contains(&format!("#{id}: ")) && !done.body.contains("not done"),
        "{}",
        done.body
    );
    wait_for("the void", PATIENCE, || {
        (chaser.status(&gone.number).state == ChaseState::Void).then_some(())
    });
    let again = post_form_with(&url, &owner, &[("do", "keep")]);
    assert!(
        again.body.contains("not done") && again.body.contains("already resolved"),
        "{}",
        again.body
    );
}
