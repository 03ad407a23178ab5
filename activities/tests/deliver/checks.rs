//! The checks before a send: the invoice's fresh state, commands on their way, the send
//! window, the gap and daily cap per contact, suppressions, the content check and escaping.

use chaser_activities::Mode;
use chaser_activities::render::Renderer;
use chaser_activities::store::OutboxStatus;
use chaser_domain::{ChaseState, Email, Offset};
use chaser_workflows::contracts::{MessageKind, SendResult};

use crate::fixtures::{invoice, ts};
use crate::{NOW, chased, nudge_request, setup, setup_with};

#[tokio::test]
async fn the_fresh_state_check_declines_for_a_paid_or_paused_invoice() {
    let s = setup("fresh", Mode::Live).await;
    let inv = invoice("INV-7");
    let request = nudge_request(&inv);
    let declined = s.activities.deliver(&request, ts(NOW)).await.unwrap();
    assert_eq!(
        declined,
        SendResult::Declined {
            reason: "fresh_state: the invoice is not in the store".into()
        }
    );
    for state in [
        ChaseState::Paid,
        ChaseState::Paused,
        ChaseState::Disputed,
        ChaseState::WrittenOff,
    ] {
        s.store
            .upsert_invoice(&inv, "invoice-INV-7", state, ts(NOW))
            .await
            .unwrap();
        let mut request = request.clone();
        request.key = format!("nudge-{state}");
        let result = s.activities.deliver(&request, ts(NOW)).await.unwrap();
        assert_eq!(
            result,
            SendResult::Declined {
                reason: format!("fresh_state: the invoice is {state}")
            }
        );
    }
    assert!(s.mailer.sent.lock().unwrap().is_empty());
    // A thank-you is the opposite: only for a paid invoice.
    let mut thanks = request.clone();
    thanks.kind = MessageKind::ThankYou;
    thanks.key = "thank_you".into();
    thanks.step = None;
    s.store
        .upsert_invoice(&inv, "invoice-INV-7", ChaseState::Scheduled, ts(NOW))
        .await
        .unwrap();
    assert!(matches!(
        s.activities.deliver(&thanks, ts(NOW)).await.unwrap(),
        SendResult::Declined { .. }
    ));
    s.store
        .set_state("INV-7", ChaseState::Paid, ts(NOW))
        .await
        .unwrap();
    assert!(matches!(
        s.activities.deliver(&thanks, ts(NOW)).await.unwrap(),
        SendResult::Sent { .. }
    ));
}

#[tokio::test]
async fn a_command_on_its_way_to_the_chase_holds_the_message_until_it_lands() {
    let s = setup("pending-command", Mode::Live).await;
    let inv = invoice("INV-7");
    s.store
        .upsert_invoice(&inv, "invoice-INV-7", ChaseState::Scheduled, ts(NOW))
        .await
        .unwrap();
    // A payment a door took while Temporal was away: journaled, not yet applied.
    s.store
        .journal_command(
            "api:1",
            "INV-7",
            "invoice-INV-7",
            &serde_json::json!({ "command": "paid" }),
            ts(NOW),
        )
        .await
        .unwrap();
    let request = nudge_request(&inv);
    assert_eq!(
        s.activities.deliver(&request, ts(NOW)).await.unwrap(),
        SendResult::Deferred {
            until: ts("2026-12-04T09:00:10Z"),
            reason: "pending_command: not before 2026-12-04T09:00:10Z".into()
        }
    );
    assert!(s.mailer.sent.lock().unwrap().is_empty());
    // Once the chase has it, the message is free to go (the chase decides whether it does).
    s.store
        .settle_command(
            "api:1",
            chaser_activities::store::CommandStatus::Delivered,
            "done",
            ts(NOW),
        )
        .await
        .unwrap();
    assert!(matches!(
        s.activities.deliver(&request, ts(NOW)).await.unwrap(),
        SendResult::Sent { .. }
    ));
}

#[tokio::test]
async fn outside_the_send_window_the_message_waits_for_the_next_opening() {
    let s = setup("window", Mode::Live).await;
    let request = chased(&s, "INV-7").await;
    // Saturday morning, UTC: the window opens Monday at 08:00, when quiet hours end.
    let result = s
        .activities
        .deliver(&request, ts("2026-12-05T10:00:00Z"))
        .await
        .unwrap();
    let SendResult::Deferred { until, reason } = result else {
        panic!("{result:?}")
    };
    assert_eq!(until, ts("2026-12-07T08:00:00Z"));
    assert!(reason.starts_with("send_window: "), "{reason}");
    assert!(s.mailer.sent.lock().unwrap().is_empty());
    let row = s.store.outbox_row("invoice-INV-7", "nudge").await.unwrap();
    assert_eq!(row.unwrap().status, OutboxStatus::Deferred);
    // Deferred is not final: in the window, the same message goes.
    assert!(matches!(
        s.activities
            .deliver(&request, ts("2026-12-07T08:00:00Z"))
            .await
            .unwrap(),
        SendResult::Sent { .. }
    ));
}

#[tokio::test]
async fn one_contact_is_not_touched_twice_within_the_gap_across_invoices() {
    let s = setup("gap", Mode::Live).await;
    let first = chased(&s, "INV-7").await;
    let second = chased(&s, "INV-8").await;
    assert!(matches!(
        s.activities.deliver(&first, ts(NOW)).await.unwrap(),
        SendResult::Sent { .. }
    ));
    // Friday 09:00 + a 2-day gap is Sunday 09:00; the window next opens Monday at 08:00.
    let result = s
        .activities
        .deliver(&second, ts("2026-12-04T11:00:00Z"))
        .await
        .unwrap();
    let SendResult::Deferred { until, reason } = result else {
        panic!("{result:?}")
    };
    assert_eq!(until, ts("2026-12-07T08:00:00Z"));
    assert!(reason.starts_with("min_gap: "), "{reason}");
    assert!(matches!(
        s.activities.deliver(&second, until).await.unwrap(),
        SendResult::Sent { .. }
    ));
    assert_eq!(s.mailer.sent.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn the_daily_cap_holds_a_contact_to_one_message_a_day() {
    let s = setup("cap", Mode::Live).await;
    let mut first = chased(&s, "INV-7").await;
    let mut second = chased(&s, "INV-8").await;
    for request in [&mut first, &mut second] {
        let settings = request.settings.as_mut().unwrap();
        settings.min_gap = Offset::ZERO;
    }
    s.activities.deliver(&first, ts(NOW)).await.unwrap();
    let result = s
        .activities
        .deliver(&second, ts("2026-12-04T11:00:00Z"))
        .await
        .unwrap();
    let SendResult::Deferred { until, reason } = result else {
        panic!("{result:?}")
    };
    assert_eq!(until, ts("2026-12-07T08:00:00Z"), "the next business day");
    assert!(reason.starts_with("daily_cap: "), "{reason}");
}

#[tokio::test]
async fn suppressed_addresses_are_never_mailed() {
    let s = setup("suppressed", Mode::Live).await;
    let mut request = chased(&s, "INV-7").await;
    request.cc = vec![Email::parse("Boss@Acme.example").unwrap()];
    s.store
        .suppress("boss@acme.example", "bounce", "ses", None, ts(NOW))
        .await
        .unwrap();
    assert!(matches!(
        s.activities.deliver(&request, ts(NOW)).await.unwrap(),
        SendResult::Sent { .. }
    ));
    let sent = s.mailer.sent.lock().unwrap().clone();
    assert_eq!(
        (sent[0].to.clone(), sent[0].cc.clone()),
        (vec!["ap@acme.example".to_owned()], vec![]),
        "the suppressed cc is dropped, case-insensitively"
    );

    // With every recipient suppressed, the chase is told nobody can be reached.
    s.store
        .suppress("ap@acme.example", "complaint", "ses", None, ts(NOW))
        .await
        .unwrap();
    let second = chased(&s, "INV-8").await;
    let result = s.activities.deliver(&second, ts(NOW)).await.unwrap();
    let SendResult::Unreachable { reason } = result else {
        panic!("{result:?}")
    };
    assert!(
        reason.starts_with("suppressed: every recipient"),
        "{reason}"
    );
    assert_eq!(s.mailer.sent.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_message_that_misstates_the_amount_is_refused() {
    let dir = std::env::temp_dir().join(format!("chaser-deliver-tpl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("past_due.txt.j2"),
        "Invoice {{ invoice.number }}: please pay USD 99.00. {{ invoice.pay_link }}",
    )
    .unwrap();
    let renderer = Renderer::with_overrides(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let s = setup_with("content", Mode::Live, renderer).await;
    let request = chased(&s, "INV-7").await;
    let result = s.activities.deliver(&request, ts(NOW)).await.unwrap();
    let SendResult::Declined { reason } = result else {
        panic!("{result:?}")
    };
    assert!(reason.starts_with("content: "), "{reason}");
    assert!(reason.contains("$1,200.00"), "{reason}");
    assert!(s.mailer.sent.lock().unwrap().is_empty());
}

#[tokio::test]
async fn hostile_customer_names_are_escaped_and_cannot_inject_headers() {
    let s = setup("hostile", Mode::Live).await;
    let mut inv = invoice("INV-7");
    inv.customer.name = "<script>alert(1)</script>\r\nBcc: victim@evil.example".into();
    s.store
        .upsert_invoice(&inv, "invoice-INV-7", ChaseState::Scheduled, ts(NOW))
        .await
        .unwrap();
    let mut request = nudge_request(&inv);
    // The escalation's subject carries the customer's name.
    request.kind = MessageKind::OwnerEscalation;
    request.key = "nudge/owner".into();
    request.to = vec![inv.owner_email.clone()];
    s.activities.deliver(&request, ts(NOW)).await.unwrap();
    let sent = s.mailer.sent.lock().unwrap().clone();
    let mail = &sent[0];
    assert!(
        !mail.subject.contains('\r') && !mail.subject.contains('\n'),
        "{:?}",
        mail.subject
    );
    assert!(!mail.html.contains("<script>"), "{}", mail.html);
    assert!(mail.html.contains("&lt;script&gt;"), "{}", mail.html);
    assert_eq!(
        mail.to,
        ["owner@us.example"],
        "recipients come from the request, never from content"
    );
}
