//! The send activity's pipeline, without Temporal: a real SQLite store and a fake mailer.

#![allow(clippy::unwrap_used)]

#[path = "../fixtures/mod.rs"]
mod fixtures;

mod checks;
mod modes;
mod once;

use std::sync::{Arc, Mutex};

use chaser_activities::links::Links;
use chaser_activities::mail::{MailError, MailFuture, Mailer, OutgoingEmail};
use chaser_activities::render::{Company, Renderer};
use chaser_activities::store::Store;
use chaser_activities::{ChaseActivities, Mode, Sender};
use chaser_domain::{ChaseState, Invoice, InvoiceNumber, Rules, plan};
use chaser_workflows::contracts::{MessageKind, SendRequest};
use jiff::SignedDuration;
use temporalio_sdk::activities::ActivityError;

use fixtures::{fresh_sqlite, invoice, ts};

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
    let (url, dir) = fresh_sqlite(name);
    let store = Store::connect(&url).await.unwrap();
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
        audit_when_sent: None,
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

/// Stores `number` as a scheduled chase for the same customer contact and returns its nudge.
async fn chased(s: &Setup, number: &str) -> SendRequest {
    let mut inv = invoice("INV-7");
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
