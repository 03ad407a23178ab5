//! `chaser worker`: the Temporal worker and the HTTP server, in one process.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chaser_activities::links::Links;
use chaser_activities::mail::{Mailer, SesMailer, SmtpMailer};
use chaser_activities::render::{Company, Renderer};
use chaser_activities::{ChaseActivities, Sender};

use crate::config::Transport;
use chaser_api::http::{AppState, router};
use chaser_api::ops::Chaser;
use chaser_domain::Rules;
use chaser_workflows::InvoiceChase;
use temporalio_sdk::runtime::{Runtime, RuntimeOptions};
use temporalio_sdk::{Worker, WorkerOptions};

use crate::Context as AppContext;

/// Families every chase may need, whatever its cadence says.
const ALWAYS_NEEDED: [&str; 6] = [
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

pub async fn run(app: AppContext) -> anyhow::Result<()> {
    let config = &app.config;
    let renderer = match &config.templates_dir {
        Some(dir) => Renderer::with_overrides(dir)?,
        None => Renderer::builtin()?,
    };
    check_templates(&renderer, &app.rules)?;
    if let Err(problems) = renderer.lint(&config.email.banned_words) {
        let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        anyhow::bail!("the templates did not pass the lint:\n{}", list.join("\n"));
    }
    let secret =
        config.links.secret.clone().context(
            "links.secret is required: it signs pay links, one-tap actions and approvals",
        )?;
    let links = Links::new(&secret, &config.base_url());
    let mailer: Arc<dyn Mailer> = match config.email.transport {
        Transport::Ses => Arc::new(
            SesMailer::from_env(
                config.aws.region.as_deref(),
                config.aws.ses_endpoint_url.as_deref(),
            )
            .await,
        ),
        Transport::Smtp => {
            let smtp = &config.smtp;
            let credentials = smtp.username.clone().zip(smtp.password.clone());
            Arc::new(SmtpMailer::new(
                &smtp.host,
                smtp.port,
                smtp.security,
                credentials,
            )?)
        }
    };
    let sender = Sender {
        from: config.email.from.clone(),
        reply_to: config.email.reply_to.clone(),
        company: Company {
            name: config.email.company_name.clone(),
            reply_to: config.email.reply_to.clone(),
            signature: config.email.signature.clone(),
        },
        pay_link_ttl: config.links.pay_link_ttl.as_duration(),
        action_link_ttl: config.links.action_link_ttl.as_duration(),
        approval_ttl: config.links.approval_ttl.as_duration(),
    };
    let activities = ChaseActivities::new(
        app.store.clone(),
        mailer,
        Arc::new(renderer),
        links.clone(),
        sender,
        config.mode,
    );

    let runtime = Runtime::from_current_tokio(RuntimeOptions::default())
        .map_err(|e| anyhow::anyhow!("Temporal runtime: {e}"))?;
    let options = WorkerOptions::new(config.temporal.task_queue.clone())
        .register_workflow::<InvoiceChase>()
        .map_err(|e| anyhow::anyhow!("registering the workflow: {e}"))?
        .register_activities(activities)
        .graceful_shutdown_period(Duration::from_secs(10))
        .build();
    let mut worker = Worker::new(&runtime, app.client.clone(), options)
        .map_err(|e| anyhow::anyhow!("starting the worker: {e}"))?;
    let stop_worker = worker.shutdown_handle();

    let chaser = Arc::new(Chaser::new(
        app.client.clone(),
        app.store.clone(),
        Arc::new(app.rules.clone()),
        config.temporal.task_queue.clone(),
    ));
    let state = Arc::new(AppState {
        chaser,
        webhook_secret: config.http.webhook_secret.clone(),
        ses_events_token: config.http.ses_events_token.clone(),
        links,
        bank_details: config.links.bank_details.clone(),
        company_name: config.email.company_name.clone(),
    });
    let listener = tokio::net::TcpListener::bind(config.http.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.http.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(http = %address, task_queue = %config.temporal.task_queue, mode = ?config.mode, "chaser worker started");
    eprintln!(
        "chaser worker: http://{address} · task queue {} · mode {:?}",
        config.temporal.task_queue, config.mode
    );

    let (stop_http_tx, stop_http_rx) = tokio::sync::oneshot::channel::<()>();
    let http = async move {
        axum::serve(listener, router(state))
            .with_graceful_shutdown(async {
                let _ = stop_http_rx.await;
            })
            .await
    };
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        stop_worker();
    });
    // `Worker::run` is not `Send`: drive it from this task. When it ends, for a signal or an
    // error, the HTTP server stops too.
    let run_worker = async move {
        let result = worker.run().await;
        let _ = stop_http_tx.send(());
        result
    };
    let (worker_result, http_result) = tokio::join!(run_worker, http);
    worker_result.map_err(|e| anyhow::anyhow!("worker: {e}"))?;
    http_result.context("http server")?;
    Ok(())
}
