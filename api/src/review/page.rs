//! The cockpit's pages, for the owner (a session from `/login`, or the API token as a bearer
//! header; never a token in the URL, which would stay in history, logs and `Referer`s):
//! `GET /review`, each invoice's page `GET /invoices/{number}`, and the review queue's
//! decisions `POST /review/items/{id}`.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chaser_app::AppError;
use chaser_app::review_queue::{Resolved, VanishedResolution};
use chaser_domain::{InvoiceNumber, StepState};
use jiff::Timestamp;
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::{Digest, PAGE_LINES};
use crate::pages;
use crate::state::AppState;

/// What the owner's last action did, shown at the top of the cockpit.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub done: bool,
    pub text: String,
}

/// The answer for a request without the owner's session: the sign-in page, or a notice when
/// no API token is set (there is then no owner to sign in).
fn not_owner(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    if state.api_token.is_none() {
        return Some(pages::notice(
            state,
            StatusCode::UNAUTHORIZED,
            "Not available",
            "The cockpit needs http.api_token to be set.",
        ));
    }
    (!crate::session::is_owner(state, headers)).then(|| Redirect::to("/login").into_response())
}

fn unavailable(state: &AppState, error: &AppError) -> Response {
    tracing::error!(error.message = %error, "a cockpit page failed");
    pages::notice(
        state,
        StatusCode::SERVICE_UNAVAILABLE,
        "Not now",
        "Please try again in a minute.",
    )
}

/// The cockpit's HTML for `digest`, with the answer to the action just taken, if any.
pub fn render_cockpit(
    digest: &Digest,
    company: &str,
    notice: Option<&Notice>,
) -> Result<String, String> {
    let ctx = context! {
        title => format!("Collections · {}", digest.date),
        date => &digest.date,
        count => digest.item_count(),
        notice => Serde(notice),
        week => Serde(&digest.week),
        parts => Serde(digest.parts(PAGE_LINES)),
        money => Serde(&digest.money),
        company,
        pause_sending => &digest.pause_sending,
    };
    pages::render_string("cockpit.html", ctx)
}

/// The cockpit, with the answer to the action just taken, if any.
pub(crate) async fn cockpit(state: &AppState, notice: Option<Notice>) -> Response {
    let digest = match state.reviewer().digest(None, Timestamp::now()).await {
        Ok(d) => d,
        Err(e) => return unavailable(state, &e),
    };
    match render_cockpit(&digest, &state.company_name, notice.as_ref()) {
        Ok(html) => (StatusCode::OK, axum::response::Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error.message = %e, "the cockpit did not render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side.",
            )
                .into_response()
        }
    }
}

/// `GET /review`: the cockpit.
pub(crate) async fn page(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Some(refused) = not_owner(&state, &headers) {
        return refused;
    }
    cockpit(&state, None).await
}

/// `GET /invoices/{number}`: one invoice's status, what was sent and comes next, its outbox
/// with each message as rendered, and its audit trail. From the store alone.
pub(crate) async fn invoice_page(
    State(state): State<Arc<AppState>>,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = not_owner(&state, &headers) {
        return refused;
    }
    let unknown = || {
        pages::notice(
            &state,
            StatusCode::NOT_FOUND,
            "Unknown invoice",
            &format!("There is no invoice {number}."),
        )
    };
    let Ok(parsed) = InvoiceNumber::parse(&number) else {
        return unknown();
    };
    let store = state.chaser.store();
    let key = parsed.normalized();
    let stored = match store.invoice(&key).await {
        Ok(Some(s)) => s,
        Ok(None) => return unknown(),
        Err(e) => return unavailable(&state, &AppError::Store(e)),
    };
    let (outbox, audit) =
        match tokio::try_join!(store.outbox_for(&stored.workflow_id), store.audit_for(&key)) {
            Ok(found) => found,
            Err(e) => return unavailable(&state, &AppError::Store(e)),
        };
    let tz = state.zone.tz();
    let local = |t: Timestamp| {
        t.to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    let status = stored.status_view();
    let sends: Vec<_> = status
        .sends
        .iter()
        .map(|s| {
            context! {
                step => &s.step_id,
                at => local(s.at),
                state => step_state(&s.state),
                dismissed => s.dismissed,
            }
        })
        .collect();
    let messages: Vec<_> = outbox
        .iter()
        .map(|row| {
            context! {
                step => &row.step_id,
                status => row.status.as_str(),
                subject => &row.subject,
                error => &row.error,
                reason => &row.reason,
                text => &row.text_body,
            }
        })
        .collect();
    let trail: Vec<_> = audit
        .iter()
        .map(|r| {
            context! {
                at => local(r.at),
                action => r.action.as_str(),
                actor => &r.actor,
                detail => &r.detail,
            }
        })
        .collect();
    let invoice = &stored.invoice;
    let ctx = context! {
        title => format!("Invoice {}", invoice.number),
        company => &state.company_name,
        number => invoice.number.as_str(),
        customer => &invoice.customer.name,
        state => stored.state.as_str(),
        balance => invoice.balance.grouped(),
        amount => invoice.amount.grouped(),
        due => invoice.due_date.to_string(),
        owner => invoice.owner_email.as_str(),
        next => status.next_touch.as_ref().map(|n| context! {
            step => &n.step_id,
            action => super::move_label(n.action),
            at => local(n.at),
        }),
        paused_until => status.paused_until.map(local),
        chasing_disabled => status.chasing_disabled,
        sends,
        messages,
        trail,
    };
    pages::render(StatusCode::OK, "invoice.html", ctx)
}

fn step_state(state: &StepState) -> String {
    match state {
        StepState::Pending => "pending".to_owned(),
        StepState::Done => "sent".to_owned(),
        StepState::Failed { error } => format!("failed: {error}"),
        StepState::Skipped { reason } => format!("skipped ({reason:?})"),
        StepState::Uncertain { reason } => format!("uncertain: {reason}"),
    }
}

/// Closes an item with nothing else done, as `chaser review resolve` does.
async fn dismiss(state: &AppState, id: i64, by: &str) -> Result<Resolved, AppError> {
    let store = state.chaser.store();
    let note = "dismissed from the cockpit".to_owned();
    if store
        .resolve_review(id, by, &note, Timestamp::now())
        .await?
    {
        return Ok(Resolved {
            note,
            outcome: None,
        });
    }
    Err(AppError::Invalid(match store.review_item(id).await? {
        Some(_) => format!("#{id} is already resolved"),
        None => format!("there is no review item #{id}"),
    }))
}

/// A decision on a review-queue item, from the cockpit's forms.
#[derive(Debug, Deserialize)]
pub(crate) struct ItemForm {
    /// `apply`, `paid`, `void`, `renumbered`, `keep` or `dismiss`.
    #[serde(rename = "do")]
    action: String,
    #[serde(default)]
    invoice: String,
    #[serde(default)]
    new_number: String,
}

/// `POST /review/items/{id}`: applies a payment, settles a vanished invoice, or marks an item
/// resolved; the cockpit comes back with what was done, or why not.
pub(crate) async fn item_action(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<ItemForm>,
) -> Response {
    if let Some(refused) = not_owner(&state, &headers) {
        return refused;
    }
    let by = "owner:review-page";
    let chaser = &state.chaser;
    let number = |text: &str, field: &str| {
        InvoiceNumber::parse(text.trim()).map_err(|e| AppError::Invalid(format!("{field}: {e}")))
    };
    let result = match form.action.as_str() {
        "apply" => match number(&form.invoice, "the invoice to apply it to") {
            Ok(invoice) => chaser.apply_review_payment(id, &invoice, by).await,
            Err(e) => Err(e),
        },
        "paid" => {
            chaser
                .resolve_vanished(id, VanishedResolution::Paid, by)
                .await
        }
        "void" => {
            chaser
                .resolve_vanished(id, VanishedResolution::Void, by)
                .await
        }
        "keep" => {
            chaser
                .resolve_vanished(id, VanishedResolution::KeepChasing, by)
                .await
        }
        "renumbered" => match number(&form.new_number, "the new number") {
            Ok(new_number) => {
                chaser
                    .resolve_vanished(id, VanishedResolution::Renumbered { new_number }, by)
                    .await
            }
            Err(e) => Err(e),
        },
        "dismiss" => dismiss(&state, id, by).await,
        other => Err(AppError::Invalid(format!(
            "`{other}` is not a decision on a review item"
        ))),
    };
    let notice = match result {
        Ok(resolved) => Notice {
            done: true,
            text: format!("#{id}: {}", resolved.note),
        },
        Err(e @ (AppError::Temporal(_) | AppError::Store(_))) => return unavailable(&state, &e),
        Err(e) => Notice {
            done: false,
            text: format!("#{id}: not done: {e}"),
        },
    };
    cockpit(&state, Some(notice)).await
}
