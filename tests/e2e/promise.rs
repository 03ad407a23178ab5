//! A promise to pay: the chase waits for the promised day. Kept, the chase ends quietly;
//! broken, it resumes by itself one rung firmer.

use std::time::Duration;

use crate::support::*;

fn promise(chaser: &Chaser, invoice: &str, until_secs: i64) -> (u16, serde_json::Value) {
    let body = serde_json::json!({ "until": in_secs(until_secs), "note": "cheque in the post" })
        .to_string();
    post_raw(
        &chaser.url(&format!("/api/invoices/{invoice}/promise")),
        &[("Authorization", &format!("Bearer {}", chaser.secrets.api))],
        &body,
    )
}

fn audit_actions(chaser: &Chaser, invoice: &str) -> Vec<String> {
    let trail: serde_json::Value =
        serde_json::from_str(&chaser.ok(&["audit", invoice, "--json"])).unwrap();
    trail
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_kept_promise_ends_quietly_and_a_broken_one_resumes_firmer() {
    let name = "promise";
    let mut chaser = Chaser::new(name, &rules(), Backend::Sqlite);
    chaser.start_worker();
    let mut kept = Invoice::new(name, "INV-PK");
    let mut broken = Invoice::new(name, "INV-PB");
    import(&chaser, &[kept.row(false)]);

    // Kept: promised before the first nudge, paid before the day; nothing but the thank-you.
    let (status, answer) = promise(&chaser, &kept.number, 30);
    assert_eq!(
        (status, answer["result"].as_str()),
        (200, Some("promise recorded")),
        "{answer}"
    );
    wait_for(
        "the chase to wait on the promise",
        Duration::from_secs(20),
        || (chaser.status(&kept.number).state == ChaseState::Paused).then_some(()),
    );
    kept.sleep_until(7.0);
    chaser.ok(&["paid", &kept.number]);
    kept.sleep_until(12.0);
    let mail = stack().mail_to(&kept.billing);
    assert_eq!(mail.len(), 1, "only the thank-you: {mail:#?}");
    assert!(audit_actions(&chaser, &kept.number).contains(&"promise_kept".to_owned()));

    // Broken: after the nudge, a promise that lapses before the follow-up; the follow-up
    // (neutral by default) goes out firm.
    import(&chaser, &[broken.row(false)]);
    broken.wait_mail(&broken.billing, 1);
    let (status, _) = promise(&chaser, &broken.number, 3);
    assert_eq!(status, 200);
    let mail = broken.wait_mail(&broken.billing, 2);
    let follow_up = mail[1].text();
    assert!(
        follow_up.contains("Please make sure it is paid on time"),
        "firm: {follow_up}"
    );
    assert!(
        !follow_up.contains("This is a reminder"),
        "not neutral: {follow_up}"
    );
    let actions = audit_actions(&chaser, &broken.number);
    let at = |a: &str| {
        actions
            .iter()
            .position(|x| x == a)
            .unwrap_or_else(|| panic!("{a} in {actions:?}"))
    };
    assert!(at("promise") < at("promise_broken"), "{actions:?}");

    // Bad promises name the problem.
    let far = serde_json::json!({ "pay_by": "2099-01-01" }).to_string();
    let url = chaser.url(&format!("/api/invoices/{}/promise", broken.number));
    let (status, answer) = post_raw(
        &url,
        &[("Authorization", &format!("Bearer {}", chaser.secrets.api))],
        &far,
    );
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("90 days"),
        "{answer}"
    );
    let (status, _) = post_raw(
        &url,
        &[("Authorization", &format!("Bearer {}", chaser.secrets.api))],
        "{}",
    );
    assert_eq!(status, 400);
}
