//! Builds what the process runs from the configuration: the mailer, the desks of activities,
//! the metrics meter and the HTTP doors' state, shared by `chaser worker` and `chaser serve`.

use std::sync::Arc;

use anyhow::Context;
use chaser_activities::links::Links;
use chaser_activities::mail::{Mailer, SesMailer, SmtpMailer};

use crate::config::Transport;
use chaser_activities::documents::{Proposer, TextReader};
use chaser_activities::metrics::Metrics;
use chaser_api::inbound::DocumentDesk;
use chaser_api::inbound_gate::InboundPolicy;
use chaser_api::state::{AppState, Health};
use chaser_app::Chaser;
use secrecy::ExposeSecret;
use temporalio_common::telemetry::metrics::CoreMeter;
use temporalio_common::telemetry::{PrometheusExporterOptions, start_prometheus_metric_exporter};

use crate::context::Context as AppContext;

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
pub(super) async fn document_desk(
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

/// The Prometheus endpoint's meter, when `[metrics] listen` is set; the chaser's counters are
/// made on it beside the SDK's.
pub(super) fn metrics_meter(
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
pub(super) fn app_state(
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

pub(super) fn links(config: &crate::config::Config) -> anyhow::Result<Links> {
    let secret =
        config.links.secret.as_ref().context(
            "links.secret is required: it signs pay links, one-tap actions and approvals",
        )?;
    Ok(Links::new(secret.expose_secret(), &config.base_url()))
}

/// How long a client may take to send a request's headers.
pub(super) fn header_timeout(
    config: &crate::config::Config,
) -> anyhow::Result<std::time::Duration> {
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
