//! The router: which path goes to which handler, the health answer and the count of refused
//! webhooks. Handlers never depend on this module; what they share is in `state`, `error` and
//! `signed`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::state::AppState;
use crate::{hooks, inbound, one_tap, owner_api};

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(crate::session::routes())
        .merge(crate::codec::routes())
        .route("/healthz", get(healthz))
        .route("/favicon.svg", get(favicon))
        .route("/webhooks/accounting", post(hooks::accounting))
        .route("/webhooks/ses", post(hooks::ses_events))
        .route("/review", get(crate::review::page))
        .route("/review/items/{id}", post(crate::review::item_action))
        .route("/invoices/{number}", get(crate::review::invoice_page))
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

/// The pages' icon (a browser asks for one; without it every page logs a 404).
async fn favicon() -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "image/svg+xml"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../pages/favicon.svg"),
    )
        .into_response()
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
