//! Links in e-mails: the customer's pay link, the owner's one-tap actions, and approvals.
//!
//! Every token is verified (signature, purpose, expiry) before anything else, and a bad one
//! gets a clear page, never a server error. A GET only ever shows a confirmation: mail
//! scanners prefetch links. A POST acts, once: single-use links spend their nonce first.

use std::sync::Arc;

use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chaser_activities::links::{Act, Claims, LinkAction, LinkError, Purpose};
use chaser_activities::store::ApprovalStatus;
use chaser_app::{AppError, Decided, Outcome, Request};
use chaser_domain::{Command, InvoiceNumber, Resolution};
use jiff::Timestamp;
use serde::Deserialize;

use crate::pages;
use crate::state::AppState;

pub(crate) fn link_error(state: &AppState, error: &LinkError) -> Response {
    let status = match error {
        LinkError::Expired(_) => StatusCode::GONE,
        LinkError::Tampered | LinkError::WrongPurpose => StatusCode::BAD_REQUEST,
    };
    let message = format!("{error}. If you need a new one, reply to the e-mail it came in.");
    pages::notice(state, status, "This link cannot be used", &message)
}

pub(crate) fn failed(state: &AppState, error: &AppError) -> Response {
    tracing::warn!(error.message = %error, "one-tap action failed");
    let status = match error {
        AppError::Temporal(_) | AppError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::CONFLICT,
    };
    let message = match error {
        AppError::Temporal(_) | AppError::Store(_) => {
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
        Err(e) => Err(failed(state, &AppError::Store(e))),
    }
}

pub(crate) fn expires(claims: &Claims) -> String {
    Timestamp::from_second(claims.expires).map_or_else(
        |_| "-".to_owned(),
        |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// `GET /pay/<token>`: records the click (once per link per `links.pay_click_interval`),
/// then sends the customer to the invoice's `https:` pay URL, or shows our bank details with
/// the invoice number as the reference.
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
        Err(e) => return failed(&state, &AppError::Store(e)),
    };
    // Only a web page is a place to send a customer: a `javascript:` or `data:` URL that
    // reached the store before it was refused at the door is never followed.
    let pay_url = stored
        .invoice
        .pay_url
        .as_ref()
        .filter(|url| chaser_domain::limits::is_web_link(url, state.allow_http_links));
    let to = pay_url.map_or_else(|| "the bank-transfer page".to_owned(), ToString::to_string);
    // The customer is on their way to pay: a bookkeeping hiccup must not stop them. A link
    // opened again and again counts once per window, so a loop cannot flood the chase's
    // history or the audit log.
    let window = state.pay_click_interval.as_secs().max(1);
    let click = format!("{}/click/{}", claims.nonce, now.as_second() / window);
    match state
        .chaser
        .store()
        .use_link(&click, "pay_click", now)
        .await
    {
        Ok(true) => {
            if let Err(e) = state.chaser.record_pay_click(&number, &to, now).await {
                tracing::error!(error.message = %e, "could not record a pay-link click");
            }
        }
        Ok(false) => {}
        Err(e) => tracing::error!(error.message = %e, "could not count a pay-link click"),
    }
    match pay_url {
        Some(url) => (StatusCode::FOUND, [(LOCATION, url.to_string())]).into_response(),
        None => pages::bank_transfer(&state, &stored.invoice),
    }
}

/// The confirmation page's question and button for each one-tap action.
fn action_text(action: LinkAction) -> (&'static str, &'static str) {
    match action {
        LinkAction::Resend => (
            "Send this step again? Its first attempt may have reached the customer: the provider gave no answer. Check with them, or in the provider's records, first.",
            "Send again",
        ),
        LinkAction::Pause7d => ("Pause this chase for 7 days?", "Pause 7 days"),
        LinkAction::Dispute => (
            "Mark this invoice as disputed? Sending stops until you resolve it.",
            "Mark disputed",
        ),
        LinkAction::Writeoff => (
            "Write this invoice off? The chase ends for good.",
            "Write off",
        ),
        LinkAction::Resume => ("Resume this chase now?", "Resume"),
        LinkAction::ResolveResume => (
            "Resolve the dispute and resume chasing?",
            "Resolve and resume",
        ),
        LinkAction::Promise7d => (
            "Record the customer's promise to pay within 7 days? The chase waits, and resumes one rung firmer if the day passes unpaid.",
            "Record the promise",
        ),
        LinkAction::Disable => (
            "Stop reminders to this customer? Escalations to you continue.",
            "Stop reminders",
        ),
        LinkAction::Enable => ("Start reminding this customer again?", "Restart reminders"),
        LinkAction::Paid => (
            "Mark this invoice paid? The chase ends and the customer is thanked.",
            "Mark paid",
        ),
        LinkAction::Hold => (
            "Hold this message until tomorrow? It then goes out at the next opening of the send window.",
            "Hold until tomorrow",
        ),
        LinkAction::Dismiss => (
            "Leave this message as it is and go on with the chase? It is not sent again.",
            "Dismiss",
        ),
    }
}

/// The request a one-tap action makes, and the page's words when it is done.
fn request(act: &Act) -> (Request, &'static str) {
    let command = |c: Command| Request::Command(c);
    match act.action {
        LinkAction::Resend => (
            command(Command::Resend {
                step_id: act.step.clone().unwrap_or_default(),
            }),
            "Sending again, through the same checks as any message.",
        ),
        LinkAction::Pause7d => (
            Request::Pause {
                days: Some(7),
                until: None,
                reason: "paused from a one-tap link".into(),
            },
            "Paused for 7 days.",
        ),
        LinkAction::Dispute => (
            command(Command::Dispute {
                reason: "marked disputed from a one-tap link".into(),
            }),
            "Marked disputed: sending has stopped.",
        ),
        LinkAction::Writeoff => (
            command(Command::Writeoff {
                reason: "written off from a one-tap link".into(),
            }),
            "Written off: the chase has ended.",
        ),
        LinkAction::Resume => (command(Command::Resume), "Resumed: the chase carries on."),
        LinkAction::ResolveResume => (
            command(Command::Resolve {
                resolution: Resolution::Resume,
                reason: "resolved from a one-tap link".into(),
            }),
            "Dispute resolved: the chase resumes.",
        ),
        LinkAction::Promise7d => (
            Request::Promise {
                pay_by: None,
                within_days: Some(7),
                until: None,
                note: "recorded from a one-tap link".into(),
            },
            "Promise recorded: the chase waits for it.",
        ),
        LinkAction::Disable => (
            command(Command::Disable),
            "Reminders stopped: escalations to you continue.",
        ),
        LinkAction::Enable => (command(Command::Enable), "Reminders restarted."),
        LinkAction::Paid => (
            command(Command::Paid {
                paid_at: Some(Timestamp::now()),
                reference: Some("marked paid from a one-tap link".into()),
            }),
            "Marked paid: the chase has ended.",
        ),
        LinkAction::Hold => (
            Request::Hold {
                step: act.step.clone(),
                until: None,
            },
            "Held until tomorrow.",
        ),
        LinkAction::Dismiss => (
            command(Command::Dismiss {
                step_id: act.step.clone().unwrap_or_default(),
            }),
            "Dismissed: the chase goes on without it.",
        ),
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
    let Some(act) = Act::parse(&claims.subject) else {
        return link_error(&state, &LinkError::Tampered);
    };
    let (question, button) = action_text(act.action);
    let title = format!("Invoice {}", claims.invoice);
    pages::confirm(&state, &title, question, button, &expires(&claims))
}

/// Whether a form came from the cockpit (`back=review`), which then shows the answer itself.
fn from_cockpit(state: &AppState, headers: &HeaderMap, body: &[u8]) -> bool {
    url::form_urlencoded::parse(body).any(|(k, v)| k == "back" && v == "review")
        && crate::session::is_owner(state, headers)
}

/// `POST /act/<token>`: performs the action once, on behalf of whom the link was made for.
/// From the cockpit, the cockpit comes back with the answer on top.
pub async fn act(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = Timestamp::now();
    let claims = match state.links.verify(&token, Purpose::Act, now) {
        Ok(c) => c,
        Err(e) => return link_error(&state, &e),
    };
    let Some(act) = Act::parse(&claims.subject) else {
        return link_error(&state, &LinkError::Tampered);
    };
    let Ok(number) = InvoiceNumber::parse(&claims.invoice) else {
        return link_error(&state, &LinkError::Tampered);
    };
    if let Err(refused) = spend(&state, &claims, "act", now).await {
        return refused;
    }
    let by = format!("owner-link:{}", claims.issued_to);
    let (request, done) = request(&act);
    // The link's nonce names the request: a double submit is done once.
    let id = Some(format!("link:{}", claims.nonce));
    let (message, done) = match state.chaser.execute(&number, request, &by, id).await {
        Ok(Outcome::Accepted { why }) => (format!("Accepted: {why}."), true),
        Ok(Outcome::Done {
            paused_until: Some(until),
            ..
        }) if act.action == LinkAction::Pause7d => (
            format!("Paused until {}.", until.strftime("%Y-%m-%d %H:%M UTC")),
            true,
        ),
        Ok(_) => (done.to_owned(), true),
        Err(AppError::Refused(reason)) => (format!("Not done: {reason}."), false),
        Err(e) => return failed(&state, &e),
    };
    if from_cockpit(&state, &headers, &body) {
        let text = format!("{}: {message}", claims.invoice);
        return crate::review::cockpit(&state, Some(crate::review::Notice { done, text })).await;
    }
    pages::notice(
        &state,
        StatusCode::OK,
        &format!("Invoice {}", claims.invoice),
        &message,
    )
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
        Ok(Some(a)) if a.status == ApprovalStatus::Pending => {
            pages::approval(&state, &claims.invoice, &a)
        }
        Ok(Some(a)) => pages::notice(
            &state,
            StatusCode::CONFLICT,
            "Already decided",
            &format!("This message is {}.", a.status),
        ),
        Ok(None) => link_error(&state, &LinkError::Tampered),
        Err(e) => failed(&state, &AppError::Store(e)),
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
