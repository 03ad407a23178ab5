//! The owner's HTTP API, behind a bearer token (`http.api_token`): the same actions as the
//! CLI and the one-tap links, through the same `Chaser` operations, and the reports.
//!
//! `POST /api/invoices/{number}/{action}` with a JSON body:
//! `pause {days | until, reason}`, `resume {}`, `dispute {reason}`,
//! `resolve {outcome: resume|writeoff, reason}`, `writeoff {reason}`, `void {reason}`,
//! `paid {reference}`, `payment {amount, reference}`, `resend {step}`,
//! `hold {step, until}` (both optional: the next step, the same time tomorrow),
//! `dismiss {step}`, `promise {pay_by, note}`, `reschedule {steps}`, `disable {}`,
//! `enable {}`, `contacts {to: [addresses]}`.
//! `GET /api/reports/aging` (JSON) and `GET /api/reports/aging.csv`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chaser_app::{Chaser, Outcome, Request};
use chaser_domain::{Command, Email, InvoiceNumber, Resolution};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::json;

use crate::error::{ApiError, parse_json_body};
use crate::signed::same_secret;
use crate::state::AppState;
use chaser_app::reports;

/// The caller, from `Authorization: Bearer <http.api_token>`: `api`, or `api:<X-Chaser-Actor>`.
pub(crate) fn authorize(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(token) = state
        .api_token
        .as_ref()
        .map(secrecy::ExposeSecret::expose_secret)
    else {
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
    until: Option<String>,
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
    /// `contacts`: the addresses reminders go to instead (empty: back to the roles).
    #[serde(default)]
    to: Option<Vec<Email>>,
    #[serde(default)]
    note: String,
}

const ACTIONS: &str = "pause, resume, dispute, resolve, writeoff, void, paid, payment, resend, hold, dismiss, promise, reschedule, disable, enable, contacts";

/// The request an action names, and the word its answer gives when done.
fn request(
    chaser: &Chaser,
    action: &str,
    body: ActionBody,
) -> Result<(Request, &'static str), ApiError> {
    let missing = |field: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("`{field}` is required for {action}"),
        )
    };
    let command = |c: Command| Request::Command(c);
    Ok(match action {
        "pause" => (
            Request::Pause {
                days: body.days,
                until: body.until,
                reason: body.reason,
            },
            "paused",
        ),
        "resume" => (command(Command::Resume), "resumed"),
        "dispute" => (
            command(Command::Dispute {
                reason: body.reason,
            }),
            "disputed",
        ),
        "resolve" => (
            command(Command::Resolve {
                resolution: body.outcome.ok_or_else(|| missing("outcome"))?,
                reason: body.reason,
            }),
            "resolved",
        ),
        "writeoff" => (
            command(Command::Writeoff {
                reason: body.reason,
            }),
            "written_off",
        ),
        "void" => (
            command(Command::Void {
                reason: body.reason,
            }),
            "void",
        ),
        "paid" => (
            command(Command::Paid {
                paid_at: Some(Timestamp::now()),
                reference: body.reference,
            }),
            "paid",
        ),
        "payment" => (
            Request::Payment {
                amount: body.amount.ok_or_else(|| missing("amount"))?,
                reference: body.reference,
            },
            "payment recorded",
        ),
        "reschedule" => (
            Request::Reschedule {
                steps: body.steps.ok_or_else(|| missing("steps"))?,
                source: "steps".to_owned(),
            },
            "rescheduled",
        ),
        "disable" => (command(Command::Disable), "chasing disabled"),
        "enable" => (command(Command::Enable), "chasing enabled"),
        "contacts" => (
            command(Command::Contacts {
                to: body.to.ok_or_else(|| missing("to"))?,
            }),
            "contacts set",
        ),
        "promise" => {
            if body.pay_by.is_none() && body.until.is_none() {
                return Err(missing("pay_by"));
            }
            let until = body
                .until
                .as_deref()
                .map(str::parse::<Timestamp>)
                .transpose()
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("until: {e}")))?;
            (
                Request::Promise {
                    pay_by: body.pay_by,
                    within_days: None,
                    until,
                    note: body.note,
                },
                "promise recorded",
            )
        }
        "resend" => (
            command(Command::Resend {
                step_id: body.step.ok_or_else(|| missing("step"))?,
            }),
            "resend requested",
        ),
        "hold" => (
            Request::Hold {
                step: body.step,
                until: body
                    .until
                    .as_deref()
                    .map(|u| chaser.hold_until(u))
                    .transpose()
                    .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?,
            },
            "held",
        ),
        "dismiss" => (
            command(Command::Dismiss {
                step_id: body.step.ok_or_else(|| missing("step"))?,
            }),
            "dismissed",
        ),
        other => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("`{other}` is not an action: expected one of {ACTIONS}"),
            ));
        }
    })
}

/// `POST /api/invoices/{number}/{action}`: `200` with the chase's answer, `202` when the
/// command is kept for a worker that is not running, `422` with the reason when refused.
pub(crate) async fn act(
    State(state): State<Arc<AppState>>,
    Path((invoice, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let by = authorize(&state, &headers)?;
    let number = InvoiceNumber::parse(&invoice)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    let body: ActionBody = if body.iter().all(u8::is_ascii_whitespace) {
        ActionBody::default()
    } else {
        parse_json_body(&body)?
    };
    let (request, done) = request(&state.chaser, &action, body)?;
    let outcome = state.chaser.execute(&number, request, &by, None).await?;
    let mut answer = json!({ "invoice": number.as_str(), "action": action, "result": done });
    match outcome {
        Outcome::Accepted { why } => {
            answer["result"] = json!("accepted");
            answer["detail"] = json!(why);
            return Ok((StatusCode::ACCEPTED, Json(answer)));
        }
        Outcome::Done {
            state: chase_state,
            paused_until,
            pauses_used,
            detail,
            ..
        } => {
            answer["state"] = json!(chase_state);
            if action == "pause" {
                answer["until"] = json!(paused_until);
                answer["pauses_used"] = json!(pauses_used);
            }
            if let Some(detail) = detail {
                answer["detail"] = json!(detail);
            }
        }
        Outcome::Repeated | Outcome::AlreadyClosed(_) => {}
    }
    if action == "reschedule"
        && let Some(steps) = answer.get("detail").cloned()
    {
        answer["steps"] = steps;
    }
    Ok((StatusCode::OK, Json(answer)))
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
