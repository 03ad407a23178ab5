//! The daily review: computed for a seeded portfolio, served at `/review` behind the token,
//! and e-mailed by its Temporal Schedule.

use std::time::Duration;

use crate::support::*;

fn section<'a>(digest: &'a serde_json::Value, name: &str) -> Vec<&'a str> {
    digest[name]
        .as_array()
        .unwrap_or_else(|| panic!("no {name} in {digest:#}"))
        .iter()
        .map(|l| l["subject"].as_str().unwrap())
        .collect()
}

#[test]
fn the_daily_review_lists_what_needs_the_owner_with_one_tap_actions() {
    let name = "review";
    let owner = address(name, "owner");
    let mut chaser = Chaser::with_config(
        name,
        &rules(),
        Backend::Sqlite,
        &[("email.default_owner", owner.clone().into())],
    );
    chaser.start_worker();
    let mut planned = Invoice::new(name, "INV-RP");
    let mut disputed = Invoice::new(name, "INV-RD");
    let mut paused = Invoice::new(name, "INV-RZ");
    let mut overdue = Invoice::new(name, "INV-RO");
    let mut vanished = Invoice::new(name, "INV-RV");
    let yesterday = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .yesterday()
        .unwrap()
        .to_string();
    let overdue_row = overdue.row(false).replace(&today(), &yesterday);
    let first = chaser.csv(
        "first.csv",
        &format!(
            "{HEADER}{}{}{}{overdue_row}{}",
            planned.row(false),
            disputed.row(false),
            paused.row(false),
            vanished.row(false)
        ),
    );
    chaser.ok(&["import", "--source", "books", &first]);
    chaser.ok(&["dispute", &disputed.number, "--reason", "wrong quantity"]);
    chaser.ok(&["pause", &paused.number, "--days", "1"]);
    let second = chaser.csv(
        "second.csv",
        &format!(
            "{HEADER}{}{}{}{overdue_row}",
            planned.row(false),
            disputed.row(false),
            paused.row(false)
        ),
    );
    chaser.ok(&["import", "--source", "books", &second]);
    chaser.forward_sample_invoice(name);

    let digest = wait_for("the seeded review", Duration::from_secs(30), || {
        let d: serde_json::Value = serde_json::from_str(&chaser.ok(&["digest", "--json"])).unwrap();
        let ready = section(&d, "disputed").len() == 1
            && !section(&d, "paused").is_empty()
            && section(&d, "proposals") == ["HP-0977"];
        ready.then_some(d)
    });
    let upper = |i: &Invoice| i.number.clone();
    assert!(
        section(&digest, "planned").contains(&upper(&planned).as_str()),
        "{digest:#}"
    );
    assert_eq!(section(&digest, "disputed"), [upper(&disputed)]);
    assert_eq!(section(&digest, "paused"), [upper(&paused)]);
    assert_eq!(
        section(&digest, "pauses_ending"),
        [upper(&paused)],
        "a one-day pause ends within 48 h"
    );
    assert_eq!(section(&digest, "newly_overdue"), [upper(&overdue)]);
    assert_eq!(section(&digest, "proposals"), ["HP-0977"], "{digest:#}");
    assert_eq!(
        section(&digest, "vanished"),
        [upper(&vanished)],
        "a vanished invoice is named as written: {digest:#}"
    );
    let decisions: Vec<&str> = digest["vanished"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        decisions,
        [
            "Paid",
            "Void",
            "Renumbered as",
            "Keep chasing",
            "Decide on the review page"
        ]
    );
    assert!(section(&digest, "to_review").is_empty(), "{digest:#}");
    assert_eq!(
        digest["money"]["currencies"][0]["currency"], "USD",
        "{digest:#}"
    );
    let actions: Vec<&str> = digest["planned"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "Hold until tomorrow",
            "Pause 7 days",
            "Promised within 7 days",
            "Dispute",
            "Stop reminders",
            "Write off",
            "Mark paid"
        ]
    );
    assert!(
        digest["planned"][0]["actions"][1]["url"]
            .as_str()
            .unwrap()
            .contains("/act/")
    );

    // The page: behind the token, with the same items and buttons.
    let signed_out = get(&chaser.url("/review"));
    assert_eq!(
        (signed_out.status, signed_out.location.as_deref()),
        (303, Some("/login"))
    );
    let bearer = format!("Bearer {}", chaser.secrets.api);
    let page = get_with(&chaser.url("/review"), &[("Authorization", &bearer)]);
    assert_eq!(page.status, 200, "{}", page.body);
    for invoice in [&planned, &disputed, &paused, &overdue] {
        assert!(
            page.body.contains(&invoice.number),
            "{} on the page",
            invoice.number
        );
    }
    assert!(page.body.contains("Pause 7 days"));
    for part in ["going_out", "needs_you", "money", "since_yesterday"] {
        assert!(
            page.body
                .contains(&format!("<section class=\"part\" id=\"{part}\">")),
            "{part}"
        );
    }
    // Each invoice has its page: status, outbox and audit trail, from the store.
    let invoice_page = get_with(
        &chaser.url(&format!("/invoices/{}", disputed.number)),
        &[("Authorization", &bearer)],
    );
    assert_eq!(invoice_page.status, 200, "{}", invoice_page.body);
    for shown in ["disputed", "Audit trail", "Outbox", "wrong quantity"] {
        assert!(
            invoice_page.body.contains(shown),
            "{shown}: {}",
            invoice_page.body
        );
    }
    assert_eq!(
        get(&chaser.url(&format!("/invoices/{}", disputed.number))).status,
        303,
        "the invoice page is the owner's"
    );

    // The schedule exists, at the configured hour; triggered, it e-mails the owners.
    let schedule_id = format!("daily-review-e2e-{name}-{}", std::process::id());
    let described = temporal(&[
        "schedule",
        "describe",
        "--schedule-id",
        &schedule_id,
        "-o",
        "json",
    ]);
    assert!(described.contains("\"hour\""), "{described}");
    temporal(&["schedule", "trigger", "--schedule-id", &schedule_id]);
    let mail = wait_for("the review e-mail", Duration::from_secs(30), || {
        stack()
            .mail_to(&owner)
            .into_iter()
            .find(|m| m.subject.starts_with("Collections review"))
    });
    save_completed_run_if_asked(&chaser, "daily_review", "triggered_review");
    for shown in [
        "Forwarded invoices waiting for your approval",
        "== What needs you ==",
        "== Where the money stands ==",
        "USD",
        "/review",
    ] {
        assert!(mail.text().contains(shown), "{shown}: {}", mail.text());
    }
    let to_paused_owner = wait_for(
        "the paused invoice's owner's review",
        Duration::from_secs(30),
        || {
            stack()
                .mail_to(&paused.owner)
                .into_iter()
                .find(|m| m.subject.starts_with("Collections review"))
        },
    );
    for shown in [paused.number.as_str(), "== What goes out =="] {
        assert!(
            to_paused_owner.text().contains(shown),
            "{shown}: {}",
            to_paused_owner.text()
        );
    }
    assert!(
        !to_paused_owner.text().contains(&disputed.number),
        "each owner sees their own invoices"
    );
}
