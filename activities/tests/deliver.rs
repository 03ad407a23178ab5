//! The send activity's pipeline, without Temporal: a real SQLite store and a fake mailer.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use chaser_activities::links::Links;
use chaser_activities::mail::{MailError, MailFuture, Mailer, OutgoingEmail};
use chaser_activities::render::{Company, Renderer};
use chaser_activities::store::{ApprovalStatus, OutboxStatus, Store};
use chaser_activities::{ChaseActivities, Mode, Sender};
use chaser_domain::{
    ChaseState, Contact, Customer, Email, Invoice, InvoiceNumber, Money, Offset, Role, Rules,
    Terms, plan,
};
use chaser_workflows::contracts::{
    ExpireApproval, ExpiryOutcome, MessageKind, SendRequest, SendResult,
};
use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};
use temporalio_sdk::activities::ActivityError;

/// Something that happens while the provider call is in flight.
type DuringSend = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Records every message; answers with the queued results, then success.
#[derive(Default)]
struct FakeMailer {
    sent: Mutex<Vec<OutgoingEmail>>,
    failures: Mutex<Vec<MailError>>,
    during_send: Mutex<Option<DuringSend>>,
}

impl Mailer for FakeMailer {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> MailFuture<'a> {
        Box::pin(async move {
            let during = self.during_send.lock().unwrap().take();
            if let Some(during) = during {
                during.await;
            }
            if let Some(failure) = self.failures.lock().unwrap().pop() {
                return Err(failure);
            }
            let mut sent = self.sent.lock().unwrap();
            sent.push(email.clone());
            Ok(format!("msg-{}", sent.len()))
        })
    }
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn invoice(customer_name: &str) -> Invoice {
    let amount = Money::parse("1200.00", "USD".parse().unwrap()).unwrap();
    Invoice {
        contacts: vec![Contact {
            name: "AP".into(),
            email: Email::parse("ap@acme.example").unwrap(),
            roles: vec![Role::Billing],
        }],
        pay_url: Some("https://pay.example/INV-7".parse().unwrap()),
        ..Invoice::new(
            InvoiceNumber::parse("INV-7").unwrap(),
            Customer {
                id: "acme".into(),
                name: customer_name.into(),
            },
            amount,
            date(2026, 11, 1),
            date(2026, 12, 1),
            Terms::Net(30),
            Email::parse("owner@us.example").unwrap(),
        )
    }
}

struct Setup {
    activities: ChaseActivities,
    mailer: Arc<FakeMailer>,
    store: Store,
    _dir: std::path::PathBuf,
}

async fn setup(name: &str, mode: Mode) -> Setup {
    setup_with(name, mode, Renderer::builtin().unwrap()).await
}

async fn setup_with(name: &str, mode: Mode, renderer: Renderer) -> Setup {
    let dir = std::env::temp_dir().join(format!("chaser-deliver-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.join("db.sqlite").display()))
        .await
        .unwrap();
    let mailer = Arc::new(FakeMailer::default());
    let sender = Sender {
        from: "Acme Billing <billing@acme.example>".into(),
        reply_to: Some("billing@acme.example".into()),
        company: Company {
            name: "Acme Ltd".into(),
            reply_to: Some("billing@acme.example".into()),
            ..Company::default()
        },
        pay_link_ttl: SignedDuration::from_hours(24 * 60),
        action_link_ttl: SignedDuration::from_hours(24 * 14),
        approval_ttl: SignedDuration::from_hours(48),
    };
    let activities = ChaseActivities::new(
        store.clone(),
        mailer.clone(),
        Arc::new(renderer),
        Links::new("test-secret", "https://chaser.example"),
        sender,
        mode,
    );
    Setup {
        activities,
        mailer,
        store,
        _dir: dir,
    }
}

/// The nudge of the seed cadence for `invoice`, as the workflow would ask for it.
fn nudge_request(invoice: &Invoice) -> SendRequest {
    let rules = Rules::default();
    let schedule = plan(
        invoice,
        &rules.default_cadence,
        &rules.company,
        ts("2026-11-02T00:00:00Z"),
    );
    let step = schedule.step("nudge").unwrap().clone();
    SendRequest {
        workflow_id: "invoice-INV-7".into(),
        key: "nudge".into(),
        kind: MessageKind::Reminder,
        to: step.recipients.to.clone(),
        cc: vec![],
        step: Some(step),
        invoice: invoice.clone(),
        history: vec![],
        settings: Some(rules.company.clone()),
        approved: false,
        note: None,
    }
}

const NOW: &str = "2026-12-04T09:00:00Z";

fn failure_type(error: &ActivityError) -> (Option<String>, bool) {
    match error {
        ActivityError::Application(failure) => (
            failure.type_name().map(str::to_owned),
            failure.is_non_retryable(),
        ),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn a_message_is_sent_once_however_often_the_activity_runs() {
    let s = setup("once", Mode::Live).await;
    let inv = invoice("Acme Ltd");
    s.store
        .upsert_invoice(&inv, "invoice-INV-7", ChaseState::Scheduled, ts(NOW))
        .await
        .unwrap();
    let request = nudge_request(&inv);

    let first = s.activities.deliver(&request, ts(NOW)).await.unwrap();
    let retry = s.activities.deliver(&request, ts(NOW)).await.unwrap();

    assert_eq!(
        first,
        SendResult::Sent {
            message_id: "msg-1".into()
        }
    );
    assert_eq!(
        retry, first,
        "a retry after a recorded success returns it, and sends nothing"
    );
    let sent = s.mailer.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    let mail = &sent[0];
    assert_eq!(mail.to, ["ap@acme.example"]);
    assert_eq!(mail.reply_to.as_deref(), Some("billing@acme.example"));
    assert!(mail.subject.contains("INV-7"), "{}", mail.subject);
    for body in [&mail.text, &mail.html] {
        assert!(
            body.contains("$1,200.00")
                && body.contains("https://chaser.example/pay/")
                && body.contains("December 1, 2026"),
            "{body}"
        );
    }
    let row = s
        .store
        .outbox_row("invoice-INV-7", "nudge")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.status, row.message_id.as_deref()),
        (OutboxStatus::Sent, Some("msg-1"))
    );
}

#[tokio::test]
async fn the_fresh_state_check_declines_for_a_paid_or_paused_invoice() {
    let s = setup("fresh", Mode::Live).await;
    let inv = invoice("Acme Ltd");
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
    let inv = invoice("Acme Ltd");
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
async fn a_permanent_rejection_is_non_retryable_and_never_retried_by_itself() {
    let s = setup("rejected", Mode::Live).await;
    let inv = invoice("Acme Ltd");
    s.store
        .upsert_invoice(&inv, "invoice-INV-7", ChaseState::Scheduled, ts(NOW))
        .await
        .unwrap();
    s.mailer.failures.lock().unwrap().push(MailError::Permanent(
        "MessageRejected: address does not exist".into(),
    ));
    let request = nudge_request(&inv);

    let error = s.activities.deliver(&request, ts(NOW)).await.unwrap_err();
    assert_eq!(failure_type(&error), (Some("EmailRejected".into()), true));
    // Run again: the recorded failure stands, and the mailer is not asked again.
    let again = s.activities.deliver(&request, ts(NOW)).await.unwrap_err();
    assert_eq!(failure_type(&again), (Some("EmailRejected".into()), true));
    assert!(s.mailer.sent.lock().unwrap().is_empty());
    let row = s
        .store
        .outbox_row("invoice-INV-7", "nudge")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, OutboxStatus::Failed);
    assert_eq!(
        row.error.as_deref(),
        Some("MessageRejected: address does not exist")
    );
}

#[tokio::test]
async fn a_transient_error_is_retryable_and_the_retry_sends() {
    let s = setup("transient", Mode::Live).await;
    let inv = invoice("Acme Ltd");
    s.store
        .upsert_invoice(&inv, "invoice-INV-7", ChaseState::Scheduled, ts(NOW))
        .await
        .unwrap();
    s.mailer.failures.lock().unwrap().push(MailError::Transient(
        "TooManyRequestsException: slow down".into(),
    ));
    let request = nudge_request(&inv);
    let error = s.activities.deliver(&request, ts(NOW)).await.unwrap_err();
    assert!(!failure_type(&error).1, "throttling is retried");
    let retry = s.activities.deliver(&request, ts(NOW)).await.unwrap();
    assert_eq!(
        retry,
        SendResult::Sent {
            message_id: "msg-1".into()
        }
    );
}

#[tokio::test]
async fn a_send_with_no_answer_is_uncertain_and_never_sent_again_by_itself() {
    let s = setup("unknown", Mode::Live).await;
    let request = chased(&s, "INV-7").await;
    s.mailer.failures.lock().unwrap().push(MailError::Unknown(
        "timed out waiting for the answer".into(),
    ));

    let first = s.activities.deliver(&request, ts(NOW)).await.unwrap();
    let again = s.activities.deliver(&request, ts(NOW)).await.unwrap();

    let expected = SendResult::Uncertain {
        reason:
            "no answer from the provider (timed out waiting for the answer): it may have been sent"
                .into(),
    };
    assert_eq!(first, expected);
    assert_eq!(again, expected, "asked about, not retried");
    assert!(s.mailer.sent.lock().unwrap().is_empty());
    let row = s
        .store
        .outbox_row("invoice-INV-7", "nudge")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, OutboxStatus::Uncertain);
}

#[tokio::test]
async fn an_attempt_cut_off_after_handing_the_message_over_is_never_repeated() {
    // The worker died between the provider taking the message and the outbox recording it.
    let s = setup("cut-off", Mode::Live).await;
    let request = chased(&s, "INV-7").await;
    let to = serde_json::json!({"to": ["ap@acme.example"], "cc": []});
    s.store
        .claim_outbox("invoice-INV-7", "nudge", "a1", &to, "Reminder", ts(NOW))
        .await
        .unwrap();
    assert!(
        s.store
            .hand_over("invoice-INV-7", "nudge", "a1", ts(NOW))
            .await
            .unwrap()
    );

    let retry = s.activities.deliver(&request, ts(NOW)).await.unwrap();

    assert!(
        matches!(&retry, SendResult::Uncertain { reason } if reason.contains("cut off")),
        "{retry:?}"
    );
    assert!(s.mailer.sent.lock().unwrap().is_empty(), "never sent twice");
}

#[tokio::test]
async fn dry_run_fills_the_outbox_and_sends_nothing() {
    let s = setup("dry", Mode::DryRun).await;
    let inv = invoice("Acme Ltd");
    s.store
        .upsert_invoice(&inv, "invoice-INV-7", ChaseState::Scheduled, ts(NOW))
        .await
        .unwrap();
    let result = s
        .activities
        .deliver(&nudge_request(&inv), ts(NOW))
        .await
        .unwrap();
    assert_eq!(result, SendResult::DryRun);
    assert!(s.mailer.sent.lock().unwrap().is_empty());
    let row = s
        .store
        .outbox_row("invoice-INV-7", "nudge")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, OutboxStatus::DryRun);
    assert!(row.subject.contains("INV-7"));
    let text = row.text_body.unwrap();
    assert!(
        text.contains("$1,200.00") && text.contains("/pay/"),
        "the outbox keeps what would have been sent: {text}"
    );
}

#[tokio::test]
async fn hostile_customer_names_are_escaped_and_cannot_inject_headers() {
    let s = setup("hostile", Mode::Live).await;
    let inv = invoice("<script>alert(1)</script>\r\nBcc: victim@evil.example");
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

/// Stores `number` as a scheduled chase for the same customer contact and returns its nudge.
async fn chased(s: &Setup, number: &str) -> SendRequest {
    let mut inv = invoice("Acme Ltd");
    inv.number = InvoiceNumber::parse(number).unwrap();
    let workflow_id = format!("invoice-{number}");
    s.store
        .upsert_invoice(&inv, &workflow_id, ChaseState::Scheduled, ts(NOW))
        .await
        .unwrap();
    SendRequest {
        workflow_id,
        ..nudge_request(&inv)
    }
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
async fn approve_mode_sends_exactly_the_approved_text_and_only_after_approval() {
    let s = setup("approve", Mode::Approve).await;
    let request = chased(&s, "INV-7").await;
    let waiting = s.activities.deliver(&request, ts(NOW)).await.unwrap();
    let SendResult::AwaitingApproval { expires_at } = waiting else {
        panic!("{waiting:?}")
    };
    assert_eq!(expires_at, ts("2026-12-06T09:00:00Z"));
    // The owner is asked once, however often the activity runs.
    assert_eq!(
        s.activities.deliver(&request, ts(NOW)).await.unwrap(),
        waiting
    );
    let asked = s.mailer.sent.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].to, ["owner@us.example"]);
    assert!(
        asked[0].text.contains("https://chaser.example/approvals/"),
        "{}",
        asked[0].text
    );
    let approval = s
        .store
        .approval("invoice-INV-7/nudge")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(approval.status, ApprovalStatus::Pending);

    // Approved: what was shown is what goes, even if the data moved since.
    assert!(
        s.store
            .decide_approval(
                "invoice-INV-7/nudge",
                ApprovalStatus::Pending,
                ApprovalStatus::Approved,
                "owner",
                ts(NOW)
            )
            .await
            .unwrap()
    );
    let approved = SendRequest {
        approved: true,
        ..request.clone()
    };
    assert!(matches!(
        s.activities.deliver(&approved, ts(NOW)).await.unwrap(),
        SendResult::Sent { .. }
    ));
    let sent = s.mailer.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        (&sent[1].to, &sent[1].subject, &sent[1].text),
        (
            &vec!["ap@acme.example".to_owned()],
            &approval.subject,
            &approval.text_body
        )
    );
    let expiry = ExpireApproval {
        workflow_id: "invoice-INV-7".into(),
        key: "nudge".into(),
    };
    assert_eq!(
        s.activities.expire(&expiry, ts(NOW)).await.unwrap(),
        ExpiryOutcome::AlreadyDecided
    );
}

#[tokio::test]
async fn an_expired_approval_is_never_sent() {
    let s = setup("expired", Mode::Approve).await;
    let request = chased(&s, "INV-7").await;
    s.activities.deliver(&request, ts(NOW)).await.unwrap();
    let expiry = ExpireApproval {
        workflow_id: "invoice-INV-7".into(),
        key: "nudge".into(),
    };
    assert_eq!(
        s.activities.expire(&expiry, ts(NOW)).await.unwrap(),
        ExpiryOutcome::Expired
    );
    // A late approval cannot revive it.
    assert!(
        !s.store
            .decide_approval(
                "invoice-INV-7/nudge",
                ApprovalStatus::Pending,
                ApprovalStatus::Approved,
                "owner",
                ts(NOW)
            )
            .await
            .unwrap()
    );
    let approved = SendRequest {
        approved: true,
        ..request
    };
    assert!(matches!(
        s.activities.deliver(&approved, ts(NOW)).await.unwrap(),
        SendResult::Declined { .. }
    ));
    assert_eq!(s.mailer.sent.lock().unwrap().len(), 1, "only the request");
    let row = s.store.outbox_row("invoice-INV-7", "nudge").await.unwrap();
    assert_eq!(row.unwrap().status, OutboxStatus::Expired);
}

#[tokio::test]
async fn paid_landing_while_a_send_is_in_flight_never_results_in_a_sent_email() {
    let s = setup("in-flight", Mode::Live).await;
    let request = chased(&s, "INV-7").await;
    // The provider refuses for now; meanwhile the payment lands (the chase writes a stop to
    // the store at once, even while a send is in flight).
    let store = s.store.clone();
    *s.mailer.during_send.lock().unwrap() = Some(Box::pin(async move {
        store
            .set_state("INV-7", ChaseState::Paid, ts(NOW))
            .await
            .unwrap();
    }));
    s.mailer
        .failures
        .lock()
        .unwrap()
        .push(MailError::Transient("throttled".into()));

    let first = s.activities.deliver(&request, ts(NOW)).await.unwrap_err();
    assert!(!failure_type(&first).1, "a refusal for now is retried");
    let retry = s.activities.deliver(&request, ts(NOW)).await.unwrap();

    assert_eq!(
        retry,
        SendResult::Declined {
            reason: "fresh_state: the invoice is paid".into()
        }
    );
    assert!(s.mailer.sent.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_step_marked_require_approval_waits_even_in_live_mode() {
    let s = setup("step-approval", Mode::Live).await;
    let mut request = chased(&s, "INV-7").await;
    request.step.as_mut().unwrap().require_approval = true;
    let result = s.activities.deliver(&request, ts(NOW)).await.unwrap();
    assert!(
        matches!(result, SendResult::AwaitingApproval { .. }),
        "{result:?}"
    );
    let sent = s.mailer.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "only the request to the owner");
    assert_eq!(sent[0].to, ["owner@us.example"]);
    // The owner's own messages never wait for approval.
    let mut escalation = request.clone();
    escalation.kind = MessageKind::OwnerEscalation;
    escalation.key = "nudge/owner".into();
    escalation.to = vec![Email::parse("owner@us.example").unwrap()];
    assert!(matches!(
        s.activities.deliver(&escalation, ts(NOW)).await.unwrap(),
        SendResult::Sent { .. }
    ));
}
