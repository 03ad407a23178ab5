//! One test's world: a client, and workers on the test's own task queue (and its sending
//! queue) running the real `InvoiceChase` with the fake activities, so tests run in parallel
//! on one dev server; and a chase's handle with the few things tests ask of it.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chaser_domain::calendar::Calendar;
use chaser_domain::{
    Cadence, Contact, Currency, Customer, Email, Invoice, InvoiceNumber, Money, Role, Rules, Terms,
};
use chaser_workflows::InvoiceChase;
use chaser_workflows::contracts::{
    ChaseInput, ChaseOutcome, CommandReply, CommandRequest, StatusView,
};
use chaser_workflows::names;
use jiff::tz::TimeZone;
use temporalio_client::{
    Client, ClientOptions, Connection, ConnectionOptions, Url, WorkflowDescribeOptions,
    WorkflowExecuteUpdateOptions, WorkflowFetchHistoryOptions, WorkflowGetResultOptions,
    WorkflowHandle, WorkflowQueryOptions, WorkflowSignalOptions, WorkflowStartOptions,
    errors::WorkflowUpdateError,
};
use temporalio_common::protos::temporal::api::history::v1::HistoryEvent;
use temporalio_common::{HasWorkflowDefinition, SignalDefinition};
use temporalio_sdk::{Runtime, Worker, WorkerOptions};

use crate::clock;
use crate::fakes::FakeActivities;
use crate::server::DevServer;

/// How long a test waits for anything the chase should do within seconds.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Company settings for chases that run in seconds: every hour and day open, one second
/// between touches, two seconds of lateness tolerated; `steps` adds the default cadence.
const COMPANY: &str = r#"[company]
time_zone = "UTC"
quiet_hours = "none"
business_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
min_gap = "1s"
daily_cap = 50
late_tolerance = "2s"
"#;

/// The dev server the tests of this binary share.
pub fn server() -> &'static DevServer {
    static SERVER: OnceLock<DevServer> = OnceLock::new();
    SERVER.get_or_init(|| DevServer::start(&[]))
}

pub struct Env {
    pub client: Client,
    pub task_queue: String,
    pub fakes: Arc<FakeActivities>,
}

/// Runs `test` with workers for the chase on the task queue `chase-<name>`, then stops them.
pub async fn with_worker(server: &DevServer, name: &str, test: impl AsyncFnOnce(&Env)) {
    let target = Url::parse(&format!("http://{}", server.address)).unwrap();
    let connection = Connection::connect(ConnectionOptions::new(target).build())
        .await
        .unwrap();
    let client = Client::new(connection, ClientOptions::new("default").build()).unwrap();
    let env = Env {
        client,
        task_queue: format!("chase-{name}"),
        fakes: Arc::default(),
    };
    let runtime = Runtime::from_current_tokio(Default::default()).unwrap();
    let mut chases = WorkerOptions::new(env.task_queue.clone())
        .register_workflow::<InvoiceChase>()
        .unwrap()
        .graceful_shutdown_period(Duration::from_secs(1))
        .build();
    // Sends go through their own queue, as on the real worker.
    let mut sending = WorkerOptions::new(names::sending_queue(&env.task_queue))
        .graceful_shutdown_period(Duration::from_secs(1))
        .build();
    env.fakes.register(&mut chases, &mut sending);
    let mut chases = Worker::new(&runtime, env.client.clone(), chases).unwrap();
    let mut sending = Worker::new(&runtime, env.client.clone(), sending).unwrap();
    let (stop_chases, stop_sending) = (chases.shutdown_handle(), sending.shutdown_handle());
    // `Worker::run` is not `Send`: the workers and the test share this task.
    let body = async {
        test(&env).await;
        stop_chases();
        stop_sending();
    };
    let (chases, sending, ()) = tokio::join!(chases.run(), sending.run(), body);
    chases.unwrap();
    sending.unwrap();
}

/// A chase for a 500 EUR invoice issued now, to a billing contact, with the cadence `steps`
/// (a rules doc's `[[cadences.default.steps]]`).
fn chase_input(number: &str, steps: &str) -> ChaseInput {
    let rules = rules(steps);
    let now = clock::now();
    let today = now.to_zoned(TimeZone::UTC).date();
    let mut invoice = Invoice::new(
        InvoiceNumber::parse(number).unwrap(),
        Customer {
            id: "acme".to_owned(),
            name: "Acme Ltd".to_owned(),
        },
        eur("500.00"),
        today,
        today,
        Terms::DueOnReceipt,
        Email::parse("owner@chaser.example").unwrap(),
    );
    invoice.contacts = vec![Contact {
        name: "Accounts payable".to_owned(),
        email: Email::parse("ap@acme.example").unwrap(),
        roles: vec![Role::Billing],
    }];
    invoice.issued_at = Some(now);
    ChaseInput {
        invoice,
        cadence: rules.default_cadence,
        settings: rules.company,
        started_by: "test".to_owned(),
        carried: None,
        index_customer_name: false,
    }
}

fn rules(steps: &str) -> Rules {
    Rules::from_toml(&format!("{COMPANY}\n{steps}"), "test-rules.toml").unwrap()
}

/// The cadence `steps` make, for a reschedule.
pub fn cadence(steps: &str) -> Cadence {
    rules(steps).default_cadence
}

/// The company calendar the chases start with.
pub fn calendar() -> Calendar {
    rules("").company.calendar()
}

pub fn eur(amount: &str) -> Money {
    Money::parse(amount, Currency::parse("EUR").unwrap()).unwrap()
}

/// One step of a cadence, as a rules doc writes it.
pub fn step(id: &str, when: &str, action: &str) -> String {
    format!("[[cadences.default.steps]]\nid = \"{id}\"\nwhen = \"{when}\"\nmove = \"{action}\"\n")
}

/// A running chase, addressed by its workflow id (so through every continue-as-new).
pub struct Chase {
    pub id: String,
    pub handle: WorkflowHandle<Client, InvoiceChase>,
    pub input: ChaseInput,
    pub first_run: String,
}

impl Env {
    /// Starts a chase of invoice `number` with the cadence `steps`.
    pub async fn start(&self, number: &str, steps: &str) -> Chase {
        let input = chase_input(number, steps);
        let id = names::workflow_id(&input.invoice.number);
        let options = WorkflowStartOptions::new(self.task_queue.clone(), id.clone()).build();
        let started = self
            .client
            .start_workflow(InvoiceChase::run, input.clone(), options)
            .await
            .unwrap();
        Chase {
            handle: self.client.get_workflow_handle::<InvoiceChase>(id.clone()),
            id,
            input,
            first_run: started.run_id().unwrap().to_owned(),
        }
    }

    /// Waits until the fakes were asked to send `n` messages; returns them all.
    pub async fn sent(&self, n: usize) -> Vec<crate::fakes::Received> {
        let what = format!("{n} messages to be sent");
        clock::until(&what, PATIENCE, async || {
            let sends = self.fakes.sends();
            (sends.len() >= n).then_some(sends)
        })
        .await
    }
}

type Run = <InvoiceChase as HasWorkflowDefinition>::Run;

impl Chase {
    pub async fn status(&self) -> StatusView {
        self.handle
            .query(InvoiceChase::status, (), WorkflowQueryOptions::default())
            .await
            .unwrap()
    }

    /// Polls `status` until `check` holds; panics naming `what` otherwise.
    pub async fn status_until(
        &self,
        what: &str,
        check: impl Fn(&StatusView) -> bool,
    ) -> StatusView {
        clock::until(what, PATIENCE, async || {
            let status = self.status().await;
            check(&status).then_some(status)
        })
        .await
    }

    pub async fn signal<S>(&self, signal: S, input: S::Input)
    where
        S: SignalDefinition<Workflow = Run>,
        S::Input: Send,
    {
        self.handle
            .signal(signal, input, WorkflowSignalOptions::default())
            .await
            .unwrap();
    }

    /// The `command` update, answered (or refused by the validator).
    pub async fn command(
        &self,
        request: CommandRequest,
    ) -> Result<CommandReply, WorkflowUpdateError> {
        self.handle
            .execute_update(
                InvoiceChase::command,
                request,
                WorkflowExecuteUpdateOptions::default(),
            )
            .await
    }

    /// What the finished chase reports.
    pub async fn outcome(&self) -> ChaseOutcome {
        let result = self.handle.get_result(WorkflowGetResultOptions::default());
        tokio::time::timeout(PATIENCE, result)
            .await
            .unwrap_or_else(|_| panic!("{} did not finish within {PATIENCE:?}", self.id))
            .unwrap()
    }

    /// The id of the chase's current run.
    pub async fn run_id(&self) -> String {
        let description = self
            .handle
            .describe(WorkflowDescribeOptions::default())
            .await
            .unwrap();
        description.run_id().to_owned()
    }

    /// Waits until the current run has no workflow task pending or running: it waits on a
    /// timer or a condition, so it cannot be in the middle of continuing as new.
    pub async fn idle(&self) {
        clock::until("the chase to be idle", PATIENCE, async || {
            let description = self
                .handle
                .describe(WorkflowDescribeOptions::default())
                .await
                .unwrap();
            description
                .raw_description
                .pending_workflow_task
                .is_none()
                .then_some(())
        })
        .await
    }

    /// When the invoice was issued: where the cadence's offsets count from.
    pub fn issued_at(&self) -> jiff::Timestamp {
        self.input.invoice.issued_at.unwrap()
    }

    /// The current run's history.
    pub async fn history(&self) -> Vec<HistoryEvent> {
        self.handle
            .fetch_history(WorkflowFetchHistoryOptions::default())
            .into_events()
            .await
            .unwrap()
    }
}

/// A request with no id, by the tests.
pub fn request(command: chaser_workflows::contracts::Command) -> CommandRequest {
    CommandRequest {
        command,
        by: "test".to_owned(),
        id: String::new(),
    }
}
