//! The review queue's actions without Temporal: what they refuse, and the command each
//! journals (the chase does it when Temporal is back).

use chaser_domain::Money;

use super::*;
use crate::test_support::{export, invoice, offline};
use crate::{Incoming, payments, sheet};

async fn open(chaser: &Chaser, invoice: chaser_domain::Invoice) {
    let incoming = Incoming {
        invoice,
        paid: false,
        balance_known: true,
    };
    chaser.ingest(incoming, "test").await.unwrap();
}

/// The id of the one open item of `kind`.
async fn item(chaser: &Chaser, kind: &str) -> i64 {
    let items = chaser.store().review_items(false).await.unwrap();
    items
        .iter()
        .find(|i| i.item.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} in {items:?}"))
        .id
}

fn number(text: &str) -> InvoiceNumber {
    InvoiceNumber::parse(text).unwrap()
}

/// The journaled request `id` (`{"command": "void", "reason": ..., "by": ...}`).
async fn journaled(chaser: &Chaser, id: &str) -> serde_json::Value {
    let entry = chaser.store().journaled_command(id).await.unwrap();
    entry.unwrap_or_else(|| panic!("no command {id}")).request
}

#[tokio::test]
async fn an_unmatched_payment_is_applied_once_to_an_invoice_in_its_currency() {
    let chaser = offline().await;
    open(&chaser, invoice("INV-1", "Acme Ltd", "2026-12-01")).await;
    let mut euros = invoice("INV-2", "Beta GmbH", "2026-12-01");
    euros.amount = Money::parse("100.00", "EUR".parse().unwrap()).unwrap();
    euros.balance = euros.amount;
    open(&chaser, euros).await;
    let payment = BankPayment {
        line: 3,
        id: "P9".into(),
        date: jiff::civil::date(2026, 12, 2),
        amount: Money::parse("55.00", "USD".parse().unwrap()).unwrap(),
        payer: Some("Stranger Co".into()),
        remittance: "thanks".into(),
    };
    let report = payments::apply(&chaser, &[payment], "statement.csv", "test")
        .await
        .unwrap();
    assert_eq!(report.flagged.len(), 1, "{report:?}");
    let id = item(&chaser, kind::UNMATCHED_PAYMENT).await;

    let err = chaser
        .apply_review_payment(id, &number("INV-2"), "owner")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the payment of USD 55.00 is not in INV-2's currency (EUR)"
    );
    // Applied to INV-3, and the process died before the item closed: never a second time.
    let elsewhere = serde_json::json!({ "command": "payment", "amount": "USD 55.00", "by": "owner", "id": "bank:P9:INV-3" });
    chaser
        .store()
        .journal_command(
            "bank:P9:INV-3",
            "INV-3",
            "invoice-INV-3",
            &elsewhere,
            Timestamp::now(),
        )
        .await
        .unwrap();
    let err = chaser
        .apply_review_payment(id, &number("INV-1"), "owner")
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "payment P9 was applied to INV-3 already");
    // One the chase refused paid nothing.
    let refused = chaser_activities::store::CommandStatus::Refused;
    chaser
        .store()
        .settle_command("bank:P9:INV-3", refused, "closed", Timestamp::now())
        .await
        .unwrap();
    let resolved = chaser
        .apply_review_payment(id, &number("inv-1"), "owner")
        .await
        .unwrap();
    assert!(
        resolved
            .note
            .starts_with("applied to inv-1: USD 55.00 (accepted; "),
        "{resolved:?}"
    );
    assert!(matches!(resolved.outcome, Some(Outcome::Accepted { .. })));
    // The matcher's own id: this payment and invoice, once.
    let command = journaled(&chaser, "bank:P9:INV-1").await;
    assert_eq!(
        (&command["command"], &command["amount"]),
        (&"payment".into(), &"USD 55.00".into())
    );
    let stored = chaser.store().review_item(id).await.unwrap().unwrap();
    assert_eq!(stored.resolved_by.as_deref(), Some("owner"));

    let again = chaser
        .apply_review_payment(id, &number("INV-1"), "owner")
        .await
        .unwrap_err();
    assert!(
        again.to_string().starts_with(&format!(
            "review item #{id} is already resolved by owner: applied to inv-1"
        )),
        "{again}"
    );
}

#[tokio::test]
async fn a_vanished_invoice_is_settled_as_the_owner_says_and_nothing_else_is() {
    let chaser = offline().await;
    let row =
        |n: &str| format!("{n},Acme Ltd,ap@acme.example,100.00,USD,2026-11-01,2026-12-01,Unpaid\n");
    let first = [row("A-1"), row("A-2"), row("A-3")].concat();
    sheet::apply(&chaser, Some("books"), &export(&first), "test")
        .await
        .unwrap();
    sheet::apply(&chaser, Some("books"), &export(&row("A-2")), "test")
        .await
        .unwrap();
    let ids: Vec<i64> = chaser
        .store()
        .review_items(false)
        .await
        .unwrap()
        .iter()
        .filter(|i| i.item.kind == kind::VANISHED_FROM_EXPORT)
        .map(|i| i.id)
        .collect();
    let [id, other] = ids[..] else {
        panic!("two vanished: {ids:?}")
    };

    // The chase refused this item's command before (it closed meanwhile): a second try says
    // why, and the item stays open, rather than closing as done.
    let request = serde_json::json!({ "command": "void", "reason": "gone", "by": "owner" });
    let key = format!("review:{other}");
    let store = chaser.store();
    store
        .journal_command(&key, "A-3", "invoice-A-3", &request, Timestamp::now())
        .await
        .unwrap();
    let refused = chaser_activities::store::CommandStatus::Refused;
    store
        .settle_command(
            &key,
            refused,
            "the chase is closed (paid)",
            Timestamp::now(),
        )
        .await
        .unwrap();
    let err = chaser
        .resolve_vanished(other, VanishedResolution::Void, "owner")
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "refused: the chase is closed (paid)");
    assert!(
        store
            .review_item(other)
            .await
            .unwrap()
            .unwrap()
            .resolved_at
            .is_none()
    );

    let same = VanishedResolution::Renumbered {
        new_number: number("a-1"),
    };
    let err = chaser
        .resolve_vanished(id, same, "owner")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "new number: a-1 is the invoice's own number"
    );
    let renumbered = VanishedResolution::Renumbered {
        new_number: number("A-1B"),
    };
    let resolved = chaser
        .resolve_vanished(id, renumbered, "owner")
        .await
        .unwrap();
    assert!(
        resolved
            .note
            .starts_with("renumbered as A-1B: A-1 voided; A-1B comes with the export"),
        "{resolved:?}"
    );
    let command = journaled(&chaser, &format!("review:{id}")).await;
    assert_eq!(
        (&command["command"], &command["reason"]),
        (&"void".into(), &"renumbered as A-1B".into())
    );

    let err = chaser
        .resolve_vanished(id, VanishedResolution::KeepChasing, "owner")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already resolved"), "{err}");

    // Only an item of its own kind.
    let conflict = chaser
        .store()
        .flag_for_review(
            &chaser_activities::store::NewReviewItem {
                kind: kind::SYNC_FAILED.into(),
                invoice: None,
                summary: "broken".into(),
                detail: serde_json::json!({}),
                dedup_key: "sync_failed/books".into(),
            },
            Timestamp::now(),
        )
        .await
        .unwrap()
        .unwrap();
    let err = chaser
        .resolve_vanished(conflict, VanishedResolution::Paid, "owner")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("review item #{conflict} is sync_failed, not vanished_from_export")
    );
    let err = chaser
        .apply_review_payment(conflict, &number("A-2"), "owner")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "review item #{conflict} is sync_failed, not unmatched_payment or ambiguous_payment"
        )
    );
}
