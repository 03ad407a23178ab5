//! Stripe webhooks: signatures, and every event the chaser acts on, from fixtures shaped like
//! what Stripe (current API) and localstripe (2017-08-15 API) send.

use chaser_domain::{Email, Role, Terms};
use chaser_intake::{
    DEFAULT_TOLERANCE_SECS, StripeAction, StripeEventError, StripeSignatureError, parse_event,
    verify_signature,
};
use jiff::civil::date;

use crate::money;

fn event(name: &str) -> Vec<u8> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/stripe")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const SECRET: &str = "whsec_test_secret";
const BODY: &[u8] = br#"{"id":"evt_1"}"#;
const T: i64 = 1_767_261_600;
/// HMAC-SHA256 of `1767261600.{"id":"evt_1"}` keyed with `whsec_test_secret`, computed
/// outside Rust.
const GOOD: &str = "ce63628013f8194380ddd0dc1bd3711fc6c07017485f414f13be8c671f713f50";

fn verify(header: Option<&str>, now: i64) -> Result<(), StripeSignatureError> {
    verify_signature(SECRET, header, BODY, now, DEFAULT_TOLERANCE_SECS)
}

#[test]
fn a_valid_signature_verifies_with_the_whole_secret() {
    let header = format!(
        "t={T},v1={GOOD},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
    );
    assert_eq!(verify(Some(&header), T + 10), Ok(()));
    let without_prefix = verify_signature("test_secret", Some(&header), BODY, T, 300);
    assert_eq!(without_prefix, Err(StripeSignatureError::Mismatch));
}

#[test]
fn one_matching_v1_among_several_is_enough() {
    let header = format!("t={T},v1={},v1={GOOD}", "ab".repeat(32));
    assert_eq!(verify(Some(&header), T), Ok(()));
    let header = format!("t={T},v1=not-hex,v1={GOOD}");
    assert_eq!(verify(Some(&header), T), Ok(()));
}

#[test]
fn stale_missing_malformed_and_forged_signatures_are_refused() {
    let header = format!("t={T},v1={GOOD}");
    assert_eq!(
        verify(Some(&header), T + 301),
        Err(StripeSignatureError::Stale(301))
    );
    assert_eq!(
        verify(Some(&header), T - 400),
        Err(StripeSignatureError::Stale(-400))
    );
    assert_eq!(verify(None, T), Err(StripeSignatureError::Missing));
    assert_eq!(verify(Some("  "), T), Err(StripeSignatureError::Missing));
    for (bad, why) in [
        (format!("v1={GOOD}"), "no t= timestamp"),
        (
            format!("t=yesterday,v1={GOOD}"),
            "t=`yesterday` is not a unix time",
        ),
        (format!("t={T}"), "no v1= signature"),
        (
            format!("t={T};v1=00"),
            "t=`1767261600;v1=00` is not a unix time",
        ),
        ("garbage".to_owned(), "`garbage` is not key=value"),
    ] {
        assert_eq!(
            verify(Some(&bad), T),
            Err(StripeSignatureError::Malformed(why.to_owned())),
            "{bad}"
        );
    }
    let forged = format!("t={T},v1={}", "0".repeat(64));
    assert_eq!(
        verify(Some(&forged), T),
        Err(StripeSignatureError::Mismatch)
    );
    let tampered = verify_signature(SECRET, Some(&header), br#"{"id":"evt_2"}"#, T, 300);
    assert_eq!(tampered, Err(StripeSignatureError::Mismatch));
    assert_eq!(
        StripeSignatureError::Stale(301).to_string(),
        "Stripe-Signature timestamp is 301 seconds away from now, outside the tolerance"
    );
}

#[test]
fn a_2017_payment_succeeded_from_localstripe_is_a_payment_by_stripe_id() {
    let event = parse_event(&event("payment_succeeded_2017.json")).unwrap();
    assert_eq!(event.id, "evt_1BkwxLHMvkR2m8XeDtyJ9zNZ");
    assert_eq!(event.event_type, "invoice.payment_succeeded");
    let StripeAction::Paid {
        invoice_id,
        number,
        amount_paid,
        paid_at,
    } = event.action
    else {
        panic!("{:?}", event.action);
    };
    assert_eq!(invoice_id, "in_1BkwxKHMvkR2m8Xe7ZwLZ5Ak");
    assert_eq!(number.as_str(), "in_1BkwxKHMvkR2m8Xe7ZwLZ5Ak");
    assert_eq!(amount_paid, money("USD 31.34"));
    assert_eq!(paid_at, event.created);
}

#[test]
fn a_current_invoice_finalized_becomes_an_invoice_to_chase() {
    let event = parse_event(&event("finalized.json")).unwrap();
    let StripeAction::Start(stripe) = event.action else {
        panic!("{:?}", event.action);
    };
    assert_eq!(stripe.number.as_str(), "ACME-0042");
    assert_eq!(stripe.amount_due, money("GBP 1200.50"));
    let owner = Email::parse("owner@chaser.example").unwrap();
    let invoice = stripe.to_invoice(&owner).unwrap();
    assert_eq!(invoice.customer.id, "cus_RfGhIjKlMnOp01");
    assert_eq!(invoice.customer.name, "Acme Ltd");
    assert_eq!(invoice.amount, money("GBP 1200.50"));
    assert_eq!(invoice.balance, money("GBP 1200.50"));
    assert_eq!(invoice.issue_date, date(2026, 1, 1));
    assert_eq!(invoice.due_date, date(2026, 1, 31));
    assert_eq!(invoice.terms, Terms::Net(30));
    assert_eq!(invoice.contacts[0].email.as_str(), "ap@acme.example");
    assert_eq!(invoice.contacts[0].roles, [Role::Billing]);
    assert_eq!(
        invoice.pay_url.unwrap().as_str(),
        "https://invoice.stripe.com/i/acct_1Abc/test_YWNjdF8x"
    );
    assert!(invoice.pdf_url.is_some());
    assert_eq!(invoice.owner_email, owner);
}

#[test]
fn an_old_invoice_without_number_name_or_due_date_is_due_on_receipt() {
    let body = String::from_utf8(event("payment_succeeded_2017.json"))
        .unwrap()
        .replace("invoice.payment_succeeded", "invoice.finalized");
    let event = parse_event(body.as_bytes()).unwrap();
    let StripeAction::Start(stripe) = event.action else {
        panic!("{:?}", event.action);
    };
    let invoice = stripe
        .to_invoice(&Email::parse("owner@chaser.example").unwrap())
        .unwrap();
    assert_eq!(invoice.number.as_str(), "in_1BkwxKHMvkR2m8Xe7ZwLZ5Ak");
    assert_eq!(invoice.customer.name, "cus_C9FnhZrAYLmRdt");
    assert_eq!(invoice.issue_date, date(2018, 1, 15));
    assert_eq!(invoice.due_date, invoice.issue_date);
    assert_eq!(invoice.terms, Terms::DueOnReceipt);
    assert!(invoice.contacts.is_empty() && invoice.pay_url.is_none());
}

#[test]
fn void_uncollectible_dispute_and_other_events() {
    let void = parse_event(&event("voided.json")).unwrap();
    assert!(matches!(
        &void.action,
        StripeAction::Void { invoice_id, number }
            if invoice_id == "in_1QaBcDeFgHiJkL01" && number.as_str() == "ACME-0042"
    ));
    let lost = parse_event(&event("uncollectible.json")).unwrap();
    assert!(matches!(
        &lost.action,
        StripeAction::Uncollectible { number, .. } if number.as_str() == "in_1QaBcDeFgHiJkL02"
    ));
    let dispute = parse_event(&event("dispute_created.json")).unwrap();
    let StripeAction::Dispute {
        charge,
        invoice_id,
        reason,
        amount,
    } = dispute.action
    else {
        panic!("{:?}", dispute.action);
    };
    assert_eq!(charge, "ch_3QzYxWvU01");
    assert_eq!(invoice_id.as_deref(), Some("in_1QaBcDeFgHiJkL03"));
    assert_eq!(reason, "product_not_received");
    // JPY has no minor units: 12000 is twelve thousand yen.
    assert_eq!(amount, money("JPY 12000"));
    let other = parse_event(&event("unknown_type.json")).unwrap();
    assert_eq!(
        other.action,
        StripeAction::Ignored("customer.created".to_owned())
    );
}

#[test]
fn bad_events_name_the_field() {
    let err = parse_event(b"{not json").unwrap_err();
    assert!(matches!(err, StripeEventError::InvalidJson(_)), "{err}");
    assert!(
        err.to_string()
            .starts_with("the Stripe event is not JSON: ")
    );
    let err =
        parse_event(br#"{"id":"evt","type":"invoice.paid","created":1,"data":{}}"#).unwrap_err();
    assert_eq!(err.to_string(), "the Stripe event has no `data.object`");
    let body = String::from_utf8(event("finalized.json"))
        .unwrap()
        .replace(r#""currency": "gbp""#, r#""currency": "zzz""#);
    assert_eq!(
        parse_event(body.as_bytes()).unwrap_err().to_string(),
        "the Stripe event's `data.object.currency` unknown currency `zzz`: expected an ISO-4217 code such as USD, EUR or JPY"
    );
    let body = String::from_utf8(event("finalized.json"))
        .unwrap()
        .replace(r#""amount_due": 120050"#, r#""amount_due": "120050""#);
    assert_eq!(
        parse_event(body.as_bytes()).unwrap_err().to_string(),
        r#"the Stripe event's `data.object.amount_due` is not a whole number: "120050""#
    );
}

#[test]
fn an_invoice_owing_more_than_its_total_is_refused_naming_the_field() {
    let body = String::from_utf8(event("finalized.json"))
        .unwrap()
        .replace(r#""amount_due": 120050"#, r#""amount_due": 130000"#);
    let StripeAction::Start(stripe) = parse_event(body.as_bytes()).unwrap().action else {
        panic!("not a start");
    };
    let err = stripe
        .to_invoice(&Email::parse("owner@chaser.example").unwrap())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the Stripe event's `data.object.amount_due` balance GBP 1300.00 exceeds the invoice amount GBP 1200.50"
    );
}

#[test]
fn minor_units_follow_the_currency() {
    let amount = |code: &str, minor: &str| {
        let body = String::from_utf8(event("dispute_created.json"))
            .unwrap()
            .replace(r#""currency": "jpy""#, &format!(r#""currency": "{code}""#))
            .replace(r#""amount": 12000"#, &format!(r#""amount": {minor}"#));
        match parse_event(body.as_bytes()).map(|e| e.action) {
            Ok(StripeAction::Dispute { amount, .. }) => Ok(amount.to_string()),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.to_string()),
        }
    };
    assert_eq!(amount("usd", "12000"), Ok("USD 120.00".to_owned()));
    assert_eq!(amount("kwd", "12000"), Ok("KWD 12.000".to_owned()));
    assert_eq!(amount("krw", "12000"), Ok("KRW 12000".to_owned()));
    // Stripe writes ISK times 100 although it has no minor units.
    assert_eq!(amount("isk", "12000"), Ok("ISK 120".to_owned()));
    assert_eq!(
        amount("isk", "12050"),
        Err("the Stripe event's `data.object.amount` 12050 is not a whole number of ISK (Stripe writes ISK times 100)".to_owned())
    );
}
