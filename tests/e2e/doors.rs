//! One door, one writer: `paid`, and a payment of the whole balance, through every door that
//! offers them (the CLI, the owner API, a one-tap link, the accounting webhook, a bank
//! statement, an import, and an operator's raw `temporal workflow signal` or `update`) end the
//! chase the same way: the store shows it paid, the customer is thanked once, the audit log
//! has the row with its actor, and nothing is sent afterwards. The doors share the tests
//! between SQLite and Postgres.

use std::time::Duration;

use crate::support::*;

/// How a test pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Door {
    Cli,
    Api,
    Link,
    Webhook,
    BankStatement,
    Import,
    RawSignal,
    RawUpdate,
    CliPayment,
    ApiPayment,
    WebhookPayment,
    RawSignalPayment,
    RawUpdatePayment,
}

impl Door {
    /// The audit action the door's command records, and a part of its actor.
    fn expect(self) -> (&'static str, &'static str) {
        match self {
            Door::Cli => ("paid", "cli:doors"),
            Door::Api => ("paid", "api:doors"),
            Door::Link => ("paid", "owner-link:"),
            Door::Webhook => ("paid", "webhook:accounting:"),
            Door::BankStatement => ("payment", "bank:doors"),
            Door::Import => ("paid", "import:doors"),
            Door::RawSignal => ("paid", "ops:raw-signal"),
            Door::RawUpdate => ("paid", "ops:raw-update"),
            Door::CliPayment => ("payment", "cli:doors"),
            Door::ApiPayment => ("payment", "api:doors"),
            Door::WebhookPayment => ("payment", "webhook:accounting:"),
            Door::RawSignalPayment => ("payment", "ops:raw-signal"),
            Door::RawUpdatePayment => ("payment", "ops:raw-update"),
        }
    }
}

pub fn api(chaser: &Chaser, invoice: &str, action: &str, body: &str) -> (u16, serde_json::Value) {
    post_raw(
        &chaser.url(&format!("/api/invoices/{invoice}/{action}")),
        &[
            ("Authorization", &format!("Bearer {}", chaser.secrets.api)),
            ("X-Chaser-Actor", "doors"),
        ],
        body,
    )
}

pub fn doors_chaser(name: &str, backend: Backend) -> Chaser {
    let mut chaser = Chaser::with_config(
        name,
        &rules(),
        backend,
        &[("email.default_currency", "USD".into())],
    );
    chaser.start_worker();
    chaser
}

fn pay(chaser: &Chaser, inv: &mut Invoice, door: Door) {
    let n = inv.number.clone();
    let wf = inv.workflow_id();
    let event = |kind: &str, data: serde_json::Value| {
        let body =
            serde_json::json!({ "id": format!("evt-{kind}-{n}"), "type": kind, "data": data })
                .to_string();
        let (status, answer) = post_webhook(
            &chaser.url("/webhooks/accounting"),
            &chaser.secrets.accounting,
            &body,
        );
        assert_eq!(status, 200, "{answer}");
        answer
    };
    match door {
        Door::Cli => {
            chaser.ok(&["paid", &n, "--by", "cli:doors"]);
        }
        Door::CliPayment => {
            let out = chaser.ok(&["payment", &n, "1200.00", "--by", "cli:doors"]);
            assert!(out.contains("balance USD 0.00"), "{out}");
        }
        Door::Api => {
            let (status, answer) = api(chaser, &n, "paid", "{}");
            assert_eq!(
                (status, answer["state"].as_str()),
                (200, Some("paid")),
                "{answer}"
            );
        }
        Door::ApiPayment => {
            let (status, answer) = api(chaser, &n, "payment", r#"{"amount": "1200.00"}"#);
            assert_eq!(
                (status, answer["state"].as_str()),
                (200, Some("paid")),
                "{answer}"
            );
        }
        Door::Link => {
            let url = wait_for("the Mark paid link", Duration::from_secs(10), || {
                review_action(chaser, &n, "Mark paid")
            });
            let page = post_form(&url, &[]);
            assert_eq!(page.status, 200, "{}", page.body);
            assert!(page.body.contains("Marked paid"), "{}", page.body);
        }
        Door::Webhook => {
            let answer = event("invoice.paid", serde_json::json!({ "number": n }));
            assert_eq!(answer["result"], "paid");
        }
        Door::WebhookPayment => {
            let data = serde_json::json!({ "number": n, "amount": "1200.00", "currency": "USD" });
            let answer = event("payment.received", data);
            assert_eq!(answer["result"], "payment recorded");
        }
        Door::BankStatement => {
            let statement = chaser.csv(
                "statement.csv",
                &format!(
                    "Date,Description,Amount\n{},Transfer {n} thanks,1200.00\n",
                    today()
                ),
            );
            let out = chaser.ok(&[
                "payments",
                "--date-format",
                "iso",
                &statement,
                "--by",
                "bank:doors",
            ]);
            assert!(out.contains("1 applied"), "{out}");
        }
        Door::Import => {
            let path = chaser.csv("paid.csv", &format!("{HEADER}{}", inv.row(true)));
            let out = chaser.ok(&["import", &path, "--by", "import:doors"]);
            assert!(out.contains("1 paid"), "{out}");
        }
        Door::RawSignal => {
            temporal(&[
                "workflow",
                "signal",
                "--workflow-id",
                &wf,
                "--name",
                "paid",
                "--input",
                r#"{"by": "ops:raw-signal"}"#,
            ]);
        }
        Door::RawSignalPayment => {
            temporal(&[
                "workflow",
                "signal",
                "--workflow-id",
                &wf,
                "--name",
                "payment",
                "--input",
                r#"{"amount": "USD 1200.00", "by": "ops:raw-signal"}"#,
            ]);
        }
        Door::RawUpdate => {
            let out = chaser.temporal_decoded(&[
                "workflow",
                "update",
                "execute",
                "--workflow-id",
                &wf,
                "--name",
                "command",
                "--input",
                r#"{"command": "paid", "by": "ops:raw-update"}"#,
            ]);
            assert!(out.contains("paid"), "{out}");
        }
        Door::RawUpdatePayment => {
            let out = chaser.temporal_decoded(&[
                "workflow",
                "update",
                "execute",
                "--workflow-id",
                &wf,
                "--name",
                "command",
                "--input",
                r#"{"command": "payment", "amount": "USD 1200.00", "by": "ops:raw-update"}"#,
            ]);
            assert!(out.contains("paid"), "{out}");
        }
    }
}

/// The state and balance the store holds for `number`, read as is (SQLite or Postgres).
pub fn stored(chaser: &Chaser, number: &str) -> (String, String) {
    use sqlx::Row;
    invoice_row(
        chaser,
        number,
        "select state, balance from invoices where number_key = $1",
        |row| (row.get("state"), row.get("balance")),
    )
}

/// The audit trail of `number` as `(action, actor)` pairs, oldest first.
pub fn trail(chaser: &Chaser, number: &str) -> Vec<(String, String)> {
    let json: serde_json::Value =
        serde_json::from_str(&chaser.ok(&["audit", number, "--json"])).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_owned(),
                r["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn settle_through(name: &str, door: Door, backend: Backend) {
    // Arrange: a chase whose nudge went out; the follow-up is due at 10 s.
    let chaser = doors_chaser(name, backend);
    let mut inv = Invoice::new(name, "INV-DR");
    import(&chaser, &[inv.row(false)]);
    inv.wait_mail(&inv.billing, 1);

    // Act
    pay(&chaser, &mut inv, door);

    // Assert: the customer is thanked, once.
    let mail = inv.wait_mail(&inv.billing, 2);
    assert!(
        mail[1]
            .subject
            .starts_with(&format!("Thank you: invoice {}", inv.number)),
        "{door:?}: {}",
        mail[1].subject
    );
    // The store shows the chase's end, written by the chase itself.
    wait_for("the store to show paid", Duration::from_secs(10), || {
        (stored(&chaser, &inv.number) == ("paid".to_owned(), "USD 0.00".to_owned())).then_some(())
    });
    // The audit log has the command with its actor, then the thank-you (written once the
    // provider has taken it).
    let (action, actor) = door.expect();
    wait_for(
        &format!("{door:?}: {action} by {actor}, then the thank-you, in the audit log"),
        Duration::from_secs(10),
        || {
            let trail = trail(&chaser, &inv.number);
            let at = trail
                .iter()
                .position(|(a, who)| a == action && who.contains(actor))?;
            trail[at..]
                .iter()
                .any(|(a, _)| a == "thank_you")
                .then_some(())
        },
    );
    // Well past the follow-up and the escalation: nothing more, to anyone.
    inv.sleep_until(17.0);
    assert_eq!(stack().mail_to(&inv.billing).len(), 2, "{door:?}");
    assert!(stack().mail_to(&inv.owner).is_empty(), "{door:?}");
    match door {
        Door::RawUpdate => {
            save_history_if_asked(&chaser, &inv.workflow_id(), "one_writer_paid_by_update")
        }
        Door::RawSignalPayment => save_history_if_asked(
            &chaser,
            &inv.workflow_id(),
            "one_writer_settled_by_payment_signal",
        ),
        _ => {}
    }
}

#[test]
fn paid_through_the_cli_ends_the_chase_with_one_thank_you() {
    settle_through("door-cli", Door::Cli, Backend::Sqlite);
}

#[test]
fn paid_through_the_api_ends_the_chase_with_one_thank_you() {
    settle_through("door-api", Door::Api, Backend::Postgres);
}

#[test]
fn paid_through_a_one_tap_link_ends_the_chase_with_one_thank_you() {
    settle_through("door-link", Door::Link, Backend::Sqlite);
}

#[test]
fn paid_through_the_webhook_ends_the_chase_with_one_thank_you() {
    settle_through("door-webhook", Door::Webhook, Backend::Postgres);
}

#[test]
fn a_bank_payment_of_the_whole_balance_ends_the_chase_with_one_thank_you() {
    settle_through("door-bank", Door::BankStatement, Backend::Sqlite);
}

#[test]
fn paid_through_an_import_ends_the_chase_with_one_thank_you() {
    settle_through("door-import", Door::Import, Backend::Postgres);
}

#[test]
fn paid_through_a_raw_temporal_signal_ends_the_chase_with_one_thank_you() {
    settle_through("door-raw-signal", Door::RawSignal, Backend::Sqlite);
}

#[test]
fn paid_through_a_raw_temporal_update_ends_the_chase_with_one_thank_you() {
    settle_through("door-raw-update", Door::RawUpdate, Backend::Postgres);
}

#[test]
fn a_cli_payment_of_the_whole_balance_is_paid() {
    settle_through("door-cli-payment", Door::CliPayment, Backend::Sqlite);
}

#[test]
fn an_api_payment_of_the_whole_balance_is_paid() {
    settle_through("door-api-payment", Door::ApiPayment, Backend::Postgres);
}

#[test]
fn a_webhook_payment_of_the_whole_balance_is_paid() {
    settle_through(
        "door-webhook-payment",
        Door::WebhookPayment,
        Backend::Sqlite,
    );
}

#[test]
fn a_raw_signal_payment_of_the_whole_balance_is_paid() {
    settle_through(
        "door-raw-signal-payment",
        Door::RawSignalPayment,
        Backend::Postgres,
    );
}

#[test]
fn a_raw_update_payment_of_the_whole_balance_is_paid() {
    settle_through(
        "door-raw-update-payment",
        Door::RawUpdatePayment,
        Backend::Sqlite,
    );
}
