//! The HTTP side of the worker: health, the accounting webhook, SES events and the links in
//! e-mails.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chaser_app::{AppError, Chaser, Incoming, Ingested, Outcome, Request};
use chaser_domain::Command;
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use chaser_activities::links::Links;
use chaser_activities::suppression;

use crate::{hooks, inbound, one_tap, owner_api};
use chaser_intake::signature;
use chaser_intake::webhook::{
    self, Envelope, FieldError, InvoiceCreated, InvoicePaid, InvoiceVoided, PaymentReceived,
};

pub struct AppState {
    pub chaser: Arc<Chaser>,
    /// Hard bounces and complaints at which sending holds itself.
    pub deliverability: chaser_domain::DeliverabilityLimits,
    /// Tells owners when the deliverability guard holds sending.
    pub owner_mail: crate::sending::OwnerMail,
    /// Signs the accounting webhook; refused without one. Each lane has its own secret.
    pub accounting_secret: Option<SecretString>,
    /// Signs the bank webhook.
    pub bank_secret: Option<SecretString>,
    /// Signs `POST /inbound`.
    pub inbound_secret: Option<SecretString>,
    /// The `token` query parameter SES event notifications (through SNS) must carry.
    pub ses_events_token: Option<SecretString>,
    /// Signs and checks the links in e-mails.
    pub links: Links,
    /// Shown on the pay page of invoices without a pay URL.
    pub bank_details: Option<String>,
    pub company_name: String,
    /// For amounts in forwarded documents that name no currency.
    pub default_currency: Option<chaser_domain::Currency>,
    /// The owner of invoices that arrive without one (Stripe's).
    pub default_owner: Option<chaser_domain::Email>,
    /// The owner's token: the API (`/api/...`), signing in to `/review`, the codec server.
    pub api_token: Option<SecretString>,
    /// The company's time zone (the review's "today").
    pub zone: chaser_domain::Zone,
    /// How long one-tap action and approval links last.
    pub action_link_ttl: jiff::SignedDuration,
    pub approval_ttl: jiff::SignedDuration,
    /// Stripe's endpoint signing secret (`whsec_...`); the Stripe webhook is refused without.
    pub stripe_webhook_secret: Option<SecretString>,
    /// Seals and opens payloads for the codec server.
    pub codec: chaser_codec::Codec,
    /// Origins of the Temporal Web UI that may call the codec server from a browser.
    pub codec_origins: Vec<String>,
    /// Who may hand in documents through `POST /inbound`, and how many.
    pub inbound: crate::inbound_gate::InboundPolicy,
    /// `http:` pay URLs are followed only when this is set; `https:` always.
    pub allow_http_links: bool,
    /// A pay link's clicks are recorded at most once in this interval.
    pub pay_click_interval: jiff::SignedDuration,
    /// The session cookie is `Secure` (the server is reached over https).
    pub secure_cookies: bool,
    /// Whether this process is doing its work, as `/healthz` reports it.
    pub health: Health,
}

/// Whether the process is doing its work. A worker is unhealthy while it cannot reach
/// Temporal (it keeps retrying); `chaser serve` journals commands without Temporal, so it
/// stays healthy and only says whether Temporal answers.
#[derive(Clone, Default)]
pub struct Health(Arc<std::sync::RwLock<Option<String>>>);

impl Health {
    /// Unhealthy from the start, for `why`, until [`Health::healthy`].
    pub fn starting(why: &str) -> Health {
        let health = Health::default();
        health.unhealthy(why);
        health
    }

    pub fn healthy(&self) {
        self.set(None);
    }

    pub fn unhealthy(&self, why: &str) {
        self.set(Some(why.to_owned()));
    }

    /// Why the process is unhealthy, or `None`.
    pub fn problem(&self) -> Option<String> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set(&self, problem: Option<String>) {
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = problem;
    }
}

impl AppState {
    /// The daily review's builder, with this server's links.
    pub fn reviewer(&self) -> crate::review::Reviewer {
        crate::review::Reviewer {
            chaser: self.chaser.clone(),
            links: self.links.clone(),
            action_ttl: self.action_link_ttl,
            approval_ttl: self.approval_ttl,
            zone: self.zone.clone(),
        }
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(crate::session::routes())
        .merge(crate::codec::routes())
        .route("/healthz", get(healthz))
        .route("/webhooks/accounting", post(accounting))
        .route("/webhooks/ses", post(ses_events))
        .route("/review", get(crate::review::page))
        .route("/api/invoices/{number}/{action}", post(owner_api::act))
        .route("/api/sending", get(crate::sending::status))
        .route("/api/sending/{action}", post(crate::sending::switch))
        .route(
            "/sending/{token}",
            get(crate::sending::confirm).post(crate::sending::act),
        )
        .route("/api/reports/aging", get(owner_api::aging))
        .route("/api/reports/aging.csv", get(owner_api::aging_csv))
        .route("/webhooks/stripe", post(hooks::stripe))
        .route("/webhooks/bank", post(hooks::bank))
        .route(
            "/inbound",
            post(inbound::inbound).layer(axum::extract::DefaultBodyLimit::max(
                crate::inbound_gate::MAX_MESSAGE_BYTES,
            )),
        )
        .route(
            "/proposals/{token}",
            get(inbound::show_proposal).post(inbound::decide_proposal),
        )
        .route("/pay/{token}", get(one_tap::pay))
        .route(
            "/act/{token}",
            get(one_tap::confirm_action).post(one_tap::act),
        )
        .route(
            "/approvals/{token}",
            get(one_tap::show_approval).post(one_tap::decide_approval),
        )
        .layer(axum::middleware::map_response(
            crate::session::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_webhook_rejects,
        ))
        .with_state(state)
}

/// Counts refused webhook deliveries (`/webhooks/<name>` and `/inbound`) by name and status:
/// a burst of 401s is a wrong secret or someone probing, 400s a sender that changed its format.
async fn count_webhook_rejects(
    State(state): State<Arc<AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    // Only our own names: a label made from any path would let a stranger grow the metrics.
    const WEBHOOKS: [&str; 5] = ["accounting", "ses", "stripe", "bank", "inbound"];
    let path = request.uri().path();
    let name = path
        .strip_prefix("/webhooks/")
        .unwrap_or(path.trim_start_matches('/'));
    let webhook = WEBHOOKS.into_iter().find(|w| *w == name);
    let response = next.run(request).await;
    if let Some(webhook) = webhook
        && (response.status().is_client_error() || response.status().is_server_error())
    {
        state
            .chaser
            .metrics()
            .webhook_rejected(webhook, response.status().as_u16());
    }
    response
}

/// 200 while the process does its work, 503 (with the reason) while it does not; either way
/// it says whether Temporal answers, and whether sending is held (a held sending is the
/// owner's choice or the deliverability guard's, not a fault: still 200).
async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let temporal = match state.chaser.client() {
        Ok(_) => "connected".to_owned(),
        Err(why) => why.to_string(),
    };
    let sending = match state.chaser.sending_hold().await {
        Ok(hold) => crate::sending::view(hold.as_ref()),
        Err(e) => json!({ "unknown": e.to_string() }),
    };
    match state.health.problem() {
        None => Json(json!({ "status": "ok", "temporal": temporal, "sending": sending }))
            .into_response(),
        Some(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "status": "unavailable", "why": why, "temporal": temporal, "sending": sending
            })),
        )
            .into_response(),
    }
}

/// An error answer: `{"error": "...", "field": "..."}`.
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
    field: Option<String>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            field: None,
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: e.message,
            field: Some(e.field),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        let status = match &e {
            AppError::UnknownInvoice(_) => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Closed { .. } => StatusCode::CONFLICT,
            AppError::Temporal(_) | AppError::Store(_) => {
                tracing::error!(error.message = %e, "webhook processing failed");
                return ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily unavailable, retry later",
                );
            }
        };
        ApiError::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match self.field {
            Some(field) => json!({ "error": self.message, "field": field }),
            None => json!({ "error": self.message }),
        };
        (self.status, Json(body)).into_response()
    }
}

pub(crate) fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks `X-Chaser-Timestamp` and `X-Chaser-Signature` against the lane's own secret
/// (`key` names it): 401 when they are missing, stale or wrong, or when it is not configured.
pub(crate) fn verify_signed(
    secret: Option<&SecretString>,
    key: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let Some(secret) = secret else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            format!("this webhook is disabled: {key} is not configured"),
        ));
    };
    signature::verify(
        secret.expose_secret().as_bytes(),
        header(headers, "x-chaser-timestamp"),
        header(headers, "x-chaser-signature"),
        body,
        Timestamp::now().as_second(),
    )
    .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, e.to_string()))
}

/// A JSON body as `T`: 400 naming the field that does not fit.
pub(crate) fn parse_json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not JSON: {e}"),
        )
    })?;
    serde_path_to_error::deserialize(&json).map_err(|e| {
        FieldError {
            field: e.path().to_string(),
            message: e.inner().to_string(),
        }
        .into()
    })
}

/// `POST /webhooks/accounting`: the events of `docs/webhooks.md`.
async fn accounting(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    verify_signed(
        state.accounting_secret.as_ref(),
        "http.accounting_secret",
        &headers,
        &body,
    )?;
    let envelope: Envelope = parse_json_body(&body)?;
    enum Event {
        /// The invoice, read and checked before the event counts as delivered, and whether
        /// the event stated its balance.
        Invoice(Box<chaser_domain::Invoice>, bool),
        Paid(InvoicePaid),
        Voided(InvoiceVoided),
        Payment(PaymentReceived),
    }
    let event = match envelope.kind.as_str() {
        "invoice.created" | "invoice.updated" => {
            let created: InvoiceCreated = webhook::parse(&envelope.data)?;
            let (invoice, balance_known) = created.into_invoice()?;
            Event::Invoice(Box::new(invoice), balance_known)
        }
        "invoice.paid" => Event::Paid(webhook::parse(&envelope.data)?),
        "invoice.voided" => Event::Voided(webhook::parse(&envelope.data)?),
        "payment.received" => Event::Payment(webhook::parse(&envelope.data)?),
        other => {
            return Err(ApiError {
                status: StatusCode::BAD_REQUEST,
                message: format!(
                    "unknown event type `{other}`: expected one of {}",
                    webhook::EVENT_TYPES.join(", ")
                ),
                field: Some("type".into()),
            });
        }
    };
    // Checked before the event counts as delivered, so a bad amount can be corrected and sent
    // again under the same id.
    let payment = match &event {
        Event::Payment(p) => Some(p.amount()?),
        _ => None,
    };
    let chaser = &state.chaser;
    if chaser.handled_before("accounting", &envelope.id).await? {
        return Ok(answer(StatusCode::OK, "duplicate", &envelope.id, None));
    }
    let by = format!("webhook:accounting:{}", envelope.id);
    // The command's id: a retry of this event is done once, whichever way it arrives.
    let id = Some(format!("accounting:{}", envelope.id));
    let number = |text: &str| {
        chaser_domain::InvoiceNumber::parse(text)
            .map_err(|e| AppError::Invalid(format!("data.number: {e}")))
    };
    let command = |text: &str, command: Command| -> Result<_, AppError> {
        Ok((number(text)?, Request::Command(command)))
    };
    let result = match event {
        Event::Invoice(invoice, balance_known) => {
            let number = invoice.number.clone();
            let incoming = Incoming {
                invoice: *invoice,
                paid: false,
                balance_known,
            };
            match chaser.ingest(incoming, &by).await {
                Ok(Ingested::Conflict(why)) => chaser
                    .flag_conflict(
                        &number,
                        "webhook:accounting",
                        &why,
                        json!({ "event": envelope.id }),
                    )
                    .await
                    .map(|()| (format!("flagged: {why}"), false)),
                other => other.map(|i| (i.describe(), i.is_accepted())),
            }
        }
        Event::Paid(paid) => {
            let paid_command = Command::Paid {
                paid_at: paid.paid_at,
                reference: paid.reference,
            };
            from_source(chaser, command(&paid.number, paid_command), &by, id, "paid").await
        }
        Event::Voided(voided) => {
            let reason = voided
                .reason
                .unwrap_or_else(|| "voided in the accounting tool".into());
            let void = Command::Void { reason };
            from_source(chaser, command(&voided.number, void), &by, id, "void").await
        }
        Event::Payment(received) => match payment {
            Some(amount) => {
                let payment = Command::Payment {
                    amount,
                    paid_at: received.paid_at,
                    reference: received.reference,
                };
                let target = command(&received.number, payment);
                from_source(chaser, target, &by, id, "payment recorded").await
            }
            None => Err(AppError::Invalid("data.amount: missing".into())),
        },
    };
    match result {
        Ok((outcome, accepted)) => {
            chaser.record_delivery("accounting", &envelope.id).await?;
            let (status, word) = if accepted {
                (StatusCode::ACCEPTED, "accepted")
            } else {
                (StatusCode::OK, "processed")
            };
            Ok(answer(status, word, &envelope.id, Some(outcome)))
        }
        // Not processed and not recorded: the sender's retry is handled.
        Err(e) => {
            // A field the chaser does not accept (a length, an http link) is a bad request,
            // as docs/webhooks.md promises, with the same answer on every retry.
            Err(match e {
                AppError::Invalid(message) => ApiError::new(StatusCode::BAD_REQUEST, message),
                e => e.into(),
            })
        }
    }
}

/// A source's command through the one entry point: `(what happened, kept for later)`, where
/// what happened is `done` when the chase did it.
pub(crate) async fn from_source(
    chaser: &Chaser,
    target: Result<(chaser_domain::InvoiceNumber, Request), AppError>,
    by: &str,
    id: Option<String>,
    done: &str,
) -> Result<(String, bool), AppError> {
    let (number, request) = target?;
    let outcome: Outcome = chaser.execute_from_source(&number, request, by, id).await?;
    let said = match &outcome {
        Outcome::Done { .. } => done.to_owned(),
        other => other.describe(),
    };
    Ok((said, outcome.is_accepted()))
}

/// A webhook's answer: `{"status": "processed" | "accepted" | "duplicate", "id", "result"}`;
/// `202 Accepted` when the command is kept for a worker that is not there.
pub(crate) fn answer(
    status: StatusCode,
    word: &str,
    id: &str,
    result: Option<String>,
) -> (StatusCode, Json<serde_json::Value>) {
    let body = match result {
        Some(result) => json!({ "status": word, "id": id, "result": result }),
        None => json!({ "status": word, "id": id }),
    };
    (status, Json(body))
}

#[derive(serde::Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// Equal, in a time that does not depend on where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// `POST /webhooks/ses?token=...`: SES bounce and complaint events, delivered by SNS (or
/// posted directly). Hard bounces and complaints suppress their addresses.
async fn ses_events(
    State(state): State<Arc<AppState>>,
    axum::extract::Query(query): axum::extract::Query<TokenQuery>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Some(expected) = state
        .ses_events_token
        .as_ref()
        .map(ExposeSecret::expose_secret)
    else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "SES events are disabled: no http.ses_events_token is configured",
        ));
    };
    if query.token.is_empty() || !same_secret(&query.token, expected) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "wrong or missing token",
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not JSON: {e}"),
        )
    })?;
    let event = match json.get("Type").and_then(|t| t.as_str()) {
        Some("SubscriptionConfirmation") => {
            let url = json
                .get("SubscribeURL")
                .and_then(|u| u.as_str())
                .unwrap_or("");
            tracing::warn!(
                subscribe_url = url,
                "SNS asks to confirm the subscription: open the URL once"
            );
            return Ok(Json(
                json!({ "status": "confirmation_needed", "subscribe_url": url }),
            ));
        }
        Some("Notification") => {
            let message = json
                .get("Message")
                .and_then(|m| m.as_str())
                .ok_or_else(|| FieldError {
                    field: "Message".into(),
                    message: "missing".into(),
                })?;
            serde_json::from_str(message).map_err(|e| FieldError {
                field: "Message".into(),
                message: format!("not JSON: {e}"),
            })?
        }
        Some(other) => {
            return Err(ApiError {
                status: StatusCode::BAD_REQUEST,
                message: format!("unknown SNS message type `{other}`"),
                field: Some("Type".into()),
            });
        }
        None => json,
    };
    let entries = suppression::from_ses_event(&event).map_err(|e| FieldError {
        field: e.field,
        message: e.message,
    })?;
    let added = suppression::record(
        state.chaser.store(),
        &entries,
        "ses-event",
        Timestamp::now(),
    )
    .await
    .map_err(AppError::from)?;
    let held = crate::sending::guard(&state, &event, &entries).await?;
    Ok(Json(
        json!({ "status": "processed", "suppressed": added, "sending_held": held }),
    ))
}
