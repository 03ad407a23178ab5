//! Links in e-mails: the customer's pay link, the owner's one-tap actions, and approvals.
//!
//! Every token is verified (signature, purpose, expiry) before anything else, and a bad one
//! gets a clear page, never a server error. A GET only ever shows a confirmation: mail
//! scanners prefetch links. A POST acts, once: single-use links spend their nonce first.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use chaser_activities::links::{Claims, LinkError, Purpose};
use chaser_domain::InvoiceNumber;
use chaser_workflows::contracts::{
    DisputeSignal, PauseReply, PauseSignal, PromiseSignal, Resolution, ResolveSignal, ResumeSignal,
    UpdateInvoiceSignal, WriteoffSignal,
};
use jiff::Timestamp;
use serde::Deserialize;

use crate::http::AppState;
use crate::ops::{Action, Decided, OpsError};
use crate::pages;

fn link_error(state: &AppState, error: &LinkError) -> Response {
    let status = match error {
        LinkError::Expired(_) => StatusCode::GONE,
        LinkError::Tampered | LinkError::WrongPurpose => StatusCode::BAD_REQUEST,
    };
    let message = format!("{error}. If you need a new one, reply to the e-mail it came in.");
    pages::notice(state, status, "This link cannot be used", &message)
}

fn failed(state: &AppState, error: &OpsError) -> Response {
    tracing::warn!(error.message = %error, "one-tap action failed");
    let status = match error {
        OpsError::Temporal(_) | OpsError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::CONFLICT,
    };
    let message = match error {
        OpsError::Temporal(_) | OpsError::Store(_) => {
            "We could not do that just now. Please try again in a minute.".to_owned()
        }
        other => other.to_string(),
    };
    pages::notice(state, status, "Not done", &message)
}

/// Uses up a single-use link; the page to show if it was used already.
async fn spend(
    state: &AppState,
    claims: &Claims,
    purpose: &str,
    now: Timestamp,
) -> Result<(), Response> {
    match state
        .chaser
        .store()
        .use_link(&claims.nonce, purpose, now)
        .await
    {
        Ok(true) => Ok(()),
        Ok(false) => Err(pages::notice(
            state,
            StatusCode::CONFLICT,
            "Already used",
            "This link was used already; it works once.",
        )),
        Err(e) => Err(failed(state, &OpsError::Store(e))),
    }
}

fn expires(claims: &Claims) -> String {
    Timestamp::from_second(claims.expires).map_or_else(
        |_| "-".to_owned(),
        |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// `GET /pay/<token>`: records the click, then sends the customer to the pay URL, or shows
/// our bank details with the invoice number as the reference.
pub async fn pay(State(state): State<Arc<AppState>>, Path(token): Path<String>) -> Response {
    let now = Timestamp::now();
    let claims = match state.links.verify(&token, Purpose::Pay, now) {
        Ok(c) => c,
        Err(e) => return link_error(&state, &e),
    };
    let Ok(number) = InvoiceNumber::parse(&claims.invoice) else {
        return link_error(&state, &LinkError::Tampered);
    };
    let stored = match state.chaser.store().invoice(&number.normalized()).await {
        Ok(Some(stored)) => stored,
        Ok(None) => {
            return pages::notice(
                &state,
                StatusCode::NOT_FOUND,
                "Unknown invoice",
                "We do not know this invoice any more.",
            );
        }
        Err(e) => return failed(&state, &OpsError::Store(e)),
    };
    let to = stored
        .invoice
        .pay_url
        .as_ref()
        .map_or_else(|| "the bank-transfer page".to_owned(), ToString::to_string);
    // The customer is on their way to pay: a bookkeeping hiccup must not stop them.
    if let Err(e) = state.chaser.record_pay_click(&number, &to, now).await {
        tracing::error!(error.message = %e, "could not record a pay-link click");
    }
    match &stored.invoice.pay_url {
        Some(url) => (StatusCode::FOUND, [(LOCATION, url.to_string())]).into_response(),
        None => pages::bank_transfer(&state, &stored.invoice),
    }
}

/// The owner's actions, as named in links.
fn action_text(action: &str) -> Option<(&'static str, &'static str)> {
    match action {
        "pause_7d" => Some(("Pause this chase for 7 days?", "Pause 7 days")),
        "dispute" => Some((
            "Mark this invoice as disputed? Sending stops until you resolve it.",
            "Mark disputed",
        )),
        "writeoff" => Some((
            "Write this invoice off? The chase ends for good.",
            "Write off",
        )),
        "resume" => Some(("Resume this chase now?", "Resume")),
        "resolve_resume" => Some((
            "Resolve the dispute and resume chasing?",
            "Resolve and resume",
        )),
        "promise_7d" => Some((
            "Record the customer's promise to pay within 7 days? The chase waits, and resumes one rung firmer if the day passes unpaid.",
            "Record the promise",
        )),
        "disable" => Some((
            "Stop reminders to this customer? Escalations to you continue.",
            "Stop reminders",
        )),
        "enable" => Some(("Start reminding this customer again?", "Restart reminders")),
        _ => None,
    }
}

/// `GET /act/<token>`: asks for confirmation; never acts.
pub async fn confirm_action(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Response {
    let claims = match state.links.verify(&token, Purpose::Act, Timestamp::now()) {
        Ok(c) => c,
        Err(e) => return link_error(&state, &e),
    };
    let Some((question, button)) = action_text(&claims.subject) else {
        return link_error(&state, &LinkError::Tampered);
    };
    let title = format!("Invoice {}", claims.invoice);
    pages::confirm(&state, &title, question, button, &expires(&claims))
}

/// `POST /act/<token>`: performs the action once, on behalf of whom the link was made for.
pub async fn act(State(state): State<Arc<AppState>>, Path(token): Path<String>) -> Response {
    let now = Timestamp::now();
    let claims = match state.links.verify(&token, Purpose::Act, now) {
        Ok(c) => c,
        Err(e) => return link_error(&state, &e),
    };
    if action_text(&claims.subject).is_none() {
        return link_error(&state, &LinkError::Tampered);
    }
    let Ok(number) = InvoiceNumber::parse(&claims.invoice) else {
        return link_error(&state, &LinkError::Tampered);
    };
    if let Err(refused) = spend(&state, &claims, "act", now).await {
        return refused;
    }
    let by = format!("owner-link:{}", claims.issued_to);
    let done = match claims.subject.as_str() {
        "pause_7d" => {
            let pause = PauseSignal {
                until: None,
                days: Some(7),
                reason: "paused from a one-tap link".into(),
                by,
            };
            match state.chaser.pause(&number, pause).await {
                Ok(PauseReply::Paused { until, .. }) => Ok(format!(
                    "Paused until {}.",
                    until.strftime("%Y-%m-%d %H:%M UTC")
                )),
                Ok(PauseReply::Refused { reason }) => Ok(format!("Not paused: {reason}.")),
                Err(e) => Err(e),
            }
        }
        "dispute" => {
            let signal = DisputeSignal {
                reason: "marked disputed from a one-tap link".into(),
                by,
            };
            state
                .chaser
                .act(&number, Action::Dispute(signal))
                .await
                .map(|()| "Marked disputed: sending has stopped.".to_owned())
        }
        "resume" => state
            .chaser
            .act(&number, Action::Resume(ResumeSignal { by }))
            .await
            .map(|()| "Resumed: the chase carries on.".to_owned()),
        "resolve_resume" => {
            let signal = ResolveSignal {
                resolution: Resolution::Resume,
                reason: "resolved from a one-tap link".into(),
                by,
            };
            state
                .chaser
                .act(&number, Action::Resolve(signal))
                .await
                .map(|()| "Dispute resolved: the chase resumes.".to_owned())
        }
        "promise_7d" => {
            let pay_by = now
                .to_zoned(state.zone.tz().clone())
                .date()
                .checked_add(jiff::Span::new().days(7))
                .unwrap_or(jiff::civil::Date::MAX);
            let signal = PromiseSignal {
                pay_by: Some(pay_by),
                until: None,
                note: "recorded from a one-tap link".into(),
                by,
            };
            state
                .chaser
                .promise(&number, signal)
                .await
                .map(|()| format!("Promise recorded: the chase waits until {pay_by}."))
        }
        "disable" | "enable" => {
            let off = claims.subject == "disable";
            let update = chaser_domain::InvoiceUpdate {
                do_not_chase: Some(off),
                ..chaser_domain::InvoiceUpdate::default()
            };
            state
                .chaser
                .act(
                    &number,
                    Action::UpdateInvoice(UpdateInvoiceSignal { update, by }),
                )
                .await
                .map(|()| {
                    if off {
                        "Reminders stopped: escalations to you continue.".to_owned()
                    } else {
                        "Reminders restarted.".to_owned()
                    }
                })
        }
        _ => {
            let signal = WriteoffSignal {
                reason: "written off from a one-tap link".into(),
                by,
            };
            state
                .chaser
                .act(&number, Action::Writeoff(signal))
                .await
                .map(|()| "Written off: the chase has ended.".to_owned())
        }
    };
    match done {
        Ok(message) => pages::notice(
            &state,
            StatusCode::OK,
            &format!("Invoice {}", claims.invoice),
            &message,
        ),
        Err(e) => failed(&state, &e),
    }
}

fn approval_id(claims: &Claims) -> String {
    format!("{}/{}", claims.workflow_id, claims.subject)
}

/// `GET /approvals/<token>`: shows the waiting message with Approve and Reject buttons.
pub async fn show_approval(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Response {
    let claims = match state
        .links
        .verify(&token, Purpose::Approve, Timestamp::now())
    {
        Ok(c) => c,
        Err(e) => return link_error(&state, &e),
    };
    match state.chaser.store().approval(&approval_id(&claims)).await {
        Ok(Some(a)) if a.status == "pending" => pages::approval(&state, &claims.invoice, &a),
        Ok(Some(a)) => pages::notice(
            &state,
            StatusCode::CONFLICT,
            "Already decided",
            &format!("This message is {}.", a.status),
        ),
        Ok(None) => link_error(&state, &LinkError::Tampered),
        Err(e) => failed(&state, &OpsError::Store(e)),
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    decision: String,
}

/// `POST /approvals/<token>`: approves or rejects, once.
pub async fn decide_approval(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let now = Timestamp::now();
    let claims = match state.links.verify(&token, Purpose::Approve, now) {
        Ok(c) => c,
        Err(e) => return link_error(&state, &e),
    };
    let approved = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return pages::notice(
                &state,
                StatusCode::BAD_REQUEST,
                "Not done",
                "Choose approve or reject.",
            );
        }
    };
    if let Err(refused) = spend(&state, &claims, "approve", now).await {
        return refused;
    }
    let by = format!("owner-link:{}", claims.issued_to);
    match state
        .chaser
        .decide(&approval_id(&claims), approved, &by)
        .await
    {
        Ok(Decided::Done) if approved => pages::notice(
            &state,
            StatusCode::OK,
            "Approved",
            "The message goes out at the next opening of the send window.",
        ),
        Ok(Decided::Done) => pages::notice(
            &state,
            StatusCode::OK,
            "Rejected",
            "The message will not be sent.",
        ),
        Ok(Decided::NotWaiting(status)) => pages::notice(
            &state,
            StatusCode::CONFLICT,
            "Not done",
            &format!("This message is no longer waiting: it is {status}."),
        ),
        Err(e) => failed(&state, &e),
    }
}
