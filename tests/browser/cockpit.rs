//! The owner's cockpit in Chromium: a seeded portfolio shows in all four parts, one action of
//! each kind is clicked through and its effect read back from `chaser status` and the audit
//! log, and the browser reports no console errors.

use std::time::Duration;

use chaser_domain::ChaseState;
use chaser_tests::*;
use fantoccini::{Client, Locator};
use jiff::{SignedDuration, Timestamp};

use super::{browser, console_errors, screenshot_dir, sign_in, ui_stack};

const HEADER: &str = "number,customer,contact_email,amount,currency,issue_date,due_date,terms,owner_email,issued_at\n";

/// A zone where it is about midday now, so a step two hours away is today's.
fn midday_zone() -> String {
    let hour = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).hour();
    // `Etc/GMT-3` is three hours *ahead* of UTC (POSIX signs).
    match 12 - i32::from(hour) {
        0 => "UTC".to_owned(),
        ahead if ahead > 0 => format!("Etc/GMT-{ahead}"),
        behind => format!("Etc/GMT+{}", -behind),
    }
}

fn rules() -> String {
    seconds_rules(
        r#"[[cadences.default.steps]]
when = "after_issue 2s"
move = "nudge"

[[cadences."custom:later".steps]]
when = "after_issue 2h"
move = "follow_up"
"#,
    )
    .replace(
        "time_zone = \"UTC\"",
        &format!("time_zone = \"{}\"", midday_zone()),
    )
}

fn row(test: &str, number: &str, terms: &str) -> String {
    let today = Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string();
    format!(
        "{number},Acme {number},{},1200.00,USD,{today},{today},{terms},{},{}\n",
        address(test, number),
        address(test, "owner"),
        in_secs(0)
    )
}

fn audit_actions(chaser: &Chaser, number: &str) -> Vec<String> {
    let trail: Vec<serde_json::Value> =
        serde_json::from_str(&chaser.ok(&["audit", number, "--json"])).unwrap();
    trail
        .iter()
        .map(|r| r["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn wait_audit(chaser: &Chaser, number: &str, action: &str) {
    wait_for(
        &format!("`{action}` in {number}'s audit trail"),
        Duration::from_secs(30),
        || {
            audit_actions(chaser, number)
                .iter()
                .any(|a| a == action)
                .then_some(())
        },
    );
}

/// The card of `invoice` in the cockpit's `section`.
fn card(section: &str, invoice: &str) -> String {
    format!(r#"[data-section="{section}"][data-invoice="{invoice}"]"#)
}

async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Opens the cockpit until `css` is on it (the chases write the store as they go).
async fn cockpit_with(client: &Client, chaser: &Chaser, css: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(45);
    loop {
        client.goto(&chaser.url("/review")).await.unwrap();
        if client.find(Locator::Css(css)).await.is_ok() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} never showed:\n{}",
            client.source().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Clicks `button` in the card, and returns the text of the page that answers.
async fn click(client: &Client, card: &str, button: &str) -> String {
    let old = client.find(Locator::Css("body")).await.unwrap();
    client
        .find(Locator::Css(&format!(
            r#"{card} button[data-action="{button}"]"#
        )))
        .await
        .unwrap_or_else(|e| panic!("{card} {button}: {e}"))
        .click()
        .await
        .unwrap();
    // The click returns once the form is submitted: wait for the old page to go.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while old.text().await.is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "{button} answered nothing"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    loop {
        if let Ok(body) = client.find(Locator::Css("body")).await
            && let Ok(text) = body.text().await
        {
            return text;
        }
        assert!(std::time::Instant::now() < deadline, "{button}: no page");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cockpit_shows_four_parts_and_acts_on_every_kind_of_item() {
    let name = "browser-cockpit";
    ui_stack();
    let pid = std::process::id();
    let n = |tag: &str| format!("INV-K{tag}-{pid}");
    let (approve, failing, hold, vanish) = (n("A"), n("F"), n("H"), n("V"));
    let sink = SmtpSink::start(name);
    let mut settings = sink.settings();
    settings.push(("mode", "approve".into()));
    settings.push(("email.default_currency", "USD".into()));
    // Forwarded documents go to the default owner for approval.
    settings.push(("email.default_owner", address(name, "owner").into()));
    let mut chaser = Chaser::with_config(name, &rules(), Backend::Sqlite, &settings);
    chaser.start_worker();
    sink.reject(&[&address(name, &failing)]);

    // The portfolio: two chases whose nudge waits for approval, one with a follow-up due
    // later today, one that vanishes from its export, a stranger's payment and a forwarded
    // invoice.
    let rows = [
        row(name, &approve, ""),
        row(name, &failing, ""),
        row(name, &hold, "custom:later"),
    ];
    let first = chaser.csv(
        "first.csv",
        &format!("{HEADER}{}{}", rows.concat(), row(name, &vanish, "")),
    );
    chaser.ok(&["import", "--source", "books", &first]);
    let second = chaser.csv("second.csv", &format!("{HEADER}{}", rows.concat()));
    chaser.ok(&["import", "--source", "books", &second]);
    let statement = chaser.csv(
        "statement.csv",
        &format!("Date,Description,Amount\n{},Stranger Co,99.00\n", today()),
    );
    chaser.ok(&["payments", "--date-format", "iso", &statement]);
    chaser.forward_sample_invoice(name);
    wait_for("two messages to wait", Duration::from_secs(45), || {
        let waiting = chaser.ok(&["approvals", "--json"]);
        (waiting.contains(&approve) && waiting.contains(&failing)).then_some(())
    });
    // Approved, the failing one is refused by the provider for good.
    chaser.ok(&["approve", &failing]);
    wait_for("the send to fail", Duration::from_secs(45), || {
        (chaser.status(&failing).state == ChaseState::Failed).then_some(())
    });

    let (_driver, client, port) = browser("cockpit").await;
    client.set_window_size(1280, 2400).await.unwrap();
    sign_in(&client, &chaser).await;
    cockpit_with(&client, &chaser, &card("failed", &failing)).await;

    // Every part renders with the seeded portfolio.
    for part in ["going_out", "needs_you", "money", "since_yesterday"] {
        client
            .find(Locator::Css(&format!("section#{part} h2")))
            .await
            .unwrap_or_else(|e| panic!("part {part}: {e}"));
    }
    for (section, invoice) in [
        ("planned", hold.as_str()),
        ("awaiting_approval", &approve),
        ("failed", &failing),
        ("proposals", "HP-0977"),
        ("vanished", &vanish),
    ] {
        client
            .find(Locator::Css(&card(section, invoice)))
            .await
            .unwrap_or_else(|e| panic!("{section} {invoice}: {e}"));
    }
    assert!(
        client
            .find(Locator::Css(&card("planned", &approve)))
            .await
            .is_err(),
        "a message waiting for approval is a decision, not a planned send"
    );
    let tally = text(&client, r#".tally[data-move="follow-up"]"#).await;
    assert!(tally.starts_with("1 follow-up today"), "{tally}");
    let money = text(&client, r#"[data-currency="USD"]"#).await;
    assert!(
        money.contains("USD 4,800.00 open in 4 invoice(s)"),
        "{money}"
    );
    client
        .find(Locator::Css(r#"[data-currency="USD"] svg rect"#))
        .await
        .expect("the aging chart");
    let png = client.screenshot().await.unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real screenshot"
    );
    std::fs::write(screenshot_dir().join("cockpit.png"), &png).unwrap();

    // Hold a message due today: the follow-up moves to tomorrow.
    let answer = click(&client, &card("planned", &hold), "Hold until tomorrow").await;
    assert!(answer.contains("Held until tomorrow"), "{answer}");
    wait_audit(&chaser, &hold, "held");
    let next = chaser.status(&hold).next_touch.expect("a next touch");
    assert!(
        next.at > Timestamp::now() + SignedDuration::from_hours(20),
        "{next:?}"
    );

    // Dismiss a failed send: the chase is no longer failed.
    let answer = click(&client, &card("failed", &failing), "Dismiss").await;
    assert!(answer.contains("Dismissed"), "{answer}");
    wait_for("the chase to recover", Duration::from_secs(30), || {
        (chaser.status(&failing).state != ChaseState::Failed).then_some(())
    });
    wait_audit(&chaser, &failing, "dismissed");

    // Apply the stranger's payment to the held invoice.
    let payment = r#"[data-section="payments_to_apply"]"#;
    client
        .find(Locator::Css(&format!("{payment} select[name=invoice]")))
        .await
        .unwrap()
        .select_by_value(&hold)
        .await
        .unwrap();
    let answer = click(&client, payment, "Apply to").await;
    assert!(!answer.contains("not done"), "{answer}");
    wait_for("the payment", Duration::from_secs(30), || {
        (chaser.status(&hold).balance == "USD 1101.00".parse::<chaser_domain::Money>().unwrap())
            .then_some(())
    });
    wait_audit(&chaser, &hold, "payment");

    // The vanished invoice was voided at the source.
    let answer = click(&client, &card("vanished", &vanish), "Void").await;
    assert!(!answer.contains("not done"), "{answer}");
    wait_for("the void", Duration::from_secs(30), || {
        (chaser.status(&vanish).state == ChaseState::Void).then_some(())
    });
    wait_audit(&chaser, &vanish, "void");

    // Approve the waiting message: it goes out.
    let answer = click(&client, &card("awaiting_approval", &approve), "Approve").await;
    assert!(answer.contains("Approved"), "{answer}");
    wait_audit(&chaser, &approve, "message_approved");
    wait_for("the approved nudge", Duration::from_secs(30), || {
        (!sink.mail_to(&address(name, &approve)).is_empty()).then_some(())
    });

    // Reject the forwarded document.
    client.goto(&chaser.url("/review")).await.unwrap();
    let answer = click(&client, &card("proposals", "HP-0977"), "Reject").await;
    assert!(answer.to_lowercase().contains("reject"), "{answer}");
    let proposals = chaser.ok(&["proposals", "--all", "--json"]);
    assert!(proposals.contains("rejected"), "{proposals}");

    // Since yesterday: the payment shows; the invoice page shows the trail.
    cockpit_with(&client, &chaser, &card("received", &hold)).await;
    client
        .goto(&chaser.url(&format!("/invoices/{hold}")))
        .await
        .unwrap();
    let page = text(&client, "body").await;
    assert!(page.contains("held") && page.contains("payment"), "{page}");

    let errors = console_errors(port, &client).await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    client.close().await.unwrap();
}
