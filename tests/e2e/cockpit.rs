//! The owner's cockpit: the bearer-token API (the same actions as the CLI and the links), the
//! hash-chained audit trail, and the aging report.

use std::time::Duration;

use crate::support::*;

fn api(chaser: &Chaser, invoice: &str, action: &str, body: &str) -> (u16, serde_json::Value) {
    let url = chaser.url(&format!("/api/invoices/{invoice}/{action}"));
    post_raw(
        &url,
        &[
            ("Authorization", &format!("Bearer {}", chaser.secrets.api)),
            ("X-Chaser-Actor", "alice"),
        ],
        body,
    )
}

fn cockpit(name: &str) -> Chaser {
    let mut chaser = Chaser::new(name, &rules(), Backend::Sqlite);
    chaser.start_worker();
    chaser
}

fn wait_state(chaser: &Chaser, invoice: &str, state: ChaseState) {
    wait_for(
        &format!("{invoice} to be {state}"),
        Duration::from_secs(20),
        || (chaser.status(invoice).state == state).then_some(()),
    );
}

#[test]
fn every_owner_action_works_through_the_api_and_is_audited_in_a_verifiable_chain() {
    let name = "cockpit-api";
    let chaser = cockpit(name);
    let mut a = Invoice::new(name, "INV-CA");
    let mut b = Invoice::new(name, "INV-CB");
    import(&chaser, &[a.row(false), b.row(false)]);
    let n = a.number.clone();

    // No token, or a wrong one: 401, nothing happens.
    let url = chaser.url(&format!("/api/invoices/{n}/pause"));
    assert_eq!(post_raw(&url, &[], "{}").0, 401);
    assert_eq!(
        post_raw(&url, &[("Authorization", "Bearer nope")], "{}").0,
        401
    );

    let (status, answer) = api(
        &chaser,
        &n,
        "pause",
        r#"{"days": 1, "reason": "customer on holiday"}"#,
    );
    assert_eq!(
        (status, answer["result"].as_str()),
        (200, Some("paused")),
        "{answer}"
    );
    wait_state(&chaser, &n, ChaseState::Paused);
    let (status, answer) = api(&chaser, &n, "pause", r#"{"days": 1}"#);
    assert_eq!(status, 422, "over the cap: {answer}");
    assert_eq!(api(&chaser, &n, "resume", "").0, 200);
    wait_state(&chaser, &n, ChaseState::Scheduled);
    assert_eq!(
        api(&chaser, &n, "dispute", r#"{"reason": "wrong quantity"}"#).0,
        200
    );
    wait_state(&chaser, &n, ChaseState::Disputed);
    assert_eq!(
        api(
            &chaser,
            &n,
            "resolve",
            r#"{"outcome": "resume", "reason": "credit note sent"}"#
        )
        .0,
        200
    );
    wait_state(&chaser, &n, ChaseState::Scheduled);
    let (status, answer) = api(
        &chaser,
        &n,
        "payment",
        r#"{"amount": "200.00", "reference": "chq 17"}"#,
    );
    assert_eq!(
        (status, answer["result"].as_str()),
        (200, Some("payment recorded")),
        "{answer}"
    );
    wait_for("the lower balance", Duration::from_secs(20), || {
        (chaser.status(&n).balance == money("USD 1000.00")).then_some(())
    });
    assert_eq!(
        api(
            &chaser,
            &n,
            "writeoff",
            r#"{"reason": "not worth chasing"}"#
        )
        .0,
        200
    );
    wait_state(&chaser, &n, ChaseState::WrittenOff);
    assert_eq!(api(&chaser, &b.number, "paid", "").0, 200);
    wait_state(&chaser, &b.number, ChaseState::Paid);

    // Refusals name the problem.
    assert_eq!(
        api(&chaser, &b.number, "void", "{}").0,
        409,
        "closed already"
    );
    assert_eq!(api(&chaser, "NOPE-1", "resume", "").0, 404);
    assert_eq!(api(&chaser, &n, "explode", "").0, 404);
    let (status, answer) = api(&chaser, &b.number, "pause", r#"{"dayz": 3}"#);
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("dayz"),
        "{answer}"
    );

    // The trail: every action, with who did it, in order; the chain verifies.
    // The chase writes its audit events right after it acts: wait for the last one.
    let trail = wait_for(
        "the write-off in the trail",
        Duration::from_secs(20),
        || {
            let trail = chaser.ok(&["audit", &n]);
            trail.contains("writeoff").then_some(trail)
        },
    );
    for action in [
        "chase_started",
        "pause",
        "resume",
        "dispute",
        "resolve_resume",
        "payment",
    ] {
        assert!(trail.contains(action), "{action} in {trail}");
    }
    assert!(trail.contains("api:alice"), "{trail}");
    let verify = chaser.ok(&["audit", "verify"]);
    assert!(verify.contains("chain intact"), "{verify}");

    // Editing a row directly in the database breaks the chain, and verify says where.
    let db = chaser
        .database_url
        .trim_start_matches("sqlite://")
        .to_owned();
    let edited = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"update audit_log set actor='cli:mallory' where action='writeoff'\"); c.commit()",
            &db,
        ])
        .status()
        .unwrap();
    assert!(edited.success());
    let out = chaser.run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("writeoff): its content does not match its hash: it was edited"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_aging_report_buckets_open_invoices_per_currency() {
    let name = "cockpit-aging";
    let chaser = cockpit(name);
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let day = |offset: i64| {
        today
            .checked_add(jiff::Span::new().days(offset))
            .unwrap()
            .to_string()
    };
    let pid = std::process::id();
    let owner = address(name, "owner");
    let row = |n: &str, customer: &str, amount: &str, currency: &str, due: i64, paid: &str| {
        format!(
            "{n}-{pid},{customer},{},{amount},{currency},{},{},,,,{owner},{paid},\n",
            address(name, n),
            day(due - 30),
            day(due)
        )
    };
    let body = [
        row("AG-1", "Acme Ltd", "100.00", "USD", 10, "no"), // current
        row("AG-2", "Acme Ltd", "200.00", "USD", -5, "no"), // 1-30
        row("AG-3", "Brick & Co", "300.00", "USD", -45, "no"), // 31-60
        row("AG-4", "Brick & Co", "400.00", "USD", -100, "no"), // 90+
        row("AG-5", "Cobalt GmbH", "500.00", "EUR", -70, "no"), // 61-90
        row("AG-6", "Acme Ltd", "999.00", "USD", -20, "yes"), // paid: not aged
    ]
    .concat();
    let path = chaser.csv("aging.csv", &format!("{HEADER}{body}"));
    chaser.ok(&["import", &path]);
    wait_for("the paid row to close", Duration::from_secs(20), || {
        (chaser.status(&format!("AG-6-{pid}")).state == ChaseState::Paid).then_some(())
    });

    let view: serde_json::Value =
        serde_json::from_str(&chaser.ok(&["report", "aging", "--json"])).unwrap();
    let currencies = view["aging"]["currencies"].as_array().unwrap();
    assert_eq!(currencies.len(), 2, "{view:#}");
    let usd = currencies.iter().find(|c| c["currency"] == "USD").unwrap();
    assert_eq!(
        (usd["count"].as_u64(), usd["total"].as_str()),
        (Some(4), Some("USD 1000.00")),
        "{usd:#}"
    );
    let buckets: Vec<(u64, &str)> = usd["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["count"].as_u64().unwrap(), b["total"].as_str().unwrap()))
        .collect();
    assert_eq!(
        buckets,
        [
            (1, "USD 100.00"),
            (1, "USD 200.00"),
            (1, "USD 300.00"),
            (0, "USD 0.00"),
            (1, "USD 400.00")
        ]
    );
    let eur = currencies.iter().find(|c| c["currency"] == "EUR").unwrap();
    assert_eq!(eur["buckets"][3]["total"], "EUR 500.00", "{eur:#}");
    assert_eq!(
        view["top_late_payers"][1]["customer"], "Brick & Co",
        "{view:#}"
    );

    // The same over HTTP, as JSON and as CSV.
    let get_with_token = |path: &str| {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .get(&chaser.url(path))
            .header("Authorization", &format!("Bearer {}", chaser.secrets.api))
            .call()
            .unwrap();
        (
            response.status().as_u16(),
            response.body_mut().read_to_string().unwrap(),
        )
    };
    let (status, json) = get_with_token("/api/reports/aging");
    assert_eq!(status, 200, "{json}");
    assert!(json.contains("\"USD 1000.00\""), "{json}");
    let (status, csv) = get_with_token("/api/reports/aging.csv");
    assert_eq!(status, 200, "{csv}");
    assert!(
        csv.starts_with("as_of,currency,bucket,invoices,balance"),
        "{csv}"
    );
    assert!(csv.contains(",USD,90+,1,400.00"), "{csv}");
}

#[test]
fn reschedule_disable_and_enable_through_the_cli_and_the_api() {
    let name = "cockpit-resched";
    let chaser = cockpit(name);
    let mut inv = Invoice::new(name, "INV-RS");
    import(&chaser, &[inv.row(false)]);
    let n = inv.number.clone();

    // The memo holds the invoice's essentials for the Temporal UI.
    let described = temporal(&[
        "workflow",
        "describe",
        "--workflow-id",
        &workflow_id(&n),
        "-o",
        "json",
    ]);
    assert!(
        described.contains("memo") && described.contains("invoice"),
        "{described}"
    );

    // Custom steps, validated like the rules doc: a mistake names the file, line and field.
    let bad = chaser.csv("bad-steps.toml", "[[steps]]\nwhen = \"after_issue 2s\"\nmove = \"nudge\"\n\n[[steps]]\nwhen = \"after_issue 4s\"\nmove = \"shout\"\n");
    let out = chaser.run(&["reschedule", &n, &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("bad-steps.toml") && stderr(&out).contains(":7"),
        "{}",
        stderr(&out)
    );
    let good = chaser.csv("steps.toml", "[[steps]]\nwhen = \"after_issue 2s\"\nmove = \"nudge\"\n\n[[steps]]\nwhen = \"after_issue 30s\"\nmove = \"follow_up\"\n");
    let out = chaser.ok(&["reschedule", &n, &good]);
    assert!(out.contains("rescheduled"), "{out}");
    // The nudge now goes at 2 s, not the cadence's 5 s; nothing is planned at 10 s.
    let mail = inv.wait_mail(&inv.billing, 1);
    assert_eq!(mail.len(), 1);
    let schedule: serde_json::Value =
        serde_json::from_str(&chaser.ok(&["schedule", &n, "--json"])).unwrap();
    let ids: Vec<&str> = schedule["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["nudge", "follow_up"], "{schedule:#}");

    // Disable stops reminders to the customer; the API enables it again.
    chaser.ok(&["disable", &n]);
    let (status, answer) = api(&chaser, &n, "enable", "");
    assert_eq!(
        (status, answer["result"].as_str()),
        (200, Some("chasing enabled")),
        "{answer}"
    );
    let (status, answer) = api(
        &chaser,
        &n,
        "reschedule",
        r#"{"steps": "[[steps]]\nwhen = \"after_issue 1s\"\nmove = \"nudge\"\n"}"#,
    );
    assert_eq!(status, 200, "{answer}");
    wait_for(
        "the actions in the audit trail",
        Duration::from_secs(20),
        || {
            let trail = chaser.ok(&["audit", &n]);
            let all = trail.matches("rescheduled").count() == 2
                && trail.contains("chasing_disabled")
                && trail.contains("chasing_enabled");
            all.then_some(())
        },
    );
    wait_state(&chaser, &n, ChaseState::Scheduled);
}
