//! `chaser worker`: the Temporal worker and the HTTP server, in one process.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chaser_activities::links::Links;
use chaser_activities::mail::{Mailer, SesMailer, SmtpMailer};
use chaser_activities::render::Renderer;
use chaser_activities::{ChaseActivities, Sender};

use crate::config::Transport;
use chaser_activities::chase::registered as activity_defs;
use chaser_activities::documents::{Proposer, TextReader};
use chaser_activities::fetch::Fetcher;
use chaser_activities::metrics::Metrics;
use chaser_api::http::router;
use chaser_api::inbound::DocumentDesk;
use chaser_api::inbound_gate::InboundPolicy;
use chaser_api::review::ReviewDesk;
use chaser_api::state::{AppState, Health};
use chaser_app::Chaser;
use chaser_app::reconcile::Reconciler;
use chaser_app::sync::SheetSyncer;
use chaser_domain::Rules;
use chaser_workflows::names;
use chaser_workflows::{
    DailyReview, InvoiceChase, InvoiceProposal, MonthlySummary, Reconcile, SheetSync,
};
use secrecy::ExposeSecret;
use temporalio_common::telemetry::metrics::CoreMeter;
use temporalio_common::telemetry::{
    PrometheusExporterOptions, TelemetryOptions, start_prometheus_metric_exporter,
};
use temporalio_common::worker::WorkerDeploymentOptions;
use temporalio_sdk::runtime::{Runtime, RuntimeOptions};
use temporalio_sdk::{Worker, WorkerOptions};

use crate::context::Context as AppContext;
use crate::logs::LogFormat;

/// Families every chase may need, whatever its cadence says.
const ALWAYS_NEEDED: [&str; 7] = [
    "daily_review",
    "new_invoice",
    "reminder",
    "past_due",
    "escalation",
    "thank_you",
    "approval_request",
];

/// Refuses to start when a cadence names a template that does not exist.
fn check_templates(renderer: &Renderer, rules: &Rules) -> anyhow::Result<()> {
    let mut missing = BTreeSet::new();
    let cadences = std::iter::once(&rules.default_cadence).chain(rules.cadences.values());
    for cadence in cadences {
        for step in &cadence.steps {
            if step.template != "standard" && !renderer.families().contains(&step.template) {
                missing.insert(format!(
                    "`{}` (cadence {}, step {})",
                    step.template, cadence.name, step.id
                ));
            }
        }
    }
    for family in ALWAYS_NEEDED {
        if !renderer.families().contains(family) {
            missing.insert(format!("`{family}` (built in)"));
        }
    }
    anyhow::ensure!(
        missing.is_empty(),
        "templates not found: {}; add <name>.subject.j2, <name>.txt.j2 and <name>.html.j2 to templates_dir",
        missing.into_iter().collect::<Vec<_>>().join(", ")
    );
    Ok(())
}

/// The configured transport: SES v2 (or its emulator) or SMTP.
pub async fn mailer(config: &crate::config::Config) -> anyhow::Result<Arc<dyn Mailer>> {
    Ok(match config.email.transport {
        Transport::Ses => Arc::new(
            SesMailer::from_env(
                config.aws.region.as_deref(),
                config.aws.ses_endpoint_url.as_deref(),
            )
            .await,
        ),
        Transport::Smtp => {
            let smtp = &config.smtp;
            let password = smtp.password.as_ref().map(|p| p.expose_secret().to_owned());
            let credentials = smtp.username.clone().zip(password);
            Arc::new(SmtpMailer::new(
                &smtp.host,
                smtp.port,
                smtp.security,
                credentials,
            )?)
        }
    })
}

/// The monthly summary's activity, with the narrator the config chose.
pub async fn summary_desk(
    app: &AppContext,
    chaser: Arc<Chaser>,
    mailer: Arc<dyn Mailer>,
) -> anyhow::Result<chaser_api::summary::SummaryDesk> {
    use crate::config::NarrativeChoice;
    use chaser_api::summary::{Narrator, SummaryDesk};
    let config = &app.config;
    let narrator = match config.review.narrative {
        NarrativeChoice::Deterministic => Narrator::Deterministic,
        NarrativeChoice::Bedrock => {
            let aws = chaser_activities::aws::sdk_config(
                config.aws.region.as_deref(),
                config.aws.bedrock_endpoint_url.as_deref(),
            )
            .await;
            Narrator::Bedrock {
                client: aws_sdk_bedrockruntime::Client::new(&aws),
                model_id: config.documents.bedrock_model_id.clone(),
            }
        }
    };
    Ok(SummaryDesk {
        chaser,
        mailer,
        narrator,
        from: config.email.from.clone(),
        company: config.email.company_name.clone(),
        owner: config.default_owner()?,
        zone: app.rules.company.time_zone.clone(),
        links: links(config)?,
        action_ttl: config.links.action_link_ttl.as_duration(),
    })
}

/// The forwarded-PDF lane's activities: the reader and proposer the config chose.
async fn document_desk(
    app: &AppContext,
    chaser: Arc<Chaser>,
    mailer: Arc<dyn Mailer>,
    links: Links,
) -> anyhow::Result<DocumentDesk> {
    use crate::config::{ProposerChoice, ReaderChoice};
    use chaser_activities::aws::sdk_config;
    let config = &app.config;
    let region = config.aws.region.as_deref();
    // Forwarded PDFs are read by this same binary as a child (`chaser read-document`).
    let local = chaser_activities::documents::isolated_reader(
        std::env::current_exe().context("finding the worker's own binary, to read PDFs with")?,
    );
    let reader = match config.documents.reader {
        ReaderChoice::Local => TextReader::Local(local),
        ReaderChoice::Textract => {
            let aws = sdk_config(region, config.aws.textract_endpoint_url.as_deref()).await;
            TextReader::Textract(aws_sdk_textract::Client::new(&aws), local)
        }
    };
    let proposer = match config.documents.proposer {
        ProposerChoice::Rules => Proposer::Rules,
        ProposerChoice::Bedrock => {
            let aws = sdk_config(region, config.aws.bedrock_endpoint_url.as_deref()).await;
            Proposer::Bedrock {
                client: aws_sdk_bedrockruntime::Client::new(&aws),
                model_id: config.documents.bedrock_model_id.clone(),
            }
        }
    };
    let owner = config.default_owner()?;
    Ok(DocumentDesk {
        chaser,
        reader,
        proposer,
        mailer,
        links,
        owner,
        from: config.email.from.clone(),
        company: config.email.company_name.clone(),
        default_currency: config.default_currency()?,
        approval_ttl: config.documents.approval_ttl.as_duration(),
        templates: Some(chaser_activities::documents::Templates::new(
            config.documents.templates_dir.clone(),
        )),
    })
}

async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        () = terminate => {},
    }
}

/// The Prometheus endpoint's meter, when `[metrics] listen` is set; the chaser's counters are
/// made on it beside the SDK's.
fn metrics_meter(
    config: &crate::config::Config,
) -> anyhow::Result<(Option<Arc<dyn CoreMeter>>, Metrics)> {
    let Some(listen) = config.metrics.listen else {
        return Ok((None, Metrics::off()));
    };
    let server = start_prometheus_metric_exporter(
        PrometheusExporterOptions::builder()
            .socket_addr(listen)
            .counters_total_suffix(true)
            .build(),
    )
    .with_context(|| format!("cannot serve metrics on {listen}"))?;
    tracing::info!(%listen, "metrics on /metrics");
    let meter: Arc<dyn CoreMeter> = server.meter;
    Ok((Some(meter.clone()), Metrics::new(meter)))
}

/// What the HTTP doors share.
fn app_state(
    app: &AppContext,
    chaser: Arc<Chaser>,
    links: Links,
    mailer: Arc<dyn Mailer>,
    health: Health,
) -> anyhow::Result<Arc<AppState>> {
    let config = &app.config;
    config
        .deliverability
        .validate()
        .map_err(anyhow::Error::msg)?;
    Ok(Arc::new(AppState {
        deliverability: config.deliverability.clone(),
        owner_mail: chaser_api::state::OwnerMail {
            mailer,
            from: config.email.from.clone(),
        },
        chaser,
        accounting_secret: config.http.accounting_secret.clone(),
        bank_secret: config.http.bank_secret.clone(),
        inbound_secret: config.http.inbound_secret.clone(),
        ses_events_token: config.http.ses_events_token.clone(),
        links,
        bank_details: config.links.bank_details.clone(),
        company_name: config.email.company_name.clone(),
        default_currency: config.default_currency()?,
        default_owner: config.default_owner()?,
        stripe_webhook_secret: config.http.stripe_webhook_secret.clone(),
        api_token: config.http.api_token.clone(),
        zone: app.rules.company.time_zone.clone(),
        action_link_ttl: config.links.action_link_ttl.as_duration(),
        approval_ttl: config.links.approval_ttl.as_duration(),
        codec: config.codec()?,
        codec_origins: config.codec.ui_origins.clone(),
        inbound: InboundPolicy {
            allowed_senders: config.inbound.allowed_senders.clone(),
            max_documents_per_message: config.inbound.max_documents_per_message,
            max_documents_per_sender_per_day: config.inbound.max_documents_per_sender_per_day,
        },
        allow_http_links: config.links.allow_http,
        pay_click_interval: config.links.pay_click_interval.as_duration(),
        secure_cookies: config.base_url().starts_with("https://"),
        health,
    }))
}

fn links(config: &crate::config::Config) -> anyhow::Result<Links> {
    let secret =
        config.links.secret.as_ref().context(
            "links.secret is required: it signs pay links, one-tap actions and approvals",
        )?;
    Ok(Links::new(secret.expose_secret(), &config.base_url()))
}

/// How long a client may take to send a request's headers.
fn header_timeout(config: &crate::config::Config) -> anyhow::Result<std::time::Duration> {
    std::time::Duration::try_from(config.http.header_timeout.as_duration())
        .ok()
        .filter(|d| !d.is_zero())
        .with_context(|| {
            format!(
                "http.header_timeout: `{}` must be positive",
                config.http.header_timeout
            )
        })
}

/// `chaser serve`: the HTTP doors alone (webhooks, the owner API, links, the review page),
/// without a Temporal worker, so they can run apart from the workers. Commands are journaled
/// and answered `accepted` until a worker takes them; Temporal need not even be reachable, and
/// is connected to in the background when it comes up.
pub async fn run_http_only(app: AppContext, logs: LogFormat) -> anyhow::Result<()> {
    let config = &app.config;
    let links = links(config)?;
    let (_, metrics) = metrics_meter(config)?;
    let chaser = Arc::new(
        Chaser::new(
            app.temporal.clone(),
            app.store.clone(),
            Arc::new(app.rules.clone()),
            config.temporal.task_queue.clone(),
        )
        .with_policy(app.policy())
        .with_metrics(metrics),
    );
    let state = app_state(
        &app,
        chaser.clone(),
        links,
        mailer(config).await?,
        Health::default(),
    )?;
    let header_timeout = header_timeout(config)?;
    let listener = tokio::net::TcpListener::bind(config.http.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.http.listen))?;
    let address = listener.local_addr()?;
    if let Err(why) = &app.temporal {
        tracing::warn!(%why, "Temporal cannot be reached: commands wait in the journal");
        let config = config.clone();
        tokio::spawn(async move {
            let mut backoff = Backoff::default();
            loop {
                tokio::time::sleep(backoff.next_delay()).await;
                if let Ok(client) = crate::context::connect_temporal(&config).await {
                    tracing::info!("Temporal answers: commands go to their chases again");
                    chaser.set_temporal(Ok(client));
                    return;
                }
            }
        });
    }
    tracing::info!(http = %address, "chaser serve started (no worker in this process)");
    if logs == LogFormat::Text {
        eprintln!("chaser serve: http://{address} (no worker in this process)");
    }
    chaser_api::server::serve(listener, router(state), header_timeout, shutdown_signal()).await;
    Ok(())
}

/// The first wait before reconnecting to Temporal, and the longest.
const RECONNECT_FIRST: Duration = Duration::from_millis(500);
const RECONNECT_MOST: Duration = Duration::from_secs(10);
/// How often a running worker asks the server whether it is there, and how long it waits for
/// the answer: the workers' own polls retry quietly forever, so without this nobody would
/// notice the server is gone.
const PROBE_EVERY: Duration = Duration::from_secs(2);
const PROBE_WAIT: Duration = Duration::from_secs(3);

/// Doubling waits between reconnection attempts, from [`RECONNECT_FIRST`] to
/// [`RECONNECT_MOST`]; `reset` once the workers poll.
#[derive(Default)]
struct Backoff {
    attempts: u32,
}

impl Backoff {
    fn next_delay(&mut self) -> Duration {
        let delay = RECONNECT_FIRST
            .saturating_mul(2u32.saturating_pow(self.attempts))
            .min(RECONNECT_MOST);
        self.attempts = self.attempts.saturating_add(1);
        delay
    }

    fn reset(&mut self) {
        self.attempts = 0;
    }
}

/// Whether the Temporal server answers its health check.
async fn probe(client: &temporalio_client::Client) -> Result<(), String> {
    use temporalio_common::protos::grpc::health::v1::HealthCheckRequest;
    let request = HealthCheckRequest {
        service: "temporal.api.workflowservice.v1.WorkflowService".to_owned(),
    };
    match tokio::time::timeout(
        PROBE_WAIT,
        client
            .connection()
            .health_service()
            .check(tonic::Request::new(request)),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(status)) => Err(format!("the server answers {}", status.message())),
        Err(_) => Err(format!(
            "the server gave no answer within {} s",
            PROBE_WAIT.as_secs()
        )),
    }
}

/// `chaser worker`: the Temporal workers and the HTTP doors. The configuration is checked
/// first (any mistake ends the process); then the doors open and the workers run, riding out
/// Temporal going away: they reconnect with backoff and `/healthz` answers 503 meanwhile. Only
/// a signal ends the process after that.
pub async fn run(app: AppContext, logs: LogFormat) -> anyhow::Result<()> {
    let config = &app.config;
    // First of all: a worker with a guessable secret must not serve a single request.
    config.check_secrets()?;
    let renderer = match &config.templates_dir {
        Some(dir) => Renderer::with_overrides(dir)?,
        None => Renderer::builtin()?,
    };
    check_templates(&renderer, &app.rules)?;
    let renderer = Arc::new(renderer);
    if let Err(problems) = renderer.lint(&config.email.banned_words) {
        let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        anyhow::bail!("the templates did not pass the lint:\n{}", list.join("\n"));
    }
    let links = links(config)?;
    let mailer = mailer(config).await?;
    let sender = Sender {
        from: config.email.from.clone(),
        reply_to: config.email.reply_to.clone(),
        company: config.company(),
        pay_link_ttl: config.links.pay_link_ttl.as_duration(),
        action_link_ttl: config.links.action_link_ttl.as_duration(),
        approval_ttl: config.links.approval_ttl.as_duration(),
    };
    let (meter, metrics) = metrics_meter(config)?;
    let activities = Arc::new(
        ChaseActivities::new(
            app.store.clone(),
            mailer.clone(),
            renderer.clone(),
            links.clone(),
            sender,
            config.mode,
        )
        .with_metrics(metrics.clone()),
    );

    let chaser = Arc::new(
        Chaser::new(
            app.temporal.clone(),
            app.store.clone(),
            Arc::new(app.rules.clone()),
            config.temporal.task_queue.clone(),
        )
        .with_policy(app.policy())
        .with_metrics(metrics),
    );
    let sources = crate::sync::sources(&app)?;
    let schedules = crate::sync::Schedules::from_config(&app, &sources)?;
    let s3_endpoint = config.aws.s3_endpoint_url.as_deref();
    let s3_config =
        chaser_activities::aws::sdk_config(config.aws.region.as_deref(), s3_endpoint).await;
    let fetcher = Fetcher::new(Fetcher::s3_client(&s3_config, s3_endpoint.is_some()));
    let syncer = SheetSyncer::new(
        chaser.clone(),
        fetcher,
        sources.iter().map(|(s, _)| s.clone()).collect(),
    );
    let desk = document_desk(&app, chaser.clone(), mailer.clone(), links.clone()).await?;
    let reconciler = Reconciler {
        chaser: chaser.clone(),
        grace: config.reconcile.grace()?,
    };
    let summary_desk = summary_desk(&app, chaser.clone(), mailer.clone()).await?;
    let health = Health::starting("connecting to Temporal");
    let state = app_state(&app, chaser.clone(), links, mailer.clone(), health.clone())?;
    let review_desk = ReviewDesk {
        // The same reviewer the `/review` page uses: one digest, on the page and by e-mail.
        reviewer: state.reviewer(),
        mailer: mailer.clone(),
        renderer: renderer.clone(),
        from: config.email.from.clone(),
        company: config.company(),
        default_owner: config.default_owner()?,
    };

    let runtime = Runtime::from_current_tokio(
        RuntimeOptions::builder()
            .telemetry_options(
                TelemetryOptions::builder()
                    .maybe_metrics(meter.clone())
                    .build(),
            )
            .build()
            .map_err(|e| anyhow::anyhow!("Temporal runtime options: {e}"))?,
    )
    .map_err(|e| anyhow::anyhow!("Temporal runtime: {e}"))?;
    // Built once and cloned for each connection: the workers are rebuilt after the server
    // comes back.
    // One build id for both workers, named in the log and in Temporal (docs/operating.md,
    // "Deploying a workflow change").
    let build_id = config.temporal.build_id();
    tracing::info!(%build_id, "worker build");
    let deployment = || WorkerDeploymentOptions::from_build_id(build_id.clone());
    let options = WorkerOptions::new(config.temporal.task_queue.clone())
        .deployment_options(deployment())
        .max_cached_workflows(config.temporal.max_cached_workflows)
        .register_workflow::<InvoiceChase>()
        .map_err(|e| anyhow::anyhow!("registering the workflow: {e}"))?
        .register_activity::<activity_defs::RecordAudit>(activities.clone())
        .register_activity::<activity_defs::ExpireApproval>(activities.clone())
        .register_workflow::<SheetSync>()
        .map_err(|e| anyhow::anyhow!("registering the sync workflow: {e}"))?
        .register_activities(syncer)
        .register_workflow::<InvoiceProposal>()
        .map_err(|e| anyhow::anyhow!("registering the proposal workflow: {e}"))?
        .register_activities(desk)
        .register_workflow::<DailyReview>()
        .map_err(|e| anyhow::anyhow!("registering the review workflow: {e}"))?
        .register_activities(review_desk)
        .register_workflow::<MonthlySummary>()
        .map_err(|e| anyhow::anyhow!("registering the summary workflow: {e}"))?
        .register_activities(summary_desk)
        .register_workflow::<Reconcile>()
        .map_err(|e| anyhow::anyhow!("registering the reconcile workflow: {e}"))?
        .register_activities(reconciler)
        .graceful_shutdown_period(Duration::from_secs(10))
        .build();
    // The server hands out send tasks no faster than the provider accepts them, however many
    // reminders fall due at once.
    let sending_queue = names::sending_queue(&config.temporal.task_queue);
    let sending_options = WorkerOptions::new(sending_queue.clone())
        .deployment_options(deployment())
        .register_activity::<activity_defs::SendMessage>(activities)
        .max_task_queue_activities_per_second(config.email.max_send_rate)
        .graceful_shutdown_period(Duration::from_secs(10))
        .build();

    let header_timeout = header_timeout(config)?;
    let listener = tokio::net::TcpListener::bind(config.http.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.http.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(http = %address, task_queue = %config.temporal.task_queue, %sending_queue, max_send_rate = config.email.max_send_rate, mode = ?config.mode, "chaser worker started");
    // The same line for a person; in JSON, where every line is an object, the log above says it.
    if logs == LogFormat::Text {
        eprintln!(
            "chaser worker: http://{address} · task queue {} · sends on {sending_queue} at most {}/s · mode {:?}",
            config.temporal.task_queue, config.email.max_send_rate, config.mode
        );
    }
    let (stop_http, http_stopped) = tokio::sync::oneshot::channel::<()>();
    let http = tokio::spawn(chaser_api::server::serve(
        listener,
        router(state),
        header_timeout,
        async {
            let _ = http_stopped.await;
        },
    ));

    let mut signalled = std::pin::pin!(shutdown_signal());
    let workers = Workers {
        runtime: &runtime,
        options,
        sending_options,
        chaser: &chaser,
        health: &health,
    };
    let result = workers.run_until(schedules, config, &mut signalled).await;
    let _ = stop_http.send(());
    let _ = http.await;
    result
}

/// The two workers (chases, and sends at the provider's rate), run again on each connection.
struct Workers<'a> {
    runtime: &'a Runtime,
    options: WorkerOptions,
    sending_options: WorkerOptions,
    chaser: &'a Chaser,
    health: &'a Health,
}

/// How one connection's run ended.
enum Ended {
    Signalled,
    /// The server went away or refused the workers; the reason is logged and reported.
    Lost(String),
}

impl Workers<'_> {
    /// Connects, keeps the schedules in step, and runs the workers; when Temporal goes away,
    /// reports it and starts over with backoff. Returns on `signalled`, or on an error no
    /// retry can fix.
    async fn run_until(
        &self,
        schedules: crate::sync::Schedules,
        config: &crate::config::Config,
        signalled: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    ) -> anyhow::Result<()> {
        let mut backoff = Backoff::default();
        loop {
            let why = match self.chaser.client() {
                Ok(client) => match self
                    .connected(client, &schedules, &mut backoff, signalled)
                    .await?
                {
                    Ended::Signalled => return Ok(()),
                    Ended::Lost(why) => {
                        // A new connection next time: nothing of the lost one is trusted.
                        self.chaser.set_temporal(Err(why.clone()));
                        why
                    }
                },
                Err(_) => {
                    let connect = crate::context::connect_temporal(config);
                    tokio::select! {
                        connected = connect => match connected {
                            Ok(client) => {
                                self.chaser.set_temporal(Ok(client));
                                continue;
                            }
                            Err(why) => why,
                        },
                        () = signalled.as_mut() => return Ok(()),
                    }
                }
            };
            self.health
                .unhealthy(&format!("reconnecting to Temporal: {why}"));
            let delay = backoff.next_delay();
            tracing::warn!(%why, retry_in_ms = delay.as_millis(), "Temporal is not available: the worker keeps trying");
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = signalled.as_mut() => return Ok(()),
            }
        }
    }

    /// One connection's life: the schedules, then the workers until a signal or a loss.
    async fn connected(
        &self,
        client: temporalio_client::Client,
        schedules: &crate::sync::Schedules,
        backoff: &mut Backoff,
        signalled: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    ) -> anyhow::Result<Ended> {
        let prepare = async {
            schedules.ensure(&client).await?;
            schedules.reconcile_now(&client).await
        };
        tokio::select! {
            prepared = prepare => if let Err(e) = prepared {
                return Ok(Ended::Lost(format!("keeping the schedules: {e:#}")));
            },
            () = signalled.as_mut() => return Ok(Ended::Signalled),
        }
        let mut worker = Worker::new(self.runtime, client.clone(), self.options.clone())
            .map_err(|e| anyhow::anyhow!("starting the worker: {e}"))?;
        let mut sending = Worker::new(self.runtime, client.clone(), self.sending_options.clone())
            .map_err(|e| anyhow::anyhow!("starting the sending worker: {e}"))?;
        let (stop_main, stop_sending) = (worker.shutdown_handle(), sending.shutdown_handle());
        let stop_both = || {
            stop_main();
            stop_sending();
        };
        self.health.healthy();
        backoff.reset();
        tracing::info!("connected to Temporal: polling");
        // `Worker::run` is not `Send`: both run on this task. Either one ending, for a signal
        // or an error, ends the other.
        let run = async {
            let main = async {
                let result = worker.run().await;
                stop_sending();
                result
            };
            let sending_run = async {
                let result = sending.run().await;
                stop_main();
                result
            };
            tokio::join!(main, sending_run)
        };
        let mut was_signalled = false;
        let watch = async {
            let mut down = false;
            loop {
                tokio::select! {
                    () = signalled.as_mut(), if !was_signalled => {
                        tracing::info!("shutting down");
                        was_signalled = true;
                        stop_both();
                    }
                    () = tokio::time::sleep(PROBE_EVERY) => match probe(&client).await {
                        Ok(()) if down => {
                            down = false;
                            tracing::info!("Temporal answers again: polling");
                            self.chaser.set_temporal(Ok(client.clone()));
                            self.health.healthy();
                            if let Err(e) = schedules.reconcile_now(&client).await {
                                tracing::warn!(error = %format!("{e:#}"), "the reconciler did not start: it runs at its interval");
                            }
                        }
                        Ok(()) => {}
                        Err(why) => {
                            if !down {
                                tracing::warn!(%why, "Temporal does not answer: the workers keep polling");
                            }
                            down = true;
                            self.chaser.set_temporal(Err(format!("Temporal does not answer: {why}")));
                            self.health.unhealthy(&format!("Temporal does not answer: {why}"));
                        }
                    },
                }
            }
        };
        let (result, sending_result) = tokio::select! {
            results = run => results,
            never = watch => never,
        };
        if was_signalled {
            result.map_err(|e| anyhow::anyhow!("worker: {e}"))?;
            sending_result.map_err(|e| anyhow::anyhow!("sending worker: {e}"))?;
            return Ok(Ended::Signalled);
        }
        let why = match (result, sending_result) {
            (Err(e), _) => format!("the worker stopped: {e}"),
            (_, Err(e)) => format!("the sending worker stopped: {e}"),
            (Ok(()), Ok(())) => "the workers stopped".to_owned(),
        };
        Ok(Ended::Lost(why))
    }
}
