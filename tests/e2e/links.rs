//! The links in e-mails: the customer's pay link and the owner's one-tap actions.

use std::time::Duration;

use chaser_activities::links::{Links, Purpose};

use crate::support::*;

#[test]
fn the_pay_link_is_recorded_then_redirects_and_bad_tokens_get_a_clear_page() {
    // Arrange
    let name = "pay-link";
    let mut chaser = Chaser::with_config(
        name,
        &rules(),
        Backend::Sqlite,
        &[("links.bank_details", "Acme Ltd, IBAN GB00 ACME 1234".into())],
    );
    chaser.start_worker();
    let mut with_url = Invoice::new(name, "INV-URL");
    let mut bank = Invoice::new(name, "INV-BANK");
    let bank_row = bank
        .row(false)
        .replace(&format!("https://pay.example/{}", bank.number), "");
    import(&chaser, &[with_url.row(false), bank_row]);
    let nudge = with_url.wait_mail(&with_url.billing, 1);
    let pay = link(nudge[0].text(), "/pay/");

    // Act and assert: a click is recorded with the chase, then redirected.
    let page = get(&pay);
    assert_eq!(
        (page.status, page.location.as_deref()),
        (
            302,
            Some(format!("https://pay.example/{}", with_url.number).as_str())
        )
    );
    wait_for("the click in the chase", Duration::from_secs(10), || {
        let status = chaser.status(&with_url.number);
        (Some(status.pay_clicks.len()) == Some(1)).then_some(())
    });

    // Without a pay URL, the page shows the bank details and the reference to quote.
    let bank_mail = bank.wait_mail(&bank.billing, 1);
    let page = get(&link(bank_mail[0].text(), "/pay/"));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Acme Ltd, IBAN GB00 ACME 1234") && page.body.contains(&bank.number),
        "{}",
        page.body
    );

    // A tampered token is refused with a page, never a server error.
    let (base, token) = pay.rsplit_once('/').unwrap();
    let mut chars: Vec<char> = token.chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    let tampered = get(&format!("{base}/{}", chars.into_iter().collect::<String>()));
    assert_eq!(tampered.status, 400);
    assert!(
        tampered.body.contains("This link cannot be used"),
        "{}",
        tampered.body
    );
    let garbage = get(&format!("{base}/not-a-token"));
    assert_eq!(garbage.status, 400);

    // An expired one too, even correctly signed.
    let links = Links::new(&chaser.secrets.links, &chaser.url(""));
    let issued = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48);
    let claims = Links::claims(
        Purpose::Pay,
        &with_url.number,
        &with_url.workflow_id(),
        "",
        "",
        issued,
        jiff::SignedDuration::from_hours(24),
    );
    let expired = get(&links.url("pay", &claims));
    assert_eq!(expired.status, 410);
    assert!(expired.body.contains("expired"), "{}", expired.body);
}

#[test]
fn a_one_tap_action_asks_on_get_acts_once_on_post() {
    // Arrange: the escalation reaches the owner with its action links.
    let name = "one-tap";
    let rules = seconds_rules(
        r#"[[cadences.default.steps]]
when = "after_issue 3s"
move = "escalate"
"#,
    );
    let mut chaser = Chaser::new(name, &rules, Backend::Sqlite);
    chaser.start_worker();
    let mut inv = Invoice::new(name, "INV-TAP");
    import(&chaser, &[inv.row(false)]);
    let escalation = inv.wait_mail(&inv.owner, 1);
    let pause = link(escalation[0].text(), "/act/");

    // A GET (a mail scanner, say) only asks.
    let page = get(&pause);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Pause this chase for 7 days?"),
        "{}",
        page.body
    );
    assert_eq!(chaser.status(&inv.number).state, ChaseState::Escalated);

    // The POST acts, once.
    let done = post_form(&pause, &[]);
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Paused until"), "{}", done.body);
    assert_eq!(chaser.status(&inv.number).state, ChaseState::Paused);
    let again = post_form(&pause, &[]);
    assert_eq!(again.status, 409);
    assert!(again.body.contains("Already used"), "{}", again.body);
    save_history_if_asked(&chaser, &inv.workflow_id(), "paused_by_one_tap");
}

#[test]
fn every_one_tap_action_in_the_review_asks_on_get_and_acts_once_on_post() {
    let name = "links-actions";
    let chaser = chaser(name, Backend::Sqlite);
    let mut promised = Invoice::new(name, "INV-LA");
    let mut muted = Invoice::new(name, "INV-LB");
    let mut paused = Invoice::new(name, "INV-LC");
    let mut disputed = Invoice::new(name, "INV-LD");
    import(
        &chaser,
        &[
            promised.row(false),
            muted.row(false),
            paused.row(false),
            disputed.row(false),
        ],
    );
    chaser.ok(&["pause", &paused.number, "--days", "1"]);
    chaser.ok(&["dispute", &disputed.number, "--reason", "wrong quantity"]);

    let tap = |invoice: &str, label: &str| {
        let url = wait_for(
            &format!("the {label} link of {invoice}"),
            Duration::from_secs(20),
            || review_action(&chaser, invoice, label),
        );
        let before = chaser.status(invoice).state;
        let confirm = get(&url);
        assert_eq!(confirm.status, 200, "{}", confirm.body);
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(chaser.status(invoice).state, before, "a GET never acts");
        let done = post_form(&url, &[]);
        assert_eq!(done.status, 200, "{label}: {}", done.body);
        assert_eq!(post_form(&url, &[]).status, 409, "{label} works once");
        done.body
    };
    let body = tap(&promised.number, "Promised within 7 days");
    assert!(body.contains("Promise recorded"), "{body}");
    tap(&muted.number, "Stop reminders");
    tap(&paused.number, "Resume");
    tap(&disputed.number, "Resolve and resume");
    wait_for("every action to land", Duration::from_secs(20), || {
        let done = chaser.status(&promised.number).state == ChaseState::Paused
            && chaser.status(&paused.number).state != ChaseState::Paused
            && chaser.status(&disputed.number).state != ChaseState::Disputed
            && chaser
                .ok(&["audit", &muted.number])
                .contains("chasing_disabled");
        done.then_some(())
    });
    tap(&muted.number, "Restart reminders");
    wait_for("reminders back on", Duration::from_secs(20), || {
        chaser
            .ok(&["audit", &muted.number])
            .contains("chasing_enabled")
            .then_some(())
    });
}
