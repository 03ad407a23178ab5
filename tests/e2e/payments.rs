//! Payment matching: a bank statement and the bank webhook. A unique match is applied; an
//! ambiguous or unmatched payment goes to the review queue; nothing is applied twice.

use std::time::Duration;

use crate::support::*;

#[test]
fn a_statement_applies_unique_matches_and_queues_the_rest() {
    let name = "payments";
    // Statements of a single account name no currency: the config's default applies.
    let mut chaser = Chaser::with_config(
        name,
        &rules(),
        Backend::Sqlite,
        &[("email.default_currency", "USD".into())],
    );
    chaser.start_worker();
    let mut a = Invoice::new(name, "INV-PA");
    let mut b = Invoice::new(name, "INV-PB");
    import(&chaser, &[a.row(false), b.row(false)]);
    let statement = chaser.csv(
        "statement.csv",
        &format!(
            "Date,Description,Amount\n{d},Transfer {} thanks,500.00\n{d},FASTER PAYMENT REF 8841,1200.00\n{d},Stranger Co,99.00\n{d},Card fee,-12.00\n",
            a.number,
            d = today()
        ),
    );
    let out = chaser.ok(&["payments", "--date-format", "iso", &statement]);
    assert!(
        out.contains("3 payments, 1 debits skipped: 1 applied, 2 for review"),
        "{out}"
    );
    wait_for("the partial payment", Duration::from_secs(20), || {
        (chaser.status(&a.number).balance == money("USD 700.00")).then_some(())
    });
    assert_eq!(
        chaser.status(&b.number).balance,
        money("USD 1200.00"),
        "an ambiguous payment is never applied"
    );
    let review = review_items(&chaser);
    let kinds: Vec<&str> = review.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["ambiguous_payment", "unmatched_payment"],
        "{review:#?}"
    );

    let again = chaser.ok(&["payments", "--date-format", "iso", &statement]);
    assert!(
        again.contains("0 applied, 0 for review, 3 already seen"),
        "{again}"
    );

    // The bank webhook: signed, and matched the same way.
    let body = serde_json::json!({ "payments": [{
        "id": format!("bank-tx-{}", b.number), "date": today(), "amount": "1200.00",
        "currency": "USD", "payer": "Acme", "remittance": format!("Invoice {}", b.number)
    }] })
    .to_string();
    let url = chaser.url("/webhooks/bank");
    assert_eq!(post_raw(&url, &[], &body).0, 401);
    let (status, answer) = post_webhook(&url, &chaser.secrets.bank, &body);
    assert_eq!(
        (status, answer["result"].as_str()),
        (
            200,
            Some("1 applied, 0 for review, 0 already seen, 0 failed")
        ),
        "{answer}"
    );
    wait_for("B paid", Duration::from_secs(20), || {
        (chaser.status(&b.number).state == ChaseState::Paid).then_some(())
    });
}
