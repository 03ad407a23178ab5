//! The owner's HTTP API, behind a bearer token (`http.api_token`): the same actions as the
//! CLI and the one-tap links, through the same `Chaser` operations, and the reports.
//!
//! `POST /api/invoices/{number}/{action}` with a JSON body:
//! `pause {days | until, reason}`, `resume {}`, `dispute {reason}`,
//! `resolve {outcome: resume|writeoff, reason}`, `writeoff {reason}`, `void {reason}`,
//! `paid {reference}`, `payment {amount, reference}`, `resend {step}`.
//! `GET /api/reports/aging` (JSON) and `GET /api/reports/aging.csv`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chaser_domain::{InvoiceNumber, Money};
use chaser_workflows::contracts::{
    DisputeSignal, PaidSignal, PauseReply, PauseSignal, PaymentSignal, PromiseSignal, Resolution,
    ResolveSignal, ResumeSignal, VoidSignal, WriteoffSignal,
};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::json;

use crate::http::{ApiError, AppState, parse_json_body, same_secret};
use crate::ops::{Action, OpsError};
use crate::reports;

/// The caller, from `Authorization: Bearer <http.api_token>`: `api`, or `api:<X-Chaser-Actor>`.
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(token) = state.api_token.as_deref() else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "the API is disabled: set http.api_token",
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "missing `Authorization: Bearer <token>`",
            )
        })?;
    if !same_secret(given.trim(), token) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "the token is not valid",
        ));
    }
    let actor = headers
        .get("x-chaser-actor")
        .and_then(|v| v.to_str().ok())
        .filter(|a| !a.trim().is_empty());
    Ok(actor.map_or_else(|| "api".to_owned(), |a| format!("api:{}", a.trim())))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    #[serde(default)]
    days: Option<u32>,
    #[serde(default)]
    until: Option<Timestamp>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    outcome: Option<Resolution>,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    amount: Option<String>,
    #[serde(default)]
    step: Option<String>,
    #[serde(default)]
    pay_by: Option<Date>,
    /// `reschedule`: `[[steps]]` tables, as in the rules doc.
    #[serde(default)]
    steps: Option<String>,
    #[serde(default)]
    note: String,
}

const ACTIONS: &str = "pause, resume, dispute, resolve, writeoff, void, paid, payment, resend, promise, reschedule, disable, enable";

/// `POST /api/invoices/{number}/{action}`.
pub(crate) async fn act(
    State(state): State<Arc<AppState>>,
    Path((invoice, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let by = authorize(&state, &headers)?;
    let number = InvoiceNumber::parse(&invoice)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    let body: ActionBody = if body.iter().all(u8::is_ascii_whitespace) {
        ActionBody::default()
    } else {
        parse_json_body(&body)?
    };
    let chaser = &state.chaser;
    let missing = |field: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("`{field}` is required for {action}"),
        )
    };
    let result = match action.as_str() {
        "pause" => {
            let request = PauseSignal {
                until: body.until,
                days: body.days,
                reason: body.reason,
                by,
            };
            return match chaser.pause(&number, request).await? {
                PauseReply::Paused { until, pauses_used } => Ok(Json(json!({
                    "invoice": number.as_str(), "action": "pause", "result": "paused",
                    "until": until, "pauses_used": pauses_used
                }))),
                PauseReply::Refused { reason } => {
                    Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, reason))
                }
            };
        }
        "resume" => chaser
            .act(&number, Action::Resume(ResumeSignal { by }))
            .await
            .map(|()| "resumed"),
        "dispute" => chaser
            .act(
                &number,
                Action::Dispute(DisputeSignal {
                    reason: body.reason,
                    by,
                }),
            )
            .await
            .map(|()| "disputed"),
        "resolve" => {
            let resolution = body.outcome.ok_or_else(|| missing("outcome"))?;
            chaser
                .act(
                    &number,
                    Action::Resolve(ResolveSignal {
                        resolution,
                        reason: body.reason,
                        by,
                    }),
                )
                .await
                .map(|()| "resolved")
        }
        "writeoff" => chaser
            .act(
                &number,
                Action::Writeoff(WriteoffSignal {
                    reason: body.reason,
                    by,
                }),
            )
            .await
            .map(|()| "written_off"),
        "void" => chaser
            .act(
                &number,
                Action::Void(VoidSignal {
                    reason: body.reason,
                    by,
                }),
            )
            .await
            .map(|()| "void"),
        "paid" => chaser
            .act(
                &number,
                Action::Paid(PaidSignal {
                    paid_at: Some(Timestamp::now()),
                    reference: body.reference,
                    by,
                }),
            )
            .await
            .map(|()| "paid"),
        "payment" => {
            let text = body.amount.ok_or_else(|| missing("amount"))?;
            let stored = chaser
                .store()
                .invoice(&number.normalized())
                .await
                .map_err(OpsError::from)?
                .ok_or_else(|| OpsError::UnknownInvoice(number.to_string()))?;
            let amount = Money::parse(&text, stored.invoice.amount.currency())
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("amount: {e}")))?;
            let signal = PaymentSignal {
                amount,
                paid_at: Some(Timestamp::now()),
                reference: body.reference,
                by,
            };
            chaser
                .act(&number, Action::Payment(signal))
                .await
                .map(|()| "payment recorded")
        }
        "reschedule" => {
            let steps = body.steps.ok_or_else(|| missing("steps"))?;
            let summary = chaser.reschedule(&number, &steps, "steps", &by).await?;
            return Ok(Json(
                json!({ "invoice": number.as_str(), "action": "reschedule", "result": "rescheduled", "steps": summary }),
            ));
        }
        "disable" | "enable" => {
            let update = chaser_domain::InvoiceUpdate {
                do_not_chase: Some(action == "disable"),
                ..chaser_domain::InvoiceUpdate::default()
            };
            let signal = chaser_workflows::contracts::UpdateInvoiceSignal { update, by };
            chaser
                .act(&number, Action::UpdateInvoice(signal))
                .await
                .map(|()| {
                    if action == "disable" {
                        "chasing disabled"
                    } else {
                        "chasing enabled"
                    }
                })
        }
        "promise" => {
            if body.pay_by.is_none() && body.until.is_none() {
                return Err(missing("pay_by"));
            }
            let signal = PromiseSignal {
                pay_by: body.pay_by,
                until: body.until,
                note: body.note,
                by,
            };
            chaser
                .promise(&number, signal)
                .await
                .map(|()| "promise recorded")
        }
        "resend" => {
            let step = body.step.ok_or_else(|| missing("step"))?;
            chaser
                .resend(&number, &step, &by)
                .await
                .map(|_| "resend requested")
        }
        other => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("`{other}` is not an action: expected one of {ACTIONS}"),
            ));
        }
    }?;
    Ok(Json(
        json!({ "invoice": number.as_str(), "action": action, "result": result }),
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct AsOf {
    #[serde(default)]
    as_of: Option<Date>,
}

fn today() -> Date {
    Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// `GET /api/reports/aging?as_of=YYYY-MM-DD`.
pub(crate) async fn aging(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<AsOf>,
) -> Result<Json<reports::AgingView>, ApiError> {
    authorize(&state, &headers)?;
    Ok(Json(
        reports::aging(&state.chaser, query.as_of.unwrap_or_else(today)).await?,
    ))
}

/// `GET /api/reports/aging.csv?as_of=YYYY-MM-DD`: spreadsheet-safe (formula cells neutralized).
pub(crate) async fn aging_csv(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<AsOf>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let view = reports::aging(&state.chaser, query.as_of.unwrap_or_else(today)).await?;
    let csv = reports::aging_csv(&view)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"aging.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}
