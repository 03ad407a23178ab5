//! The send activity's pipeline, without Temporal: a real SQLite store and a fake mailer.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use chaser_activities::mail::{MailError, MailFuture, Mailer, OutgoingEmail};
use chaser_activities::render::{Company, Renderer};
use chaser_activities::store::{OutboxStatus, Store};
use chaser_activities::{ChaseActivities, Mode, Sender};
use chaser_domain::{
    ChaseState, Contact, Customer, Email, Invoice, InvoiceNumber, Money, Role, Rules, Terms, plan,
};
use chaser_workflows::contracts::{MessageKind, SendRequest, SendResult};
use jiff::Timestamp;
use jiff::civil::date;
use temporalio_sdk::activities::ActivityError;

/// Records every message; answers with the queued results, then success.
#[derive(Default)]
struct FakeMailer {
    sent: Mutex<Vec<OutgoingEmail>>,
    failures: Mutex<Vec<MailError>>,
}

impl Mailer for FakeMailer {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> MailFuture<'a> {
        Box::pin(async move {
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
    };
    let renderer = Arc::new(Renderer::builtin().unwrap());
    let activities = ChaseActivities::new(store.clone(), mailer.clone(), renderer, sender, mode);
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
            body.contains("USD 1,200.00")
                && body.contains("https://pay.example/INV-7")
                && body.contains("1 December 2026"),
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
            reason: "fresh state: the invoice is not in the store".into()
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
        let result = s.activities.deliver(&request, ts(NOW)).await.unwrap();
        assert_eq!(
            result,
            SendResult::Declined {
                reason: format!("fresh state: the invoice is {state}")
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
