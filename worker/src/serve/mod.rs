//! `chaser worker`: the Temporal worker and the HTTP server, in one process.

mod assemble;
mod temporal;

pub use assemble::{mailer, summary_desk};

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chaser_activities::render::Renderer;
use chaser_activities::{ChaseActivities, Sender};

use chaser_activities::chase::registered as activity_defs;
use chaser_activities::fetch::Fetcher;
use chaser_api::http::router;
use chaser_api::review::ReviewDesk;
use chaser_api::state::Health;
use chaser_app::Chaser;
use chaser_app::reconcile::Reconciler;
use chaser_app::sync::SheetSyncer;
use chaser_domain::Rules;
use chaser_workflows::names;
use chaser_workflows::{
    DailyReview, InvoiceChase, InvoiceProposal, MonthlySummary, Reconcile, SheetSync,
};
use temporalio_common::telemetry::TelemetryOptions;
use temporalio_common::worker::WorkerDeploymentOptions;
use temporalio_sdk::WorkerOptions;
use temporalio_sdk::runtime::{Runtime, RuntimeOptions};

use crate::context::Context as AppContext;
use crate::logs::LogFormat;

use assemble::{app_state, document_desk, header_timeout, links, metrics_meter};
use temporal::{Backoff, Workers};

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
        .with_metrics(metrics.clone())
        .with_send_rate(config.email.max_send_rate / f64::from(config.email.sending_workers)),
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
    // reminders fall due at once; its limit lets bursts through, so each send also waits for
    // its slot at the provider (`with_send_rate`).
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
