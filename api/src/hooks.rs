//! The webhooks: `POST /webhooks/accounting` (the events of `docs/webhooks.md`),
//! `POST /webhooks/ses` (bounces and complaints), `POST /webhooks/stripe` (Stripe's own events
//! and signature) and `POST /webhooks/bank` (incoming payments to match, signed like the
//! accounting webhook).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chaser_activities::store::NewReviewItem;
use chaser_activities::suppression;
use chaser_app::review_queue::kind::UNMATCHED_DISPUTE;
use chaser_app::{AppError, Chaser, Incoming, Ingested, Outcome, Request};
use chaser_domain::{Command, InvoiceNumber};
use chaser_intake::webhook::{
    self, BankBatch, Envelope, FieldError, InvoiceCreated, InvoicePaid, InvoiceVoided,
    PaymentReceived,
};
use chaser_intake::{StripeAction, parse_event, verify_signature};
use jiff::Timestamp;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::error::{ApiError, parse_json_body};
use crate::signed::{header, same_secret, verify_signed};
use crate::state::AppState;

/// `POST /webhooks/accounting`: the events of `docs/webhooks.md`.
pub(crate) async fn accounting(
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
            return Err(FieldError {
                field: "type".into(),
                message: format!(
                    "unknown event type `{other}`: expected one of {}",
                    webhook::EVENT_TYPES.join(", ")
                ),
            }
            .into());
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
async fn from_source(
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
fn answer(
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
pub(crate) struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// How far a Stripe signature's timestamp may be from now.
const STRIPE_TOLERANCE_SECS: i64 = chaser_intake::DEFAULT_TOLERANCE_SECS;

/// `POST /webhooks/stripe`: `invoice.finalized` starts a chase; `invoice.paid` and
/// `invoice.payment_succeeded` end it paid; `invoice.voided` and
/// `invoice.marked_uncollectible` close it (void, written off); `charge.dispute.created`
/// disputes it. Other events are acknowledged and ignored. Older API versions (2017) work.
pub(crate) async fn stripe(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let Some(secret) = state
        .stripe_webhook_secret
        .as_ref()
        .map(secrecy::ExposeSecret::expose_secret)
    else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "the Stripe webhook is disabled: set http.stripe_webhook_secret",
        ));
    };
    verify_signature(
        secret,
        header(&headers, "stripe-signature"),
        &body,
        Timestamp::now().as_second(),
        STRIPE_TOLERANCE_SECS,
    )
    .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, e.to_string()))?;
    let event =
        parse_event(&body).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    if let StripeAction::Ignored(kind) = &event.action {
        return Ok((
            StatusCode::OK,
            Json(json!({ "status": "ignored", "id": event.id, "type": kind })),
        ));
    }
    let chaser = &state.chaser;
    let store = chaser.store();
    if chaser.handled_before("stripe", &event.id).await? {
        return Ok(answer(StatusCode::OK, "duplicate", &event.id, None));
    }
    let by = format!("webhook:stripe:{}", event.id);
    let id = Some(format!("stripe:{}", event.id));
    let command = |number: InvoiceNumber, command: Command| Ok((number, Request::Command(command)));
    let result = match event.action {
        StripeAction::Start(invoice) => match &state.default_owner {
            None => Err(AppError::Invalid(
                "email.default_owner is not set: Stripe invoices name no account owner".into(),
            )),
            Some(owner) => match invoice.to_invoice(owner) {
                Err(e) => {
                    return Err(ApiError::new(StatusCode::BAD_REQUEST, e.to_string()));
                }
                Ok(invoice) => {
                    let number = invoice.number.clone();
                    let incoming = Incoming {
                        invoice,
                        paid: false,
                        balance_known: true,
                    };
                    match chaser.ingest(incoming, &by).await {
                        Ok(Ingested::Conflict(why)) => chaser
                            .flag_conflict(
                                &number,
                                "webhook:stripe",
                                &why,
                                json!({ "event": event.id }),
                            )
                            .await
                            .map(|()| (format!("flagged: {why}"), false)),
                        other => other.map(|i| (i.describe(), i.is_accepted())),
                    }
                }
            },
        },
        StripeAction::Paid {
            number,
            paid_at,
            invoice_id,
            ..
        } => {
            let paid = Command::Paid {
                paid_at: Some(paid_at),
                reference: Some(invoice_id),
            };
            from_source(chaser, command(number, paid), &by, id, "paid").await
        }
        StripeAction::Void { number, .. } => {
            let void = Command::Void {
                reason: "voided in Stripe".into(),
            };
            from_source(chaser, command(number, void), &by, id, "void").await
        }
        StripeAction::Uncollectible { number, .. } => {
            let writeoff = Command::Writeoff {
                reason: "marked uncollectible in Stripe".into(),
            };
            from_source(chaser, command(number, writeoff), &by, id, "written_off").await
        }
        StripeAction::Dispute {
            charge,
            invoice_id,
            reason,
            amount,
        } => {
            let known = match invoice_id.as_deref().map(InvoiceNumber::parse) {
                Some(Ok(number)) => store
                    .invoice(&number.normalized())
                    .await
                    .map_err(AppError::from)?
                    .filter(|s| !s.state.is_closed())
                    .map(|s| s.invoice.number),
                _ => None,
            };
            match known {
                Some(number) => {
                    let dispute = Command::Dispute {
                        reason: format!("Stripe dispute on {charge}: {reason}"),
                    };
                    from_source(chaser, command(number, dispute), &by, id, "disputed").await
                }
                None => {
                    let summary = format!(
                        "a Stripe dispute of {} on charge {charge} ({reason}) names no invoice the chaser is chasing: pause or dispute the right one by hand",
                        amount.grouped()
                    );
                    let item = NewReviewItem {
                        kind: UNMATCHED_DISPUTE.into(),
                        invoice: None,
                        summary,
                        detail: json!({ "charge": charge, "invoice_id": invoice_id }),
                        dedup_key: format!("{UNMATCHED_DISPUTE}/{charge}"),
                    };
                    store
                        .flag_for_review(&item, Timestamp::now())
                        .await
                        .map_err(AppError::from)?;
                    Ok(("flagged for review".to_owned(), false))
                }
            }
        }
        StripeAction::Ignored(_) => Ok(("ignored".to_owned(), false)),
    };
    match result {
        Ok((outcome, accepted)) => {
            chaser.record_delivery("stripe", &event.id).await?;
            let (status, word) = if accepted {
                (StatusCode::ACCEPTED, "accepted")
            } else {
                (StatusCode::OK, "processed")
            };
            Ok(answer(status, word, &event.id, Some(outcome)))
        }
        // Not processed and not recorded: Stripe's retry is handled.
        Err(e) => Err(e.into()),
    }
}

/// `POST /webhooks/bank`: `{"payments": [{"id", "date", "amount", "currency", "payer",
/// "remittance"}]}`, signed like the accounting webhook. The body is read by
/// `chaser_intake::webhook::BankBatch`.
pub(crate) async fn bank(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    verify_signed(
        state.bank_secret.as_ref(),
        "http.bank_secret",
        &headers,
        &body,
    )?;
    let batch: BankBatch = parse_json_body(&body)?;
    let payments = batch.into_payments()?;
    let report =
        chaser_app::payments::apply(&state.chaser, &payments, "webhook:bank", "webhook:bank")
            .await?;
    Ok(Json(
        json!({ "status": "processed", "result": report.counts(), "report": report }),
    ))
}

/// `POST /webhooks/ses?token=...`: SES bounce and complaint events, delivered by SNS (or
/// posted directly). Hard bounces and complaints suppress their addresses.
pub(crate) async fn ses_events(
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
            return Err(FieldError {
                field: "Type".into(),
                message: format!("unknown SNS message type `{other}`"),
            }
            .into());
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
