//! `POST /webhooks/stripe` (Stripe's own events and signature) and `POST /webhooks/bank`
//! (incoming payments to match, signed like the accounting webhook).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chaser_activities::store::NewReviewItem;
use chaser_app::{AppError, Incoming, Ingested, Request};
use chaser_domain::{Command, InvoiceNumber};
use chaser_intake::webhook::BankBatch;
use chaser_intake::{StripeAction, parse_event, verify_signature};
use jiff::Timestamp;
use serde_json::json;

use crate::http::{
    ApiError, AppState, answer, from_source, header, parse_json_body, verify_signed,
};

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
                        kind: "unmatched_dispute".into(),
                        invoice: None,
                        summary,
                        detail: json!({ "charge": charge, "invoice_id": invoice_id }),
                        dedup_key: format!("unmatched_dispute/{charge}"),
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
