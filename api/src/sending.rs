//! The global stop's doors on the web: the owner API (`GET /api/sending`,
//! `POST /api/sending/pause {reason}`, `POST /api/sending/resume`) and the one-tap link in
//! owner e-mails (`/sending/<token>`: GET asks, POST acts). Both go through
//! `Chaser::hold_sending` and `release_sending`, as the CLI does.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chaser_activities::links::{LinkError, Purpose, SendingSwitch};
use chaser_activities::mail::OutgoingEmail;
use chaser_activities::store::{MailEventKind, SendingHold};
use chaser_activities::suppression::Suppressed;
use chaser_app::AppError;
use chaser_app::sending::Switched;
use jiff::Timestamp;
use minijinja::HtmlEscape;
use serde::Deserialize;
use serde_json::json;

use crate::error::{ApiError, parse_json_body};
use crate::owner_api::authorize;
use crate::pages;
use crate::state::AppState;

/// The global stop's line in an owner e-mail built in code (the templated ones use the
/// `pause_sending` macros): its text, and the link alone for the HTML.
pub fn pause_line(
    links: &chaser_activities::links::Links,
    owner: &str,
    ttl: jiff::SignedDuration,
) -> (String, String) {
    let url = links.sending_url(SendingSwitch::Pause, owner, Timestamp::now(), ttl);
    (
        format!(
            "Something wrong with what is going out? Hold all sending (nothing is dropped; resume any time): {url}"
        ),
        url,
    )
}

/// Feeds an SES event's hard bounces and complaints to the deliverability guard; when they
/// hold sending, every owner (of an open invoice, and the default owner) is told why, with a
/// one-tap link to resume. Whether this event held it.
pub(crate) async fn guard(
    state: &AppState,
    event: &serde_json::Value,
    entries: &[Suppressed],
) -> Result<bool, AppError> {
    // One provider message id per event: a redelivered event counts once.
    let message = event
        .pointer("/mail/messageId")
        .and_then(|m| m.as_str())
        .map_or_else(
            || Timestamp::now().as_nanosecond().to_string(),
            str::to_owned,
        );
    let events: Vec<_> = entries
        .iter()
        .filter_map(|e| {
            let kind = MailEventKind::parse(&e.reason)?;
            Some((
                format!("{}/{}/{message}", kind.as_str(), e.address),
                kind,
                e.address.clone(),
            ))
        })
        .collect();
    let Some(hold) = state
        .chaser
        .note_mail_events(&events, &state.deliverability)
        .await?
    else {
        return Ok(false);
    };
    tell_owners(state, &hold).await?;
    Ok(true)
}

/// Owners to tell: of every open invoice, and the default owner.
async fn tell_owners(state: &AppState, hold: &SendingHold) -> Result<(), AppError> {
    for owner in state.chaser.owners(state.default_owner.as_ref()).await? {
        let owner = owner.to_string();
        let resume = state.links.sending_url(
            SendingSwitch::Resume,
            &owner,
            Timestamp::now(),
            state.action_link_ttl,
        );
        let text = format!(
            "The chaser has held all sending: {}.\n\nNo reminder or thank-you goes out until you resume; nothing is dropped. SES reviews an account at 5 % bounces or 0.1 % complaints and pauses it at 10 % / 0.5 %: look at the addresses that bounced (`chaser suppressions`), fix the contacts, then resume.\n\nResume sending: {resume}\n",
            hold.reason
        );
        let html = format!(
            "<p>The chaser has held all sending: {}.</p><p>No reminder or thank-you goes out until you resume; nothing is dropped. SES reviews an account at 5 % bounces or 0.1 % complaints and pauses it at 10 % / 0.5 %: look at the addresses that bounced (<code>chaser suppressions</code>), fix the contacts, then resume.</p><p><a href=\"{}\">Resume sending</a></p>",
            HtmlEscape(&hold.reason),
            HtmlEscape(&resume)
        );
        let email = OutgoingEmail {
            from: state.owner_mail.from.clone(),
            reply_to: None,
            to: vec![owner.clone()],
            cc: vec![],
            subject: "Sending is held: too many bounces or complaints".to_owned(),
            text,
            html,
            attachments: vec![],
        };
        // The hold stands whether or not the owner hears of it: the review and /healthz show it.
        if let Err(e) = state.owner_mail.mailer.send(&email).await {
            tracing::error!(owner, error.message = ?e, "could not tell the owner that sending is held");
        }
    }
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldBody {
    #[serde(default)]
    reason: String,
}

/// `{"held": false}`, or `{"held": true, "since", "by", "reason"}`.
pub(crate) fn view(hold: Option<&SendingHold>) -> serde_json::Value {
    match hold {
        Some(h) => json!({ "held": true, "since": h.since, "by": h.by, "reason": h.reason }),
        None => json!({ "held": false }),
    }
}

/// `GET /api/sending`.
pub(crate) async fn status(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    authorize(&state, &headers)?;
    Ok(Json(view(state.chaser.sending_hold().await?.as_ref())))
}

/// `POST /api/sending/{pause|resume}`: `200` with the state after it, and `changed`.
pub(crate) async fn switch(
    State(state): State<Arc<AppState>>,
    Path(action): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let by = authorize(&state, &headers)?;
    let switched = match SendingSwitch::parse(&action) {
        Some(SendingSwitch::Pause) => {
            let body: HoldBody = if body.iter().all(u8::is_ascii_whitespace) {
                HoldBody::default()
            } else {
                parse_json_body(&body)?
            };
            state.chaser.hold_sending(&body.reason, &by).await?
        }
        Some(SendingSwitch::Resume) => state.chaser.release_sending(&by).await?,
        None => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("`{action}` is not a sending action: expected pause or resume"),
            ));
        }
    };
    let mut answer = view(state.chaser.sending_hold().await?.as_ref());
    answer["changed"] = json!(matches!(switched, Switched::Done(_)));
    Ok(Json(answer))
}

/// What a sending link does, when it expires, and whom it was made for.
fn switch_of(state: &AppState, token: &str) -> Result<(SendingSwitch, String, String), LinkError> {
    let claims = state
        .links
        .verify(token, Purpose::Sending, Timestamp::now())?;
    let switch = SendingSwitch::parse(&claims.subject).ok_or(LinkError::Tampered)?;
    Ok((switch, crate::one_tap::expires(&claims), claims.issued_to))
}

/// `GET /sending/<token>`: asks; never acts (mail scanners prefetch links).
pub async fn confirm(State(state): State<Arc<AppState>>, Path(token): Path<String>) -> Response {
    let (switch, expires, _) = match switch_of(&state, &token) {
        Ok(s) => s,
        Err(e) => return crate::one_tap::link_error(&state, &e),
    };
    let (question, button) = match switch {
        SendingSwitch::Pause => (
            "Hold all sending? No reminder or thank-you goes out until you resume; nothing is dropped. Messages to you still go.",
            "Hold all sending",
        ),
        SendingSwitch::Resume => (
            "Resume sending? Held messages go out as their chases ask again, through every check.",
            "Resume sending",
        ),
    };
    pages::confirm(&state, "All sending", question, button, &expires)
}

/// `POST /sending/<token>`: holds or resumes. Doing it twice changes nothing the second time.
pub async fn act(State(state): State<Arc<AppState>>, Path(token): Path<String>) -> Response {
    let (switch, _, issued_to) = match switch_of(&state, &token) {
        Ok(s) => s,
        Err(e) => return crate::one_tap::link_error(&state, &e),
    };
    let by = format!("owner-link:{issued_to}");
    let switched = match switch {
        SendingSwitch::Pause => {
            state
                .chaser
                .hold_sending("held from a one-tap link", &by)
                .await
        }
        SendingSwitch::Resume => state.chaser.release_sending(&by).await,
    };
    let message = match (switch, switched) {
        (SendingSwitch::Pause, Ok(Switched::Done(_))) => {
            "Sending is held: no reminder or thank-you goes out until you resume."
        }
        (SendingSwitch::Pause, Ok(Switched::Already(_))) => "Sending was already held.",
        (SendingSwitch::Resume, Ok(Switched::Done(_))) => {
            "Sending resumed: held messages go out as their chases ask again."
        }
        (SendingSwitch::Resume, Ok(Switched::Already(_))) => "Sending was not held.",
        (_, Err(e)) => return crate::one_tap::failed(&state, &e),
    };
    pages::notice(&state, StatusCode::OK, "All sending", message)
}
